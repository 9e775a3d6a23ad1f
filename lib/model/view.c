// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/view.c - the union view overlayfs must present, computed from layer
 * trees. See ovl-model.h for the rules.
 *
 * Deliberately wrong builds, each breaking one rule, for the wrong-model
 * tests (suite/tests/mutants.tsv, scripts/mutants.sh; the first one for
 * suite/tests/harness.sh too). Never ship them.
 *  -DOVL_MODEL_FLIP_PRECEDENCE      the lowest layer wins
 *  -DOVL_MODEL_WRONG_MERGE          a dir below the root shows only its topmost layer's names
 *  -DOVL_MODEL_WRONG_XATTR_WHITEOUT a whiteout in the xattr form hides nothing
 *  -DOVL_MODEL_WRONG_LOWER_REDIRECT a redirect is followed only from the upper layer
 *  -DOVL_MODEL_WRONG_NOFOLLOW       redirect_dir=nofollow follows redirects all the same
 *  -DOVL_MODEL_WRONG_METACOPY_VIEW  a metacopy file shows its own (empty) data, not the lower's
 *  -DOVL_MODEL_WRONG_DATA_ONLY      data-only layers merge by name like any lower
 */
#define _GNU_SOURCE
#include "ovl-model.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct merge {
	const struct ovl_tree **layers;	/* top first; index = layer number */
	size_t nlayers;
	size_t nregular;		/* the layers before the data-only ones */
	struct ovl_merge_options opt;
	struct ovl_tree *out;
	struct ovl_err *err;
};

struct cand {
	const char *name;
	size_t rank;		/* position in this dir's layer list, 0 = top */
	const struct ovl_entry *e;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static void child_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", strcmp(dir, "/") ? dir : "", name);
}

/*
 * Add v at path to the merged tree as the mount shows it: from layer, no
 * overlay marks (flags, trusted.overlay.* xattrs).
 */
static int add_visible(struct ovl_tree *out, const struct ovl_entry *e, size_t layer, const char *path,
		       unsigned int flags, struct ovl_err *err)
{
	struct ovl_entry v = *e;
	struct ovl_xattr *keep = NULL;
	size_t nkeep = 0;
	int r;

	v.path = (char *)path;
	v.layer.n = (int)layer;
	v.flags = flags;
	v.layer_path = e->path && strcmp(e->path, path) != 0 ? e->path : NULL;
	if (v.nxattrs) {
		keep = calloc(v.nxattrs, sizeof(*keep));
		if (!keep)
			return -ENOMEM;
		for (size_t i = 0; i < v.nxattrs; i++)
			if (strncmp(v.xattrs[i].name, "trusted.overlay.", 16) != 0)
				keep[nkeep++] = v.xattrs[i];
	}
	v.xattrs = keep;
	v.nxattrs = nkeep;
	r = ovl_tree_find_index(out, path, &(size_t){ 0 }) == 0 ? ovl_tree_replace(out, path, &v)
								: ovl_tree_add(out, &v, err);
	free(keep);
	return r;
}

/* Emit e (from layer) at path into the merged tree. */
static int emit(struct merge *m, const struct ovl_entry *e, size_t layer, const char *path, unsigned int flags)
{
	if (e->type == OVL_FT_HARDLINK && !ovl_tree_lookup(m->layers[layer], e->target)) {
		char name[32];

		return ovl_err_set(m->err, EINVAL, "layer %s: %s: hardlink target %s missing",
				   ovl_layer_format((struct ovl_layer){ (int)layer }, name, sizeof(name)), e->path,
				   e->target);
	}
	if (e->type == OVL_FT_WHITEOUT && (e->flags & OVL_ENTRY_XATTR_FORM) &&
	    layer == (size_t)OVL_LAYER_UPPER.n) {
		/* The xattr form is a whiteout in lower layers only; in upper it is an empty file. */
		struct ovl_entry f = { .type = OVL_FT_REG, .mode = 0644, .has_digest = true };

		/* sha256 of no bytes (FIPS 180-2) */
		memcpy(f.sha256, "\xe3\xb0\xc4\x42\x98\xfc\x1c\x14\x9a\xfb\xf4\xc8\x99\x6f\xb9\x24"
			"\x27\xae\x41\xe4\x64\x9b\x93\x4c\xa4\x95\x99\x1b\x78\x52\xb8\x55", 32);
		return add_visible(m->out, &f, layer, path, 0, m->err);
	}
	return add_visible(m->out, e, layer, path, flags, m->err);
}

