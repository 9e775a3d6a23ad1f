// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/harness/mount.c - mounts as a case asks for them: the union through
 * the target under test, custom unions, lowerdir+, private helper mounts,
 * each with the kernel's words captured; mountinfo options and module
 * defaults.
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

unsigned int harness_nlowers(const struct ovl_ctx *ctx)
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
	return mnt_table_find_target(*tb, ctx->dirs[CTX_DIR_MERGED], MNT_ITER_BACKWARD);
}

/*
 * The one way the harness mounts: drain the kernel log, call mount(arg,
 * why, len), read what the kernel logged meanwhile. On failure why gets
 * "; kernel: " and the first line the kernel logged (with overlay_only,
 * the first line overlayfs logged: "overlayfs: ...", or its option
 * parser's "overlay: ..."; none, nothing added). remember keeps the lines
 * for ovl_last_mount_klog(); klog (may be NULL) gets them too.
 */
static int mount_with_klog(struct ovl_ctx *ctx, int (*mount)(void *arg, char *why, size_t len), void *arg,
			   bool overlay_only, bool remember, char *why, size_t len, struct ovl_buf *klog)
{
	struct ovl_buf before = OVL_BUF_INIT, got = OVL_BUF_INIT;
	int r;

	ovl_kmsg_read(ctx->kmsg_fd, &before); /* forget what came before */
	ovl_buf_free(&before);
	r = mount(arg, why, len);
	ovl_kmsg_read(ctx->kmsg_fd, &got);
	if (remember)
		snprintf(ctx->last_klog, sizeof(ctx->last_klog), "%s", got.data ? got.data : "");
	if (r && got.data) {
		const char *line = got.data;

		if (overlay_only) {
			line = strstr(got.data, "overlayfs: ");
			if (!line)
				line = strstr(got.data, "overlay: ");
		} else {
			/* the filesystem's words, not the loop driver's note on the image's size */
			static const char note[] = ": detected capacity change";

			while (strncmp(line, "loop", 4) == 0 && memmem(line, strcspn(line, "\n"), note, strlen(note)) &&
			       line[strcspn(line, "\n")] && line[strcspn(line, "\n") + 1])
				line += strcspn(line, "\n") + 1;
		}
		if (line) {
			size_t n = strlen(why), k = strcspn(line, "\n");

			snprintf(why + n, len - n, "; kernel: %.*s", (int)k, line);
		}
	}
	if (klog)
		*klog = got;
	else
		ovl_buf_free(&got);
	return r;
}

struct target_mount_args {
	const struct ovl_target *target;
	const struct ovl_union_spec *spec;
};

static int do_target_mount(void *arg, char *why, size_t len)
{
	const struct target_mount_args *a = arg;

	return a->target->mount(a->spec, why, len);
}

/* Mount through the target (mount_with_klog: the kernel's words on failure). */
int harness_target_mount(struct ovl_ctx *ctx, const struct ovl_union_spec *spec, char *why,
			size_t len, struct ovl_buf *klog)
{
	struct target_mount_args a = { ctx->target, spec };

	*why = 0;
	return mount_with_klog(ctx, do_target_mount, &a, true, true, why, len, klog);
}

int ovl_mount_union(struct ovl_ctx *ctx, const char *extra)
{
	struct ovl_union_spec spec = { .merged = ctx->dirs[CTX_DIR_MERGED] };
	char opts[1024];
	struct ovl_buf k = OVL_BUF_INIT, pins = OVL_BUF_INIT;
	int r;

	for (unsigned int i = 0; i < harness_nlowers(ctx); i++)
		spec.lowers[spec.nlowers++] = ctx->dirs[CTX_DIR_A + i];
	if (!ctx->c->no_upper) {
		spec.upper = ctx->dirs[CTX_DIR_UPPER];
		spec.work = ctx->dirs[CTX_DIR_WORK];
	}
	join_opts(opts, sizeof(opts), ctx->c->mount_options, extra);
	harness_expect_options(ctx->target, opts, spec.upper != NULL, &ctx->expect, &pins);
	{
		char asked[1024];

		snprintf(asked, sizeof(asked), "%s", opts);
		join_opts(opts, sizeof(opts), asked, pins.data);
	}
	ovl_buf_free(&pins);
	spec.options = opts;
	harness_take_baseline(ctx);
	r = harness_target_mount(ctx, &spec, ctx->mount_reason, sizeof(ctx->mount_reason), &k);
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
	if (!r)
		harness_check_options(ctx, spec.merged, &ctx->expect);
	ovl_buf_free(&k);
	return r;
}

