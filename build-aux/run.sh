#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The run command of README.md: installs what is missing, builds, starts a local
# confab-server (SQLite under your data directory, loopback only, a generated API key),
# starts confab-bot as the demo contact "echo-bot", and opens Confab signed in with the
# bot's chat open. Closing the window or Ctrl+C stops all three.
set -u
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"

"$top/build-aux/install-deps.sh" || { echo "run: installing dependencies failed" >&2; exit 1; }

if [ ! -f _build/build.ninja ]; then
  meson setup _build -Dbuildtype=debugoptimized || exit 1
fi
meson compile -C _build || exit 1

port="${CONFAB_PORT:-8470}"
url="ws://127.0.0.1:$port/ws"
config_dir="${XDG_CONFIG_HOME:-$HOME/.config}/confab"
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/confab-server"
key_file="$config_dir/demo-api-key"

mkdir -p "$config_dir" "$data_dir"
if [ ! -s "$key_file" ]; then
  (umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$key_file")
fi
api_key="$(cat "$key_file")"

server_pid=""
bot_pid=""
cleanup() {
  [ -n "$bot_pid" ] && kill "$bot_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$top/_build/src/server/confab-server" --listen 127.0.0.1 --port "$port" \
  --data-dir "$data_dir" --api-key "$api_key" &
server_pid=$!

# Wait for /healthz.
i=0
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run: confab-server did not start on port $port" >&2
    exit 1
  fi
  sleep 0.1
done

"$top/_build/src/bot/confab-bot" --server "$url" --api-key "$api_key" \
  --user-id echo-bot --username "Echo Bot" &
bot_pid=$!

GSETTINGS_SCHEMA_DIR="$top/_build/data" \
  "$top/_build/src/app/confab" --server "$url" --api-key "$api_key" \
  --user-id "${USER:-me}" --username "${USER:-Me}" --open-contact echo-bot
