// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A directory above a file: the name is the directory; the file is hidden,
 * and so is a directory of the same name below that file (the merge of a
 * directory stops at the first layer where the name is not a directory).
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
	ovl_check(ctx, lstat(ovl_merged_path(ctx, "/d"), &st) == 0 && S_ISDIR(st.st_mode),
		  "lstat /d is a directory");
	ovl_check_readdir(ctx, "/d");
	ovl_check_reads_from(ctx, "/d/a", OVL_LAYER_A);
	r = stat(ovl_merged_path(ctx, "/d/c"), &st);
	ovl_check_errno(ctx, r, errno, ENOENT, "stat /d/c of C's dir below B's file");
}

OVL_CASE(
	.number = 5,
	.slug = "dir-over-file",
	.purpose = "a directory above a file hides the file and what lies below it",
	.tags = "precedence",
	.needs_root = true,
	.fixture = "precedence/dir-over-file.tree",
	.run = run,
);
