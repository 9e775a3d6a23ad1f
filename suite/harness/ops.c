// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/harness/ops.c - the operation executor: an ovl_op done through the
 * merged mount (as root or as a user without capabilities) and checked
 * against the model: errno, merged view, upper layer.
 */
#define _GNU_SOURCE
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
#include "harness-private.h"

/* ---- operations against the model ------------------------------------------ */

/* A path of the merged view: absolute for root, relative to the merged dir (the cwd) for a user. */
static const char *op_path(struct ovl_ctx *ctx, const struct ovl_op *op, const char *rel)
{
	char buf[PATH_MAX];

	if (!op->as_user)
		return ovl_merged_path(ctx, rel);
	snprintf(buf, sizeof(buf), "./%s", rel[0] == '/' ? rel + 1 : rel);
	return strdup(buf); /* in the user's child, which ends soon */
}

static int do_op_here(struct ovl_ctx *ctx, const struct ovl_op *op)
{
	const char *p = op_path(ctx, op, op->path);
	int fd, r = 0;

	errno = 0;
	switch (op->kind) {
	case OVL_OP_READ: {
		char buf[65536];
		ssize_t n;

		/* O_NONBLOCK: a fifo opens at once and reads nothing */
		fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return errno;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		r = n < 0 ? errno : 0;
		close(fd);
		return r;
	}
	case OVL_OP_STAT: {
		struct stat st;

		return lstat(p, &st) ? errno : 0;
	}
	case OVL_OP_READDIR: {
		DIR *d = opendir(p);

		if (!d)
			return errno;
		errno = 0;
		while (readdir(d))
			;
		r = errno;
		closedir(d);
		return r;
	}
	case OVL_OP_READLINK: {
		char buf[PATH_MAX];

		return readlink(p, buf, sizeof(buf)) < 0 ? errno : 0;
	}
	case OVL_OP_ACCESS:
		return access(p, W_OK) ? errno : 0;
	case OVL_OP_WRITE:
		/* O_NONBLOCK: a fifo without a reader fails with ENXIO rather than wait */
		fd = open(p, op->flags | O_CLOEXEC | O_NONBLOCK, op->mode);
		if (fd < 0)
			return errno;
		r = ovl_write_all(fd, op->data, op->len);
		if (close(fd) && !r)
			r = -errno;
		return -r;
	case OVL_OP_TRUNCATE:
		return truncate(p, (off_t)op->size) ? errno : 0;
	case OVL_OP_CHMOD:
		return chmod(p, op->mode) ? errno : 0;
	case OVL_OP_CHOWN:
		return lchown(p, op->uid, op->gid) ? errno : 0;
	case OVL_OP_UTIMES: {
		struct timespec t[2] = { { 1000000000, 0 }, { 1000000001, 0 } };

		return utimensat(AT_FDCWD, p, t, AT_SYMLINK_NOFOLLOW) ? errno : 0;
	}
	case OVL_OP_SETXATTR:
		return lsetxattr(p, op->name, op->data, op->len, 0) ? errno : 0;
	case OVL_OP_REMOVEXATTR:
		return lremovexattr(p, op->name) ? errno : 0;
	case OVL_OP_UNLINK:
		return unlink(p) ? errno : 0;
	case OVL_OP_RMDIR:
		return rmdir(p) ? errno : 0;
	case OVL_OP_MKDIR:
		return mkdir(p, op->mode) ? errno : 0;
	case OVL_OP_LINK:
		return link(p, op_path(ctx, op, op->path2)) ? errno : 0;
	case OVL_OP_SYMLINK: {
		char target[PATH_MAX];

		snprintf(target, sizeof(target), "%.*s", (int)op->len, (const char *)op->data);
		return symlink(target, p) ? errno : 0;
	}
	case OVL_OP_MKNOD:
		return mknod(p, op->mode, makedev(op->rdev_major, op->rdev_minor)) ? errno : 0;
	case OVL_OP_RENAME:
		return renameat2(AT_FDCWD, p, AT_FDCWD, op_path(ctx, op, op->path2),
				 (unsigned int)op->flags) ? errno : 0;
	}
	return EINVAL;
}

