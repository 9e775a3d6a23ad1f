// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A whiteout in the upper layer hides the name in all three lowers; over a
 * directory it hides the directory and all its children in every layer.
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check_absent(ctx, "/f", "whited out over A, B and C");
	ovl_check_absent(ctx, "/d", "whited out over B's and C's dirs");
	ovl_check_absent(ctx, "/d/y", "below the whiteout");
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