int ovl_mount_custom(struct ovl_ctx *ctx, const char *const *lowers, size_t nlowers, const char *upper,
		     const char *work, const char *merged, const char *options)
{
	return ovl_mount_custom_data(ctx, lowers, nlowers, NULL, 0, upper, work, merged, options);
}

int ovl_mount_custom_data(struct ovl_ctx *ctx, const char *const *lowers, size_t nlowers, const char *const *datas,
			  size_t ndatas, const char *upper, const char *work, const char *merged, const char *options)
{
	struct ovl_union_spec spec = { .nlowers = nlowers, .upper = upper, .work = work, .merged = merged,
				       .options = options, .ndatas = ndatas };
	struct ovl_buf k = OVL_BUF_INIT;
	int r;

	if (nlowers > OVL_MAX_LOWERS || ndatas > OVL_MAX_LOWERS)
		ovl_brok(ctx, "ovl_mount_custom: at most %d lowers and %d data-only layers", OVL_MAX_LOWERS,
			 OVL_MAX_LOWERS);
	for (size_t i = 0; i < nlowers; i++)
		spec.lowers[i] = lowers[i];
	for (size_t i = 0; i < ndatas; i++)
		spec.datas[i] = datas[i];
	r = harness_target_mount(ctx, &spec, ctx->mount_reason, sizeof(ctx->mount_reason), &k);
	ovl_log(ctx, "custom mount on %s: %s", merged, r ? ctx->mount_reason : "mounted");
	ovl_buf_free(&k);
	return r;
}

struct lowers_plus_args {
	const struct ovl_target *target;
	const char *const *lowers;
	size_t nlowers;
	const char *upper, *work, *merged;
};

static int do_lowers_plus(void *arg, char *why, size_t len)
{
	const struct lowers_plus_args *a = arg;

	return a->target->mount_lowers_plus(a->lowers, a->nlowers, a->upper, a->work, a->merged, why, len);
}

int ovl_mount_lowers_plus(struct ovl_ctx *ctx, const char *const *lowers, size_t nlowers, const char *upper,
			  const char *work, const char *merged)
{
	struct lowers_plus_args a = { ctx->target, lowers, nlowers, upper, work, merged };
	int r;

	if (!ctx->target->mount_lowers_plus) {
		snprintf(ctx->mount_reason, sizeof(ctx->mount_reason), "target %s has no lowerdir+ mount",
			 ctx->target->name);
		return -EOPNOTSUPP;
	}
	ctx->mount_reason[0] = 0;
	r = mount_with_klog(ctx, do_lowers_plus, &a, false, true, ctx->mount_reason, sizeof(ctx->mount_reason),
			    NULL);
	ovl_log(ctx, "lowerdir+ mount of %zu lowers on %s: %s", nlowers, merged, r ? ctx->mount_reason : "mounted");
	return r;
}

struct remount_args {
	const struct ovl_target *target;
	const char *merged, *options;
	bool readonly;
};

static int do_remount(void *arg, char *why, size_t len)
{
	const struct remount_args *a = arg;

	return a->target->remount(a->merged, a->readonly, a->options, why, len);
}

