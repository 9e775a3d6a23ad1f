// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Harness test: a case that leaves a mount behind (here one the harness did
 * not make) is BROK, named by the check that runs when its body ends.
 * Real cases never call mount(2).
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const char *dir = ovl_work_path(ctx, "stray");

	mkdir(dir, 0755);
	if (mount("stray", dir, "tmpfs", 0, "size=1m"))
		ovl_brok(ctx, "mount tmpfs on %s: %m", dir);
	ovl_check(ctx, true, "made a stray mount");
}

OVL_CASE(
	.number = 9009,
	.slug = "leaves-a-mount",
	.purpose = "harness test: returns with a mount still in place",
	.tags = "harness",
	.needs_root = true,
	.fs = OVL_FS_TMPFS,
	.run = run,
);
