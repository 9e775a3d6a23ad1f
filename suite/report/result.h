/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/report/result.h - what a run found, as the reporters (suite/report/) read it.
 */
#ifndef OVL_RESULT_H
#define OVL_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "harness.h"
#include "outcome.h"

struct ovl_check_result {
	char *name;
	enum ovl_outcome outcome;
	char **diag;			/* lines shown under it in KTAP */
	size_t ndiag;
	const char *reason;		/* XFAIL, XPASS: the deviation's (static) */
};

struct ovl_case_result {
	const struct ovl_case *c;
	const char *fs;			/* backing filesystem name */
	enum ovl_outcome outcome;
	char reason[1024];		/* why, for anything but PASS */
	bool timed_out;
	double seconds;
	struct ovl_check_result *checks;
	size_t nchecks;
	size_t nops;			/* operations checked against the model (ovl_check_op) */
	char **rows;			/* "table\trow" lines for results/<run>/<table>.txt */
	size_t nrows;
	char **diag;			/* case-level diagnostics (kernel log lines...) */
	size_t ndiag;
	char log[4096];			/* the case's log file, relative to the run dir */
	long max_rss_kb;		/* peak resident memory of its largest process, KiB */
};

struct ovl_fs_result {
	const char *name;
	enum ovl_outcome outcome;	/* PASS made, CONF cannot be made here, BROK broke */
	char reason[1024];
	double setup_seconds;
	char teardown_problem[1024];
	size_t ncases;			/* case runs on it, */
	size_t nops;			/* the model-checked operations they made, */
	double case_seconds;		/* and their time (ovl_run_result_count) */
};

struct ovl_run_result {
	char run_id[64];
	char run_dir[4096];
	char target[64];
	char target_options[512];	/* --target-opt, or "" */
	char target_version[128];	/* as the target reports it, or "" */
	char deviations[4096];		/* the known deviations' data file */
	char kernel[256];		/* uname -r and -v */
	char started[64];		/* ISO 8601 UTC */
	double wall_seconds;
	bool interrupted;
	struct ovl_case_result *cases;
	size_t ncases;
	struct ovl_fs_result fs[8];
	size_t nfs;
	size_t counts[OVL_NR_OUTCOMES];
	size_t nchecks;
	size_t nops;
	unsigned int jobs;		/* cases at once (-j) */
	long runner_max_rss_kb;		/* peak resident memory of the runner itself */
	/* Time in cases by family (a case's first tag) and filesystem (ovl_run_result_count). */
	struct ovl_family_time {
		char name[32];
		size_t runs;
		double seconds;
		double fs_seconds[8];	/* by the index in fs[] */
	} families[32];
	size_t nfamilies;
	size_t largest_case;		/* the case run with the largest max_rss_kb */
};

/* A case's family: its first tag (into buf). */
const char *ovl_case_family(const struct ovl_case_result *r, char *buf, size_t len);

void ovl_case_result_free(struct ovl_case_result *r);
void ovl_run_result_count(struct ovl_run_result *r);

/* suite/report/ktap.c: KTAP v1 on out, one test per case and filesystem. */
void ovl_ktap_begin(FILE *out, size_t plan);
void ovl_ktap_case(FILE *out, size_t number, const struct ovl_case_result *r);
void ovl_ktap_end(FILE *out, const struct ovl_run_result *run);
/*
 * The run as a KTAP parser that counts leaves counts it (the kernel's
 * kunit_parser.py): each check; a case without checks as itself; a "not
 * ok" case over checks that all passed as one failure more.
 */
void ovl_ktap_leaves(const struct ovl_run_result *run, size_t *passed, size_t *failed, size_t *skipped);
/* "0001-slug:ext4" */
void ovl_result_name(const struct ovl_case_result *r, char *buf, size_t len);

/* suite/report/json.c, junit.c: files under the run directory. 0 or -errno. */
int ovl_report_json(const struct ovl_run_result *run, const char *path);

/* suite/report/diff.c: what changed from one run's results to another's (ovlconform diff). */
struct ovl_diff_counts {
	size_t new_failures;		/* case runs FAIL/BROK/XPASS now, not before */
	size_t new_failing_checks;	/* checks FAIL/XPASS now, not before (in any case) */
	size_t fixed, fixed_checks;	/* FAIL/BROK/XPASS before, PASS/XFAIL now */
	size_t newly_skipped, newly_run; /* to CONF, from CONF */
	size_t added, gone;		/* case runs only in the second, only in the first */
	size_t other_checks;		/* every: checks whose outcome changed otherwise (PASS to XFAIL...) */
};
/*
 * Compare the results of two runs (a results/<run-id> dir, or its
 * summary.json); what changed goes to out, one line each with the new
 * failures' diagnostics. 0, or -EINVAL with why naming the path.
 */
int ovl_results_diff(const char *first, const char *second, FILE *out, struct ovl_diff_counts *n, char *why,
		     size_t len);
/* The same; every: also each check whose outcome changed in another way (ovlconform run --compare). */
int ovl_results_compare(const char *first, const char *second, bool every, FILE *out, struct ovl_diff_counts *n,
			char *why, size_t len);
int ovl_report_junit(const struct ovl_run_result *run, const char *path);

/* A run's summary.json (path: the file or its run dir), checked for its format; NULL with why. */
#include <jansson.h>
json_t *ovl_results_load(const char *path, char *why, size_t len);
/* o[key] as a string, "" when absent or not one. */
const char *ovl_json_str(json_t *o, const char *key);
/* The case run id on filesystem fs in a summary's cases array, or NULL. */
json_t *ovl_results_case(json_t *cases, const char *id, const char *fs);

/*
 * suite/report/html.c: one static page of the runs in dirs (results dirs):
 * the case x (run, filesystem) matrix, each cell opening its checks, their
 * differences and its log; the runs' plots inline. Written to out (through
 * out.tmp). 0, or -errno with why naming the path.
 */
int ovl_report_html(const char *const *dirs, size_t ndirs, const char *out, char *why, size_t len);

/*
 * suite/report/kcidb.c: the run in results (a results dir) as KernelCI's
 * KCIDB I/O data, schema v5.0, written to out: a checkout and a build for
 * the kernel under test, a test per case run at ovlconform.<case>.<fs>.
 * origin: [a-z0-9_]+; log_url (may be NULL): where the results dir is
 * published, for each test's log_url. 0, or -errno with why.
 */
int ovl_report_kcidb(const char *results, const char *out, const char *origin, const char *log_url, char *why,
		     size_t len);

/* suite/report/kernels.c: the same selection's runs on several kernels, side by side. */
struct ovl_kernels_counts {
	size_t rows;		/* case runs (case x filesystem) in any run */
	size_t differing;	/* rows whose outcome is not the same on every kernel */
	size_t unexplained;	/* cells of those that are a FAIL without a known deviation, or BROK */
};
/*
 * The table of runs paths[0..n) (results dirs or summary.json files), in
 * Markdown: one line per run, then the rows that differ with why for each
 * cell, then every row. 0, or -EINVAL with why naming the path.
 */
int ovl_results_kernels(const char *const *paths, size_t n, FILE *out, struct ovl_kernels_counts *counts, char *why,
			size_t len);

/* suite/report/tables.c: the tables cases filled with ovl_table_row(), under run_dir. */
void ovl_report_tables(const struct ovl_run_result *run, const char *run_dir);

#endif
