// SPDX-License-Identifier: GPL-2.0-or-later
/* Harness test: a case that asserts nothing is BROK, never PASS. */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	SAFE_MOUNT_UNION(ctx, NULL);
}

OVL_CASE(
	.number = 9003,
	.slug = "checks-nothing",
	.purpose = "harness test: mounts and makes no check",
	.tags = "harness",
	.needs_root = true,
	.fs = OVL_FS_TMPFS,
	.fixture = "harness/small.tree",
	.run = run,
);
