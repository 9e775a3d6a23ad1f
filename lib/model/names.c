// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/names.c - names made and removed: new files, dirs, symlinks and
 * special files; unlink and rmdir with their whiteouts and opaque marks.
 *
 * Deliberately wrong builds, each breaking one rule, for the wrong-model
 * tests (suite/tests/mutants.tsv, scripts/mutants.sh; the first one for
 * suite/tests/harness.sh too):
 *  -DOVL_MODEL_WRONG_WHITEOUT       only a name the topmost lower has gets a whiteout
 *  -DOVL_MODEL_WRONG_OPAQUE         a dir made over a whiteout is not opaque
 *  -DOVL_MODEL_WRONG_MERGE_OPAQUE   without offline changes a new dir in a merge dir is not opaque
 *  -DOVL_MODEL_WRONG_SETGID_DIR     a new name in a setgid dir takes the caller's group, not the dir's
 *  -DOVL_MODEL_WRONG_RMDIR          the upper dir's whiteouts make a merge dir ENOTEMPTY
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

/* Would path show from a lower layer if the upper layer had nothing at path (itself)? */
int model_lower_has(struct ovl_model *m, const char *path, bool *has, struct ovl_err *err)
{
	struct ovl_tree *saved = m->upper, *view = NULL;
	struct ovl_tree *without = ovl_tree_new();
	int r = 0;

	if (!without)
		return -ENOMEM;
	/* The upper layer, less path and what lies below it. */
	for (size_t i = 0; i < ovl_tree_count(saved) && !r; i++) {
		const struct ovl_entry *e = ovl_tree_entry_at(saved, i);

		if (strcmp(e->path, path) == 0 || ovl_path_is_below(e->path, path))
			continue;
		/* other names of a file at path would link to nothing; they do not matter here */
		if (e->type == OVL_FT_HARDLINK && (strcmp(e->target, path) == 0 || ovl_path_is_below(e->target, path)))
			continue;
		if (strcmp(e->path, "/") == 0) {
			r = ovl_tree_replace(without, "/", e);
			if (r == -ENOENT)
				r = ovl_tree_add(without, e, err);
			continue;
		}
		r = ovl_tree_add(without, e, err);
	}
	m->upper = without;
	if (!r)
		r = ovl_model_view(m, &view, err);
	m->upper = saved;
	*has = !r && ovl_tree_lookup(view, path) != NULL;
	ovl_tree_unref(view);
	ovl_tree_unref(without);
	return r;
}


/* Remove path from the upper layer and whiteout it when a lower layer still has it. */
int model_remove_name(struct ovl_model *m, const struct ovl_tree *view, const char *path,
		       struct ovl_err *err)
{
	char parent[PATH_MAX];
	bool has = false;
	uint64_t id = 0;
	int r = 0;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(path, '/') - path), path);
	if (*parent)
		r = model_copy_up(m, view, parent, err);
	/* index=on: a lower hard link goes to the index before it loses a name */
	if (!r)
		r = model_index_id_for(m, view, path, true, &id, err);
	if (!r && model_idx_by_id(m, id))
		model_idx_by_id(m, id)->nlink--;
	if (!r)
		r = model_upper_drop(m, path);
#ifdef OVL_MODEL_WRONG_WHITEOUT
	/* Deliberately wrong: only a name the topmost lower has gets a whiteout. */
	has = !r && m->nlowers && ovl_tree_lookup(m->lowers[0], path) != NULL;
#else
	if (!r)
		r = model_lower_has(m, path, &has, err);
#endif
	if (!r && has) {
		struct ovl_entry wh = { .type = OVL_FT_WHITEOUT, .path = (char *)path, .layer = { -1 } };

		r = ovl_tree_add(m->upper, &wh, err);
	}
	return r;
}


/* Is the view's dir at path merged with, or only in, lower layers (overlay's model_merge_or_lower)? */
bool model_merge_or_lower(const struct ovl_tree *view, const char *path)
{
	const struct ovl_entry *e = ovl_tree_lookup(view, path);

	return e && (!ovl_layer_is(e->layer, OVL_LAYER_UPPER) || (e->flags & OVL_ENTRY_MERGED));
}

