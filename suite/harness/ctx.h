/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/harness/ctx.h - the context a case runs in: made by the runner,
 * used by the harness. Cases never see inside it (they have harness.h).
 */
#ifndef OVL_CTX_H
#define OVL_CTX_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "harness.h"
#include "ovl-common.h"
#include "target.h"

/* The dirs of a case's union, as ctx->dirs holds them (the harness's own order). */
enum ctx_dir { CTX_DIR_A, CTX_DIR_B, CTX_DIR_C, CTX_DIR_UPPER, CTX_DIR_WORK, CTX_DIR_MERGED, OVL_NR_DIRS };

/*
 * The overlay options whose value changes what the model predicts, and
 * what a union mount is expected to run with: what the case asked for,
 * else the module's default as read just before mounting (metacopy and
 * nfs_export, which the model does not follow, are pinned off unless
 * asked for). Never read back from the mount under test.
 */
enum harness_opt { HOPT_REDIRECT_DIR, HOPT_INDEX, HOPT_XINO, HOPT_METACOPY, HOPT_NFS_EXPORT, HOPT_NR };

struct harness_expect {
	bool valid;
	char value[HOPT_NR][16];	/* expected in force */
	char deflt[HOPT_NR][16];	/* the module's default before mounting ("" unknown) */
	bool asked[HOPT_NR];		/* by the case (or pinned by the harness) */
	bool userxattr;			/* the layers' marks are user.overlay.* (OVL_SCAN_USERXATTR) */
};

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
	unsigned int own_checks;	/* made by the case, not by the harness on its behalf */
	bool auto_check;		/* the harness's own checks (options, layers) are being made */
	bool mounted;
	char mount_reason[2048];
	struct ovl_model *model;	/* the mount's model under operations (from the first op) */
	struct ovl_scan_cache *scan_cache; /* content digests between scans of one mount */
	bool scan_cache_used;		/* a scan used it since the mount: checked before unmounting */
	char **paths;			/* what ovl_path() returned */
	size_t npaths;
	char optval[4096];
	char last_klog[4096];		/* kernel log lines of the last mount */
	char **alt_lowers;		/* ovl_use_union(): another union's lowers, top first */
	size_t alt_n;
	char saved_up[PATH_MAX], saved_merged[PATH_MAX];
	bool saved_mounted;
	pid_t fuse_pid;			/* the FUSE lower's server (ovl_fuse_lower()), 0: none */
	char fuse_mnt[PATH_MAX];
	struct harness_expect expect;	/* of the case's own union (last mount) */
	struct harness_expect alt_expect; /* of the union ovl_use_union() points at */
	/*
	 * The layers as they were just before the first union mount (the
	 * fixture, and what the case itself put there): the model starts from
	 * them, never from what the target left, and the lowers must still be
	 * them when the case ends. [CTX_DIR_A..C], [CTX_DIR_UPPER].
	 */
	struct ovl_tree *baseline[CTX_DIR_UPPER + 1];
	bool have_baseline;
	/* ovl_quiet(): checks counted, not reported; the log goes nowhere */
	bool quiet;
	FILE *loud_log;
	unsigned int quiet_fails;
	struct ovl_buf quiet_first;	/* the first failed check, and its diagnostics */
	/*
	 * The differences the last failing check of each kind showed (the
	 * kind: a check name after "after OP: "), so that the next one shows
	 * only what is new (harness_diag_since()).
	 */
	struct harness_last_diag {
		char *kind, *text;
	} last_diag[8];
	/* ovl_catch(): an early end jumps back here instead of ending the case */
	void *catch_jmp;
	char catch_why[2048];
};

/* The case's side, inside its namespaces: set up layers, check needs, run. Never returns. */
void ovl_ctx_run_case(struct ovl_ctx *ctx) __attribute__((noreturn));

#endif
