// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/copyup.c - copy-up: a lower name comes up with its parents
 * (their own metadata), index=on's one inode for every name of a lower hard
 * link, and changes of data and metadata made on the upper copy.
 *
 * Deliberately wrong builds, each breaking one rule, for the wrong-model
 * tests (suite/tests/mutants.tsv, scripts/mutants.sh; the first one for
 * suite/tests/harness.sh too):
 *  -DOVL_MODEL_WRONG_COPY_UP          parents come up with default metadata, not their own
 *  -DOVL_MODEL_WRONG_COPY_UP_XATTRS   a copied-up name loses its xattrs
 *  -DOVL_MODEL_WRONG_INDEX            with index=on a lower hard link still breaks on copy-up
 *  -DOVL_MODEL_WRONG_KILLPRIV         a write or truncate keeps security.capability
 *  -DOVL_MODEL_WRONG_METACOPY         with metacopy=on a change of metadata copies the data up too
 *  -DOVL_MODEL_WRONG_METACOPY_DATA    a write to a metacopy file keeps the mark and writes over the hole
 *  -DOVL_MODEL_WRONG_USERNS           in a user namespace an owner it cannot map is copied up all the same
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

/* ---- index=on: one upper inode for all names of a lower hard link ------------ */

/*
 * The lower inode a view entry shows: its layer (>= 1), its first name in
 * that layer and that layer's entry. False for upper entries and non-files.
 */
bool model_lower_key(const struct ovl_model *m, const struct ovl_tree *view, const struct ovl_entry *e,
		      int *layer, const struct ovl_entry **lower)
{
	const struct ovl_entry *l;

	if (e && e->type == OVL_FT_HARDLINK)
		e = ovl_tree_lookup(view, e->target);
	if (!e || e->layer.n < 1 || (size_t)e->layer.n > m->nlowers || e->type != OVL_FT_REG)
		return false;
	l = ovl_tree_lookup(m->lowers[e->layer.n - 1], e->layer_path ? e->layer_path : e->path);
	if (l && l->type == OVL_FT_HARDLINK)
		l = ovl_tree_lookup(m->lowers[e->layer.n - 1], l->target);
	if (!l || l->type != OVL_FT_REG)
		return false;
	*layer = e->layer.n;
	*lower = l;
	return true;
}

static struct idx *idx_find(const struct ovl_model *m, int layer, const char *lpath)
{
	for (size_t i = 0; i < m->nidx; i++)
		if (m->idx[i].layer == layer && strcmp(m->idx[i].lpath, lpath) == 0)
			return &m->idx[i];
	return NULL;
}

struct idx *model_idx_by_id(const struct ovl_model *m, uint64_t id)
{
	return id >= IDX_BASE && id - IDX_BASE < m->nidx ? &m->idx[id - IDX_BASE] : NULL;
}

static void state_path(char *buf, size_t len, uint64_t id)
{
	snprintf(buf, len, "/%llu", (unsigned long long)(id - IDX_BASE));
}

/* The upper entry holding an indexed inode's data (its first upper name), or NULL. */
static const struct ovl_entry *upper_of_id(const struct ovl_model *m, uint64_t id)
{
	for (size_t i = 0; i < ovl_tree_count(m->upper); i++) {
		const struct ovl_entry *u = ovl_tree_entry_at(m->upper, i);

		if (u->type == OVL_FT_REG && (u->flags & OVL_ENTRY_INDEXED) && u->ino == id)
			return u;
	}
	return NULL;
}

/* The index record of lower inode l (in layer), made with the lower file's state when absent. */
static int idx_get(struct ovl_model *m, int layer, const struct ovl_entry *l, struct idx **out,
		   struct ovl_err *err)
{
	struct idx *x = idx_find(m, layer, l->path), *nv;
	struct ovl_entry v = *l;
	struct ovl_xattr *keep = NULL;
	char p[PATH_MAX * 2], sp[64], *bytes = NULL;
	size_t len = 0, nkeep = 0;
	int r;