/* A new name: its parent comes up, whatever the upper layer had there (a whiteout) goes, the entry is made. */
static int put_new_name(struct ovl_model *m, const struct ovl_tree *view, const char *parent, const char *path,
			const struct ovl_entry *n, struct ovl_err *err)
{
	int r = *parent ? model_copy_up(m, view, parent, err) : 0;

	if (!r && ovl_tree_lookup(m->upper, path))
		r = ovl_tree_remove(m->upper, path);
	if (!r)
		r = model_upper_put(m, path, n, err);
	return r;
}

/*
 * The owner of a new name made at path (inode_init_owner()): the caller's
 * uid; the gid of a parent dir that has S_ISGID, else the caller's; a new
 * dir in such a parent keeps S_ISGID too, and a new file asking for
 * S_ISGID outside the caller's groups loses it (not for root).
 */
static void new_owner(const struct ovl_tree *view, const struct ovl_op *op, struct ovl_entry *n)
{
	char parent[PATH_MAX];
	const struct ovl_entry *pd;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(op->path, '/') - op->path), op->path);
	pd = ovl_tree_lookup(view, *parent ? parent : "/");
	n->uid = op->as_user ? op->as_uid : 0;
	n->gid = op->as_user ? op->as_gid : 0;
#ifdef OVL_MODEL_WRONG_SETGID_DIR
	return; /* Deliberately wrong: a new name always takes the caller's group. */
#endif
	if (pd && pd->type == OVL_FT_DIR && (pd->mode & S_ISGID)) {
		n->gid = pd->gid;
		if (n->type == OVL_FT_DIR)
			n->mode |= S_ISGID;
	}
	if (n->type != OVL_FT_DIR && (n->mode & S_ISGID) && op->as_user && n->gid != op->as_gid)
		n->mode &= ~(mode_t)S_ISGID;
}

/* symlink(2) and mknod(2): a new name in the upper layer (over a whiteout: simply replacing it). */
int model_make_node(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op, int rc,
		     int *want_errno, struct ovl_err *err)
{
	char parent[PATH_MAX];
	const struct ovl_entry *pd = NULL;
	struct ovl_entry n = { .layer = { -1 }, .uid = op->as_user ? op->as_uid : 0,
			       .gid = op->as_user ? op->as_gid : 0 };
	char target[PATH_MAX];
	int prc;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(op->path, '/') - op->path), op->path);
	prc = *parent ? model_resolve(view, parent, &pd) : 0;
	if (rc == 0) {
		*want_errno = EEXIST;
		return 0;
	}
	if (prc || (pd && pd->type != OVL_FT_DIR)) {
		*want_errno = prc ? prc : ENOTDIR;
		return 0;
	}
	if (op->kind == OVL_OP_SYMLINK) {
		/* the VFS: an empty target is ENOENT, one of PATH_MAX or more ENAMETOOLONG */
		if (op->len == 0 || op->len >= PATH_MAX) {
			*want_errno = op->len ? ENAMETOOLONG : ENOENT;
			return 0;
		}
		snprintf(target, sizeof(target), "%.*s", (int)op->len, (const char *)op->data);
		n.type = OVL_FT_LNK;
		n.mode = 0777;
		n.target = target;
	} else {
		switch (op->mode & S_IFMT) {
		case S_IFIFO:
			n.type = OVL_FT_FIFO;
			break;
		case S_IFSOCK:
			n.type = OVL_FT_SOCK;
			break;
		case S_IFCHR:
			n.type = OVL_FT_CHR;
			break;
		case S_IFBLK:
			n.type = OVL_FT_BLK;
			break;
		default:
			return ovl_err_set(err, ENOTSUP, "model: mknod of mode 0%o is not modelled",
					   (unsigned int)op->mode);
		}
		/* a 0/0 char device would be a whiteout: overlayfs refuses to make one (EPERM) */
		if (n.type == OVL_FT_CHR && !op->rdev_major && !op->rdev_minor) {
			*want_errno = EPERM;
			return 0;
		}
		n.mode = op->mode & 07777 & ~022;
		n.rdev_major = op->rdev_major;
		n.rdev_minor = op->rdev_minor;
	}
	new_owner(view, op, &n);
	return put_new_name(m, view, parent, op->path, &n, err);
}

/* O_CREAT of a missing name in an existing dir: its parents come up, the file is made in the upper layer. */
int model_names_create_file(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
		      struct ovl_err *err)
{
	char parent[PATH_MAX];
	struct ovl_entry nf = { .type = OVL_FT_REG, .mode = op->mode & 07777 & ~022, .layer = { -1 },
				.uid = op->as_user ? op->as_uid : 0,
				.gid = op->as_user ? op->as_gid : 0 };
	int r = 0;

