// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Harness test: a failed check covered by a known deviation of the target
 * is XFAIL, and the case too when no other check failed.
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	ovl_check(ctx, true, "a rule the target keeps");
	ovl_check(ctx, false, "the deviating behaviour");
}

OVL_CASE(
	.number = 9007,
	.slug = "known-deviation-fails",
	.purpose = "harness test: fails as its known deviation says",
	.tags = "harness",
	.needs_root = true,
	.fs = OVL_FS_TMPFS,
	.run = run,
);
