// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Renaming directories with redirect_dir=on: a dir that lower layers have
 * (ld, in A, B and C) moves, and its upper copy carries a redirect to where
 * its lowers are: the old name while it stays in its parent, the absolute
 * old path once it leaves; an absolute redirect is kept by later moves. A
 * merged dir gets one too; a pure upper dir moving into a merged dir is
 * made opaque instead. The old name is whited out; a target dir must be
 * empty (ENOTEMPTY, after both ends came up). Files in a moved dir still
 * read, copy up and white out through the redirect, and everything holds
 * across a remount. Each call is checked against the model (result,
 * merged view, upper dir with redirect and opaque marks).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op before[] = {
		{ .kind = OVL_OP_RENAME, .path = "/ld", .path2 = "/ld2" },
		{ .kind = OVL_OP_RENAME, .path = "/ld2", .path2 = "/p/ld3" },
		{ .kind = OVL_OP_RENAME, .path = "/p/q", .path2 = "/q2" },
		{ .kind = OVL_OP_RENAME, .path = "/both", .path2 = "/both2" },
		{ .kind = OVL_OP_RENAME, .path = "/up", .path2 = "/p/up" },
		{ .kind = OVL_OP_RENAME, .path = "/up2", .path2 = "/upempty/up2" },
		{ .kind = OVL_OP_RENAME, .path = "/q2", .path2 = "/empty-a" },
		{ .kind = OVL_OP_RENAME, .path = "/p/ld3", .path2 = "/nonempty" },
		{ .kind = OVL_OP_WRITE, .path = "/p/ld3/sub/c", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/p/ld3/f" },
		{ .kind = OVL_OP_MKDIR, .path = "/ld", .mode = 0755 },
		{ .kind = OVL_OP_RENAME, .path = "/file", .path2 = "/p/ld3/file" },
	};
	const struct ovl_op after[] = {
		{ .kind = OVL_OP_RENAME, .path = "/p/ld3", .path2 = "/ld-back" },
		{ .kind = OVL_OP_RENAME, .path = "/empty-a", .path2 = "/target" },
		{ .kind = OVL_OP_RMDIR, .path = "/both2" },
		{ .kind = OVL_OP_UNLINK, .path = "/target/h" },
		{ .kind = OVL_OP_RMDIR, .path = "/target" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, before);
	ovl_check_readdir(ctx, "/p/ld3");
	ovl_check_readdir(ctx, "/p/ld3/sub");
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after a remount: the moved dirs keep their contents");
	ovl_check_reads_from(ctx, "/p/ld3/sub/g", OVL_LAYER_A);
	ovl_check_reads_from(ctx, "/empty-a/h", OVL_LAYER_A);
	OVL_CHECK_OPS(ctx, after);
}

OVL_CASE(
	.number = 123,
	.slug = "rename-dir-redirect",
	.purpose = "with redirect_dir=on lower and merged dirs move, a redirect keeps their contents",
	.tags = "rename,redirect",
	.needs_root = true,
	.mount_options = "redirect_dir=on",
	.fixture = "rename/dirs.tree",
	.run = run,
);
