// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * With redirect_dir=on, RENAME_EXCHANGE swaps dirs and files in any
 * combination: an end with lower layers is copied up and takes a redirect to
 * where its lowers are (its old name within the same dir, the absolute old
 * path across dirs), a pure upper dir moving into a merge dir becomes
 * opaque, a file and a dir trade places, and the swap holds across a
 * remount. Each call is checked against the model (result, merged view,
 * upper dir with redirects and opaque marks).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_RENAME, .path = "/ld", .path2 = "/up", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/p/q", .path2 = "/nonempty", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/both", .path2 = "/file", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/upempty", .path2 = "/up2", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/ld", .path2 = "/ld/inner", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/up", .path2 = "/missing", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_READDIR, .path = "/up" },
	};
	const struct ovl_op after[] = {
		{ .kind = OVL_OP_WRITE, .path = "/up/sub/g", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
		{ .kind = OVL_OP_RENAME, .path = "/up", .path2 = "/ld", .flags = RENAME_EXCHANGE },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after a remount: the exchanged dirs keep their contents");
	OVL_CHECK_OPS(ctx, after);
}

OVL_CASE(
	.number = 125,
	.slug = "rename-exchange-dirs",
	.purpose = "RENAME_EXCHANGE of dirs: each end with lower layers takes a redirect, a pure upper one turns opaque",
	.tags = "rename,redirect,dir",
	.needs_root = true,
	.mount_options = "redirect_dir=on",
	.needs_features = "redirect_dir=on",
	.fixture = "rename/dirs.tree",
	.run = run,
);
