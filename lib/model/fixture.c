// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/fixture.c - the fixture text format (see ovl-model.h): parser
 * and loader.
 */
#define _GNU_SOURCE
#include "ovl-model.h"
#include "ovl-common.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "tree-private.h"

/* ---- fixture parsing ------------------------------------------------------ */

struct ovl_fixture {
	size_t n;
	char **names;
	struct ovl_tree **trees;
};

void ovl_fixture_free(struct ovl_fixture *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->names[i]);
		ovl_tree_unref(f->trees[i]);
	}
	free(f->names);
	free(f->trees);
	free(f);
}

size_t ovl_fixture_count(const struct ovl_fixture *f)
{
	return f ? f->n : 0;
}

const char *ovl_fixture_name_at(const struct ovl_fixture *f, size_t i)
{
	return f && i < f->n ? f->names[i] : NULL;
}

struct ovl_tree *ovl_fixture_tree(const struct ovl_fixture *f, const char *name)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (strcmp(f->names[i], name) == 0)
			return f->trees[i];
	return NULL;
}

static int fixture_add_tree(struct ovl_fixture *f, const char *name)
{
	char **names = realloc(f->names, (f->n + 1) * sizeof(*names));
	struct ovl_tree **trees;

	if (!names)
		return -ENOMEM;
	f->names = names;
	trees = realloc(f->trees, (f->n + 1) * sizeof(*trees));
	if (!trees)
		return -ENOMEM;
	f->trees = trees;
	f->names[f->n] = strdup(name);
	f->trees[f->n] = ovl_tree_new();
	/* Every tree has its root, even one with no entries. */
	if (f->trees[f->n] && tree_add_parents(f->trees[f->n], "/.", NULL)) {
		ovl_tree_unref(f->trees[f->n]);
		f->trees[f->n] = NULL;
	}
	if (!f->names[f->n] || !f->trees[f->n]) {
		free(f->names[f->n]);
		ovl_tree_unref(f->trees[f->n]);
		return -ENOMEM;
	}
	f->n++;
	return 0;
}

