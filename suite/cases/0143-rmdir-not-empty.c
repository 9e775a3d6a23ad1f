// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rmdir refuses a dir whose merged view lists any name (ENOTEMPTY),
 * including names that only lower layers have, across three layers, and
 * nothing comes up for the failed call; once the names are deleted
 * (whiteouts, which do not count) it succeeds and leaves one whiteout; an
 * upper-only empty dir goes without one; rmdir of a file is ENOTDIR and of
 * the root EBUSY. Each call is checked against the model (result, merged
 * view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_RMDIR, .path = "/cdir" },
		{ .kind = OVL_OP_RMDIR, .path = "/d" },
		{ .kind = OVL_OP_RMDIR, .path = "/d/sub" },
		{ .kind = OVL_OP_RMDIR, .path = "/abc" },
		{ .kind = OVL_OP_RMDIR, .path = "/" },
		{ .kind = OVL_OP_UNLINK, .path = "/d/sub/x" },
		{ .kind = OVL_OP_RMDIR, .path = "/d/sub" },
		{ .kind = OVL_OP_UNLINK, .path = "/cdir/inner/y" },
		{ .kind = OVL_OP_RMDIR, .path = "/cdir" },
		{ .kind = OVL_OP_RMDIR, .path = "/cdir/inner" },
		{ .kind = OVL_OP_MKDIR, .path = "/fresh", .mode = 0755 },
		{ .kind = OVL_OP_RMDIR, .path = "/fresh" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 143,
	.slug = "rmdir-not-empty",
	.purpose = "rmdir of a merged dir is ENOTEMPTY while any layer shows a name in it, even only lower ones",
	.tags = "dir,whiteout",
	.needs_root = true,
	.mount_options = "redirect_dir=off",
	.fixture = "whiteout/layers.tree",
	.run = run,
);
