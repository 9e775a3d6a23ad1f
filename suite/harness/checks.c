// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/harness/checks.c - checks (one subtest each), ending a case early,
 * the SAFE_*() wrappers, logging and result tables, as a case sees them
 * (harness.h). Results go to the runner as records (record.h).
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
#include <setjmp.h>
#include "exec.h"
#include "kmsg.h"
#include "sysmount.h"
#include "ovl-model.h"
#include "record.h"
#include "ctx.h"
#include "ovl-common.h"
#include "harness-private.h"

void harness_record(struct ovl_ctx *ctx, enum ovl_rec_kind kind, const char *word, const char *text)
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

/* End the case with outcome o and its reason: where (may be NULL) ": " and the formatted text. */
static void __attribute__((noreturn)) end_case(struct ovl_ctx *ctx, enum ovl_outcome o, const char *where,
					       const char *fmt, va_list ap)
{
	char why[2048];
	size_t n = where ? (size_t)snprintf(why, sizeof(why), "%s: ", where) : 0;

	vsnprintf(why + (n < sizeof(why) ? n : 0), sizeof(why) - (n < sizeof(why) ? n : 0), fmt, ap);
	if (ctx->catch_jmp) {
		sigjmp_buf *jb = ctx->catch_jmp;

		snprintf(ctx->catch_why, sizeof(ctx->catch_why), "%s", why);
		ctx->catch_jmp = NULL;
		siglongjmp(*jb, (int)o + 1);
	}
	ovl_log(ctx, "%s: %s", ovl_outcome_name(o), why);
	if (ctx->mounted)
		ovl_umount_union(ctx);
	ovl_fuse_lower_stop(ctx);
	harness_record(ctx, OVL_REC_END, ovl_outcome_name(o), why);
	fflush(NULL);
	_exit(0);
}

void ovl_brok_at(struct ovl_ctx *ctx, const char *file, int line, const char *fmt, ...)
{
	char where[PATH_MAX + 32];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%d", file, line);
	va_start(ap, fmt);
	end_case(ctx, OVL_BROK, where, fmt, ap);
}

static void __attribute__((noreturn)) end_case_where(struct ovl_ctx *ctx, enum ovl_outcome o, const char *where,
						     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	end_case(ctx, o, where, fmt, ap);
}

void harness_end_brok(struct ovl_ctx *ctx, const char *why)
{
	end_case_where(ctx, OVL_BROK, NULL, "%s", why);
}

void ovl_conf(struct ovl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	end_case(ctx, OVL_CONF, NULL, fmt, ap);
}

void ovl_safe_fail(struct ovl_ctx *ctx, const char *file, int line, const char *call, int err)
{
	ovl_brok_at(ctx, file, line, "%s: %s", call, strerror(err));
}

bool harness_check_result(struct ovl_ctx *ctx, bool ok, const char *name)
{
	if (ctx->quiet) {
		if (!ok && !ctx->quiet_fails++)
			ovl_buf_printf(&ctx->quiet_first, "%s", name);
		return ok;
	}
	ctx->nchecks++;
	ctx->own_checks += !ctx->auto_check;
	ovl_log(ctx, "%s %s", ok ? "PASS" : "FAIL", name);
	harness_record(ctx, OVL_REC_CHECK, ok ? "PASS" : "FAIL", name);
	return ok;
}

void harness_diag(struct ovl_ctx *ctx, const char *text)
{
	if (ctx->quiet) {
		/* the first failure's lines only */
		if (ctx->quiet_fails == 1 && ctx->quiet_first.len < 16384)
			ovl_buf_printf(&ctx->quiet_first, "\n%s", text);
		return;
	}
	harness_record(ctx, OVL_REC_DIAG, NULL, text);
}

void ovl_diag(struct ovl_ctx *ctx, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ovl_log(ctx, "  %s", text);
	harness_diag(ctx, text);
}

