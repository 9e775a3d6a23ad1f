// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner/descriptor.c - the case registry and its checks. A descriptor that
 * contradicts itself is the runner's error, reported before anything runs.
 */
#define _GNU_SOURCE
#include "descriptor.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovl-host.h"
#include "target.h"
#include "ovl-model.h"

const char *const ovl_known_tags[] = {
	"precedence", "readdir", "symlink", "mountinfo", "readonly", "copy-up", "whiteout",
	"opaque", "rename", "hardlink", "perm", "inode", "backing", "mount-errors", "docker",
	"kconfig", "harness", "redirect", "index", "dir", "random", "docker-growth", "cross",
	"metacopy", "data-only", "verity", "volatile", "export", "uuid", "options", "calls", NULL,
};

const char *const ovl_known_features[] = {
	"redirect_dir", "index", "xino", "metacopy", "nfs_export", "userxattr", "volatile",
	"uuid", "verity", "fsync", NULL,
};

/* The linker makes these for section ovl_cases; weak, for binaries that link no case. */
extern const struct ovl_case *const __start_ovl_cases[] __attribute__((weak));
extern const struct ovl_case *const __stop_ovl_cases[] __attribute__((weak));

static int case_cmp(const void *a, const void *b)
{
	const struct ovl_case *x = *(const struct ovl_case *const *)a;
	const struct ovl_case *y = *(const struct ovl_case *const *)b;

	return x->number < y->number ? -1 : x->number > y->number;
}

/* A variant as a case of its own: the case's fields, the variant's where it gives them. */
static struct ovl_case variant_case(const struct ovl_case *c, const struct ovl_variant *v)
{
	struct ovl_case vc = *c;

	vc.number = v->number;
	vc.slug = v->slug;
	vc.purpose = v->purpose ? v->purpose : c->purpose;
	vc.tags = v->tags ? v->tags : c->tags;
	vc.fixture = v->fixture ? v->fixture : c->fixture;
	vc.mount_options = v->mount_options ? v->mount_options : c->mount_options;
	vc.needs_features = v->needs_features ? v->needs_features : c->needs_features;
	vc.variants = NULL;
	vc.base = c;
	vc.variant = v;
	return vc;
}

/* Every case the build registered, each variant as a case, in number order (made once). */
size_t ovl_cases_all(const struct ovl_case *const **out)
{
	static const struct ovl_case **sorted;
	static size_t n;
	size_t nreg = __start_ovl_cases ? (size_t)(__stop_ovl_cases - __start_ovl_cases) : 0;

	if (!sorted && nreg) {
		size_t total = 0, k = 0;

		for (size_t i = 0; i < nreg; i++) {
			const struct ovl_variant *v = __start_ovl_cases[i]->variants;
			size_t nv = 0;

			while (v && v[nv].number)
				nv++;
			total += nv ? nv : 1;
		}
		sorted = calloc(total, sizeof(*sorted));
		if (!sorted)
			return 0;
		for (size_t i = 0; i < nreg; i++) {
			const struct ovl_case *c = __start_ovl_cases[i];
			const struct ovl_variant *v = c->variants;

			if (!v || !v->number) {
				sorted[k++] = c;
				continue;
			}
			for (; v->number; v++) {
				struct ovl_case *vc = malloc(sizeof(*vc));

				if (!vc) {
					/* nothing half-made stays: a later call tries again */
					free(sorted);
					sorted = NULL;
					*out = NULL;
					return 0;
				}
				*vc = variant_case(c, v);
				sorted[k++] = vc;
			}
		}
		n = k;
		qsort(sorted, n, sizeof(*sorted), case_cmp);
	}
	*out = (const struct ovl_case *const *)sorted;
	return n;
}

void ovl_case_id(const struct ovl_case *c, char *buf, size_t len)
{
	snprintf(buf, len, "%04u-%s", c->number, c->slug ? c->slug : "?");
}

static bool in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && strncmp(*list, s, n) == 0)
			return true;
	return false;
}

/* Walk a comma-separated list; calls fn on each item, stops at its error. */
static int each_item(const char *list, int (*fn)(const char *s, size_t n, void *arg), void *arg)
{
	const char *p = list;

	while (p && *p) {
		const char *e = strchrnul(p, ',');
		int r = fn(p, (size_t)(e - p), arg);

		if (r)
			return r;
		p = *e ? e + 1 : e;
	}
	return 0;
}

struct vctx {
	char *why;
	size_t len;
	const char *file;
	const char *what;
};

static int check_tag(const char *s, size_t n, void *arg)
{
	struct vctx *v = arg;

	if (n && in_list(ovl_known_tags, s, n))
		return 0;
	snprintf(v->why, v->len, "%s: tag '%.*s' is not in the controlled list (suite/descriptor.c)",
		 v->file, (int)n, s);
	return -EINVAL;
}

static int check_feature(const char *s, size_t n, void *arg)
{
	struct vctx *v = arg;
	size_t k = strcspn(s, "=,");

	if (k > n)
		k = n;
	if (n && in_list(ovl_known_features, s, k))
		return 0;
	snprintf(v->why, v->len, "%s: %s names '%.*s', not an overlay option this suite knows",
		 v->file, v->what, (int)n, s);
	return -EINVAL;
}

