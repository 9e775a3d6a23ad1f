// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Copy-up on xattr changes: setting or removing a user xattr of a lower
 * file copies it up with its other xattrs; removing an xattr the file does
 * not have fails with ENODATA and copies nothing up. Each call is checked
 * against the model (result, merged view, upper dir).
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_REMOVEXATTR, .path = "/a", .name = "user.none" },
		{ .kind = OVL_OP_SETXATTR, .path = "/a", .name = "user.new", .data = "v", .len = 1 },
		{ .kind = OVL_OP_REMOVEXATTR, .path = "/c", .name = "user.x" },
		{ .kind = OVL_OP_SETXATTR, .path = "/b", .name = "user.k", .data = "", .len = 0 },
		{ .kind = OVL_OP_SETXATTR, .path = "/dir", .name = "user.onadir", .data = "d", .len = 1 },
		{ .kind = OVL_OP_REMOVEXATTR, .path = "/deep", .name = "user.d" },
		{ .kind = OVL_OP_SETXATTR, .path = "/missing", .name = "user.k", .data = "v", .len = 1 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 104,
	.slug = "copy-up-on-xattr",
	.purpose = "setxattr and removexattr copy a lower file up; removing a missing xattr does not",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
