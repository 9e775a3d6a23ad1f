// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * redirect_dir=nofollow: redirects are neither made nor followed
 * (overlayfs.rst, "Redirect dir"). A's dir /moved carries a redirect to
 * /orig (the fixture of 0127): with nofollow the union must not show C's
 * /orig under /moved. The kernel does more than not follow it: ovl_lookup()
 * refuses the name outright ("refusing to follow redirect", EPERM) while
 * layers below are left to look in, as it would otherwise be a way around
 * the permission checks of the lower dir. The doc says only "not
 * followed"; the model predicts the refusal, and a wrong build that
 * follows the redirect all the same is caught here. The rest of the union
 * works as without redirects: dirs of lower layers cannot be renamed
 * (EXDEV), new dirs in merge dirs are not opaque.
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_STAT, .path = "/moved" },
		{ .kind = OVL_OP_READ, .path = "/moved/a" },
		{ .kind = OVL_OP_WRITE, .path = "/orig2/n", .flags = O_WRONLY | O_CREAT, .mode = 0644,
		  .data = "n\n", .len = 2 },
		{ .kind = OVL_OP_MKDIR, .path = "/orig2/d", .mode = 0755 },
		{ .kind = OVL_OP_RENAME, .path = "/orig2", .path2 = "/o3" },
		{ .kind = OVL_OP_UNLINK, .path = "/orig2/n" },
		{ .kind = OVL_OP_RMDIR, .path = "/moved" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount: /moved refused, /orig hidden by the upper whiteout");
	OVL_CHECK_OPS(ctx, ops);
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after a remount");
}

OVL_CASE(
	.number = 501,
	.slug = "redirect-nofollow",
	.purpose = "redirect_dir=nofollow follows no redirect: a dir whose merge needs one is refused (EPERM)",
	.tags = "rename,redirect",
	.needs_root = true,
	.mount_options = "redirect_dir=nofollow",
	.needs_features = "redirect_dir=nofollow",
	.fixture = "rename/lower-redirect.tree",
	.run = run,
);