	new_owner(view, op, &nf);
	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(op->path, '/') - op->path), op->path);
	if (*parent)
		r = model_copy_up(m, view, parent, err);
	if (!r)
		r = model_set_data(&nf, op->data, op->len);
	if (!r)
		r = model_upper_put(m, op->path, &nf, err);
	tree_data_drop(&nf);
	return r;
}

/* The parent of path is the root or a dir in view. */
bool model_parent_is_dir(const struct ovl_tree *view, const char *path)
{
	char parent[PATH_MAX];
	const struct ovl_entry *pd = NULL;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(path, '/') - path), path);
	return !*parent || (model_resolve(view, parent, &pd) == 0 && pd->type == OVL_FT_DIR);
}

/* mkdir: EEXIST, ENOENT/ENOTDIR of the parent, or a new upper dir (opaque where it must be). */
int model_names_mkdir(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op, int rc,
		int *want_errno, struct ovl_err *err)
{
	char parent[PATH_MAX];
	const struct ovl_entry *pd = NULL;
	int prc, r = 0;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(op->path, '/') - op->path), op->path);
	prc = *parent ? model_resolve(view, parent, &pd) : 0;
	if (rc == 0)
		*want_errno = EEXIST;
	else if (prc)
		*want_errno = prc;
	else if (pd && pd->type != OVL_FT_DIR)
		*want_errno = ENOTDIR;
	else {
		/* Over a whiteout (a lower layer has the name) the new dir is opaque. */
		struct ovl_entry nd = { .type = OVL_FT_DIR, .mode = op->mode & 07777 & ~022, .layer = { -1 },
					.uid = op->as_user ? op->as_uid : 0,
					.gid = op->as_user ? op->as_gid : 0 };
		bool has = false;

		new_owner(view, op, &nd);
		if (*parent)
			r = model_copy_up(m, view, parent, err);
		if (!r)
			r = model_lower_has(m, op->path, &has, err);
		/*
		 * Opaque over a whiteout, so nothing of the lower dir shows; and,
		 * unless the mount allows offline changes of its layers (none of
		 * index, metacopy, redirect_dir=on, xino=on), in any merge dir,
		 * where the kernel marks every new dir opaque to spare later
		 * lookups the lower layers (ovl_create_upper()).
		 */
#ifdef OVL_MODEL_WRONG_OPAQUE
		has = false; /* Deliberately wrong: the lower dir would show through. */
#endif
#ifdef OVL_MODEL_WRONG_MERGE_OPAQUE
		/* Deliberately wrong: only a whiteout makes the new dir opaque. */
		if (has)
#else
		if (has || (m->opt.no_offline_changes && model_merge_or_lower(view, *parent ? parent : "/")))
#endif
			nd.flags = OVL_ENTRY_OPAQUE;
		if (!r)
			r = put_new_name(m, view, "", op->path, &nd, err);
	}
	return r;
}

/* rmdir: EBUSY for the root, ENOTDIR, ENOTEMPTY in the merged view, or the name goes. */
int model_names_rmdir(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
		const struct ovl_entry *e, int *want_errno, struct ovl_err *err)
{
	size_t i;

	if (strcmp(op->path, "/") == 0) {
		*want_errno = EBUSY;
		return 0;
	}
	if (e->type != OVL_FT_DIR) {
		*want_errno = ENOTDIR;
		return 0;
	}
	/* Empty in the merged view (whiteouts do not count) or ENOTEMPTY. */
	if (ovl_tree_find_index(view, op->path, &i) == 0 && i + 1 < ovl_tree_count(view) &&
	    ovl_path_is_below(ovl_tree_entry_at(view, i + 1)->path, op->path)) {
		*want_errno = ENOTEMPTY;
		return 0;
	}
#ifdef OVL_MODEL_WRONG_RMDIR
	/* Deliberately wrong: whiteouts in the upper dir count as names. */
	if (ovl_tree_find_index(m->upper, op->path, &i) == 0 && i + 1 < ovl_tree_count(m->upper) &&
	    ovl_path_is_below(ovl_tree_entry_at(m->upper, i + 1)->path, op->path)) {
		*want_errno = ENOTEMPTY;
		return 0;
	}
#endif
	return model_remove_name(m, view, op->path, err);
}
