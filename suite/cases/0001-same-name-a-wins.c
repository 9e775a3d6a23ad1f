// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The same name in lowers A, B and C: the topmost lower (A) wins, content
 * and metadata; names only B or C have show through from those layers.
 */
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	struct stat st;

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check_reads_from(ctx, "/f", OVL_LAYER_A);
	ovl_check_reads_from(ctx, "/only-b", OVL_LAYER_B);
	ovl_check_reads_from(ctx, "/only-c", OVL_LAYER_C);
	ovl_check(ctx, stat(ovl_merged_path(ctx, "/f"), &st) == 0 &&
		  (st.st_mode & 07777) == 0644 && st.st_uid == 0,
		  "stat /f shows A's mode 0644 and owner 0, not B's or C's");
}

OVL_CASE(
	.number = 1,
	.slug = "same-name-a-wins",
	.purpose = "a name in lowers A, B and C shows A's file",
	.tags = "precedence",
	.needs_root = true,
	.fixture = "precedence/same-name.tree",
	.run = run,
);
