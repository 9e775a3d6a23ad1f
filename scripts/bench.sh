#!/bin/bash
# make bench: speed figures to watch (never asserted). Prints, for a few runs
# of the suite on the default matrix, the wall time, checks and checks per
# second, how long each backing filesystem took to make, and the lib/ model
# benchmark.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
RUNS=${RUNS:-3}
out=$(mktemp -d /var/tmp/ovlconform-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT

make --no-print-directory -s BUILD="$BUILD" "$BUILD/bench_model" || exit 1
echo "== lib/ model"
for n in 2000 20000 100000; do "$BUILD/bench_model" "$n"; done

echo "== the suite on the default matrix, $RUNS runs"
for i in $(seq 1 "$RUNS"); do
	"$BUILD/ovlconform" run --no-progress --results "$out" >"$out/ktap.$i" 2>&1
	wall=$(sed -n 's/^# wall time \([0-9.]*\) s, \([0-9]*\) checks, \([0-9.]*\) checks\/s.*/\1 s, \2 checks, \3 checks\/s/p' "$out/ktap.$i")
	made=$(sed -n 's/^# \([a-z0-9]*\): made in \([0-9.]*\) s.*/\1 \2 s/p' "$out/ktap.$i" | paste -sd, -)
	echo "run $i: $wall; filesystems made: $made"
done

echo "== the layer store: import and commit against Docker and against tar -x + sha256"
"$(dirname "$0")/bench-store.sh"
