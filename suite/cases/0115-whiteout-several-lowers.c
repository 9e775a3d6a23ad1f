// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Deleting a name that A, B and C have, or only B and C, or only C, leaves
 * exactly one whiteout in the upper dir, which hides the name in every lower
 * layer; the same inside a dir merged over the three layers, whose parent
 * comes up first. The whiteout never shows through the mount (lstat and open
 * say ENOENT, readdir does not list it). Each call is checked against the
 * model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_UNLINK, .path = "/abc" },
		{ .kind = OVL_OP_UNLINK, .path = "/bc" },
		{ .kind = OVL_OP_UNLINK, .path = "/c" },
		{ .kind = OVL_OP_STAT, .path = "/abc" },
		{ .kind = OVL_OP_READ, .path = "/bc" },
		{ .kind = OVL_OP_UNLINK, .path = "/d/abc" },
		{ .kind = OVL_OP_UNLINK, .path = "/d/c" },
		{ .kind = OVL_OP_UNLINK, .path = "/abc" },
		{ .kind = OVL_OP_UNLINK, .path = "/up" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/");
	ovl_check_readdir(ctx, "/d");
}

OVL_CASE(
	.number = 115,
	.slug = "whiteout-several-lowers",
	.purpose = "one whiteout hides a name however many lower layers have it",
	.tags = "whiteout",
	.needs_root = true,
	.fixture = "whiteout/layers.tree",
	.run = run,
);
