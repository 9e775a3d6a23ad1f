// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Layer paths with the bytes overlayfs' option parser gives a meaning to
 * (overlayfs.rst, "Multiple lower layers": colons escaped with a
 * backslash; commas split options; a backslash escapes): lowers named
 * "lo,1:a", "lo 2\b" and "lo=3:c d", the upper "up,p:e r\=" and the work
 * dir "wo rk,:\", mounted through the target however it passes them
 * (mount(2)'s option string, escaped; fsconfig's lowerdir+, raw, with the
 * upper and work dirs' backslashes doubled, as overlayfs unescapes those).
 *  - the union is the model's merge of those dirs, and a write copies up
 *    into the oddly named upper dir;
 *  - /proc/self/mountinfo, read through libmount, gives the paths back:
 *    lowerdir= as given (escapes kept), split at unescaped colons and
 *    unescaped, upperdir= and workdir= unescaped; lowerdir+= lists each
 *    path as it is, in order. (libmount turns mountinfo's \054 back into
 *    a comma, so a reader cannot tell a comma inside a lowerdir+ path from
 *    the next option by the string alone: it finds the paths it knows.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"
#include "ovl-model.h"

static const char *const lower_names[] = { "lo,1:a", "lo 2\\b", "lo=3:c d" };
static const char *const fixture_trees[] = { "A", "B", "C" };

/* s[0..n) without its escapes (a backslash takes the next byte as it is). */
static void unescape(const char *s, size_t n, char *out, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < len; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		out[k++] = s[i];
	}
	out[k] = 0;
}

/* The end of the item starting at s: the first unescaped sep (or the end). */
static const char *item_end(const char *s, char sep)
{
	for (; *s && *s != sep; s++)
		if (*s == '\\' && s[1])
			s++;
	return s;
}

/* The value of key in an option string escaped as overlayfs' parser reads it: 0 and [*v, *v + *n), or -ENOENT. */
static int escaped_option(const char *opts, const char *key, const char **v, size_t *n)
{
	size_t kl = strlen(key);

	for (const char *s = opts; *s;) {
		const char *e = item_end(s, ',');

		if ((size_t)(e - s) > kl && strncmp(s, key, kl) == 0 && s[kl] == '=') {
			*v = s + kl + 1;
			*n = (size_t)(e - *v);
			return 0;
		}
		s = *e ? e + 1 : e;
	}
	return -ENOENT;
}

static void run(struct ovl_ctx *ctx)
{
	char base[4096], lowers[3][4200], upper[4200], work[4200], merged[4200], p[8400];
	const char *lp[3];
	struct ovl_fixture *fx = NULL;
	struct ovl_err err = { "" };
	struct ovl_tree *model = NULL, *seen = NULL;
	const char *form = ovl_target_lowers_option(ctx);
	int fd;

	snprintf(base, sizeof(base), "%s/esc", ovl_case_dir(ctx));
	if (ovl_fixture_load(ovl_fixture_path(ctx, "precedence/same-name.tree"), &fx, &err))
		ovl_brok(ctx, "fixture: %s", err.msg);
	for (int i = 0; i < 3; i++) {
		snprintf(lowers[i], sizeof(lowers[i]), "%s/%s", base, lower_names[i]);
		SAFE_MKDIR_P(ctx, lowers[i]);
		if (ovl_tree_materialize(ovl_fixture_tree(fx, fixture_trees[i]), lowers[i], 0, &err))
			ovl_brok(ctx, "materialize %s: %s", lowers[i], err.msg);
		lp[i] = lowers[i];
	}
	ovl_fixture_free(fx);
	snprintf(upper, sizeof(upper), "%s/up,p:e r\\=", base);
	snprintf(work, sizeof(work), "%s/wo rk,:\\", base);
	snprintf(merged, sizeof(merged), "%s/merged", base);
	SAFE_MKDIR_P(ctx, upper);
	SAFE_MKDIR_P(ctx, work);
	SAFE_MKDIR_P(ctx, merged);
	if (ovl_mount_custom(ctx, lp, 3, upper, work, merged, NULL)) {
		ovl_check(ctx, false, "the union of layers whose paths hold commas, colons, spaces, backslashes and = mounts");
		ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
		return;
	}
	if (ovl_model_merge_dirs(upper, lp, 3, &model, &err))
		ovl_brok(ctx, "model: %s", err.msg);
	if (ovl_tree_scan(merged, OVL_SCAN_MERGED, &seen, &err))
		ovl_brok(ctx, "scan %s: %s", merged, err.msg);
	ovl_check_tree(ctx, model, seen, 0, "the union of the oddly named layers is their merge");
	ovl_tree_unref(model);
	ovl_tree_unref(seen);
	snprintf(p, sizeof(p), "%s/f", merged);
	fd = SAFE_OPEN(ctx, p, O_WRONLY | O_APPEND, 0);
	if (write(fd, "+", 1) != 1)
		ovl_brok(ctx, "write %s: %s", p, strerror(errno));
	close(fd);
	snprintf(p, sizeof(p), "%s/f", upper);
	ovl_check(ctx, access(p, F_OK) == 0, "a write copies /f up into the upper dir named \"up,p:e r\\=\"");

	if (!form) {
		ovl_diag(ctx, "target %s shows no overlay options in mountinfo: nothing to read back",
			 ovl_backing_fs(ctx));
	} else {
		struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
		struct libmnt_fs *fs = tb ? mnt_table_find_target(tb, merged, MNT_ITER_BACKWARD) : NULL;
		const char *opts = fs ? mnt_fs_get_fs_options(fs) : NULL, *v = NULL;
		char got[4200];
		size_t n = 0;

		if (!opts)
			ovl_brok(ctx, "no mountinfo line for %s", merged);
		ovl_log(ctx, "mountinfo options, as libmount gives them: %s", opts);
		if (strcmp(form, "lowerdir") == 0) {
			bool ok = escaped_option(opts, "lowerdir", &v, &n) == 0;
			const char *s = v, *end = v + n;

			for (int i = 0; ok && i < 3; i++) {
				const char *e = item_end(s, ':');

				if (e > end)
					e = end;
				unescape(s, (size_t)(e - s), got, sizeof(got));
				ok = strcmp(got, lowers[i]) == 0;
				s = e < end ? e + 1 : end;
			}
			ovl_check(ctx, ok && s == end,
				  "lowerdir= in mountinfo splits at unescaped colons into the three lower paths");
		} else {
			char want[3 * 4300], *w = want;

			for (int i = 0; i < 3; i++)
				w += snprintf(w, sizeof(want) - (size_t)(w - want), "%slowerdir+=%s", i ? "," : "", lowers[i]);
			ovl_check(ctx, strstr(opts, want) != NULL, "lowerdir+= in mountinfo lists each lower path as it is, in order");
		}
		ovl_check(ctx, escaped_option(opts, "upperdir", &v, &n) == 0 &&
			  (unescape(v, n, got, sizeof(got)), strcmp(got, upper) == 0),
			  "upperdir= in mountinfo unescapes to the upper path");
		ovl_check(ctx, escaped_option(opts, "workdir", &v, &n) == 0 &&
			  (unescape(v, n, got, sizeof(got)), strcmp(got, work) == 0),
			  "workdir= in mountinfo unescapes to the work path");
		mnt_unref_table(tb);
	}
	ovl_umount_path(ctx, merged);
}

OVL_CASE(
	.number = 512,
	.slug = "option-escaping",
	.purpose = "layer paths with , : space \\ and = mount through the target and read back from mountinfo",
	.tags = "options,mountinfo",
	.needs_root = true,
	.run = run,
);
