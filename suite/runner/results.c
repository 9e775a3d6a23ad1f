// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner/results.c - case results: outcomes with their reasons, counts,
 * freeing.
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

/* ---- results bookkeeping --------------------------------------------------- */

void ovl_case_result_free(struct ovl_case_result *r)
{
	for (size_t i = 0; i < r->nchecks; i++) {
		free(r->checks[i].name);
		ovl_strv_free(r->checks[i].diag, r->checks[i].ndiag);
	}
	free(r->checks);
	ovl_strv_free(r->diag, r->ndiag);
	ovl_strv_free(r->rows, r->nrows);
}

const char *ovl_case_family(const struct ovl_case_result *r, char *buf, size_t len)
{
	const char *tags = r->c && r->c->tags ? r->c->tags : "";

	snprintf(buf, len, "%.*s", (int)strcspn(tags, ","), tags);
	return buf;
}

/* The family time record named like r's case (added when new; NULL when the table is full). */
static struct ovl_family_time *family_of(struct ovl_run_result *run, const struct ovl_case_result *r)
{
	char name[32];

	ovl_case_family(r, name, sizeof(name));
	for (size_t k = 0; k < run->nfamilies; k++)
		if (strcmp(run->families[k].name, name) == 0)
			return &run->families[k];
	if (run->nfamilies == sizeof(run->families) / sizeof(run->families[0]))
		return NULL;
	snprintf(run->families[run->nfamilies].name, sizeof(run->families[0].name), "%s", name);
	return &run->families[run->nfamilies++];
}

void ovl_run_result_count(struct ovl_run_result *r)
{
	memset(r->counts, 0, sizeof(r->counts));
	r->nchecks = 0;
	r->nops = 0;
	r->nfamilies = 0;
	r->largest_case = 0;
	memset(r->families, 0, sizeof(r->families));
	for (size_t k = 0; k < r->nfs; k++) {
		r->fs[k].ncases = 0;
		r->fs[k].nops = 0;
		r->fs[k].case_seconds = 0;
	}
	for (size_t i = 0; i < r->ncases; i++) {
		struct ovl_family_time *f = family_of(r, &r->cases[i]);

		if (f) {
			f->runs++;
			f->seconds += r->cases[i].seconds;
			for (size_t k = 0; k < r->nfs && k < sizeof(f->fs_seconds) / sizeof(f->fs_seconds[0]); k++)
				if (r->fs[k].name && r->cases[i].fs && strcmp(r->fs[k].name, r->cases[i].fs) == 0)
					f->fs_seconds[k] += r->cases[i].seconds;
		}
		if (r->cases[i].max_rss_kb > r->cases[r->largest_case].max_rss_kb)
			r->largest_case = i;
		r->counts[r->cases[i].outcome]++;
		r->nchecks += r->cases[i].nchecks;
		r->nops += r->cases[i].nops;
		for (size_t k = 0; k < r->nfs; k++) {
			if (!r->fs[k].name || !r->cases[i].fs || strcmp(r->fs[k].name, r->cases[i].fs) != 0)
				continue;
			r->fs[k].ncases++;
			r->fs[k].nops += r->cases[i].nops;
			r->fs[k].case_seconds += r->cases[i].seconds;
		}
	}
}

void runner_set_outcome(struct ovl_case_result *r, enum ovl_outcome o, const char *fmt, ...)
{
	va_list ap;

	r->outcome = o;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}
