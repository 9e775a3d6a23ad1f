// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A name that A, B and C all have copies up from A (the one the merged view
 * shows), a name only B and C have from B, a name only C has from C;
 * deleting the copied name leaves one whiteout that hides every lower
 * layer's file. The same inside a dir merged over the three layers. Each
 * call is checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/abc", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/bc", .size = 1 },
		{ .kind = OVL_OP_CHMOD, .path = "/c", .mode = 0600 },
		{ .kind = OVL_OP_UNLINK, .path = "/abc" },
		{ .kind = OVL_OP_STAT, .path = "/abc" },
		{ .kind = OVL_OP_WRITE, .path = "/d/bc", .flags = O_RDWR, .data = "D", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/d/bc" },
		{ .kind = OVL_OP_SETXATTR, .path = "/d/c", .name = "user.c", .data = "c", .len = 1 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/d");
}

OVL_CASE(
	.number = 174,
	.slug = "copy-up-top-of-several",
	.purpose = "a name that several lowers have copies up from the topmost one; deleting it hides all",
	.tags = "copy-up,whiteout,precedence",
	.needs_root = true,
	.needs_user_xattrs = true,	/* sets user.* xattrs in its operations */
	.fixture = "whiteout/layers.tree",
	.run = run,
);
