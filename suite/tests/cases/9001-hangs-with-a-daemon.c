// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Harness test: a case that hangs after starting a daemon that leaves its
 * process group (setsid). The runner must time it out (FAIL, TIMEOUT), and
 * nothing of it may survive: the daemon dies with the case's PID namespace.
 * Its known deviation must not turn the timeout into an XFAIL.
 */
#include <sys/prctl.h>
#include <unistd.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check(ctx, true, "mounted before hanging");
	if (fork() == 0) {
		setsid();
		if (fork() == 0) {
			prctl(PR_SET_NAME, "ovlselftestd");
			for (;;)
				pause();
		}
		_exit(0);
	}
	for (;;)
		pause();
}

OVL_CASE(
	.number = 9001,
	.slug = "hangs-with-a-daemon",
	.purpose = "harness test: times out while a setsid daemon runs",
	.tags = "harness",
	.needs_root = true,
	.fs = OVL_FS_TMPFS,
	.fixture = "harness/small.tree",
	.timeout = 1,
	.run = run,
);
