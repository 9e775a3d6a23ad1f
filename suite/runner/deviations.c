// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner/deviations.c - a target's known deviations, read from its
 * data file and applied per check (deviations.h says how).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "descriptor.h"
#include "deviations.h"
#include "matrix.h"
#include "ovl-common.h"

struct deviation {
	char *id, *kernels, *versions, *why, *link;
	char **cases;
	size_t ncases;
	char **checks;		/* fnmatch patterns of check names */
	size_t nchecks;
	char **observed;
	size_t nobserved;
	unsigned int fs;	/* OVL_FS_* mask; 0: all */
	bool intermittent;	/* seen in some runs only: never judged gone (XPASS) */
	char *reason;		/* "id: why (link)", what XFAIL/XPASS show */
};

struct ovl_devset {
	struct deviation *d;
	size_t n;
};

static int fail(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? strdup(s) : NULL;
}

/* A string array of o[key] into *out (strdup'ed); -EINVAL when not one, or empty and required. */
static int str_array(json_t *o, const char *key, char ***out, size_t *n)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a) || json_array_size(a) == 0)
		return -EINVAL;
	*out = calloc(json_array_size(a), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || !*json_string_value(v))
			return -EINVAL;
		(*out)[(*n)++] = strdup(json_string_value(v));
	}
	return 0;
}

static bool case_known(const char *id, const struct ovl_case *const *cases, size_t n)
{
	char have[256];

	for (size_t i = 0; i < n; i++) {
		ovl_case_id(cases[i], have, sizeof(have));
		if (strcmp(have, id) == 0)
			return true;
	}
	return false;
}

/* "checks": a pattern or a list of them, none of them "*" (every check). */
static bool parse_checks(json_t *o, struct deviation *d)
{
	bool ok;

	if (json_is_string(json_object_get(o, "checks"))) {
		d->checks = calloc(1, sizeof(*d->checks));
		ok = d->checks && (d->checks[d->nchecks++] = dup_str(o, "checks"));
	} else {
		ok = str_array(o, "checks", &d->checks, &d->nchecks) == 0;
	}
	for (size_t i = 0; ok && i < d->nchecks; i++)
		ok = d->checks[i] && *d->checks[i] && strcmp(d->checks[i], "*") != 0;
	return ok;
}