/* Does e, in layer, hide its name? (The xattr form counts in lower layers only.) */
static bool hides(const struct ovl_entry *e, size_t layer)
{
#ifdef OVL_MODEL_WRONG_XATTR_WHITEOUT
	/* Deliberately wrong: only a 0/0 char device whites out. */
	return e->type == OVL_FT_WHITEOUT && !(e->flags & OVL_ENTRY_XATTR_FORM);
#endif
	return e->type == OVL_FT_WHITEOUT &&
	       !((e->flags & OVL_ENTRY_XATTR_FORM) && layer == (size_t)OVL_LAYER_UPPER.n);
}

/* One layer of a merged dir: the layer and the dir's path in it (a redirect moves it). */
struct lay {
	size_t layer;
	char *path;
};

static void lays_free(struct lay *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].path);
	free(l);
}

/* The redirect xattr of a lower or upper dir (value, *len bytes, not NUL-terminated), or NULL. */
static const char *redirect_of(const struct ovl_entry *e, size_t *len)
{
	for (size_t i = 0; i < e->nxattrs; i++)
		if (strcmp(e->xattrs[i].name, OVL_MODEL_XATTR_REDIRECT) == 0 && e->xattrs[i].len &&
		    e->xattrs[i].len < 4096 && !memchr(e->xattrs[i].value, 0, e->xattrs[i].len)) {
			*len = e->xattrs[i].len;
			return (const char *)e->xattrs[i].value;
		}
	return NULL;
}

/*
 * Where the layers below look for a dir after e: a redirect "/x/y" sends
 * them to that path from every lower layer's root; a relative one "n"
 * replaces the last component of what is looked up (the name within the
 * parent's layers, or the absolute path already taken).
 */
static void follow_redirect(const struct merge *m, const struct ovl_entry *e, char *name, size_t len,
			    bool *absolute)
{
	size_t vlen = 0;
	const char *rd = redirect_of(e, &vlen);

#ifdef OVL_MODEL_WRONG_NOFOLLOW
	(void)m; /* Deliberately wrong: redirects are followed whatever the mount says. */
#else
	if (m->opt.nofollow)
		return;
#endif
	if (!rd)
		return;
	if (rd[0] == '/') {
		snprintf(name, len, "%.*s", (int)vlen, rd);
		*absolute = true;
	} else if (*absolute) {
		char *slash = strrchr(name, '/');

		snprintf(slash + 1, len - (size_t)(slash + 1 - name), "%.*s", (int)vlen, rd);
	} else {
		snprintf(name, len, "%.*s", (int)vlen, rd);
	}
}

/*
 * The layers that the dir top (found in list[rank] under name) merges:
 * down the parent's layers (or, after an absolute redirect, every lower
 * layer below) to an opaque dir, a non-dir or a whiteout.
 */
static int dir_stack(struct merge *m, const struct lay *list, size_t n, size_t rank,
		     const struct ovl_entry *top, const char *name, struct lay **out, size_t *nout, bool *refused)
{
	char look[4096], at[4096];
	bool absolute = false;
	const struct ovl_entry *e = top;
	size_t nsub = 0, last = list[rank].layer;
	struct lay *sub = calloc(m->nlayers, sizeof(*sub));

	if (!sub)
		return -ENOMEM;
	child_path(at, sizeof(at), list[rank].path, name);
	snprintf(look, sizeof(look), "%s", name);
	for (size_t k = rank + 1;;) {
		const struct ovl_entry *f = NULL;
		size_t layer = last;

		sub[nsub].layer = last;
		if (!(sub[nsub++].path = strdup(at))) {
			lays_free(sub, nsub);
			return -ENOMEM;
		}
		if ((e->flags & OVL_ENTRY_OPAQUE) || nsub == m->nlayers)
			break;
#ifdef OVL_MODEL_WRONG_MERGE
		break; /* Deliberately wrong: the layers below are not looked at. */
#endif
		{
			size_t vlen;

			/* a redirect it may not follow, with layers left to look in: the lookup is refused */
			if (m->opt.nofollow && redirect_of(e, &vlen) && (absolute ? last + 1 < m->nregular : k < n)) {
#ifdef OVL_MODEL_WRONG_NOFOLLOW
				(void)refused;
#else
				*refused = true;
				break;
#endif
			}
		}
#ifdef OVL_MODEL_WRONG_LOWER_REDIRECT
		/* Deliberately wrong: a lower layer's own redirect is not followed. */
		if (last == (size_t)OVL_LAYER_UPPER.n)
#endif
		follow_redirect(m, e, look, sizeof(look), &absolute);
		if (absolute) {
			/* every lower layer below the last one, from its root (a dir never in a data-only one) */
			for (layer = last + 1; layer < m->nregular && !f; layer++)
				f = m->layers[layer] ? ovl_tree_lookup(m->layers[layer], look) : NULL;
			layer--;
			snprintf(at, sizeof(at), "%s", look);
		} else {
			for (; k < n && !f; k++) {
				child_path(at, sizeof(at), list[k].path, look);
				f = ovl_tree_lookup(m->layers[list[k].layer], at);
				layer = list[k].layer;
			}
		}
		if (!f || f->type != OVL_FT_DIR) /* a whiteout or a non-dir ends the merge */
			break;
		last = layer;
		e = f;
	}
	*out = sub;
	*nout = nsub;
	return 0;
}

