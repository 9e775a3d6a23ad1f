// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cycles of rmdir and mkdir at one name: where a lower layer has the name,
 * each rmdir leaves a whiteout and each mkdir an opaque dir (with its new
 * files hidden from nothing below); an upper-only dir comes and goes without
 * marks; a dir with a file refuses rmdir until the file goes. Each call is
 * checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_UNLINK, .path = "/cdir/z" },
		{ .kind = OVL_OP_UNLINK, .path = "/cdir/inner/y" },
		{ .kind = OVL_OP_RMDIR, .path = "/cdir/inner" },
		{ .kind = OVL_OP_RMDIR, .path = "/cdir" },
		{ .kind = OVL_OP_MKDIR, .path = "/cdir", .mode = 0700 },
		{ .kind = OVL_OP_WRITE, .path = "/cdir/f", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "f", .len = 1 },
		{ .kind = OVL_OP_RMDIR, .path = "/cdir" },
		{ .kind = OVL_OP_UNLINK, .path = "/cdir/f" },
		{ .kind = OVL_OP_RMDIR, .path = "/cdir" },
		{ .kind = OVL_OP_MKDIR, .path = "/cdir", .mode = 0755 },
		{ .kind = OVL_OP_MKDIR, .path = "/x", .mode = 0755 },
		{ .kind = OVL_OP_RMDIR, .path = "/x" },
		{ .kind = OVL_OP_MKDIR, .path = "/x", .mode = 0700 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 147,
	.slug = "rmdir-mkdir-cycles",
	.purpose = "a dir removed and made again, over and over, alternates between whiteout and opaque dir",
	.tags = "dir,whiteout,opaque",
	.needs_root = true,
	.mount_options = "redirect_dir=off",
	.fixture = "whiteout/layers.tree",
	.run = run,
);