/*
 * As an ordinary user: a child that drops every capability (libcap) and
 * becomes as_uid:as_gid, from inside the merged dir (the scratch dirs
 * above it are root's only).
 */
static int do_op(struct ovl_ctx *ctx, const struct ovl_op *op)
{
	pid_t pid;
	int status = 0;

	if (!op->as_user)
		return do_op_here(ctx, op);
	fflush(ctx->log);
	pid = fork();
	if (pid < 0)
		ovl_brok(ctx, "fork: %s", strerror(errno));
	if (pid == 0) {
		cap_t none = cap_init();
		cap_t now;
		bool clean;

		if (chdir(ctx->dirs[CTX_DIR_MERGED]) || setgroups(0, NULL) ||
		    setresgid(op->as_gid, op->as_gid, op->as_gid) ||
		    setresuid(op->as_uid, op->as_uid, op->as_uid) || !none || cap_set_proc(none))
			_exit(255);
		now = cap_get_proc();
		clean = now && cap_compare(now, none) == 0;
		cap_free(now);
		cap_free(none);
		if (!clean)
			_exit(254);
		_exit(do_op_here(ctx, op) & 0xff);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) >= 254)
		ovl_brok(ctx, "could not become uid %u without capabilities to run the operation (status 0x%x)",
			 (unsigned int)op->as_uid, status);
	return WEXITSTATUS(status);
}

/* One comparison of a tree with the model's, as a check with the difference shown. */
bool harness_compare(struct ovl_ctx *ctx, const struct ovl_tree *want, const struct ovl_tree *got,
		    unsigned int flags, const char *what)
{
	char *d = NULL;
	size_t dlen = 0;
	FILE *f = open_memstream(&d, &dlen);
	int n;

	if (!f)
		ovl_brok(ctx, "open_memstream: %s", strerror(errno));
	n = ovl_tree_diff(want, got, flags, f);
	fclose(f);
	if (n < 0)
		ovl_brok(ctx, "tree diff: %s", strerror(-n));
	harness_check_result(ctx, n == 0, what);
	if (n) {
		fprintf(ctx->log, "--- %s: expected (model)\n", what);
		ovl_tree_dump(want, flags, ctx->log);
		fprintf(ctx->log, "--- actual\n");
		ovl_tree_dump(got, flags, ctx->log);
		fprintf(ctx->log, "--- difference (- model, + actual): %d path%s\n%s", n, n == 1 ? "" : "s", d);
		fflush(ctx->log);
		harness_diag(ctx, "difference (- model, + actual):");
		harness_diag_lines(ctx, d, 12);
	}
	free(d);
	return n == 0;
}

/*
 * The model follows the options the union was asked to run with (and the
 * module defaults read before mounting), never what the mount reports:
 * the mount's own check says whether they are in force.
 */
static void model_options(struct ovl_ctx *ctx)
{
	const struct harness_expect *e = harness_expected(ctx);
	struct ovl_model_options opt = { 0 };

	if (!e->valid)
		ovl_brok(ctx, "the model has no expected options: the union was not mounted through the harness");
	opt.redirect_dir = strcmp(e->value[HOPT_REDIRECT_DIR], "on") == 0;
	opt.index = strcmp(e->value[HOPT_INDEX], "on") == 0;
	/* the kernel's ovl_allow_offline_changes(), negated */
	opt.no_offline_changes = opt.redirect_dir || opt.index || strcmp(e->value[HOPT_METACOPY], "on") == 0 ||
				 strcmp(e->value[HOPT_XINO], "on") == 0;
	/* xfs refuses a rename over a dir with names with EEXIST (POSIX allows it) */
	opt.upper_notempty = strcmp(ovl_backing_fs(ctx), "xfs") == 0 ? EEXIST : ENOTEMPTY;
	/* the host's setting, as the VFS applies it above any filesystem */
	{
		char *v = NULL;

		opt.protected_hardlinks = ovl_read_file("/proc/sys/fs/protected_hardlinks", &v, NULL, 64) == 0 &&
					  v[0] != '0';
		free(v);
	}
	ovl_log(ctx, "model: redirect_dir %s, index %s, offline changes %s, a rename over a full upper dir: %s",
		opt.redirect_dir ? "on" : "off", opt.index ? "on" : "off",
		opt.no_offline_changes ? "not allowed" : "allowed", strerrorname_np(opt.upper_notempty));
	ovl_model_set_options(ctx->model, &opt);
}