static int parse_one(json_t *o, struct deviation *d, const char *path, size_t idx,
		     const struct ovl_case *const *cases, size_t ncases, char *why, size_t len)
{
	static const char *const keys[] = { "id", "cases", "fs", "kernels", "versions", "checks",
					    "observed", "why", "link", "intermittent", NULL };
	const char *key;
	json_t *v;
	char **fs = NULL;
	size_t nfs = 0;
	int r = 0;

	if (!json_is_object(o))
		return fail(why, len, "%s: deviation %zu is not an object", path, idx);
	json_object_foreach(o, key, v) {
		bool known = false;

		for (const char *const *k = keys; *k; k++)
			known |= strcmp(*k, key) == 0;
		if (!known)
			return fail(why, len, "%s: deviation %zu: unknown key \"%s\"", path, idx, key);
	}
	d->id = dup_str(o, "id");
	d->kernels = dup_str(o, "kernels");
	d->versions = dup_str(o, "versions");
	d->why = dup_str(o, "why");
	d->link = dup_str(o, "link");
	if (!d->id || !*d->id)
		return fail(why, len, "%s: deviation %zu has no \"id\"", path, idx);
	if (!d->why || strlen(d->why) < 10)
		return fail(why, len, "%s: deviation %s: \"why\" must say what is observed and why", path, d->id);
	if (!parse_checks(o, d))
		return fail(why, len, "%s: deviation %s: \"checks\" must be a pattern of check names (or a list of "
			    "them), never all of them", path, d->id);
	if (str_array(o, "cases", &d->cases, &d->ncases))
		return fail(why, len, "%s: deviation %s: \"cases\" must list case ids (NNNN-slug)", path, d->id);
	for (size_t i = 0; i < d->ncases; i++)
		if (!case_known(d->cases[i], cases, ncases))
			return fail(why, len, "%s: deviation %s: no case %s (ovlconform list)", path, d->id,
				    d->cases[i]);
	if (!json_is_array(json_object_get(o, "observed")) ||
	    (json_array_size(json_object_get(o, "observed")) && str_array(o, "observed", &d->observed, &d->nobserved)))
		return fail(why, len, "%s: deviation %s: \"observed\" must list patterns of the diagnostic lines "
			    "seen ([] for checks that print none)", path, d->id);
	if (json_object_get(o, "fs")) {
		if (str_array(o, "fs", &fs, &nfs))
			return fail(why, len, "%s: deviation %s: \"fs\" must list filesystems", path, d->id);
		for (size_t i = 0; i < nfs && !r; i++) {
			unsigned int m = 0;
			char bwhy[256];

			if (ovl_backing_parse(fs[i], &m, bwhy, sizeof(bwhy)) || strcmp(fs[i], "all") == 0)
				r = fail(why, len, "%s: deviation %s: unknown filesystem \"%s\"", path, d->id, fs[i]);
			else
				d->fs |= m;
		}
		for (size_t i = 0; i < nfs; i++)
			free(fs[i]);
		free(fs);
		if (r)
			return r;
	}
	if (d->kernels && !ovl_kernel_range_valid(d->kernels))
		return fail(why, len, "%s: deviation %s: kernels \"%s\" is no range (\"6.6-6.18\", \"6.18-\", "
			    "\"-6.12\", \"6.1\")", path, d->id, d->kernels);
	if (d->versions && !ovl_kernel_range_valid(d->versions))
		return fail(why, len, "%s: deviation %s: versions \"%s\" is no range (\"1.10\", \"1.9-1.13\")", path,
			    d->id, d->versions);
	if (json_object_get(o, "intermittent") && !json_is_boolean(json_object_get(o, "intermittent")))
		return fail(why, len, "%s: deviation %s: \"intermittent\" must be true or false", path, d->id);
	d->intermittent = json_is_true(json_object_get(o, "intermittent"));
	if (d->link && strncmp(d->link, "https://", 8) != 0)
		return fail(why, len, "%s: deviation %s: \"link\" must be an https:// address", path, d->id);
	if (asprintf(&d->reason, "%s: %s%s%s%s", d->id, d->why, d->link ? " (" : "", d->link ? d->link : "",
		     d->link ? ")" : "") < 0) {
		d->reason = NULL;
		return fail(why, len, "out of memory");
	}
	return 0;
}

struct ovl_devset *ovl_deviations_load(const char *path, const char *target, bool missing_ok,
				       const struct ovl_case *const *cases, size_t ncases, char *why, size_t len)
{
	struct ovl_devset *set = calloc(1, sizeof(*set));
	json_error_t jerr;
	json_t *root, *list;
	const char *t;

	if (!set) {
		fail(why, len, "out of memory");
		return NULL;
	}
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		FILE *f = fopen(path, "r");

		if (!f && errno == ENOENT && missing_ok)
			return set;
		if (f)
			fclose(f);
		fail(why, len, "%s: %s%s (line %d)", path, f ? "" : "cannot read: ", f ? jerr.text : strerror(errno),
		     jerr.line);
		free(set);
		return NULL;
	}
	t = json_string_value(json_object_get(root, "target"));
	list = json_object_get(root, "deviations");
	if (!t || strcmp(t, target) != 0) {
		fail(why, len, "%s: \"target\" is %s%s%s, not %s", path, t ? "\"" : "", t ? t : "missing",
		     t ? "\"" : "", target);
	} else if (!json_is_array(list)) {
		fail(why, len, "%s: \"deviations\" must be an array", path);
	} else {
		set->d = calloc(json_array_size(list) + 1, sizeof(*set->d));
		for (size_t i = 0; set->d && i < json_array_size(list); i++) {
			if (parse_one(json_array_get(list, i), &set->d[set->n++], path, i, cases, ncases, why, len))
				goto bad;
			for (size_t k = 0; k + 1 < set->n; k++)
				if (strcmp(set->d[k].id, set->d[set->n - 1].id) == 0) {
					fail(why, len, "%s: two deviations are called %s", path, set->d[k].id);
					goto bad;
				}
		}
		if (set->d) {
			json_decref(root);
			return set;
		}
		fail(why, len, "out of memory");
	}
