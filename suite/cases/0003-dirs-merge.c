// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Directories of one name in all four layers merge: the merged dir holds
 * every child of every layer once (the topmost copy of a shared name), at
 * every depth, and takes the topmost layer's mode, owner and xattrs.
 */
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const char *d = ovl_merged_path(ctx, "/d");
	char val[64] = "";
	struct stat st;

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check_readdir(ctx, "/d");
	ovl_check_readdir(ctx, "/d/sub");
	ovl_check_reads_from(ctx, "/d/shared", OVL_LAYER_A);
	ovl_check_reads_from(ctx, "/d/c", OVL_LAYER_C);
	ovl_check_reads_from(ctx, "/d/sub/b", OVL_LAYER_B);
	ovl_check(ctx, stat(d, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750 &&
		  st.st_uid == 1000, "stat /d shows the upper dir's mode 0750 and owner 1000");
	ovl_check(ctx, getxattr(d, "user.from", val, sizeof(val) - 1) == 5 && strcmp(val, "upper") == 0,
		  "user.from of /d is the upper dir's, not B's");
}

OVL_CASE(
	.number = 3,
	.slug = "dirs-merge",
	.purpose = "directories of one name merge across upper, A, B and C",
	.tags = "precedence,readdir",
	.needs_root = true,
	.fixture = "precedence/dirs-merge.tree",
	.run = run,
);
