#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when a translation in po/LINGUAS lacks a string of the sources, or when a source
# file with translatable strings is missing from po/POTFILES.in.
# usage: check-translations.sh SOURCE_ROOT WORK_DIR
set -eu

srcdir=$1
workdir=$2
status=0

mkdir -p "$workdir"
cd "$srcdir"

potfiles=$(grep -v '^#' po/POTFILES.in | grep -v '^[[:space:]]*$')

# POTFILES.in: sorted, every file present, and every file with marked strings listed.
grep -v '^#' po/POTFILES.in | grep -v '^[[:space:]]*$' > "$workdir/potfiles.listed"
LC_ALL=C sort -c "$workdir/potfiles.listed" 2>/dev/null || {
  echo "po/POTFILES.in is not sorted"
  status=1
}
for f in $potfiles; do
  [ -f "$f" ] || { echo "po/POTFILES.in names $f, which does not exist"; status=1; }
done
{
  grep -l -E '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|g_dngettext|ngettext)[[:space:]]*\(' src/app/*.c 2>/dev/null || true
  grep -l -r --include='*.ui' 'translatable="yes"' src/app 2>/dev/null || true
} | LC_ALL=C sort -u > "$workdir/potfiles.needed"
for f in $(cat "$workdir/potfiles.needed"); do
  grep -qx "$f" "$workdir/potfiles.listed" || {
    echo "$f has translatable strings but is not in po/POTFILES.in"
    status=1
  }
done

# The template, made the way i18n.gettext(preset: 'glib') makes it.
xgettext --package-name=confab --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --directory="$srcdir" --files-from=po/POTFILES.in \
  --output="$workdir/confab.pot"

for lang in $(grep -v '^#' po/LINGUAS); do
  po="po/$lang.po"
  if [ ! -f "$po" ]; then
    echo "$po is missing"
    status=1
    continue
  fi
  msgfmt --check --output-file=/dev/null "$po" || { echo "$po does not compile"; status=1; }
  msgmerge --quiet --output-file="$workdir/$lang.po" "$po" "$workdir/confab.pot"
  stats=$(LC_ALL=C msgfmt --check --statistics --output-file=/dev/null "$workdir/$lang.po" 2>&1) || status=1
  echo "$lang: $stats"
  case "$stats" in
    *untranslated*|*fuzzy*)
      echo "$po is incomplete; missing or fuzzy:"
      msgattrib --untranslated "$workdir/$lang.po" | grep '^msgid' | grep -v '^msgid ""$' || true
      msgattrib --only-fuzzy --no-obsolete "$workdir/$lang.po" | grep '^msgid' | grep -v '^msgid ""$' || true
      status=1
      ;;
    *) ;;
  esac
done

exit $status
