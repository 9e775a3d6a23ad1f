// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's overlayfs changes the union with redirect_dir=on, so that its upper dir
 * carries a redirect xattr (trusted.overlay.redirect) where it moved a merged dir; the
 * target under test mounts it as its top lower layer and must show the union the changes
 * made, the moved dir's lower contents with it. (Metacopy copies, which the model does
 * not follow yet, come with the metacopy cases.)
 * (suite/families/cross.c; with the kernel as the target, the kernel both ways.)
 */
#include "cross.h"

static void run(struct ovl_ctx *ctx)
{
	cross_case(ctx, CROSS_KERNEL_WRITES, CROSS_AS_LOWER, "redirect_dir=on");
}

OVL_CASE(
	.number = 315,
	.slug = "cross-kernel-redirects-as-target-lower",
	.purpose = "what the kernel writes with redirect_dir=on (a redirected dir) reads as the union it made",
	.tags = "cross,whiteout,opaque,copy-up",
	.needs_root = true,
	.fixture = "whiteout/layers.tree",
	.run = run,
);
