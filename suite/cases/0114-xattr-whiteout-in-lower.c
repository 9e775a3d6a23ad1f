// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Whiteouts in the xattr form sitting in a lower layer (B: an empty file
 * with trusted.overlay.whiteout in a directory marked opaque=x) hide the
 * name in the layers below (C) and never show themselves; the directory is
 * not opaque, so C's other names still show. This form came with Linux
 * 6.8 (6.7 marked the dir differently): the case needs that release (a
 * gate on the version, never on how the feature behaves:
 * lib/host/release.c), and on a kernel that has it, an empty file
 * where the whiteout is is a FAIL.
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check_absent(ctx, "/x/w", "an xattr whiteout in B over C's file");
	ovl_check_readdir(ctx, "/x");
	ovl_check_reads_from(ctx, "/x/keep", OVL_LAYER_C);
	ovl_check_reads_from(ctx, "/x/from-b", OVL_LAYER_B);
}

OVL_CASE(
	.number = 114,
	.slug = "xattr-whiteout-in-lower",
	.purpose = "a whiteout in the xattr form in a lower layer hides the name below it",
	.tags = "whiteout,opaque",
	.needs_root = true,
	.fixture = "copy-up/xwhiteout.tree",
	.needs_kernel_features = "overlay-xattr-whiteouts",
	.run = run,
);
