// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hard links among upper inodes: a pure upper file linked twice, a lower
 * file linked (copied up first) and written through its new name, a name
 * dropped by unlink and another replaced by rename; after each step st_nlink
 * of every remaining name is what the upper layer holds. Each call is
 * checked against the model (result, merged view, upper dir) and the link
 * counts.
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_LINK, .path = "/in-upper", .path2 = "/l1" },
		{ .kind = OVL_OP_LINK, .path = "/l1", .path2 = "/dir/l2" },
		{ .kind = OVL_OP_UNLINK, .path = "/in-upper" },
		{ .kind = OVL_OP_LINK, .path = "/a", .path2 = "/a-l" },
		{ .kind = OVL_OP_WRITE, .path = "/a-l", .flags = O_WRONLY | O_APPEND, .data = "+l\n", .len = 3 },
		{ .kind = OVL_OP_RENAME, .path = "/b", .path2 = "/a-l" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_nlink(ctx, "/l1");
	ovl_check_nlink(ctx, "/dir/l2");
	ovl_check_nlink(ctx, "/a");
	ovl_check_nlink(ctx, "/a-l");
}

OVL_CASE(
	.number = 134,
	.slug = "hardlink-upper-nlink",
	.purpose = "link counts of upper inodes follow link, unlink and rename of their names",
	.tags = "hardlink",
	.needs_root = true,
	.mount_options = "index=off",
	.fixture = "copy-up/files.tree",
	.run = run,
);
