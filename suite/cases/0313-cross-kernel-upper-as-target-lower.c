// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's overlayfs changes the union; then the target under test mounts the upper dir the
 * kernel left (trusted.overlay.* marks, char-device whiteouts) as its top lower layer over the
 * same lowers. It must show the union the changes made, as the model has it.
 * (suite/families/cross.c; with the kernel as the target, the kernel both ways.)
 */
#include "cross.h"

static void run(struct ovl_ctx *ctx)
{
	cross_case(ctx, CROSS_KERNEL_WRITES, CROSS_AS_LOWER, NULL);
}

OVL_CASE(
	.number = 313,
	.slug = "cross-kernel-upper-as-target-lower",
	.purpose = "the upper dir the kernel leaves reads, as the target's top lower layer, as the union it made",
	.tags = "cross,whiteout,opaque,copy-up",
	.needs_root = true,
	.fixture = "whiteout/layers.tree",
	.run = run,
);
