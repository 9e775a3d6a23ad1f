#!/bin/bash
# make check: build warning-free (-Werror), run the unit tests plain and under
# ASan+UBSan, the harness's own tests, the wrong models (each must make its
# cases FAIL on tmpfs and ext4), then the suite on the default matrix, and a VM smoke on 6.1.
# Ends with one line: "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build/check}
passed=0 failed=0 skipped=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3)); }
stage() { echo; echo "== $*"; }

# take_summary PREFIX WHAT RC OUT: add the counts of the line "PREFIX N passed, N failed, N skipped" in OUT;
# no such line counts as a failure. Returns 1 when there was none.
take_summary() {
	local prefix=$1 what=$2 rc=$3 out=$4 line p f s
	line=$(grep -E "^${prefix}[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped\$" <<<"$out" | tail -1)
	if [ -z "$line" ]; then
		echo "!! $what ended with status $rc without a summary"; add 0 1 0; return 1
	fi
	read -r p f s <<<"$(sed -E "s/^${prefix}([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped\$/\1 \2 \3/" <<<"$line")"
	add "$p" "$f" "$s"
	summary_failed=$f
}

# One cmocka binary: add its counts; a crash or a missing summary counts as a failure.
cmocka() {
	local out p f s rc
	out=$("$@" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	if [ -z "$p$f" ] || { [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
		echo "!! $1 ended with status $rc without a cmocka summary"
		f=$((${f:-0} + 1))
	fi
	add "${p:-0}" "${f:-0}" "${s:-0}"
}

stage "build (warnings are errors)"
if ! make --no-print-directory -j"$(nproc)" BUILD=$BUILD EXTRA_CFLAGS=-Werror tests; then
	echo "build failed"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

stage "the README's case table is the descriptors'"
if BUILD=$BUILD scripts/readme-cases.sh; then add 1 0 0; else add 0 1 0; fi

stage "unit tests"
for t in $BUILD/tests/test_*; do cmocka "$t"; done

stage "unit tests under ASan+UBSan"
if make --no-print-directory -j"$(nproc)" BUILD=$BUILD/asan EXTRA_CFLAGS="-Werror -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	EXTRA_LDFLAGS="-fsanitize=address,undefined" \
	$(for t in $BUILD/tests/test_*; do echo "$BUILD/asan/tests/${t##*/}"; done); then
	for t in $BUILD/asan/tests/test_*; do ASAN_OPTIONS=detect_leaks=1 cmocka "$t"; done
else
	echo "!! the sanitizer build failed"; add 0 1 0
fi

stage "fuzzers, a short run each (make fuzz runs them longer)"
out=$(make --no-print-directory BUILD=$BUILD fuzz-build >/dev/null 2>&1 && BUILD=$BUILD scripts/fuzz.sh "${CHECK_FUZZ_SECONDS:-10}" 2>&1); rc=$?
printf '%s\n' "$out" | grep -E '^(==|!!|fuzz:|Done)'
take_summary "fuzz: " "the fuzzers (build or run)" "$rc" "$out" || printf '%s\n' "$out" | tail -20

stage "make install: runner, fixtures, man page, libraries, pkg-config"
out=$(BUILD=$BUILD scripts/test-install.sh 2>&1); rc=$?
printf '%s\n' "$out"
take_summary "install: " "the install tests" "$rc" "$out"

stage "harness tests"
out=$(BUILD=$BUILD bash suite/tests/harness.sh 2>&1); rc=$?
printf '%s\n' "$out"
take_summary "harness: " "the harness tests" "$rc" "$out"

stage "wrong models: each caught on tmpfs and ext4"
out=$(BUILD=$BUILD scripts/mutants.sh 2>&1); rc=$?
printf '%s\n' "$out"
take_summary "mutants: " "the wrong-model tests" "$rc" "$out"

stage "the explorer: fixed seeds on tmpfs and ext4 (make explore runs it for longer)"
for seed in 1 2 3; do
	out=$($BUILD/ovlconform explore --no-progress --results results --fs tmpfs,ext4 --seed "$seed" --trials 40 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E '^(not )?ok|^  # |^# ovlconform:'
	take_summary "# ovlconform: " "explore --seed $seed" "$rc" "$out"
done

stage "verdicts whatever the overlay module's defaults: each writable parameter flipped, tmpfs"
out=$(BUILD=$BUILD bash suite/tests/module-defaults.sh 2>&1); rc=$?
printf '%s\n' "$out"
take_summary "module-defaults: " "the module-defaults test" "$rc" "$out"

stage "the suite on the default matrix"
ktap=$(mktemp)
$BUILD/ovlconform run --no-progress --results results >"$ktap" 2>&1; rc=$?
out=$(cat "$ktap")
printf '%s\n' "$out"
if take_summary "# ovlconform: " "ovlconform" "$rc" "$out"; then
	[ "$rc" -eq 0 ] || [ "$summary_failed" -gt 0 ] || { echo "!! ovlconform exited $rc"; add 0 1 0; }
fi

kernel_run=$(readlink -f results/latest)

stage "kernel-fsconfig passes what kernel passes: the default matrix through fsconfig(2), diffed against the run above"
out=$($BUILD/ovlconform run --no-progress --target kernel-fsconfig --results results 2>&1); rc=$?
printf '%s\n' "$out" | grep -E "^(not ok|# ovlconform:)"
if [ "$rc" -eq 0 ] && $BUILD/ovlconform diff "$kernel_run" "$(readlink -f results/latest)"; then
	add 1 0 0
else
	echo "!! kernel-fsconfig exited $rc, or fails where kernel passes"; add 0 1 0
fi

stage "fuse-overlayfs on the default matrix: every deviation known (no FAIL, no XPASS), nothing left behind"
if command -v fuse-overlayfs >/dev/null 2>&1; then
	out=$($BUILD/ovlconform run --no-progress --target fuse-overlayfs --results results 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E "^(not ok|# ovlconform:|# known deviations)"
	if [ "$rc" -eq 0 ] && [ -z "$(pgrep -x fuse-overlayfs)" ] && ! grep -q fuse-overlayfs /proc/mounts; then
		add 1 0 0
	else
		echo "!! fuse-overlayfs exited $rc, or left a process or mount"; add 0 1 0
	fi
else
	echo "fuse-overlayfs is not installed (scripts/install-deps.sh installs it)"; add 0 0 1
fi

stage "the HTML report in a real browser: headless Chromium loads a merged report, its DOM and a screenshot"
out=$(BUILD=$BUILD bash suite/tests/html.sh results 2>&1); rc=$?
printf '%s\n' "$out"
take_summary "html: " "the HTML report tests" "$rc" "$out"

stage "lkp-tests (0-day): contrib/lkp's run and parse scripts on real runs"
out=$(BUILD=$BUILD bash suite/tests/lkp.sh 2>&1); rc=$?
printf '%s\n' "$out"
take_summary "lkp: " "the lkp tests" "$rc" "$out"

stage "another kernel in a VM: a short smoke on Debian 12's 6.1 under qemu, a panic and a hang reported as such"
out=$(BUILD=$BUILD bash suite/tests/vm.sh 2>&1); rc=$?
printf '%s\n' "$out"
take_summary "vm: " "the VM tests" "$rc" "$out"

stage "LAVA: contrib/lava's job through lava-run on this machine's qemu, its test definition against LAVA's schema"
out=$(BUILD=$BUILD bash suite/tests/lava.sh 2>&1); rc=$?
printf '%s\n' "$out"
take_summary "lava: " "the LAVA tests" "$rc" "$out"

stage "-j 1 and -j 2 print the same KTAP (scripts/ktap-stable.sh: all but timings and run ids)"
j1=$(mktemp) j2=$(mktemp)
sel="precedence whiteout rename hardlink dir 0106 0202"
$BUILD/ovlconform run --no-progress -j 1 --fs tmpfs,ext4 --results results $sel >"$j1" 2>&1
$BUILD/ovlconform run --no-progress -j 2 --fs tmpfs,ext4 --results results $sel >"$j2" 2>&1
if n=$(grep -c "^ok\|^not ok" "$j1") && [ "$n" -gt 0 ] &&
   diff <(scripts/ktap-stable.sh "$j1") <(scripts/ktap-stable.sh "$j2") >/dev/null; then
	echo "the same $n case runs, line for line"; add 1 0 0
else
	echo "!! they differ:"; diff <(scripts/ktap-stable.sh "$j1") <(scripts/ktap-stable.sh "$j2") | head -20; add 0 1 0
fi
rm -f "$j1" "$j2"

stage "the run's KTAP read as kselftest and the kernel's parser read it (XFAIL is ok at every level)"
if $BUILD/tests/test_report "$ktap"; then add 1 0 0; else add 0 1 0; fi
rm -f "$ktap"

echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
