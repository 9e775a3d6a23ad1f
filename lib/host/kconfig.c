// SPDX-License-Identifier: LGPL-2.1-or-later
#define _GNU_SOURCE
#include "ovl-host.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <zlib.h>

#include "ovl-common.h"

struct ovl_kconfig {
	char *source;
	char **sym, **val;
	size_t n;
	char **msym, **mname;		/* symbol -> module it builds */
	size_t nm;
	ovl_kmod_check_fn check;
	void *check_arg;
};

void ovl_kconfig_free(struct ovl_kconfig *kc)
{
	if (!kc)
		return;
	for (size_t i = 0; i < kc->n; i++) {
		free(kc->sym[i]);
		free(kc->val[i]);
	}
	free(kc->sym);
	free(kc->val);
	for (size_t i = 0; i < kc->nm; i++) {
		free(kc->msym[i]);
		free(kc->mname[i]);
	}
	free(kc->msym);
	free(kc->mname);
	free(kc->source);
	free(kc);
}

/* Read a file through zlib, which reads plain files unchanged. */
static int read_gz(const char *path, char **out)
{
	gzFile f = gzopen(path, "rb");
	struct ovl_buf b = OVL_BUF_INIT;
	char chunk[65536];
	int n;

	if (!f)
		return errno ? -errno : -ENOMEM;
	while ((n = gzread(f, chunk, sizeof(chunk) - 1)) > 0) {
		chunk[n] = 0;
		ovl_buf_puts(&b, chunk);
	}
	gzclose(f);
	if (n < 0 || b.failed) {
		ovl_buf_free(&b);
		return n < 0 ? -EIO : -ENOMEM;
	}
	*out = ovl_buf_steal(&b);
	return *out ? 0 : -ENOMEM;
}

