// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Three lowers and no upper make a read-only union: it mounts read-only
 * (mountinfo says ro and shows no upperdir), merges as usual, and every
 * write fails with EROFS and changes no layer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const char *v;
	int r;

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check(ctx, ovl_mount_is_readonly(ctx) == 1, "mountinfo shows the union read-only");
	ovl_check(ctx, ovl_mount_option(ctx, "upperdir", &v) == -ENOENT,
		  "mountinfo shows no upperdir");
	ovl_check_reads_from(ctx, "/f", OVL_LAYER_A);
	r = open(ovl_merged_path(ctx, "/f"), O_WRONLY);
	ovl_check_errno(ctx, r, errno, EROFS, "open(/f, O_WRONLY)");
	r = open(ovl_merged_path(ctx, "/new"), O_WRONLY | O_CREAT, 0644);
	ovl_check_errno(ctx, r, errno, EROFS, "open(/new, O_CREAT)");
	r = mkdir(ovl_merged_path(ctx, "/newdir"), 0755);
	ovl_check_errno(ctx, r, errno, EROFS, "mkdir /newdir");
	r = unlink(ovl_merged_path(ctx, "/c"));
	ovl_check_errno(ctx, r, errno, EROFS, "unlink /c");
	r = rename(ovl_merged_path(ctx, "/f"), ovl_merged_path(ctx, "/g"));
	ovl_check_errno(ctx, r, errno, EROFS, "rename /f /g");
	r = chmod(ovl_merged_path(ctx, "/d/b"), 0600);
	ovl_check_errno(ctx, r, errno, EROFS, "chmod /d/b");
	r = setxattr(ovl_merged_path(ctx, "/f"), "user.x", "1", 1, 0);
	ovl_check_errno(ctx, r, errno, EROFS, "setxattr /f user.x");
	ovl_check_union(ctx, "after the refused writes");
}

OVL_CASE(
	.number = 12,
	.slug = "readonly-without-upper",
	.purpose = "three lowers without an upper mount read-only and refuse writes with EROFS",
	.tags = "precedence,readonly,mountinfo",
	.no_upper = true,
	.needs_root = true,
	.fixture = "precedence/readonly.tree",
	.run = run,
);
