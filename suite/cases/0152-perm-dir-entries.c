// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * As uid 1000 with every capability dropped (libcap): names are made (file,
 * dir, symlink, fifo) and removed only in dirs the user may write and
 * search, else EACCES with nothing copied up; a device node needs CAP_MKNOD
 * (EPERM); a rename needs write on both dirs. What the user makes is the
 * user's. Each call is checked against the model (result, merged view, upper
 * dir).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_MKDIR, .path = "/home/d", .mode = 0755, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_MKDIR, .path = "/locked/d", .mode = 0755, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_SYMLINK, .path = "/home/ln", .data = "note", .len = 4, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_SYMLINK, .path = "/ln", .data = "home", .len = 4, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_MKNOD, .path = "/home/fifo", .mode = S_IFIFO | 0600, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_MKNOD, .path = "/home/dev", .mode = S_IFCHR | 0600, .rdev_major = 1, .rdev_minor = 3, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_RENAME, .path = "/home/note", .path2 = "/locked/note", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_RENAME, .path = "/locked/f", .path2 = "/home/f", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_RMDIR, .path = "/home/d", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_UNLINK, .path = "/readonly", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_WRITE, .path = "/shared/new", .flags = O_WRONLY | O_CREAT, .mode = 0640, .data = "g", .len = 1, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 152,
	.slug = "perm-dir-entries",
	.purpose = "a user without capabilities makes and removes names only where the dir's modes let it",
	.tags = "perm",
	.needs_root = true,
	.fixture = "copy-up/perm.tree",
	.run = run,
);
