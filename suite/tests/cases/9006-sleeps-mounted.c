// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Harness test: mounts, logs that it did, then sleeps, so that a test can
 * kill or interrupt the runner while a loop-backed filesystem and a union
 * are mounted.
 */
#include <unistd.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "mounted");
	ovl_log(ctx, "selftest: mounted, sleeping");
	sleep(60);
	ovl_check(ctx, true, "woke up");
}

OVL_CASE(
	.number = 9006,
	.slug = "sleeps-mounted",
	.purpose = "harness test: holds its mounts for a minute",
	.tags = "harness",
	.needs_root = true,
	.fixture = "harness/small.tree",
	.timeout = 120,
	.run = run,
);
