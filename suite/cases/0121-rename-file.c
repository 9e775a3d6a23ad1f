// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Renaming files: a lower file is copied up to its new name and its old
 * name whited out (a file in two lowers too); an upper-only file just
 * moves; a rename over a lower file, into a lower dir (whose parents come
 * up), of a symlink, and back over a whiteout. RENAME_NOREPLACE over a
 * name is EEXIST; a lower directory cannot move with redirect_dir=off
 * (EXDEV, asked for explicitly); a missing source or target dir is ENOENT.
 * Each call is checked against the model (result, merged view, upper dir).
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_RENAME, .path = "/a", .path2 = "/a-moved" },
		{ .kind = OVL_OP_RENAME, .path = "/in-upper", .path2 = "/in-upper2" },
		{ .kind = OVL_OP_RENAME, .path = "/b", .path2 = "/c" },
		{ .kind = OVL_OP_RENAME, .path = "/c", .path2 = "/deep/er/c2" },
		{ .kind = OVL_OP_RENAME, .path = "/a2", .path2 = "/dir/child", .flags = RENAME_NOREPLACE },
		{ .kind = OVL_OP_RENAME, .path = "/dir", .path2 = "/dir2" },
		{ .kind = OVL_OP_RENAME, .path = "/both", .path2 = "/both2" },
		{ .kind = OVL_OP_RENAME, .path = "/missing", .path2 = "/x" },
		{ .kind = OVL_OP_RENAME, .path = "/big", .path2 = "/nope/x" },
		{ .kind = OVL_OP_RENAME, .path = "/ln", .path2 = "/ln2" },
		{ .kind = OVL_OP_RENAME, .path = "/a2", .path2 = "/a" },
		{ .kind = OVL_OP_READDIR, .path = "/" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/");
	ovl_check_readdir(ctx, "/deep/er");
}

OVL_CASE(
	.number = 121,
	.slug = "rename-file",
	.purpose = "rename copies a lower file up to its new name and whites out the old one",
	.tags = "rename,whiteout",
	.needs_root = true,
	.mount_options = "redirect_dir=off",
	.fixture = "copy-up/files.tree",
	.run = run,
);
