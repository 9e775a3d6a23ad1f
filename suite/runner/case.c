// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner/case.c - one case on one backing filesystem: spawn, watch,
 * judge, check health, clean up.
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
#include "deviations.h"

/* One case on one backing filesystem: spawned here, watched by the run's loop, judged in runner_case_finish(). */
struct case_watch *runner_case_start(struct run_state *st, const struct ovl_case *c, const struct ovl_backing *b,
				     struct ovl_case_result *r)
{
	struct case_watch *w = calloc(1, sizeof(*w));

	if (!w) {
		runner_set_outcome(r, OVL_BROK, "out of memory");
		return NULL;
	}
	w->ctx = (struct ovl_ctx){ .c = c, .target = st->opts->target, .fs = b->name,
				   .fixtures_dir = st->opts->fixtures_dir, .kmsg_fd = -1 };
	w->early = OVL_PASS;
	w->nsfd = -1;
	w->pidfd = -1;
	w->t0 = runner_now();
	w->timeout = (unsigned int)((c->timeout ? c->timeout : OVL_TIMEOUT_DEFAULT) * st->opts->timeout_mult);
	w->taint0 = st->taint;
	w->taint_to = st->taint;
	if (runner_spawn_case(st, c, b, r, w) == 0)
		return w;
	if (w->log)
		fclose(w->log);
	free(w);
	return NULL;
}

/* Judge a case that ended: deviations, verdict, the kernel's health, leftovers; its scratch dir goes. */
void runner_case_finish(struct run_state *st, struct case_watch *w, struct ovl_case_result *r)
{
	r->seconds = runner_now() - w->t0;
	r->max_rss_kb = w->ru.ru_maxrss;
	{
		char id[256];

		ovl_case_id(r->c, id, sizeof(id));
		ovl_deviations_apply(st->devs, id, w->fs_bit, st->release, *st->target_version ? st->target_version : NULL,
				     r);
	}
	runner_verdict_from_records(w, r);
	runner_check_kernel_health(st, w, r);
	runner_check_leftovers(w, r);
	fprintf(w->log, "--- outcome: %s%s%s (%.3f s, %zu checks, peak memory %ld KiB)\n", ovl_outcome_name(r->outcome),
		r->reason[0] ? ": " : "", r->reason, r->seconds, r->nchecks, r->max_rss_kb);
	/* The case's layers are no longer needed; the filesystem goes after its cases. */
	ovl_remove_tree(w->ctx.root);
	fclose(w->log);
	ovl_strv_free(w->left_in_ns, w->nleft_in_ns);
	ovl_buf_free(&w->klog);
	free(w);
}