bool ovl_check(struct ovl_ctx *ctx, bool ok, const char *fmt, ...)
{
	char name[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return harness_check_result(ctx, ok, name);
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
	harness_check_result(ctx, ok, d);
	if (!ok) {
		snprintf(d, sizeof(d), "expected %s, got %s",
			 want_errno ? strerrorname_np(want_errno) : "success", got);
		ovl_log(ctx, "  %s", d);
		harness_diag(ctx, d);
	}
	return ok;
}

bool ovl_check_absent(struct ovl_ctx *ctx, const char *rel, const char *why)
{
	struct stat st;
	int r = lstat(ovl_merged_path(ctx, rel), &st);

	return ovl_check_errno(ctx, r, errno, ENOENT, "lstat %s (%s)", rel, why);
}

/* Send the first lines of text as diagnostics. */
void harness_diag_lines(struct ovl_ctx *ctx, const char *text, unsigned int max)
{
	const char *p = text;
	unsigned int n = 0;

	while (p && *p && n < max) {
		const char *nl = strchrnul(p, '\n');
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		harness_diag(ctx, line);
		n++;
		p = *nl ? nl + 1 : nl;
	}
	if (p && *p)
		harness_diag(ctx, "... (the whole difference is in the case log)");
}

/* The kind of a check: its name after "after OP: " (an op is described without ": "). */
static const char *check_kind(const char *what)
{
	const char *p = strncmp(what, "after ", 6) == 0 ? strstr(what, ": ") : NULL;

	return p ? p + 2 : what;
}

static bool has_line(const char *text, const char *line, size_t n)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchrnul(p, '\n');

		if ((size_t)(nl - p) == n && memcmp(p, line, n) == 0)
			return true;
		p = *nl ? nl + 1 : nl;
	}
	return false;
}

/* Whether two dump lines ("- TYPE PATH ...", "+ TYPE PATH ...") are of one path. */
static bool same_path(const char *a, const char *b)
{
	const char *pa = strchr(a + 2, ' '), *pb = strchr(b + 2, ' ');
	size_t na, nb;

	if (!pa || !pb)
		return false;
	na = strcspn(pa + 1, " \n");
	nb = strcspn(pb + 1, " \n");
	return na == nb && memcmp(pa + 1, pb + 1, na) == 0;
}

void harness_diag_since(struct ovl_ctx *ctx, const char *what, const char *text, bool passed)
{
	const char *kind = check_kind(what);
	struct harness_last_diag *slot = NULL;
	struct ovl_buf fresh = OVL_BUF_INIT;
	unsigned int carried = 0;
	size_t n = sizeof(ctx->last_diag) / sizeof(ctx->last_diag[0]);

	for (size_t i = 0; i < n && !slot; i++)
		if (ctx->last_diag[i].kind && strcmp(ctx->last_diag[i].kind, kind) == 0)
			slot = &ctx->last_diag[i];
	for (size_t i = 0; i < n && !slot; i++)
		if (!ctx->last_diag[i].kind)
			slot = &ctx->last_diag[i];
	if (passed || !text) {
		if (slot && slot->kind) {
			free(slot->text);
			slot->text = NULL;
		}
		return;
	}
	for (const char *p = text; *p;) {
		const char *nl = strchrnul(p, '\n'), *nl2 = nl;
		bool heading = nl > p && nl[-1] == ':' && *p != '-' && *p != '+', same;

		/* an entry that differs is two lines, "- model" and "+ actual": carried as one */
		if (strncmp(p, "- ", 2) == 0 && *nl && strncmp(nl + 1, "+ ", 2) == 0 && same_path(p, nl + 1))
			nl2 = strchrnul(nl + 1, '\n');
		same = !heading && slot && slot->text && has_line(slot->text, p, (size_t)(nl - p)) &&
		       (nl2 == nl || has_line(slot->text, nl + 1, (size_t)(nl2 - nl - 1)));
		if (same)
			carried += 1 + (nl2 != nl);
		else
			ovl_buf_printf(&fresh, "%.*s\n", (int)(nl2 - p), p);
		p = *nl2 ? nl2 + 1 : nl2;
	}
	harness_diag_lines(ctx, fresh.data ? fresh.data : "", OVL_DIFF_DIAG_LINES);
	if (carried) {
		char line[128];

		snprintf(line, sizeof(line), HARNESS_AS_BEFORE "%u line%s the last failed check of this kind showed",
			 carried, carried == 1 ? "" : "s");
		harness_diag(ctx, line);
	}
	ovl_buf_free(&fresh);
	if (slot) {
		if (!slot->kind)
			slot->kind = strdup(kind);
		free(slot->text);
		slot->text = strdup(text);
	}
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
	harness_check_result(ctx, n == 0, name);
	if (n) {
		fprintf(ctx->log, "--- expected (model; layer 0 = upper, 1 = A, 2 = B, 3 = C)\n");
		ovl_tree_dump(model, OVL_DUMP_LAYER, ctx->log);
		fprintf(ctx->log, "--- actual (merged view through the mount)\n");
		ovl_tree_dump(merged, 0, ctx->log);
		fprintf(ctx->log, "--- difference (- expected, + actual): %d path%s\n%s", n,
			n == 1 ? "" : "s", d);
		fflush(ctx->log);
		harness_diag(ctx, "difference (- model, + merged):");
		harness_diag_lines(ctx, d, OVL_DIFF_DIAG_LINES);
	}
	free(d);
	ovl_tree_unref(model);
	ovl_tree_unref(merged);
	return n == 0;
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

bool ovl_check_reads_from(struct ovl_ctx *ctx, const char *rel, struct ovl_layer want_layer)
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
		/* a metacopy file's data is another layer's file */
		struct ovl_layer from = e->data_path ? e->data_layer : e->layer;
		bool any = ovl_layer_is(want_layer, OVL_LAYER_NONE);
		size_t la = 0, lb = 0;
		/* where the file lives in that layer (a redirect may have moved its dir) */
		char *want = ovl_safe_read_file(ctx, __FILE__, __LINE__,
						ovl_path(ctx, from, e->data_path    ? e->data_path
								    : e->layer_path ? e->layer_path
										    : rel),
						&la);
		int fd = open(ovl_merged_path(ctx, rel), O_RDONLY | O_CLOEXEC);
		char *got = NULL;
		int err = errno;

		if (fd >= 0) {
			close(fd);
			err = -ovl_read_file(ovl_merged_path(ctx, rel), &got, &lb, 64u << 20);
		}
		snprintf(name, sizeof(name), "read %s gives the content of layer %s%s%s", rel,
			 ovl_layer_name(from), !any ? ", as expected " : "",
			 !any ? ovl_layer_name(want_layer) : "");
		ok = got && la == lb && memcmp(want, got, la) == 0 &&
		     (any || ovl_layer_is(from, want_layer));
		harness_check_result(ctx, ok, name);
		if (!ok) {
			char d[1024];

			if (!got)
				snprintf(d, sizeof(d), "reading through the mount failed: %s", strerror(err));
			else if (!any && !ovl_layer_is(from, want_layer))
				snprintf(d, sizeof(d), "the model says layer %s wins %s, the case expects %s",
					 ovl_layer_name(from), rel, ovl_layer_name(want_layer));
			else
				snprintf(d, sizeof(d), "read %zu bytes \"%.40s\", layer %s has %zu bytes \"%.40s\"",
					 lb, got, ovl_layer_name(from), la, want);
			ovl_log(ctx, "  %s", d);
			harness_diag(ctx, d);
		}
		free(want);
		free(got);
	}
	ovl_tree_unref(model);
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
	harness_record(ctx, OVL_REC_TABLE, table, row);
	ovl_log(ctx, "table %s: %s", table, row);
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
	got = lstat(ovl_merged_path(ctx, rel), &st) ? -errno : 0;
	return ovl_check(ctx, !got && st.st_nlink == want, "%s has st_nlink %lu (model), mount says %ld%s%s", rel,
			 want, got ? -1L : (long)st.st_nlink, got ? ": " : "", got ? strerror(-got) : "");
}