bad:
	json_decref(root);
	ovl_deviations_free(set);
	return NULL;
}

static void free_strs(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

void ovl_deviations_free(struct ovl_devset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		struct deviation *d = &set->d[i];

		free(d->id);
		free_strs(d->checks, d->nchecks);
		free(d->kernels);
		free(d->versions);
		free(d->why);
		free(d->link);
		free(d->reason);
		free_strs(d->cases, d->ncases);
		free_strs(d->observed, d->nobserved);
	}
	free(set->d);
	free(set);
}

size_t ovl_deviations_count(const struct ovl_devset *set)
{
	return set ? set->n : 0;
}

static bool covers(const struct deviation *d, const char *check)
{
	for (size_t i = 0; i < d->nchecks; i++)
		if (fnmatch(d->checks[i], check, 0) == 0)
			return true;
	return false;
}

static bool applies(const struct deviation *d, const char *case_id, unsigned int fs_bit, const char *release,
		    const char *version)
{
	bool listed = false;

	for (size_t i = 0; i < d->ncases && !listed; i++)
		listed = strcmp(d->cases[i], case_id) == 0;
	return listed && (!d->fs || (d->fs & fs_bit)) && ovl_kernel_in_range(d->kernels, release) &&
	       (!d->versions || (version && ovl_kernel_in_range(d->versions, version)));
}

/* A heading line of a diagnostic ("difference (- model, + actual):"): it explains nothing by itself. */
static bool heading(const char *line)
{
	size_t n = strlen(line);

	return n && line[n - 1] == ':' && line[0] != '-' && line[0] != '+';
}

/* The space-separated fields of a dump line, a quoted value ("a b") one field; at most max. */
static size_t fields(const char *line, const char **f, size_t *flen, size_t max)
{
	size_t n = 0;

	while (*line && n < max) {
		const char *s;
		bool q = false;

		while (*line == ' ')
			line++;
		if (!*line)
			break;
		for (s = line; *line && (q || *line != ' '); line++) {
			if (*line == '\\' && q && line[1])
				line++;
			else if (*line == '"')
				q = !q;
		}
		f[n] = s;
		flen[n++] = (size_t)(line - s);
	}
	return n;
}

static bool has_field(const char *const *f, const size_t *flen, size_t n, const char *x, size_t xlen)
{
	for (size_t i = 0; i < n; i++)
		if (flen[i] == xlen && memcmp(f[i], x, xlen) == 0)
			return true;
	return false;
}

/*
 * A tree difference shows a changed entry as "- <model's line>" then
 * "+ <actual line>" for one path. As evidence, the pair is one line:
 * "~ PATH: -field +field ...", the fields only one side has (the type
 * among them), so that a deviation can say exactly what differs
 * ("~ *: +xattr.user.fuseoverlayfs.origin=*"). Any other line is itself.
 * Returns a new string; *pair says whether two lines were used.
 */
static char *evidence(const char *line, const char *next, bool *pair)
{
	const char *a[64], *b[64];
	size_t alen[64], blen[64], na, nb;
	char *out = NULL;
	size_t olen = 0;
	FILE *f;

	*pair = false;
	if (!next || strncmp(line, "- ", 2) != 0 || strncmp(next, "+ ", 2) != 0)
		return strdup(line);
	na = fields(line + 2, a, alen, 64);
	nb = fields(next + 2, b, blen, 64);
	if (na < 2 || nb < 2 || alen[1] != blen[1] || memcmp(a[1], b[1], alen[1]) != 0)
		return strdup(line);
	f = open_memstream(&out, &olen);
	if (!f)
		return strdup(line);
	fprintf(f, "~ %.*s:", (int)alen[1], a[1]);
	for (size_t i = 0; i < na; i++)
		if (i != 1 && !has_field(b, blen, nb, a[i], alen[i]))
			fprintf(f, " -%.*s", (int)alen[i], a[i]);
	for (size_t i = 0; i < nb; i++)
		if (i != 1 && !has_field(a, alen, na, b[i], blen[i]))
			fprintf(f, " +%.*s", (int)blen[i], b[i]);
	fclose(f);
	*pair = true;
	return out;
}

