// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A seeded random sequence of 100 operations with redirect_dir=on,index=off over
 * rename/dirs.tree: every call is checked against the model (result, merged
 * view, upper dir), and the whole union again after a remount. See
 * random-ops.h for the calls and how to repeat a seed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "random-ops.h"

static void run(struct ovl_ctx *ctx)
{
	random_ops_case(ctx, 100);
}

OVL_CASE(
	.number = 192,
	.slug = "random-ops-redirect-only",
	.purpose = "100 seeded random operations with redirect_dir=on,index=off, each model-checked",
	.tags = "random,rename,copy-up,whiteout",
	.needs_root = true,
	.mount_options = "redirect_dir=on,index=off",
	.needs_features = "redirect_dir=on,index=off",
	.fixture = "rename/dirs.tree",
	.timeout = 60,
	.run = run,
);
