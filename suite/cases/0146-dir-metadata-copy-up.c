// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * chmod, lchown, utimensat, setxattr and removexattr of a dir that only
 * lower layers have, or one merged over three layers, copy up the dir itself
 * (with its parents) and nothing below it: its files stay in their lower
 * layers and keep showing through the merged dir, which is not opaque. Each
 * call is checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_CHMOD, .path = "/shared", .mode = 0750 },
		{ .kind = OVL_OP_CHOWN, .path = "/a1/a2", .uid = 4, .gid = 4 },
		{ .kind = OVL_OP_UTIMES, .path = "/shared/b1" },
		{ .kind = OVL_OP_SETXATTR, .path = "/a1", .name = "user.x", .data = "x", .len = 1 },
		{ .kind = OVL_OP_REMOVEXATTR, .path = "/shared", .name = "user.from" },
		{ .kind = OVL_OP_REMOVEXATTR, .path = "/shared/b1/c1", .name = "user.none" },
		{ .kind = OVL_OP_READDIR, .path = "/shared/b1" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/shared/b1");
	ovl_check_readdir(ctx, "/a1/a2");
}

OVL_CASE(
	.number = 146,
	.slug = "dir-metadata-copy-up",
	.purpose = "a metadata change of a lower or merged dir copies up the dir alone, never its children",
	.tags = "copy-up,dir",
	.needs_root = true,
	.fixture = "copy-up/deep.tree",
	.run = run,
);
