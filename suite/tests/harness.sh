#!/bin/bash
# Tests of the runner itself, against the real kernel (needs root):
#  - a deliberately wrong model makes the precedence cases FAIL with a readable
#    tree difference;
#  - timeouts, crashes, cases that check nothing, failing SAFE_ calls and
#    refused features get the right outcome, and leave no process behind;
#  - a run killed with SIGKILL halfway leaves no mount, loop device or process,
#    and the next run removes its scratch state;
#  - SIGINT and SIGTERM stop a run, which still cleans up and writes results.
# Output: one "ok N - name" / "not ok N - name" line per test, then
# "harness: N passed, N failed, N skipped".
set -u

BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
work=$(mktemp -d /var/tmp/ovlconform-harness.XXXXXX) && chmod 711 "$work" # 711: a user namespace passes through (0605)
scratch=$work/scratch
results=$work/results
pass=0 fail=0 skip=0 n=0

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $1 # SKIP $2"; }
# check NAME COMMAND...: ok when COMMAND succeeds
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi; }

# Loop devices whose backing file lies in our scratch dir.
our_loops() { losetup -a 2>/dev/null | grep -F "$scratch" || true; }
# Mounts of ours visible here (the runner keeps its own in a private namespace).
our_mounts() { findmnt -rn -o TARGET 2>/dev/null | grep -F "$work" || true; }
# Wait up to $1 tenths of a second for COMMAND to print nothing.
settles() { local t=$1; shift; while [ "$t" -gt 0 ]; do [ -z "$("$@")" ] && return 0; sleep 0.1; t=$((t - 1)); done; [ -z "$("$@")" ]; }
ours_running() { pgrep -f -- "--scratch $scratch" || true; pgrep -x ovlselftestd || true; }

