// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner/verdict.c - a case's outcome from what it said (its checks,
 * an early end, its exit), and known deviations of the target, per check
 * (a FAIL it covers becomes XFAIL, a PASS XPASS; never a timeout, an early
 * end or a kernel warning).
 */
#define _GNU_SOURCE
#include "runner.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fnmatch.h>
#include <sys/capability.h>
#include "descriptor.h"
#include "ovl-host.h"
#include "kmsg.h"
#include "record.h"
#include "matrix.h"
#include "result.h"
#include "ovl-common.h"
#include "runner-private.h"
#include "case-private.h"

/*
 * What the case said, folded into one outcome (a runner's verdict, if
 * any, stands): a failed check FAILs; else an early end (BROK, CONF)
 * stands; else a check that passed against a known deviation is XPASS;
 * else known failures only: XFAIL.
 */
void runner_verdict_from_records(struct case_watch *w, struct ovl_case_result *r)
{
	size_t n[OVL_NR_OUTCOMES] = { 0 };
	const char *xreason = NULL;

	if (r->outcome != OVL_PASS)
		return;
	for (size_t i = 0; i < r->nchecks; i++) {
		n[r->checks[i].outcome]++;
		if (r->checks[i].outcome == OVL_XFAIL || r->checks[i].outcome == OVL_XPASS)
			xreason = r->checks[i].reason;
	}
	if (n[OVL_FAIL])
		runner_set_outcome(r, OVL_FAIL, "%zu of %zu checks failed", n[OVL_FAIL], r->nchecks);
	else if (w->early != OVL_PASS)
		runner_set_outcome(r, w->early, "%s", w->why);
	else if (!WIFEXITED(w->status) || WEXITSTATUS(w->status) != 0)
		runner_set_outcome(r, OVL_BROK, "the case process ended with status 0x%x", w->status);
	else if (r->nchecks == 0)
		runner_set_outcome(r, OVL_BROK, "the case made no check (a case must assert something)");
	else if (n[OVL_XPASS])
		runner_set_outcome(r, OVL_XPASS, "%zu check%s passed that a known deviation says fail%s: %s",
				   n[OVL_XPASS], n[OVL_XPASS] == 1 ? "" : "s", n[OVL_XFAIL] ? " (the rest failed as known)" : "",
				   xreason);
	else if (n[OVL_XFAIL])
		runner_set_outcome(r, OVL_XFAIL, "%zu of %zu checks fail as a known deviation says: %s", n[OVL_XFAIL],
				   r->nchecks, xreason);
}
