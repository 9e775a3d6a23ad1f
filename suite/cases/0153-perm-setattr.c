// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * As uid 1000 without capabilities: chmod and utimensat of a file the user
 * does not own are EPERM, truncate and open for writing without write
 * permission EACCES, setxattr of a user xattr EACCES where the file is not
 * writable, and none of them copies anything up; the same calls on the
 * user's own file (or a group-writable one) copy it up and keep its owner.
 * Each call is checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_CHMOD, .path = "/readonly", .mode = 0600, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_UTIMES, .path = "/rootonly", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/readonly", .size = 1, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_WRITE, .path = "/home/rootfile", .flags = O_RDWR, .data = "x", .len = 1, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_SETXATTR, .path = "/readonly", .name = "user.u", .data = "1", .len = 1, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_ACCESS, .path = "/readonly", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_UTIMES, .path = "/home/note", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/home/note", .size = 0, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_SETXATTR, .path = "/shared/g", .name = "user.u", .data = "1", .len = 1, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_ACCESS, .path = "/shared/g", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 153,
	.slug = "perm-setattr",
	.purpose = "a user changes modes, times and xattrs of its own files only; a write needs write permission",
	.tags = "perm,copy-up",
	.needs_root = true,
	.fixture = "copy-up/perm.tree",
	.run = run,
);
