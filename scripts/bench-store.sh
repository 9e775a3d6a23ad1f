#!/bin/bash
# The layer store benchmark (run by make bench): on one generated tree of
# about $BENCH_MB MB in $BENCH_FILES files, and on a many-small-files tree,
# time
#   - the bound: tar -x of the tar plus OpenSSL's sha256 of it,
#   - our import (ovlconform store import) and docker import of the same tar,
#   - our commit and docker commit of the same change (a copy of a tenth of the tree).
# Everything runs in a private mount and PID namespace (dockerd included),
# on a tmpfs mounted over a scratch dir under /var/tmp (removed afterwards),
# so the disk's writeback does not blur the figures. Figures only.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
MB=${BENCH_MB:-600}
FILES=${BENCH_FILES:-20000}
RUNS=${BENCH_RUNS:-3}
top=$(pwd)

if [ "$(id -u)" != 0 ]; then
	echo "bench-store: needs root (mounts, dockerd); skipped"
	exit 0
fi
make --no-print-directory -s BUILD="$BUILD" all "$BUILD/bench_gen" || exit 1
work=$(mktemp -d /var/tmp/ovlconform-bench-store.XXXXXX)
trap 'rm -rf "$work"' EXIT

# not exec: the trap above removes $work when the namespace's work is done
unshare -m -p -f --mount-proc -- bash -s "$top" "$BUILD" "$work" "$MB" "$FILES" "$RUNS" <<'INNER'
set -u
top=$1 BUILD=$2 work=$3 MB=$4 FILES=$5 RUNS=$6
B=$top/$BUILD/ovlconform
mount --make-rprivate /
# The trees and stores live on a tmpfs (8 GiB at most), so that the disk's
# writeback does not blur the figures; every contender works there alike.
mount -t tmpfs -o size=8g ovlconform-bench "$work"
mount -t tmpfs ovlconform-run /run
mkdir -p "$work/etc-up" "$work/etc-work" /run/d
mount -t overlay ovlconform-etc -o "lowerdir=/etc,upperdir=$work/etc-up,workdir=$work/etc-work" /etc
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (a < b ? a : b) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

"$top/$BUILD/bench_gen" "$work/big" "$FILES" $((MB * 1024 * 1024)) || exit 1
"$top/$BUILD/bench_gen" "$work/small" 50000 $((25 * 1024 * 1024)) || exit 1
for t in big small; do tar -C "$work/$t" -cf "$work/$t.tar" . || exit 1; done

have_docker=0
if [ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ]; then
	dockerd --data-root "$work/docker" --exec-root /run/d/x -H unix:///run/d/s --bridge=none \
		--iptables=false --ip6tables=false >"$work/dockerd.log" 2>&1 &
	dpid=$!
	export DOCKER_HOST=unix:///run/d/s
	for _ in $(seq 100); do docker version >/dev/null 2>&1 && { have_docker=1; break; }; sleep 0.2; done
fi
[ $have_docker = 1 ] || echo "(no dockerd: Docker's figures are left out)"

printf '%-8s %10s %10s %12s %14s %16s %16s\n' tree MB bound ours docker "docker/ours" "ours/bound"
for t in big small; do
	tar=$work/$t.tar
	size=$(($(stat -c %s "$tar") / 1024 / 1024))
	cat "$tar" >/dev/null
	# Each figure is the best of $RUNS runs (the machine is shared; the minimum is the least noisy).
	bound=9999 ours=9999 dock=9999
	for _ in $(seq "$RUNS"); do
		rm -rf "$work/x-$t"; mkdir -p "$work/x-$t"; sync
		t0=$(now); tar -C "$work/x-$t" -xf "$tar"; openssl dgst -sha256 "$tar" >/dev/null; t1=$(now)
		bound=$(min "$bound" "$(secs "$t0" "$t1")")
		rm -rf "$work/ours-$t"; sync
		t0=$(now); "$B" store import --root "$work/ours-$t" "$tar" >"$work/ours-$t.txt"; t1=$(now)
		ours=$(min "$ours" "$(secs "$t0" "$t1")")
		if [ $have_docker = 1 ]; then
			sync; t0=$(now); docker import "$tar" "bench/$t:1" >/dev/null; t1=$(now)
			dock=$(min "$dock" "$(secs "$t0" "$t1")")
		fi
	done
	rel=-
	if [ $have_docker = 1 ]; then rel=$(ratio "$dock" "$ours"); else dock=-; fi
	printf '%-8s %10s %9ss %11ss %13s %16s %16s\n' "$t" "$size" "$bound" "$ours" "${dock}s" "$rel" "$(ratio "$ours" "$bound")"
done

# Commit: the same change (a copy of a tenth of the small tree) by both.
echo
chain=$(cut -d' ' -f1 "$work/ours-small.txt")
mv "$work/ours-small" "$work/ours"
img=$("$B" store image --root "$work/ours" --cmd /bin/sh "$chain")
cid=$("$B" store create --root "$work/ours" "$img")
m=$("$B" store mount --root "$work/ours" "$cid")
cp -a "$m"/d00[0-4]? "$m/tmp-copy" 2>/dev/null || { mkdir "$m/tmp-copy"; cp -a "$m"/d00[0-4]? "$m/tmp-copy"/; }
"$B" store umount --root "$work/ours" "$cid"
sync; t0=$(now); "$B" store commit --root "$work/ours" "$cid" >/dev/null; t1=$(now)
ours=$(secs "$t0" "$t1")
if [ $have_docker = 1 ]; then
	docker run --network none --name bc bench/small:1 /bin/sh -c 'mkdir /tmp-copy && cp -a /d00[0-4]? /tmp-copy/' >/dev/null
	sync; t0=$(now); docker commit bc bench/small:2 >/dev/null; t1=$(now)
	dock=$(secs "$t0" "$t1")
	printf 'commit of a copy of 5,000 small files: ours %ss, docker %ss (docker/ours %s)\n' "$ours" "$dock" "$(ratio "$dock" "$ours")"
	kill $dpid; wait $dpid 2>/dev/null
else
	printf 'commit of a copy of 5,000 small files: ours %ss\n' "$ours"
fi
INNER
exit $?
