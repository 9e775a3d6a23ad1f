// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * readdir of a merged dir while it changes, as overlayfs documents it: the
 * merged list of names is read into the open dir's cache at the first
 * read and kept while the dir stays open, so reading on after a change
 * (without a rewind) still lists the names from before it: a deleted name
 * is still listed, a new one is not; a rewind to the start drops the cache
 * and lists the names as they are now. Each change is checked against the
 * model (result, merged view, upper dir) like any operation, and both
 * listings against the model's names before and after it.
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op unlink_lower = { .kind = OVL_OP_UNLINK, .path = "/d/c" };
	const struct ovl_op create = { .kind = OVL_OP_WRITE, .path = "/d/new", .flags = O_WRONLY | O_CREAT,
				       .mode = 0644, .data = "n", .len = 1 };
	const struct ovl_op rename_in = { .kind = OVL_OP_RENAME, .path = "/c", .path2 = "/d/c" };
	const struct ovl_op rmdir_sub = { .kind = OVL_OP_RMDIR, .path = "/cdir/inner" };
	const struct ovl_op unlink_y = { .kind = OVL_OP_UNLINK, .path = "/cdir/inner/y" };
	const struct ovl_op mkdir_root = { .kind = OVL_OP_MKDIR, .path = "/fresh", .mode = 0755 };

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_readdir_across(ctx, "/d", &unlink_lower);
	ovl_check_readdir_across(ctx, "/d", &create);
	ovl_check_readdir_across(ctx, "/d", &rename_in);
	ovl_check_readdir_across(ctx, "/cdir/inner", &unlink_y);
	ovl_check_readdir_across(ctx, "/cdir", &rmdir_sub);
	ovl_check_readdir_across(ctx, "/", &mkdir_root);
}

OVL_CASE(
	.number = 144,
	.slug = "readdir-across-changes",
	.purpose = "an open merged dir lists the names from its first read until it is rewound",
	.tags = "readdir,dir",
	.needs_root = true,
	.mount_options = "redirect_dir=off",
	.fixture = "whiteout/layers.tree",
	.run = run,
);
