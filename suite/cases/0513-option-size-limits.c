// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * How much a mount can say. mount(2) copies one page of options and cuts
 * the rest off without a word (copy_mount_options()): a layer list cut
 * short could mount another union, with fewer lowers and no upper dir.
 * fsconfig(2) copies each string value up to 255 bytes (EINVAL beyond),
 * which is why overlayfs took lowerdir+ (one layer per value).
 *  - through the target, lowers whose option string comes near a page
 *    (about 3900 bytes) mount, and the union is the model's merge of all
 *    of them, every one listed in mountinfo;
 *  - past a page (about 4300 bytes) the target mounts every layer (the new
 *    API) or refuses: never a union of some of them;
 *  - fsconfig itself takes a 255-byte value and refuses a 256-byte one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"
#include "ovl-host.h"
#include "ovl-model.h"

#define MAX_N 64

struct stack {
	char dirs[MAX_N][512];
	const char *ptr[MAX_N];
	size_t n;
	char upper[512], work[512], merged[512];
};

/* n lowers with names padded so that their paths (and separators) come to about total bytes. */
static void make_stack(struct ovl_ctx *ctx, struct stack *s, const char *tag, size_t total)
{
	size_t per = 200, used = 0;

	memset(s, 0, sizeof(*s));
	while (used + per < total && s->n < MAX_N) {
		char name[256], p[600];
		size_t base = strlen(ovl_case_dir(ctx)) + strlen(tag) + 8;
		size_t pad = per > base + 10 ? per - base : 10;

		memset(name, 'x', pad);
		name[pad] = 0;
		snprintf(s->dirs[s->n], sizeof(s->dirs[s->n]), "%s/%s/%02zu%s", ovl_case_dir(ctx), tag, s->n, name);
		SAFE_MKDIR_P(ctx, s->dirs[s->n]);
		snprintf(p, sizeof(p), "%s/file-%02zu", s->dirs[s->n], s->n);
		if (ovl_write_file(p, p, strlen(p)))
			ovl_brok(ctx, "write %s", p);
		snprintf(p, sizeof(p), "%s/shared", s->dirs[s->n]);
		if (ovl_write_file(p, p, strlen(p)))
			ovl_brok(ctx, "write %s", p);
		used += strlen(s->dirs[s->n]) + 1;
		s->ptr[s->n] = s->dirs[s->n];
		s->n++;
	}
	snprintf(s->upper, sizeof(s->upper), "%s/%s/upper", ovl_case_dir(ctx), tag);
	snprintf(s->work, sizeof(s->work), "%s/%s/work", ovl_case_dir(ctx), tag);
	snprintf(s->merged, sizeof(s->merged), "%s/%s/merged", ovl_case_dir(ctx), tag);
	SAFE_MKDIR_P(ctx, s->upper);
	SAFE_MKDIR_P(ctx, s->work);
	SAFE_MKDIR_P(ctx, s->merged);
	ovl_diag(ctx, "%s: %zu lowers, %zu bytes of lower paths", tag, s->n, used);
}

/* Is anything mounted on path? */
static bool mounted(const char *path)
{
	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	bool r = tb && mnt_table_find_target(tb, path, MNT_ITER_BACKWARD) != NULL;

	mnt_unref_table(tb);
	return r;
}

/* The union on s->merged is the merge of all its lowers, and mountinfo names each of them. */
static void check_whole(struct ovl_ctx *ctx, struct stack *s, const char *what)
{
	struct ovl_tree *model = NULL, *seen = NULL;
	struct ovl_err err = { "" };
	struct libmnt_table *tb;
	struct libmnt_fs *fs;
	const char *opts;
	size_t listed = 0;

	if (ovl_model_merge_dirs(s->upper, s->ptr, s->n, &model, &err))
		ovl_brok(ctx, "model: %s", err.msg);
	if (ovl_tree_scan(s->merged, OVL_SCAN_MERGED, &seen, &err))
		ovl_brok(ctx, "scan: %s", err.msg);
	ovl_check_tree(ctx, model, seen, 0, what);
	ovl_tree_unref(model);
	ovl_tree_unref(seen);
	if (!ovl_target_lowers_option(ctx))
		return;
	tb = mnt_new_table_from_file("/proc/self/mountinfo");
	fs = tb ? mnt_table_find_target(tb, s->merged, MNT_ITER_BACKWARD) : NULL;
	opts = fs ? mnt_fs_get_fs_options(fs) : "";
	for (size_t i = 0; i < s->n; i++)
		listed += strstr(opts, s->dirs[i]) != NULL;
	ovl_check(ctx, listed == s->n, "%s: mountinfo lists every lower", what);
	ovl_diag(ctx, "%zu of %zu lowers listed", listed, s->n);
	mnt_unref_table(tb);
}

static int fsconfig_value(const char *value)
{
	int fd = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC), r;

	if (fd < 0)
		return errno;
	r = syscall(SYS_fsconfig, fd, FSCONFIG_SET_STRING, "upperdir", value, 0) ? errno : 0;
	close(fd);
	return r;
}

static void run(struct ovl_ctx *ctx)
{
	static struct stack near, past;
	int r;

	make_stack(ctx, &near, "near", 3900);
	r = ovl_mount_custom(ctx, near.ptr, near.n, near.upper, near.work, near.merged, NULL);
	ovl_check_errno(ctx, r ? -1 : 0, -r, 0, "a union whose lower paths come near a page mounts");
	if (!r) {
		check_whole(ctx, &near, "near a page: the union is the merge of every lower");
		ovl_umount_path(ctx, near.merged);
	}
	make_stack(ctx, &past, "past", 4300);
	r = ovl_mount_custom(ctx, past.ptr, past.n, past.upper, past.work, past.merged, NULL);
	if (r) {
		ovl_check(ctx, !mounted(past.merged), "past a page the target refuses, and nothing is mounted");
		ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
	} else {
		check_whole(ctx, &past, "past a page: the union is the merge of every lower, or none");
		ovl_umount_path(ctx, past.merged);
	}

	if (ovl_kernel_has_feature("overlay-fsconfig", NULL, NULL, 0)) {
		char v255[300], v256[300];
		size_t len = strlen(ovl_case_dir(ctx)) + 1;

		/* paths of exactly 255 and 256 bytes, existing dirs */
		snprintf(v255, sizeof(v255), "%s/%0*d", ovl_case_dir(ctx), (int)(255 - len), 0);
		snprintf(v256, sizeof(v256), "%s/%0*d", ovl_case_dir(ctx), (int)(256 - len), 1);
		SAFE_MKDIR_P(ctx, v255);
		SAFE_MKDIR_P(ctx, v256);
		r = fsconfig_value(v255);
		ovl_check_errno(ctx, r ? -1 : 0, r, 0, "fsconfig takes a 255-byte string value");
		r = fsconfig_value(v256);
		ovl_check_errno(ctx, r ? -1 : 0, r, EINVAL, "fsconfig refuses a 256-byte string value");
	}
}

OVL_CASE(
	.number = 513,
	.slug = "option-size-limits",
	.purpose = "option strings near and past a page: every layer or no union; fsconfig's 255-byte values",
	.tags = "options,mount-errors",
	.needs_root = true,
	.run = run,
);
