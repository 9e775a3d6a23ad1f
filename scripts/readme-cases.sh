#!/bin/bash
# The README's case table is made from the case descriptors
# (ovlconform list --format markdown), between the two marker lines.
#   scripts/readme-cases.sh            check: exit 1 and show the difference when they differ
#   scripts/readme-cases.sh --update   write the table into README.md
set -u
cd "$(dirname "$0")/.." || exit 1
. scripts/readme-table.sh
BUILD=${BUILD:-build}
begin='<!-- cases: made by `make readme-cases` from the descriptors; do not edit by hand -->'
end='<!-- cases: end -->'
readme=README.md

table=$("$BUILD/ovlconform" list --format markdown) || { echo "readme-cases: $BUILD/ovlconform list failed" >&2; exit 2; }
grep -qxF "$begin" "$readme" && grep -qxF "$end" "$readme" || {
	echo "readme-cases: $readme lacks the marker lines of the case table" >&2; exit 2; }
current=$(sed -n "\\|^${begin//\*/\\*}\$|,\\|^${end}\$|p" "$readme" | sed '1d;$d')
if [ "${1:-}" = --update ]; then
	readme_table_write "$readme" "$begin" "$end" "$table"
	echo "readme-cases: $readme has the table of $(grep -c '^| `' <<<"$table") cases"
	exit 0
fi
if [ "$current" != "$table" ]; then
	echo "readme-cases: the case table in $readme differs from the descriptors (make readme-cases writes it):"
	diff <(printf '%s\n' "$current") <(printf '%s\n' "$table") | head -40
	exit 1
fi
echo "readme-cases: the case table in $readme matches the descriptors ($(grep -c '^| `' <<<"$table") cases)"
