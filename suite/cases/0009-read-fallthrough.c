// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reads fall through to the first layer that has the name: at depth, where
 * a parent comes from a higher layer than the file, and for a multi-MiB
 * file whose lower copy of the name is smaller.
 */
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	struct stat st;

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check_reads_from(ctx, "/a/b/in-ab", OVL_LAYER_A);
	ovl_check_reads_from(ctx, "/a/b/in-bc", OVL_LAYER_B);
	ovl_check_reads_from(ctx, "/a/b/c/deep", OVL_LAYER_B);
	ovl_check_reads_from(ctx, "/a/b/c/only-c", OVL_LAYER_C);
	ovl_check_reads_from(ctx, "/big", OVL_LAYER_B);
	ovl_check_reads_from(ctx, "/empty", OVL_LAYER_C);
	ovl_check(ctx, stat(ovl_merged_path(ctx, "/big"), &st) == 0 && st.st_size == 3000000,
		  "stat /big shows B's size 3000000, not C's 100");
}

OVL_CASE(
	.number = 9,
	.slug = "read-fallthrough",
	.purpose = "reads fall through to the first layer that has the name",
	.tags = "precedence",
	.needs_root = true,
	.fixture = "precedence/read-fallthrough.tree",
	.run = run,
);
