// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The explorer. Each trial is a function of (seed, trial number): a random
 * fixture of 1 to 5 lowers and an upper (merged, opaque and redirected
 * dirs, whiteouts of both forms, hard links, symlinks, fifos, setuid files,
 * dirs an ordinary user may write), a random set of mount options, and up
 * to max_steps operations picked from the model's view as it goes (every
 * kind the model knows, some as uid 1000 without capabilities, remounts in
 * the middle). Every operation is checked as a case checks it (result,
 * merged view, upper dir), quietly. At the first divergence it stops,
 * writes the trial as a reproducer, shrinks the operations, then the
 * fixture's entries and lowers, to a smallest one that still diverges, and
 * writes that too: `ovlconform replay FILE` runs it with every check shown.
 *
 * A reproducer is text:
 *
 *   # comments
 *   options redirect_dir=on,index=off,xino=off,metacopy=off,nfs_export=off
 *   [A]                      lowers top first, A B C D E; then [upper]
 *   dir /d0 mode=0777
 *   ...                      (the fixture format, ovl-model.h)
 *   [upper]
 *   ...
 *   [ops]
 *   write /d0/g1 flags=O_WRONLY data="step 3\n"   (ovl_op_format lines)
 *   remount
 */
#define _GNU_SOURCE
#include "explore.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ovl-common.h"
#include "random-ops.h"

struct explore_opts ovl_explore = { .min_lowers = 1, .max_lowers = 5, .max_steps = 40, .seed = 1 };

#define MAX_LOWERS 5
static const char *const lower_names[MAX_LOWERS] = { "A", "B", "C", "D", "E" };

struct repro {
	char options[512];
	char **fix;			/* fixture lines, section headers included */
	size_t nfix;
	char **ops;			/* operation lines, or "remount" */
	size_t nops;
};

static void repro_free(struct repro *rp)
{
	ovl_strv_free(rp->fix, rp->nfix);
	ovl_strv_free(rp->ops, rp->nops);
	memset(rp, 0, sizeof(*rp));
}

static int repro_copy(struct repro *to, const struct repro *from)
{
	memset(to, 0, sizeof(*to));
	snprintf(to->options, sizeof(to->options), "%s", from->options);
	for (size_t i = 0; i < from->nfix; i++)
		if (ovl_strv_push(&to->fix, &to->nfix, from->fix[i]))
			return -ENOMEM;
	for (size_t i = 0; i < from->nops; i++)
		if (ovl_strv_push(&to->ops, &to->nops, from->ops[i]))
			return -ENOMEM;
	return 0;
}

static bool is_header(const char *l)
{
	return l[0] == '[';
}

static size_t repro_nlowers(const struct repro *rp)
{
	size_t n = 0;

	for (size_t i = 0; i < rp->nfix; i++)
		n += is_header(rp->fix[i]) && strcmp(rp->fix[i], "[upper]") != 0;
	return n;
}

static size_t repro_nentries(const struct repro *rp)
{
	size_t n = 0;

	for (size_t i = 0; i < rp->nfix; i++)
		n += !is_header(rp->fix[i]);
	return n;
}

