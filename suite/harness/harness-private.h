/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/harness/harness-private.h - what the harness's files share (not for cases).
 */
#ifndef OVL_HARNESS_PRIVATE_H
#define OVL_HARNESS_PRIVATE_H

#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <grp.h>
#include <libmount.h>
#include <sys/capability.h>
#include "exec.h"
#include "kmsg.h"
#include "sysmount.h"
#include "ovl-model.h"
#include "record.h"
#include "ctx.h"
#include "ovl-common.h"

/* Shared by the files of this folder only (not part of the interface). */
void harness_record(struct ovl_ctx *ctx, enum ovl_rec_kind kind, const char *word, const char *text);
bool harness_check_result(struct ovl_ctx *ctx, bool ok, const char *name);
/* Scan dir (scan flags) with the mount's content cache; BROK when it cannot. */
struct ovl_tree *harness_scan(struct ovl_ctx *ctx, const char *dir, unsigned int flags, const char *what);
/* End the case as BROK with why, no file and line (the harness's own verdict on the case). */
void harness_end_brok(struct ovl_ctx *ctx, const char *why) __attribute__((noreturn));
void harness_diag(struct ovl_ctx *ctx, const char *text);
/*
 * Lines of a tree difference shown under its check (the whole one is in
 * the case log): enough for a known deviation to be told from a new one
 * (runner/deviations.c explains every line shown, or none).
 */
#define OVL_DIFF_DIAG_LINES 40
void harness_diag_lines(struct ovl_ctx *ctx, const char *text, unsigned int max);
/*
 * The lines of text (one difference each) under a failed check named
 * what, but those the last failed check of the same kind showed too: one
 * line instead, HARNESS_AS_BEFORE and their count. A difference that
 * lasts from one operation to the next is shown once, where it began; the
 * runner judges the line by what it judged there (runner/deviations.c).
 * passed: the check passed (text NULL): the next failure starts afresh.
 */
#define HARNESS_AS_BEFORE "... as before: "
void harness_diag_since(struct ovl_ctx *ctx, const char *what, const char *text, bool passed);
unsigned int harness_nlowers(const struct ovl_ctx *ctx);
int harness_target_mount(struct ovl_ctx *ctx, const struct ovl_union_spec *spec, char *why,
			size_t len, struct ovl_buf *klog);
int harness_option_default(const struct ovl_target *t, const char *name, const char **value);
/* Scan flags for the layers of the union the model follows now: OVL_SCAN_USERXATTR for userxattr. */
unsigned int harness_layer_scan_flags(struct ovl_ctx *ctx);
void harness_expect_options(const struct ovl_target *t, const char *options, bool upper, struct harness_expect *e,
			    struct ovl_buf *pins);
void harness_check_options(struct ovl_ctx *ctx, const char *merged, const struct harness_expect *e);
const struct harness_expect *harness_expected(const struct ovl_ctx *ctx);
/* One check: want (the model, or a baseline) and got compared, the difference in the log and KTAP. */
bool harness_compare(struct ovl_ctx *ctx, const struct ovl_tree *want, const struct ovl_tree *got,
		     unsigned int flags, const char *what);
/* The layers before the first mount (once), and the checks that the lowers never change. */
void harness_take_baseline(struct ovl_ctx *ctx);
bool harness_check_layers_as_before(struct ovl_ctx *ctx, bool upper_too, const char *when);

/* What the union's options (as asked, else the defaults) change in the merged view. */
struct ovl_merge_options harness_merge_options(struct ovl_ctx *ctx);

#endif
