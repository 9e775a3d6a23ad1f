// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's overlayfs changes the union; then the target under test mounts the upper dir the
 * kernel left as its own upper dir, shows the union the changes made, and goes on changing it,
 * each call checked against the model of the layers as they are.
 * (suite/families/cross.c; with the kernel as the target, the kernel both ways.)
 */
#include "cross.h"

static void run(struct ovl_ctx *ctx)
{
	cross_case(ctx, CROSS_KERNEL_WRITES, CROSS_AS_UPPER, NULL);
}

OVL_CASE(
	.number = 314,
	.slug = "cross-kernel-upper-as-target-upper",
	.purpose = "the target under test takes over, as its upper dir, the upper dir the kernel left, and goes on",
	.tags = "cross,whiteout,opaque,copy-up",
	.needs_root = true,
	.fixture = "whiteout/layers.tree",
	.run = run,
);