int ovl_remount_with(struct ovl_ctx *ctx, bool readonly, const char *options)
{
	struct remount_args a = { ctx->target, ctx->dirs[CTX_DIR_MERGED], options, readonly };
	int r;

	if (!ctx->target->remount) {
		snprintf(ctx->mount_reason, sizeof(ctx->mount_reason), "target %s has no remount", ctx->target->name);
		return -EOPNOTSUPP;
	}
	ctx->mount_reason[0] = 0;
	r = mount_with_klog(ctx, do_remount, &a, true, true, ctx->mount_reason, sizeof(ctx->mount_reason), NULL);
	ovl_log(ctx, "remount %s%s%s: %s", readonly ? "ro" : "rw", options ? " with " : "", options ? options : "",
		r ? ctx->mount_reason : "done");
	return r;
}

long long ovl_sectors_written(const char *path)
{
	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_fs *fs = tb ? mnt_table_find_mountpoint(tb, path, MNT_ITER_BACKWARD) : NULL;
	const char *src = fs ? mnt_fs_get_source(fs) : NULL;
	struct stat dev;
	char p[128], *s = NULL;
	long long v[7] = { 0 };
	dev_t d = 0;

	/* the mount's source, not st_dev: btrfs shows an anonymous device there */
	if (src && stat(src, &dev) == 0 && S_ISBLK(dev.st_mode))
		d = dev.st_rdev;
	mnt_unref_table(tb);
	if (!d)
		return -1;
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/stat", major(d), minor(d));
	if (ovl_read_file(p, &s, NULL, 4096))
		return -1;
	/* Documentation/block/stat.rst: the seventh field is the sectors written */
	if (sscanf(s, "%lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) != 7)
		v[6] = -1;
	free(s);
	return v[6];
}

void ovl_umount_path(struct ovl_ctx *ctx, const char *target)
{
	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_fs *fs = tb ? mnt_table_find_target(tb, target, MNT_ITER_BACKWARD) : NULL;
	/* a union the target mounted goes as the target unmounts (fuse-overlayfs: its process ends too) */
	bool ours = fs && mnt_fs_get_fstype(fs) && strcmp(mnt_fs_get_fstype(fs), ctx->target->fstype) == 0;
	char why[2048];
	int r;

	mnt_unref_table(tb);
	r = ours ? ctx->target->umount(target, why, sizeof(why))
		 : ovl_libmount(NULL, target, NULL, NULL, true, why, sizeof(why));
	if (r)
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

static void verify_scan_cache(struct ovl_ctx *ctx);

int ovl_umount_union(struct ovl_ctx *ctx)
{
	char why[1024];
	int r;

	if (ctx->mounted)
		verify_scan_cache(ctx);
	r = ctx->target->umount(ctx->dirs[CTX_DIR_MERGED], why, sizeof(why));

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

int ovl_mount_option_all(struct ovl_ctx *ctx, const char *name, char *out, size_t len)
{
	struct libmnt_table *tb;
	struct libmnt_fs *fs = merged_fs(ctx, &tb);
	char *opts, *n = NULL, *v = NULL;
	size_t nlen = 0, vlen = 0, w = 0;
	int r = -ENXIO;

	*out = 0;
	if (fs && mnt_fs_get_fstype(fs) && strcmp(mnt_fs_get_fstype(fs), "overlay") == 0) {
		r = -ENOENT;
		for (opts = (char *)mnt_fs_get_fs_options(fs); opts && mnt_optstr_next_option(&opts, &n, &nlen, &v, &vlen) == 0;)
			if (nlen == strlen(name) && strncmp(n, name, nlen) == 0) {
				w += (size_t)snprintf(out + w, w < len ? len - w : 0, "%s%.*s", r ? "" : ":", (int)(v ? vlen : 0),
						      v ? v : "");
				r = 0;
			}
	}
	mnt_unref_table(tb);
	return r;
}

const struct ovl_target *ovl_ctx_target(struct ovl_ctx *ctx)
{
	return ctx->target;
}

void ovl_set_target(struct ovl_ctx *ctx, const struct ovl_target *t)
{
	if (t != ctx->target)
		ovl_log(ctx, "mounting through %s from now on", t->name);
	ctx->target = t;
}

const char *ovl_target_lowers_option(struct ovl_ctx *ctx)
{
	return ctx->target->options_in_mountinfo ? ctx->target->lowers_option ? ctx->target->lowers_option : "lowerdir"
						 : NULL;
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

/*
 * The target's default for an overlay option a mount was not asked for
 * (the kernel's: its module parameters, which mountinfo leaves out): 0
 * and *value, -ENOENT for an option without one, or -errno reading it.
 */
int harness_option_default(const struct ovl_target *t, const char *name, const char **value)
{
	int (*module_param)(const char *) = t->param;
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

static const char *const hopt_name[HOPT_NR] = {
	[HOPT_REDIRECT_DIR] = "redirect_dir", [HOPT_INDEX] = "index", [HOPT_XINO] = "xino",
	[HOPT_METACOPY] = "metacopy", [HOPT_NFS_EXPORT] = "nfs_export",
};

/*
 * What the kernel builds in when its config says nothing (the Kconfig
 * defaults of OVERLAY_FS_REDIRECT_DIR, _REDIRECT_ALWAYS_FOLLOW, _INDEX,
 * _XINO_AUTO, _METACOPY, _NFS_EXPORT): pinned when a default cannot be read.
 */
static const char *const hopt_builtin[HOPT_NR] = {
	[HOPT_REDIRECT_DIR] = "follow", [HOPT_INDEX] = "off", [HOPT_XINO] = "off",
	[HOPT_METACOPY] = "off", [HOPT_NFS_EXPORT] = "off",
};

static void expect_set(struct harness_expect *e, enum harness_opt o, const char *v, size_t n)
{
	snprintf(e->value[o], sizeof(e->value[o]), "%.*s", (int)n, v);
}

static bool is(const struct harness_expect *e, enum harness_opt o, const char *v)
{
	return strcmp(e->value[o], v) == 0;
}

/*
 * The options a union mounted with options (may be NULL) must run with:
 * each as asked, else the module default read now (before mounting).
 * nfs_export, which the model does not follow, metacopy, which it follows
 * only where a case asks for it (a verdict never hangs on a default), and any
 * option whose default cannot be read, are pinned: appended to pins (pins
 * NULL: a union mounted by other means, nothing pinned). Then
 * the dependencies fs/overlayfs/params.c resolves without an error, as
 * it resolves them: redirect_dir=off means follow or nofollow (by
 * redirect_always_follow); no index without an upper layer, where follow
 * reads as on; metacopy=on needs redirect_dir=on (turned on, or metacopy
 * off when redirect_dir was asked for); nfs_export=on needs index=on
 * (likewise) and no metacopy; userxattr turns redirects and metacopy off
 * unless asked for.
 */
void harness_expect_options(const struct ovl_target *t, const char *options, bool upper, struct harness_expect *e,
			    struct ovl_buf *pins)
{
	int (*module_param)(const char *) = t->param;

	memset(e, 0, sizeof(*e));
	for (int o = 0; o < HOPT_NR; o++) {
		const char *d = NULL;
		char *v = NULL;
		size_t vlen = 0;

		if (harness_option_default(t, hopt_name[o], &d) == 0)
			snprintf(e->deflt[o], sizeof(e->deflt[o]), "%s", d);
		if (options && mnt_optstr_get_option(options, hopt_name[o], &v, &vlen) == 0) {
			expect_set(e, o, v ? v : "", v ? vlen : 0);
			e->asked[o] = true;
		} else if (pins && (o == HOPT_METACOPY || o == HOPT_NFS_EXPORT || !e->deflt[o][0])) {
			const char *pin = o == HOPT_METACOPY || o == HOPT_NFS_EXPORT ? "off" : hopt_builtin[o];

			expect_set(e, o, pin, strlen(pin));
			e->asked[o] = true;
			ovl_buf_printf(pins, "%s%s=%s", pins->len ? "," : "", hopt_name[o], pin);
		} else {
			expect_set(e, o, e->deflt[o], strlen(e->deflt[o]));
		}
	}
	/* redirect_dir=off is follow or nofollow, as redirect_always_follow says (overlayfs.rst) */
	if (is(e, HOPT_REDIRECT_DIR, "off")) {
		const char *v = module_param("redirect_always_follow") == 0 ? "nofollow" : "follow";

		expect_set(e, HOPT_REDIRECT_DIR, v, strlen(v));
	}
	/* then the kernel's ovl_fs_params_verify(), rule by rule, for what it resolves without an error */
	if (!upper) {
		expect_set(e, HOPT_INDEX, "off", 3);
		if (is(e, HOPT_REDIRECT_DIR, "follow"))
			expect_set(e, HOPT_REDIRECT_DIR, "on", 2);
	}
	if (is(e, HOPT_METACOPY, "on") && !is(e, HOPT_REDIRECT_DIR, "on")) {
		if (e->asked[HOPT_REDIRECT_DIR])
			expect_set(e, HOPT_METACOPY, "off", 3);
		else
			expect_set(e, HOPT_REDIRECT_DIR, "on", 2);
	}
	if (is(e, HOPT_NFS_EXPORT, "on") && is(e, HOPT_INDEX, "off")) {
		if ((!upper && !is(e, HOPT_REDIRECT_DIR, "nofollow")) || e->asked[HOPT_INDEX])
			expect_set(e, HOPT_NFS_EXPORT, "off", 3);
		else
			expect_set(e, HOPT_INDEX, "on", 2);
	}
	if (is(e, HOPT_NFS_EXPORT, "on") && is(e, HOPT_METACOPY, "on")) {
		if (e->asked[HOPT_METACOPY])
			expect_set(e, HOPT_NFS_EXPORT, "off", 3);
		else
			expect_set(e, HOPT_METACOPY, "off", 3);
	}
	if (options && mnt_optstr_get_option(options, "userxattr", NULL, NULL) == 0) {
		if (!e->asked[HOPT_REDIRECT_DIR])
			expect_set(e, HOPT_REDIRECT_DIR, "nofollow", 8);
		if (!e->asked[HOPT_METACOPY])
			expect_set(e, HOPT_METACOPY, "off", 3);
	}
	e->userxattr = options && mnt_optstr_get_option(options, "userxattr", NULL, NULL) == 0;
	e->valid = true;
}

/*
 * One check after a union is mounted on merged: every option the model
 * assumes is in force, as mountinfo shows it (an option it omits equals
 * the default read before mounting; xino it omits whenever all layers
 * share one filesystem, where it changes nothing).
 */
void harness_check_options(struct ovl_ctx *ctx, const char *merged, const struct harness_expect *e)
{
	bool outer = ctx->auto_check;

	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_fs *fs = tb ? mnt_table_find_target(tb, merged, MNT_ITER_BACKWARD) : NULL;
	const char *optstr = fs && ctx->target->options_in_mountinfo ? mnt_fs_get_fs_options(fs) : NULL;
	const char *fstype = fs ? mnt_fs_get_fstype(fs) : NULL;
	struct ovl_buf want = OVL_BUF_INIT, bad = OVL_BUF_INIT;

	for (int o = 0; o < HOPT_NR; o++) {
		char *v = NULL, got[32];
		size_t vlen = 0;
		bool shown = optstr && mnt_optstr_get_option(optstr, hopt_name[o], &v, &vlen) == 0;

		ovl_buf_printf(&want, "%s%s=%s", want.len ? "," : "", hopt_name[o], e->value[o]);
		if (shown)
			snprintf(got, sizeof(got), "%.*s", (int)(v ? vlen : 0), v ? v : "");
		else if (o == HOPT_XINO)
			continue;
		else
			snprintf(got, sizeof(got), "%s", e->deflt[o]);
		if (strcmp(got, e->value[o]) != 0)
			ovl_buf_printf(&bad, "%s%s=%s %s, but %s=%s in force (%s)", bad.len ? "; " : "", hopt_name[o],
				       e->value[o], e->asked[o] ? "asked for" : "by the target's default", hopt_name[o],
				       *got ? got : "?", shown ? "mountinfo" : "not in mountinfo: the target's default");
	}
	if (!fs)
		ovl_buf_printf(&bad, "nothing mounted on %s in mountinfo", merged);
	else if (!fstype || strcmp(fstype, ctx->target->fstype) != 0)
		ovl_buf_printf(&bad, "%s%s in mountinfo is %s, not %s", bad.len ? "; " : "", merged,
			       fstype ? fstype : "(no type)", ctx->target->fstype);
	ctx->auto_check = true;
	ovl_check(ctx, bad.len == 0, "the union runs with the options the model assumes (%s)",
		  want.data ? want.data : "");
	ctx->auto_check = outer;
	if (bad.len)
		ovl_diag(ctx, "%s", bad.data);
	ovl_buf_free(&want);
	ovl_buf_free(&bad);
	mnt_unref_table(tb);
}

unsigned int harness_layer_scan_flags(struct ovl_ctx *ctx)
{
	return harness_expected(ctx)->userxattr ? OVL_SCAN_USERXATTR : 0U;
}

/* The options of the union ovl_check_op() and the model use now. */
const struct harness_expect *harness_expected(const struct ovl_ctx *ctx)
{
	return ctx->alt_n ? &ctx->alt_expect : &ctx->expect;
}

int ovl_mount_option_effective(struct ovl_ctx *ctx, const char *name, const char **value,
			       bool *shown)
{
	int r = ovl_mount_option(ctx, name, value);
	const struct harness_expect *e = harness_expected(ctx);

	*shown = r == 0;
	/* a target whose mountinfo shows none: what it does, by its documentation (it refuses the rest) */
	if (!ctx->target->options_in_mountinfo)
		return harness_option_default(ctx->target, name, value);
	if (r != -ENOENT)
		return r;
	/* the default as it was when the union was mounted */
	for (int o = 0; o < HOPT_NR && e->valid; o++)
		if (strcmp(name, hopt_name[o]) == 0) {
			if (!e->deflt[o][0])
				return -ENOENT;
			*value = e->deflt[o];
			return 0;
		}
	return harness_option_default(ctx->target, name, value);
}

/* What the union's options change in the merged view (nofollow): as the union was asked to run. */
struct ovl_merge_options harness_merge_options(struct ovl_ctx *ctx)
{
	const struct harness_expect *e = harness_expected(ctx);

	return (struct ovl_merge_options){ .nofollow = e->valid && strcmp(e->value[HOPT_REDIRECT_DIR], "nofollow") == 0 };
}

struct ovl_tree *ovl_model_now(struct ovl_ctx *ctx)
{
	const char *lowers[OVL_MAX_LOWERS];
	struct ovl_tree *t = NULL;
	struct ovl_err err = { "" };
	struct ovl_merge_options mo = harness_merge_options(ctx);

	/* After operations, the model of those operations: it knows what the index holds. */
	if (ctx->model) {
		if (ovl_model_view(ctx->model, &t, &err))
			ovl_brok(ctx, "model: %s", err.msg);
		return t;
	}
	/* Before operations: the layers as they were before mounting, whatever the target did since. */
	if (ctx->have_baseline && !ctx->alt_n) {
		if (ovl_model_merge_opts(ctx->c->no_upper ? NULL : ctx->baseline[CTX_DIR_UPPER],
					 (const struct ovl_tree *const *)&ctx->baseline[CTX_DIR_A], harness_nlowers(ctx),
					 &mo, &t, &err))
			ovl_brok(ctx, "reference model: %s", err.msg);
		return t;
	}
	for (unsigned int i = 0; i < harness_nlowers(ctx); i++)
		lowers[i] = ctx->dirs[CTX_DIR_A + i];
	if (ctx->alt_n) {
		if (ovl_model_merge_dirs_opts(ctx->dirs[CTX_DIR_UPPER], (const char *const *)ctx->alt_lowers,
					      ctx->alt_n, &mo, &t, &err))
			ovl_brok(ctx, "reference model: %s", err.msg);
		return t;
	}
	if (ovl_model_merge_dirs_opts(ctx->c->no_upper ? NULL : ctx->dirs[CTX_DIR_UPPER], lowers,
				      harness_nlowers(ctx), &mo, &t, &err))
		ovl_brok(ctx, "reference model: %s", err.msg);
	return t;
}

struct ovl_tree *harness_scan(struct ovl_ctx *ctx, const char *dir, unsigned int flags, const char *what)
{
	struct ovl_tree *t = NULL;
	struct ovl_err err = { "" };

	if (!ctx->scan_cache && !(ctx->scan_cache = ovl_scan_cache_new()))
		ovl_brok(ctx, "out of memory");
	ctx->scan_cache_used = true;
	if (ovl_tree_scan_cached(dir, flags, ctx->scan_cache, &t, &err))
		ovl_brok(ctx, "scanning %s: %s", what, err.msg);
	return t;
}

struct ovl_tree *ovl_merged_now(struct ovl_ctx *ctx)
{
	return harness_scan(ctx, ctx->dirs[CTX_DIR_MERGED], OVL_SCAN_MERGED, "the merged view");
}

/*
 * Scans of a mount take the digest of a file whose size, mtime and ctime
 * did not change from a cache. Before the mount goes, every file is read
 * again in full: content that changed under the same size, mtime and ctime
 * would have been missed, and fails the case (POSIX renews both times on a
 * write; an implementation that does not is wrong, and caught here).
 */
static void verify_scan_cache(struct ovl_ctx *ctx)
{
	static const struct { int dir; unsigned int flags; const char *what; } dirs[] = {
		{ CTX_DIR_MERGED, OVL_SCAN_MERGED, "merged view" }, { CTX_DIR_UPPER, OVL_SCAN_UPPER, "upper dir" } };
	char why[1024], d[1200];
	bool ok = true, outer;

	if (!ctx->scan_cache_used)
		return;
	ctx->scan_cache_used = false;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct ovl_err err = { "" };
		unsigned long n = 0;
		int bad = ovl_scan_cache_verify(ctx->scan_cache, ctx->dirs[dirs[i].dir], dirs[i].flags, &n, why,
						sizeof(why), &err);

		if (bad < 0)
			ovl_brok(ctx, "reading the %s again: %s", dirs[i].what, err.msg);
		ovl_log(ctx, "the %s read again in full: %lu cached files agree, %d do not", dirs[i].what, n, bad);
		if (bad > 0) {
			snprintf(d, sizeof(d), "%s: content changed with size, mtime and ctime unchanged: %s",
				 dirs[i].what, why);
			harness_diag(ctx, d);
			ok = false;
		}
	}
	outer = ctx->auto_check;
	ctx->auto_check = true;
	harness_check_result(ctx, ok, "before unmounting: every file read again in full is as repeated scans saw it");
	ctx->auto_check = outer;
	ovl_scan_cache_clear(ctx->scan_cache);
}

struct private_mount_args {
	const char *source, *target, *fstype, *options;
};

static int do_private_mount(void *arg, char *why, size_t len)
{
	const struct private_mount_args *a = arg;

	return ovl_libmount(a->source, a->target, a->fstype, a->options, false, why, len);
}

int ovl_try_private_mount(struct ovl_ctx *ctx, const char *source, const char *target, const char *fstype,
			  const char *options, char *why, size_t len)
{
	struct private_mount_args a = { source, target, fstype, options };
	int r;

	/* on failure, the filesystem's own words, e.g. "XFS (loop3): ..." */
	*why = 0;
	r = mount_with_klog(ctx, do_private_mount, &a, false, false, why, len, NULL);
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

const char *ovl_last_mount_klog(struct ovl_ctx *ctx)
{
	/* with other cases at once, their mounts' lines would be read as this one's */
	if (!ctx->c->alone)
		ovl_brok(ctx, "the case reads the kernel log of its mounts: its descriptor must say .alone = true");
	return ctx->last_klog;
}

struct ovl_tree *ovl_model_upper_now(struct ovl_ctx *ctx)
{
	if (!ctx->model)
		ovl_brok(ctx, "ovl_model_upper_now: no operation was checked against the model yet");
	return ovl_tree_ref((struct ovl_tree *)ovl_model_upper(ctx->model));
}
