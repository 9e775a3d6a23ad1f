// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/ctx.c - the harness as a case sees it (harness.h), running inside
 * the case's own process, mount and PID namespaces. Results go to the
 * runner as records (record.h).
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
#include "matrix.h"
#include "ovl-model.h"
#include "descriptor.h"
#include "record.h"
#include "runner.h"
#include "ovl-common.h"

static void record(struct ovl_ctx *ctx, enum ovl_rec_kind kind, const char *word, const char *text)
{
	ovl_rec_write(ctx->rec_fd, kind, word, text);
}

void ovl_log(struct ovl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(ctx->log, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->log);
	fflush(ctx->log);
}

static void __attribute__((noreturn)) end_case(struct ovl_ctx *ctx, enum ovl_outcome o, const char *fmt,
					       va_list ap)
{
	char why[2048];

	vsnprintf(why, sizeof(why), fmt, ap);
	ovl_log(ctx, "%s: %s", ovl_outcome_name(o), why);
	if (ctx->mounted)
		ovl_umount_union(ctx);
	record(ctx, OVL_REC_END, ovl_outcome_name(o), why);
	fflush(NULL);
	_exit(0);
}

void ovl_brok(struct ovl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	end_case(ctx, OVL_BROK, fmt, ap);
}

void ovl_conf(struct ovl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	end_case(ctx, OVL_CONF, fmt, ap);
}

void ovl_safe_fail(struct ovl_ctx *ctx, const char *file, int line, const char *call, int err)
{
	ovl_brok(ctx, "%s:%d: %s: %s", file, line, call, strerror(err));
}

static bool check_result(struct ovl_ctx *ctx, bool ok, const char *name)
{
	ctx->nchecks++;
	ovl_log(ctx, "%s %s", ok ? "PASS" : "FAIL", name);
	record(ctx, OVL_REC_CHECK, ok ? "PASS" : "FAIL", name);
	return ok;
}

static void diag(struct ovl_ctx *ctx, const char *text)
{
	record(ctx, OVL_REC_DIAG, NULL, text);
}

