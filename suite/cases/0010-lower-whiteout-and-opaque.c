// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Whiteouts and opaque directories that sit in a LOWER layer (B) mask what
 * lies below them (C), while a layer above (A) still adds names on top:
 * this is how every image layer of a container masks its parents.
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check_reads_from(ctx, "/masked", OVL_LAYER_A);
	ovl_check_absent(ctx, "/gone", "B's whiteout over C's file");
	ovl_check_readdir(ctx, "/o");
	ovl_check_absent(ctx, "/o/from-c", "below B's opaque dir");
	ovl_check_reads_from(ctx, "/o/from-a", OVL_LAYER_A);
	ovl_check_reads_from(ctx, "/kept", OVL_LAYER_C);
}

OVL_CASE(
	.number = 10,
	.slug = "lower-whiteout-and-opaque",
	.purpose = "a whiteout or opaque dir in a lower layer masks the layers below it",
	.tags = "precedence,whiteout,opaque",
	.needs_root = true,
	.fixture = "precedence/lower-whiteout.tree",
	.run = run,
);
