#!/bin/sh
# Install the Debian packages ovlconform needs, only those missing.
# Build: a C compiler, make, pkg-config and the -dev packages of the libraries.
# Run: the mkfs tools of the backing filesystems, attr, util-linux; Debian's docker.io
# and a static busybox for the cases that check the layer store against a real dockerd;
# fuse-overlayfs (and fusermount3) for the fuse-overlayfs target; qemu and cpio for the
# runs on other kernels (scripts/vm: the kernels themselves are fetched, never installed);
# erofs-utils and squashfs-tools for the composefs-style metadata images of the data-only
# layer cases, fsverity for looking at verity digests by hand; libfuse3 and liburing for the
# FUSE lower and io_uring cases, dosfstools and dmsetup for the vfat and failing-upper ones.
# Reports: chromium, headless, for the HTML report's test; python3-jsonschema for checking
# a KCIDB file against KernelCI's published schema by hand; lava-dispatcher for running
# contrib/lava's job with lava-run.
# Fuzzing: clang and its libFuzzer runtime.
set -eu

PKGS="gcc make pkg-config libc6-dev
libcmocka-dev libmount-dev libcap-dev libkmod-dev libssl-dev libarchive-dev libjansson-dev zlib1g-dev
libfuse3-dev liburing-dev dosfstools dmsetup
e2fsprogs xfsprogs btrfs-progs attr util-linux kmod man-db
docker.io busybox-static fuse-overlayfs fuse3 qemu-system-x86 cpio
erofs-utils squashfs-tools fsverity
chromium python3-jsonschema lava-dispatcher
clang libclang-rt-14-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing Debian packages:$missing" >&2
	echo "install-deps: run as root (make run / make check do this), or: apt-get install$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
