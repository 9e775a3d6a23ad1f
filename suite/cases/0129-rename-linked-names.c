// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Names of one inode in the upper layer (made by link(), after a copy-up):
 * renaming one keeps the inode and its other names, renaming one name onto
 * another of the same inode does nothing, RENAME_EXCHANGE of a linked name
 * with another file swaps the names only, and renaming a file over a linked
 * name drops just that link. Each call is checked against the model (result,
 * merged view, upper dir) and the link counts.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_LINK, .path = "/c", .path2 = "/c2" },
		{ .kind = OVL_OP_LINK, .path = "/c", .path2 = "/dir/c3" },
		{ .kind = OVL_OP_RENAME, .path = "/c", .path2 = "/a0" },
		{ .kind = OVL_OP_RENAME, .path = "/c2", .path2 = "/a0" },
		{ .kind = OVL_OP_RENAME, .path = "/dir/c3", .path2 = "/b", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/in-upper", .path2 = "/c2" },
		{ .kind = OVL_OP_WRITE, .path = "/b", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_nlink(ctx, "/a0");
	ovl_check_nlink(ctx, "/b");
	ovl_check_nlink(ctx, "/c2");
}

OVL_CASE(
	.number = 129,
	.slug = "rename-linked-names",
	.purpose = "renaming and exchanging names of one upper inode keeps it one inode",
	.tags = "rename,hardlink",
	.needs_root = true,
	.mount_options = "index=off",
	.fixture = "copy-up/files.tree",
	.run = run,
);
