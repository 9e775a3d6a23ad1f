// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rm -r of lower trees, as a tool does it (children first): each file leaves
 * a whiteout in an upper copy of its dir, each emptied dir is then replaced
 * by one whiteout, taking the whiteouts below with it; a dir merged over
 * three layers goes the same way once every layer's names are gone. Made
 * again, the dir is opaque and shows nothing of the lower dirs. Each call is
 * checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_UNLINK, .path = "/cdir/inner/y" },
		{ .kind = OVL_OP_RMDIR, .path = "/cdir/inner" },
		{ .kind = OVL_OP_RMDIR, .path = "/cdir" },
		{ .kind = OVL_OP_UNLINK, .path = "/cdir/z" },
		{ .kind = OVL_OP_RMDIR, .path = "/cdir" },
		{ .kind = OVL_OP_UNLINK, .path = "/d/abc" },
		{ .kind = OVL_OP_UNLINK, .path = "/d/bc" },
		{ .kind = OVL_OP_UNLINK, .path = "/d/c" },
		{ .kind = OVL_OP_UNLINK, .path = "/d/sub/x" },
		{ .kind = OVL_OP_RMDIR, .path = "/d/sub" },
		{ .kind = OVL_OP_RMDIR, .path = "/d" },
		{ .kind = OVL_OP_MKDIR, .path = "/d", .mode = 0755 },
		{ .kind = OVL_OP_WRITE, .path = "/d/new", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "n\n", .len = 2 },
		{ .kind = OVL_OP_READDIR, .path = "/d" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/d");
}

OVL_CASE(
	.number = 117,
	.slug = "whiteout-recursive-removal",
	.purpose = "removing a populated lower tree bottom-up leaves whiteouts, then a whiteout for the dir",
	.tags = "whiteout,dir",
	.needs_root = true,
	.fixture = "whiteout/layers.tree",
	.run = run,
);
