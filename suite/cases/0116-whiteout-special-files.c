// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every kind of lower file is deleted the same way: a symlink (not what it
 * points to), a fifo, a socket, a char and a block device node each leave a
 * 0/0 whiteout in the upper dir and vanish from the merged view; the target
 * of the deleted symlink stays. Each call is checked against the model
 * (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_UNLINK, .path = "/to-big" },
		{ .kind = OVL_OP_STAT, .path = "/big" },
		{ .kind = OVL_OP_UNLINK, .path = "/fifo" },
		{ .kind = OVL_OP_UNLINK, .path = "/sock" },
		{ .kind = OVL_OP_UNLINK, .path = "/null" },
		{ .kind = OVL_OP_UNLINK, .path = "/loop" },
		{ .kind = OVL_OP_UNLINK, .path = "/d/small" },
		{ .kind = OVL_OP_RMDIR, .path = "/d" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/");
}

OVL_CASE(
	.number = 116,
	.slug = "whiteout-special-files",
	.purpose = "deleting a lower symlink, fifo, socket or device node leaves a whiteout",
	.tags = "whiteout",
	.needs_root = true,
	.fixture = "copy-up/types.tree",
	.run = run,
);
