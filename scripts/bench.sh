#!/bin/bash
# make bench: speed figures to watch (never asserted). Runs, side by side:
# the default matrix at -j (the CPUs), the semantic families at -j 1 and -j 2,
# the docker families; prints each against its target and against the figure
# measured before the speed work (issue 12), the checks each run made (a run
# must make as many as before, or more), whether -j 1 and -j 2 printed the
# same KTAP, then the lib/ model benchmark and the layer store's.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
out=$(mktemp -d /var/tmp/ovlconform-bench.XXXXXX)
keep=
trap '[ -n "$keep" ] || rm -rf "$out"' EXIT

SEMANTIC="precedence copy-up whiteout rename hardlink readdir dir perm mount-errors random inode backing"
DOCKER="docker docker-growth"
# Before: 84c78b0 (the runner had no -j), this 2-core machine, 2026-12-02; the
# family figures are the time in its cases (a serial run: its wall time).
BEFORE_ALL_S=170.8 BEFORE_ALL_CHECKS=28674
BEFORE_SEM_S=90.4 BEFORE_SEM_CHECKS=27294
BEFORE_DOCKER_S=78.6 BEFORE_DOCKER_CHECKS=1404

# run NAME JOBS SELECTORS...: the suite, its KTAP in $out/NAME.ktap; sets wall, checks, ops
run() {
	local name=$1 jobs=$2
	shift 2
	"$BUILD/ovlconform" run --no-progress -j "$jobs" --results "$out/results" "$@" >"$out/$name.ktap" 2>&1
	wall=$(sed -n 's/^# wall time \([0-9.]*\) s.*/\1/p' "$out/$name.ktap")
	checks=$(sed -n 's/^# wall time [0-9.]* s, \([0-9]*\) checks.*/\1/p' "$out/$name.ktap")
	ops=$(sed -n 's/^# [a-z0-9]*: [0-9]* case runs\?, \([0-9]*\) model-checked.*/\1/p' "$out/$name.ktap" |
	      awk '{ n += $1 } END { print n + 0 }')
	fails=$(sed -n 's/^# KTAP leaves.*: [0-9]* passed, \([0-9]*\) failed.*/\1/p' "$out/$name.ktap")
}

# row WHAT TARGET_S BEFORE_S BEFORE_CHECKS: one line of the table from the last run()
row() {
	local verdict
	verdict=$(awk -v w="$wall" -v t="$2" 'BEGIN { if (w <= t) print "met"; else printf "short by %.1f s\n", w - t }')
	printf '%-36s %8s s %8s s %7.1fx %9s %9s  %s\n' "$1" "$3" "$wall" "$(awk -v a="$3" -v b="$wall" 'BEGIN { print a / b }')" \
		"$4" "$checks" "$verdict${fails:+, $fails failed}"
	if [ "${fails:-0}" -ne 0 ]; then
		echo "   !! checks failed in this run: its KTAP stays in $out"
		keep=1
	fi
}

ncpu=$(nproc)
echo "== the suite, $ncpu CPUs ($(uname -r)); targets from issue 12"
printf '%-36s %10s %10s %8s %9s %9s  %s\n' "run" "before" "now" "speedup" "checks<" "checks" "target"
run all "$ncpu"
row "default matrix (-j $ncpu), target 40 s" 40 $BEFORE_ALL_S $BEFORE_ALL_CHECKS
all_peak=$(sed -n 's/^# peak memory: //p' "$out/all.ktap")
grep '^# family ' "$out/all.ktap" | sed 's/^# /   /'
run sem1 1 $SEMANTIC
sem1_wall=$wall
row "semantic families -j 1" 12 $BEFORE_SEM_S $BEFORE_SEM_CHECKS
cp "$out/sem1.ktap" "$out/sem1.keep"
run sem2 2 $SEMANTIC
row "semantic families -j 2, target 12 s" 12 $BEFORE_SEM_S $BEFORE_SEM_CHECKS
printf '   -j 2 is %.2fx -j 1 (target 1.7x); %s model-checked operations, %.0f per second per core\n' \
	"$(awk -v a="$sem1_wall" -v b="$wall" 'BEGIN { print a / b }')" "$ops" "$(awk -v o="$ops" -v w="$wall" 'BEGIN { print o / w / 2 }')"
if diff <(scripts/ktap-stable.sh "$out/sem1.keep") <(scripts/ktap-stable.sh "$out/sem2.ktap") >/dev/null; then
	echo "   -j 1 and -j 2 printed the same KTAP (scripts/ktap-stable.sh)"
else
	echo "   !! -j 1 and -j 2 printed different KTAP:"
	diff <(scripts/ktap-stable.sh "$out/sem1.keep") <(scripts/ktap-stable.sh "$out/sem2.ktap") | head -10
fi
run docker "$ncpu" $DOCKER
row "docker families (-j $ncpu), target 25 s" 25 $BEFORE_DOCKER_S $BEFORE_DOCKER_CHECKS
echo "   peak memory (default matrix): $all_peak"

# Where the time goes, when perf is here (BENCH_PERF=0: not): one filesystem each.
if [ "${BENCH_PERF:-1}" != 0 ] && command -v perf >/dev/null; then
	echo "== perf, the docker families on tmpfs: CPU by command (system-wide)"
	perf record -q -a -o "$out/docker.perf" -- "$BUILD/ovlconform" run --no-progress --fs tmpfs \
		--results "$out/results" $DOCKER >/dev/null 2>&1
	perf report -q -i "$out/docker.perf" --no-children --sort comm 2>/dev/null | head -10
	echo "== perf, the semantic families on tmpfs at -j 2"
	perf record -q -a -g -o "$out/sem.perf" -- "$BUILD/ovlconform" run --no-progress -j 2 --fs tmpfs \
		--results "$out/results" $SEMANTIC >/dev/null 2>&1
	echo "   by binary:"
	perf report -q -g none -i "$out/sem.perf" --no-children --sort dso 2>/dev/null | grep % | head -6
	echo "   the kernel's share by entry (children included):"
	perf report -q -i "$out/sem.perf" --children --sort sym 2>/dev/null |
		grep -E '\[k\] (asm_exc_page_fault|do_exit|kernel_clone|ksys_read|ksys_write|do_sys_openat2|__x64_sys_mount|__x64_sys_umount|__do_sys_newfstatat|__x64_sys_getdents64|default_idle)$' |
		awk '!seen[$NF]++ { printf "   %-8s %s\n", $1, $NF }'
fi

echo "== lib/ model"
make --no-print-directory -s BUILD="$BUILD" "$BUILD/bench_model" || exit 1
for n in 2000 20000 100000; do "$BUILD/bench_model" "$n"; done

echo "== the layer store: import and commit against Docker and against tar -x + sha256"
"$(dirname "$0")/bench-store.sh"
