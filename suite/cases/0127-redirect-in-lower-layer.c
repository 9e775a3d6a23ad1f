// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A's dir /moved carries a redirect to /orig, so C's /orig shows under
 * /moved (the upper layer whites out /orig itself; the redirect's lookup
 * starts below A and does not see that). Files found that way copy up
 * from C and delete into whiteouts, and the dir can itself be renamed with
 * redirect_dir=on: its upper copy gets a redirect to /moved, which A's
 * redirect sends on to /orig; a dir made at /orig then is opaque. Each
 * call is checked against the model (result, merged view, upper dir), and
 * again after a remount.
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_READ, .path = "/moved/c" },
		{ .kind = OVL_OP_WRITE, .path = "/moved/c", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/moved/sub/s" },
		{ .kind = OVL_OP_RENAME, .path = "/moved", .path2 = "/orig2/m2" },
		{ .kind = OVL_OP_READDIR, .path = "/orig2/m2/sub" },
		{ .kind = OVL_OP_MKDIR, .path = "/orig", .mode = 0755 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/orig2/m2");
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after a remount");
}

OVL_CASE(
	.number = 127,
	.slug = "redirect-in-lower-layer",
	.purpose = "a redirect that a LOWER layer's dir carries is followed, and kept across a rename",
	.tags = "rename,redirect",
	.needs_root = true,
	.mount_options = "redirect_dir=on",
	.needs_features = "redirect_dir=on",
	.fixture = "rename/lower-redirect.tree",
	.run = run,
);