bool ovl_check(struct ovl_ctx *ctx, bool ok, const char *fmt, ...)
{
	char name[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return check_result(ctx, ok, name);
}

bool ovl_check_errno(struct ovl_ctx *ctx, long ret, int err, int want_errno, const char *fmt, ...)
{
	char name[1024], got[128], d[1200];
	bool ok;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (ret >= 0)
		snprintf(got, sizeof(got), "success (%ld)", ret);
	else
		snprintf(got, sizeof(got), "%s (%s)", strerrorname_np(err) ? strerrorname_np(err) : "?",
			 strerror(err));
	ok = want_errno == 0 ? ret >= 0 : (ret < 0 && err == want_errno);
	snprintf(d, sizeof(d), "%s -> %s", name, want_errno ? strerrorname_np(want_errno) : "success");
	check_result(ctx, ok, d);
	if (!ok) {
		snprintf(d, sizeof(d), "expected %s, got %s",
			 want_errno ? strerrorname_np(want_errno) : "success", got);
		ovl_log(ctx, "  %s", d);
		diag(ctx, d);
	}
	return ok;
}

bool ovl_check_absent(struct ovl_ctx *ctx, const char *rel, const char *why)
{
	struct stat st;
	int r = lstat(ovl_path(ctx, OVL_LAYER_MERGED, rel), &st);

	return ovl_check_errno(ctx, r, errno, ENOENT, "lstat %s (%s)", rel, why);
}

const char *ovl_layer_name(enum ovl_layer layer)
{
	static const char *const names[OVL_NR_DIRS] = { "A", "B", "C", "upper", "work", "merged" };

	return (unsigned int)layer < OVL_NR_DIRS ? names[layer] : "?";
}

const char *ovl_layer_dir(struct ovl_ctx *ctx, enum ovl_layer layer)
{
	return ctx->dirs[layer];
}

const char *ovl_backing_fs(struct ovl_ctx *ctx)
{
	return ctx->fs;
}

const char *ovl_path(struct ovl_ctx *ctx, enum ovl_layer layer, const char *rel)
{
	char buf[PATH_MAX], **v;

	while (*rel == '/')
		rel++;
	if (ovl_fmt(buf, sizeof(buf), "%s%s%s", ctx->dirs[layer], *rel ? "/" : "", rel))
		ovl_brok(ctx, "%s/%s: path too long", ctx->dirs[layer], rel);
	/* Kept for the whole case: the case process ends soon anyway. */
	v = realloc(ctx->paths, (ctx->npaths + 1) * sizeof(*v));
	if (!v || !(v[ctx->npaths] = strdup(buf)))
		ovl_brok(ctx, "out of memory");
	ctx->paths = v;
	return v[ctx->npaths++];
}

/* Model layer number (0 upper, 1 + i lower i) to the case's layer. */
static enum ovl_layer layer_of_model(int n)
{
	return n == OVL_LAYER_UPPER ? OVL_LAYER_UP : (enum ovl_layer)(OVL_LAYER_A + n - 1);
}

static unsigned int nlowers(const struct ovl_ctx *ctx)
{
	return ctx->c->lowers ? ctx->c->lowers : 3;
}

static void join_opts(char *out, size_t len, const char *a, const char *b)
{
	snprintf(out, len, "%s%s%s", a ? a : "", a && *a && b && *b ? "," : "", b ? b : "");
}

/* The mountinfo line of what is mounted on merged; unref the table after. */
static struct libmnt_fs *merged_fs(struct ovl_ctx *ctx, struct libmnt_table **tb)
{
	*tb = mnt_new_table_from_file("/proc/self/mountinfo");
	if (!*tb)
		return NULL;
	return mnt_table_find_target(*tb, ctx->dirs[OVL_LAYER_MERGED], MNT_ITER_BACKWARD);
}

/*
 * Mount through the target; on failure why gets the target's reason and the
 * kernel's own words when it logged any for overlayfs. The kernel log lines
 * logged meanwhile go to *klog.
 */
static int target_mount(struct ovl_ctx *ctx, const struct ovl_union_spec *spec, char *why,
			size_t len, struct ovl_buf *klog)
{
	struct ovl_buf before = OVL_BUF_INIT;
	char twhy[2048] = "";
	int r;

	ovl_kmsg_read(ctx->kmsg_fd, &before); /* forget what came before */
	ovl_buf_free(&before);
	r = ctx->target->mount(spec, twhy, sizeof(twhy));
	ovl_kmsg_read(ctx->kmsg_fd, klog);
	snprintf(ctx->last_klog, sizeof(ctx->last_klog), "%s", klog->data ? klog->data : "");
	if (r) {
		/* overlayfs logs as "overlayfs: ...", its option parser as "overlay: ...". */
		char *line = klog->data ? strstr(klog->data, "overlayfs: ") : NULL;

		if (!line && klog->data)
			line = strstr(klog->data, "overlay: ");
		size_t n = line ? strcspn(line, "\n") : 0;

		snprintf(why, len, "%s%s%.*s", twhy, line ? "; kernel: " : "", (int)n, line ? line : "");
	}
	return r;
}

int ovl_mount_union(struct ovl_ctx *ctx, const char *extra)
{
	struct ovl_union_spec spec = { .merged = ctx->dirs[OVL_LAYER_MERGED] };
	char opts[1024];
	struct ovl_buf k = OVL_BUF_INIT;
	int r;

	for (unsigned int i = 0; i < nlowers(ctx); i++)
		spec.lowers[spec.nlowers++] = ctx->dirs[OVL_LAYER_A + i];
	if (!ctx->c->no_upper) {
		spec.upper = ctx->dirs[OVL_LAYER_UP];
		spec.work = ctx->dirs[OVL_LAYER_WORK];
	}
	join_opts(opts, sizeof(opts), ctx->c->mount_options, extra);
	spec.options = opts;
	r = target_mount(ctx, &spec, ctx->mount_reason, sizeof(ctx->mount_reason), &k);
	if (r) {
		ovl_log(ctx, "mount failed: %s", ctx->mount_reason);
	} else {
		struct libmnt_table *tb;
		struct libmnt_fs *fs;

		ctx->mounted = true;
		ctx->mount_reason[0] = 0;
		ovl_log(ctx, "mounted %s union on %s (options: %s)", ctx->target->name,
			spec.merged, *opts ? opts : "none");
		fs = merged_fs(ctx, &tb);
		ovl_log(ctx, "mountinfo: %s %s - %s %s %s", fs ? mnt_fs_get_target(fs) : "(none)",
			fs ? mnt_fs_get_vfs_options(fs) : "", fs ? mnt_fs_get_fstype(fs) : "",
			fs ? mnt_fs_get_source(fs) : "", fs ? mnt_fs_get_fs_options(fs) : "");
		mnt_unref_table(tb);
	}
	if (k.data && *k.data)
		ovl_log(ctx, "kernel log during mount:\n%s", k.data);
	ovl_buf_free(&k);
	return r;
}

int ovl_mount_custom(struct ovl_ctx *ctx, const char *const *lowers, size_t nlowers, const char *upper,
		     const char *work, const char *merged, const char *options)
{
	struct ovl_union_spec spec = { .nlowers = nlowers, .upper = upper, .work = work, .merged = merged,
				       .options = options };
	struct ovl_buf k = OVL_BUF_INIT;
	int r;

	if (nlowers > OVL_MAX_LOWERS)
		ovl_brok(ctx, "ovl_mount_custom: at most %d lowers", OVL_MAX_LOWERS);
	for (size_t i = 0; i < nlowers; i++)
		spec.lowers[i] = lowers[i];
	r = target_mount(ctx, &spec, ctx->mount_reason, sizeof(ctx->mount_reason), &k);
	ovl_log(ctx, "custom mount on %s: %s", merged, r ? ctx->mount_reason : "mounted");
	ovl_buf_free(&k);
	return r;
}

int ovl_mount_lowers_plus(struct ovl_ctx *ctx, const char *const *lowers, size_t nlowers, const char *upper,
			  const char *work, const char *merged)
{
	struct ovl_buf before = OVL_BUF_INIT, klog = OVL_BUF_INIT;
	int r;

	if (!ctx->target->mount_lowers_plus) {
		snprintf(ctx->mount_reason, sizeof(ctx->mount_reason), "target %s has no lowerdir+ mount",
			 ctx->target->name);
		return -EOPNOTSUPP;
	}
	ovl_kmsg_read(ctx->kmsg_fd, &before);
	ovl_buf_free(&before);
	r = ctx->target->mount_lowers_plus(lowers, nlowers, upper, work, merged, ctx->mount_reason,
					   sizeof(ctx->mount_reason));
	ovl_kmsg_read(ctx->kmsg_fd, &klog);
	snprintf(ctx->last_klog, sizeof(ctx->last_klog), "%s", klog.data ? klog.data : "");
	if (r && klog.data) {
		size_t n = strlen(ctx->mount_reason), k = strcspn(klog.data, "\n");

		snprintf(ctx->mount_reason + n, sizeof(ctx->mount_reason) - n, "; kernel: %.*s", (int)k, klog.data);
	}
	ovl_buf_free(&klog);
	ovl_log(ctx, "lowerdir+ mount of %zu lowers on %s: %s", nlowers, merged, r ? ctx->mount_reason : "mounted");
	return r;
}

void ovl_umount_path(struct ovl_ctx *ctx, const char *target)
{
	char why[2048];

	if (ovl_libmount(NULL, target, NULL, NULL, true, why, sizeof(why)))
		ovl_brok(ctx, "%s", why);
	ovl_log(ctx, "unmounted %s", target);
}

const char *ovl_mount_union_reason(struct ovl_ctx *ctx)
{
	return ctx->mount_reason;
}

void ovl_remount_union(struct ovl_ctx *ctx)
{
	if (ovl_umount_union(ctx))
		ovl_brok(ctx, "unmounting the union: %s", ovl_mount_union_reason(ctx));
	if (ovl_mount_union(ctx, NULL))
		ovl_brok(ctx, "mounting the union again: %s", ovl_mount_union_reason(ctx));
}

int ovl_umount_union(struct ovl_ctx *ctx)
{
	char why[1024];
	int r = ctx->target->umount(ctx->dirs[OVL_LAYER_MERGED], why, sizeof(why));

	if (r)
		ovl_log(ctx, "umount failed: %s", why);
	else
		ctx->mounted = false;
	return r;
}

int ovl_mount_option(struct ovl_ctx *ctx, const char *name, const char **value)
{
	struct libmnt_table *tb;
	struct libmnt_fs *fs = merged_fs(ctx, &tb);
	char *v = NULL;
	size_t vlen = 0;
	int r = -ENXIO;

	if (fs && mnt_fs_get_fstype(fs) && strcmp(mnt_fs_get_fstype(fs), "overlay") == 0) {
		r = mnt_optstr_get_option(mnt_fs_get_fs_options(fs), name, &v, &vlen);
		r = r == 0 ? 0 : r > 0 ? -ENOENT : r;
		if (r == 0) {
			snprintf(ctx->optval, sizeof(ctx->optval), "%.*s", (int)(v ? vlen : 0),
				 v ? v : "");
			*value = ctx->optval;
		}
	}
	mnt_unref_table(tb);
	return r;
}

int ovl_mount_is_readonly(struct ovl_ctx *ctx)
{
	struct libmnt_table *tb;
	struct libmnt_fs *fs = merged_fs(ctx, &tb);
	int r = -ENXIO;

	if (fs)
		r = mnt_optstr_get_option(mnt_fs_get_vfs_options(fs), "ro", NULL, NULL) == 0 ||
		    mnt_optstr_get_option(mnt_fs_get_fs_options(fs), "ro", NULL, NULL) == 0;
	mnt_unref_table(tb);
	return r;
}

/* A Y/N module parameter of overlay: 1, 0, or -errno. */
static int module_param(const char *name)
{
	char path[128], *s = NULL;
	int r;

	snprintf(path, sizeof(path), "/sys/module/overlay/parameters/%s", name);
	r = ovl_read_file(path, &s, NULL, 64);
	if (r)
		return r;
	r = s[0] == 'Y' || s[0] == 'y' || s[0] == '1';
	free(s);
	return r;
}

/*
 * The module's default for an overlay option that mountinfo leaves out
 * (overlayfs lists only what differs from it): 0 and *value, -ENOENT for
 * an option without one, or -errno reading /sys/module/overlay.
 */
static int option_default(const char *name, const char **value)
{
	int p;

	if (strcmp(name, "redirect_dir") == 0) {
		p = module_param("redirect_dir");
		if (p == 1)
			*value = "on";
		else if (p == 0)
			*value = module_param("redirect_always_follow") == 1 ? "follow" : "nofollow";
	} else if (strcmp(name, "xino") == 0) {
		p = module_param("xino_auto");
		*value = p == 1 ? "auto" : "off";
	} else if (strcmp(name, "index") == 0 || strcmp(name, "metacopy") == 0 ||
		   strcmp(name, "nfs_export") == 0) {
		p = module_param(name);
		*value = p == 1 ? "on" : "off";
	} else {
		return -ENOENT;
	}
	return p < 0 ? p : 0;
}

int ovl_mount_option_effective(struct ovl_ctx *ctx, const char *name, const char **value,
			       bool *shown)
{
	int r = ovl_mount_option(ctx, name, value);

	*shown = r == 0;
	return r == -ENOENT ? option_default(name, value) : r;
}

struct ovl_tree *ovl_model_now(struct ovl_ctx *ctx)
{
	const char *lowers[OVL_MAX_LOWERS];
	struct ovl_tree *t = NULL;
	struct ovl_err err = { "" };

	/* After operations, the model of those operations: it knows what the index holds. */
	if (ctx->model) {
		if (ovl_model_view(ctx->model, &t, &err))
			ovl_brok(ctx, "model: %s", err.msg);
		return t;
	}
	for (unsigned int i = 0; i < nlowers(ctx); i++)
		lowers[i] = ctx->dirs[OVL_LAYER_A + i];
	if (ctx->alt_n) {
		if (ovl_model_merge_dirs(ctx->dirs[OVL_LAYER_UP], (const char *const *)ctx->alt_lowers, ctx->alt_n,
					 &t, &err))
			ovl_brok(ctx, "reference model: %s", err.msg);
		return t;
	}
	if (ovl_model_merge_dirs(ctx->c->no_upper ? NULL : ctx->dirs[OVL_LAYER_UP], lowers,
				 nlowers(ctx), &t, &err))
		ovl_brok(ctx, "reference model: %s", err.msg);
	return t;
}

struct ovl_tree *ovl_merged_now(struct ovl_ctx *ctx)
{
	struct ovl_tree *t = NULL;
	struct ovl_err err = { "" };

	if (ovl_tree_scan(ctx->dirs[OVL_LAYER_MERGED], OVL_SCAN_MERGED, &t, &err))
		ovl_brok(ctx, "scanning the merged view: %s", err.msg);
	return t;
}

/* Send the first lines of text as diagnostics. */
static void diag_lines(struct ovl_ctx *ctx, const char *text, unsigned int max)
{
	const char *p = text;
	unsigned int n = 0;

	while (p && *p && n < max) {
		const char *nl = strchrnul(p, '\n');
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		diag(ctx, line);
		n++;
		p = *nl ? nl + 1 : nl;
	}
	if (p && *p)
		diag(ctx, "... (the whole difference is in the case log)");
}

bool ovl_check_union(struct ovl_ctx *ctx, const char *what)
{
	struct ovl_tree *model = ovl_model_now(ctx), *merged = ovl_merged_now(ctx);
	char *d = NULL;
	size_t dlen = 0;
	FILE *f = open_memstream(&d, &dlen);
	int n;
	char name[1024];

	if (!f)
		ovl_brok(ctx, "open_memstream: %s", strerror(errno));
	n = ovl_tree_diff(model, merged, OVL_DUMP_LAYER, f);
	fclose(f);
	if (n < 0)
		ovl_brok(ctx, "tree diff: %s", strerror(-n));
	snprintf(name, sizeof(name), "%s: merged view matches the model", what);
	check_result(ctx, n == 0, name);
	if (n) {
		fprintf(ctx->log, "--- expected (model; layer 0 = upper, 1 = A, 2 = B, 3 = C)\n");
		ovl_tree_dump(model, OVL_DUMP_LAYER, ctx->log);
		fprintf(ctx->log, "--- actual (merged view through the mount)\n");
		ovl_tree_dump(merged, 0, ctx->log);
		fprintf(ctx->log, "--- difference (- expected, + actual): %d path%s\n%s", n,
			n == 1 ? "" : "s", d);
		fflush(ctx->log);
		diag(ctx, "difference (- model, + merged):");
		diag_lines(ctx, d, 12);
	}
	free(d);
	ovl_tree_unref(model);
	ovl_tree_unref(merged);
	return n == 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of one readdir pass over dir (sorted); whiteouts found go to diags. */
static char **readdir_pass(struct ovl_ctx *ctx, DIR *dir, size_t *n, struct ovl_buf *diags)
{
	char **v = NULL;
	struct dirent *de;

	*n = 0;
	errno = 0;
	while ((de = readdir(dir))) {
		struct stat st;
		char **nv;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv || !(nv[*n] = strdup(de->d_name)))
			ovl_brok(ctx, "out of memory");
		v = nv;
		(*n)++;
		/* A whiteout is a 0/0 char device; other devices are ordinary names. */
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
			ovl_buf_printf(diags, "readdir shows %s, a whiteout (0/0 char device)\n", de->d_name);
		errno = 0;
	}
	if (errno)
		ovl_brok(ctx, "readdir: %s", strerror(errno));
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

/* Compare one pass (sorted) with the model's names (sorted). */
static bool pass_matches(char **got, size_t ngot, char **want, size_t nwant, const char *pass,
			 struct ovl_buf *diags)
{
	for (size_t i = 0; i + 1 < ngot; i++)
		if (strcmp(got[i], got[i + 1]) == 0) {
			ovl_buf_printf(diags, "%s: readdir lists %s more than once\n", pass, got[i]);
			return false;
		}
	for (size_t i = 0, j = 0; i < ngot || j < nwant;) {
		int c = i == ngot ? 1 : j == nwant ? -1 : strcmp(got[i], want[j]);

		if (c) {
			ovl_buf_printf(diags, "%s: readdir lists %zu names, the model %zu; first difference: "
				       "%s %s\n", pass, ngot, nwant, c < 0 ? got[i] : want[j],
				       c < 0 ? "is listed but not in the model" : "is in the model but not listed");
			return false;
		}
		i++;
		j++;
	}
	return true;
}

/* The names the model shows in dir rel, sorted (mrel gets rel as "/x"). */
static char **model_names(struct ovl_ctx *ctx, const char *rel, char *mrel, size_t mlen, size_t *n)
{
	struct ovl_tree *model = ovl_model_now(ctx);
	char **want = NULL;
	size_t nwant = 0, idx;

	snprintf(mrel, mlen, "%s%s", rel[0] == '/' ? "" : "/", rel);
	if (strcmp(mrel, "/") != 0 && mrel[strlen(mrel) - 1] == '/')
		mrel[strlen(mrel) - 1] = 0;
	if (ovl_tree_find_index(model, mrel, &idx))
		ovl_brok(ctx, "readdir of %s: the model has no such directory", rel);
	for (idx++; idx < ovl_tree_count(model); idx++) {
		const struct ovl_entry *e = ovl_tree_entry_at(model, idx);
		char **nv;

		if (!ovl_path_is_below(e->path, mrel))
			break;
		if (strchr(e->path + strlen(mrel) + (strcmp(mrel, "/") != 0), '/'))
			continue;
		nv = realloc(want, (nwant + 1) * sizeof(*want));
		if (!nv || !(nv[nwant] = strdup(ovl_path_basename(e->path))))
			ovl_brok(ctx, "out of memory");
		want = nv;
		nwant++;
	}
	ovl_tree_unref(model);
	*n = nwant;
	return want;
}

bool ovl_check_readdir(struct ovl_ctx *ctx, const char *rel)
{
	const char *dirpath = ovl_path(ctx, OVL_LAYER_MERGED, rel);
	char mrel[PATH_MAX], name[PATH_MAX + 64];
	char **got[2] = { NULL, NULL }, **want = NULL;
	size_t ngot[2] = { 0, 0 }, nwant = 0;
	struct ovl_buf diags = OVL_BUF_INIT;
	bool ok;
	DIR *dir;

	want = model_names(ctx, rel, mrel, sizeof(mrel), &nwant);
	dir = opendir(dirpath);
	if (!dir)
		ovl_brok(ctx, "opendir %s: %s", dirpath, strerror(errno));
	/* Read it, rewind, read it again: each pass must list the model's names once. */
	got[0] = readdir_pass(ctx, dir, &ngot[0], &diags);
	rewinddir(dir);
	got[1] = readdir_pass(ctx, dir, &ngot[1], &diags);
	closedir(dir);
	ok = diags.len == 0;
	ok = pass_matches(got[0], ngot[0], want, nwant, "first pass", &diags) && ok;
	ok = pass_matches(got[1], ngot[1], want, nwant, "after rewinddir", &diags) && ok;
	snprintf(name, sizeof(name), "readdir %s lists each name of the model once", mrel);
	check_result(ctx, ok, name);
	if (diags.data) {
		ovl_log(ctx, "%s", diags.data);
		diag_lines(ctx, diags.data, 12);
	}
	ovl_buf_free(&diags);
	ovl_strv_free(got[0], ngot[0]);
	ovl_strv_free(got[1], ngot[1]);
	ovl_strv_free(want, nwant);
	return ok;
}

bool ovl_check_readdir_across(struct ovl_ctx *ctx, const char *rel, const struct ovl_op *op)
{
	const char *dirpath = ovl_path(ctx, OVL_LAYER_MERGED, rel);
	char mrel[PATH_MAX], name[PATH_MAX + 128], what[512];
	char **before, **after, **rest, *first = NULL;
	size_t nbefore, nafter, nrest;
	struct ovl_buf diags = OVL_BUF_INIT;
	struct dirent *de;
	bool ok;
	DIR *dir;

	before = model_names(ctx, rel, mrel, sizeof(mrel), &nbefore);
	dir = opendir(dirpath);
	if (!dir)
		ovl_brok(ctx, "opendir %s: %s", dirpath, strerror(errno));
	/* the first name (if any): the merged list is read into the fd's cache now */
	errno = 0;
	while ((de = readdir(dir)) && (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0))
		;
	if (de && !(first = strdup(de->d_name)))
		ovl_brok(ctx, "out of memory");
	ovl_check_op(ctx, op);
	rest = readdir_pass(ctx, dir, &nrest, &diags);
	if (first) {
		char **all = realloc(rest, (nrest + 1) * sizeof(*all));

		if (!all)
			ovl_brok(ctx, "out of memory");
		rest = all;
		rest[nrest++] = first;
		qsort(rest, nrest, sizeof(*rest), name_cmp);
	}
	ovl_op_describe(op, what, sizeof(what));
	ok = pass_matches(rest, nrest, before, nbefore, "without a rewind", &diags);
	snprintf(name, sizeof(name), "readdir %s, read on across %s, lists the names from before it", mrel, what);
	check_result(ctx, ok, name);
	rewinddir(dir);
	ovl_strv_free(rest, nrest);
	rest = readdir_pass(ctx, dir, &nrest, &diags);
	closedir(dir);
	after = model_names(ctx, rel, mrel, sizeof(mrel), &nafter);
	snprintf(name, sizeof(name), "readdir %s, rewound after %s, lists the model's names now", mrel, what);
	{
		bool now = pass_matches(rest, nrest, after, nafter, "after rewinddir", &diags);

		check_result(ctx, now, name);
		ok = ok && now;
	}
	if (diags.data) {
		ovl_log(ctx, "%s", diags.data);
		diag_lines(ctx, diags.data, 12);
	}
	ovl_buf_free(&diags);
	ovl_strv_free(rest, nrest);
	ovl_strv_free(before, nbefore);
	ovl_strv_free(after, nafter);
	return ok;
}

void ovl_safe_mkdir_p(struct ovl_ctx *ctx, const char *file, int line, const char *path)
{
	char call[PATH_MAX + 32];
	int r = ovl_mkdir_p(path, 0755);

	if (r) {
		snprintf(call, sizeof(call), "mkdir -p %s", path);
		ovl_safe_fail(ctx, file, line, call, -r);
	}
}

void ovl_safe_write_file(struct ovl_ctx *ctx, const char *file, int line, const char *path, const void *buf,
			 size_t len)
{
	char call[PATH_MAX + 32];
	int r = ovl_write_file(path, buf, len);

	if (r) {
		snprintf(call, sizeof(call), "write %s", path);
		ovl_safe_fail(ctx, file, line, call, -r);
	}
}

char *ovl_safe_read_file(struct ovl_ctx *ctx, const char *file, int line, const char *path, size_t *len)
{
	char *s = NULL, call[PATH_MAX + 32];
	int r = ovl_read_file(path, &s, len, 64u << 20);

	if (r) {
		snprintf(call, sizeof(call), "read %s", path);
		ovl_safe_fail(ctx, file, line, call, -r);
	}
	return s;
}

int ovl_safe_open(struct ovl_ctx *ctx, const char *file, int line, const char *path, int flags,
		  mode_t mode)
{
	int fd = open(path, flags | O_CLOEXEC, mode);
	char call[PATH_MAX + 64];

	if (fd < 0) {
		snprintf(call, sizeof(call), "open(%s, 0%o)", path, (unsigned int)flags);
		ovl_safe_fail(ctx, file, line, call, errno);
	}
	return fd;
}

bool ovl_check_reads_from(struct ovl_ctx *ctx, const char *rel, int want_layer)
{
	struct ovl_tree *model = ovl_model_now(ctx);
	const struct ovl_entry *e = ovl_tree_lookup(model, rel);
	char name[1024];
	bool ok;

	if (!e || (e->type != OVL_FT_REG && e->type != OVL_FT_HARDLINK)) {
		ovl_tree_unref(model);
		ovl_brok(ctx, "ovl_check_reads_from(%s): the model has no regular file there", rel);
	}
	{
		enum ovl_layer from = layer_of_model(e->layer);
		size_t la = 0, lb = 0;
		/* where the file lives in that layer (a redirect may have moved its dir) */
		char *want = ovl_safe_read_file(ctx, __FILE__, __LINE__,
						ovl_path(ctx, from, e->layer_path ? e->layer_path : rel), &la);
		int fd = open(ovl_path(ctx, OVL_LAYER_MERGED, rel), O_RDONLY | O_CLOEXEC);
		char *got = NULL;
		int err = errno;

		if (fd >= 0) {
			close(fd);
			err = -ovl_read_file(ovl_path(ctx, OVL_LAYER_MERGED, rel), &got, &lb, 64u << 20);
		}
		snprintf(name, sizeof(name), "read %s gives the content of layer %s%s%s", rel,
			 ovl_layer_name(from), want_layer >= 0 ? ", as expected " : "",
			 want_layer >= 0 ? ovl_layer_name((enum ovl_layer)want_layer) : "");
		ok = got && la == lb && memcmp(want, got, la) == 0 &&
		     (want_layer < 0 || (int)from == want_layer);
		check_result(ctx, ok, name);
		if (!ok) {
			char d[1024];

			if (!got)
				snprintf(d, sizeof(d), "reading through the mount failed: %s", strerror(err));
			else if (want_layer >= 0 && (int)from != want_layer)
				snprintf(d, sizeof(d), "the model says layer %s wins %s, the case expects %s",
					 ovl_layer_name(from), rel, ovl_layer_name((enum ovl_layer)want_layer));
			else
				snprintf(d, sizeof(d), "read %zu bytes \"%.40s\", layer %s has %zu bytes \"%.40s\"",
					 lb, got, ovl_layer_name(from), la, want);
			ovl_log(ctx, "  %s", d);
			diag(ctx, d);
		}
		free(want);
		free(got);
	}
	ovl_tree_unref(model);
	return ok;
}

/*
 * Is option name=want in force when the mount says have (vl bytes)? The
 * same value, or for redirect_dir=off either "follow" or "nofollow": the
 * kernel turns off into one of them (redirect_always_follow decides), and
 * neither makes a redirect.
 */
static bool option_in_force(const char *name, const char *want, const char *have, size_t vl)
{
	if (vl == strlen(want) && strncmp(have, want, vl) == 0)
		return true;
	return strcmp(name, "redirect_dir") == 0 && strcmp(want, "off") == 0 &&
	       ((vl == 6 && strncmp(have, "follow", 6) == 0) || (vl == 8 && strncmp(have, "nofollow", 8) == 0));
}

/*
 * The options to confirm: needs_features, and the feature options among
 * mount_options (redirect_dir=off as much as index=on: a case relies on
 * each being in force). A new string, NULL when there are none.
 */
static char *features_to_confirm(const struct ovl_case *c)
{
	struct ovl_buf b = OVL_BUF_INIT;
	char *mo = c->mount_options ? strdup(c->mount_options) : NULL, *tok, *save = NULL;

	if (c->needs_features)
		ovl_buf_puts(&b, c->needs_features);
	for (tok = mo ? strtok_r(mo, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		size_t k = strcspn(tok, "=");
		bool known = false, listed = false;

		for (const char *const *f = ovl_known_features; *f; f++)
			known |= strlen(*f) == k && strncmp(*f, tok, k) == 0;
		if (c->needs_features) {
			char *nf = strdup(c->needs_features), *t2, *s2 = NULL;

			for (t2 = nf ? strtok_r(nf, ",", &s2) : NULL; t2; t2 = strtok_r(NULL, ",", &s2))
				listed |= strcmp(t2, tok) == 0;
			free(nf);
		}
		if (!known || listed)
			continue;
		if (b.len)
			ovl_buf_putc(&b, ',');
		ovl_buf_puts(&b, tok);
	}
	free(mo);
	return b.data;
}

/* Try each needed overlay option on a small test union; CONF when refused. */
static void check_features(struct ovl_ctx *ctx)
{
	char *list, *tok, *save = NULL;

	list = features_to_confirm(ctx->c);
	if (!list)
		return;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char base[PATH_MAX], l[PATH_MAX + 8], l2[PATH_MAX + 8], u[PATH_MAX + 8], w[PATH_MAX + 8];
		char m[PATH_MAX + 8];
		/* Two lowers: a union without upper needs at least two. */
		struct ovl_union_spec s = { .lowers = { l, l2 }, .nlowers = 2, .merged = m, .options = tok };
		char why[2048], optname[128], *eq;
		struct libmnt_table *tb;
		struct libmnt_fs *fs;
		char *v = NULL;
		size_t vl = 0;
		int r;

		if (ovl_fmt(base, sizeof(base), "%s/probe", ctx->root))
			ovl_brok(ctx, "%s/probe: path too long", ctx->root);
		snprintf(l, sizeof(l), "%s/l", base);
		snprintf(l2, sizeof(l2), "%s/l2", base);
		snprintf(u, sizeof(u), "%s/u", base);
		snprintf(w, sizeof(w), "%s/w", base);
		snprintf(m, sizeof(m), "%s/m", base);
		if (ovl_mkdir_p(l, 0755) || ovl_mkdir_p(l2, 0755) || ovl_mkdir_p(u, 0755) || ovl_mkdir_p(w, 0755) ||
		    ovl_mkdir_p(m, 0755))
			ovl_brok(ctx, "mkdir %s/*: %s", base, strerror(errno));
		if (!ctx->c->no_upper) {
			s.upper = u;
			s.work = w;
		}
		{
			struct ovl_buf k = OVL_BUF_INIT;

			r = target_mount(ctx, &s, why, sizeof(why), &k);
			ovl_buf_free(&k);
		}
		if (r)
			ovl_conf(ctx, "needs overlay option %s, which %s refused here: %s", tok,
				 ctx->target->name, why);
		snprintf(optname, sizeof(optname), "%s", tok);
		eq = strchr(optname, '=');
		if (eq)
			*eq = 0;
		tb = mnt_new_table_from_file("/proc/self/mountinfo");
		fs = tb ? mnt_table_find_target(tb, m, MNT_ITER_BACKWARD) : NULL;
		r = fs ? mnt_optstr_get_option(mnt_fs_get_fs_options(fs), optname, &v, &vl) : -1;
		/* left out of mountinfo: in force only if it is the module's default */
		if (r == 1 && strchr(tok, '=')) {
			const char *dflt = NULL;

			if (option_default(optname, &dflt) == 0) {
				v = (char *)dflt;
				vl = strlen(dflt);
				r = 0;
			}
		}
		if (r != 0 || (strchr(tok, '=') && !option_in_force(optname, strchr(tok, '=') + 1, v, vl))) {
			snprintf(why, sizeof(why), "%s", fs ? mnt_fs_get_fs_options(fs) : "(not mounted)");
			mnt_unref_table(tb);
			ovl_conf(ctx, "needs overlay option %s: the mount succeeded but mountinfo shows "
				 "'%s'", tok, why);
		}
		mnt_unref_table(tb);
		ctx->target->umount(m, why, sizeof(why));
		ovl_remove_tree(base);
		ovl_log(ctx, "feature %s: accepted and in force (mountinfo, or the module's default)", tok);
	}
	free(list);
}

static void build_layers(struct ovl_ctx *ctx)
{
	struct ovl_fixture *f = NULL;
	struct ovl_err err = { "" };
	char path[PATH_MAX];

	for (int i = 0; i < OVL_NR_DIRS; i++) {
		if (ovl_fmt(ctx->dirs[i], sizeof(ctx->dirs[i]), "%s/%s", ctx->root,
			    ovl_layer_name((enum ovl_layer)i)))
			ovl_brok(ctx, "%s: path too long", ctx->root);
		if (mkdir(ctx->dirs[i], 0755))
			ovl_brok(ctx, "mkdir %s: %s", ctx->dirs[i], strerror(errno));
	}
	if (!ctx->c->fixture)
		return;
	snprintf(path, sizeof(path), "%s/%s", ctx->fixtures_dir, ctx->c->fixture);
	if (ovl_fixture_load(path, &f, &err))
		ovl_brok(ctx, "fixture: %s", err.msg);
	for (size_t i = 0; i < ovl_fixture_count(f); i++) {
		const char *name = ovl_fixture_name_at(f, i);
		const char *dir = NULL;

		for (int k = 0; k < OVL_NR_DIRS; k++)
			if (strcmp(name, ovl_layer_name((enum ovl_layer)k)) == 0)
				dir = ctx->dirs[k];
		if (!dir)
			ovl_brok(ctx, "fixture %s: tree [%s] names no layer", path, name);
		if (ovl_tree_materialize(ovl_fixture_tree(f, name), dir, 0, &err))
			ovl_brok(ctx, "fixture %s [%s]: %s", path, name, err.msg);
		ovl_log(ctx, "layer %s from %s [%s]:", name, ctx->c->fixture, name);
		ovl_tree_dump(ovl_fixture_tree(f, name), 0, ctx->log);
	}
	fflush(ctx->log);
	ovl_fixture_free(f);
}

void ovl_ctx_run_case(struct ovl_ctx *ctx)
{
	umask(022);
	ctx->kmsg_fd = ovl_kmsg_open();
	build_layers(ctx);
	check_features(ctx);
	ctx->c->run(ctx);
	if (ctx->mounted)
		ovl_umount_union(ctx);
	fflush(NULL);
	_exit(0);
}

/* ---- running programs ---------------------------------------------------- */

const char *ovl_case_dir(struct ovl_ctx *ctx)
{
	return ctx->root;
}

int ovl_exec(struct ovl_ctx *ctx, const char *const argv[], const char *const env[],
	     unsigned int timeout, char **out)
{
	int status = 0, r = ovl_run_program(argv, env, timeout, ctx->log, out, &status);

	if (r && r != -ETIMEDOUT)
		return r;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ovl_try_private_mount(struct ovl_ctx *ctx, const char *source, const char *target, const char *fstype,
			  const char *options, char *why, size_t len)
{
	struct ovl_buf before = OVL_BUF_INIT, klog = OVL_BUF_INIT;
	int r;

	ovl_kmsg_read(ctx->kmsg_fd, &before);
	ovl_buf_free(&before);
	r = ovl_libmount(source, target, fstype, options, false, why, len);
	ovl_kmsg_read(ctx->kmsg_fd, &klog);
	if (r && klog.data) {
		/* the filesystem's own words, e.g. "XFS (loop3): ..." */
		size_t n = strlen(why), k = strcspn(klog.data, "\n");

		snprintf(why + n, len - n, "; kernel: %.*s", (int)k, klog.data);
	}
	ovl_buf_free(&klog);
	ovl_log(ctx, "private mount: -t %s %s on %s (%s): %s", fstype, source, target, options ? options : "",
		r ? why : "mounted");
	return r;
}

void ovl_private_mount(struct ovl_ctx *ctx, const char *source, const char *target,
		       const char *fstype, const char *options)
{
	char why[2048];

	if (ovl_libmount(source, target, fstype, options, false, why, sizeof(why)))
		ovl_brok(ctx, "private mount: %s", why);
	ovl_log(ctx, "private mount: -t %s %s on %s (%s)", fstype, source, target, options ? options : "");
}

/* ---- operations against the model ------------------------------------------ */

/* A path of the merged view: absolute for root, relative to the merged dir (the cwd) for a user. */
static const char *op_path(struct ovl_ctx *ctx, const struct ovl_op *op, const char *rel)
{
	char buf[PATH_MAX];

	if (!op->as_user)
		return ovl_path(ctx, OVL_LAYER_MERGED, rel);
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

		if (chdir(ctx->dirs[OVL_LAYER_MERGED]) || setgroups(0, NULL) ||
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
static bool compare(struct ovl_ctx *ctx, const struct ovl_tree *want, const struct ovl_tree *got,
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
	check_result(ctx, n == 0, what);
	if (n) {
		fprintf(ctx->log, "--- %s: expected (model)\n", what);
		ovl_tree_dump(want, flags, ctx->log);
		fprintf(ctx->log, "--- actual\n");
		ovl_tree_dump(got, flags, ctx->log);
		fprintf(ctx->log, "--- difference (- model, + actual): %d path%s\n%s", n, n == 1 ? "" : "s", d);
		fflush(ctx->log);
		diag(ctx, "difference (- model, + actual):");
		diag_lines(ctx, d, 12);
	}
	free(d);
	return n == 0;
}

/* What the mount really does (mountinfo, else the module's defaults) is what the model assumes. */
static void model_options(struct ovl_ctx *ctx)
{
	struct ovl_model_options opt = { 0 };
	const char *v = NULL;
	bool shown = false;

	if (ovl_mount_option_effective(ctx, "redirect_dir", &v, &shown) == 0)
		opt.redirect_dir = strcmp(v, "on") == 0;
	if (ovl_mount_option_effective(ctx, "index", &v, &shown) == 0)
		opt.index = strcmp(v, "on") == 0;
	/* the kernel's ovl_allow_offline_changes(), negated */
	opt.no_offline_changes = opt.redirect_dir || opt.index;
	if (ovl_mount_option_effective(ctx, "metacopy", &v, &shown) == 0 && strcmp(v, "on") == 0)
		opt.no_offline_changes = true;
	if (ovl_mount_option_effective(ctx, "xino", &v, &shown) == 0 && strcmp(v, "on") == 0)
		opt.no_offline_changes = true;
	/* xfs refuses a rename over a dir with names with EEXIST (POSIX allows it) */
	opt.upper_notempty = strcmp(ovl_backing_fs(ctx), "xfs") == 0 ? EEXIST : ENOTEMPTY;
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

		for (unsigned int i = 0; i < nlowers(ctx); i++)
			lowers[i] = ctx->dirs[OVL_LAYER_A + i];
		if (!ctx->alt_n && (ctx->c->no_upper || !ctx->mounted))
			ovl_brok(ctx, "ovl_check_op needs a mounted union with an upper layer");
		if (ovl_model_open(ctx->dirs[OVL_LAYER_UP],
				   ctx->alt_n ? (const char *const *)ctx->alt_lowers : lowers,
				   ctx->alt_n ? ctx->alt_n : nlowers(ctx), &ctx->model, &err))
			ovl_brok(ctx, "model: %s", err.msg);
		model_options(ctx);
	}
	ovl_op_describe(op, what, sizeof(what));
	record(ctx, OVL_REC_OP, "op", what);
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
	ok &= compare(ctx, view, merged, 0, name);
	if (ovl_tree_scan(ctx->dirs[OVL_LAYER_UP], OVL_SCAN_UPPER, &upper, &err))
		ovl_brok(ctx, "scanning the upper dir: %s", err.msg);
	snprintf(name, sizeof(name), "after %s: upper dir matches the model", what);
	ok &= compare(ctx, ovl_model_upper(ctx->model), upper, OVL_DUMP_NO_OVL_XATTRS, name);
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

void ovl_table_row(struct ovl_ctx *ctx, const char *table, const char *fmt, ...)
{
	char row[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(row, sizeof(row), fmt, ap);
	va_end(ap);
	for (const char *t = table; *t; t++)
		if (!(isalnum((unsigned char)*t) || *t == '-' || (*t == '.' && t != table)))
			ovl_brok(ctx, "ovl_table_row: table name '%s' is not [a-z0-9-.]", table);
	record(ctx, OVL_REC_TABLE, table, row);
	ovl_log(ctx, "table %s: %s", table, row);
}

const char *ovl_last_mount_klog(struct ovl_ctx *ctx)
{
	return ctx->last_klog;
}

struct ovl_tree *ovl_model_upper_now(struct ovl_ctx *ctx)
{
	if (!ctx->model)
		ovl_brok(ctx, "ovl_model_upper_now: no operation was checked against the model yet");
	return ovl_tree_ref((struct ovl_tree *)ovl_model_upper(ctx->model));
}

void ovl_use_union(struct ovl_ctx *ctx, const char *merged, const char *upper, const char *const *lowers,
		   size_t n)
{
	ovl_model_free(ctx->model);
	ctx->model = NULL;
	ovl_strv_free(ctx->alt_lowers, ctx->alt_n);
	ctx->alt_lowers = NULL;
	ctx->alt_n = 0;
	if (!merged) {
		if (!ctx->saved_merged[0])
			return;
		snprintf(ctx->dirs[OVL_LAYER_MERGED], sizeof(ctx->dirs[0]), "%s", ctx->saved_merged);
		snprintf(ctx->dirs[OVL_LAYER_UP], sizeof(ctx->dirs[0]), "%s", ctx->saved_up);
		ctx->mounted = ctx->saved_mounted;
		ctx->saved_merged[0] = 0;
		return;
	}
	if (!ctx->saved_merged[0]) {
		snprintf(ctx->saved_merged, sizeof(ctx->saved_merged), "%s", ctx->dirs[OVL_LAYER_MERGED]);
		snprintf(ctx->saved_up, sizeof(ctx->saved_up), "%s", ctx->dirs[OVL_LAYER_UP]);
		ctx->saved_mounted = ctx->mounted;
	}
	if (n > OVL_MODEL_MAX_LAYERS - 1 || !(ctx->alt_lowers = calloc(n, sizeof(*ctx->alt_lowers))))
		ovl_brok(ctx, "ovl_use_union: %zu lowers", n);
	for (size_t i = 0; i < n; i++)
		if (!(ctx->alt_lowers[ctx->alt_n++] = strdup(lowers[i])))
			ovl_brok(ctx, "out of memory");
	snprintf(ctx->dirs[OVL_LAYER_MERGED], sizeof(ctx->dirs[0]), "%s", merged);
	snprintf(ctx->dirs[OVL_LAYER_UP], sizeof(ctx->dirs[0]), "%s", upper);
	ctx->mounted = false; /* the end of the case must not unmount another's union */
}

bool ovl_check_nlink(struct ovl_ctx *ctx, const char *rel)
{
	struct ovl_err err = { "" };
	unsigned long want = 0;
	struct stat st;
	int got;

	if (!ctx->model)
		ovl_brok(ctx, "ovl_check_nlink(%s) needs the model of an earlier ovl_check_op", rel);
	if (ovl_model_nlink(ctx->model, rel, &want, &err))
		ovl_brok(ctx, "model: %s", err.msg);
	got = lstat(ovl_path(ctx, OVL_LAYER_MERGED, rel), &st) ? -errno : 0;
	return ovl_check(ctx, !got && st.st_nlink == want, "%s has st_nlink %lu (model), mount says %ld%s%s", rel,
			 want, got ? -1L : (long)st.st_nlink, got ? ": " : "", got ? strerror(-got) : "");
}

bool ovl_check_upper_xattr(struct ovl_ctx *ctx, const char *rel, const char *name)
{
	ssize_t n = lgetxattr(ovl_path(ctx, OVL_LAYER_UP, rel), name, NULL, 0);

	return ovl_check(ctx, n >= 0, "the upper %s carries %s", rel, name);
}