/* Which deviation (index into ds) explains line, or -1. */
static int explained_by(const struct deviation *const *ds, size_t nds, const char *line)
{
	for (size_t i = 0; i < nds; i++)
		for (size_t k = 0; k < ds[i]->nobserved; k++)
			if (fnmatch(ds[i]->observed[k], line, 0) == 0)
				return (int)i;
	return -1;
}

/* The kind of a check: its name after "after OP: " (as the harness's harness_diag_since() has it). */
static const char *check_kind(const char *name)
{
	const char *p = strncmp(name, "after ", 6) == 0 ? strstr(name, ": ") : NULL;

	return p ? p + 2 : name;
}

/* The line the harness shows for differences the last failed check of the kind showed. */
#define AS_BEFORE "... as before: "

void ovl_deviations_apply(const struct ovl_devset *set, const char *case_id, unsigned int fs_bit,
			  const char *release, const char *version, struct ovl_case_result *r)
{
	const struct deviation **ds;
	bool *shown, *covered;
	size_t nds = 0;

	if (!set || !set->n || !(ds = calloc(set->n, sizeof(*ds))))
		return;
	for (size_t i = 0; i < set->n; i++)
		if (applies(&set->d[i], case_id, fs_bit, release, version))
			ds[nds++] = &set->d[i];
	shown = calloc(nds + 1, sizeof(*shown));
	covered = calloc(nds + 1, sizeof(*covered));
	for (size_t c = 0; shown && covered && c < r->nchecks; c++) {
		struct ovl_check_result *ch = &r->checks[c];
		const struct deviation *mine[64];
		size_t nmine = 0, used[64] = { 0 }, idx[64];
		bool all = true;
		/* what the last failed check of this kind came to: its lines "as before" are judged so */
		enum ovl_outcome before = OVL_FAIL;

		for (size_t p = c; p-- > 0;)
			if ((r->checks[p].outcome == OVL_FAIL || r->checks[p].outcome == OVL_XFAIL) &&
			    strcmp(check_kind(r->checks[p].name), check_kind(ch->name)) == 0) {
				before = r->checks[p].outcome;
				break;
			}

		for (size_t i = 0; i < nds && nmine < 64; i++)
			if (covers(ds[i], ch->name)) {
				covered[i] = true;
				idx[nmine] = i;
				mine[nmine++] = ds[i];
			}
		if (!nmine || ch->outcome != OVL_FAIL)
			continue;
		for (size_t l = 0; l < ch->ndiag && all; l++) {
			bool pair;
			char *ev;
			int e;

			if (heading(ch->diag[l]))
				continue;
			if (strncmp(ch->diag[l], AS_BEFORE, strlen(AS_BEFORE)) == 0) {
				all = before == OVL_XFAIL;
				continue;
			}
			ev = evidence(ch->diag[l], l + 1 < ch->ndiag ? ch->diag[l + 1] : NULL, &pair);
			e = ev ? explained_by(mine, nmine, ev) : -1;
			free(ev);
			l += pair;
			if (e < 0)
				all = false;
			else
				used[e]++;
		}
		if (!all)
			continue;
		ch->outcome = OVL_XFAIL;
		ch->reason = mine[0]->reason;
		for (size_t i = 0; i < nmine; i++)
			if (used[i] || ch->ndiag == 0) {
				shown[idx[i]] = true;
				if (used[i] && !used[0])
					ch->reason = mine[i]->reason;
			}
	}
	/* gone: covered checks ran, none showed it */
	for (size_t i = 0; shown && covered && i < nds; i++) {
		if (!covered[i] || shown[i] || ds[i]->intermittent)
			continue;
		for (size_t c = 0; c < r->nchecks; c++) {
			struct ovl_check_result *ch = &r->checks[c];

			if (ch->outcome == OVL_PASS && covers(ds[i], ch->name)) {
				ch->outcome = OVL_XPASS;
				ch->reason = ds[i]->reason;
			}
		}
	}
	free(shown);
	free(covered);
	free(ds);
}