bool ovl_check_op(struct ovl_ctx *ctx, const struct ovl_op *op)
{
	struct ovl_err err = { "" };
	struct ovl_tree *view = NULL, *merged, *upper = NULL;
	char what[512], name[640];
	int want, got;
	bool ok;

	if (!ctx->model) {
		const char *lowers[OVL_MAX_LOWERS];

		for (unsigned int i = 0; i < harness_nlowers(ctx); i++)
			lowers[i] = ctx->dirs[CTX_DIR_A + i];
		if (!ctx->alt_n && (ctx->c->no_upper || !ctx->mounted))
			ovl_brok(ctx, "ovl_check_op needs a mounted union with an upper layer");
		/* the model starts from the layers as they were before mounting: so must the disk */
		if (!ctx->alt_n)
			harness_check_layers_as_before(ctx, true, "at the first operation");
		if (ovl_model_open(ctx->dirs[CTX_DIR_UPPER],
				   ctx->alt_n ? (const char *const *)ctx->alt_lowers : lowers,
				   ctx->alt_n ? ctx->alt_n : harness_nlowers(ctx), &ctx->model, &err))
			ovl_brok(ctx, "model: %s", err.msg);
		model_options(ctx);
	}
	ovl_op_describe(op, what, sizeof(what));
	harness_record(ctx, OVL_REC_OP, "op", what);
	if (ovl_model_apply(ctx->model, op, &want, &err))
		ovl_brok(ctx, "the model cannot predict %s: %s", what, err.msg);
	got = do_op(ctx, op);
	ovl_log(ctx, "op: %s -> %s (model: %s)", what, got ? strerrorname_np(got) : "success",
		want ? strerrorname_np(want) : "success");
	ok = ovl_check_errno(ctx, got ? -1 : 0, got, want, "%s", what);
	if (ovl_model_view(ctx->model, &view, &err))
		ovl_brok(ctx, "model: %s", err.msg);
	merged = ovl_merged_now(ctx);
	snprintf(name, sizeof(name), "after %s: merged view matches the model", what);
	ok &= harness_compare(ctx, view, merged, 0, name);
	if (ovl_tree_scan(ctx->dirs[CTX_DIR_UPPER], OVL_SCAN_UPPER, &upper, &err))
		ovl_brok(ctx, "scanning the upper dir: %s", err.msg);
	snprintf(name, sizeof(name), "after %s: upper dir matches the model", what);
	ok &= harness_compare(ctx, ovl_model_upper(ctx->model), upper, OVL_DUMP_NO_OVL_XATTRS, name);
	ovl_tree_unref(view);
	ovl_tree_unref(merged);
	ovl_tree_unref(upper);
	return ok;
}

bool ovl_check_ops(struct ovl_ctx *ctx, const struct ovl_op *ops, size_t n)
{
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		ok = ovl_check_op(ctx, &ops[i]) && ok;
	return ok;
}

