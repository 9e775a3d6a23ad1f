// SPDX-License-Identifier: GPL-2.0-or-later
/* Harness test: an overlay option the kernel refuses makes the case CONF with the kernel's reason. */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	ovl_check(ctx, false, "never reached: the feature test must stop the case first");
}

OVL_CASE(
	.number = 9005,
	.slug = "feature-refused",
	.purpose = "harness test: needs an overlay option value that does not exist",
	.tags = "harness",
	.needs_root = true,
	.fs = OVL_FS_TMPFS,
	.needs_features = "uuid=no-such-value",
	.fixture = "harness/small.tree",
	.run = run,
);
