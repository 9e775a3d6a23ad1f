// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A directory removed and made again is opaque: the new dir replaces the
 * whiteout in the upper layer, carries the opaque mark, and nothing of the
 * lower dir of that name shows through it any more. A dir made where no
 * lower layer has the name is not opaque; mkdir over a name is EEXIST.
 * Each call is checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_UNLINK, .path = "/both/from-b" },
		{ .kind = OVL_OP_UNLINK, .path = "/both/from-c" },
		{ .kind = OVL_OP_RMDIR, .path = "/both" },
		{ .kind = OVL_OP_MKDIR, .path = "/both", .mode = 0750 },
		{ .kind = OVL_OP_READDIR, .path = "/both" },
		{ .kind = OVL_OP_WRITE, .path = "/both/new", .flags = O_WRONLY | O_CREAT, .mode = 0600,
		  .data = "n\n", .len = 2 },
		{ .kind = OVL_OP_MKDIR, .path = "/fresh", .mode = 0777 },	/* no lower: not opaque */
		{ .kind = OVL_OP_MKDIR, .path = "/dir", .mode = 0755 },	/* exists */
		{ .kind = OVL_OP_MKDIR, .path = "/a", .mode = 0755 },		/* a file */
		{ .kind = OVL_OP_MKDIR, .path = "/nope/x", .mode = 0755 },
		{ .kind = OVL_OP_UNLINK, .path = "/b" },
		{ .kind = OVL_OP_MKDIR, .path = "/b", .mode = 0700 },		/* dir where a file was */
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/both");
}

OVL_CASE(
	.number = 113,
	.slug = "opaque-on-recreate",
	.purpose = "a dir removed and made again is opaque and hides the lower dir",
	.tags = "whiteout,opaque",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
