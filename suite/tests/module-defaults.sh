#!/bin/bash
# The verdicts of an unchanged suite do not depend on how the overlay module
# was built: flip each writable parameter in /sys/module/overlay/parameters
# (the way distributions build their kernels: metacopy=Y, redirect_dir=Y,
# xino_auto=Y, index=Y, nfs_export=Y, ...), run the suite on one backing
# filesystem, and compare every case's verdict with the run on the defaults
# as found. Every parameter is put back as found on exit, SIGINT and SIGTERM.
# Usage: module-defaults.sh [--fs FS] [case selection...]
# Output: one "ok N - name" / "not ok N - name" line per parameter, then
# "module-defaults: N passed, N failed, N skipped".
set -u

BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
fs=tmpfs
if [ "${1:-}" = --fs ]; then fs=$2; shift 2; fi
params=/sys/module/overlay/parameters
work=$(mktemp -d /var/tmp/ovlconform-modparams.XXXXXX) && chmod 711 "$work" # 711: a user namespace passes through (0605)
pass=0 fail=0 skip=0 n=0
declare -A saved=()

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $1 # SKIP $2"; }

restore() {
	local p
	for p in "${!saved[@]}"; do
		[ "$(cat "$params/$p")" = "${saved[$p]}" ] || echo "${saved[$p]}" >"$params/$p"
	done
}
finish() {
	restore
	"$top/$BUILD/ovlconform" cleanup --scratch "$work/scratch" >/dev/null 2>&1
	rm -rf "$work"
	echo "module-defaults: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}
trap 'finish; exit $?' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if [ "$(id -u)" != 0 ] || [ ! -w "$params/index" ]; then
	skip "module defaults" "needs root and a loaded overlay module with writable parameters"
	exit 0
fi

# "id VERDICT" per case of a run, from its KTAP: PASS, FAIL, XFAIL, XPASS, SKIP, ERROR, TIMEOUT
# (reasons left out: they name the run's own scratch paths).
verdicts() {
	sed -nE 's/^(not )?ok [0-9]+ ([0-9a-z-]+:[a-z0-9]+)( # ([A-Z]+))?.*$/\2 \1ok \4/p' "$1" |
		sed -E 's/ (not )?ok ([A-Z]+)$/ \2/; s/ not ok $/ FAIL/; s/ ok $/ PASS/'
}
run_suite() {
	"$top/$BUILD/ovlconform" run --no-progress --scratch "$work/scratch" --results "$work/results" \
		--fs "$fs" "$@" >"$work/out" 2>&1
	verdicts "$work/out"
}

# Left out of the comparison, per flipped parameter, each with the reason (printed, never hidden):
# where Docker itself changes what it does with the module's defaults and the suite does not yet
# follow all of it.
left_out() {
	case $1 in
	redirect_dir=Y | metacopy=Y)
		echo "0301-docker-writes-we-read:$fs|Docker then commits with its naive diff; the layer sizes it writes for the images it loads differ from both its native rule and its naive ChangesSize by a few bytes (7 seen), not yet explained"
		echo "0411-commit-growth-docker:$fs|the same naive diff of Docker's: once in a CI run (metacopy=Y) a layer's size differed from ours, not in 6 runs of the case alone, not yet explained" ;;
	esac
}

# the value a parameter is flipped to: a Y/N one the other way; redirect_max much lower
flipped() {
	case $1 in
	redirect_max) echo 16 ;;
	*) [ "$2" = Y ] && echo N || echo Y ;;
	esac
}

run_suite "$@" >"$work/base"
if [ ! -s "$work/base" ]; then
	not_ok "a run on the defaults as found gives verdicts" "$(tail -5 "$work/out")"
	exit 1
fi
for f in "$params"/*; do
	p=${f##*/}
	[ -w "$f" ] || continue
	saved[$p]=$(cat "$f")
	to=$(flipped "$p" "${saved[$p]}")
	if ! echo "$to" >"$f" 2>"$work/err"; then
		skip "$p=$to" "the kernel refuses it: $(cat "$work/err")"
		continue
	fi
	run_suite "$@" >"$work/flip"
	echo "${saved[$p]}" >"$f"
	cp "$work/base" "$work/base.$p"
	while IFS='|' read -r id why; do
		[ -n "$id" ] || continue
		grep -v "^$id " "$work/base.$p" >"$work/b2"; mv "$work/b2" "$work/base.$p"
		grep -v "^$id " "$work/flip" >"$work/f2"; mv "$work/f2" "$work/flip"
		echo "# $p=$to: $id left out: $why"
	done < <(left_out "$p=$to")
	if diff "$work/base.$p" "$work/flip" >"$work/diff"; then
		ok "$p=$to (was ${saved[$p]}): the same $(wc -l <"$work/base.$p") verdicts on $fs"
	else
		mapfile -t lines < <(grep '^[<>]' "$work/diff" | head -20)
		not_ok "$p=$to (was ${saved[$p]}): the same verdicts on $fs" "< as found, > flipped" "${lines[@]}"
	fi
done
