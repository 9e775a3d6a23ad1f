// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A symlink above a directory: the name is the link, and a path through it
 * follows the link inside the merged view (to C's /real), never into the
 * directory the link hides in B.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	struct stat st;
	size_t len = 0;
	char *x;

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check(ctx, lstat(ovl_merged_path(ctx, "/d"), &st) == 0 && S_ISLNK(st.st_mode),
		  "lstat /d is a symlink, not B's directory");
	x = SAFE_READ_FILE(ctx, ovl_merged_path(ctx, "/d/x"), &len);
	ovl_check(ctx, len == 11 && memcmp(x, "C's real/x\n", 11) == 0,
		  "/d/x resolves through the link to C's /real/x");
	free(x);
}

OVL_CASE(
	.number = 7,
	.slug = "symlink-over-dir",
	.purpose = "a symlink above a directory wins and is followed, not merged",
	.tags = "precedence,symlink",
	.needs_root = true,
	.fixture = "precedence/symlink-over-dir.tree",
	.run = run,
);
