// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner/verdict.c - a case's outcome from what it said (its checks,
 * an early end, its exit), and known deviations of the target (FAIL becomes
 * XFAIL, PASS becomes XPASS, never for a timeout or a kernel warning).
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

/* What the case said, folded into one outcome (a runner's verdict, if any, stands). */
void runner_verdict_from_records(struct case_watch *w, struct ovl_case_result *r)
{
	size_t nf = 0;

	if (r->outcome != OVL_PASS)
		return;
	for (size_t i = 0; i < r->nchecks; i++)
		nf += r->checks[i].outcome == OVL_FAIL;
	if (nf) {
		runner_set_outcome(r, OVL_FAIL, "%zu of %zu checks failed", nf, r->nchecks);
		w->fail_from_checks = true;
	} else if (w->early != OVL_PASS) {
		runner_set_outcome(r, w->early, "%s", w->why);
	} else if (!WIFEXITED(w->status) || WEXITSTATUS(w->status) != 0) {
		runner_set_outcome(r, OVL_BROK, "the case process ended with status 0x%x", w->status);
	} else if (r->nchecks == 0) {
		runner_set_outcome(r, OVL_BROK, "the case made no check (a case must assert something)");
	}
}

/* Known deviations of this target turn FAIL into XFAIL and PASS into XPASS. */
void runner_apply_deviations(const struct ovl_case *c, const struct ovl_target *t, const struct case_watch *w,
			     struct ovl_case_result *r)
{
	for (const struct ovl_deviation *d = c->deviations; d && d->target; d++) {
		if (strcmp(d->target, t->name) != 0)
			continue;
		/* A timeout or a kernel warning is never the known deviation. */
		if (r->outcome == OVL_FAIL && w->fail_from_checks)
			runner_set_outcome(r, OVL_XFAIL, "known deviation of %s: %s", d->target, d->reason);
		else if (r->outcome == OVL_PASS)
			runner_set_outcome(r, OVL_XPASS, "passed, though a known deviation of %s says: %s",
				    d->target, d->reason);
	}
}
