// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Failing renames and their errors in the VFS's order: a missing source or
 * target dir (ENOENT), a path through a file (ENOTDIR), a dir into itself
 * (EINVAL), onto a dir holding the source (ENOTEMPTY), a file over a dir
 * (EISDIR), a dir over a file (ENOTDIR), bad flag mixes (EINVAL); none of
 * them copies anything up. Each call is checked against the model (result,
 * merged view, upper dir).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_RENAME, .path = "/missing", .path2 = "/x" },
		{ .kind = OVL_OP_RENAME, .path = "/a", .path2 = "/nodir/x" },
		{ .kind = OVL_OP_RENAME, .path = "/a/x", .path2 = "/y" },
		{ .kind = OVL_OP_RENAME, .path = "/a", .path2 = "/b/x" },
		{ .kind = OVL_OP_RENAME, .path = "/deep", .path2 = "/deep/er/x" },
		{ .kind = OVL_OP_RENAME, .path = "/deep/er/f", .path2 = "/deep" },
		{ .kind = OVL_OP_RENAME, .path = "/a", .path2 = "/dir" },
		{ .kind = OVL_OP_RENAME, .path = "/empty", .path2 = "/a" },
		{ .kind = OVL_OP_RENAME, .path = "/a", .path2 = "/b", .flags = RENAME_NOREPLACE | RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/a", .path2 = "/b", .flags = 0x80 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 130,
	.slug = "rename-errors",
	.purpose = "rename fails as the VFS orders it, and a failed rename copies nothing up",
	.tags = "rename",
	.needs_root = true,
	.mount_options = "redirect_dir=off",
	.fixture = "copy-up/files.tree",
	.run = run,
);
