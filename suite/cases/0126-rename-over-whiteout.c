// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Renames whose target is a whited-out name: a lower file moving there swaps
 * whiteouts (its old name is whited out, the target's whiteout goes), an
 * upper file replaces the whiteout, and a pure upper dir moving there is
 * opaque so the lower file cannot show through it; renaming a lower dir
 * there without redirect_dir is EXDEV. Each call is checked against the
 * model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_UNLINK, .path = "/abc" },
		{ .kind = OVL_OP_RENAME, .path = "/bc", .path2 = "/abc" },
		{ .kind = OVL_OP_UNLINK, .path = "/c" },
		{ .kind = OVL_OP_RENAME, .path = "/up", .path2 = "/c" },
		{ .kind = OVL_OP_UNLINK, .path = "/d/abc" },
		{ .kind = OVL_OP_MKDIR, .path = "/newd", .mode = 0755 },
		{ .kind = OVL_OP_RENAME, .path = "/newd", .path2 = "/d/abc" },
		{ .kind = OVL_OP_RENAME, .path = "/cdir", .path2 = "/bc" },
		{ .kind = OVL_OP_RENAME, .path = "/sym", .path2 = "/bc" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 126,
	.slug = "rename-over-whiteout",
	.purpose = "a rename onto a whited-out name: files replace the whiteout, dirs landing there turn opaque",
	.tags = "rename,whiteout,opaque",
	.needs_root = true,
	.mount_options = "redirect_dir=off",
	.fixture = "whiteout/layers.tree",
	.run = run,
);
