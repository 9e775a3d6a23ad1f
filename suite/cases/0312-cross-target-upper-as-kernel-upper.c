// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The target under test changes the union; then the kernel's overlayfs mounts the upper dir it
 * left as its own upper dir (a fresh work dir), shows the union the changes made, and goes on
 * changing it, each call checked against the model of the layers as they are.
 * (suite/families/cross.c; with the kernel as the target, the kernel both ways.)
 */
#include "cross.h"

static void run(struct ovl_ctx *ctx)
{
	cross_case(ctx, CROSS_TARGET_WRITES, CROSS_AS_UPPER, NULL);
}

OVL_CASE(
	.number = 312,
	.slug = "cross-target-upper-as-kernel-upper",
	.purpose = "the kernel takes over, as its upper dir, the upper dir the target under test left, and goes on",
	.tags = "cross,whiteout,opaque,copy-up",
	.needs_root = true,
	.fixture = "whiteout/layers.tree",
	.run = run,
);