static int parse(struct ovl_kconfig *kc, char *text)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		char **ns, **nv;

		if (strncmp(line, "CONFIG_", 7) != 0 || !eq)
			continue;
		*eq = 0;
		ns = realloc(kc->sym, (kc->n + 1) * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		kc->sym = ns;
		nv = realloc(kc->val, (kc->n + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		kc->val = nv;
		kc->sym[kc->n] = strdup(line);
		kc->val[kc->n] = strdup(eq + 1);
		if (!kc->sym[kc->n] || !kc->val[kc->n]) {
			free(kc->sym[kc->n]);
			free(kc->val[kc->n]);
			return -ENOMEM;
		}
		kc->n++;
	}
	return 0;
}

int ovl_kconfig_load(const char *path, struct ovl_kconfig **out, struct ovl_err *err)
{
	struct utsname u;
	char places[6][512];
	size_t np = 0;
	struct ovl_buf tried = OVL_BUF_INIT;
	int r = -ENOENT;

	uname(&u);
	if (path) {
		snprintf(places[np++], sizeof(places[0]), "%s", path);
	} else {
		if (getenv("KCONFIG_PATH"))
			snprintf(places[np++], sizeof(places[0]), "%s", getenv("KCONFIG_PATH"));
		snprintf(places[np++], sizeof(places[0]), "/proc/config.gz");
		snprintf(places[np++], sizeof(places[0]), "/lib/modules/%s/build/.config", u.release);
		snprintf(places[np++], sizeof(places[0]), "/lib/modules/%s/config", u.release);
		snprintf(places[np++], sizeof(places[0]), "/boot/config-%s", u.release);
		snprintf(places[np++], sizeof(places[0]), "/lib/kernel/config-%s", u.release);
	}
	for (size_t i = 0; i < np; i++) {
		struct ovl_kconfig *kc;
		char *text = NULL;

		r = read_gz(places[i], &text);
		if (r) {
			ovl_buf_printf(&tried, "%s%s: %s", tried.len ? "; " : "", places[i], strerror(-r));
			continue;
		}
		kc = calloc(1, sizeof(*kc));
		if (!kc || !(kc->source = strdup(places[i])) || parse(kc, text)) {
			free(text);
			ovl_kconfig_free(kc);
			ovl_buf_free(&tried);
			return ovl_err_set(err, ENOMEM, "kernel config: out of memory");
		}
		free(text);
		if (kc->n == 0) {
			ovl_buf_printf(&tried, "%s%s: no CONFIG_ line", tried.len ? "; " : "", places[i]);
			ovl_kconfig_free(kc);
			r = -EINVAL;
			continue;
		}
		ovl_buf_free(&tried);
		*out = kc;
		return 0;
	}
	ovl_err_set(err, r, "no kernel config found (%s)", tried.data ? tried.data : "");
	ovl_buf_free(&tried);
	return r;
}

const char *ovl_kconfig_source(const struct ovl_kconfig *kc)
{
	return kc->source;
}

const char *ovl_kconfig_get(const struct ovl_kconfig *kc, const char *sym)
{
	/* the last assignment wins, as in Kconfig (a config with fragments appended) */
	for (size_t i = kc->n; i-- > 0;)
		if (strcmp(kc->sym[i], sym) == 0)
			return kc->val[i];
	return NULL;
}

bool ovl_kconfig_met(const struct ovl_kconfig *kc, const char *req, const char **have)
{
	char sym[256];
	const char *eq = strchr(req, '='), *v;
	size_t n = eq ? (size_t)(eq - req) : strlen(req);

	if (n >= sizeof(sym))
		return false;
	memcpy(sym, req, n);
	sym[n] = 0;
	v = ovl_kconfig_get(kc, sym);
	if (have)
		*have = v;
	if (!v)
		return false;
	if (eq)
		return strcmp(v, eq + 1) == 0;
	return strcmp(v, "y") == 0 || strcmp(v, "m") == 0;
}

/* ---- the running kernel's word on modules ------------------------------------ */

void ovl_kconfig_set_module_check(struct ovl_kconfig *kc, ovl_kmod_check_fn fn, void *arg)
{
	kc->check = fn;
	kc->check_arg = arg;
}

/* "OVERLAY_FS" or "CONFIG_OVERLAY_FS" as "CONFIG_OVERLAY_FS" into buf. */
static void full_sym(char *buf, size_t len, const char *sym)
{
	snprintf(buf, len, "%s%s", strncmp(sym, "CONFIG_", 7) == 0 ? "" : "CONFIG_", sym);
}

int ovl_kconfig_set_module(struct ovl_kconfig *kc, const char *sym, const char *module)
{
	char full[256];
	char **ns, **nm;

	full_sym(full, sizeof(full), sym);
	for (size_t i = 0; i < kc->nm; i++)
		if (strcmp(kc->msym[i], full) == 0) {
			char *m = strdup(module);

			if (!m)
				return -ENOMEM;
			free(kc->mname[i]);
			kc->mname[i] = m;
			return 0;
		}
	ns = realloc(kc->msym, (kc->nm + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	kc->msym = ns;
	nm = realloc(kc->mname, (kc->nm + 1) * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	kc->mname = nm;
	kc->msym[kc->nm] = strdup(full);
	kc->mname[kc->nm] = strdup(module);
	if (!kc->msym[kc->nm] || !kc->mname[kc->nm]) {
		free(kc->msym[kc->nm]);
		free(kc->mname[kc->nm]);
		return -ENOMEM;
	}
	kc->nm++;
	return 0;
}

const char *ovl_kconfig_module_of(const struct ovl_kconfig *kc, const char *sym)
{
	/* the modules the suite's own needs are built as, when no requirement file says */
	static const char *const known[][2] = {
		{ "CONFIG_OVERLAY_FS", "overlay" }, { "CONFIG_EXT4_FS", "ext4" }, { "CONFIG_XFS_FS", "xfs" },
		{ "CONFIG_BTRFS_FS", "btrfs" },	    { "CONFIG_FUSE_FS", "fuse" }, { "CONFIG_BLK_DEV_LOOP", "loop" },
	};
	char full[256];

	full_sym(full, sizeof(full), sym);
	for (size_t i = 0; kc && i < kc->nm; i++)
		if (strcmp(kc->msym[i], full) == 0)
			return kc->mname[i];
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i][0], full) == 0)
			return known[i][1];
	return NULL;
}

const char *ovl_kconfig_effective(const struct ovl_kconfig *kc, const char *sym, char *why, size_t len)
{
	char full[256], mwhy[512] = "";
	const char *v, *mod;

	full_sym(full, sizeof(full), sym);
	v = ovl_kconfig_get(kc, full);
	if (!v || strcmp(v, "n") == 0) {
		if (why)
			snprintf(why, len, "not set");
		return NULL;
	}
	if (strcmp(v, "m") != 0 || !kc->check || !(mod = ovl_kconfig_module_of(kc, full))) {
		if (why)
			snprintf(why, len, "%s", v);
		return v;
	}
	if (!kc->check(mod, mwhy, sizeof(mwhy), kc->check_arg)) {
		if (why)
			snprintf(why, len, "m, but module %s is missing: %s", mod, mwhy);
		return NULL;
	}
	if (why)
		snprintf(why, len, "m, module %s %s", mod, mwhy);
	return v;
}

/* ---- expressions ------------------------------------------------------------------ */

struct expr {
	const struct ovl_kconfig *kc;	/* NULL: syntax only */
	const char *s, *start;
	struct ovl_err *err;
	int (*fn)(const char *sym, void *arg);
	void *arg;
	int r;
	int depth;			/* of ! and ( ): bounded, the stack is not */
};

static void skip_ws(struct expr *x)
{
	while (*x->s == ' ' || *x->s == '\t')
		x->s++;
}

static bool syntax(struct expr *x, const char *what)
{
	if (!x->r)
		x->r = ovl_err_set(x->err, EINVAL, "'%s', at %zu: %s", x->start, (size_t)(x->s - x->start), what);
	return false;
}

static bool e_or(struct expr *x, bool neg, struct ovl_buf *unmet);

static bool e_atom(struct expr *x, bool neg, struct ovl_buf *unmet)
{
	char sym[256], full[256], why[600];
	const char *v;
	size_t n = 0;
	char want = 0;
	bool ok;

	skip_ws(x);
	if ((*x->s == '!' || *x->s == '(') && x->depth >= 64)
		return syntax(x, "nested more than 64 deep");
	if (*x->s == '!') {
		x->s++;
		x->depth++;
		ok = !e_atom(x, !neg, unmet);
		x->depth--;
		return ok;
	}
	if (*x->s == '(') {
		x->s++;
		x->depth++;
		ok = e_or(x, neg, unmet);
		x->depth--;
		skip_ws(x);
		if (*x->s != ')')
			return syntax(x, "')' expected");
		x->s++;
		return ok;
	}
	while ((isalnum((unsigned char)x->s[n]) || x->s[n] == '_') && n < sizeof(sym) - 1)
		n++;
	if (!n)
		return syntax(x, "a CONFIG_ symbol expected");
	memcpy(sym, x->s, n);
	sym[n] = 0;
	x->s += n;
	for (char *c = sym; *c; c++)
		if (islower((unsigned char)*c))
			return syntax(x, "symbols are upper case");
	skip_ws(x);
	if (*x->s == '=') {
		x->s++;
		skip_ws(x);
		if (!strchr("ymn", *x->s) || !*x->s || isalnum((unsigned char)x->s[1]))
			return syntax(x, "=y, =m or =n expected");
		want = *x->s++;
	}
	full_sym(full, sizeof(full), sym);
	if (x->fn && !x->r && (x->r = x->fn(full, x->arg)) != 0)
		return false;
	if (!x->kc)
		return true;
	v = ovl_kconfig_effective(x->kc, full, why, sizeof(why));
	if (!want)
		ok = v && (strcmp(v, "y") == 0 || strcmp(v, "m") == 0);
	else if (want == 'n')
		ok = !v;
	else
		ok = v && v[0] == want && !v[1];
	/* an atom whose value made the whole false: false plainly, or true under a ! */
	if (ok == neg)
		ovl_buf_printf(unmet, "%s%s%s%s (%s)", unmet->len ? ", " : "", neg ? "!" : "", full,
			       want ? (want == 'y' ? "=y" : want == 'm' ? "=m" : "=n") : "", why);
	return ok;
}

/*
 * The atoms that decide: each part records its atoms into a buffer of its
 * own, kept only when the part's value is what makes the whole false
 * (false plainly, true under a !).
 */
static void keep(struct ovl_buf *unmet, struct ovl_buf *part, bool value, bool neg)
{
	if (value == neg && part->data)
		ovl_buf_printf(unmet, "%s%s", unmet->len ? ", " : "", part->data);
	ovl_buf_free(part);
}

static bool e_and(struct expr *x, bool neg, struct ovl_buf *unmet)
{
	struct ovl_buf mine = OVL_BUF_INIT;
	bool ok = e_atom(x, neg, &mine);

	for (;;) {
		skip_ws(x);
		if (*x->s != '&' && *x->s != ',')
			break;
		x->s++;
		ok = e_atom(x, neg, &mine) && ok;
	}
	keep(unmet, &mine, ok, neg);
	return ok;
}

static bool e_or(struct expr *x, bool neg, struct ovl_buf *unmet)
{
	struct ovl_buf mine = OVL_BUF_INIT, alt = OVL_BUF_INIT;
	bool ok = false, first = true;

	for (;;) {
		bool v;

		if (!first) {
			skip_ws(x);
			if (*x->s != '|')
				break;
			x->s++;
		}
		first = false;
		v = e_and(x, neg, &alt);
		/* an alternative counts when it is what the whole's value rests on */
		keep(&mine, &alt, v, neg);
		ok = ok || v;
	}
	keep(unmet, &mine, ok, neg);
	return ok;
}

static int parse_expr(struct expr *x, bool *ok, struct ovl_buf *unmet)
{
	bool v;

	x->r = 0;
	x->start = x->s;
	v = e_or(x, false, unmet);
	skip_ws(x);
	if (!x->r && *x->s)
		syntax(x, "'&', '|', ',' or the end expected");
	if (!x->r && ok)
		*ok = v;
	return x->r;
}

int ovl_kconfig_eval(const struct ovl_kconfig *kc, const char *expr, bool *ok, char *unmet, size_t len,
		     struct ovl_err *err)
{
	struct expr x = { .kc = kc, .s = expr, .err = err };
	struct ovl_buf b = OVL_BUF_INIT;
	int r = parse_expr(&x, ok, &b);

	if (unmet)
		snprintf(unmet, len, "%s", b.data ? b.data : "");
	ovl_buf_free(&b);
	return r;
}

int ovl_kconfig_symbols(const char *expr, int (*fn)(const char *sym, void *arg), void *arg,
			struct ovl_err *err)
{
	struct expr x = { .s = expr, .err = err, .fn = fn, .arg = arg };
	struct ovl_buf b = OVL_BUF_INIT;
	int r = parse_expr(&x, NULL, &b);

	ovl_buf_free(&b);
	return r;
}

/* ---- requirement files --------------------------------------------------------------- */

static void kreq_clear(struct ovl_kreq *q)
{
	free(q->expr);
	free(q->module);
	free(q->param);
	free(q->reason);
}

void ovl_kreq_free(struct ovl_kreq *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		kreq_clear(&r[i]);
	free(r);
}

static char *trimmed(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return strndup(s, n);
}

static int nop_sym(const char *sym, void *arg)
{
	(void)sym;
	(void)arg;
	return 0;
}

int ovl_kreq_parse(const char *text, const char *origin, struct ovl_kreq **out, size_t *n, struct ovl_err *err)
{
	struct ovl_kreq *v = NULL;
	size_t nv = 0;
	unsigned int lineno = 0;
	int r = 0;

	for (const char *line = text; line && *line && !r; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char *l = strndup(line, strcspn(line, "\n")), *rest, *dash, *word, *save = NULL;
		struct ovl_kreq q = { .line = ++lineno };
		struct ovl_buf expr = OVL_BUF_INIT;
		struct ovl_err e2 = { "" };
		struct ovl_kreq *nq;
		int words = 0;

		if (!l) {
			r = ovl_err_set(err, ENOMEM, "%s: out of memory", origin);
			break;
		}
		rest = l + strspn(l, " \t\r");
		if (!*rest || *rest == '#') {
			free(l);
			continue;
		}
		dash = strstr(rest, " -- ");
		if (!dash) {
			r = ovl_err_set(err, EINVAL, "%s:%u: no ' -- reason' (every requirement says why)", origin, lineno);
			free(l);
			break;
		}
		q.reason = trimmed(dash + 4, strlen(dash + 4));
		*dash = 0;
		for (word = strtok_r(rest, " \t", &save); word && !r; word = strtok_r(NULL, " \t", &save)) {
			if (words++ == 0) {
				if (strcmp(word, "required") != 0 && strcmp(word, "optional") != 0)
					r = ovl_err_set(err, EINVAL, "%s:%u: starts with '%s', not required or optional",
							origin, lineno, word);
				q.required = strcmp(word, "required") == 0;
			} else if (strncmp(word, "module=", 7) == 0 && word[7]) {
				free(q.module);
				q.module = strdup(word + 7);
			} else if (strncmp(word, "param=", 6) == 0 && word[6]) {
				free(q.param);
				q.param = strdup(word + 6);
			} else {
				ovl_buf_printf(&expr, "%s%s", expr.len ? " " : "", word);
			}
		}
		free(l);
		q.expr = ovl_buf_steal(&expr);
		if (!r && (!q.expr || !*q.expr))
			r = ovl_err_set(err, EINVAL, "%s:%u: no expression", origin, lineno);
		if (!r && (!q.reason || !*q.reason))
			r = ovl_err_set(err, EINVAL, "%s:%u: an empty reason", origin, lineno);
		if (!r && ovl_kconfig_symbols(q.expr, nop_sym, NULL, &e2))
			r = ovl_err_set(err, EINVAL, "%s:%u: %s", origin, lineno, e2.msg);
		if (r || !(nq = realloc(v, (nv + 1) * sizeof(*v)))) {
			kreq_clear(&q);
			if (!r)
				r = -ENOMEM;
			break;
		}
		v = nq;
		v[nv++] = q;
	}
	if (r) {
		ovl_kreq_free(v, nv);
		return r;
	}
	*out = v;
	*n = nv;
	return 0;
}

int ovl_kreq_load(const char *path, struct ovl_kreq **out, size_t *n, struct ovl_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int r = ovl_read_file(path, &text, &len, 1u << 20);

	if (r)
		return ovl_err_set(err, -r, "%s: %s", path, strerror(-r));
	r = ovl_kreq_parse(text, path, out, n, err);
	free(text);
	return r;
}
