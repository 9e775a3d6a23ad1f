// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/renames.c - rename, RENAME_EXCHANGE and RENAME_NOREPLACE: files
 * and dirs, redirect_dir's redirects as the kernel builds them, opaque
 * marks that move with a dir, EXDEV without redirect_dir.
 *
 * Deliberately wrong builds, each breaking one rule, for the wrong-model
 * tests (suite/tests/mutants.tsv, scripts/mutants.sh):
 *  -DOVL_MODEL_WRONG_RENAME_WHITEOUT  the old name of a renamed lower file or dir gets no whiteout
 *  -DOVL_MODEL_WRONG_REDIRECT         a dir moved within its parent gets an absolute redirect
 *  -DOVL_MODEL_WRONG_EXDEV            with redirect_dir=off a dir with lower layers moves (no EXDEV)
 *  -DOVL_MODEL_WRONG_METACOPY_REDIRECT a renamed metacopy file takes no redirect to its data
 *  -DOVL_MODEL_WRONG_RENAME_ORDER     a file onto its ancestor dir is EISDIR, not ENOTEMPTY
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

static const char *upper_redirect(const struct ovl_model *m, const char *path, size_t *len)
{
	const struct ovl_entry *u = ovl_tree_lookup(m->upper, path);

	for (size_t i = 0; u && i < u->nxattrs; i++)
		if (strcmp(u->xattrs[i].name, OVL_MODEL_XATTR_REDIRECT) == 0 && u->xattrs[i].len) {
			*len = u->xattrs[i].len;
			return (const char *)u->xattrs[i].value;
		}
	return NULL;
}

/*
 * The redirect a dir at path gets when it moves (samedir: within its
 * parent): a redirect it has is kept when it is absolute or the move stays
 * in the dir; within the dir it is the old name; else the absolute path of
 * where its lower layers are, built upwards from the old path, an
 * ancestor's own redirect standing in for its name (and ending the walk
 * when absolute). As the kernel's ovl_set_redirect() does.
 */
static int make_redirect(const struct ovl_model *m, const char *path, bool samedir, char *out, size_t outlen,
			 bool *keep)
{
	char p[PATH_MAX], buf[PATH_MAX * 2];
	size_t at = sizeof(buf) - 1, len = 0;
	const char *rd = upper_redirect(m, path, &len);

	*keep = rd && (samedir || rd[0] == '/');
	if (*keep)
		return 0;
#ifdef OVL_MODEL_WRONG_REDIRECT
	/* Deliberately wrong: a move within the dir also takes the absolute path. */
	samedir = false;
#endif
	if (samedir) {
		snprintf(out, outlen, "%s", ovl_path_basename(path));
		return 0;
	}
	buf[at] = 0;
	snprintf(p, sizeof(p), "%s", path);
	while (strcmp(p, "/") != 0 && *p) {
		const char *name = upper_redirect(m, p, &len);
		char *slash;

		if (!name) {
			name = ovl_path_basename(p);
			len = strlen(name);
		}
		if (len + 1 > at)
			return -ENAMETOOLONG;
		at -= len;
		memcpy(buf + at, name, len);
		if (buf[at] == '/')
			break;
		buf[--at] = '/';
		slash = strrchr(p, '/');
		if (slash == p)
			break;
		*slash = 0;
	}
	snprintf(out, outlen, "%s", buf + at);
	return 0;
}

/* Set (or with val NULL, keep) a dir's marks in the upper layer: redirect, opaque. */
static int mark_dir(struct ovl_model *m, const char *path, const char *redirect, bool opaque)
{
	struct ovl_entry v = *ovl_tree_lookup(m->upper, path);
	struct ovl_xattr *oldx = v.xattrs;
	int r = 0;

	if (redirect)
		r = model_set_xattr(&v, OVL_MODEL_XATTR_REDIRECT, redirect, strlen(redirect), false);
	if (opaque)
		v.flags |= OVL_ENTRY_OPAQUE;
	if (!r)
		r = ovl_tree_replace(m->upper, path, &v);
	if (v.xattrs != oldx)
		free(v.xattrs);
	return r;
}