	if (x) {
		*out = x;
		return 0;
	}
	if (!m->states && !(m->states = ovl_tree_new()))
		return -ENOMEM;
	nv = realloc(m->idx, (m->nidx + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	m->idx = nv;
	x = &m->idx[m->nidx];
	*x = (struct idx){ .layer = layer, .lpath = strdup(l->path), .id = IDX_BASE + m->nidx,
			   .nlink = l->nlink ? l->nlink : 1 };
	if (!x->lpath)
		return -ENOMEM;
	snprintf(p, sizeof(p), "%s%s", m->lower_dirs[layer - 1], l->path);
	r = ovl_read_file(p, &bytes, &len, 256u << 20);
	if (r) {
		free(x->lpath);
		return ovl_err_set(err, r, "model: reading %s: %s", p, strerror(-r));
	}
	keep = calloc(v.nxattrs + 1, sizeof(*keep));
	for (size_t i = 0; keep && i < v.nxattrs; i++)
		if (strncmp(v.xattrs[i].name, "trusted.overlay.", 16) != 0)
			keep[nkeep++] = v.xattrs[i];
	v.xattrs = keep;
	v.nxattrs = nkeep;
	v.data = NULL;
	v.data_ref = NULL;
	v.target = NULL;
	v.layer_path = NULL;
	v.data_path = NULL;
	v.layer = OVL_LAYER_NONE;
	v.ino = x->id;
	v.flags |= OVL_ENTRY_INDEXED;
	state_path(sp, sizeof(sp), x->id);
	v.path = sp;
	r = keep ? model_set_data(&v, (unsigned char *)bytes, len) : -ENOMEM;
	if (!r)
		r = ovl_tree_add(m->states, &v, err);
	tree_data_drop(&v);
	free(keep);
	free(bytes);
	if (r) {
		free(x->lpath);
		return r;
	}
	m->nidx++;
	*out = x;
	return 0;
}

/* The index id a view entry shows (0: none). */
uint64_t model_view_id(const struct ovl_model *m, const struct ovl_tree *view, const struct ovl_entry *e)
{
	const struct ovl_entry *t = e, *l;
	struct idx *x;
	int layer;

	if (e->type == OVL_FT_HARDLINK)
		t = ovl_tree_lookup(view, e->target);
	/* only entries the model marked: a real inode number model_may have high bits too */
	if (t && (t->flags & OVL_ENTRY_INDEXED) && model_idx_by_id(m, t->ino))
		return t->ino;
	if (t && ovl_layer_is(t->layer, OVL_LAYER_UPPER)) {
		const struct ovl_entry *u = ovl_tree_lookup(m->upper, t->path);

		if (u && u->type == OVL_FT_HARDLINK)
			u = ovl_tree_lookup(m->upper, u->target);
		return u && (u->flags & OVL_ENTRY_INDEXED) && model_idx_by_id(m, u->ino) ? u->ino : 0;
	}
	if (model_lower_key(m, view, e, &layer, &l) && (x = idx_find(m, layer, l->path)))
		return x->id;
	return 0;
}

/*
 * Every name of an indexed inode, upper or lower, shows the index's inode:
 * the first name in canonical order as the file, the others as links.
 */
int model_index_view(const struct ovl_model *m, struct ovl_tree *view)
{
	uint64_t *ids = calloc(ovl_tree_count(view) + 1, sizeof(*ids));
	char **first = calloc(m->nidx + 1, sizeof(*first));
	int r = 0;

	if (!ids || !first) {
		free(ids);
		free(first);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ovl_tree_count(view); i++)
		ids[i] = model_view_id(m, view, ovl_tree_entry_at(view, i));
	for (size_t i = 0; i < ovl_tree_count(view) && !r; i++) {
		const struct ovl_entry *e = ovl_tree_entry_at(view, i);
		struct idx *x = model_idx_by_id(m, ids[i]);
		struct ovl_entry v;
		char *path, sp[64];

		if (!x)
			continue;
		path = strdup(e->path);
		if (!path) {
			r = -ENOMEM;
			break;
		}
		if (!first[x->id - IDX_BASE]) {
			const struct ovl_entry *u = upper_of_id(m, x->id);

			state_path(sp, sizeof(sp), x->id);
			v = u ? *u : *ovl_tree_lookup(m->states, sp);
			v.layer = e->layer;
			v.layer_path = NULL;
			v.data_path = NULL;
			v.ino = x->id;
			v.flags |= OVL_ENTRY_INDEXED;
			first[x->id - IDX_BASE] = path;
			r = ovl_tree_replace(view, path, &v);
			continue;
		}
		v = (struct ovl_entry){ .type = OVL_FT_HARDLINK, .target = first[x->id - IDX_BASE],
					.layer = e->layer, .ino = x->id, .flags = OVL_ENTRY_INDEXED };
		r = ovl_tree_replace(view, path, &v);
		free(path);
	}
	for (size_t i = 0; i < m->nidx; i++)
		free(first[i]);
	free(first);
	free(ids);
	return r;
}

/* After an operation: each indexed inode's state is what its upper file now holds. */
int model_index_sync(struct ovl_model *m)
{
	for (size_t i = 0; i < m->nidx; i++) {
		const struct ovl_entry *u = upper_of_id(m, m->idx[i].id);
		char sp[64];
		int r;

		if (!u)
			continue;
		state_path(sp, sizeof(sp), m->idx[i].id);
		r = ovl_tree_replace(m->states, sp, u);
		if (r)
			return r;
	}
	return 0;
}

/* Copy up path, a name of indexed inode id: a link to its upper file, or the file from the index. */
static int copy_up_indexed(struct ovl_model *m, const char *path, uint64_t id, struct ovl_err *err)
{
	const struct ovl_entry *u = upper_of_id(m, id);
	char sp[64];
	struct ovl_entry v;
	int r = 0;

	if (u) {
		char *target = strdup(u->path);

		if (!target)
			return -ENOMEM;
		v = (struct ovl_entry){ .type = OVL_FT_HARDLINK, .target = target, .layer = { -1 } };
		r = model_upper_put(m, path, &v, err);
		free(target);
		return r ? r : model_normalize_links(m);
	}
	state_path(sp, sizeof(sp), id);
	if (!m->states || !ovl_tree_lookup(m->states, sp))
		return ovl_err_set(err, EIO, "model: index record %s has no state", sp);
	v = *ovl_tree_lookup(m->states, sp);
	v.ino = id;
	v.flags |= OVL_ENTRY_INDEXED;
	return model_upper_put(m, path, &v, err);
}

/*
 * The id of the inode at path when index=on makes it (or already has it)
 * an indexed lower hard link; 0 otherwise. Copying up to the index (no
 * upper name yet) is what the kernel does before a lower hard link loses
 * a name, so that the union keeps counting its links.
 */
int model_index_id_for(struct ovl_model *m, const struct ovl_tree *view, const char *path, bool make,
			uint64_t *id, struct ovl_err *err)
{
	const struct ovl_entry *e = ovl_tree_lookup(view, path), *l;
	struct idx *x;
	int layer;

	*id = e ? model_view_id(m, view, e) : 0;
#ifdef OVL_MODEL_WRONG_INDEX
	/* Deliberately wrong: nothing goes to the index, as with index=off. */
	make = false;
#endif
	if (*id || !make || !m->opt.index || !e || !model_lower_key(m, view, e, &layer, &l) || l->nlink < 2)
		return 0;
	{
		int r = idx_get(m, layer, l, &x, err);

		if (!r)
			*id = x->id;
		return r;
	}
}

/*
 * Under a user namespace (opt.userns): an inode whose owner or group it
 * cannot map is not copied up. The call fails with EOVERFLOW (m->refused;
 * ovl_model_apply() turns the -EOVERFLOW this returns into the call's
 * errno), and nothing of it is in the upper layer.
 */
static int unmapped(struct ovl_model *m, const char *path, const struct ovl_entry *e, struct ovl_err *err)
{
#ifndef OVL_MODEL_WRONG_USERNS
	if (model_unmapped_owner(m, e)) {
		m->refused = EOVERFLOW;
		return ovl_err_set(err, EOVERFLOW, "model: %s: its owner has no mapping in the namespace", path);
	}
#else
	(void)m, (void)path, (void)e, (void)err; /* Deliberately wrong: any owner is copied up. */
#endif
	return 0;
}

/*
 * Copy path up, as overlayfs must before it changes it: the parents that
 * the upper layer lacks as directories (with the merged view's metadata),
 * then the entry itself with its content.
 */
int model_copy_up(struct ovl_model *m, const struct ovl_tree *view, const char *path, struct ovl_err *err)
{
	char p[PATH_MAX];
	const struct ovl_entry *e = ovl_tree_lookup(view, path);
	int r = 0;

	if (!e)
		return ovl_err_set(err, ENOENT, "model: copy-up of %s, which the view lacks", path);
	snprintf(p, sizeof(p), "%s", path);
	/* each dir on the way comes up first; the first one the namespace cannot own ends the call */
	for (char *s = strchr(p + 1, '/'); s && !r; s = strchr(s + 1, '/')) {
		const struct ovl_entry *d, *u;

		*s = 0;
		d = ovl_tree_lookup(view, p);
		u = ovl_tree_lookup(m->upper, p);
#ifdef OVL_MODEL_WRONG_COPY_UP
		if (d && (!u || u->type != OVL_FT_DIR)) {
			struct ovl_entry plain = { .type = OVL_FT_DIR, .mode = 0755 };

			r = model_upper_put(m, p, &plain, err);
		}
#else
		if (d && (!u || u->type != OVL_FT_DIR) && !(r = unmapped(m, p, d, err)))
			r = model_upper_put(m, p, d, err);
#endif
		*s = '/';
	}
	if (!r && !ovl_layer_is(e->layer, OVL_LAYER_UPPER)) {
		const struct ovl_entry *src = e;
		struct ovl_entry v;
		char *bytes = NULL;
		size_t len = 0;
		uint64_t id = 0;

		/* a lower name linked to another: the inode's data is at that name */
		if (e->type == OVL_FT_HARDLINK && !(src = ovl_tree_lookup(view, e->target)))
			return ovl_err_set(err, ENOENT, "model: %s links to %s, which the view lacks", path,
					   e->target);
		r = model_index_id_for(m, view, path, true, &id, err);
		if (r || id)
			return r ? r : copy_up_indexed(m, path, id, err);
		v = *src;
		v.data = NULL;
		v.data_ref = NULL;
		v.data_path = NULL;
		/* a copy of a lower metacopy file is a copy of its data, unless it stays metadata only */
		v.flags &= ~OVL_ENTRY_METACOPY;
#ifdef OVL_MODEL_WRONG_COPY_UP_XATTRS
		/* Deliberately wrong: the copy gets data and metadata, not the xattrs. */
		v.xattrs = NULL;
		v.nxattrs = 0;
#endif
		bool meta_only = m->opt.metacopy && !m->copy_data && src->type == OVL_FT_REG;

		r = unmapped(m, path, src, err);
		if (r)
			return r;

#ifdef OVL_MODEL_WRONG_METACOPY
		meta_only = false; /* Deliberately wrong: every copy-up brings the data. */
#endif
		if (meta_only) {
			/* metadata only: a hole of the file's size, the data stays below (the view finds it) */
			bytes = calloc(1, src->size ? src->size : 1);
			r = bytes ? model_adopt_data(&v, (unsigned char *)bytes, src->size) : -ENOMEM;
			v.fill = OVL_FILL_HOLE;
			v.flags |= OVL_ENTRY_METACOPY;
		} else if (src->type == OVL_FT_REG) {
			r = model_view_bytes(m, src, &bytes, &len, err);
			if (r) {
				free(bytes);
			} else if (src->has_digest && src->size == len && !ovl_layer_is(src->layer, OVL_LAYER_UPPER)) {
				/*
				 * A lower file's bytes: its digest is the scan's (the lower
				 * layers' own checks say they did not change since).
				 */
				r = tree_data_adopt(&v, bytes, len) ? -ENOMEM : 0;
				v.size = len;
				v.fill = OVL_FILL_NONE;
			} else {
				r = model_adopt_data(&v, (unsigned char *)bytes, len);
			}
#ifndef OVL_MODEL_WRONG_COPY_UP_HOLES
			/* copy-up skips holes (SEEK_DATA): a file that is all hole comes up as one */
			if (src->fill == OVL_FILL_HOLE)
				v.fill = OVL_FILL_HOLE;
#endif
		}
		if (!r)
			r = model_upper_put(m, path, &v, err);
		tree_data_drop(&v);
	}
	return r;
}

/*
 * The upper metacopy file at path gets its data: the lower file's bytes the
 * view reads through it (holes kept), and loses its metacopy mark. Nothing
 * for any other file.
 */
static int metacopy_bring_data(struct ovl_model *m, const struct ovl_tree *view, const char *path,
			       struct ovl_err *err)
{
	const struct ovl_entry *u = ovl_tree_lookup(m->upper, path), *e = ovl_tree_lookup(view, path);
	struct ovl_entry v;
	char *bytes = NULL;
	size_t len = 0;
	int r;

	if (!u || u->type != OVL_FT_REG || !(u->flags & OVL_ENTRY_METACOPY))
		return 0;
#ifdef OVL_MODEL_WRONG_METACOPY_DATA
	return 0; /* Deliberately wrong: the mark stays, the change goes into the hole. */
#endif
	if (!e || !e->data_path)
		return ovl_err_set(err, EIO, "model: metacopy file %s: the view has no data for it", path);
	r = model_view_bytes(m, e, &bytes, &len, err);
	if (r) {
		free(bytes);
		return r;
	}
	v = *u;
	{
		/* v shares u's buffers until it adopts the new bytes; replace takes its own reference */
		void *old = v.data_ref;

		v.flags &= ~OVL_ENTRY_METACOPY;
		r = model_adopt_data(&v, (unsigned char *)bytes, len);
		v.fill = e->fill == OVL_FILL_HOLE ? OVL_FILL_HOLE : OVL_FILL_NONE;
		if (!r)
			r = ovl_tree_replace(m->upper, path, &v);
		if (v.data_ref != old)
			tree_data_drop(&v);
	}
	return r;
}

/*
 * The setuid and setgid bits a change drops (the VFS's killpriv): a write
 * or truncate by a caller without CAP_FSETID (an ordinary user) drops
 * S_ISUID, and S_ISGID where group-execute is set or the caller is not in
 * the file's group; a chown of anything but a dir drops S_ISUID whoever
 * does it, and S_ISGID by the same rule (root is in every group).
 */
static void kill_priv_bits(const struct ovl_op *op, struct ovl_entry *v)
{
	bool chown = op->kind == OVL_OP_CHOWN, user = op->as_user;
	bool in_group = !user || op->as_gid == v->gid;

	if (chown ? v->type == OVL_FT_DIR : (v->type != OVL_FT_REG || !user))
		return;
	v->mode &= ~(mode_t)S_ISUID;
	if ((v->mode & S_ISGID) && ((v->mode & S_IXGRP) || !in_group))
		v->mode &= ~(mode_t)S_ISGID;
}

/*
 * A change of an existing name's data or metadata (write, truncate, chmod,
 * chown, utimes, set/removexattr): copy it up, then change the upper copy.
 */
int model_copyup_change(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
			const struct ovl_entry *e, int *want_errno, char **again, struct ovl_err *err)
{
	struct ovl_entry v;
	int r = 0;

	/* user.* xattrs belong to files and dirs only: anything else refuses a change, root's too */
	if ((op->kind == OVL_OP_SETXATTR || op->kind == OVL_OP_REMOVEXATTR) && strncmp(op->name, "user.", 5) == 0 &&
	    e->type != OVL_FT_REG && e->type != OVL_FT_DIR && e->type != OVL_FT_HARDLINK) {
		*want_errno = EPERM;
		return 0;
	}
	if (op->kind == OVL_OP_REMOVEXATTR) {
		bool has = false;

		for (size_t i = 0; i < e->nxattrs; i++)
			has |= strcmp(e->xattrs[i].name, op->name) == 0;
		if (!has) {
			/* Nothing to remove: no copy-up either. */
			*want_errno = ENODATA;
			return 0;
		}
	}
	{
	struct ovl_xattr *oldx;
	char *bytes = NULL;
	size_t len = 0;
	uint64_t id = 0;

	/*
	 * index=on: an xattr change of a name whose inode the index holds
	 * goes to that inode, without giving the name an upper alias.
	 */
	if ((op->kind == OVL_OP_SETXATTR || op->kind == OVL_OP_REMOVEXATTR) && m->nidx &&
	    !ovl_tree_lookup(m->upper, op->path)) {
		r = model_index_id_for(m, view, op->path, false, &id, err);
		if (!r && id && upper_of_id(m, id)) {
			/* the same call at the inode's upper name, once the caller let go of its view */
			*again = strdup(upper_of_id(m, id)->path);
			return *again ? 0 : -ENOMEM;
		}
		if (!r && id) {
			char sp[64];

			state_path(sp, sizeof(sp), id);
			v = *ovl_tree_lookup(m->states, sp);
			oldx = v.xattrs;
			r = model_set_xattr(&v, op->name, op->data, op->len, op->kind == OVL_OP_REMOVEXATTR);
			if (!r)
				r = ovl_tree_replace(m->states, sp, &v);
			if (v.xattrs != oldx)
				free(v.xattrs);
			return r;
		}
		if (r)
			return r;
	}

	if ((op->kind == OVL_OP_WRITE || op->kind == OVL_OP_TRUNCATE) && e->type == OVL_FT_DIR) {
		*want_errno = EISDIR;
		return r;
	}
	/* a fifo (O_NONBLOCK, no reader) or socket does not open for writing; nothing comes up */
	if (op->kind == OVL_OP_WRITE && (e->type == OVL_FT_FIFO || e->type == OVL_FT_SOCK)) {
		/* O_RDWR opens a fifo at once (the bytes go to the pipe), still without a copy-up */
		if (e->type == OVL_FT_SOCK || (op->flags & O_ACCMODE) != O_RDWR)
			*want_errno = ENXIO;
		return r;
	}
	/* /dev/null's numbers (1:3): the bytes go to the driver, the node stays where it is */
	if (op->kind == OVL_OP_WRITE && e->type == OVL_FT_CHR && e->rdev_major == 1 && e->rdev_minor == 3)
		return r;
	if (op->kind == OVL_OP_TRUNCATE && e->type != OVL_FT_REG && e->type != OVL_FT_HARDLINK) {
		*want_errno = EINVAL;
		return r;
	}
	if ((op->kind == OVL_OP_WRITE || op->kind == OVL_OP_TRUNCATE) && e->type != OVL_FT_REG &&
	    e->type != OVL_FT_HARDLINK) {
		r = ovl_err_set(err, ENOTSUP, "model: %s: writing a %s is not modelled", op->path,
				ovl_ftype_name(e->type));
		return r;
	}
	/* an open for writing and a truncate copy the data up with the rest (metacopy=on or not) */
	m->copy_data = op->kind == OVL_OP_WRITE || op->kind == OVL_OP_TRUNCATE;
	r = model_copy_up(m, view, op->path, err);
	m->copy_data = false;
	if (r)
		return r;
	/* Another name of an upper inode: the change is the inode's, made at its first name. */
	{
		const struct ovl_entry *u = ovl_tree_lookup(m->upper, op->path);

		if (u && u->type == OVL_FT_HARDLINK) {
			/* the same call at the first name (a copy: the tree changes under it) */
			*again = strdup(u->target);
			return *again ? 0 : -ENOMEM;
		}
	}
	/* a metacopy file opened for writing or truncated: its data comes up first, the mark goes */
	if (op->kind == OVL_OP_WRITE || op->kind == OVL_OP_TRUNCATE) {
		r = metacopy_bring_data(m, view, op->path, err);
		if (r)
			return r;
	}
	v = *ovl_tree_lookup(m->upper, op->path);
	oldx = v.xattrs;
	if (op->kind == OVL_OP_WRITE || op->kind == OVL_OP_TRUNCATE) {
		const struct ovl_entry *u = ovl_tree_lookup(m->upper, op->path);
		size_t old = (op->kind == OVL_OP_WRITE && (op->flags & O_TRUNC)) ? 0 : u->data_len;
		size_t at = op->kind == OVL_OP_WRITE && (op->flags & O_APPEND) ? old : 0;
		size_t end = op->kind == OVL_OP_TRUNCATE ? (size_t)op->size
			     : (at + op->len > old ? at + op->len : old);

		bytes = calloc(1, end ? end : 1);
		if (!bytes) {
			r = -ENOMEM;
			return r;
		}
		memcpy(bytes, u->data, old < end ? old : end);
		if (op->kind == OVL_OP_WRITE)
			memcpy(bytes + at, op->data, op->len);
		len = end;
		/* A write or truncate drops file capabilities (the kernel's killpriv), a user's the set-id bits. */
		void *olddata = v.data_ref;

#ifdef OVL_MODEL_WRONG_KILLPRIV
		r = 0; /* Deliberately wrong: the capability and the set-id bits stay. */
#else
		kill_priv_bits(op, &v);
		r = model_set_xattr(&v, "security.capability", NULL, 0, true);
#endif
		if (!r) {
			r = model_adopt_data(&v, (unsigned char *)bytes, len);
			bytes = NULL;
		}
		/* truncate(2) grows a file that has no data (empty, or all hole) by a hole */
		if (!r && op->kind == OVL_OP_TRUNCATE && len && (!old || u->fill == OVL_FILL_HOLE))
			v.fill = OVL_FILL_HOLE;
		free(bytes);
		if (!r)
			r = ovl_tree_replace(m->upper, op->path, &v);
		/* v's data is the new copy, or still the tree's own buffer when a step failed */
		if (v.data_ref != olddata)
			tree_data_drop(&v);
		if (v.xattrs != oldx)
			free(v.xattrs);
		return r;
	} else if (op->kind == OVL_OP_CHMOD) {
		v.mode = op->mode & 07777;
	} else if (op->kind == OVL_OP_CHOWN) {
		/* the set-id bits go by the group the file had */
		kill_priv_bits(op, &v);
		v.uid = op->uid;
		v.gid = op->gid;
		/* A change of owner drops file capabilities too. */
		r = model_set_xattr(&v, "security.capability", NULL, 0, true);
	} else if (op->kind == OVL_OP_SETXATTR || op->kind == OVL_OP_REMOVEXATTR) {
		r = model_set_xattr(&v, op->name, op->data, op->len, op->kind == OVL_OP_REMOVEXATTR);
	}
	/* v shares the tree entry's buffers; replace copies them before it lets go. */
	if (!r)
		r = ovl_tree_replace(m->upper, op->path, &v);
	if (v.xattrs != oldx)
		free(v.xattrs);
	}
	return r;
}