/*
 * Where metacopy file e (found in list[rank] under name) has its data: the
 * first regular file below that is not metacopy itself, looked up at e's
 * redirect (absolute: from the root of every lower layer below, data-only
 * ones too; relative: a name in the dir's layers) or at its own name in the
 * dir's layers. 0 with *src and *src_layer, or -EIO.
 */
static int metacopy_data(struct merge *m, const struct lay *list, size_t n, size_t rank, const struct ovl_entry *e,
			 const char *path, const struct ovl_entry **src, size_t *src_layer)
{
	char look[4096];
	bool absolute = false;
	size_t k = rank + 1, last = list[rank].layer;

	snprintf(look, sizeof(look), "%s", ovl_path_basename(e->path));
	for (size_t step = 0; step < m->nlayers; step++) {
		const struct ovl_entry *f = NULL;
		size_t layer = last;

		follow_redirect(m, e, look, sizeof(look), &absolute);
		if (absolute) {
			for (layer = last + 1; layer < m->nlayers && !f; layer++)
				f = m->layers[layer] ? ovl_tree_lookup(m->layers[layer], look) : NULL;
			layer--;
		} else {
			for (; k < n && !f; k++) {
				char at[4096];

				child_path(at, sizeof(at), list[k].path, look);
				f = ovl_tree_lookup(m->layers[list[k].layer], at);
				layer = list[k].layer;
			}
		}
		/* another name of a lower inode: the data is the inode's */
		if (f && f->type == OVL_FT_HARDLINK && m->layers[layer])
			f = ovl_tree_lookup(m->layers[layer], f->target);
		if (!f || f->type != OVL_FT_REG)
			break;
		if (!(f->flags & OVL_ENTRY_METACOPY)) {
			*src = f;
			*src_layer = layer;
			return 0;
		}
		if (absolute)
			snprintf(look, sizeof(look), "%s", f->path);
		e = f;
		last = layer;
	}
	return ovl_err_set(m->err, EIO, "model: %s is a metacopy file with no data below it (%s%s)", path,
			   absolute ? "looked up at " : "looked up as ", look);
}

/* Emit metacopy file e (from layer) at path: its own metadata, src's data (from src_layer). */
static int emit_metacopy(struct merge *m, const struct ovl_entry *e, size_t layer, const char *path,
			 const struct ovl_entry *src, size_t src_layer)
{
	struct ovl_entry v = *e;

#ifdef OVL_MODEL_WRONG_METACOPY_VIEW
	/* Deliberately wrong: the metadata-only copy is read as it is. */
	return add_visible(m->out, e, layer, path, 0, m->err);
#endif
	v.size = src->size;
	v.has_digest = src->has_digest;
	memcpy(v.sha256, src->sha256, sizeof(v.sha256));
	v.data = src->data;
	v.data_len = src->data_len;
	v.data_ref = src->data_ref;
	v.fill = src->fill;
	v.data_path = src->path;
	v.data_layer.n = (int)src_layer;
	return add_visible(m->out, &v, layer, path, 0, m->err);
}

