// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What never copies up: a read-only open and read, lstat, readdir,
 * readlink and access(W_OK) of lower files, dirs and links leave the upper
 * layer as it was, and fail as the model says where they must (EISDIR,
 * ENOTDIR, EINVAL, ENOENT). Each call is checked against the model
 * (result, merged view, upper dir).
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_READ, .path = "/a" },
		{ .kind = OVL_OP_READ, .path = "/big" },
		{ .kind = OVL_OP_READ, .path = "/dir" },
		{ .kind = OVL_OP_STAT, .path = "/deep/er/f" },
		{ .kind = OVL_OP_STAT, .path = "/missing" },
		{ .kind = OVL_OP_READDIR, .path = "/deep" },
		{ .kind = OVL_OP_READDIR, .path = "/c" },
		{ .kind = OVL_OP_READLINK, .path = "/ln" },
		{ .kind = OVL_OP_READLINK, .path = "/c" },
		{ .kind = OVL_OP_ACCESS, .path = "/b" },
		{ .kind = OVL_OP_ACCESS, .path = "/dir" },
		{ .kind = OVL_OP_READ, .path = "/a/below-a-file" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 105,
	.slug = "no-copy-up-on-read",
	.purpose = "reads, stat, readdir, readlink and access never copy anything up",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
