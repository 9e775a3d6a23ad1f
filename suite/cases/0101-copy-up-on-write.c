// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Copy-up on open for writing: O_WRONLY, O_RDWR, O_APPEND and O_TRUNC of
 * files that only a lower layer has (A, B and C) copy them up whole, with
 * mode, owner and user xattrs, and bring their parents up with the parents'
 * own metadata; O_CREAT of a new name makes it in the upper layer. Every
 * operation is checked against the model: the call's result, the merged
 * view and the upper dir. Copied entries carry overlay's origin mark, and
 * the upper dirs holding them the impure mark.
 */
#include <fcntl.h>
#include <string.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/a", .flags = O_WRONLY, .data = "A!", .len = 2 },
		{ .kind = OVL_OP_WRITE, .path = "/b", .flags = O_RDWR, .data = "rw", .len = 2 },
		{ .kind = OVL_OP_WRITE, .path = "/c", .flags = O_WRONLY | O_APPEND, .data = "+tail\n", .len = 6 },
		{ .kind = OVL_OP_WRITE, .path = "/a2", .flags = O_WRONLY | O_TRUNC, .data = "new", .len = 3 },
		{ .kind = OVL_OP_WRITE, .path = "/deep/er/f", .flags = O_WRONLY | O_APPEND, .data = "!", .len = 1 },
		{ .kind = OVL_OP_WRITE, .path = "/in-upper", .flags = O_WRONLY | O_APPEND, .data = "more\n", .len = 5 },
		{ .kind = OVL_OP_WRITE, .path = "/dir/new", .flags = O_WRONLY | O_CREAT, .mode = 0640,
		  .data = "created\n", .len = 8 },
		{ .kind = OVL_OP_WRITE, .path = "/missing", .flags = O_WRONLY, .data = "x", .len = 1 },
		{ .kind = OVL_OP_WRITE, .path = "/dir", .flags = O_WRONLY, .data = "x", .len = 1 },
		{ .kind = OVL_OP_WRITE, .path = "/a/below-a-file", .flags = O_WRONLY | O_CREAT, .mode = 0644,
		  .data = "x", .len = 1 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	/* overlay's own marks: where a copy came from, and which upper dirs hold such copies */
	ovl_check_upper_xattr(ctx, "/a", "trusted.overlay.origin");
	ovl_check_upper_xattr(ctx, "/deep/er/f", "trusted.overlay.origin");
	ovl_check_upper_xattr(ctx, "/deep/er", "trusted.overlay.origin");
	ovl_check_upper_xattr(ctx, "/deep/er", "trusted.overlay.impure");
	ovl_check_upper_xattr(ctx, "/", "trusted.overlay.impure");
}

OVL_CASE(
	.number = 101,
	.slug = "copy-up-on-write",
	.purpose = "open for writing copies a lower file up whole, with its metadata and parents",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
