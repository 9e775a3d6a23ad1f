// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkdir where the merged view shows a name, from any layer and of any type
 * (lower file, merged dir, lower dir, upper file, symlink), fails with
 * EEXIST and copies nothing up; a missing parent is ENOENT, a file as parent
 * ENOTDIR; where a whiteout hides a lower name the new dir is opaque. Each
 * call is checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_MKDIR, .path = "/abc", .mode = 0755 },
		{ .kind = OVL_OP_MKDIR, .path = "/d", .mode = 0755 },
		{ .kind = OVL_OP_MKDIR, .path = "/cdir", .mode = 0755 },
		{ .kind = OVL_OP_MKDIR, .path = "/up", .mode = 0755 },
		{ .kind = OVL_OP_MKDIR, .path = "/sym", .mode = 0755 },
		{ .kind = OVL_OP_MKDIR, .path = "/pipe", .mode = 0755 },
		{ .kind = OVL_OP_MKDIR, .path = "/nodir/x", .mode = 0755 },
		{ .kind = OVL_OP_MKDIR, .path = "/abc/x", .mode = 0755 },
		{ .kind = OVL_OP_UNLINK, .path = "/bc" },
		{ .kind = OVL_OP_MKDIR, .path = "/bc", .mode = 0700 },
		{ .kind = OVL_OP_MKDIR, .path = "/cdir/inner/new", .mode = 0750 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 142,
	.slug = "mkdir-over-existing",
	.purpose = "mkdir over any visible name is EEXIST; over a whiteout it makes an opaque dir",
	.tags = "dir,opaque",
	.needs_root = true,
	.mount_options = "redirect_dir=off",
	.fixture = "whiteout/layers.tree",
	.run = run,
);