/* Drop the name path from the upper layer; a file's next name takes over its inode. */
int model_upper_drop(struct ovl_model *m, const char *path)
{
	const struct ovl_entry *gone = ovl_tree_lookup(m->upper, path);
	char *next = NULL;
	int r = 0;

	if (!gone)
		return 0;
	if (gone->type == OVL_FT_REG) {
		for (size_t i = 0; i < ovl_tree_count(m->upper) && !next; i++) {
			const struct ovl_entry *h = ovl_tree_entry_at(m->upper, i);

			if (h->type == OVL_FT_HARDLINK && strcmp(h->target, path) == 0 && !(next = strdup(h->path)))
				return -ENOMEM;
		}
	}
	if (next) {
		/* the next name becomes the file and the others link to it */
		struct ovl_entry file = *gone;

		r = ovl_tree_replace(m->upper, next, &file);
		for (size_t i = 0; !r && i < ovl_tree_count(m->upper); i++) {
			const struct ovl_entry *h = ovl_tree_entry_at(m->upper, i);
			struct ovl_entry ln = { .type = OVL_FT_HARDLINK, .target = next, .layer = { -1 } };
			char *hp;

			if (h->type != OVL_FT_HARDLINK || strcmp(h->target, path) != 0)
				continue;
			hp = strdup(h->path);
			r = hp ? ovl_tree_replace(m->upper, hp, &ln) : -ENOMEM;
			free(hp);
		}
		free(next);
	}
	if (!r)
		r = ovl_tree_remove(m->upper, path);
	return r;
}

/*
 * Move the upper entry at from, and all below it, to to (whose parent the
 * upper layer has; what was at to goes first). Links into the moved names
 * follow them.
 */
static int upper_move(struct ovl_model *m, const char *from, const char *to, struct ovl_err *err)
{
	struct ovl_tree *moved = ovl_tree_new();
	size_t i, flen = strlen(from);
	int r = 0;

	if (!moved)
		return -ENOMEM;
	if (ovl_tree_find_index(m->upper, from, &i)) {
		ovl_tree_unref(moved);
		return ovl_err_set(err, ENOENT, "model: moving %s, which the upper layer lacks", from);
	}
	for (size_t j = i; !r && j < ovl_tree_count(m->upper); j++) {
		const struct ovl_entry *e = ovl_tree_entry_at(m->upper, j);
		struct ovl_entry v;
		char np[PATH_MAX * 2];

		if (j > i && !ovl_path_is_below(e->path, from))
			break;
		v = *e;
		snprintf(np, sizeof(np), "%s%s", to, e->path + flen);
		v.path = np;
		if (ovl_tree_lookup(moved, np))
			r = ovl_tree_replace(moved, np, &v);
		else
			r = ovl_tree_add(moved, &v, err);
	}
	if (!r)
		r = ovl_tree_remove(m->upper, from);
	if (!r && ovl_tree_lookup(m->upper, to)) {
		const struct ovl_entry *t = ovl_tree_lookup(m->upper, to);

		r = t->type == OVL_FT_DIR ? ovl_tree_remove(m->upper, to) : model_upper_drop(m, to);
	}
	if (!r && ovl_tree_find_index(moved, to, &i))
		r = -EIO;
	for (size_t j = i; !r && j < ovl_tree_count(moved); j++) {
		const struct ovl_entry *e = ovl_tree_entry_at(moved, j);

		if (j > i && !ovl_path_is_below(e->path, to))
			break;
		r = ovl_tree_add(m->upper, e, err);
	}
	/* links elsewhere into the moved names */
	for (size_t j = 0; !r && j < ovl_tree_count(m->upper); j++) {
		const struct ovl_entry *h = ovl_tree_entry_at(m->upper, j);
		struct ovl_entry ln;
		char nt[PATH_MAX * 2], *hp;

		if (h->type != OVL_FT_HARDLINK ||
		    !(strcmp(h->target, from) == 0 || ovl_path_is_below(h->target, from)))
			continue;
		snprintf(nt, sizeof(nt), "%s%s", to, h->target + flen);
		ln = (struct ovl_entry){ .type = OVL_FT_HARDLINK, .target = nt, .layer = { -1 } };
		hp = strdup(h->path);
		r = hp ? ovl_tree_replace(m->upper, hp, &ln) : -ENOMEM;
		free(hp);
	}
	ovl_tree_unref(moved);
	return r ? r : model_normalize_links(m);
}

