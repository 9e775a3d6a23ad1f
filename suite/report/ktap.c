// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/report/ktap.c - KTAP v1: the version line, the plan, one result per
 * case and filesystem with its checks as subtests (nested, indented two
 * spaces, before the parent's line), diagnostics as "# " lines. Passing
 * lines carry no '#' text, since LKFT folds it into the test name.
 */
#include <stdio.h>
#include <string.h>

#include "descriptor.h"
#include "result.h"

void ovl_result_name(const struct ovl_case_result *r, char *buf, size_t len)
{
	char id[256];

	ovl_case_id(r->c, id, sizeof(id));
	snprintf(buf, len, "%s:%s", id, r->fs);
}

/* KTAP names and reasons are one line, without '#'. */
static void put_clean(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\n' || *s == '#' ? ' ' : *s, out);
}

static void put_result(FILE *out, const char *indent, size_t n, enum ovl_outcome o,
		       const char *name, const char *reason)
{
	const char *dir = ovl_outcome_ktap_directive(o);

	fprintf(out, "%s%s %zu ", indent, ovl_outcome_ktap_ok(o) ? "ok" : "not ok", n);
	put_clean(out, name);
	if (dir) {
		fprintf(out, " # %s", dir);
		if (reason && *reason) {
			fputc(' ', out);
			put_clean(out, reason);
		}
	}
	fputc('\n', out);
}

void ovl_ktap_begin(FILE *out, size_t plan)
{
	fprintf(out, "KTAP version 1\n1..%zu\n", plan);
	fflush(out);
}

void ovl_ktap_case(FILE *out, size_t number, const struct ovl_case_result *r)
{
	char name[512];

	ovl_result_name(r, name, sizeof(name));
	if (r->nchecks) {
		fprintf(out, "  KTAP version 1\n  1..%zu\n", r->nchecks);
		for (size_t i = 0; i < r->nchecks; i++) {
			const struct ovl_check_result *k = &r->checks[i];

			for (size_t d = 0; d < k->ndiag; d++)
				fprintf(out, "  # %s\n", k->diag[d]);
			put_result(out, "  ", i + 1, k->outcome, k->name, k->reason);
		}
	}
	for (size_t d = 0; d < r->ndiag; d++)
		fprintf(out, "# %s\n", r->diag[d]);
	if (r->outcome != OVL_PASS && r->outcome != OVL_CONF && r->reason[0]) {
		fputs("# ", out);
		put_clean(out, name);
		fputs(": ", out);
		put_clean(out, r->reason);
		fputc('\n', out);
	}
	if (r->outcome != OVL_PASS && r->outcome != OVL_CONF && r->log[0])
		fprintf(out, "# log: %s\n", r->log);
	if (r->timed_out) {
		fprintf(out, "not ok %zu ", number);
		put_clean(out, name);
		fputs(" # TIMEOUT ", out);
		put_clean(out, r->reason);
		fputc('\n', out);
	} else {
		put_result(out, "", number, r->outcome, name, r->reason);
	}
	fflush(out);
}

void ovl_ktap_leaves(const struct ovl_run_result *run, size_t *passed, size_t *failed, size_t *skipped)
{
	*passed = *failed = *skipped = 0;
	for (size_t i = 0; i < run->ncases; i++) {
		const struct ovl_case_result *r = &run->cases[i];
		bool case_ok = !r->timed_out && ovl_outcome_ktap_ok(r->outcome), all_ok = true;

		if (!r->nchecks) {
			if (r->outcome == OVL_CONF)
				++*skipped;
			else if (case_ok)
				++*passed;
			else
				++*failed;
			continue;
		}
		for (size_t k = 0; k < r->nchecks; k++) {
			bool ok = ovl_outcome_ktap_ok(r->checks[k].outcome);

			all_ok &= ok;
			if (ok)
				++*passed;
			else
				++*failed;
		}
		/* a "not ok" over checks that all passed (a timeout, a kernel warning) is one failure more */
		if (!case_ok && all_ok)
			++*failed;
	}
}

void ovl_ktap_end(FILE *out, const struct ovl_run_result *run)
{
	size_t lp, lf, ls;

	const size_t *c = run->counts;
	size_t passed = c[OVL_PASS] + c[OVL_XFAIL];
	size_t failed = c[OVL_FAIL] + c[OVL_BROK] + c[OVL_XPASS];

	fprintf(out, "# Totals: pass:%zu fail:%zu xfail:%zu xpass:%zu skip:%zu error:%zu\n",
		c[OVL_PASS], c[OVL_FAIL], c[OVL_XFAIL], c[OVL_XPASS], c[OVL_CONF], c[OVL_BROK]);
	fprintf(out, "# wall time %.2f s, %zu checks, %.1f checks/s%s\n", run->wall_seconds,
		run->nchecks, run->wall_seconds > 0 ? (double)run->nchecks / run->wall_seconds : 0.0,
		run->interrupted ? " (interrupted)" : "");
	for (size_t k = 0; k < run->nfs; k++)
		if (run->fs[k].ncases)
			fprintf(out, "# %s: %zu case run%s, %zu model-checked operation%s, %.2f s in cases\n",
				run->fs[k].name, run->fs[k].ncases, run->fs[k].ncases == 1 ? "" : "s",
				run->fs[k].nops, run->fs[k].nops == 1 ? "" : "s", run->fs[k].case_seconds);
	/* time in cases by family and filesystem (with -j N they overlap: the wall time is less) */
	for (size_t k = 0; k < run->nfamilies; k++) {
		const struct ovl_family_time *f = &run->families[k];
		char per[256] = "";
		size_t used = 0;

		for (size_t i = 0; i < run->nfs && i < sizeof(f->fs_seconds) / sizeof(f->fs_seconds[0]); i++)
			if (run->fs[i].ncases && used < sizeof(per))
				used += (size_t)snprintf(per + used, sizeof(per) - used, "%s%s %.2f", used ? ", " : "",
							 run->fs[i].name, f->fs_seconds[i]);
		fprintf(out, "# family %s: %zu case run%s, %.2f s in cases (%s)\n", f->name, f->runs,
			f->runs == 1 ? "" : "s", f->seconds, per);
	}
	if (run->ncases) {
		const struct ovl_case_result *big = &run->cases[run->largest_case];

		fprintf(out, "# peak memory: runner %.1f MiB, largest case %.1f MiB (%s:%s); %u case%s at once\n",
			(double)run->runner_max_rss_kb / 1024, (double)big->max_rss_kb / 1024,
			big->c ? big->c->slug : "?", big->fs ? big->fs : "?", run->jobs, run->jobs == 1 ? "" : "s");
	}
	fprintf(out, "# results: %s\n", run->run_dir);
	ovl_ktap_leaves(run, &lp, &lf, &ls);
	fprintf(out, "# KTAP leaves (checks, and cases without any): %zu passed, %zu failed, %zu skipped\n", lp, lf, ls);
	fprintf(out, "# ovlconform: %zu passed, %zu failed, %zu skipped\n", passed, failed,
		c[OVL_CONF]);
	fflush(out);
}
