/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/families/explore.h - the explorer: random fixtures and operation
 * sequences against the model until they diverge, then a shrunk,
 * replayable reproducer. `ovlconform explore` and `ovlconform replay` run
 * it as a case of their own; a numbered case keeps a reproducer with
 * ovl_check_replay().
 */
#ifndef OVL_FAMILY_EXPLORE_H
#define OVL_FAMILY_EXPLORE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

struct explore_opts {
	unsigned int seconds;		/* explore this long (0: only trials counts) */
	unsigned long trials;		/* or this many trials (0: only seconds count) */
	uint64_t seed;
	const char *options;		/* mount options for every trial; NULL: a random set each */
	unsigned int min_lowers, max_lowers;	/* 1..5 */
	bool no_users;			/* no operations as an unprivileged uid */
	unsigned int max_steps;		/* operations per trial, at most */
	char out_dir[PATH_MAX];		/* reproducers go here */
	char replay_file[PATH_MAX];	/* ovlconform replay FILE */
};

/* Set by the command line before the run; the case reads it in its own process. */
extern struct explore_opts ovl_explore;

/* The run functions of the explore and replay cases. */
void explore_case_run(struct ovl_ctx *ctx);
void replay_case_run(struct ovl_ctx *ctx);

/*
 * Replay a reproducer (a fixture, mount options and an operation list, as
 * the explorer writes them) with every operation checked against the
 * model, as a numbered case does: path relative to fixtures/, or absolute.
 */
void ovl_check_replay(struct ovl_ctx *ctx, const char *path);

#endif