/* Is the view's dir at path empty? */
static bool view_dir_empty(const struct ovl_tree *view, const char *path)
{
	size_t i;

	return ovl_tree_find_index(view, path, &i) != 0 || i + 1 >= ovl_tree_count(view) ||
	       !ovl_path_is_below(ovl_tree_entry_at(view, i + 1)->path, path);
}

/*
 * The marks a dir takes when it moves from path to a dir parent_to: a
 * dir with lower layers gets a redirect to them; a pure upper dir moving
 * into a merge dir becomes opaque (a lower layer might have its new name).
 * Computed before the move, set after it at where it lands.
 */
struct dir_marks {
	bool redirect, opaque;
	char value[PATH_MAX];
};

static int dir_marks_for(const struct ovl_model *m, const struct ovl_tree *view, const char *path,
			 const char *parent_to, struct dir_marks *dm)
{
	char parent_from[PATH_MAX];
	const struct ovl_entry *u = ovl_tree_lookup(m->upper, path);
	bool keep = false;
	int r = 0;

	memset(dm, 0, sizeof(*dm));
	model_parent_of(parent_from, sizeof(parent_from), path);
	if (model_merge_or_lower(view, path)) {
		r = make_redirect(m, path, strcmp(parent_from, parent_to) == 0, dm->value, sizeof(dm->value),
				  &keep);
		dm->redirect = !r && !keep;
	} else if (!(u && (u->flags & OVL_ENTRY_OPAQUE)) && model_merge_or_lower(view, parent_to)) {
		dm->opaque = true;
	}
	return r;
}

/*
 * A moving name's marks: a dir's (dir_marks_for), or for a metacopy file
 * (copied up without its data) the redirect to where its data is, built
 * as a dir's (the kernel's ovl_rename() sets one on any name whose type is
 * merge or lower, which a metacopy file's is).
 */
static int marks_for(const struct ovl_model *m, const struct ovl_tree *view, const char *path,
		     const char *parent_to, struct dir_marks *dm)
{
	const struct ovl_entry *u = ovl_tree_lookup(m->upper, path);
	char parent_from[PATH_MAX];
	bool keep = false;
	int r;

	memset(dm, 0, sizeof(*dm));
	if (u && u->type == OVL_FT_DIR)
		return dir_marks_for(m, view, path, parent_to, dm);
	if (!u || u->type != OVL_FT_REG || !(u->flags & OVL_ENTRY_METACOPY))
		return 0;
#ifdef OVL_MODEL_WRONG_METACOPY_REDIRECT
	return 0; /* Deliberately wrong: it moves without a redirect. */
#endif
	model_parent_of(parent_from, sizeof(parent_from), path);
	{
		/*
		 * a lower file with other names takes an absolute redirect even within
		 * its dir (the kernel's ovl_need_absolute_redirect()): the lower file
		 * its data is, once metadata came up, else the one the view shows
		 */
		const struct ovl_entry *l = NULL, *v = ovl_tree_lookup(view, path);
		int layer;
		bool linked = false;

		if (v && v->data_path && v->data_layer.n >= 1 && (size_t)v->data_layer.n <= m->nlowers)
			l = ovl_tree_lookup(m->lowers[v->data_layer.n - 1], v->data_path);
		else if (!model_lower_key(m, view, v, &layer, &l))
			l = NULL;
		linked = l && l->nlink > 1;
		bool samedir = strcmp(parent_from, parent_to) == 0 && !linked;

		r = make_redirect(m, path, samedir, dm->value, sizeof(dm->value), &keep);
	}
	dm->redirect = !r && !keep;
	return r;
}

static int apply_marks(struct ovl_model *m, const char *path, const struct dir_marks *dm)
{
	return dm->redirect || dm->opaque ? mark_dir(m, path, dm->redirect ? dm->value : NULL, dm->opaque) : 0;
}

/*
 * link(2) of a metacopy file (the kernel's ovl_set_link_redirect()): it
 * takes the absolute redirect of its data first, unless it has one.
 */
