// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * renameat2 with RENAME_NOREPLACE refuses (EEXIST, nothing copied up) a
 * target that the merged view shows from any layer, upper or lower, file or
 * dir, even the source itself; onto a free name, or a name whited out, it
 * renames as plain rename does (copy-up, whiteout at the old name). Each
 * call is checked against the model (result, merged view, upper dir).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_RENAME, .path = "/bc", .path2 = "/abc", .flags = RENAME_NOREPLACE },
		{ .kind = OVL_OP_RENAME, .path = "/bc", .path2 = "/up", .flags = RENAME_NOREPLACE },
		{ .kind = OVL_OP_RENAME, .path = "/up", .path2 = "/d", .flags = RENAME_NOREPLACE },
		{ .kind = OVL_OP_RENAME, .path = "/c", .path2 = "/c", .flags = RENAME_NOREPLACE },
		{ .kind = OVL_OP_RENAME, .path = "/bc", .path2 = "/d/new", .flags = RENAME_NOREPLACE },
		{ .kind = OVL_OP_UNLINK, .path = "/abc" },
		{ .kind = OVL_OP_RENAME, .path = "/c", .path2 = "/abc", .flags = RENAME_NOREPLACE },
		{ .kind = OVL_OP_RENAME, .path = "/up", .path2 = "/bc", .flags = RENAME_NOREPLACE },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 128,
	.slug = "rename-noreplace",
	.purpose = "RENAME_NOREPLACE: EEXIST over any visible name, a plain rename onto a free or whited-out one",
	.tags = "rename",
	.needs_root = true,
	.fixture = "whiteout/layers.tree",
	.run = run,
);
