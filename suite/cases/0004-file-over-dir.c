// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A file above a directory: the name is the file, and no path through it
 * reaches the lower directories' children.
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
	ovl_check(ctx, lstat(ovl_merged_path(ctx, "/d"), &st) == 0 && S_ISREG(st.st_mode),
		  "lstat /d is a regular file");
	ovl_check_reads_from(ctx, "/d", OVL_LAYER_A);
	r = stat(ovl_merged_path(ctx, "/d/b"), &st);
	ovl_check_errno(ctx, r, errno, ENOTDIR, "stat /d/b below A's file");
	r = stat(ovl_merged_path(ctx, "/d/c"), &st);
	ovl_check_errno(ctx, r, errno, ENOTDIR, "stat /d/c below A's file");
}

OVL_CASE(
	.number = 4,
	.slug = "file-over-dir",
	.purpose = "a file above a directory hides the whole directory",
	.tags = "precedence",
	.needs_root = true,
	.fixture = "precedence/file-over-dir.tree",
	.run = run,
);
