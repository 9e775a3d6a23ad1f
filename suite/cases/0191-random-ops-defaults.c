// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A seeded random sequence of 120 operations with redirect_dir=off and
 * index=off: renaming a dir with lower layers fails with EXDEV, a copy-up
 * breaks lower hard links. Every call is checked against the model
 * (result, merged view, upper dir), and the whole union again after a
 * remount. See random-ops.h for the calls and how to repeat a seed.
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
	random_ops_case(ctx, 120);
}

OVL_CASE(
	.number = 191,
	.slug = "random-ops-defaults",
	.purpose = "120 seeded random operations with redirect_dir=off and index=off, each model-checked",
	.tags = "random,rename,copy-up,whiteout",
	.needs_root = true,
	.mount_options = "redirect_dir=off,index=off",
	.fixture = "random/layers.tree",
	.timeout = 60,
	.run = run,
);