static int check_program(const char *s, size_t n, void *arg)
{
	struct vctx *v = arg;

	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr("._+-", s[i])))
			n = 0;
	if (n)
		return 0;
	snprintf(v->why, v->len, "%s: needs_programs item '%.*s' is not a program name (no path, no space)",
		 v->file, (int)strcspn(s, ","), s);
	return -EINVAL;
}

static int kconfig_sym_ok(const char *sym, void *arg)
{
	(void)sym;
	(void)arg;
	return 0;
}

static int check_kconfig(const char *s, size_t n, void *arg)
{
	struct vctx *v = arg;
	struct ovl_err err = { "" };
	char item[256];

	snprintf(item, sizeof(item), "%.*s", (int)n, s);
	if (n < sizeof(item) && ovl_kconfig_symbols(item, kconfig_sym_ok, NULL, &err) == 0)
		return 0;
	snprintf(v->why, v->len, "%s: needs_kconfig item '%.*s' is not an expression of CONFIG_ symbols: %s",
		 v->file, (int)n, s, err.msg[0] ? err.msg : "too long");
	return -EINVAL;
}

void ovl_case_kconfig_expr(const struct ovl_case *c, const struct ovl_target *t, char *buf, size_t len)
{
	const char *a = t ? t->needs_kconfig : NULL, *b = c->needs_kconfig;

	if (a && b)
		snprintf(buf, len, "(%s) & (%s)", a, b);
	else
		snprintf(buf, len, "%s", a ? a : b ? b : "");
}

#define WHY(...) (snprintf(why, len, __VA_ARGS__), -EINVAL)

int ovl_case_validate(const struct ovl_case *c, const char *fixtures_dir, char *why, size_t len)
{
	const char *file = c->file ? c->file : "(unknown file)";
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	char want[256];
	struct vctx v = { why, len, file, NULL };
	unsigned int lowers = c->lowers ? c->lowers : 3;

	if (c->number == 0 || c->number > 9999)
		return WHY("%s: number %u is not in 1..9999", file, c->number);
	if (!c->slug || !*c->slug)
		return WHY("%s: no slug", file);
	for (const char *s = c->slug; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
			return WHY("%s: slug '%s' may hold only a-z, 0-9 and '-'", file, c->slug);
	if (c->base) {
		/* a variant: the file is named after the case, and the case after its first variant */
		const struct ovl_case *b = c->base;

		if (!b->slug || b->number != b->variants[0].number)
			return WHY("%s: a case with variants takes the number of its first variant (%u)", file,
				   b->variants[0].number);
		snprintf(want, sizeof(want), "%04u-%s.c", b->number, b->slug);
	} else {
		snprintf(want, sizeof(want), "%04u-%s.c", c->number, c->slug);
	}
	if (strcmp(base, want) != 0)
		return WHY("%s: the file must be named %s (number and slug of its descriptor)", file,
			   want);
	if (!c->purpose || !*c->purpose || strchr(c->purpose, '\n') || strchr(c->purpose, '#'))
		return WHY("%s: purpose must be one line without '#' (KTAP would fold it)", file);
	if (!c->tags || !*c->tags)
		return WHY("%s: no tags", file);
	if (each_item(c->tags, check_tag, &v))
		return -EINVAL;
	if (!c->run)
		return WHY("%s: no run function", file);
	if (c->fs & ~OVL_FS_ALL)
		return WHY("%s: .fs holds bits that name no backing filesystem", file);
	if (c->timeout > OVL_TIMEOUT_MAX)
		return WHY("%s: timeout %u s is over the %u s limit", file, c->timeout, OVL_TIMEOUT_MAX);
	if (lowers > 3)
		return WHY("%s: lowers=%u, but the runner builds A, B and C only", file, lowers);
	if (c->no_upper && lowers < 2)
		return WHY("%s: no_upper with lowers=%u: a union without upper needs two lowers", file,
			   lowers);
	if (!c->needs_root && (c->fixture || c->mount_options || c->needs_features))
		return WHY("%s: it mounts or builds layers (fixture, mount options or features) but "
			   "says needs_root = false", file);
	v.what = "mount_options";
	if (c->mount_options && each_item(c->mount_options, check_feature, &v))
		return -EINVAL;
	v.what = "needs_features";
	if (c->needs_features && each_item(c->needs_features, check_feature, &v))
		return -EINVAL;
	if (c->no_upper && c->needs_features &&
	    (strstr(c->needs_features, "index") || strstr(c->needs_features, "volatile") ||
	     strstr(c->needs_features, "metacopy")))
		return WHY("%s: no_upper, but needs a feature that only an upper layer has", file);
	if (c->needs_kconfig && each_item(c->needs_kconfig, check_kconfig, &v))
		return -EINVAL;
	if (c->needs_programs && each_item(c->needs_programs, check_program, &v))
		return -EINVAL;
	if (c->needs_kernel && !ovl_kernel_range_valid(c->needs_kernel))
		return WHY("%s: needs_kernel \"%s\" is no release range (\"6.7-\", \"6.1-6.12\")", file, c->needs_kernel);
	for (const char *p = c->needs_kernel_features; p && *p;) {
		size_t n = strcspn(p, ",");
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (!ovl_kernel_feature(name))
			return WHY("%s: needs_kernel_features names '%s', which lib/host/release.c does not know",
				   file, name);
		p += n + (p[n] == ',');
	}
	if (c->fixture && fixtures_dir) {
		char path[4096];
		struct ovl_fixture *f = NULL;
		struct ovl_err err = { "" };
		int r;

		if (strstr(c->fixture, "..") || c->fixture[0] == '/')
			return WHY("%s: fixture '%s' must be a relative path inside fixtures/", file,
				   c->fixture);
		snprintf(path, sizeof(path), "%s/%s", fixtures_dir, c->fixture);
		r = ovl_fixture_load(path, &f, &err);
		if (r)
			return WHY("%s: fixture: %s", file, err.msg);
		for (size_t i = 0; i < ovl_fixture_count(f) && !r; i++) {
			const char *name = ovl_fixture_name_at(f, i);
			static const char *const lower_names[] = { "A", "B", "C" };
			bool ok = false;

			for (unsigned int k = 0; k < lowers; k++)
				ok |= strcmp(name, lower_names[k]) == 0;
			if (strcmp(name, "upper") == 0) {
				if (c->no_upper)
					r = WHY("%s: no_upper, but fixture %s has an [upper] tree", file,
						c->fixture);
				continue;
			}
			if (!ok)
				r = WHY("%s: fixture %s has a tree [%s]; with lowers=%u the layers are "
					"%s and upper", file, c->fixture, *name ? name : "(unnamed)",
					lowers, lowers == 1 ? "A" : lowers == 2 ? "A, B" : "A, B, C");
		}
		ovl_fixture_free(f);
		if (r)
			return r;
	}
	return 0;
}

int ovl_cases_validate(const struct ovl_case *const *cases, size_t n, const char *fixtures_dir,
		       char *why, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		int r = ovl_case_validate(cases[i], fixtures_dir, why, len);

		if (r)
			return r;
		for (size_t j = 0; j < i; j++) {
			if (cases[j]->number == cases[i]->number)
				return WHY("%s and %s both use number %u", cases[j]->file, cases[i]->file,
					   cases[i]->number);
			if (strcmp(cases[j]->slug, cases[i]->slug) == 0)
				return WHY("%s and %s both use slug '%s'", cases[j]->file,
					   cases[i]->file, cases[i]->slug);
		}
	}
	return 0;
}

