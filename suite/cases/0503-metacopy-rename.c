// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * metacopy=on and renames (overlayfs.rst, "Metadata only copy up" and
 * "Redirect dir"): a rename copies a lower file up without its data, so
 * the moved file must still find its data. The kernel gives it a redirect,
 * as it gives a dir: its old name when it stays in its dir, else the
 * absolute path of where its data is; a redirect already absolute is
 * kept. Reads after each rename, and after a remount, give the lower
 * bytes; a write then copies them up from where the redirect leads. Each
 * call is checked against the model (result, merged view, upper dir with
 * its redirect and metacopy marks); a model that moves the file without a
 * redirect is caught here.
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op moves[] = {
		{ .kind = OVL_OP_RENAME, .path = "/g", .path2 = "/g2" },
		{ .kind = OVL_OP_CHMOD, .path = "/dir/f", .mode = 0600 },
		{ .kind = OVL_OP_RENAME, .path = "/dir/f", .path2 = "/f2" },
		{ .kind = OVL_OP_RENAME, .path = "/sub/h", .path2 = "/dir/h" },
		{ .kind = OVL_OP_RENAME, .path = "/f2", .path2 = "/sub/f3" },
		{ .kind = OVL_OP_READ, .path = "/sub/f3" },
		{ .kind = OVL_OP_READ, .path = "/g2" },
	};
	const struct ovl_op writes[] = {
		{ .kind = OVL_OP_WRITE, .path = "/sub/f3", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
		{ .kind = OVL_OP_WRITE, .path = "/g2", .flags = O_WRONLY | O_TRUNC, .data = "new\n", .len = 4 },
		{ .kind = OVL_OP_READ, .path = "/dir/h" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, moves);
	ovl_check_upper_xattr(ctx, "/sub/f3", "trusted.overlay.redirect");
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "moved metadata-only files after a remount");
	OVL_CHECK_OPS(ctx, writes);
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after the writes, and a remount");
}

OVL_CASE(
	.number = 503,
	.slug = "metacopy-rename",
	.purpose = "metacopy=on: a renamed metadata-only file takes a redirect and keeps finding its data",
	.tags = "rename,redirect,metacopy",
	.needs_root = true,
	.mount_options = "metacopy=on",
	.needs_features = "metacopy=on",
	.fixture = "metacopy/rename.tree",
	.run = run,
);
