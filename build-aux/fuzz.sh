#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the libFuzzer targets with clang and runs each for a while over its kept corpus.
# usage: build-aux/fuzz.sh [SECONDS]   (default 60)
set -eu
seconds="${1:-60}"
top="$(cd "$(dirname "$0")/.." && pwd)"
build="$top/_build-fuzz"

if [ ! -d "$build" ]; then
  # Everything is instrumented for coverage; only the fuzz targets link libFuzzer's main.
  CC=clang meson setup "$build" "$top" -Dfuzzing=true -Dapp=false -Dserver=false -Dtests=true \
    -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link,address,undefined \
    -Dc_link_args=-fsanitize=address,undefined >/dev/null
fi
ninja -C "$build" tests/fuzz/fuzz-wire >/dev/null

status=0
for target in wire; do
  work="$(mktemp -d)"
  echo "fuzz-$target: ${seconds}s over tests/fuzz/corpus/$target"
  # New inputs go to a scratch directory; the kept corpus is only read.
  if ! "$build/tests/fuzz/fuzz-$target" -max_total_time="$seconds" -max_len=70000 \
       -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$work/" "$work" "$top/tests/fuzz/corpus/$target" 2>"$work/log"; then
    tail -n 40 "$work/log"
    status=1
  else
    grep -E '^(stat::number_of_executed_units|stat::new_units_added|Done)' "$work/log" || tail -n 3 "$work/log"
  fi
  rm -rf "$work"
done
exit $status
