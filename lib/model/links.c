// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/links.c - hard links: link(), the names of one upper inode
 * after a name goes, and the union's link counts.
 *
 * Deliberately wrong build, for the wrong-model tests (suite/tests/mutants.tsv,
 * scripts/mutants.sh):
 *  -DOVL_MODEL_WRONG_NLINK   an upper file's link count is 1, whatever names it has
 */
#define _GNU_SOURCE
#include "ovl-model.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include "ovl-common.h"
#include "model-private.h"

/*
 * Linked names in the upper tree: the inode's first name in canonical
 * order is the file, every other name links to it. Restore that after
 * names moved.
 */
int model_normalize_links(struct ovl_model *m)
{
	for (size_t i = 0; i < ovl_tree_count(m->upper); i++) {
		const struct ovl_entry *h = ovl_tree_entry_at(m->upper, i);
		struct ovl_entry file, ln;
		char *first, *old;
		int r = 0;

		/* a link that sorts before the file it names: it becomes the file */
		if (h->type != OVL_FT_HARDLINK || ovl_path_cmp(h->path, h->target) >= 0)
			continue;
		first = strdup(h->path);
		old = strdup(h->target);
		if (!first || !old) {
			free(first);
			free(old);
			return -ENOMEM;
		}
		file = *ovl_tree_lookup(m->upper, old);
		r = ovl_tree_replace(m->upper, first, &file);
		for (size_t j = 0; !r && j < ovl_tree_count(m->upper); j++) {
			const struct ovl_entry *o = ovl_tree_entry_at(m->upper, j);
			char *op;

			if (strcmp(o->path, first) == 0 ||
			    !(strcmp(o->path, old) == 0 || (o->type == OVL_FT_HARDLINK && strcmp(o->target, old) == 0)))
				continue;
			op = strdup(o->path);
			ln = (struct ovl_entry){ .type = OVL_FT_HARDLINK, .target = first, .layer = { -1 } };
			r = op ? ovl_tree_replace(m->upper, op, &ln) : -ENOMEM;
			free(op);
		}
		free(first);
		free(old);
		if (r)
			return r;
		i = (size_t)-1; /* start over: the order of the rest model_may have changed */
	}
	return 0;
}

/* The same inode under both names (rename between them does nothing)? */
static bool same_upper_inode(const struct ovl_model *m, const char *a, const char *b)
{
	const struct ovl_entry *x = ovl_tree_lookup(m->upper, a), *y = ovl_tree_lookup(m->upper, b);
	const char *ix, *iy;

	if (!x || !y)
		return false;
	ix = x->type == OVL_FT_HARDLINK ? x->target : a;
	iy = y->type == OVL_FT_HARDLINK ? y->target : b;
	return (x->type == OVL_FT_HARDLINK || y->type == OVL_FT_HARDLINK) && strcmp(ix, iy) == 0;
}

/*
 * One overlay inode under both names? Names of one upper inode are; with
 * index=on so are the names of one lower hard link (the overlay hashes
 * them by the lower inode); with index=off lower names never are.
 */
bool model_same_inode(const struct ovl_model *m, const struct ovl_tree *view, const char *a, const char *b)
{
	const struct ovl_entry *x = ovl_tree_lookup(view, a), *y = ovl_tree_lookup(view, b), *lx, *ly;
	uint64_t ix, iy;
	int la, lb;

	if (same_upper_inode(m, a, b))
		return true;
	if (!m->opt.index || !x || !y)
		return false;
	ix = model_view_id(m, view, x);
	iy = model_view_id(m, view, y);
	if (ix || iy)
		return ix == iy;
	return model_lower_key(m, view, x, &la, &lx) && model_lower_key(m, view, y, &lb, &ly) && la == lb && lx == ly &&
	       lx->nlink > 1;
}