int model_metacopy_link_redirect(struct ovl_model *m, const char *path)
{
	const struct ovl_entry *u = ovl_tree_lookup(m->upper, path);
	struct dir_marks dm = { 0 };
	bool keep = false;
	size_t len;
	const char *rd;
	int r;

	if (!u || u->type != OVL_FT_REG || !(u->flags & OVL_ENTRY_METACOPY))
		return 0;
#ifdef OVL_MODEL_WRONG_METACOPY_REDIRECT
	return 0;
#endif
	rd = upper_redirect(m, path, &len);
	if (rd && rd[0] == '/')
		return 0;
	r = make_redirect(m, path, false, dm.value, sizeof(dm.value), &keep);
	dm.redirect = !r;
	return r ? r : apply_marks(m, path, &dm);
}

/*
 * renameat2(RENAME_EXCHANGE) of e (at op->path) and op->path2: both names
 * come up (with their parents) and trade places in the upper layer; no
 * whiteout, as both names still exist. A dir with lower layers moves only
 * with redirect_dir (else EXDEV) and gets a redirect; a pure upper dir
 * moving into a merge dir becomes opaque.
 */
static int model_exchange(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
			  const struct ovl_entry *e, const char *parent2, int *want_errno,
			  struct ovl_err *err)
{
	const struct ovl_entry *to = ovl_tree_lookup(view, op->path2);
	const char *tmp = "/\x01model-exchange";
	char parent1[PATH_MAX], p2[PATH_MAX];
	struct dir_marks d1 = { 0 }, d2 = { 0 };
	int r = 0;

	if (!to) {
		*want_errno = ENOENT;
		return 0;
	}
	if (strcmp(op->path, op->path2) == 0)
		return 0;
	if (ovl_path_is_below(op->path2, op->path) || ovl_path_is_below(op->path, op->path2)) {
		*want_errno = EINVAL;
		return 0;
	}
	/* two names of one inode: the VFS does nothing, not even a copy-up */
	if (model_same_inode(m, view, op->path, op->path2))
		return 0;
	if (!m->opt.redirect_dir && ((e->type == OVL_FT_DIR && model_merge_or_lower(view, op->path)) ||
				      (to->type == OVL_FT_DIR && model_merge_or_lower(view, op->path2)))) {
		*want_errno = EXDEV;
		return 0;
	}
	model_parent_of(parent1, sizeof(parent1), op->path);
	snprintf(p2, sizeof(p2), "%s", *parent2 ? parent2 : "/");
	r = model_copy_up(m, view, op->path, err);
	if (!r && *parent2)
		r = model_copy_up(m, view, parent2, err);
	if (!r)
		r = model_copy_up(m, view, op->path2, err);
	if (!r)
		r = marks_for(m, view, op->path, p2, &d1);
	if (!r)
		r = marks_for(m, view, op->path2, parent1, &d2);
	if (!r)
		r = upper_move(m, op->path, tmp, err);
	if (!r)
		r = upper_move(m, op->path2, op->path, err);
	if (!r)
		r = upper_move(m, tmp, op->path2, err);
	if (!r)
		r = apply_marks(m, op->path2, &d1);
	if (!r)
		r = apply_marks(m, op->path, &d2);
	return r;
}

