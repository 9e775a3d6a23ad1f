// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * With redirect_dir=off (asked for explicitly) a dir that a lower layer has,
 * alone or merged with an upper dir, cannot be renamed (EXDEV, so that mv
 * copies it instead), as the source or as the other end of RENAME_EXCHANGE,
 * and nothing is copied up for it. A pure upper dir moves with its contents,
 * becoming opaque when it lands in a merge dir and staying plain in a pure
 * upper one; it can replace an empty dir, not one with names (ENOTEMPTY),
 * nor go below itself (EINVAL). Each call is checked against the model
 * (result, merged view, upper dir).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_RENAME, .path = "/ld", .path2 = "/ld2" },
		{ .kind = OVL_OP_RENAME, .path = "/both", .path2 = "/both2" },
		{ .kind = OVL_OP_RENAME, .path = "/p/q", .path2 = "/up/q" },
		{ .kind = OVL_OP_RENAME, .path = "/up", .path2 = "/ld", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/up", .path2 = "/up-moved" },
		{ .kind = OVL_OP_RENAME, .path = "/up2", .path2 = "/upempty/up2" },
		{ .kind = OVL_OP_RENAME, .path = "/up-moved/inner", .path2 = "/upempty/up2/inner" },
		{ .kind = OVL_OP_RENAME, .path = "/upempty", .path2 = "/upempty/up2/x" },
		{ .kind = OVL_OP_RENAME, .path = "/upempty/up2", .path2 = "/up-moved" },
		{ .kind = OVL_OP_RENAME, .path = "/up-moved", .path2 = "/target" },
		{ .kind = OVL_OP_RENAME, .path = "/file", .path2 = "/target" },
		{ .kind = OVL_OP_RENAME, .path = "/target", .path2 = "/file" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 124,
	.slug = "rename-dir-no-redirect",
	.purpose = "with redirect_dir=off only pure upper dirs move; a dir with lower layers is EXDEV",
	.tags = "rename,dir",
	.needs_root = true,
	.mount_options = "redirect_dir=off",
	.fixture = "rename/dirs.tree",
	.run = run,
);
