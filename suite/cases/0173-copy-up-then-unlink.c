// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Deleting a file after its copy-up: the upper copy goes and a whiteout
 * takes its place while a lower layer still has the name; a file made again
 * replaces the whiteout, and deleting it again brings the whiteout back. A
 * file only the upper layer ever had goes without a trace. Each call is
 * checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/a", .flags = O_WRONLY | O_APPEND, .data = "!", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/a" },
		{ .kind = OVL_OP_READ, .path = "/a" },
		{ .kind = OVL_OP_WRITE, .path = "/a", .flags = O_WRONLY | O_CREAT, .mode = 0600, .data = "again\n", .len = 6 },
		{ .kind = OVL_OP_UNLINK, .path = "/a" },
		{ .kind = OVL_OP_WRITE, .path = "/in-upper", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/in-upper" },
		{ .kind = OVL_OP_CHMOD, .path = "/deep/er/f", .mode = 0600 },
		{ .kind = OVL_OP_UNLINK, .path = "/deep/er/f" },
		{ .kind = OVL_OP_RMDIR, .path = "/deep/er" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/");
	ovl_check_readdir(ctx, "/deep");
}

OVL_CASE(
	.number = 173,
	.slug = "copy-up-then-unlink",
	.purpose = "a copied-up file that is deleted leaves a whiteout while a lower layer has the name",
	.tags = "copy-up,whiteout",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
