// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rmdir of an empty lower dir leaves a whiteout; a merged dir whose only
 * children live in lower layers is not empty (ENOTEMPTY) until each child
 * is unlinked through the mount, and then goes, its upper copy with its
 * whiteouts replaced by one whiteout. A dir merged from two lowers goes
 * the same way. Errors: ENOTDIR for a file, ENOENT for a missing name.
 * Each call is checked against the model (result, merged view, upper dir).
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_RMDIR, .path = "/empty" },
		{ .kind = OVL_OP_RMDIR, .path = "/dir" },		/* its child is in B */
		{ .kind = OVL_OP_UNLINK, .path = "/dir/child" },
		{ .kind = OVL_OP_RMDIR, .path = "/dir" },
		{ .kind = OVL_OP_RMDIR, .path = "/both" },		/* children in B and C */
		{ .kind = OVL_OP_UNLINK, .path = "/both/from-b" },
		{ .kind = OVL_OP_RMDIR, .path = "/both" },
		{ .kind = OVL_OP_UNLINK, .path = "/both/from-c" },
		{ .kind = OVL_OP_RMDIR, .path = "/both" },
		/* rm -rf of a populated lower dir, bottom up */
		{ .kind = OVL_OP_UNLINK, .path = "/deep/er/f" },
		{ .kind = OVL_OP_RMDIR, .path = "/deep/er" },
		{ .kind = OVL_OP_UNLINK, .path = "/deep/sibling" },
		{ .kind = OVL_OP_RMDIR, .path = "/deep" },
		{ .kind = OVL_OP_RMDIR, .path = "/a" },
		{ .kind = OVL_OP_RMDIR, .path = "/dir" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/");
}

OVL_CASE(
	.number = 112,
	.slug = "whiteout-on-rmdir",
	.purpose = "rmdir whites out a lower dir once the merged dir is empty, not before",
	.tags = "whiteout",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
