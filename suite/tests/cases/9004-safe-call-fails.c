// SPDX-License-Identifier: GPL-2.0-or-later
/* Harness test: a failing SAFE_ call ends the case BROK naming call, path and errno. */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check(ctx, true, "mounted");
	SAFE_OPEN(ctx, ovl_merged_path(ctx, "/no-such-file"), O_RDONLY, 0);
	ovl_check(ctx, false, "never reached");
}

OVL_CASE(
	.number = 9004,
	.slug = "safe-call-fails",
	.purpose = "harness test: SAFE_OPEN of a missing file",
	.tags = "harness",
	.needs_root = true,
	.fs = OVL_FS_TMPFS,
	.fixture = "harness/small.tree",
	.run = run,
);
