// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * io_uring through the union (liburing): the open that copies a lower file
 * up, and the writes after it, come from io_uring's own workers, not the
 * caller. Through the union:
 *  - IORING_OP_OPENAT of a 4 MiB lower file for writing copies it up;
 *  - a 1 MiB IORING_OP_WRITE and a 192 KiB IORING_OP_WRITEV at offsets
 *    complete in full (never short), IORING_OP_FSYNC succeeds, and the
 *    file reads back as the lower bytes with exactly those changes;
 *  - an IORING_OP_WRITE at the file position (-1) of an O_APPEND file
 *    lands at its end;
 *  - on the block filesystems, sixteen 4 KiB O_DIRECT writes queued at
 *    once each complete in full and read back exactly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

#define MIB (1U << 20)

/* Submit what is queued and wait for n completions: their results in res (by user_data 0..n-1). */
static void complete(struct ovl_ctx *ctx, struct io_uring *ring, unsigned int n, int *res)
{
	struct io_uring_cqe *cqe;
	int r = io_uring_submit(ring);

	if (r < 0)
		ovl_brok(ctx, "io_uring_submit: %s", strerror(-r));
	for (unsigned int i = 0; i < n; i++) {
		r = io_uring_wait_cqe(ring, &cqe);
		if (r < 0)
			ovl_brok(ctx, "io_uring_wait_cqe: %s", strerror(-r));
		if (cqe->user_data < n)
			res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
}

/* Submit the one entry queued and wait for it: its result. */
static int one(struct ovl_ctx *ctx, struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int r = io_uring_submit(ring), res;

	if (r < 0)
		ovl_brok(ctx, "io_uring_submit: %s", strerror(-r));
	r = io_uring_wait_cqe(ring, &cqe);
	if (r < 0)
		ovl_brok(ctx, "io_uring_wait_cqe: %s", strerror(-r));
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

static struct io_uring_sqe *sqe_of(struct ovl_ctx *ctx, struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		ovl_brok(ctx, "io_uring: no free submission entry");
	return sqe;
}

static const char *res_str(int res, char *buf, size_t len)
{
	if (res < 0)
		snprintf(buf, len, "%s", strerrorname_np(-res) ? strerrorname_np(-res) : "?");
	else
		snprintf(buf, len, "%d", res);
	return buf;
}

static void buffered(struct ovl_ctx *ctx, struct io_uring *ring)
{
	char *lower = NULL, *got = NULL, *w1 = malloc(MIB), *w2 = malloc(196608), s[64];
	size_t llen = 0, glen = 0;
	struct iovec iov[2];
	int fd, res;

	if (!w1 || !w2)
		ovl_brok(ctx, "out of memory");
	if (ovl_read_file(ovl_path(ctx, OVL_LAYER_A, "/big"), &lower, &llen, 8 * MIB) || llen != 4 * MIB)
		ovl_brok(ctx, "reading lower A's /big (%zu bytes)", llen);
	memset(w1, 'W', MIB);
	memset(w2, 'V', 196608);
	io_uring_prep_openat(sqe_of(ctx, ring), AT_FDCWD, ovl_merged_path(ctx, "/big"), O_RDWR | O_CLOEXEC, 0);
	fd = one(ctx, ring);
	ovl_check(ctx, fd >= 0, "IORING_OP_OPENAT of a 4 MiB lower file for writing (a copy-up): %s",
		  res_str(fd, s, sizeof(s)));
	if (fd < 0)
		goto out;
	io_uring_prep_write(sqe_of(ctx, ring), fd, w1, MIB, MIB);
	res = one(ctx, ring);
	ovl_check(ctx, res == (int)MIB, "a 1 MiB IORING_OP_WRITE at 1 MiB completes in full: %s",
		  res_str(res, s, sizeof(s)));
	iov[0] = (struct iovec){ w2, 131072 };
	iov[1] = (struct iovec){ w2 + 131072, 65536 };
	io_uring_prep_writev(sqe_of(ctx, ring), fd, iov, 2, 3 * MIB + 4096);
	res = one(ctx, ring);
	ovl_check(ctx, res == 196608, "a 192 KiB IORING_OP_WRITEV of two buffers completes in full: %s",
		  res_str(res, s, sizeof(s)));
	io_uring_prep_fsync(sqe_of(ctx, ring), fd, 0);
	res = one(ctx, ring);
	ovl_check(ctx, res == 0, "IORING_OP_FSYNC: %s", res_str(res, s, sizeof(s)));
	io_uring_prep_close(sqe_of(ctx, ring), fd);
	res = one(ctx, ring);
	ovl_check(ctx, res == 0, "IORING_OP_CLOSE: %s", res_str(res, s, sizeof(s)));
	memcpy(lower + MIB, w1, MIB);
	memcpy(lower + 3 * MIB + 4096, w2, 196608);
	ovl_check(ctx, ovl_read_file(ovl_merged_path(ctx, "/big"), &got, &glen, 8 * MIB) == 0 && glen == llen &&
		  memcmp(got, lower, llen) == 0, "the file reads back as the lower bytes with exactly those writes");
	free(got);
	got = NULL;
	ovl_check(ctx, ovl_read_file(ovl_path(ctx, OVL_LAYER_UPPER, "/big"), &got, &glen, 8 * MIB) == 0 && glen == llen &&
		  memcmp(got, lower, llen) == 0, "and so does its copy in the upper dir");
out:
	free(got);
	free(lower);
	free(w1);
	free(w2);
}

static void appended(struct ovl_ctx *ctx, struct io_uring *ring)
{
	char s[64];
	int fd = SAFE_OPEN(ctx, ovl_merged_path(ctx, "/small"), O_WRONLY | O_APPEND | O_CLOEXEC, 0), res;

	io_uring_prep_write(sqe_of(ctx, ring), fd, "tail\n", 5, (__u64)-1);
	res = one(ctx, ring);
	close(fd);
	ovl_check(ctx, res == 5, "an IORING_OP_WRITE at the position of an O_APPEND file: %s", res_str(res, s, sizeof(s)));
	ovl_check(ctx, ovl_file_is(ovl_merged_path(ctx, "/small"), "small enough\ntail\n", 18),
		  "it lands at the end of the copied-up file");
}

static void direct(struct ovl_ctx *ctx, struct io_uring *ring)
{
	void *buf = NULL;
	char *got = NULL, s[64];
	size_t len = 0;
	int fd, res[16], whole = 0;

	if (posix_memalign(&buf, 4096, 65536))
		ovl_brok(ctx, "out of memory");
	for (size_t i = 0; i < 65536; i++)
		((unsigned char *)buf)[i] = (unsigned char)(i * 7 + i / 4096);
	io_uring_prep_openat(sqe_of(ctx, ring), AT_FDCWD, ovl_merged_path(ctx, "/d/f"),
			     O_WRONLY | O_TRUNC | O_DIRECT | O_CLOEXEC, 0);
	fd = one(ctx, ring);
	ovl_check(ctx, fd >= 0, "IORING_OP_OPENAT O_DIRECT of a lower file (a copy-up): %s", res_str(fd, s, sizeof(s)));
	if (fd < 0) {
		free(buf);
		return;
	}
	for (int i = 0; i < 16; i++) {
		struct io_uring_sqe *sqe = sqe_of(ctx, ring);

		io_uring_prep_write(sqe, fd, (char *)buf + i * 4096, 4096, (__u64)i * 4096);
		io_uring_sqe_set_data64(sqe, (__u64)i);
		res[i] = -EINPROGRESS;
	}
	complete(ctx, ring, 16, res);
	for (int i = 0; i < 16; i++)
		whole += res[i] == 4096;
	ovl_check(ctx, whole == 16, "sixteen 4 KiB O_DIRECT writes queued at once: each completes in full");
	ovl_diag(ctx, "%d of 16 complete in full; the first result %s", whole, res_str(res[0], s, sizeof(s)));
	close(fd);
	ovl_check(ctx, ovl_read_file(ovl_merged_path(ctx, "/d/f"), &got, &len, 1 << 20) == 0 && len == 65536 &&
		  memcmp(got, buf, len) == 0, "they read back exactly through the union");
	free(got);
	free(buf);
}

static void run(struct ovl_ctx *ctx)
{
	struct io_uring ring;
	int r = io_uring_queue_init(32, &ring, 0);

	if (r == -ENOSYS || r == -EPERM)
		ovl_conf(ctx, "io_uring is not available here (io_uring_setup: %s; sysctl kernel.io_uring_disabled?)",
			 strerror(-r));
	if (r)
		ovl_brok(ctx, "io_uring_queue_init: %s", strerror(-r));
	SAFE_MOUNT_UNION(ctx, NULL);
	buffered(ctx, &ring);
	appended(ctx, &ring);
	if (strcmp(ovl_backing_fs(ctx), "tmpfs") == 0)
		ovl_diag(ctx, "O_DIRECT is tried on the block filesystems only (tmpfs took it in later kernels)");
	else
		direct(ctx, &ring);
	io_uring_queue_exit(&ring);
}

OVL_CASE(
	.number = 616,
	.slug = "io-uring-writes",
	.purpose = "io_uring opens (copy-up), writes, writev, fsync and O_DIRECT writes through the union: never short",
	.tags = "calls,copy-up",
	.needs_root = true,
	.needs_kconfig = "CONFIG_IO_URING",
	.fixture = "failing/big-lower.tree",
	.timeout = 60,
	.run = run,
);