/* Merge directory `path` whose layers (top first) are list[0..n). */
static int merge_dir(struct merge *m, const char *path, const struct lay *list, size_t n)
{
	struct cand *c = NULL;
	size_t nc = 0, cap = 0;
	int r = 0;

	for (size_t k = 0; k < n; k++) {
		const struct ovl_tree *t = m->layers[list[k].layer];
		const char *dir = list[k].path;
		size_t i;

		if (ovl_tree_find_index(t, dir, &i))
			continue;
		for (i++; i < ovl_tree_count(t); i++) {
			const struct ovl_entry *e = ovl_tree_entry_at(t, i);
			const char *name = ovl_path_basename(e->path);

			if (!ovl_path_is_below(e->path, dir))
				break;
			if (name - e->path != (ptrdiff_t)strlen(dir) + (strcmp(dir, "/") != 0))
				continue; /* deeper than a direct child */
			if (nc == cap) {
				struct cand *nv;

				cap = cap ? cap * 2 : 64;
				nv = realloc(c, cap * sizeof(*c));
				if (!nv) {
					free(c);
					return -ENOMEM;
				}
				c = nv;
			}
			c[nc++] = (struct cand){ name, k, e };
		}
	}
	if (nc)
		qsort(c, nc, sizeof(*c), cand_cmp);
	for (size_t i = 0; i < nc && !r; i++) {
		const struct cand *top = &c[i];
		char child[4096];
		struct lay *sub;
		size_t nsub;
		bool refused = false;

		if (i > 0 && strcmp(c[i - 1].name, top->name) == 0)
			continue; /* a higher layer already decided this name */
		if (hides(top->e, list[top->rank].layer))
			continue;
		child_path(child, sizeof(child), path, top->name);
		if (top->e->type == OVL_FT_REG && (top->e->flags & OVL_ENTRY_METACOPY)) {
			const struct ovl_entry *src = NULL;
			size_t src_layer = 0;

			r = metacopy_data(m, list, n, top->rank, top->e, child, &src, &src_layer);
			if (!r)
				r = emit_metacopy(m, top->e, list[top->rank].layer, child, src, src_layer);
			continue;
		}
		if (top->e->type != OVL_FT_DIR) {
			r = emit(m, top->e, list[top->rank].layer, child, 0);
			continue;
		}
		r = dir_stack(m, list, n, top->rank, top->e, top->name, &sub, &nsub, &refused);
		if (r)
			break;
		if (refused) {
			struct ovl_entry wh = { .type = OVL_FT_WHITEOUT };

			lays_free(sub, nsub);
			r = add_visible(m->out, &wh, list[top->rank].layer, child, OVL_ENTRY_REFUSED, m->err);
			continue;
		}
		r = emit(m, top->e, list[top->rank].layer, child, nsub > 1 ? OVL_ENTRY_MERGED : 0);
		if (!r)
			r = merge_dir(m, child, sub, nsub);
		lays_free(sub, nsub);
	}
	free(c);
	return r;
}

/*
 * A name that is a hard link in its layer stays a link in the merged view
 * while the name it links to shows the same inode (same layer); when that
 * name is hidden, the first visible name of the inode shows it as a file
 * and the others link to that name.
 */
static int resolve_hardlinks(struct merge *m)
{
	for (size_t i = 0; i < ovl_tree_count(m->out); i++) {
		const struct ovl_entry *h = ovl_tree_entry_at(m->out, i), *t;
		const struct ovl_entry *primary = NULL;
		struct ovl_entry v;
		char *path;
		int r;

		if (h->type != OVL_FT_HARDLINK)
			continue;
		t = ovl_tree_lookup(m->out, h->target);
		if (t && t->type == OVL_FT_REG && t->layer.n == h->layer.n)
			continue;
		/* An earlier name of the same inode already promoted? */
		for (size_t j = 0; j < i && !primary; j++) {
			const struct ovl_entry *o = ovl_tree_entry_at(m->out, j);

			if (o->layer.n == h->layer.n && o->type == OVL_FT_REG && o->target &&
			    strcmp(o->target, h->target) == 0)
				primary = o;
		}
		path = strdup(h->path);
		if (!path)
			return -ENOMEM;
		if (primary) {
			v = (struct ovl_entry){ .type = OVL_FT_HARDLINK, .target = primary->path,
						.layer = h->layer };
			r = ovl_tree_replace(m->out, path, &v);
		} else {
			v = *ovl_tree_lookup(m->layers[h->layer.n], h->target);
			v.target = h->target; /* remembered for the names that follow */
			r = add_visible(m->out, &v, (size_t)h->layer.n, path, 0, m->err);
		}
		free(path);
		if (r)
			return r;
	}
	/* Promoted files do not keep the remembered link target. */
	for (size_t i = 0; i < ovl_tree_count(m->out); i++) {
		const struct ovl_entry *e = ovl_tree_entry_at(m->out, i);

		if (e->type == OVL_FT_REG && e->target) {
			struct ovl_entry v = *e;
			char *path = strdup(e->path);
			int r;

			if (!path)
				return -ENOMEM;
			v.target = NULL;
			r = ovl_tree_replace(m->out, path, &v);
			free(path);
			if (r)
				return r;
		}
	}
	return 0;
}