/*
 * What trusted.overlay.origin must hold for rel: the file handle of the
 * lower file it came up from (the topmost lower that has rel), in
 * overlayfs' format (struct ovl_fb: version 0, magic 0xfb, length, flags,
 * handle type, the lower fs's uuid, the handle's bytes). Empty when no
 * lower has rel or its fs gives no handle. why says what differs.
 */
static bool origin_is(struct ovl_ctx *ctx, const char *rel, const unsigned char *v, size_t n, char *why, size_t len)
{
	struct {
		struct file_handle h;
		unsigned char bytes[MAX_HANDLE_SZ];
	} fh;
	const char *lower = NULL;
	int mnt = 0;

	for (unsigned int i = 0; i < harness_nlowers(ctx) && !lower; i++) {
		struct stat st;
		const char *p = ovl_path(ctx, OVL_LAYER_LOWER(i), rel);

		if (lstat(p, &st) == 0)
			lower = p;
	}
	if (!lower) {
		snprintf(why, len, "no lower layer has %s", rel);
		return false;
	}
	fh.h.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, lower, &fh.h, &mnt, 0)) {
		snprintf(why, len, "the lower fs gives %s no handle: %s", lower, strerror(errno));
		return false;
	}
	/* 21 bytes of header before the handle */
	if (n < 21 || v[0] != 0 || v[1] != 0xfb || v[2] != n) {
		snprintf(why, len, "%zu bytes, version %u, magic 0x%02x, length %u: no overlay file handle", n,
			 n ? v[0] : 0, n > 1 ? v[1] : 0, n > 2 ? v[2] : 0);
		return false;
	}
	if (v[4] != (unsigned char)fh.h.handle_type || n - 21 != fh.h.handle_bytes ||
	    memcmp(v + 21, fh.h.f_handle, fh.h.handle_bytes) != 0) {
		snprintf(why, len, "handle type %u of %zu bytes, the lower file %s has type %d of %u bytes%s", v[4], n - 21,
			 lower, fh.h.handle_type, fh.h.handle_bytes,
			 v[4] == (unsigned char)fh.h.handle_type && n - 21 == fh.h.handle_bytes ? " (other bytes)" : "");
		return false;
	}
	return true;
}