finish() {
	pkill -KILL -f "$scratch" 2>/dev/null
	"$top/$BUILD/ovlconform" cleanup --scratch "$scratch" >/dev/null 2>&1
	rm -rf "$work"
	echo "harness: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}
trap 'finish; exit $?' EXIT

# 0. Types: a layer is a struct ovl_layer, so a number, a harness dir or a
# layer of another numbering does not compile where a layer is meant. Each
# snippet is compiled against harness.h; the first must compile, the rest not.
layer_snippet() {
	printf '#include "harness.h"\nvoid f(struct ovl_ctx *ctx, struct ovl_entry *e);\n' >"$work/layer.c"
	printf 'void f(struct ovl_ctx *ctx, struct ovl_entry *e) { (void)ctx; (void)e; %s; }\n' "$1" >>"$work/layer.c"
	${CC:-cc} -std=gnu11 -Werror -Ilib/common -Ilib/model -Isuite/harness -Isuite/targets -fsyntax-only "$work/layer.c" 2>/dev/null
}
check "types: a case's layer compiles where a layer is meant" \
	layer_snippet 'ovl_check_reads_from(ctx, "/f", OVL_LAYER_A); (void)ovl_path(ctx, OVL_LAYER_UPPER, "/f")'
for wrong in 'ovl_check_reads_from(ctx, "/f", 0)' 'ovl_path(ctx, 1, "/f")' 'int n = e->layer; (void)n' \
	'(void)(e->layer == OVL_LAYER_UPPER)' 'ovl_layer_dir(ctx, 5)'; do
	if layer_snippet "$wrong"; then not_ok "types: '$wrong' does not compile" "it compiled"
	else ok "types: '$wrong' does not compile"; fi
done

if [ "$(id -u)" != 0 ]; then
	skip "harness tests" "need root (mounts, loop devices, namespaces)"
	exit 0
fi
run() { "$top/$BUILD/$1" run --no-progress --scratch "$scratch" --results "$results" "${@:2}"; }

# 1. A wrong model: the flipped build says the LOWEST layer wins.
out=$(run ovlconform-flipped --fs tmpfs precedence 2>&1); rc=$?; printf "%s\n" "$out" >"$work/out"
check "flipped model: the run exits 1 (FAIL)" test "$rc" -eq 1
check "flipped model: at least 12 of the precedence cases FAIL" \
	test "$(grep -cE '^not ok [0-9]+ [0-9]{4}-' <<<"$out")" -ge 12
check "flipped model: 0001 same-name-a-wins FAILs" grep -q "^not ok 1 0001-same-name-a-wins:tmpfs$" <<<"$out"
check "flipped model: KTAP shows the merged-view check failing" \
	grep -q "^  not ok [0-9]* after mount: merged view matches the model" <<<"$out"
check "flipped model: KTAP shows a '- model' and '+ merged' line for /f" \
	bash -c 'grep -q "^  # - file /f .*# layer lower 2" "$1" && grep -q "^  # + file /f " "$1"' _ "$work/out"
log=$results/latest/logs/tmpfs/0001-same-name-a-wins.log
check "flipped model: the case log holds both dumps and the difference" \
	bash -c 'grep -q "^--- expected (model" "$1" && grep -q "^--- actual (merged view" "$1" && grep -q "^--- difference" "$1"' _ "$log"
check "flipped model: the difference names only what differs" \
	bash -c 'sed -n "/^--- difference/,/^[A-Z]/p" "$1" | grep -q "^- file /f " &&
		! sed -n "/^--- difference/,/^[A-Z]/p" "$1" | grep -q "only-b"' _ "$log"
check "flipped model: the JSON summary records the FAIL" \
	grep -q '"outcome": "FAIL"' "$results/latest/summary.json"
check "flipped model: the JUnit report holds a failure" grep -q "<failure" "$results/latest/junit.xml"

# 1b. A model wrong about copy-up: parents come up without their own metadata.
out=$(run ovlconform-wrong-copy-up --fs tmpfs copy-up 2>&1); rc=$?; printf "%s\n" "$out" >"$work/out"
check "wrong copy-up model: the run exits 1 (FAIL)" test "$rc" -eq 1
check "wrong copy-up model: the upper-dir check of the deep write fails" \
	grep -q "^  not ok [0-9]* after open(/deep/er/f, O_WRONLY|O_APPEND) + write 1 bytes: upper dir matches the model" <<<"$out"
check "wrong copy-up model: KTAP shows the parent's metadata, model against upper" \
	bash -c 'grep -q "^  # - dir /deep mode=0755 uid=0 gid=0" "$1" && grep -q "^  # + dir /deep mode=0700 uid=7 gid=8" "$1"' _ "$work/out"

check "wrong copy-up model: the deep copy-up cases 0110 and 0146 FAIL too" \
	bash -c 'grep -q "^not ok [0-9]* 0110-copy-up-parents-metadata:tmpfs" "$1" &&
		grep -q "^not ok [0-9]* 0146-dir-metadata-copy-up:tmpfs" "$1"' _ "$work/out"
check "wrong copy-up model: cases that copy up no parent still PASS (0105, 0172)" \
	bash -c 'grep -q "^ok [0-9]* 0105-no-copy-up-on-read:tmpfs" "$1" &&
		grep -q "^ok [0-9]* 0172-no-copy-up-on-special-open:tmpfs" "$1"' _ "$work/out"

# 1c. A model wrong about whiteouts: only a name in the topmost lower gets one.
out=$(run ovlconform-wrong-whiteout --fs tmpfs whiteout 2>&1); rc=$?; printf "%s\n" "$out" >"$work/out"
check "wrong whiteout model: the run exits 1 (FAIL)" test "$rc" -eq 1
check "wrong whiteout model: unlink, rmdir and recreate cases all FAIL" \
	bash -c 'for c in 0111-whiteout-on-unlink 0112-whiteout-on-rmdir 0113-opaque-on-recreate; do
		grep -q "^not ok [0-9]* $c:tmpfs" "$1" || exit 1; done' _ "$work/out"
check "wrong whiteout model: the cases on names in several lowers FAIL (0115, 0117)" \
	bash -c 'grep -q "^not ok [0-9]* 0115-whiteout-several-lowers:tmpfs" "$1" &&
		grep -q "^not ok [0-9]* 0117-whiteout-recursive-removal:tmpfs" "$1"' _ "$work/out"
check "wrong whiteout model: cases without a delete still PASS (0010, 0011)" \
	bash -c 'grep -q "^ok [0-9]* 0010-lower-whiteout-and-opaque:tmpfs" "$1" &&
		grep -q "^ok [0-9]* 0011-upper-whiteout:tmpfs" "$1"' _ "$work/out"
check "wrong whiteout model: unlink of a name only B has fails both views" \
	bash -c 'grep -q "^  not ok [0-9]* after unlink(/b): merged view matches the model" "$1" &&
		grep -q "^  not ok [0-9]* after unlink(/b): upper dir matches the model" "$1"' _ "$work/out"
check "wrong whiteout model: KTAP shows the model still listing /b and the kernel's whiteout" \
	bash -c 'grep -q "^  # - file /b mode=0600" "$1" && grep -q "^  # + whiteout /b$" "$1"' _ "$work/out"

# 1e. The explorer against a wrong model: it diverges, stops, and shrinks the trial
# to a reproducer of a handful of operations, which the wrong model fails and the
# real one passes on replay.
explore() { "$top/$BUILD/$1" explore --no-progress --scratch "$scratch" --results "$results" "${@:2}"; }
out=$(explore ovlconform-wrong-whiteout --fs tmpfs --trials 50 --seed 1 2>&1); rc=$?
printf "%s\n" "$out" >"$work/out"
repro=$(sed -n 's/^  # shrunk: \(.*\.repro\) (.*/\1/p' <<<"$out" | head -1)
check "explore, wrong whiteouts: the run FAILs with a divergence" \
	bash -c '[ "$1" -eq 1 ] && grep -q "^  not ok 1 explore on tmpfs: no divergence from the model$" "$2"' _ "$rc" "$work/out"
check "explore, wrong whiteouts: a shrunk reproducer is written" test -s "$repro"
check "explore, wrong whiteouts: it was shrunk to at most 4 operations and 4 entries" \
	bash -c 'o=$(sed -n "/^\[ops\]/,\$p" "$1" | grep -vc "^\[ops\]"); e=$(sed -n "/^options/,/^\[ops\]/p" "$1" | grep -vc "^\[\|^options"); [ "$o" -ge 1 ] && [ "$o" -le 4 ] && [ "$e" -le 4 ]' _ "$repro"
check "explore, wrong whiteouts: the reproducer fails on replay with the wrong model" \
	bash -c '"$1" replay --no-progress --scratch "$2" --results "$3" --fs tmpfs "$4" | grep -q "^not ok 1 9991-replay:tmpfs$"' \
	_ "$top/$BUILD/ovlconform-wrong-whiteout" "$scratch" "$results" "$repro"
check "explore, wrong whiteouts: and passes with the real one (the kernel is right)" \
	bash -c '"$1" replay --no-progress --scratch "$2" --results "$3" --fs tmpfs "$4" | grep -q "^ok 1 9991-replay:tmpfs$"' \
	_ "$top/$BUILD/ovlconform" "$scratch" "$results" "$repro"
out=$(explore ovlconform --fs tmpfs --trials 3 --seed 1 2>&1)
check "explore, real model: a few trials, no divergence, their count and speed reported" \
	grep -q "^  # 3 trials, [0-9]* operations, [0-9]* remounts in .* operations/s" <<<"$out"

# 1d. A kernel config without CONFIG_OVERLAY_FS (a fixture) rules out the overlay cases.
out=$(run ovlconform --kconfig fixtures/kconfig/no-overlay.config --fs tmpfs 0001 0101 2>&1); rc=$?
check "kconfig: with a config lacking OVERLAY_FS the run exits 0 (CONF only)" test "$rc" -eq 0
check "kconfig: each overlay case is CONF naming CONFIG_OVERLAY_FS and the config" \
	bash -c 'for c in 0001-same-name-a-wins 0101-copy-up-on-write; do
		grep -q "^ok [0-9]* $c:tmpfs # SKIP needs OVERLAY_FS; kernel config fixtures/kconfig/no-overlay.config: CONFIG_OVERLAY_FS (not set)" <<<"$1" || exit 1
		done' _ "$out"
out=$(KCONFIG_PATH=fixtures/kconfig/no-overlay.config run ovlconform --fs tmpfs 0001 2>&1)
check "kconfig: \$KCONFIG_PATH is honoured the same way" grep -q "# SKIP needs OVERLAY_FS; kernel config fixtures/kconfig/no-overlay.config" <<<"$out"
out=$("$top/$BUILD/ovlconform" kconfig --config fixtures/kconfig/no-overlay.config 2>&1); rc=$?
check "kconfig report: a config lacking OVERLAY_FS exits 1" test "$rc" -eq 1
check "kconfig report: OVERLAY_FS is MISSING and rules out every case" \
	bash -c 'grep -q "^MISSING  required OVERLAY_FS$" <<<"$1" && grep -q "rules out: 0001-same-name-a-wins,.*: all of them)" <<<"$1"' _ "$out"
out=$("$top/$BUILD/ovlconform" kconfig --config fixtures/kconfig/builtin.config.gz --req Kconfig-checks/overlayfs.req 2>&1); rc=$?
check "kconfig report: a gzip config with overlay built in meets overlayfs.req (exit 0)" \
	bash -c '[ "$2" -eq 0 ] && grep -q "^ok       required OVERLAY_FS$" <<<"$1"' _ "$out" "$rc"
out=$("$top/$BUILD/ovlconform" kconfig --config fixtures/kconfig/overlay-module.config 2>&1); rc=$?
check "kconfig report: overlay as a module is judged by the running kernel; a missing POSIX_MQUEUE fails Docker's needs" \
	bash -c '[ "$2" -eq 1 ] && grep -q "CONFIG_OVERLAY_FS: m" <<<"$1" && grep -q "^MISSING  required POSIX_MQUEUE$" <<<"$1"' _ "$out" "$rc"
out=$("$top/$BUILD/ovlconform" kconfig 2>&1); rc=$?
check "kconfig report: this machine's kernel has overlayfs (exit 0 or 1, OVERLAY_FS ok)" \
	bash -c '[ "$2" -le 1 ] && grep -q "^ok       required OVERLAY_FS$" <<<"$1" && grep -q "running default: index=" <<<"$1"' _ "$out" "$rc"

# 2. The harness's own bad cases.
out=$(run ovlconform-selftest --deviations fixtures/harness/deviations-selftest.json --fs tmpfs 9001 9002 9003 9004 9005 2>&1); rc=$?; printf "%s\n" "$out" >"$work/out"
check "selftest: the run exits 1" test "$rc" -eq 1
check "selftest: a hang times out, and its known deviation does not hide that" grep -q "^not ok 1 9001-hangs-with-a-daemon:tmpfs # TIMEOUT timed out after 1 s" <<<"$out"
check "selftest: the hung case's setsid daemon is gone" settles 30 pgrep -x ovlselftestd
out12=$(run ovlconform-selftest --fs tmpfs 9012 2>&1)
check "selftest: a read a FUSE lower never answers is a TIMEOUT" \
	grep -q "^not ok 1 9012-stuck-fuse-lower:tmpfs # TIMEOUT timed out after 2 s" <<<"$out12"
check "selftest: its FUSE server is gone" settles 30 pgrep -x ovl-fuse-lower
check "selftest: and its FUSE mount" bash -c '! grep -q "^ovlconform-lower " /proc/mounts'
check "selftest: a crash is BROK with the signal" grep -q "^not ok 2 9002-crashes:tmpfs # ERROR the case process was killed by signal 11" <<<"$out"
check "selftest: a crash keeps the checks made before it" grep -q "^  ok 1 a check before the crash" <<<"$out"
check "selftest: a case without checks is BROK" grep -q "^not ok 3 9003-checks-nothing:tmpfs # ERROR the case made no check" <<<"$out"
check "selftest: a failing SAFE_OPEN is BROK naming file, line, path and errno" \
	grep -Eq "^not ok 4 9004-safe-call-fails:tmpfs # ERROR suite/tests/cases/9004-safe-call-fails.c:[0-9]+: open\(.*/merged/no-such-file, 00\): No such file or directory" <<<"$out"
check "selftest: a refused overlay option is CONF with the kernel's words" \
	grep -q "^ok 5 9005-feature-refused:tmpfs # SKIP needs overlay option uuid=no-such-value.*kernel: overlay: Bad value for 'uuid'" <<<"$out"
nreal=$("$top/$BUILD/ovlconform-selftest" list | grep -cv " harness ")
check "selftest: harness cases are not run by default" \
	bash -c '"$1" run --no-progress --scratch "$2" --results "$3" --fs tmpfs 2>/dev/null | grep -q "^1\.\.$4$"' \
	_ "$top/$BUILD/ovlconform-selftest" "$scratch" "$results" "$nreal"
out=$(run ovlconform-selftest --deviations fixtures/harness/deviations-selftest.json --fs tmpfs 9007 9008 9009 9010 2>&1); rc=$?; printf "%s\n" "$out" >"$work/out"
check "selftest: a failed check under a known deviation is XFAIL, and reads as ok at its own level" \
	grep -q "^  ok 2 the deviating behaviour # XFAIL selftest-fails: harness test: documented deviation$" <<<"$out"
check "selftest: a case whose only failures are known is XFAIL" \
	grep -q "^ok 1 9007-known-deviation-fails:tmpfs # XFAIL 1 of 2 checks fail as a known deviation says: " <<<"$out"
check "selftest: a pass under a known deviation is XPASS and fails the run" \
	bash -c 'grep -q "^not ok 2 9008-known-deviation-passes:tmpfs # XPASS " "$1" && [ "$2" -eq 1 ]' _ "$work/out" "$rc"
check "selftest: a mount left in the case's namespace is BROK, named" \
	grep -q "^not ok 3 9009-leaves-a-mount:tmpfs # ERROR still mounted in the case's namespace when it ended: .*/work/stray" <<<"$out"
check "selftest: a failure a deviation does not name FAILs the case beside a known one" \
	bash -c 'grep -q "^  ok 1 the deviating behaviour # XFAIL" "$1" && grep -q "^  not ok 2 a rule the deviation does not name$" "$1" && grep -q "^not ok 4 9010-known-deviation-and-a-failure:tmpfs$" "$1"' _ "$work/out"
# A missing program: CONF saying so; with OVLCONFORM_LEFT_OUT naming it, in the words given there.
out=$(run ovlconform-selftest --fs tmpfs 9011 2>&1)
check "a missing program: CONF, naming it and where it was looked for" \
	grep -q "^ok 1 9011-needs-a-missing-program:tmpfs # SKIP needs program ovlconform-no-such-program, which is not installed (looked in /usr/sbin" <<<"$out"
out=$(OVLCONFORM_LEFT_OUT="dockerd,ovlconform-no-such-program: left out of this guest on purpose" run ovlconform-selftest --fs tmpfs 9011 2>&1)
check "a missing program left out on purpose: CONF with that reason" \
	grep -q "^ok 1 9011-needs-a-missing-program:tmpfs # SKIP needs program ovlconform-no-such-program, which is not here: left out of this guest on purpose$" <<<"$out"

# A target that drops index=on silently FAILs the cases that asked for it, naming the option.
out=$(run ovlconform-selftest --target kernel-drops-index --fs tmpfs 0132 0136 0001 2>&1); rc=$?
printf "%s\n" "$out" >"$work/out"
check "a target that drops index=on: the cases that asked for it FAIL (not CONF)" \
	bash -c 'grep -q "^not ok [0-9]* 0132-hardlink-index-on:tmpfs$" "$1" && grep -q "^not ok [0-9]* 0136-hardlink-index-remount:tmpfs$" "$1"' _ "$work/out"
check "a target that drops index=on: the failing check names the option" \
	grep -q "^  # index=on asked for, but index=off in force" <<<"$out"
check "a target that drops index=on: a case that did not ask for it passes" grep -q "^ok [0-9]* 0001-same-name-a-wins:tmpfs$" <<<"$out"
check "selftest: nothing left mounted or attached" bash -c '[ -z "$(findmnt -rn | grep -F "$1")" ] && [ -z "$(losetup -a | grep -F "$1")" ]' _ "$scratch"

# 3. SIGKILL halfway: while ext4 is mounted on a loop device and a case holds a union.
wait_log() { # wait until the case says it is mounted
	local t=300
	while [ $t -gt 0 ]; do
		grep -qs "selftest: mounted, sleeping" "$results"/latest/logs/*/9006-sleeps-mounted.log 2>/dev/null && return 0
		sleep 0.1; t=$((t - 1))
	done
	return 1
}
rm -f "$results/latest"
# Started directly (not through a function) so that $! is the runner itself.
"$top/$BUILD/ovlconform-selftest" run --no-progress --scratch "$scratch" --results "$results" \
	--fs ext4 9006 >/dev/null 2>&1 &
pid=$!
if wait_log && [ -n "$(our_loops)" ]; then
	ok "sigkill: the run is halfway (ext4 on a loop device, a union mounted)"
	kill -KILL "$pid"; wait "$pid" 2>/dev/null
	check "sigkill: no process of the run survives" settles 50 ours_running
	check "sigkill: no loop device of ours stays attached" settles 50 our_loops
	check "sigkill: nothing of ours is mounted (findmnt)" settles 50 our_mounts
	check "sigkill: the killed run left its scratch state behind" bash -c 'ls -d "$1"/run-* >/dev/null 2>&1' _ "$scratch"
	out=$(run ovlconform --fs tmpfs 1 2>&1); rc=$?
	check "sigkill: the next run passes" test "$rc" -eq 0
	check "sigkill: the next run removed the stale scratch state" grep -q "removed stale scratch state" <<<"$out"
	check "sigkill: the scratch dir is empty after the next run" bash -c '[ -z "$(ls -A "$1")" ]' _ "$scratch"
else
	not_ok "sigkill: the run is halfway (ext4 on a loop device, a union mounted)" "the run never got there"
	kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
fi

# 4. SIGINT and SIGTERM stop a run: it cleans up, reports and exits 4.
for sig in INT TERM; do
	rm -f "$results/latest"
	start=$(date +%s)
	"$top/$BUILD/ovlconform-selftest" run --no-progress -j 1 --scratch "$scratch" --results "$results" \
		--fs ext4,tmpfs 9006 1 >"$work/out.$sig" 2>&1 &
	pid=$!
	if wait_log; then
		kill -"$sig" "$pid"; wait "$pid"; rc=$?
		check "sig$sig: the run exits 4 (interrupted)" test "$rc" -eq 4
		check "sig$sig: it stops at once, not after the case's minute" test $(($(date +%s) - start)) -lt 30
		check "sig$sig: KTAP still reports every planned test" bash -c \
			'[ "$(grep -cE "^(not )?ok [0-9]+ " "$1")" -eq 4 ]' _ "$work/out.$sig"
		check "sig$sig: the cases not run are CONF with the reason" \
			grep -q "# SKIP not run: the run was interrupted" "$work/out.$sig"
		check "sig$sig: summary.json says interrupted" grep -q '"interrupted": true' "$results/latest/summary.json"
		check "sig$sig: no loop device left" settles 50 our_loops
		check "sig$sig: no process of the run left" settles 50 ours_running
		check "sig$sig: the scratch dir is empty" bash -c '[ -z "$(ls -A "$1")" ]' _ "$scratch"
	else
		not_ok "sig$sig: the run got to its first case" "$(tail -5 "$work/out.$sig")"
		kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	fi
done

# 5. ovlconform diff: a run against itself is quiet; a copy of its results with one check turned
#    to FAIL gives that new failure, its case, and exit 1; an unreadable result is exit 3.
rm -f "$results/latest"
run ovlconform --fs tmpfs 1 2 >"$work/out.diff" 2>&1
base=$(readlink -f "$results/latest")
if [ -f "$base/summary.json" ]; then
	"$top/$BUILD/ovlconform" diff "$base" "$base" >"$work/diff.same" 2>&1; rc=$?
	check "diff: a run against itself exits 0" test "$rc" -eq 0
	check "diff: and finds nothing" grep -q ": 0 new failures, 0 newly failing checks, 0 fixed" "$work/diff.same"
	mkdir -p "$work/changed"
	# the first check of the first case: PASS -> FAIL (the summary is indented JSON, one key a line)
	awk '!done && /"outcome": "PASS"/ { sub(/"PASS"/, "\"FAIL\""); done = 1 } { print }' \
		"$base/summary.json" >"$work/changed/summary.json"
	"$top/$BUILD/ovlconform" diff "$base" "$work/changed" >"$work/diff.changed" 2>&1; rc=$?
	check "diff: a check turned to FAIL exits 1" test "$rc" -eq 1
	check "diff: it names the check and its case" bash -c \
		'grep -q "^new failing checks: 0001-same-name-a-wins:tmpfs: PASS -> PASS" "$1" && grep -q "^  check now FAIL (PASS): " "$1"' \
		_ "$work/diff.changed"
	check "diff: and counts one newly failing check" grep -q ", 1 newly failing check," "$work/diff.changed"
	"$top/$BUILD/ovlconform" diff "$work/changed" "$base" >"$work/diff.back" 2>&1; rc=$?
	check "diff: the other way round it is fixed, exit 0" test "$rc" -eq 0
	check "diff: counted as a fixed check" grep -q ", 1 fixed check," "$work/diff.back"
	echo '{"format": "other"}' >"$work/changed/summary.json"
	"$top/$BUILD/ovlconform" diff "$base" "$work/changed" >"$work/diff.bad" 2>&1; rc=$?
	check "diff: a file that is no summary exits 3, naming it" bash -c \
		'[ "$1" -eq 3 ] && grep -q "changed/summary.json: not an ovlconform summary" "$2"' _ "$rc" "$work/diff.bad"
else
	not_ok "diff: a run to compare" "$(tail -5 "$work/out.diff")"
fi

# 6. Targets: what list --targets says, the run's own target options, a
#    deviations file that is wrong, --compare, and fuse-overlayfs leaving
#    nothing mounted or running after a timeout or a SIGKILL of the runner.
out=$("$top/$BUILD/ovlconform" list --targets 2>&1)
check "targets: list --targets names kernel, kernel-fsconfig and fuse-overlayfs, each usable or why not" bash -c \
	'for t in kernel kernel-fsconfig fuse-overlayfs; do grep -q "^$t: " <<<"$1" || exit 1; done; [ "$(grep -c "^  here: " <<<"$1")" -eq 3 ]' _ "$out"
out=$(run ovlconform --target kernel --target-opt squash_to_root --fs tmpfs 1 2>&1); rc=$?
check "targets: the kernel takes no options of its own (exit 3)" \
	bash -c '[ "$1" -eq 3 ] && grep -q "target kernel takes no options of its own" <<<"$2"' _ "$rc" "$out"
out=$(run ovlconform --target fuse-overlayfs --target-opt index=on --fs tmpfs 1 2>&1); rc=$?
check "targets: an option fuse-overlayfs does not have is refused, named (exit 3)" \
	bash -c '[ "$1" -eq 3 ] && grep -q "'"'"'index=on'"'"' is no fuse-overlayfs option" <<<"$2"' _ "$rc" "$out"
printf '{"target": "kernel", "deviations": [{"id": "x", "cases": ["0001-same-name-a-wins"], "checks": "*", "observed": [], "why": "a reason long enough"}]}\n' >"$work/devs.json"
out=$(run ovlconform --deviations "$work/devs.json" --fs tmpfs 1 2>&1); rc=$?
check "targets: a deviations file that covers every check is refused, naming it (exit 3)" \
	bash -c '[ "$1" -eq 3 ] && grep -q "devs.json: deviation x: \"checks\" must be a pattern" <<<"$2"' _ "$rc" "$out"
if command -v fuse-overlayfs >/dev/null 2>&1 || [ -x /usr/bin/fuse-overlayfs ]; then
	fuse_ours() { pgrep -af fuse-overlayfs | grep -F "$scratch" || true; }
	out=$(run ovlconform --target fuse-overlayfs --compare kernel --fs tmpfs 1 12 2>&1); rc=$?
	printf "%s\n" "$out" >"$work/out.compare"
	check "compare: fuse-overlayfs against the kernel exits as the fuse-overlayfs run (0: its deviations are known)" test "$rc" -eq 0
	check "compare: the kernel's KTAP is kept in its results dir" bash -c \
		'ls "$1"/*-kernel/ktap.txt >/dev/null 2>&1 && grep -q "^ok 1 0001-same-name-a-wins:tmpfs" "$1"/*-kernel/ktap.txt' _ "$results"
	check "compare: it prints each check whose outcome differs (PASS under the kernel, XFAIL under fuse-overlayfs)" bash -c \
		'grep -q "^# changed: 0012-readonly-without-upper:tmpfs: PASS -> XFAIL" "$1" && grep -q "^#   check now XFAIL (was PASS): mountinfo shows no upperdir" "$1" && grep -q "^#     # mountinfo-is-fuse: " "$1"' _ "$work/out.compare"
	check "compare: a case the same under both is not listed" bash -c '! grep -q "^# [a-z ]*: 0001-same-name-a-wins" "$1"' _ "$work/out.compare"
	check "fuse-overlayfs: nothing left running or mounted after a run" bash -c '[ -z "$1" ] && [ -z "$(grep fuse-overlayfs /proc/mounts)" ]' _ "$(fuse_ours)"
	out=$(run ovlconform-selftest --target fuse-overlayfs --timeout-mult 0.02 --fs tmpfs 9006 2>&1)
	check "fuse-overlayfs: a case that times out with its union mounted is TIMEOUT" \
		grep -q "^not ok 1 9006-sleeps-mounted:tmpfs # TIMEOUT" <<<"$out"
	check "fuse-overlayfs: after the timeout its process is gone" settles 50 fuse_ours
	rm -f "$results/latest"
	"$top/$BUILD/ovlconform-selftest" run --no-progress --target fuse-overlayfs --scratch "$scratch" \
		--results "$results" --fs tmpfs 9006 >"$work/out.fusekill" 2>&1 &
	pid=$!
	if wait_log; then
		check "fuse-overlayfs: the case's union is a fuse-overlayfs process of ours" bash -c '[ -n "$1" ]' _ "$(fuse_ours)"
		kill -KILL "$pid"; wait "$pid" 2>/dev/null
		check "fuse-overlayfs: SIGKILL of the runner takes its process with it" settles 50 fuse_ours
		check "fuse-overlayfs: and leaves no fuse mount" bash -c '[ -z "$(grep fuse-overlayfs /proc/mounts)" ]'
	else
		not_ok "fuse-overlayfs: the case got to its union" "$(tail -5 "$work/out.fusekill")"
		kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	fi
	"$top/$BUILD/ovlconform" cleanup --scratch "$scratch" >/dev/null 2>&1
else
	skip "compare and fuse-overlayfs cleanup" "fuse-overlayfs is not installed"
fi