struct tagfind {
	const char *tag;
	bool found;
};

static int find_tag(const char *s, size_t n, void *arg)
{
	struct tagfind *t = arg;

	if (strlen(t->tag) == n && strncmp(s, t->tag, n) == 0)
		t->found = true;
	return 0;
}

bool ovl_case_has_tag(const struct ovl_case *c, const char *tag)
{
	struct tagfind t = { tag, false };

	each_item(c->tags, find_tag, &t);
	return t.found;
}

bool ovl_case_selected(const struct ovl_case *c, const char *sel)
{
	char id[256], *end;
	unsigned long num;

	ovl_case_id(c, id, sizeof(id));
	if (strcmp(sel, id) == 0 || strcmp(sel, c->slug) == 0)
		return true;
	num = strtoul(sel, &end, 10);
	if (*sel && !*end)
		return num == c->number;
	return ovl_case_has_tag(c, sel);
}

bool ovl_selector_valid(const char *sel, const struct ovl_case *const *cases, size_t n)
{
	if (in_list(ovl_known_tags, sel, strlen(sel)))
		return true;
	for (size_t i = 0; i < n; i++)
		if (ovl_case_selected(cases[i], sel))
			return true;
	return false;
}

int ovl_case_user_xattrs(const struct ovl_case *c, const char *fixtures_dir, bool *uses, char *why, size_t len)
{
	char path[4096];
	struct ovl_fixture *f = NULL;
	struct ovl_err err = { "" };

	*uses = c->needs_user_xattrs;
	if (*uses || !c->fixture || !fixtures_dir)
		return 0;
	if (ovl_fmt(path, sizeof(path), "%s/%s", fixtures_dir, c->fixture) || ovl_fixture_load(path, &f, &err)) {
		snprintf(why, len, "fixture %s: %s", c->fixture, *err.msg ? err.msg : "path too long");
		return -EINVAL;
	}
	for (size_t i = 0; i < ovl_fixture_count(f) && !*uses; i++) {
		const struct ovl_tree *t = ovl_fixture_tree(f, ovl_fixture_name_at(f, i));

		for (size_t k = 0; t && k < ovl_tree_count(t) && !*uses; k++) {
			const struct ovl_entry *e = ovl_tree_entry_at(t, k);

			for (size_t x = 0; x < e->nxattrs && !*uses; x++)
				*uses = strncmp(e->xattrs[x].name, "user.", 5) == 0;
		}
	}
	ovl_fixture_free(f);
	return 0;
}
