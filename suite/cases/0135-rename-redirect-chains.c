// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * With redirect_dir=on: a dir moved within its parent keeps a relative
 * redirect, moved out it takes the absolute path (built from its ancestors'
 * own redirects when they moved too), and an absolute redirect stays through
 * later moves, back to the old name included; a dir moved into a moved dir,
 * and a moved dir's moved child, still show their lower files. Each call is
 * checked against the model (result, merged view, upper dir with redirects),
 * and all of it again after a remount.
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_RENAME, .path = "/p", .path2 = "/p2" },
		{ .kind = OVL_OP_RENAME, .path = "/p2/q", .path2 = "/p2/q2" },
		{ .kind = OVL_OP_RENAME, .path = "/p2/q2", .path2 = "/ld/q3" },
		{ .kind = OVL_OP_RENAME, .path = "/ld", .path2 = "/both/ld" },
		{ .kind = OVL_OP_RENAME, .path = "/both/ld/sub", .path2 = "/sub-out" },
		{ .kind = OVL_OP_RENAME, .path = "/both/ld", .path2 = "/ld" },
		{ .kind = OVL_OP_RENAME, .path = "/sub-out", .path2 = "/ld/sub" },
		{ .kind = OVL_OP_WRITE, .path = "/ld/q3/h", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/ld/sub/c" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/ld/sub");
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after a remount");
}

OVL_CASE(
	.number = 135,
	.slug = "rename-redirect-chains",
	.purpose = "dirs moved again and again, into moved dirs and back, keep finding their lowers",
	.tags = "rename,redirect,dir",
	.needs_root = true,
	.mount_options = "redirect_dir=on",
	.needs_features = "redirect_dir=on",
	.fixture = "rename/dirs.tree",
	.run = run,
);
