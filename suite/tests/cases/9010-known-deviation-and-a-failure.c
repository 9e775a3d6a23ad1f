// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Harness test: a known deviation covers only the checks it names; another
 * failing check in the same case FAILs it (the known one stays XFAIL).
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	ovl_check(ctx, false, "the deviating behaviour");
	ovl_check(ctx, false, "a rule the deviation does not name");
}

OVL_CASE(
	.number = 9010,
	.slug = "known-deviation-and-a-failure",
	.purpose = "harness test: a failure next to a known deviation still fails",
	.tags = "harness",
	.needs_root = true,
	.fs = OVL_FS_TMPFS,
	.run = run,
);
