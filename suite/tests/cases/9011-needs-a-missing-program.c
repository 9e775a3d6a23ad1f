// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Harness test: a case that needs a program nobody installs is CONF saying
 * so, and with OVLCONFORM_LEFT_OUT naming it, in the words of whoever left
 * it out (scripts/vm, for what it keeps out of a guest).
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	ovl_check(ctx, false, "ran although its program is missing");
}

OVL_CASE(
	.number = 9011,
	.slug = "needs-a-missing-program",
	.purpose = "harness test: a missing program is CONF, with the reason it was left out when given",
	.tags = "harness",
	.fs = OVL_FS_TMPFS,
	.needs_programs = "ovlconform-no-such-program",
	.run = run,
);
