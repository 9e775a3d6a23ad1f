// SPDX-License-Identifier: GPL-2.0-or-later
/* Harness test: a case killed by a signal is BROK, its earlier checks kept. */
#include <signal.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	ovl_check(ctx, true, "a check before the crash");
	raise(SIGSEGV);
}

OVL_CASE(
	.number = 9002,
	.slug = "crashes",
	.purpose = "harness test: dies of SIGSEGV",
	.tags = "harness",
	.needs_root = true,
	.fs = OVL_FS_TMPFS,
	.fixture = "harness/small.tree",
	.run = run,
);
