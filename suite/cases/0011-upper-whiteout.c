// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A whiteout in the upper layer hides the name in all three lowers; over a
 * directory it hides the directory and all its children in every layer.
 */
#include <errno.h>
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	struct stat st;
	int r;

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	r = lstat(ovl_path(ctx, OVL_LAYER_MERGED, "/f"), &st);
	ovl_check_errno(ctx, r, errno, ENOENT, "lstat /f (whited out over A, B and C)");
	r = lstat(ovl_path(ctx, OVL_LAYER_MERGED, "/d"), &st);
	ovl_check_errno(ctx, r, errno, ENOENT, "lstat /d (whited out over B's and C's dirs)");
	r = lstat(ovl_path(ctx, OVL_LAYER_MERGED, "/d/y"), &st);
	ovl_check_errno(ctx, r, errno, ENOENT, "lstat /d/y below the whiteout");
	ovl_check_readdir(ctx, "/");
	ovl_check_reads_from(ctx, "/kept", OVL_LAYER_C);
}

OVL_CASE(
	.number = 11,
	.slug = "upper-whiteout",
	.purpose = "a whiteout in the upper layer hides a name in every lower",
	.tags = "precedence,whiteout",
	.needs_root = true,
	.fixture = "precedence/upper-whiteout.tree",
	.run = run,
);
