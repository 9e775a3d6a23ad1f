/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/runner.h - the runner: options of a run, and the private context a
 * case runs in (cases see only harness.h).
 */
#ifndef OVL_RUNNER_H
#define OVL_RUNNER_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "harness.h"
#include "target.h"

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
};

/* Run the selection; returns an enum ovl_exit. KTAP goes to stdout. */
int ovl_run(const struct ovl_run_opts *opts);

/* Remove what killed runs left in the scratch root; returns what was removed or -errno. */
int ovl_scratch_clean_stale(const char *scratch_root, FILE *notes);

/* The directory a case's context knows; indices follow enum ovl_layer. */
#define OVL_NR_DIRS 6

struct ovl_ctx {
	const struct ovl_case *c;
	const struct ovl_target *target;
	const char *fs;
	const char *fixtures_dir;
	char root[PATH_MAX];
	char dirs[OVL_NR_DIRS][PATH_MAX];
	int rec_fd;			/* records to the runner */
	FILE *log;
	int kmsg_fd;
	unsigned int nchecks;
	bool mounted;
	char mount_reason[2048];
	struct ovl_model *model;	/* the mount's model under operations (from the first op) */
	char **paths;			/* what ovl_path() returned */
	size_t npaths;
	char optval[4096];
	char last_klog[4096];		/* kernel log lines of the last mount */
	char **alt_lowers;		/* ovl_use_union(): another union's lowers, top first */
	size_t alt_n;
	char saved_up[PATH_MAX], saved_merged[PATH_MAX];
	bool saved_mounted;
};

/* The case's side, inside its namespaces: set up layers, check needs, run. Never returns. */
void ovl_ctx_run_case(struct ovl_ctx *ctx) __attribute__((noreturn));

#endif
