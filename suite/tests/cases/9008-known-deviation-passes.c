// SPDX-License-Identifier: GPL-2.0-or-later
/* Harness test: a pass where a known deviation says it fails is XPASS, which fails the run. */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	ovl_check(ctx, true, "the behaviour the deviation says is wrong");
}

OVL_CASE(
	.number = 9008,
	.slug = "known-deviation-passes",
	.purpose = "harness test: passes against its known deviation",
	.tags = "harness",
	.needs_root = true,
	.fs = OVL_FS_TMPFS,
	.run = run,
);