static int parse_uint(const char *s, int base, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int tree_xattr_add(struct ovl_entry *e, const char *name, const unsigned char *val, size_t len)
{
	struct ovl_xattr *v;
	size_t at = 0;

	while (at < e->nxattrs && strcmp(e->xattrs[at].name, name) < 0)
		at++;
	if (at < e->nxattrs && strcmp(e->xattrs[at].name, name) == 0)
		return -EEXIST;
	v = realloc(e->xattrs, (e->nxattrs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	e->xattrs = v;
	memmove(&v[at + 1], &v[at], (e->nxattrs - at) * sizeof(*v));
	v[at].name = strdup(name);
	v[at].value = malloc(len ? len : 1);
	if (!v[at].name || !v[at].value) {
		free(v[at].name);
		free(v[at].value);
		memmove(&v[at], &v[at + 1], (e->nxattrs - at) * sizeof(*v));
		return -ENOMEM;
	}
	memcpy(v[at].value, val, len);
	v[at].len = len;
	e->nxattrs++;
	return 0;
}

void tree_xattr_del(struct ovl_entry *e, size_t at)
{
	free(e->xattrs[at].name);
	free(e->xattrs[at].value);
	memmove(&e->xattrs[at], &e->xattrs[at + 1], (e->nxattrs - at - 1) * sizeof(*e->xattrs));
	e->nxattrs--;
}

#define TOKEN_MAX 65536

/* Parse the attributes after "type path" into e. */
static int parse_attrs(const char *p, struct ovl_entry *e, bool *has_size, const char *where,
		       struct ovl_err *err)
{
	unsigned char *key = malloc(TOKEN_MAX), *val = malloc(TOKEN_MAX);
	int r = 0;

	if (!key || !val) {
		r = ovl_err_set(err, ENOMEM, "%s: out of memory", where);
		goto out;
	}
	for (;;) {
		unsigned long long u;
		ssize_t vlen = -1, klen;
		const char *k;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			break;
		klen = tree_token_read(&p, key, TOKEN_MAX, true);
		if (klen < 0) {
			r = ovl_err_set(err, EINVAL, "%s: bad escape or quote in attribute", where);
			goto out;
		}
		k = (const char *)key;
		if (*p == '=') {
			p++;
			vlen = tree_token_read(&p, val, TOKEN_MAX, false);
			if (vlen < 0) {
				r = ovl_err_set(err, EINVAL, "%s: %s: bad escape, quote or length in value",
						where, k);
				goto out;
			}
		}
		if (*p && !isspace((unsigned char)*p)) {
			r = ovl_err_set(err, EINVAL, "%s: %s: junk after value", where, k);
			goto out;
		}
		/* A NUL byte may stand in content and xattr values, nowhere else. */
		if (klen == 0 || strlen(k) != (size_t)klen ||
		    (vlen > 0 && strcmp(k, "data") != 0 && strncmp(k, "xattr.", 6) != 0 &&
		     memchr(val, 0, (size_t)vlen))) {
			r = ovl_err_set(err, EINVAL, "%s: %s: a NUL byte is allowed only in data= and "
					"xattr values", where, k);
			goto out;
		}
#define NEED_VALUE()                                                                          \
	do {                                                                                   \
		if (vlen < 0) {                                                                \
			r = ovl_err_set(err, EINVAL, "%s: %s needs a value (%s=...)", where, k, k); \
			goto out;                                                              \
		}                                                                              \
	} while (0)
#define BAD_VALUE()                                                                            \
	do {                                                                                    \
		r = ovl_err_set(err, EINVAL, "%s: %s: bad value '%s'", where, k, (char *)val);  \
		goto out;                                                                       \
	} while (0)
		if (strcmp(k, "mode") == 0) {
			NEED_VALUE();
			if (parse_uint((char *)val, 8, 07777, &u))
				BAD_VALUE();
			e->mode = (mode_t)u;
		} else if (strcmp(k, "uid") == 0 || strcmp(k, "gid") == 0) {
			NEED_VALUE();
			if (parse_uint((char *)val, 10, 0xfffffffeULL, &u))
				BAD_VALUE();
			if (k[0] == 'u')
				e->uid = (uid_t)u;
			else
				e->gid = (gid_t)u;
		} else if (strcmp(k, "data") == 0) {
			NEED_VALUE();
			free(e->data);
			e->data = malloc((size_t)vlen + 1);
			if (!e->data) {
				r = ovl_err_set(err, ENOMEM, "%s: out of memory", where);
				goto out;
			}
			memcpy(e->data, val, (size_t)vlen);
			e->data_len = (size_t)vlen;
		} else if (strcmp(k, "size") == 0) {
			NEED_VALUE();
			if (parse_uint((char *)val, 10, OVL_FIXTURE_MAX_SIZE, &u))
				BAD_VALUE();
			e->size = u;
			*has_size = true;
		} else if (strcmp(k, "fill") == 0) {
			NEED_VALUE();
			if (strcmp((char *)val, "zero") == 0)
				e->fill = OVL_FILL_ZERO;
			else if (strcmp((char *)val, "pattern") == 0)
				e->fill = OVL_FILL_PATTERN;
			else if (strcmp((char *)val, "hole") == 0)
				e->fill = OVL_FILL_HOLE;
			else
				BAD_VALUE();
		} else if (strcmp(k, "sha256") == 0) {
			NEED_VALUE();
			if (vlen != 64)
				BAD_VALUE();
			for (int i = 0; i < 32; i++) {
				int h = tree_hexval(val[2 * i]), l = tree_hexval(val[2 * i + 1]);

				if (h < 0 || l < 0 || isupper(val[2 * i]) || isupper(val[2 * i + 1]))
					BAD_VALUE();
				e->sha256[i] = (unsigned char)(h * 16 + l);
			}
			e->has_digest = true;
		} else if (strcmp(k, "target") == 0) {
			NEED_VALUE();
			/* a second target= replaces the first; a bad one leaves none behind to free twice */
			free(e->target);
			e->target = NULL;
			if (vlen == 0 || memchr(val, 0, (size_t)vlen))
				BAD_VALUE();
			e->target = strdup((char *)val);
			if (!e->target) {
				r = ovl_err_set(err, ENOMEM, "%s: out of memory", where);
				goto out;
			}
		} else if (strcmp(k, "dev") == 0) {
			char *colon;
			unsigned long long ma, mi;

			NEED_VALUE();
			colon = strchr((char *)val, ':');
			if (!colon)
				BAD_VALUE();
			*colon = 0;
			if (parse_uint((char *)val, 10, 0xfff, &ma) ||
			    parse_uint(colon + 1, 10, 0xfffff, &mi)) {
				*colon = ':';
				BAD_VALUE();
			}
			e->rdev_major = (unsigned int)ma;
			e->rdev_minor = (unsigned int)mi;
		} else if (strcmp(k, "opaque") == 0) {
			if (e->flags & (OVL_ENTRY_OPAQUE | OVL_ENTRY_XWHITEOUTS)) {
				r = ovl_err_set(err, EINVAL, "%s: opaque given twice", where);
				goto out;
			}
			if (vlen < 0 || strcmp((char *)val, "y") == 0)
				e->flags |= OVL_ENTRY_OPAQUE;
			else if (strcmp((char *)val, "x") == 0)
				e->flags |= OVL_ENTRY_XWHITEOUTS;
			else
				BAD_VALUE();
		} else if (strcmp(k, "refused") == 0) {
			if (vlen >= 0)
				BAD_VALUE();
			e->flags |= OVL_ENTRY_REFUSED;
		} else if (strcmp(k, "metacopy") == 0) {
			if (vlen >= 0)
				BAD_VALUE();
			e->flags |= OVL_ENTRY_METACOPY;
		} else if (strcmp(k, "form") == 0) {
			NEED_VALUE();
			if (strcmp((char *)val, "xattr") == 0)
				e->flags |= OVL_ENTRY_XATTR_FORM;
			else if (strcmp((char *)val, "chr") != 0)
				BAD_VALUE();
		} else if (strncmp(k, "xattr.", 6) == 0 && k[6]) {
			NEED_VALUE();
			if (strncmp(k + 6, OVL_XATTR_PREFIX, strlen(OVL_XATTR_PREFIX)) == 0 &&
			    (strcmp(k + 6, OVL_XATTR_OPAQUE) == 0 || strcmp(k + 6, OVL_XATTR_WHITEOUT) == 0 ||
			     strcmp(k + 6, OVL_XATTR_METACOPY) == 0)) {
				r = ovl_err_set(err, EINVAL, "%s: %s: use the opaque/whiteout/metacopy marks, not the raw xattr",
						where, k);
				goto out;
			}
			r = tree_xattr_add(e, k + 6, val, (size_t)vlen);
			if (r) {
				ovl_err_set(err, r, "%s: %s: %s", where, k,
					    r == -EEXIST ? "given twice" : "out of memory");
				goto out;
			}
		} else {
			r = ovl_err_set(err, EINVAL, "%s: unknown attribute '%s'", where, k);
			goto out;
		}
#undef NEED_VALUE
#undef BAD_VALUE
	}
out:
	free(key);
	free(val);
	return r;
}

/* Check that the attributes given make sense for the type. */
static int entry_check(struct ovl_entry *e, bool has_size, const char *where, struct ovl_err *err)
{
	bool is_dev = e->type == OVL_FT_CHR || e->type == OVL_FT_BLK;

	if ((e->flags & (OVL_ENTRY_OPAQUE | OVL_ENTRY_XWHITEOUTS)) && e->type != OVL_FT_DIR)
		return ovl_err_set(err, EINVAL, "%s: opaque applies to dirs only", where);
	if ((e->flags & OVL_ENTRY_REFUSED) && e->type != OVL_FT_WHITEOUT)
		return ovl_err_set(err, EINVAL, "%s: refused applies to whiteouts (names a merged view lists) only", where);
	if ((e->flags & OVL_ENTRY_METACOPY) && e->type != OVL_FT_REG)
		return ovl_err_set(err, EINVAL, "%s: metacopy applies to regular files only", where);
	if ((e->flags & OVL_ENTRY_XATTR_FORM) && e->type != OVL_FT_WHITEOUT)
		return ovl_err_set(err, EINVAL, "%s: form= applies to whiteouts only", where);
	if ((e->type == OVL_FT_LNK || e->type == OVL_FT_HARDLINK) != (e->target != NULL))
		return ovl_err_set(err, EINVAL, "%s: target= is %s for a %s", where,
				   e->target ? "not allowed" : "required", ovl_ftype_name(e->type));
	if (e->type == OVL_FT_HARDLINK && !tree_path_valid(e->target))
		return ovl_err_set(err, EINVAL, "%s: hardlink target '%s' is not an absolute tree path",
				   where, e->target);
	if (!is_dev && (e->rdev_major || e->rdev_minor))
		return ovl_err_set(err, EINVAL, "%s: dev= applies to chr/blk only", where);
	if (e->type == OVL_FT_REG) {
		unsigned char given[32];
		bool check = e->has_digest;

		if (e->data && (e->fill != OVL_FILL_NONE || (has_size && e->size != e->data_len)))
			return ovl_err_set(err, EINVAL, "%s: give data= or size=/fill=, not both", where);
		if (e->data)
			e->size = e->data_len;
		else if (has_size && e->fill == OVL_FILL_NONE && !e->has_digest)
			e->fill = OVL_FILL_ZERO;
		if (check && !e->data && e->fill == OVL_FILL_NONE && e->size > 0) {
			/* A dump line: content known by digest only; it cannot be materialized. */
			e->flags |= OVL_ENTRY_DIGEST_ONLY;
		} else {
			int r;

			memcpy(given, e->sha256, sizeof(given));
			r = tree_entry_digest_fixture(e);
			if (r)
				return ovl_err_set(err, r, "%s: cannot digest content", where);
			if (check && memcmp(given, e->sha256, sizeof(given)) != 0)
				return ovl_err_set(err, EINVAL, "%s: sha256= does not match the content given",
						   where);
		}
	}
	if (e->type == OVL_FT_CHR && e->rdev_major == 0 && e->rdev_minor == 0)
		return ovl_err_set(err, EINVAL, "%s: chr dev=0:0 is overlayfs' whiteout; write 'whiteout'",
				   where);
	if (e->type == OVL_FT_HARDLINK && (e->mode || e->uid || e->gid || e->nxattrs))
		return ovl_err_set(err, EINVAL, "%s: a hardlink takes no metadata (its target has it)",
				   where);
	if (e->type != OVL_FT_REG && (e->data || has_size || e->fill || e->has_digest))
		return ovl_err_set(err, EINVAL, "%s: content applies to regular files only", where);
	if (e->type == OVL_FT_WHITEOUT &&
	    (e->mode || e->uid || e->gid || e->nxattrs))
		return ovl_err_set(err, EINVAL, "%s: a whiteout takes no metadata", where);
	return 0;
}

/*
 * The canonical form of a hard-link group, as a scan sees it: the name
 * first in canonical order is the file, every other name links to it.
 */
static int canonical_hardlinks(struct ovl_tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct ovl_entry *h = &t->v[i], file, link = { .type = OVL_FT_HARDLINK, .layer = { -1 } };
		char *old_target, *first;
		size_t ti;
		int r;

		if (h->type != OVL_FT_HARDLINK || ovl_path_cmp(h->path, h->target) > 0)
			continue;
		/* h sorts before its target: h becomes the file, the others link to h. */
		old_target = strdup(h->target);
		first = strdup(h->path);
		if (!old_target || !first || ovl_tree_find_index(t, old_target, &ti)) {
			free(old_target);
			free(first);
			return old_target && first ? -EINVAL : -ENOMEM;
		}
		file = t->v[ti];
		r = ovl_tree_replace(t, first, &file);
		link.target = first;
		if (!r)
			r = ovl_tree_replace(t, old_target, &link);
		for (size_t k = 0; k < t->n && !r; k++)
			if (t->v[k].type == OVL_FT_HARDLINK && strcmp(t->v[k].target, old_target) == 0 &&
			    strcmp(t->v[k].path, first) != 0)
				r = ovl_tree_replace(t, t->v[k].path, &link);
		free(old_target);
		free(first);
		if (r)
			return r;
	}
	return 0;
}

static void strip_comment_newline(char *line)
{
	size_t n = strlen(line);

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
}

int ovl_fixture_parse(const char *text, const char *origin, struct ovl_fixture **out,
		      struct ovl_err *err)
{
	struct ovl_fixture *f = calloc(1, sizeof(*f));
	struct ovl_tree *cur = NULL;
	const char *p = text;
	unsigned int lineno = 0;
	bool root_given = false;
	int r = 0;

	if (!f)
		return ovl_err_set(err, ENOMEM, "%s: out of memory", origin);
	while (*p) {
		const char *nl = strchrnul(p, '\n');
		size_t len = (size_t)(nl - p);
		char *line = strndup(p, len), *s;
		char where[PATH_MAX + 64], word[32];
		unsigned char *path = NULL;
		struct ovl_entry e = { .layer = { -1 } };
		bool has_size = false;
		size_t wl = 0;
		ssize_t plen;

		p = *nl ? nl + 1 : nl;
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", origin, lineno);
		if (!line) {
			r = ovl_err_set(err, ENOMEM, "%s: out of memory", where);
			goto fail;
		}
		strip_comment_newline(line);
		s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#') {
			free(line);
			continue;
		}
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (!end || end == s + 1 || end[1]) {
				free(line);
				r = ovl_err_set(err, EINVAL, "%s: bad section header (want [name])", where);
				goto fail;
			}
			*end = 0;
			if (ovl_fixture_tree(f, s + 1)) {
				r = ovl_err_set(err, EEXIST, "%s: tree [%s] given twice", where, s + 1);
				free(line);
				goto fail;
			}
			r = fixture_add_tree(f, s + 1);
			cur = r ? NULL : f->trees[f->n - 1];
			root_given = false;
			free(line);
			if (r) {
				ovl_err_set(err, r, "%s: out of memory", where);
				goto fail;
			}
			continue;
		}
		while (s[wl] && !isspace((unsigned char)s[wl]) && wl < sizeof(word) - 1) {
			word[wl] = s[wl];
			wl++;
		}
		word[wl] = 0;
		if (tree_ftype_from_name(word, &e.type)) {
			r = ovl_err_set(err, EINVAL, "%s: unknown entry type '%s'", where, word);
			free(line);
			goto fail;
		}
		s += wl;
		while (isspace((unsigned char)*s))
			s++;
		path = malloc(PATH_MAX);
		if (!path || *s == '"' || (plen = tree_token_read((const char **)&s, path, PATH_MAX, false)) <= 0 ||
		    strlen((char *)path) != (size_t)plen) {
			r = ovl_err_set(err, EINVAL, "%s: missing or badly escaped path (or a NUL in it)", where);
			free(path);
			free(line);
			goto fail;
		}
		snprintf(where, sizeof(where), "%s:%u: %s", origin, lineno, (char *)path);
		e.mode = e.type == OVL_FT_DIR ? 0755 : e.type == OVL_FT_LNK ? 0777 : 0644;
		if (e.type == OVL_FT_WHITEOUT || e.type == OVL_FT_HARDLINK)
			e.mode = 0;
		e.path = (char *)path;
		r = parse_attrs(s, &e, &has_size, where, err);
		if (!r)
			r = entry_check(&e, has_size, where, err);
		if (!r && !cur) {
			if (f->n) {
				r = ovl_err_set(err, EINVAL, "%s: entry before the first [tree]", where);
			} else {
				r = fixture_add_tree(f, "");
				cur = r ? NULL : f->trees[0];
				if (r)
					ovl_err_set(err, r, "%s: out of memory", where);
			}
		}
		if (!r && strcmp(e.path, "/") == 0 && e.type == OVL_FT_DIR && !root_given) {
			/* The root is implied; an explicit "dir /" sets its metadata. */
			root_given = true;
			r = ovl_tree_replace(cur, "/", &e);
			if (r)
				ovl_err_set(err, r, "%s: out of memory", where);
		} else if (!r) {
			r = ovl_tree_add(cur, &e, err);
			if (r)
				ovl_err_prefix(err, "%s:%u: ", origin, lineno);
		}
		tree_entry_clear(&e);
		free(line);
		if (r)
			goto fail;
	}
	/*
	 * Hardlinks must name a regular file of the same tree; xattr-form
	 * whiteouts count as whiteouts only in a dir marked opaque=x.
	 */
	for (size_t i = 0; i < f->n; i++) {
		for (size_t j = 0; j < f->trees[i]->n; j++) {
			const struct ovl_entry *h = &f->trees[i]->v[j], *t;

			if (h->type == OVL_FT_WHITEOUT && (h->flags & OVL_ENTRY_XATTR_FORM)) {
				char parent[PATH_MAX];
				const char *slash = strrchr(h->path, '/');

				snprintf(parent, sizeof(parent), "%.*s", slash == h->path ? 1 : (int)(slash - h->path),
					 h->path);
				t = ovl_tree_lookup(f->trees[i], parent);
				if (!t || !(t->flags & OVL_ENTRY_XWHITEOUTS)) {
					r = ovl_err_set(err, EINVAL, "%s: whiteout %s form=xattr: its dir %s must "
							"be marked opaque=x", origin, h->path, parent);
					goto fail;
				}
			}
			if (h->type != OVL_FT_HARDLINK)
				continue;
			t = ovl_tree_lookup(f->trees[i], h->target);
			if (!t || t->type != OVL_FT_REG) {
				r = ovl_err_set(err, EINVAL, "%s: hardlink %s: target %s is not a regular "
						"file of the same tree", origin, h->path, h->target);
				goto fail;
			}
		}
	}
	for (size_t i = 0; i < f->n && !r; i++)
		r = canonical_hardlinks(f->trees[i]);
	if (r) {
		ovl_err_set(err, r, "%s: out of memory", origin);
		goto fail;
	}
	if (f->n == 0 && (r = fixture_add_tree(f, "")))
		goto fail;
	*out = f;
	return 0;
fail:
	ovl_fixture_free(f);
	return r;
}

int ovl_fixture_load(const char *file, struct ovl_fixture **out, struct ovl_err *err)
{
	char *text = NULL;
	size_t len;
	int r = ovl_read_file(file, &text, &len, 16u << 20);

	if (r)
		return ovl_err_set(err, r, "%s: cannot read fixture: %s", file, strerror(-r));
	if (memchr(text, 0, len)) {
		free(text);
		return ovl_err_set(err, EINVAL, "%s: fixture holds a NUL byte", file);
	}
	r = ovl_fixture_parse(text, file, out, err);
	free(text);
	return r;
}
