// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/harness/readdir.c - readdir through the merged mount against the
 * model: each name once, nothing else, and across a change of an open dir.
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
	const char *dirpath = ovl_merged_path(ctx, rel);
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
	harness_check_result(ctx, ok, name);
	if (diags.data) {
		ovl_log(ctx, "%s", diags.data);
		harness_diag_lines(ctx, diags.data, 12);
	}
	ovl_buf_free(&diags);
	ovl_strv_free(got[0], ngot[0]);
	ovl_strv_free(got[1], ngot[1]);
	ovl_strv_free(want, nwant);
	return ok;
}

bool ovl_check_readdir_across(struct ovl_ctx *ctx, const char *rel, const struct ovl_op *op)
{
	const char *dirpath = ovl_merged_path(ctx, rel);
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
	harness_check_result(ctx, ok, name);
	rewinddir(dir);
	ovl_strv_free(rest, nrest);
	rest = readdir_pass(ctx, dir, &nrest, &diags);
	closedir(dir);
	after = model_names(ctx, rel, mrel, sizeof(mrel), &nafter);
	snprintf(name, sizeof(name), "readdir %s, rewound after %s, lists the model's names now", mrel, what);
	{
		bool now = pass_matches(rest, nrest, after, nafter, "after rewinddir", &diags);

		harness_check_result(ctx, now, name);
		ok = ok && now;
	}
	if (diags.data) {
		ovl_log(ctx, "%s", diags.data);
		harness_diag_lines(ctx, diags.data, 12);
	}
	ovl_buf_free(&diags);
	ovl_strv_free(rest, nrest);
	ovl_strv_free(before, nbefore);
	ovl_strv_free(after, nafter);
	return ok;
}
