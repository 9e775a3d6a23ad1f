#!/bin/bash
# make fuzz: run each libFuzzer target for $1 seconds (default 60) on a copy of
# its seed corpus (the project's fixtures, and fixtures/fuzz/<target>/: inputs
# that once found a bug, kept as regression inputs), in a private mount namespace.
# A crash or a broken property fails; new crashers stay in $BUILD/fuzz/crashes/.
set -u
cd "$(dirname "$0")/.." || exit 1
secs=${1:-60}
FUZZ=${BUILD:-build}/fuzz
work=$(mktemp -d /var/tmp/ovlconform-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$FUZZ"/crashes
passed=0 failed=0

seed() { # target -> corpus dir
	local c=$work/corpus-$1
	mkdir -p "$c"
	case $1 in
	fuzz_tar_import) cp fixtures/tars/*.tar* fixtures/vectors/*.tar fixtures/fuzz/tar_import/* "$c"/ 2>/dev/null
		rm -f "$c"/*.err ;;
	fuzz_fixture_parse) find fixtures -name '*.tree' -exec cp {} "$c"/ \;
		cp fixtures/fuzz/fixture_parse/* "$c"/ ;;
	fuzz_store_readers) printf '\000sha256:xyz' >"$c/a"; printf '\007{"Repositories":{}}' >"$c/b" ;;
	esac
	echo "$c"
}

for t in "$FUZZ"/fuzz_*; do
	[ -x "$t" ] || continue
	name=${t##*/}
	corpus=$(seed "$name")
	echo "== $name: ${secs} s"
	if unshare -m -- "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$FUZZ"/crashes/"$name"- "$corpus" >"$work/$name.log" 2>&1; then
		tail -n 2 "$work/$name.log"
		passed=$((passed + 1))
	else
		tail -n 40 "$work/$name.log"
		echo "!! $name failed; its input is in $FUZZ/crashes/"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
