// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unlink leaves a whiteout (a 0/0 char device in the upper dir, never
 * visible through the mount) where a lower layer still has the name: a
 * file of one lower, a file in two lowers, a symlink, a file deep in lower
 * dirs (whose parents come up first). A file only the upper layer has goes
 * without a trace. Creating the name again replaces the whiteout. Errors:
 * EISDIR for a dir, ENOENT for a missing or already deleted name. Each call
 * is checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_UNLINK, .path = "/b" },
		{ .kind = OVL_OP_UNLINK, .path = "/a" },		/* in A and in B */
		{ .kind = OVL_OP_STAT, .path = "/a" },
		{ .kind = OVL_OP_UNLINK, .path = "/ln" },
		{ .kind = OVL_OP_UNLINK, .path = "/deep/er/f" },
		{ .kind = OVL_OP_UNLINK, .path = "/in-upper" },	/* upper only: no whiteout */
		{ .kind = OVL_OP_UNLINK, .path = "/dir" },
		{ .kind = OVL_OP_UNLINK, .path = "/b" },		/* already gone */
		{ .kind = OVL_OP_UNLINK, .path = "/missing" },
		{ .kind = OVL_OP_WRITE, .path = "/a", .flags = O_WRONLY | O_CREAT, .mode = 0644,
		  .data = "again\n", .len = 6 },
		{ .kind = OVL_OP_READDIR, .path = "/" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/");
	ovl_check_readdir(ctx, "/deep/er");
}

OVL_CASE(
	.number = 111,
	.slug = "whiteout-on-unlink",
	.purpose = "unlink whites out a lower name; an upper-only name goes without trace",
	.tags = "whiteout",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