int ovl_model_merge(const struct ovl_tree *upper, const struct ovl_tree *const *lowers,
		    size_t nlowers, struct ovl_tree **out, struct ovl_err *err)
{
	return ovl_model_merge_opts(upper, lowers, nlowers, NULL, out, err);
}

int ovl_model_merge_opts(const struct ovl_tree *upper, const struct ovl_tree *const *lowers, size_t nlowers,
			 const struct ovl_merge_options *opt, struct ovl_tree **out, struct ovl_err *err)
{
	struct merge m = { .err = err, .opt = opt ? *opt : (struct ovl_merge_options){ 0 } };
	struct lay *list = NULL;
	size_t n = 0;
	const struct ovl_entry *root = NULL;
	int r;

	if (nlowers == 0 || nlowers + 1 > OVL_MODEL_MAX_LAYERS)
		return ovl_err_set(err, EINVAL, "model: %zu lower layers (want 1..%d)", nlowers,
				   OVL_MODEL_MAX_LAYERS - 1);
	if (m.opt.ndata >= nlowers)
		return ovl_err_set(err, EINVAL, "model: %zu of %zu lower layers data-only (at least one must not be)",
				   m.opt.ndata, nlowers);
	m.nlayers = nlowers + 1;
	m.nregular = m.nlayers - m.opt.ndata;
#ifdef OVL_MODEL_WRONG_DATA_ONLY
	m.nregular = m.nlayers; /* Deliberately wrong: data-only layers show their names. */
#endif
	m.layers = calloc(m.nlayers, sizeof(*m.layers));
	list = calloc(m.nlayers, sizeof(*list));
	m.out = ovl_tree_new();
	if (!m.layers || !list || !m.out) {
		r = ovl_err_set(err, ENOMEM, "model: out of memory");
		goto out;
	}
	m.layers[OVL_LAYER_UPPER.n] = upper;
	for (size_t i = 0; i < nlowers; i++)
		m.layers[OVL_LAYER_LOWER(i).n] = lowers[i];
	for (size_t i = upper ? 0 : 1; i < m.nregular; i++) {
		const struct ovl_entry *e = ovl_tree_lookup(m.layers[i], "/");

		if (!e || e->type != OVL_FT_DIR) {
			char name[32];

			r = ovl_err_set(err, EINVAL, "model: layer %s has no root directory",
					ovl_layer_format((struct ovl_layer){ (int)i }, name, sizeof(name)));
			goto out;
		}
		list[n].layer = i;
		list[n++].path = (char *)"/";
	}
#ifdef OVL_MODEL_FLIP_PRECEDENCE
	for (size_t i = 0; i < n / 2; i++) {
		struct lay tmp = list[i];

		list[i] = list[n - 1 - i];
		list[n - 1 - i] = tmp;
	}
#endif
	/* The merged root takes its metadata from the top layer; it is never opaque. */
	root = ovl_tree_lookup(m.layers[list[0].layer], "/");
	r = emit(&m, root, list[0].layer, "/", n > 1 ? OVL_ENTRY_MERGED : 0);
	if (!r)
		r = merge_dir(&m, "/", list, n);
	if (!r)
		r = resolve_hardlinks(&m);
	if (r && err && !err->msg[0])
		ovl_err_set(err, r, "model: %s", strerror(-r));
out:
	free(m.layers);
	free(list);
	if (r) {
		ovl_tree_unref(m.out);
		return r;
	}
	*out = m.out;
	return 0;
}

int ovl_model_merge_dirs(const char *upper, const char *const *lowers, size_t nlowers,
			 struct ovl_tree **out, struct ovl_err *err)
{
	return ovl_model_merge_dirs_opts(upper, lowers, nlowers, NULL, out, err);
}

int ovl_model_merge_dirs_opts(const char *upper, const char *const *lowers, size_t nlowers,
			      const struct ovl_merge_options *opt, struct ovl_tree **out, struct ovl_err *err)
{
	struct ovl_tree *up = NULL, **lo = calloc(nlowers ? nlowers : 1, sizeof(*lo));
	int r = 0;

	if (!lo)
		return ovl_err_set(err, ENOMEM, "model: out of memory");
	if (upper)
		r = ovl_tree_scan(upper, OVL_SCAN_UPPER, &up, err);
	for (size_t i = 0; i < nlowers && !r; i++)
		r = ovl_tree_scan(lowers[i], 0, &lo[i], err);
	if (!r)
		r = ovl_model_merge_opts(up, (const struct ovl_tree *const *)lo, nlowers, opt, out, err);
	ovl_tree_unref(up);
	for (size_t i = 0; i < nlowers; i++)
		ovl_tree_unref(lo[i]);
	free(lo);
	return r;
}
