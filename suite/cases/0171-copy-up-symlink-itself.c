// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lchown and utimensat with AT_SYMLINK_NOFOLLOW act on a lower symlink
 * itself: it is copied up as a symlink with the same target (readlink
 * unchanged, even for a dangling or looping link), and what it points to
 * stays where it is; rename and unlink of a link likewise move or white out
 * the link only. Each call is checked against the model (result, merged
 * view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_CHOWN, .path = "/dangling", .uid = 7, .gid = 7 },
		{ .kind = OVL_OP_UTIMES, .path = "/loop" },
		{ .kind = OVL_OP_READLINK, .path = "/loop" },
		{ .kind = OVL_OP_CHOWN, .path = "/to-to-f", .uid = 1, .gid = 1 },
		{ .kind = OVL_OP_RENAME, .path = "/to-f", .path2 = "/d/to-f" },
		{ .kind = OVL_OP_READ, .path = "/to-to-f" },
		{ .kind = OVL_OP_UNLINK, .path = "/dirlink" },
		{ .kind = OVL_OP_STAT, .path = "/d/f" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 171,
	.slug = "copy-up-symlink-itself",
	.purpose = "calls that do not follow a symlink copy up the link itself, target text and all",
	.tags = "copy-up,symlink",
	.needs_root = true,
	.fixture = "copy-up/symlinks.tree",
	.run = run,
);