bool ovl_check_upper_xattr(struct ovl_ctx *ctx, const char *rel, const char *name)
{
	unsigned char v[512];
	ssize_t n = lgetxattr(ovl_path(ctx, OVL_LAYER_UPPER, rel), name, v, sizeof(v));
	char why[512] = "";
	bool ok = n >= 0;

	/* the values overlayfs gives them, where the suite knows them */
	if (ok && strcmp(name, "trusted.overlay.origin") == 0)
		ok = origin_is(ctx, rel, v, (size_t)n, why, sizeof(why));
	else if (ok && strcmp(name, "trusted.overlay.impure") == 0 && !(n == 1 && v[0] == 'y'))
		ok = false, snprintf(why, sizeof(why), "the value is %zd bytes, not \"y\"", n);
	else if (!ok)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	if (!ovl_check(ctx, ok, "the upper %s carries %s as overlayfs writes it", rel, name))
		ovl_diag(ctx, "%s", why);
	return ok;
}

void ovl_quiet(struct ovl_ctx *ctx)
{
	static FILE *null_log;

	if (ctx->quiet)
		return;
	if (!null_log && !(null_log = fopen("/dev/null", "we")))
		ovl_brok(ctx, "/dev/null: %s", strerror(errno));
	fflush(ctx->log);
	ctx->loud_log = ctx->log;
	ctx->log = null_log;
	ctx->quiet = true;
	ctx->quiet_fails = 0;
	ovl_buf_free(&ctx->quiet_first);
}

unsigned int ovl_quiet_failures(const struct ovl_ctx *ctx)
{
	return ctx->quiet ? ctx->quiet_fails : 0;
}

unsigned int ovl_quiet_end(struct ovl_ctx *ctx, char *first, size_t len)
{
	unsigned int n = ctx->quiet_fails;

	if (!ctx->quiet)
		return 0;
	if (first && len)
		snprintf(first, len, "%s", ctx->quiet_first.data ? ctx->quiet_first.data : "");
	ovl_buf_free(&ctx->quiet_first);
	ctx->log = ctx->loud_log;
	ctx->quiet = false;
	ctx->quiet_fails = 0;
	return n;
}

int ovl_catch(struct ovl_ctx *ctx, void (*fn)(struct ovl_ctx *ctx, void *arg), void *arg, char *why, size_t len)
{
	sigjmp_buf jb, *outer = ctx->catch_jmp;
	volatile int r;

	r = sigsetjmp(jb, 0);
	if (r == 0) {
		ctx->catch_jmp = &jb;
		fn(ctx, arg);
		ctx->catch_jmp = outer;
		return 0;
	}
	ctx->catch_jmp = outer;
	if (why && len)
		snprintf(why, len, "%s", ctx->catch_why);
	return r - 1;
}

bool ovl_check_tree(struct ovl_ctx *ctx, const struct ovl_tree *want, const struct ovl_tree *got,
		    unsigned int flags, const char *what)
{
	return harness_compare(ctx, want, got, flags, what);
}

void ovl_check_options_in_force(struct ovl_ctx *ctx)
{
	harness_check_options(ctx, ctx->dirs[CTX_DIR_MERGED], harness_expected(ctx));
}

void ovl_safe_put(struct ovl_ctx *ctx, const char *file, int line, const char *dir, const char *rel, const void *data,
		  size_t len)
{
	char p[PATH_MAX];

	if (ovl_fmt(p, sizeof(p), "%s%s", dir, rel))
		ovl_safe_fail(ctx, file, line, "a path too long", ENAMETOOLONG);
	if (data)
		ovl_safe_write_file(ctx, file, line, p, data, len);
	else
		ovl_safe_mkdir_p(ctx, file, line, p);
}

struct ovl_tree *ovl_safe_scan(struct ovl_ctx *ctx, const char *file, int line, const char *dir, unsigned int flags)
{
	struct ovl_tree *t = NULL;
	struct ovl_err err = { "" };

	if (ovl_tree_scan(dir, flags, &t, &err))
		ovl_brok_at(ctx, file, line, "scanning %s: %s", dir, err.msg);
	return t;
}
