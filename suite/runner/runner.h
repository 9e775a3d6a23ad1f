/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/runner/runner.h - the runner: options of a run, and the private context a
 * case runs in (cases see only harness.h).
 */
#ifndef OVL_RUNNER_H
#define OVL_RUNNER_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "ctx.h"
#include "harness.h"
#include "target.h"

/* The most cases a run runs at once (-j). */
#define OVL_MAX_JOBS 64

struct ovl_run_opts {
	unsigned int fs_mask;		/* 1 << enum ovl_backing_kind */
	const struct ovl_target *target;
	const char *results_dir;	/* results/ ; the run writes results/<run-id>/ */
	const char *scratch_dir;	/* scratch root; the run works in <scratch>/run-<id>/ */
	const char *fixtures_dir;
	const char *kconfig_path;	/* a kernel config to judge by, instead of the running kernel's */
	char *const *selectors;		/* case numbers, ids, slugs or tags; none: all */
	size_t nselectors;
	double timeout_mult;
	bool progress;			/* progress line on stderr */
	unsigned int jobs;		/* cases at once, 1..OVL_MAX_JOBS (0: 1) */
	const char *target_options;	/* --target-opt, as given (the target has it already) */
	FILE *ktap;			/* where the KTAP goes; NULL: stdout */
	const char *run_suffix;		/* appended to the run id (a compare's two runs), or NULL */
	char *run_dir_out;		/* PATH_MAX bytes: gets results/<run-id>, or NULL */
	/* The target's known deviations: NULL for <fixtures>/deviations/<target>.json (none if absent). */
	const char *deviations_path;
	/* --kcidb FILE: the run as KCIDB data too (origin, and where its results dir is published). */
	const char *kcidb_path, *kcidb_origin, *kcidb_log_url;
	/* Cases made by a command (explore, replay) run instead of a selection. */
	const struct ovl_case *const *extra_cases;
	size_t nextra;
};

/* Run the selection; returns an enum ovl_exit. KTAP goes to stdout. */
int ovl_run(const struct ovl_run_opts *opts);

/* Remove what killed runs left in the scratch root; returns what was removed or -errno. */
int ovl_scratch_clean_stale(const char *scratch_root, FILE *notes);

#endif
