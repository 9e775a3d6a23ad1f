// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The target under test changes the union (copy-ups, whiteouts, an opaque dir, a rename, a new dir);
 * then the kernel's overlayfs mounts the upper dir it left as the top lower layer over the
 * same lowers, as an image layer built by one tool and run by another. The kernel must show
 * the union the changes made, as the model has it.
 * (suite/families/cross.c; with the kernel as the target, the kernel both ways.)
 */
#include "cross.h"

static void run(struct ovl_ctx *ctx)
{
	cross_case(ctx, CROSS_TARGET_WRITES, CROSS_AS_LOWER, NULL);
}

OVL_CASE(
	.number = 311,
	.slug = "cross-target-upper-as-kernel-lower",
	.purpose = "the upper dir the target under test leaves reads, as the kernel's top lower layer, as the union it made",
	.tags = "cross,whiteout,opaque,copy-up",
	.needs_root = true,
	.fixture = "whiteout/layers.tree",
	.run = run,
);
