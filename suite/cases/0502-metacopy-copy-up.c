// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * metacopy=on (overlayfs.rst, "Metadata only copy up"): chmod, chown,
 * utimes and setxattr of a lower file copy up its metadata only. The
 * upper file carries trusted.overlay.metacopy and no data (a hole of the
 * file's size), reads still come from the lower file, and st_blocks and
 * SEEK_DATA/SEEK_HOLE are the lower file's. The first open for writing, or
 * a truncate, copies the data up and drops the mark. Every call is checked
 * against the model (result, merged view, upper dir with its metacopy
 * marks), the union again after a remount. A model that copies data up on
 * a metadata change, or keeps the mark on a write, is caught here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* st_blocks and where the first data is (SEEK_DATA from 0; -1 and errno ENXIO for none) of path. */
static int layout(const char *path, long long *blocks, off_t *data, int *data_errno)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	*blocks = (long long)st.st_blocks;
	*data = lseek(fd, 0, SEEK_DATA);
	*data_errno = *data < 0 ? errno : 0;
	close(fd);
	return 0;
}

/* The merged file reports the lower file's blocks and data layout (a metacopy file's are the lower's). */
static void check_layout(struct ovl_ctx *ctx, const char *rel)
{
	long long mb = -1, lb = -1;
	off_t md = -2, ld = -2;
	int me = 0, le = 0;
	int r1 = layout(ovl_merged_path(ctx, rel), &mb, &md, &me);
	int r2 = layout(ovl_path(ctx, OVL_LAYER_A, rel), &lb, &ld, &le);

	ovl_check(ctx, r1 == 0 && r2 == 0 && mb == lb, "%s: st_blocks through the union is the lower file's", rel);
	ovl_diag(ctx, "%s: union %lld blocks, lower %lld", rel, mb, lb);
	ovl_check(ctx, r1 == 0 && r2 == 0 && md == ld && me == le,
		  "%s: SEEK_DATA through the union finds the lower file's data", rel);
	ovl_diag(ctx, "%s: union SEEK_DATA %lld (%s), lower %lld (%s)", rel, (long long)md, me ? strerror(me) : "-",
		 (long long)ld, le ? strerror(le) : "-");
}

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op meta[] = {
		{ .kind = OVL_OP_CHMOD, .path = "/big", .mode = 0600 },
		{ .kind = OVL_OP_CHMOD, .path = "/sparse", .mode = 0640 },
		{ .kind = OVL_OP_CHOWN, .path = "/small", .uid = 1000, .gid = 1000 },
		{ .kind = OVL_OP_UTIMES, .path = "/c" },
		{ .kind = OVL_OP_SETXATTR, .path = "/d/f", .name = "user.x", .data = "1", .len = 1 },
		{ .kind = OVL_OP_READ, .path = "/big" },
		{ .kind = OVL_OP_LINK, .path = "/c", .path2 = "/c2" },
	};
	const struct ovl_op data[] = {
		{ .kind = OVL_OP_WRITE, .path = "/big", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/small", .size = 5 },
		{ .kind = OVL_OP_WRITE, .path = "/c2", .flags = O_RDWR, .data = "head", .len = 4 },
		{ .kind = OVL_OP_READ, .path = "/c" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, meta);
	ovl_check_upper_xattr(ctx, "/big", "trusted.overlay.metacopy");
	check_layout(ctx, "/big");
	check_layout(ctx, "/sparse");
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "metadata-only copies after a remount");
	OVL_CHECK_OPS(ctx, data);
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after the data came up, and a remount");
}

OVL_CASE(
	.number = 502,
	.slug = "metacopy-copy-up",
	.purpose = "metacopy=on: a metadata change copies up metadata only; a write or truncate brings the data",
	.tags = "copy-up,metacopy",
	.needs_root = true,
	.mount_options = "metacopy=on",
	.needs_features = "metacopy=on",
	.fixture = "metacopy/basic.tree",
	.run = run,
);
