// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Copy-up on metadata changes: chmod, lchown and utimensat of lower files
 * copy them up with their content; on a lower directory they copy the
 * directory alone (its children stay below, and the merged dir still lists
 * them); a symlink's lchown copies the link, not its target. Each call is
 * checked against the model (result, merged view, upper dir).
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_CHMOD, .path = "/a", .mode = 0604 },
		{ .kind = OVL_OP_CHOWN, .path = "/b", .uid = 1234, .gid = 5678 },
		{ .kind = OVL_OP_UTIMES, .path = "/c" },
		{ .kind = OVL_OP_CHMOD, .path = "/dir", .mode = 0700 },
		{ .kind = OVL_OP_CHOWN, .path = "/deep/er", .uid = 42, .gid = 42 },
		{ .kind = OVL_OP_CHOWN, .path = "/ln", .uid = 99, .gid = 99 },
		{ .kind = OVL_OP_UTIMES, .path = "/deep/sibling" },
		{ .kind = OVL_OP_CHMOD, .path = "/missing", .mode = 0644 },
		{ .kind = OVL_OP_CHOWN, .path = "/a/not-a-dir", .uid = 1, .gid = 1 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/dir");
	ovl_check_upper_xattr(ctx, "/dir", "trusted.overlay.origin");
}

OVL_CASE(
	.number = 103,
	.slug = "copy-up-on-metadata",
	.purpose = "chmod, lchown and utimensat copy up a lower file, or a lower dir alone",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
