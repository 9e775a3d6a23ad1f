// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * readdir of the root and of B's opaque dir (over C's) after each change:
 * names made over B's whiteouts appear once, copied-up and deleted names
 * appear or vanish once, and C's hidden names never show; each listing is
 * read twice around a rewind and must equal the model's. Each call is
 * checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/gone", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "g", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/masked" },
		{ .kind = OVL_OP_WRITE, .path = "/o/from-b", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
		{ .kind = OVL_OP_WRITE, .path = "/o/from-c", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "c", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/o/from-a" },
		{ .kind = OVL_OP_RENAME, .path = "/kept", .path2 = "/o/kept" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/");
	ovl_check_readdir(ctx, "/o");
}

OVL_CASE(
	.number = 148,
	.slug = "readdir-lower-marks-after-changes",
	.purpose = "readdir of dirs with lower whiteouts and opaque dirs lists the model's names after each change",
	.tags = "readdir,whiteout,opaque",
	.needs_root = true,
	.fixture = "precedence/lower-whiteout.tree",
	.run = run,
);