void ovl_use_union(struct ovl_ctx *ctx, const char *merged, const char *upper, const char *const *lowers,
		   size_t n, const char *options)
{
	ovl_model_free(ctx->model);
	ctx->model = NULL;
	ovl_strv_free(ctx->alt_lowers, ctx->alt_n);
	ctx->alt_lowers = NULL;
	ctx->alt_n = 0;
	if (!merged) {
		if (!ctx->saved_merged[0])
			return;
		snprintf(ctx->dirs[CTX_DIR_MERGED], sizeof(ctx->dirs[0]), "%s", ctx->saved_merged);
		snprintf(ctx->dirs[CTX_DIR_UPPER], sizeof(ctx->dirs[0]), "%s", ctx->saved_up);
		ctx->mounted = ctx->saved_mounted;
		ctx->saved_merged[0] = 0;
		return;
	}
	if (!ctx->saved_merged[0]) {
		snprintf(ctx->saved_merged, sizeof(ctx->saved_merged), "%s", ctx->dirs[CTX_DIR_MERGED]);
		snprintf(ctx->saved_up, sizeof(ctx->saved_up), "%s", ctx->dirs[CTX_DIR_UPPER]);
		ctx->saved_mounted = ctx->mounted;
	}
	if (n > OVL_MODEL_MAX_LAYERS - 1 || !(ctx->alt_lowers = calloc(n, sizeof(*ctx->alt_lowers))))
		ovl_brok(ctx, "ovl_use_union: %zu lowers", n);
	for (size_t i = 0; i < n; i++)
		if (!(ctx->alt_lowers[ctx->alt_n++] = strdup(lowers[i])))
			ovl_brok(ctx, "out of memory");
	snprintf(ctx->dirs[CTX_DIR_MERGED], sizeof(ctx->dirs[0]), "%s", merged);
	snprintf(ctx->dirs[CTX_DIR_UPPER], sizeof(ctx->dirs[0]), "%s", upper);
	ctx->mounted = false; /* the end of the case must not unmount another's union */
	harness_expect_options(options, true, &ctx->alt_expect, NULL);
	harness_check_options(ctx, merged, &ctx->alt_expect);
}

/* ---- the layers before mounting ---------------------------------------------- */

static const char *const layer_label[CTX_DIR_UPPER + 1] = { "lower A", "lower B", "lower C", "upper" };

static struct ovl_tree *scan_layer(struct ovl_ctx *ctx, int d)
{
	struct ovl_err err = { "" };
	struct ovl_tree *t = NULL;

	if (ovl_tree_scan(ctx->dirs[d], d == CTX_DIR_UPPER ? OVL_SCAN_UPPER : 0, &t, &err))
		ovl_brok(ctx, "scanning %s: %s", layer_label[d], err.msg);
	return t;
}

void harness_take_baseline(struct ovl_ctx *ctx)
{
	if (ctx->have_baseline)
		return;
	for (unsigned int i = 0; i < harness_nlowers(ctx); i++)
		ctx->baseline[CTX_DIR_A + i] = scan_layer(ctx, CTX_DIR_A + (int)i);
	if (!ctx->c->no_upper)
		ctx->baseline[CTX_DIR_UPPER] = scan_layer(ctx, CTX_DIR_UPPER);
	ctx->have_baseline = true;
}

/*
 * Each lower (and with upper_too the upper) layer is as it was before the
 * first mount: one check per layer, named by when, the difference shown.
 */
bool harness_check_layers_as_before(struct ovl_ctx *ctx, bool upper_too, const char *when)
{
	bool ok = true, outer = ctx->auto_check;

	if (!ctx->have_baseline)
		return true;
	for (int d = CTX_DIR_A; d <= CTX_DIR_UPPER; d++) {
		char what[256];
		struct ovl_tree *now;

		if (!ctx->baseline[d] || (d == CTX_DIR_UPPER && !upper_too))
			continue;
		now = scan_layer(ctx, d);
		snprintf(what, sizeof(what), "%s: %s is as it was before the union was mounted", when,
			 layer_label[d]);
		/* the upper dir's root gains overlay's bookkeeping (uuid=on): as in every upper comparison */
		ctx->auto_check = true;
		ok &= harness_compare(ctx, ctx->baseline[d], now, d == CTX_DIR_UPPER ? OVL_DUMP_NO_OVL_XATTRS : 0, what);
		ctx->auto_check = outer;
		ovl_tree_unref(now);
	}
	return ok;
}