/* link(2) of e (at op->path) as op->path2. */
int model_link(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
		      const struct ovl_entry *e, int *want_errno, struct ovl_err *err)
{
	const struct ovl_entry *pd = NULL, *u;
	char parent[PATH_MAX], *first, *second;
	int rc, r;

	rc = model_parent_errno(view, op->path2, parent, sizeof(parent), &pd);
	if (rc) {
		*want_errno = rc;
		return 0;
	}
	if (ovl_tree_lookup(view, op->path2)) {
		*want_errno = EEXIST;
		return 0;
	}
	if (e->type == OVL_FT_DIR) {
		*want_errno = EPERM;
		return 0;
	}
	if (e->type != OVL_FT_REG && e->type != OVL_FT_HARDLINK)
		return ovl_err_set(err, ENOTSUP, "model: linking a %s is not modelled", ovl_ftype_name(e->type));
	r = model_copy_up(m, view, op->path, err);
	if (!r && *parent)
		r = model_copy_up(m, view, parent, err);
	if (r)
		return r;
	/* a metacopy file's new name must find the data too: it takes an absolute redirect first */
	r = model_metacopy_link_redirect(m, op->path);
	if (r)
		return r;
	u = ovl_tree_lookup(m->upper, op->path);
	first = strdup(u->type == OVL_FT_HARDLINK ? u->target : op->path);
	if (first) {
		const struct ovl_entry *f = ovl_tree_lookup(m->upper, first);

		if (f && (f->flags & OVL_ENTRY_INDEXED) && model_idx_by_id(m, f->ino))
			model_idx_by_id(m, f->ino)->nlink++;
	}
	second = strdup(op->path2);
	if (first && second) {
		struct ovl_entry ln = { .type = OVL_FT_HARDLINK, .path = second, .target = first, .layer = { -1 } };

		/* over a whiteout */
		if (ovl_tree_lookup(m->upper, second))
			r = ovl_tree_remove(m->upper, second);
		if (!r)
			r = ovl_tree_add(m->upper, &ln, err);
		/* the inode's first name in canonical order is the file */
		if (!r)
			r = model_normalize_links(m);
	} else {
		r = -ENOMEM;
	}
	free(first);
	free(second);
	return r;
}

int ovl_model_nlink(const struct ovl_model *m, const char *path, unsigned long *nlink, struct ovl_err *err)
{
	struct ovl_tree *view = NULL;
	const struct ovl_entry *e, *t, *l;
	struct idx *x;
	int layer, r = ovl_model_view(m, &view, err);

	if (r)
		return r;
	e = ovl_tree_lookup(view, path);
	t = e && e->type == OVL_FT_HARDLINK ? ovl_tree_lookup(view, e->target) : e;
	if (!e || !t || t->type != OVL_FT_REG) {
		ovl_tree_unref(view);
		return ovl_err_set(err, EINVAL, "model: %s is not a file of the merged view", path);
	}
	if ((x = model_idx_by_id(m, model_view_id(m, view, e)))) {
		/* an indexed inode: the union's own count */
		*nlink = x->nlink;
	} else if (ovl_layer_is(t->layer, OVL_LAYER_UPPER)) {
		/* an upper inode: its names in the upper layer */
		const struct ovl_entry *u = ovl_tree_lookup(m->upper, t->path);
		const char *first = u && u->type == OVL_FT_HARDLINK ? u->target : t->path;

		*nlink = 1;
		for (size_t i = 0; i < ovl_tree_count(m->upper); i++) {
			const struct ovl_entry *h = ovl_tree_entry_at(m->upper, i);

			*nlink += h->type == OVL_FT_HARDLINK && strcmp(h->target, first) == 0;
		}
#ifdef OVL_MODEL_WRONG_NLINK
		*nlink = 1; /* Deliberately wrong: the names made by link() are not counted. */
#endif
	} else if (model_lower_key(m, view, e, &layer, &l)) {
		/* a lower inode: the lower file's count, names hidden or copied away included */
		*nlink = l->nlink;
	} else {
		r = ovl_err_set(err, EINVAL, "model: no inode for %s", path);
	}
	ovl_tree_unref(view);
	return r;
}

