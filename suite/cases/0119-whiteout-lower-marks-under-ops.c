// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * B's whiteouts and opaque dir hide C's names; operations on top must keep
 * that: a file or dir made at a name B whites out does not need to be opaque
 * (nothing shows from below), a copy-up from B's opaque dir brings nothing
 * of C, deleting B's names leaves whiteouts, and removing B's opaque dir
 * once empty does not uncover C's dir. Each call is checked against the
 * model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/gone", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "new\n", .len = 4 },
		{ .kind = OVL_OP_UNLINK, .path = "/gone" },
		{ .kind = OVL_OP_MKDIR, .path = "/gone", .mode = 0755 },
		{ .kind = OVL_OP_WRITE, .path = "/o/from-b", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/o/from-b" },
		{ .kind = OVL_OP_UNLINK, .path = "/o/from-a" },
		{ .kind = OVL_OP_RMDIR, .path = "/o" },
		{ .kind = OVL_OP_MKDIR, .path = "/o", .mode = 0755 },
		{ .kind = OVL_OP_UNLINK, .path = "/masked" },
		{ .kind = OVL_OP_STAT, .path = "/masked" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/");
	ovl_check_readdir(ctx, "/o");
}

OVL_CASE(
	.number = 119,
	.slug = "whiteout-lower-marks-under-ops",
	.purpose = "whiteouts and opaque dirs that B has keep hiding C's names while the union changes",
	.tags = "whiteout,opaque",
	.needs_root = true,
	.fixture = "precedence/lower-whiteout.tree",
	.run = run,
);
