// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Copy-up on truncate(2): shrinking, extending (with zeros) and truncating
 * to zero a file that only a lower layer has copies it up first; a
 * multi-MiB file comes up whole before it is cut. Each call is checked
 * against the model (result, merged view, upper dir).
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_TRUNCATE, .path = "/a2", .size = 4 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/b", .size = 100 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/c", .size = 0 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/big", .size = 2500000 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/deep/er/f", .size = 2 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/dir", .size = 0 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/missing", .size = 0 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_upper_xattr(ctx, "/big", "trusted.overlay.origin");
}

OVL_CASE(
	.number = 102,
	.slug = "copy-up-on-truncate",
	.purpose = "truncate(2) of a lower file copies it up whole, then cuts or extends it",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