/* rename(2) of e (at op->path) to op->path2; see ovl-model.h for what is modelled. */
int model_rename(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
			const struct ovl_entry *e, int *want_errno, struct ovl_err *err)
{
	const struct ovl_entry *to = NULL, *pd = NULL;
	char parent[PATH_MAX], parent2[PATH_MAX];
	struct dir_marks dm = { 0 };
	bool lower_positive = false;
	int rc, r;

	rc = model_parent_errno(view, op->path2, parent, sizeof(parent), &pd);
	if (rc) {
		*want_errno = rc;
		return 0;
	}
	/* Both names are looked up; then overlayfs refuses RENAME_WHITEOUT outright. */
	if (op->flags & RENAME_WHITEOUT) {
		*want_errno = EINVAL;
		return 0;
	}
	if (op->flags & RENAME_EXCHANGE)
		return model_exchange(m, view, op, e, parent, want_errno, err);
	/* The VFS's order: EEXIST, the source an ancestor (EINVAL), the target one (ENOTEMPTY), types. */
	to = ovl_tree_lookup(view, op->path2);
	if (to && (op->flags & RENAME_NOREPLACE)) {
		*want_errno = EEXIST;
		return 0;
	}
	if (strcmp(op->path, op->path2) == 0)
		return 0;
	if (ovl_path_is_below(op->path2, op->path)) {
		*want_errno = EINVAL;
		return 0;
	}
#ifdef OVL_MODEL_WRONG_RENAME_ORDER
	/* Deliberately wrong: the types are compared before the ancestor test. */
	if (to && e->type != OVL_FT_DIR && to->type == OVL_FT_DIR) {
		*want_errno = EISDIR;
		return 0;
	}
#endif
	if (to && ovl_path_is_below(op->path, op->path2)) {
		*want_errno = ENOTEMPTY; /* over an ancestor: not empty, as it holds the source */
		return 0;
	}
	if (to && e->type != OVL_FT_DIR && to->type == OVL_FT_DIR) {
		*want_errno = EISDIR;
		return 0;
	}
	if (to && e->type == OVL_FT_DIR && to->type != OVL_FT_DIR) {
		*want_errno = ENOTDIR;
		return 0;
	}
	/* A dir a lower layer has (merged or lower only) needs redirect_dir to move. */
#ifndef OVL_MODEL_WRONG_EXDEV	/* (deliberately wrong without it: the dir moves anyway) */
	if (e->type == OVL_FT_DIR && model_merge_or_lower(view, op->path) && !m->opt.redirect_dir) {
		*want_errno = EXDEV;
		return 0;
	}
#endif
	/* A target dir with lower layers must be empty: found out before anything comes up. */
	if (to && to->type == OVL_FT_DIR && model_merge_or_lower(view, op->path2) && !view_dir_empty(view, op->path2)) {
		*want_errno = ENOTEMPTY;
		return 0;
	}
	if (to && model_same_inode(m, view, op->path, op->path2))
		return 0; /* two names of one inode: rename does nothing */
	r = model_lower_has(m, op->path, &lower_positive, err);
	/* Both ends come up before the target dir is found not empty. */
	if (!r)
		r = model_copy_up(m, view, op->path, err);
	if (!r && *parent)
		r = model_copy_up(m, view, parent, err);
	if (r)
		return r;
	snprintf(parent2, sizeof(parent2), "%s", *parent ? parent : "/");
	/*
	 * A pure upper target dir that is not empty: the upper fs refuses the
	 * rename, after both ends came up and the moving dir got its marks.
	 */
	if (to && to->type == OVL_FT_DIR && !view_dir_empty(view, op->path2)) {
		if (e->type == OVL_FT_DIR)
			r = dir_marks_for(m, view, op->path, parent2, &dm);
		if (!r)
			r = apply_marks(m, op->path, &dm);
		*want_errno = m->opt.upper_notempty ? m->opt.upper_notempty : ENOTEMPTY;
		return r;
	}
	if (to && to->type != OVL_FT_DIR) {
		uint64_t id = 0;

		/* the name replaced is a link of that inode gone (to the index first, with index=on) */
		r = model_index_id_for(m, view, op->path2, true, &id, err);
		if (!r && model_idx_by_id(m, id))
			model_idx_by_id(m, id)->nlink--;
	}
	if (!r)
		r = marks_for(m, view, op->path, parent2, &dm);
	if (!r)
		r = upper_move(m, op->path, op->path2, err);
	if (!r)
		r = apply_marks(m, op->path2, &dm);
	/* The old name: whited out where a lower layer has it. */
#ifdef OVL_MODEL_WRONG_RENAME_WHITEOUT
	/* Deliberately wrong: the old name is simply gone from the upper layer. */
	lower_positive = false;
#endif
	if (!r && lower_positive) {
		struct ovl_entry wh = { .type = OVL_FT_WHITEOUT, .path = (char *)op->path, .layer = { -1 } };

		r = ovl_tree_add(m->upper, &wh, err);
	}
	return r;
}