/* The reproducer as text (lower sections lettered in order). */
static char *repro_text(const struct repro *rp, const char *comment)
{
	struct ovl_buf b = OVL_BUF_INIT;
	size_t lower = 0;

	if (comment)
		for (const char *p = comment; *p;) {
			size_t n = strcspn(p, "\n");

			ovl_buf_printf(&b, "# %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	ovl_buf_printf(&b, "options %s\n", rp->options);
	for (size_t i = 0; i < rp->nfix; i++) {
		if (is_header(rp->fix[i]) && strcmp(rp->fix[i], "[upper]") != 0)
			ovl_buf_printf(&b, "[%s]\n", lower < MAX_LOWERS ? lower_names[lower++] : "?");
		else
			ovl_buf_printf(&b, "%s\n", rp->fix[i]);
	}
	ovl_buf_puts(&b, "[ops]\n");
	for (size_t i = 0; i < rp->nops; i++)
		ovl_buf_printf(&b, "%s\n", rp->ops[i]);
	return ovl_buf_steal(&b);
}

static int repro_parse(const char *text, struct repro *rp, char *why, size_t len)
{
	bool in_ops = false;
	int r = 0;

	memset(rp, 0, sizeof(*rp));
	for (const char *p = text; *p && !r;) {
		size_t n = strcspn(p, "\n");
		char line[8192];

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (strcmp(line, "[ops]") == 0)
			in_ops = true;
		else if (in_ops)
			r = ovl_strv_push(&rp->ops, &rp->nops, line);
		else if (strncmp(line, "options ", 8) == 0)
			snprintf(rp->options, sizeof(rp->options), "%s", line + 8);
		else
			r = ovl_strv_push(&rp->fix, &rp->nfix, line);
	}
	if (r)
		snprintf(why, len, "out of memory");
	else if (!in_ops)
		r = -EINVAL, snprintf(why, len, "no [ops] section");
	else if (!repro_nlowers(rp) || repro_nlowers(rp) > MAX_LOWERS)
		r = -EINVAL, snprintf(why, len, "%zu lower trees: 1 to %d wanted", repro_nlowers(rp), MAX_LOWERS);
	if (r)
		repro_free(rp);
	return r;
}

/* ---- a random trial -------------------------------------------------------- */

static void fx(struct repro *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fx(struct repro *rp, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (ovl_strv_push(&rp->fix, &rp->nfix, line))
		abort();
}

static const char *owner(struct ovl_rnd *r)
{
	return ovl_rnd_below(r, 4) == 0 ? " uid=1000 gid=1000" : "";
}

/*
 * One layer: name i of n lowers (n: the upper), made bottom up so that it
 * knows which dirs a layer beneath has (below[d]). Names recur across
 * layers so that they merge and shadow. A whiteout goes only where a layer
 * beneath has the dir, and never in an opaque dir: overlayfs hides
 * whiteouts in merged dirs only (overlayfs.rst), and an orphan one in a dir
 * no layer beneath has is listed by readdir.
 */
static void gen_layer(struct ovl_rnd *r, struct repro *rp, size_t i, size_t n, bool below[3], bool redirects,
		      bool *redirected)
{
	bool upper = i == n, bottom = i + 1 == n;
	bool files[4] = { false };

	int d0 = 0;	/* in this layer: 0 nothing, 1 a dir, 2 a whiteout */

	fx(rp, upper ? "[upper]" : "[%s]", upper ? "" : lower_names[i]);
	for (int d = 0; d < 3; d++) {
		size_t what = ovl_rnd_below(r, 10);

		if (what < 5) {
			static const char *const modes[] = { "0755", "0777", "0700", "1777" };
			bool opaque = !bottom && ovl_rnd_below(r, 8) == 0;
			/*
			 * A redirect as a rename leaves one: /dN came from /d0, which
			 * this layer whites out (the same dir reachable by two names
			 * is no layer overlayfs makes; the kernel says ESTALE).
			 */
			/* one redirect to /d0 in a trial: two names for one lower dir is no layer overlayfs makes */
			bool redirect = redirects && !*redirected && d > 0 && d0 != 1 && !bottom && !upper &&
					ovl_rnd_below(r, 6) == 0;
			/* what this dir merges with beneath: /d0's layers for a redirect */
			bool merged_below = redirect ? below[0] : below[d];
			/* whiteouts of the xattr form (a lower only; their dir marked opaque=x) */
			bool xwh = !upper && merged_below && !opaque && ovl_rnd_below(r, 3) == 0;

			if (redirect)
				*redirected = true;
			if (redirect && d0 == 0) {
				fx(rp, "whiteout /d0");
				d0 = 2;
				below[0] = false;
			}
			if (d == 0)
				d0 = 1;
			fx(rp, "dir /d%d mode=%s%s%s%s", d, modes[ovl_rnd_below(r, 4)], owner(r),
			   opaque ? " opaque" : xwh ? " opaque=x" : "", redirect ? " xattr.trusted.overlay.redirect=\"/d0\"" : "");
			for (int g = 0; g < 3; g++)
				if (ovl_rnd_below(r, 2))
					fx(rp, "file /d%d/g%d data=\"L%zu g%d\\n\"%s", d, g, i, g, owner(r));
				else if (merged_below && !opaque && ovl_rnd_below(r, 6) == 0)
					fx(rp, "whiteout /d%d/g%d%s", d, g, xwh ? " form=xattr" : "");
			if (ovl_rnd_below(r, 4) == 0)
				fx(rp, "dir /d%d/sub", d);
			below[d] = true;
		} else if (what < 6 && !bottom) {
			fx(rp, "whiteout /d%d", d);
			if (d == 0)
				d0 = 2;
			below[d] = false;	/* what lies beneath is hidden from the layers above */
		}
	}
	for (int f = 0; f < 4; f++) {
		size_t what = ovl_rnd_below(r, 10);

		if (what < 5) {
			static const char *const modes[] = { "0644", "0666", "04755", "0600" };

			fx(rp, "file /f%d data=\"L%zu f%d\\n\" mode=%s%s%s", f, i, f, modes[ovl_rnd_below(r, 4)], owner(r),
			   ovl_rnd_below(r, 5) == 0 ? " xattr.user.k=\"v\"" : "");
			files[f] = true;
		} else if (what < 6 && !bottom) {
			fx(rp, "whiteout /f%d", f);
		}
	}
	for (int h = 0; h < 2; h++) {
		int f = (int)ovl_rnd_below(r, 4);

		if (files[f] && ovl_rnd_below(r, 3) == 0)
			fx(rp, "hardlink /h%d target=\"/f%d\"", h, f);
	}
	if (ovl_rnd_below(r, 3) == 0)
		fx(rp, "symlink /s0 target=\"f%d\"", (int)ovl_rnd_below(r, 4));
	if (ovl_rnd_below(r, 3) == 0)
		fx(rp, "symlink /s1 target=\"d%d/g0\"", (int)ovl_rnd_below(r, 3));
	if (ovl_rnd_below(r, 6) == 0)
		fx(rp, "fifo /p0");
}

static void gen_options(struct ovl_rnd *r, char *out, size_t len)
{
	static const char *const redirect[] = { "on", "follow", "nofollow", "off" };
	static const char *const xino[] = { "off", "auto", "on" };
	bool index = ovl_rnd_below(r, 2), metacopy = ovl_rnd_below(r, 3) == 0;
	const char *rd = redirect[ovl_rnd_below(r, 4)];

	/*
	 * nfs_export stays off: the model does not follow it (every copied-up
	 * file gets an index entry, and its st_nlink counts it after a
	 * remount). metacopy=on goes with redirect_dir=on (any other, asked
	 * for, conflicts: EINVAL) and index=off (an indexed lower hard link's
	 * metadata-only copy-up is not modelled).
	 */
	if (metacopy) {
		rd = "on";
		index = false;
	}
	snprintf(out, len, "redirect_dir=%s,index=%s,xino=%s,metacopy=%s,nfs_export=off", rd, index ? "on" : "off",
		 xino[ovl_rnd_below(r, 3)], metacopy ? "on" : "off");
}

static void gen_trial(uint64_t seed, unsigned long trial, struct repro *rp)
{
	struct ovl_rnd r;
	char salt[64];
	size_t span = ovl_explore.max_lowers - ovl_explore.min_lowers + 1;
	bool redirects;
	size_t n;

	memset(rp, 0, sizeof(*rp));
	snprintf(salt, sizeof(salt), "trial %lu", trial);
	ovl_rnd_seed(&r, seed, salt);
	n = ovl_explore.min_lowers + ovl_rnd_below(&r, span);
	if (ovl_explore.options)
		snprintf(rp->options, sizeof(rp->options), "%s", ovl_explore.options);
	else
		gen_options(&r, rp->options, sizeof(rp->options));
	/*
	 * Redirects in lowers only where the mount follows them. With nofollow
	 * the model predicts the refusal of the name (EPERM), but not what a
	 * readdir of its dir does where overlayfs looks names up for their
	 * inode numbers: it drops the name, or fails as a whole with EPERM
	 * (0501 checks nofollow over a fixed fixture).
	 */
	redirects = strstr(rp->options, "redirect_dir=on") || strstr(rp->options, "redirect_dir=follow");
	{
		/* bottom up, each layer's lines kept apart, then written top first */
		struct repro layers[MAX_LOWERS + 1];
		bool below[3] = { false };

		memset(layers, 0, sizeof(layers));
		bool redirected = false;

		for (size_t i = n; i-- > 0;)
			gen_layer(&r, &layers[i], i, n, below, redirects, &redirected);
		gen_layer(&r, &layers[n], n, n, below, redirects, &redirected);
		for (size_t i = 0; i <= n; i++) {
			for (size_t k = 0; k < layers[i].nfix; k++)
				if (ovl_strv_push(&rp->fix, &rp->nfix, layers[i].fix[k]))
					abort();
			repro_free(&layers[i]);
		}
	}
}

/* ---- running a reproducer ------------------------------------------------------ */

struct outcome {
	bool invalid;			/* the fixture or an operation does not parse: no verdict */
	bool refused;			/* the target refused the mount options */
	long diverged;			/* the operation (index) at which it diverged; -1: none */
	char what[4096];		/* the first failed check, or why invalid/refused */
	unsigned long ops, remounts;
};

struct run_args {
	const struct repro *rp;
	struct outcome *out;
	bool quiet;
	struct ovl_rnd *gen;		/* generate operations past the list, into gen_into */
	struct repro *gen_into;
	unsigned int steps;
	bool users;
	char base[PATH_MAX];
	char lowers[MAX_LOWERS][PATH_MAX + 8];
	char up[PATH_MAX + 8], wk[PATH_MAX + 8], mnt[PATH_MAX + 8];
	size_t nlowers;
};

static bool failed_now(struct ovl_ctx *ctx, struct run_args *a)
{
	return a->quiet && ovl_quiet_failures(ctx) > 0;
}

static void mount_it(struct ovl_ctx *ctx, struct run_args *a, bool again)
{
	const char *lowers[MAX_LOWERS];

	for (size_t i = 0; i < a->nlowers; i++)
		lowers[i] = a->lowers[i];
	if (ovl_mount_custom(ctx, lowers, a->nlowers, a->up, a->wk, a->mnt, a->rp->options)) {
		if (!again) {
			a->out->refused = true;
			snprintf(a->out->what, sizeof(a->out->what), "%s", ovl_mount_union_reason(ctx));
		} else {
			ovl_check(ctx, false, "mounting the union again");
			ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
		}
		return;
	}
	if (!again)
		ovl_use_union(ctx, a->mnt, a->up, lowers, a->nlowers, a->rp->options);
	else
		ovl_check_options_in_force(ctx);
}

static void run_body(struct ovl_ctx *ctx, void *arg)
{
	struct run_args *a = arg;
	struct ovl_fixture *f = NULL;
	struct ovl_err err = { "" };
	struct ovl_op_text *t = calloc(1, sizeof(*t));
	char *text;
	size_t lower = 0;
	struct ovl_buf fb = OVL_BUF_INIT;

	if (!t)
		ovl_brok(ctx, "out of memory");
	for (size_t i = 0; i < a->rp->nfix; i++) {
		if (is_header(a->rp->fix[i]) && strcmp(a->rp->fix[i], "[upper]") != 0)
			ovl_buf_printf(&fb, "[%s]\n", lower < MAX_LOWERS ? lower_names[lower++] : "?");
		else
			ovl_buf_printf(&fb, "%s\n", a->rp->fix[i]);
	}
	text = ovl_buf_steal(&fb);
	a->nlowers = lower;
	if (!text || ovl_fixture_parse(text, "reproducer", &f, &err)) {
		a->out->invalid = true;
		snprintf(a->out->what, sizeof(a->out->what), "fixture: %s", err.msg);
		free(text);
		free(t);
		return;
	}
	free(text);
	ovl_remove_tree(a->base);
	if (ovl_mkdir_p(a->base, 0755))
		ovl_brok(ctx, "mkdir %s: %s", a->base, strerror(errno));
	for (size_t i = 0; i < a->nlowers; i++)
		snprintf(a->lowers[i], sizeof(a->lowers[i]), "%s/%s", a->base, lower_names[i]);
	snprintf(a->up, sizeof(a->up), "%s/upper", a->base);
	snprintf(a->wk, sizeof(a->wk), "%s/work", a->base);
	snprintf(a->mnt, sizeof(a->mnt), "%s/merged", a->base);
	for (size_t i = 0; i <= a->nlowers; i++) {
		const char *name = i < a->nlowers ? lower_names[i] : "upper";
		const char *dir = i < a->nlowers ? a->lowers[i] : a->up;
		struct ovl_tree *want = ovl_fixture_tree(f, name);

		if (ovl_mkdir_p(dir, 0755))
			ovl_brok(ctx, "mkdir %s: %s", dir, strerror(errno));
		if (want && ovl_tree_materialize(want, dir, 0, &err))
			ovl_brok(ctx, "reproducer [%s]: %s", name, err.msg);
	}
	if (ovl_mkdir_p(a->wk, 0755) || ovl_mkdir_p(a->mnt, 0755))
		ovl_brok(ctx, "mkdir %s: %s", a->base, strerror(errno));
	mount_it(ctx, a, false);
	if (a->out->refused) {
		ovl_fixture_free(f);
		free(t);
		return;
	}
	/* the model starts from the fixture: the layers must be it as the union begins */
	for (size_t i = 0; i <= a->nlowers; i++) {
		const char *name = i < a->nlowers ? lower_names[i] : "upper";
		struct ovl_tree *want = ovl_fixture_tree(f, name), *got = NULL, *empty = NULL;
		char what[128];

		if (ovl_tree_scan(i < a->nlowers ? a->lowers[i] : a->up, i < a->nlowers ? 0 : OVL_SCAN_UPPER, &got, &err))
			ovl_brok(ctx, "scanning layer %s: %s", name, err.msg);
		if (!want)
			want = empty = ovl_tree_new();
		snprintf(what, sizeof(what), "layer %s is the fixture's as the union is mounted", name);
		ovl_check_tree(ctx, want, got, i < a->nlowers ? 0 : OVL_DUMP_NO_OVL_XATTRS, what);
		ovl_tree_unref(got);
		ovl_tree_unref(empty);
	}
	ovl_fixture_free(f);
	for (size_t i = 0, draws = 0; !failed_now(ctx, a); i++) {
		const char *line;

		if (i >= a->rp->nops) {
			struct ovl_tree *view;
			char *l = NULL;

			if (!a->gen || i >= a->steps)
				break;
			/* draw until the view gives an operation (an empty tree gives few) */
			while (!l && draws++ < 1000) {
				if (ovl_rnd_below(a->gen, 30) == 0) {
					l = strdup("remount");
					break;
				}
				view = ovl_model_now(ctx);
				if (random_op_pick(a->gen, view, (unsigned int)i,
						   RANDOM_OP_ALL_KINDS | (a->users ? RANDOM_OP_USERS : 0), t))
					l = ovl_op_format(&t->op);
				ovl_tree_unref(view);
			}
			if (!l)
				break;
			if (!l || ovl_strv_push(&a->gen_into->ops, &a->gen_into->nops, l))
				ovl_brok(ctx, "out of memory");
			free(l);
		}
		line = a->rp->ops[i];
		a->out->diverged = (long)i;
		if (strcmp(line, "remount") == 0) {
			if (umount2(a->mnt, 0))
				ovl_brok(ctx, "umount %s: %s", a->mnt, strerror(errno));
			mount_it(ctx, a, true);
			ovl_check_union(ctx, "after a remount");
			a->out->remounts++;
			continue;
		}
		if (ovl_op_parse(line, t, &err)) {
			a->out->invalid = true;
			snprintf(a->out->what, sizeof(a->out->what), "%s", err.msg);
			break;
		}
		ovl_check_op(ctx, &t->op);
		a->out->ops++;
	}
	if (!failed_now(ctx, a))
		a->out->diverged = -1;
	free(t);
}

/*
 * Run rp from fresh layers: in quiet mode to a verdict (out), else with
 * every check reported. gen: generate operations past rp's list, up to
 * steps, appending them to gen_into (a copy of rp).
 */
static void repro_run(struct ovl_ctx *ctx, const struct repro *rp, struct outcome *out, bool quiet,
		      struct ovl_rnd *gen, struct repro *gen_into, unsigned int steps)
{
	struct run_args *a = calloc(1, sizeof(*a));
	char why[2048];
	int r;

	if (!a)
		ovl_brok(ctx, "out of memory");
	memset(out, 0, sizeof(*out));
	out->diverged = -1;
	a->rp = gen ? gen_into : rp;
	a->out = out;
	a->quiet = quiet;
	a->gen = gen;
	a->gen_into = gen_into;
	a->steps = steps;
	a->users = !ovl_explore.no_users;
	snprintf(a->base, sizeof(a->base), "%s/x", ovl_case_dir(ctx));
	if (quiet)
		ovl_quiet(ctx);
	r = ovl_catch(ctx, run_body, a, why, sizeof(why));
	if (quiet) {
		char first[4096];
		unsigned int n = ovl_quiet_end(ctx, first, sizeof(first));

		if (n && !out->invalid)
			snprintf(out->what, sizeof(out->what), "%s", first);
		else
			out->diverged = out->invalid ? -1 : out->diverged;
		if (!n && !r)
			out->diverged = -1;
	}
	if (r) {
		/* the model could not predict, or the harness broke: a finding too */
		snprintf(out->what, sizeof(out->what), "%s: %s", ovl_outcome_name((enum ovl_outcome)r), why);
		if (out->diverged < 0)
			out->diverged = 0;
	}
	ovl_use_union(ctx, NULL, NULL, NULL, 0, NULL);
	umount2(a->mnt, MNT_DETACH);
	ovl_remove_tree(a->base);
	free(a);
}

/* The kind of a failure, so that shrinking keeps the same one: the check's name without the operation. */
static void failure_kind(const char *what, char *out, size_t len)
{
	const char *p = strchr(what, '\n');
	size_t n = p ? (size_t)(p - what) : strlen(what);
	const char *colon = memmem(what, n, ": ", 2);

	if (strncmp(what, "after ", 6) == 0 && colon)
		snprintf(out, len, "%.*s", (int)(n - (size_t)(colon + 2 - what)), colon + 2);
	else if (memmem(what, n, " -> ", 4))
		snprintf(out, len, "the call's result");
	else
		snprintf(out, len, "%.*s", (int)n, what);
}

static bool still_diverges(struct ovl_ctx *ctx, const struct repro *rp, const char *kind, unsigned long *runs)
{
	struct outcome o;
	char k[512];

	(*runs)++;
	repro_run(ctx, rp, &o, true, NULL, NULL, 0);
	if (o.invalid || o.refused || o.diverged < 0)
		return false;
	failure_kind(o.what, k, sizeof(k));
	return strcmp(k, kind) == 0;
}

/* Drop lines of v[lo..) in chunks, halving the chunk, while rp still diverges the same way. */
static void shrink_lines(struct ovl_ctx *ctx, struct repro *rp, bool ops, const char *kind, unsigned long *runs,
			 unsigned long budget)
{
	char ***v = ops ? &rp->ops : &rp->fix;
	size_t *n = ops ? &rp->nops : &rp->nfix;

	for (size_t chunk = *n / 2 ? *n / 2 : 1; chunk >= 1 && *runs < budget; chunk /= 2) {
		for (size_t at = 0; at < *n && *runs < budget;) {
			struct repro cand;
			size_t take = at + chunk > *n ? *n - at : chunk;
			bool header = false;

			for (size_t k = at; k < at + take && !ops; k++)
				header |= is_header((*v)[k]);
			if (header) {
				at += take;
				continue;
			}
			if (repro_copy(&cand, rp))
				ovl_brok(ctx, "out of memory");
			{
				char ***cv = ops ? &cand.ops : &cand.fix;
				size_t *cn = ops ? &cand.nops : &cand.nfix;

				for (size_t k = at; k < at + take; k++)
					free((*cv)[k]);
				memmove(*cv + at, *cv + at + take, (*cn - at - take) * sizeof(**cv));
				*cn -= take;
			}
			if (still_diverges(ctx, &cand, kind, runs)) {
				repro_free(rp);
				*rp = cand;
			} else {
				repro_free(&cand);
				at += take;
			}
		}
		if (chunk == 1)
			break;
	}
}

/* Drop whole lower layers (their header and entries) while it still diverges. */
static void shrink_lowers(struct ovl_ctx *ctx, struct repro *rp, const char *kind, unsigned long *runs,
			  unsigned long budget)
{
	for (size_t h = 0; h < rp->nfix && *runs < budget;) {
		struct repro cand;
		size_t end = h + 1;

		if (!is_header(rp->fix[h]) || strcmp(rp->fix[h], "[upper]") == 0 || repro_nlowers(rp) == 1) {
			h++;
			continue;
		}
		while (end < rp->nfix && !is_header(rp->fix[end]))
			end++;
		if (repro_copy(&cand, rp))
			ovl_brok(ctx, "out of memory");
		for (size_t k = h; k < end; k++)
			free(cand.fix[k]);
		memmove(cand.fix + h, cand.fix + end, (cand.nfix - end) * sizeof(*cand.fix));
		cand.nfix -= end - h;
		if (still_diverges(ctx, &cand, kind, runs)) {
			repro_free(rp);
			*rp = cand;
		} else {
			repro_free(&cand);
			h = end;
		}
	}
}

static char *write_repro(struct ovl_ctx *ctx, const struct repro *rp, const char *name, const char *comment)
{
	char path[PATH_MAX + 256], *text = repro_text(rp, comment);

	if (!text)
		ovl_brok(ctx, "out of memory");
	if (ovl_mkdir_p(ovl_explore.out_dir, 0755))
		ovl_brok(ctx, "mkdir %s: %s", ovl_explore.out_dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", ovl_explore.out_dir, name);
	if (ovl_write_file(path, text, strlen(text)))
		ovl_brok(ctx, "writing %s: %s", path, strerror(errno));
	free(text);
	return strdup(path);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void explore_case_run(struct ovl_ctx *ctx)
{
	const char *fs = ovl_backing_fs(ctx);
	double t0 = now_s(), deadline = t0 + ovl_explore.seconds;
	unsigned long trials = 0, ops = 0, remounts = 0, refused = 0, invalid = 0;
	double secs;

	ovl_log(ctx, "explore on %s: seed %" PRIu64 ", %u s, %lu trials, %u-%u lowers, options %s", fs,
		ovl_explore.seed, ovl_explore.seconds, ovl_explore.trials, ovl_explore.min_lowers,
		ovl_explore.max_lowers, ovl_explore.options ? ovl_explore.options : "random");
	for (;; trials++) {
		struct repro rp, gen;
		struct outcome o;
		struct ovl_rnd r;
		char salt[64];

		if ((ovl_explore.trials && trials >= ovl_explore.trials) ||
		    (ovl_explore.seconds && now_s() >= deadline) || (!ovl_explore.trials && !ovl_explore.seconds))
			break;
		gen_trial(ovl_explore.seed, trials, &rp);
		if (repro_copy(&gen, &rp))
			ovl_brok(ctx, "out of memory");
		snprintf(salt, sizeof(salt), "ops %lu", trials);
		ovl_rnd_seed(&r, ovl_explore.seed, salt);
		repro_run(ctx, &rp, &o, true, &r, &gen, 5 + (unsigned int)ovl_rnd_below(&r, ovl_explore.max_steps));
		ops += o.ops;
		remounts += o.remounts;
		refused += o.refused;
		invalid += o.invalid;
		if (o.invalid)
			ovl_log(ctx, "trial %lu: invalid: %s", trials, o.what);
		if (o.diverged >= 0 && !o.invalid && !o.refused) {
			char kind[512], comment[8192], name[128], *full, *small;
			unsigned long runs = 0;
			size_t nops0 = (size_t)o.diverged + 1, nent0 = repro_nentries(&gen), nl0 = repro_nlowers(&gen);

			/* the sequence up to the divergence */
			for (size_t k = nops0; k < gen.nops; k++)
				free(gen.ops[k]);
			gen.nops = nops0 < gen.nops ? nops0 : gen.nops;
			failure_kind(o.what, kind, sizeof(kind));
			snprintf(comment, sizeof(comment),
				 "ovlconform reproducer: explore --seed %" PRIu64 " on %s, trial %lu, as found\n"
				 "diverges: %.3000s", ovl_explore.seed, fs, trials, o.what);
			snprintf(name, sizeof(name), "explore-%s-seed%" PRIu64 "-trial%lu.found", fs, ovl_explore.seed,
				 trials);
			full = write_repro(ctx, &gen, name, comment);
			ovl_log(ctx, "trial %lu diverged at operation %zu (%s); shrinking", trials, nops0, kind);
			shrink_lines(ctx, &gen, true, kind, &runs, 600);
			shrink_lowers(ctx, &gen, kind, &runs, 900);
			shrink_lines(ctx, &gen, false, kind, &runs, 1400);
			shrink_lines(ctx, &gen, true, kind, &runs, 1600);
			shrink_lowers(ctx, &gen, kind, &runs, 1700);
			repro_run(ctx, &gen, &o, true, NULL, NULL, 0);
			snprintf(comment, sizeof(comment),
				 "ovlconform reproducer: explore --seed %" PRIu64 " on %s, trial %lu, shrunk from %zu operations, "
				 "%zu entries in %zu lowers to %zu, %zu in %zu (%lu runs)\n"
				 "diverges: %.3000s\nreplay: ovlconform replay FILE --fs %s", ovl_explore.seed, fs, trials, nops0,
				 nent0, nl0, gen.nops, repro_nentries(&gen), repro_nlowers(&gen), runs, o.what, fs);
			snprintf(name, sizeof(name), "explore-%s-seed%" PRIu64 "-trial%lu.repro", fs, ovl_explore.seed,
				 trials);
			small = write_repro(ctx, &gen, name, comment);
			ovl_check(ctx, false, "explore on %s: no divergence from the model", fs);
			ovl_diag(ctx, "trial %lu diverged: %.1000s", trials, o.what);
			ovl_diag(ctx, "as found: %s (%zu operations)", full, nops0);
			ovl_diag(ctx, "shrunk: %s (%zu operations, %zu fixture entries, %zu lowers)", small, gen.nops,
				 repro_nentries(&gen), repro_nlowers(&gen));
			ovl_table_row(ctx, "explore", "%-6s divergence in trial %lu: %zu -> %zu operations, %s", fs, trials,
				      nops0, gen.nops, small);
			free(full);
			free(small);
			repro_free(&rp);
			repro_free(&gen);
			trials++;
			secs = now_s() - t0;
			ovl_log(ctx, "explore on %s: %lu trials, %lu operations in %.1f s", fs, trials, ops, secs);
			return;
		}
		repro_free(&rp);
		repro_free(&gen);
	}
	secs = now_s() - t0;
	ovl_check(ctx, true, "explore on %s: no divergence from the model", fs);
	ovl_diag(ctx, "%lu trials, %lu operations, %lu remounts in %.1f s (%.0f operations/s); %lu option sets refused by "
		 "the target, %lu trials invalid", trials, ops, remounts, secs, secs > 0 ? (double)ops / secs : 0.0,
		 refused, invalid);
	ovl_table_row(ctx, "explore", "%-6s %8lu trials %10lu operations %6lu remounts %8.1f s %8.0f ops/s %4lu refused", fs,
		      trials, ops, remounts, secs, secs > 0 ? (double)ops / secs : 0.0, refused);
	ovl_log(ctx, "explore on %s: %lu trials, %lu operations, %lu remounts, %.1f s", fs, trials, ops, remounts, secs);
}

static void replay(struct ovl_ctx *ctx, const char *path)
{
	struct repro rp;
	struct outcome o;
	char *text = NULL, why[512];
	int r = ovl_read_file(path, &text, NULL, 1 << 22);

	if (r)
		ovl_brok(ctx, "reproducer %s: %s", path, strerror(-r));
	if (repro_parse(text, &rp, why, sizeof(why)))
		ovl_brok(ctx, "reproducer %s: %s", path, why);
	free(text);
	ovl_log(ctx, "replaying %s: options %s, %zu lowers, %zu entries, %zu operations", path, rp.options,
		repro_nlowers(&rp), repro_nentries(&rp), rp.nops);
	repro_run(ctx, &rp, &o, false, NULL, NULL, 0);
	if (o.invalid)
		ovl_brok(ctx, "reproducer %s: %s", path, o.what);
	if (o.refused)
		ovl_conf(ctx, "the target refuses the reproducer's options %s: %s", rp.options, o.what);
	if (o.what[0])
		ovl_brok(ctx, "%s", o.what);
	repro_free(&rp);
}

void replay_case_run(struct ovl_ctx *ctx)
{
	replay(ctx, ovl_explore.replay_file);
}

void ovl_check_replay(struct ovl_ctx *ctx, const char *path)
{
	replay(ctx, ovl_fixture_path(ctx, path));
}
