// SPDX-License-Identifier: GPL-2.0-or-later
/* suite/report/json.c - summary.json of a run, written with jansson. */
#include <errno.h>
#include <stdio.h>

#include <jansson.h>

#include "descriptor.h"
#include "result.h"

static json_t *strv(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

int ovl_report_json(const struct ovl_run_result *run, const char *path)
{
	json_t *root = json_object(), *cases = json_array(), *fss = json_array(), *totals;
	int r;

	for (size_t i = 0; i < run->nfs; i++) {
		const struct ovl_fs_result *f = &run->fs[i];

		json_array_append_new(fss, json_pack("{s:s, s:s, s:s, s:f, s:s, s:I, s:I, s:f}", "name", f->name,
						     "outcome", ovl_outcome_name(f->outcome),
						     "reason", f->reason, "setup_seconds",
						     f->setup_seconds, "teardown_problem",
						     f->teardown_problem, "case_runs", (json_int_t)f->ncases,
						     "operations", (json_int_t)f->nops, "case_seconds",
						     f->case_seconds));
	}
	for (size_t i = 0; i < run->ncases; i++) {
		const struct ovl_case_result *c = &run->cases[i];
		json_t *checks = json_array(), *o;
		char id[256];

		ovl_case_id(c->c, id, sizeof(id));
		for (size_t k = 0; k < c->nchecks; k++) {
			json_t *ck = json_pack("{s:s, s:s, s:o}", "name", c->checks[k].name, "outcome",
					       ovl_outcome_name(c->checks[k].outcome), "diagnostics",
					       strv(c->checks[k].diag, c->checks[k].ndiag));

			/* XFAIL, XPASS: the known deviation's "id: why (link)" */
			if (c->checks[k].reason)
				json_object_set_new(ck, "reason", json_string(c->checks[k].reason));
			json_array_append_new(checks, ck);
		}
		o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:f, s:s, s:o, s:o}", "id", id,
			      "number", (int)c->c->number, "slug", c->c->slug, "tags", c->c->tags,
			      "fs", c->fs, "outcome", ovl_outcome_name(c->outcome), "reason",
			      c->reason, "timed_out", c->timed_out, "seconds", c->seconds, "log",
			      c->log, "checks", checks, "diagnostics", strv(c->diag, c->ndiag));
		json_object_set_new(o, "operations", json_integer((json_int_t)c->nops));
		json_object_set_new(o, "max_rss_kb", json_integer((json_int_t)c->max_rss_kb));
		json_array_append_new(cases, o);
	}
	totals = json_object();
	for (int o = 0; o < OVL_NR_OUTCOMES; o++)
		json_object_set_new(totals, ovl_outcome_name((enum ovl_outcome)o),
				    json_integer((json_int_t)run->counts[o]));
	json_object_set_new(root, "format", json_string("ovlconform-results-1"));
	json_object_set_new(root, "run_id", json_string(run->run_id));
	json_object_set_new(root, "started", json_string(run->started));
	json_object_set_new(root, "target", json_string(run->target));
	json_object_set_new(root, "target_options", json_string(run->target_options));
	json_object_set_new(root, "target_version", json_string(run->target_version));
	json_object_set_new(root, "deviations", json_string(run->deviations));
	json_object_set_new(root, "kernel", json_string(run->kernel));
	json_object_set_new(root, "wall_seconds", json_real(run->wall_seconds));
	json_object_set_new(root, "checks", json_integer((json_int_t)run->nchecks));
	json_object_set_new(root, "operations", json_integer((json_int_t)run->nops));
	json_object_set_new(root, "checks_per_second",
			    json_real(run->wall_seconds > 0 ? (double)run->nchecks / run->wall_seconds : 0));
	json_object_set_new(root, "interrupted", json_boolean(run->interrupted));
	json_object_set_new(root, "jobs", json_integer((json_int_t)run->jobs));
	json_object_set_new(root, "runner_max_rss_kb", json_integer((json_int_t)run->runner_max_rss_kb));
	{
		json_t *fams = json_object();

		for (size_t k = 0; k < run->nfamilies; k++) {
			const struct ovl_family_time *f = &run->families[k];
			json_t *per = json_object();

			for (size_t i = 0; i < run->nfs && i < sizeof(f->fs_seconds) / sizeof(f->fs_seconds[0]); i++)
				if (run->fs[i].ncases)
					json_object_set_new(per, run->fs[i].name, json_real(f->fs_seconds[i]));
			json_object_set_new(fams, f->name, json_pack("{s:I, s:f, s:o}", "runs", (json_int_t)f->runs,
								      "seconds_in_cases", f->seconds, "by_fs", per));
		}
		json_object_set_new(root, "families", fams);
	}
	json_object_set_new(root, "totals", totals);
	json_object_set_new(root, "filesystems", fss);
	json_object_set_new(root, "cases", cases);
	r = json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS) ? -EIO : 0;
	json_decref(root);
	return r;
}
