// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * index=on keeps the union of a lower hard link's names in the work dir's
 * index: after a copy-up through one name and a remount, the other names
 * still show the copied inode, a change through any of them shows through
 * all, a name can be deleted or added, and the link count is kept across a
 * second remount. Each call is checked against the model (result, merged
 * view, upper dir) and the link counts.
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/g1", .flags = O_WRONLY | O_APPEND, .data = "+g1\n", .len = 4 },
		{ .kind = OVL_OP_UNLINK, .path = "/h3" },
	};
	const struct ovl_op after[] = {
		{ .kind = OVL_OP_WRITE, .path = "/g2", .flags = O_WRONLY | O_APPEND, .data = "+g2\n", .len = 4 },
		{ .kind = OVL_OP_UNLINK, .path = "/g1" },
		{ .kind = OVL_OP_LINK, .path = "/g2", .path2 = "/d/g5" },
		{ .kind = OVL_OP_CHMOD, .path = "/h1", .mode = 0600 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after a remount");
	ovl_check_nlink(ctx, "/g2");
	ovl_check_nlink(ctx, "/h2");
	OVL_CHECK_OPS(ctx, after);
	ovl_check_nlink(ctx, "/g2");
	ovl_check_nlink(ctx, "/d/h4");
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after a second remount");
	ovl_check_nlink(ctx, "/d/g5");
	ovl_check_nlink(ctx, "/h2");
}

OVL_CASE(
	.number = 136,
	.slug = "hardlink-index-remount",
	.purpose = "with index=on the names of a lower hard link stay joined across remounts",
	.tags = "hardlink,index",
	.needs_root = true,
	.mount_options = "index=on",
	.needs_features = "index=on",
	.fixture = "hardlink/lower-links.tree",
	.run = run,
);
