// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/modelops.c - the model of a mount under operations: what each call
 * returns and what the upper layer must hold afterwards. See model.h.
 *
 * Built with -DOVL_MODEL_WRONG_COPY_UP it is deliberately wrong (copy-up
 * brings parents up with default metadata, not their own), for the harness
 * test that proves a wrong model makes the copy-up cases fail readably.
 * With -DOVL_MODEL_WRONG_WHITEOUT it leaves a whiteout only for a name the
 * topmost lower has (forgetting the layers below), for the same test of
 * the whiteout cases.
 */
#define _GNU_SOURCE
#include "model.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <openssl/evp.h>

#include "util.h"

struct ovl_model {
	char upper_dir[PATH_MAX];
	char **lower_dirs;
	size_t nlowers;
	struct ovl_tree *upper;		/* as it must be now; regular files carry their bytes */
	struct ovl_tree **lowers;
	struct ovl_model_options opt;
	/*
	 * index=on: lower hard links copied up (or about to lose a name) go
	 * through the index, and every name of the lower inode then shows the
	 * one upper inode. One record per lower inode: its layer and first
	 * name there; the inode's state lives in `states` at "/<id>", and
	 * upper entries of the inode carry ino == id.
	 */
	struct idx {
		int layer;
		char *lpath;
		uint64_t id;
		unsigned long nlink;	/* the union's link count */
	} *idx;
	size_t nidx;
	struct ovl_tree *states;
};

#define IDX_BASE (1ull << 62)

void ovl_model_free(struct ovl_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nlowers; i++) {
		free(m->lower_dirs[i]);
		ovl_tree_unref(m->lowers[i]);
	}
	free(m->lower_dirs);
	free(m->lowers);
	ovl_tree_unref(m->upper);
	for (size_t i = 0; i < m->nidx; i++)
		free(m->idx[i].lpath);
	free(m->idx);
	ovl_tree_unref(m->states);
	free(m);
}

void ovl_model_set_options(struct ovl_model *m, const struct ovl_model_options *opt)
{
	m->opt = *opt;
}

const struct ovl_tree *ovl_model_upper(const struct ovl_model *m)
{
	return m->upper;
}

static int index_view(const struct ovl_model *m, struct ovl_tree *view);

int ovl_model_view(const struct ovl_model *m, struct ovl_tree **out, struct ovl_err *err)
{
	int r = ovl_model_merge(m->upper, (const struct ovl_tree *const *)m->lowers, m->nlowers, out, err);

	if (!r && m->nidx) {
		r = index_view(m, *out);
		if (r) {
			ovl_tree_unref(*out);
			*out = NULL;
			ovl_err_set(err, r, "model: index view: %s", strerror(-r));
		}
	}
	return r;
}

/* Give e (a shallow copy the caller owns the new buffer of) these bytes as content. */
static int set_data(struct ovl_entry *e, const unsigned char *data, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	e->data = copy;
	e->data_len = len;
	e->size = len;
	e->fill = OVL_FILL_NONE;
	e->has_digest = EVP_Digest(data, len, e->sha256, NULL, EVP_sha256(), NULL) == 1;
	return e->has_digest ? 0 : -EIO;
}

/* Replace path in the upper tree with e (added when absent). */
static int upper_put(struct ovl_model *m, const char *path, const struct ovl_entry *e, struct ovl_err *err)
{
	struct ovl_entry v = *e;

	v.path = (char *)path;
	v.layer = -1;
	v.layer_path = NULL;
	if (ovl_tree_lookup(m->upper, path))
		return ovl_tree_replace(m->upper, path, &v);
	return ovl_tree_add(m->upper, &v, err);
}

int ovl_model_open(const char *upper, const char *const *lowers, size_t nlowers,
		   struct ovl_model **out, struct ovl_err *err)
{
	struct ovl_model *m = calloc(1, sizeof(*m));
	int r = 0;

	if (!m)
		return ovl_err_set(err, ENOMEM, "out of memory");
	snprintf(m->upper_dir, sizeof(m->upper_dir), "%s", upper);
	m->lower_dirs = calloc(nlowers ? nlowers : 1, sizeof(*m->lower_dirs));
	m->lowers = calloc(nlowers ? nlowers : 1, sizeof(*m->lowers));
	if (!m->lower_dirs || !m->lowers) {
		ovl_model_free(m);
		return ovl_err_set(err, ENOMEM, "out of memory");
	}
	m->nlowers = nlowers;
	for (size_t i = 0; i < nlowers && !r; i++) {
		m->lower_dirs[i] = strdup(lowers[i]);
		r = m->lower_dirs[i] ? ovl_tree_scan(lowers[i], 0, &m->lowers[i], err)
				     : ovl_err_set(err, ENOMEM, "out of memory");
	}
	if (!r)
		r = ovl_tree_scan(upper, OVL_SCAN_UPPER, &m->upper, err);
	/* The model changes upper files' bytes itself: load what is there now. */
	for (size_t i = 0; !r && i < ovl_tree_count(m->upper); i++) {
		const struct ovl_entry *e = ovl_tree_entry_at(m->upper, i);
		struct ovl_entry v;
		char p[PATH_MAX * 2], *bytes = NULL;
		size_t len = 0;

		if (e->type != OVL_FT_REG)
			continue;
		snprintf(p, sizeof(p), "%s%s", upper, e->path);
		r = ovl_read_file(p, &bytes, &len, 256u << 20);
		if (r) {
			ovl_err_set(err, r, "%s: %s", p, strerror(-r));
			break;
		}
		v = *e;
		v.data = NULL;
		r = set_data(&v, (unsigned char *)bytes, len);
		if (!r)
			r = ovl_tree_replace(m->upper, e->path, &v);
		free(v.data);
		free(bytes);
	}
	if (r) {
		ovl_model_free(m);
		return r;
	}
	*out = m;
	return 0;
}

/* The bytes of a regular file of the merged view, from the layer that wins it. */
static int view_bytes(const struct ovl_model *m, const struct ovl_entry *e, char **out, size_t *len,
		      struct ovl_err *err)
{
	char p[PATH_MAX * 2];
	int r;

	if (e->layer == OVL_LAYER_UPPER) {
		const struct ovl_entry *u = ovl_tree_lookup(m->upper, e->path);

		*out = malloc(u && u->data_len ? u->data_len : 1);
		if (!*out)
			return -ENOMEM;
		*len = u ? u->data_len : 0;
		if (u && u->data)
			memcpy(*out, u->data, u->data_len);
		return 0;
	}
	snprintf(p, sizeof(p), "%s%s", m->lower_dirs[e->layer - 1], e->layer_path ? e->layer_path : e->path);
	r = ovl_read_file(p, out, len, 256u << 20);
	return r ? ovl_err_set(err, r, "model: reading %s: %s", p, strerror(-r)) : 0;
}

static int normalize_links(struct ovl_model *m);

/* ---- index=on: one upper inode for all names of a lower hard link ------------ */

/*
 * The lower inode a view entry shows: its layer (>= 1), its first name in
 * that layer and that layer's entry. False for upper entries and non-files.
 */
static bool lower_key(const struct ovl_model *m, const struct ovl_tree *view, const struct ovl_entry *e,
		      int *layer, const struct ovl_entry **lower)
{
	const struct ovl_entry *l;

	if (e && e->type == OVL_FT_HARDLINK)
		e = ovl_tree_lookup(view, e->target);
	if (!e || e->layer < 1 || (size_t)e->layer > m->nlowers || e->type != OVL_FT_REG)
		return false;
	l = ovl_tree_lookup(m->lowers[e->layer - 1], e->layer_path ? e->layer_path : e->path);
	if (l && l->type == OVL_FT_HARDLINK)
		l = ovl_tree_lookup(m->lowers[e->layer - 1], l->target);
	if (!l || l->type != OVL_FT_REG)
		return false;
	*layer = e->layer;
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

static struct idx *idx_by_id(const struct ovl_model *m, uint64_t id)
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
	v.target = NULL;
	v.layer_path = NULL;
	v.layer = -1;
	v.ino = x->id;
	v.flags |= OVL_ENTRY_INDEXED;
	state_path(sp, sizeof(sp), x->id);
	v.path = sp;
	r = keep ? set_data(&v, (unsigned char *)bytes, len) : -ENOMEM;
	if (!r)
		r = ovl_tree_add(m->states, &v, err);
	free(v.data);
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
static uint64_t view_id(const struct ovl_model *m, const struct ovl_tree *view, const struct ovl_entry *e)
{
	const struct ovl_entry *t = e, *l;
	struct idx *x;
	int layer;

	if (e->type == OVL_FT_HARDLINK)
		t = ovl_tree_lookup(view, e->target);
	/* only entries the model marked: a real inode number may have high bits too */
	if (t && (t->flags & OVL_ENTRY_INDEXED) && idx_by_id(m, t->ino))
		return t->ino;
	if (t && t->layer == OVL_LAYER_UPPER) {
		const struct ovl_entry *u = ovl_tree_lookup(m->upper, t->path);

		if (u && u->type == OVL_FT_HARDLINK)
			u = ovl_tree_lookup(m->upper, u->target);
		return u && (u->flags & OVL_ENTRY_INDEXED) && idx_by_id(m, u->ino) ? u->ino : 0;
	}
	if (lower_key(m, view, e, &layer, &l) && (x = idx_find(m, layer, l->path)))
		return x->id;
	return 0;
}

/*
 * Every name of an indexed inode, upper or lower, shows the index's inode:
 * the first name in canonical order as the file, the others as links.
 */
static int index_view(const struct ovl_model *m, struct ovl_tree *view)
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
		ids[i] = view_id(m, view, ovl_tree_entry_at(view, i));
	for (size_t i = 0; i < ovl_tree_count(view) && !r; i++) {
		const struct ovl_entry *e = ovl_tree_entry_at(view, i);
		struct idx *x = idx_by_id(m, ids[i]);
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
static int index_sync(struct ovl_model *m)
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
		v = (struct ovl_entry){ .type = OVL_FT_HARDLINK, .target = target, .layer = -1 };
		r = upper_put(m, path, &v, err);
		free(target);
		return r ? r : normalize_links(m);
	}
	state_path(sp, sizeof(sp), id);
	if (!m->states || !ovl_tree_lookup(m->states, sp))
		return ovl_err_set(err, EIO, "model: index record %s has no state", sp);
	v = *ovl_tree_lookup(m->states, sp);
	v.ino = id;
	v.flags |= OVL_ENTRY_INDEXED;
	return upper_put(m, path, &v, err);
}

/*
 * The id of the inode at path when index=on makes it (or already has it)
 * an indexed lower hard link; 0 otherwise. Copying up to the index (no
 * upper name yet) is what the kernel does before a lower hard link loses
 * a name, so that the union keeps counting its links.
 */
static int index_id_for(struct ovl_model *m, const struct ovl_tree *view, const char *path, bool make,
			uint64_t *id, struct ovl_err *err)
{
	const struct ovl_entry *e = ovl_tree_lookup(view, path), *l;
	struct idx *x;
	int layer;

	*id = e ? view_id(m, view, e) : 0;
	if (*id || !make || !m->opt.index || !e || !lower_key(m, view, e, &layer, &l) || l->nlink < 2)
		return 0;
	{
		int r = idx_get(m, layer, l, &x, err);

		if (!r)
			*id = x->id;
		return r;
	}
}

/*
 * Copy path up, as overlayfs must before it changes it: the parents that
 * the upper layer lacks as directories (with the merged view's metadata),
 * then the entry itself with its content.
 */
static int copy_up(struct ovl_model *m, const struct ovl_tree *view, const char *path, struct ovl_err *err)
{
	char p[PATH_MAX];
	const struct ovl_entry *e = ovl_tree_lookup(view, path);
	int r = 0;

	if (!e)
		return ovl_err_set(err, ENOENT, "model: copy-up of %s, which the view lacks", path);
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/'); s && !r; s = strchr(s + 1, '/')) {
		const struct ovl_entry *d, *u;

		*s = 0;
		d = ovl_tree_lookup(view, p);
		u = ovl_tree_lookup(m->upper, p);
#ifdef OVL_MODEL_WRONG_COPY_UP
		if (d && (!u || u->type != OVL_FT_DIR)) {
			struct ovl_entry plain = { .type = OVL_FT_DIR, .mode = 0755 };

			r = upper_put(m, p, &plain, err);
		}
#else
		if (d && (!u || u->type != OVL_FT_DIR))
			r = upper_put(m, p, d, err);
#endif
		*s = '/';
	}
	if (!r && e->layer != OVL_LAYER_UPPER) {
		const struct ovl_entry *src = e;
		struct ovl_entry v;
		char *bytes = NULL;
		size_t len = 0;
		uint64_t id = 0;

		/* a lower name linked to another: the inode's data is at that name */
		if (e->type == OVL_FT_HARDLINK && !(src = ovl_tree_lookup(view, e->target)))
			return ovl_err_set(err, ENOENT, "model: %s links to %s, which the view lacks", path,
					   e->target);
		r = index_id_for(m, view, path, true, &id, err);
		if (r || id)
			return r ? r : copy_up_indexed(m, path, id, err);
		v = *src;
		v.data = NULL;
		if (src->type == OVL_FT_REG) {
			r = view_bytes(m, src, &bytes, &len, err);
			if (!r)
				r = set_data(&v, (unsigned char *)bytes, len);
			free(bytes);
		}
		if (!r)
			r = upper_put(m, path, &v, err);
		free(v.data);
	}
	return r;
}

/* Would path show from a lower layer if the upper layer had nothing at path (itself)? */
static int lower_has(struct ovl_model *m, const char *path, bool *has, struct ovl_err *err)
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

static int upper_drop(struct ovl_model *m, const char *path);

/* Remove path from the upper layer and whiteout it when a lower layer still has it. */
static int remove_name(struct ovl_model *m, const struct ovl_tree *view, const char *path,
		       struct ovl_err *err)
{
	char parent[PATH_MAX];
	bool has = false;
	uint64_t id = 0;
	int r = 0;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(path, '/') - path), path);
	if (*parent)
		r = copy_up(m, view, parent, err);
	/* index=on: a lower hard link goes to the index before it loses a name */
	if (!r)
		r = index_id_for(m, view, path, true, &id, err);
	if (!r && idx_by_id(m, id))
		idx_by_id(m, id)->nlink--;
	if (!r)
		r = upper_drop(m, path);
#ifdef OVL_MODEL_WRONG_WHITEOUT
	/* Deliberately wrong: only a name the topmost lower has gets a whiteout. */
	has = !r && m->nlowers && ovl_tree_lookup(m->lowers[0], path) != NULL;
#else
	if (!r)
		r = lower_has(m, path, &has, err);
#endif
	if (!r && has) {
		struct ovl_entry wh = { .type = OVL_FT_WHITEOUT, .path = (char *)path, .layer = -1 };

		r = ovl_tree_add(m->upper, &wh, err);
	}
	return r;
}

static int resolve(const struct ovl_tree *view, const char *path, const struct ovl_entry **e);
static int set_xattr(struct ovl_entry *v, const char *name, const void *val, size_t len, bool remove);

static void parent_of(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "%.*s", (int)(strrchr(path, '/') - path), path);
	if (!*buf)
		snprintf(buf, len, "/");
}

/* Is the view's dir at path merged with, or only in, lower layers (overlay's merge_or_lower)? */
static bool merge_or_lower(const struct ovl_tree *view, const char *path)
{
	const struct ovl_entry *e = ovl_tree_lookup(view, path);

	return e && (e->layer != OVL_LAYER_UPPER || (e->flags & OVL_ENTRY_MERGED));
}

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
		r = set_xattr(&v, OVL_MODEL_XATTR_REDIRECT, redirect, strlen(redirect), false);
	if (opaque)
		v.flags |= OVL_ENTRY_OPAQUE;
	if (!r)
		r = ovl_tree_replace(m->upper, path, &v);
	if (v.xattrs != oldx)
		free(v.xattrs);
	return r;
}

/*
 * Linked names in the upper tree: the inode's first name in canonical
 * order is the file, every other name links to it. Restore that after
 * names moved.
 */
static int normalize_links(struct ovl_model *m)
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
			ln = (struct ovl_entry){ .type = OVL_FT_HARDLINK, .target = first, .layer = -1 };
			r = op ? ovl_tree_replace(m->upper, op, &ln) : -ENOMEM;
			free(op);
		}
		free(first);
		free(old);
		if (r)
			return r;
		i = (size_t)-1; /* start over: the order of the rest may have changed */
	}
	return 0;
}

/* Drop the name path from the upper layer; a file's next name takes over its inode. */
static int upper_drop(struct ovl_model *m, const char *path)
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
			struct ovl_entry ln = { .type = OVL_FT_HARDLINK, .target = next, .layer = -1 };
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

		r = t->type == OVL_FT_DIR ? ovl_tree_remove(m->upper, to) : upper_drop(m, to);
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
		ln = (struct ovl_entry){ .type = OVL_FT_HARDLINK, .target = nt, .layer = -1 };
		hp = strdup(h->path);
		r = hp ? ovl_tree_replace(m->upper, hp, &ln) : -ENOMEM;
		free(hp);
	}
	ovl_tree_unref(moved);
	return r ? r : normalize_links(m);
}

/* Is the view's dir at path empty? */
static bool view_dir_empty(const struct ovl_tree *view, const char *path)
{
	size_t i;

	return ovl_tree_find_index(view, path, &i) != 0 || i + 1 >= ovl_tree_count(view) ||
	       !ovl_path_is_below(ovl_tree_entry_at(view, i + 1)->path, path);
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
static bool same_inode(const struct ovl_model *m, const struct ovl_tree *view, const char *a, const char *b)
{
	const struct ovl_entry *x = ovl_tree_lookup(view, a), *y = ovl_tree_lookup(view, b), *lx, *ly;
	uint64_t ix, iy;
	int la, lb;

	if (same_upper_inode(m, a, b))
		return true;
	if (!m->opt.index || !x || !y)
		return false;
	ix = view_id(m, view, x);
	iy = view_id(m, view, y);
	if (ix || iy)
		return ix == iy;
	return lower_key(m, view, x, &la, &lx) && lower_key(m, view, y, &lb, &ly) && la == lb && lx == ly &&
	       lx->nlink > 1;
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
	parent_of(parent_from, sizeof(parent_from), path);
	if (merge_or_lower(view, path)) {
		r = make_redirect(m, path, strcmp(parent_from, parent_to) == 0, dm->value, sizeof(dm->value),
				  &keep);
		dm->redirect = !r && !keep;
	} else if (!(u && (u->flags & OVL_ENTRY_OPAQUE)) && merge_or_lower(view, parent_to)) {
		dm->opaque = true;
	}
	return r;
}

static int apply_marks(struct ovl_model *m, const char *path, const struct dir_marks *dm)
{
	return dm->redirect || dm->opaque ? mark_dir(m, path, dm->redirect ? dm->value : NULL, dm->opaque) : 0;
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
	if (same_inode(m, view, op->path, op->path2))
		return 0;
	if (!m->opt.redirect_dir && ((e->type == OVL_FT_DIR && merge_or_lower(view, op->path)) ||
				      (to->type == OVL_FT_DIR && merge_or_lower(view, op->path2)))) {
		*want_errno = EXDEV;
		return 0;
	}
	parent_of(parent1, sizeof(parent1), op->path);
	snprintf(p2, sizeof(p2), "%s", *parent2 ? parent2 : "/");
	r = copy_up(m, view, op->path, err);
	if (!r && *parent2)
		r = copy_up(m, view, parent2, err);
	if (!r)
		r = copy_up(m, view, op->path2, err);
	if (!r && e->type == OVL_FT_DIR)
		r = dir_marks_for(m, view, op->path, p2, &d1);
	if (!r && to->type == OVL_FT_DIR)
		r = dir_marks_for(m, view, op->path2, parent1, &d2);
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

/* rename(2) of e (at op->path) to op->path2; see model.h for what is modelled. */
static int model_rename(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
			const struct ovl_entry *e, int *want_errno, struct ovl_err *err)
{
	const struct ovl_entry *to = NULL, *pd = NULL;
	char parent[PATH_MAX], parent2[PATH_MAX];
	struct dir_marks dm = { 0 };
	bool lower_positive = false;
	int rc, r;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(op->path2, '/') - op->path2), op->path2);
	if (*parent && (rc = resolve(view, parent, &pd))) {
		*want_errno = rc;
		return 0;
	}
	if (pd && pd->type != OVL_FT_DIR) {
		*want_errno = ENOTDIR;
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
	if (e->type == OVL_FT_DIR && merge_or_lower(view, op->path) && !m->opt.redirect_dir) {
		*want_errno = EXDEV;
		return 0;
	}
	/* A target dir with lower layers must be empty: found out before anything comes up. */
	if (to && to->type == OVL_FT_DIR && merge_or_lower(view, op->path2) && !view_dir_empty(view, op->path2)) {
		*want_errno = ENOTEMPTY;
		return 0;
	}
	if (to && same_inode(m, view, op->path, op->path2))
		return 0; /* two names of one inode: rename does nothing */
	r = lower_has(m, op->path, &lower_positive, err);
	/* Both ends come up before the target dir is found not empty. */
	if (!r)
		r = copy_up(m, view, op->path, err);
	if (!r && *parent)
		r = copy_up(m, view, parent, err);
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
		r = index_id_for(m, view, op->path2, true, &id, err);
		if (!r && idx_by_id(m, id))
			idx_by_id(m, id)->nlink--;
	}
	if (!r && e->type == OVL_FT_DIR)
		r = dir_marks_for(m, view, op->path, parent2, &dm);
	if (!r)
		r = upper_move(m, op->path, op->path2, err);
	if (!r)
		r = apply_marks(m, op->path2, &dm);
	/* The old name: whited out where a lower layer has it. */
	if (!r && lower_positive) {
		struct ovl_entry wh = { .type = OVL_FT_WHITEOUT, .path = (char *)op->path, .layer = -1 };

		r = ovl_tree_add(m->upper, &wh, err);
	}
	return r;
}

/* link(2) of e (at op->path) as op->path2. */
static int model_link(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
		      const struct ovl_entry *e, int *want_errno, struct ovl_err *err)
{
	const struct ovl_entry *pd = NULL, *u;
	char parent[PATH_MAX], *first, *second;
	int rc, r;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(op->path2, '/') - op->path2), op->path2);
	if (*parent && (rc = resolve(view, parent, &pd))) {
		*want_errno = rc;
		return 0;
	}
	if (pd && pd->type != OVL_FT_DIR) {
		*want_errno = ENOTDIR;
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
	r = copy_up(m, view, op->path, err);
	if (!r && *parent)
		r = copy_up(m, view, parent, err);
	if (r)
		return r;
	u = ovl_tree_lookup(m->upper, op->path);
	first = strdup(u->type == OVL_FT_HARDLINK ? u->target : op->path);
	if (first) {
		const struct ovl_entry *f = ovl_tree_lookup(m->upper, first);

		if (f && (f->flags & OVL_ENTRY_INDEXED) && idx_by_id(m, f->ino))
			idx_by_id(m, f->ino)->nlink++;
	}
	second = strdup(op->path2);
	if (first && second) {
		struct ovl_entry ln = { .type = OVL_FT_HARDLINK, .path = second, .target = first, .layer = -1 };

		/* over a whiteout */
		if (ovl_tree_lookup(m->upper, second))
			r = ovl_tree_remove(m->upper, second);
		if (!r)
			r = ovl_tree_add(m->upper, &ln, err);
		/* the inode's first name in canonical order is the file */
		if (!r)
			r = normalize_links(m);
	} else {
		r = -ENOMEM;
	}
	free(first);
	free(second);
	return r;
}

/* ENOENT / ENOTDIR for a path the merged view cannot resolve; 0 and *e when it can. */
static int resolve(const struct ovl_tree *view, const char *path, const struct ovl_entry **e)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		const struct ovl_entry *d;

		*s = 0;
		d = ovl_tree_lookup(view, p);
		*s = '/';
		if (!d)
			return ENOENT;
		if (d->type != OVL_FT_DIR)
			return ENOTDIR;
	}
	*e = ovl_tree_lookup(view, path);
	/* another name of a file: the file's entry holds its metadata */
	if (*e && (*e)->type == OVL_FT_HARDLINK && ovl_tree_lookup(view, (*e)->target))
		*e = ovl_tree_lookup(view, (*e)->target);
	return *e ? 0 : ENOENT;
}

static int set_xattr(struct ovl_entry *v, const char *name, const void *val, size_t len, bool remove)
{
	struct ovl_xattr *x = NULL;
	size_t n = 0;

	/* Rebuild the sorted list with name set or removed. */
	x = calloc(v->nxattrs + 1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	for (size_t i = 0; i < v->nxattrs; i++)
		if (strcmp(v->xattrs[i].name, name) != 0)
			x[n++] = v->xattrs[i];
	if (!remove) {
		size_t at = 0;

		while (at < n && strcmp(x[at].name, name) < 0)
			at++;
		memmove(&x[at + 1], &x[at], (n - at) * sizeof(*x));
		x[at] = (struct ovl_xattr){ (char *)name, (unsigned char *)val, len };
		n++;
	}
	v->xattrs = x;
	v->nxattrs = n;
	return 0;
}

static int resolve(const struct ovl_tree *view, const char *path, const struct ovl_entry **e);
static int apply(struct ovl_model *m, const struct ovl_op *op, int *want_errno, struct ovl_err *err);

/* May uid:gid (no capabilities) have access want (4 read, 2 write, 1 search) to e? */
static bool may(const struct ovl_op *op, const struct ovl_entry *e, unsigned int want)
{
	unsigned int bits = op->as_uid == e->uid ? (e->mode >> 6) & 7
			    : op->as_gid == e->gid ? (e->mode >> 3) & 7 : e->mode & 7;

	return (bits & want) == want;
}

/* The user's permission checks for op: 0, or EACCES / EPERM. */
static int permission(const struct ovl_tree *view, const struct ovl_op *op, const struct ovl_entry *e)
{
	const char *paths[2] = { op->path, op->path2 };

	/* Search permission on every parent of every path the call names. */
	for (int k = 0; k < 2 && paths[k]; k++) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s", paths[k]);
		for (char *s = p + 1, *slash; (slash = strchr(s, '/')); s = slash + 1) {
			const struct ovl_entry *d;

			*slash = 0;
			d = ovl_tree_lookup(view, p);
			*slash = '/';
			if (d && d->type == OVL_FT_DIR && !may(op, d, 1))
				return EACCES;
		}
		{
			const struct ovl_entry *root = ovl_tree_lookup(view, "/");

			if (root && !may(op, root, 1))
				return EACCES;
		}
	}
	switch (op->kind) {
	case OVL_OP_READ:
	case OVL_OP_READDIR:
		return e && !may(op, e, op->kind == OVL_OP_READDIR ? 4 : 4) ? EACCES : 0;
	case OVL_OP_WRITE:
	case OVL_OP_TRUNCATE:
	case OVL_OP_ACCESS:
		return e && !may(op, e, 2) ? EACCES : 0;
	case OVL_OP_SETXATTR:
	case OVL_OP_REMOVEXATTR:
		return e && !may(op, e, 2) ? EACCES : 0;
	case OVL_OP_CHMOD:
	case OVL_OP_UTIMES:
		return e && e->uid != op->as_uid ? EPERM : 0;
	case OVL_OP_CHOWN:
		/* The owner may keep the owner and pick the group among the user's own (as_gid). */
		return e && (e->uid != op->as_uid || (op->uid != (uid_t)-1 && op->uid != e->uid) ||
			     (op->gid != (gid_t)-1 && op->gid != e->gid && op->gid != op->as_gid)) ? EPERM : 0;
	default:
		return 0;
	}
}

/* Write and search on the dir that holds path (for names made or removed). */
static int dir_permission(const struct ovl_tree *view, const struct ovl_op *op, const char *path)
{
	char parent[PATH_MAX];
	const struct ovl_entry *d;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(path, '/') - path), path);
	d = ovl_tree_lookup(view, *parent ? parent : "/");
	return d && d->type == OVL_FT_DIR && !may(op, d, 3) ? EACCES : 0;
}

int ovl_model_apply(struct ovl_model *m, const struct ovl_op *op, int *want_errno, struct ovl_err *err)
{
	/*
	 * renameat2's flags are checked before any lookup (EINVAL). Since Linux
	 * 5.8 RENAME_WHITEOUT needs no CAP_MKNOD: a user meets only the usual
	 * permission checks, then overlayfs' refusal.
	 */
	if (op->kind == OVL_OP_RENAME) {
		unsigned int f = (unsigned int)op->flags;

		*want_errno = 0;
		if ((f & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) ||
		    ((f & RENAME_EXCHANGE) && (f & (RENAME_NOREPLACE | RENAME_WHITEOUT)))) {
			*want_errno = EINVAL;
			return 0;
		}
	}
	if (op->as_user) {
		struct ovl_tree *view = NULL;
		const struct ovl_entry *e = NULL;
		int r = ovl_model_view(m, &view, err), rc = 0;

		if (r)
			return r;
		bool makes = op->kind == OVL_OP_MKDIR || op->kind == OVL_OP_SYMLINK || op->kind == OVL_OP_MKNOD;

		if (resolve(view, op->path, &e) == 0 || makes ||
		    (op->kind == OVL_OP_WRITE && (op->flags & O_CREAT)))
			rc = permission(view, op, e);
		if (!rc && (op->kind == OVL_OP_UNLINK || op->kind == OVL_OP_RMDIR || (makes && !e) ||
			    op->kind == OVL_OP_LINK || op->kind == OVL_OP_RENAME ||
			    (op->kind == OVL_OP_WRITE && (op->flags & O_CREAT) && !e)))
			rc = dir_permission(view, op, op->kind == OVL_OP_LINK ? op->path2 : op->path);
		if (!rc && op->kind == OVL_OP_RENAME)
			rc = dir_permission(view, op, op->path2);
		/* device nodes need CAP_MKNOD */
		if (!rc && !e && op->kind == OVL_OP_MKNOD && (S_ISCHR(op->mode) || S_ISBLK(op->mode)))
			rc = EPERM;
		ovl_tree_unref(view);
		if (rc && (e || makes || (op->flags & O_CREAT))) {
			*want_errno = rc;
			return 0;
		}
	}
	{
		int r = apply(m, op, want_errno, err);

		return r ? r : index_sync(m);
	}
}

/* Where a symlink at path with a relative target points, as a path of the view. */
static int link_target(const char *path, const char *target, char *out, size_t len, struct ovl_err *err)
{
	char buf[PATH_MAX * 2], *save = NULL;
	size_t n;

	if (target[0] == '/')
		return ovl_err_set(err, ENOTSUP, "model: %s: an absolute symlink points outside the mount",
				   path);
	snprintf(buf, sizeof(buf), "%.*s/%s", (int)(strrchr(path, '/') - path), path, target);
	out[0] = 0;
	n = 0;
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			char *slash = strrchr(out, '/');

			if (slash)
				*slash = 0;
			n = strlen(out);
			continue;
		}
		n += (size_t)snprintf(out + n, n < len ? len - n : 0, "/%s", c);
		if (n >= len)
			return ovl_err_set(err, ENAMETOOLONG, "model: %s: target too long", path);
	}
	if (!out[0])
		snprintf(out, len, "/");
	return 0;
}

/* symlink(2) and mknod(2): a new name in the upper layer (over a whiteout: simply replacing it). */
static int make_node(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op, int rc,
		     int *want_errno, struct ovl_err *err)
{
	char parent[PATH_MAX];
	const struct ovl_entry *pd = NULL;
	struct ovl_entry n = { .layer = -1, .uid = op->as_user ? op->as_uid : 0,
			       .gid = op->as_user ? op->as_gid : 0 };
	char target[PATH_MAX];
	int prc, r = 0;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(op->path, '/') - op->path), op->path);
	prc = *parent ? resolve(view, parent, &pd) : 0;
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
	if (*parent)
		r = copy_up(m, view, parent, err);
	if (!r && ovl_tree_lookup(m->upper, op->path))
		r = ovl_tree_remove(m->upper, op->path);
	if (!r)
		r = upper_put(m, op->path, &n, err);
	return r;
}

/*
 * path with every symlink among its parents followed (relative targets),
 * as the kernel's walk does: 0 and out, or ENOENT, ENOTDIR, ELOOP.
 */
static int walk_parents(const struct ovl_tree *view, const char *path, char *out, size_t len,
			struct ovl_err *err, int *r)
{
	char cur[PATH_MAX * 2];

	snprintf(cur, sizeof(cur), "%s", path);
	for (int links = 0;;) {
		char *s;
		bool again = false;

		for (s = strchr(cur + 1, '/'); s; s = strchr(s + 1, '/')) {
			const struct ovl_entry *d;
			char to[PATH_MAX], rest[PATH_MAX * 2];

			*s = 0;
			d = ovl_tree_lookup(view, cur);
			if (!d) {
				*s = '/';
				return ENOENT;
			}
			if (d->type == OVL_FT_DIR) {
				*s = '/';
				continue;
			}
			if (d->type != OVL_FT_LNK) {
				*s = '/';
				return ENOTDIR;
			}
			if (++links > 40)
				return ELOOP;
			if ((*r = link_target(cur, d->target, to, sizeof(to), err)))
				return 0;
			snprintf(rest, sizeof(rest), "%s", s + 1);
			snprintf(cur, sizeof(cur), "%s/%s", strcmp(to, "/") ? to : "", rest);
			again = true;
			break;
		}
		if (!again)
			break;
	}
	snprintf(out, len, "%s", cur);
	return 0;
}

static int apply(struct ovl_model *m, const struct ovl_op *op, int *want_errno, struct ovl_err *err)
{
	struct ovl_tree *view = NULL;
	const struct ovl_entry *e = NULL;
	struct ovl_entry v;
	int r = ovl_model_view(m, &view, err), rc;

	*want_errno = 0;
	if (r)
		return r;
	/* Symlinks among the parents of either path: the same call on the paths they lead to. */
	{
		char p1[PATH_MAX], p2[PATH_MAX];

		rc = walk_parents(view, op->path, p1, sizeof(p1), err, &r);
		if (!rc && !r && op->path2 && (op->kind == OVL_OP_RENAME || op->kind == OVL_OP_LINK))
			rc = walk_parents(view, op->path2, p2, sizeof(p2), err, &r);
		else
			snprintf(p2, sizeof(p2), "%s", op->path2 ? op->path2 : "");
		if (r || rc) {
			ovl_tree_unref(view);
			*want_errno = rc;
			return r;
		}
		if (strcmp(p1, op->path) != 0 || (op->path2 && strcmp(p2, op->path2) != 0)) {
			struct ovl_op o2 = *op;

			o2.path = p1;
			o2.path2 = op->path2 ? p2 : NULL;
			ovl_tree_unref(view);
			return apply(m, &o2, want_errno, err);
		}
	}
	rc = resolve(view, op->path, &e);
	if (rc == ENOENT && op->kind == OVL_OP_WRITE && (op->flags & O_CREAT)) {
		char parent[PATH_MAX];
		const struct ovl_entry *pd = NULL;

		snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(op->path, '/') - op->path), op->path);
		if (!*parent || (resolve(view, parent, &pd) == 0 && pd->type == OVL_FT_DIR)) {
			/* A new file: its parents come up, it is made in the upper layer. */
			struct ovl_entry nf = { .type = OVL_FT_REG, .mode = op->mode & 07777 & ~022, .layer = -1,
						.uid = op->as_user ? op->as_uid : 0,
						.gid = op->as_user ? op->as_gid : 0 };

			if (*parent)
				r = copy_up(m, view, parent, err);
			if (!r)
				r = set_data(&nf, op->data, op->len);
			if (!r)
				r = upper_put(m, op->path, &nf, err);
			free(nf.data);
			ovl_tree_unref(view);
			return r;
		}
	}
	if (op->kind == OVL_OP_SYMLINK || op->kind == OVL_OP_MKNOD) {
		r = make_node(m, view, op, rc, want_errno, err);
		ovl_tree_unref(view);
		return r;
	}
	/* O_CREAT|O_EXCL of a name that exists (a symlink too, never followed) */
	if (rc == 0 && op->kind == OVL_OP_WRITE && (op->flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		*want_errno = EEXIST;
		ovl_tree_unref(view);
		return 0;
	}
	/* Calls that follow a symlink at the end of the path do so (relative targets only). */
	if (rc == 0 && e->type == OVL_FT_LNK &&
	    (op->kind == OVL_OP_READ || op->kind == OVL_OP_WRITE || op->kind == OVL_OP_TRUNCATE ||
	     op->kind == OVL_OP_CHMOD || op->kind == OVL_OP_ACCESS)) {
		struct ovl_op o2 = *op;
		char to[PATH_MAX];

		if (op->follow_depth >= 40) {
			*want_errno = ELOOP;
			ovl_tree_unref(view);
			return 0;
		}
		r = link_target(op->path, e->target, to, sizeof(to), err);
		ovl_tree_unref(view);
		if (r)
			return r;
		o2.path = to;
		o2.follow_depth = op->follow_depth + 1;
		return apply(m, &o2, want_errno, err);
	}
	if (op->kind == OVL_OP_MKDIR) {
		char parent[PATH_MAX];
		const struct ovl_entry *pd = NULL;
		int prc;

		snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(op->path, '/') - op->path), op->path);
		prc = *parent ? resolve(view, parent, &pd) : 0;
		if (rc == 0)
			*want_errno = EEXIST;
		else if (prc)
			*want_errno = prc;
		else if (pd && pd->type != OVL_FT_DIR)
			*want_errno = ENOTDIR;
		else {
			/* Over a whiteout (a lower layer has the name) the new dir is opaque. */
			struct ovl_entry nd = { .type = OVL_FT_DIR, .mode = op->mode & 07777 & ~022, .layer = -1,
						.uid = op->as_user ? op->as_uid : 0,
						.gid = op->as_user ? op->as_gid : 0 };
			bool has = false;

			if (*parent)
				r = copy_up(m, view, parent, err);
			if (!r)
				r = lower_has(m, op->path, &has, err);
			/*
			 * Opaque over a whiteout, so nothing of the lower dir shows; and,
			 * unless the mount allows offline changes of its layers (none of
			 * index, metacopy, redirect_dir=on, xino=on), in any merge dir,
			 * where the kernel marks every new dir opaque to spare later
			 * lookups the lower layers (ovl_create_upper()).
			 */
			if (has || (m->opt.no_offline_changes && merge_or_lower(view, *parent ? parent : "/")))
				nd.flags = OVL_ENTRY_OPAQUE;
			if (!r && ovl_tree_lookup(m->upper, op->path))
				r = ovl_tree_remove(m->upper, op->path);
			if (!r)
				r = upper_put(m, op->path, &nd, err);
		}
		ovl_tree_unref(view);
		return r;
	}
	if (rc) {
		*want_errno = rc;
		ovl_tree_unref(view);
		return 0;
	}
	switch (op->kind) {
	case OVL_OP_STAT:
	case OVL_OP_ACCESS:
		break;
	case OVL_OP_READ:
		/* (opened O_NONBLOCK: a fifo opens; a socket cannot be opened) */
		if (e->type == OVL_FT_DIR)
			*want_errno = EISDIR;
		else if (e->type == OVL_FT_SOCK)
			*want_errno = ENXIO;
		break;
	case OVL_OP_READDIR:
		if (e->type != OVL_FT_DIR)
			*want_errno = ENOTDIR;
		break;
	case OVL_OP_READLINK:
		if (e->type != OVL_FT_LNK)
			*want_errno = EINVAL;
		break;
	case OVL_OP_MKDIR:
	case OVL_OP_SYMLINK:
	case OVL_OP_MKNOD:
		break; /* handled above */
	case OVL_OP_RENAME:
		r = model_rename(m, view, op, e, want_errno, err);
		break;
	case OVL_OP_LINK:
		r = model_link(m, view, op, e, want_errno, err);
		break;
	case OVL_OP_UNLINK:
		if (e->type == OVL_FT_DIR)
			*want_errno = EISDIR;
		else
			r = remove_name(m, view, op->path, err);
		break;
	case OVL_OP_RMDIR: {
		size_t i;

		if (strcmp(op->path, "/") == 0) {
			*want_errno = EBUSY;
			break;
		}
		if (e->type != OVL_FT_DIR) {
			*want_errno = ENOTDIR;
			break;
		}
		/* Empty in the merged view (whiteouts do not count) or ENOTEMPTY. */
		if (ovl_tree_find_index(view, op->path, &i) == 0 && i + 1 < ovl_tree_count(view) &&
		    ovl_path_is_below(ovl_tree_entry_at(view, i + 1)->path, op->path)) {
			*want_errno = ENOTEMPTY;
			break;
		}
		r = remove_name(m, view, op->path, err);
		break;
	}
	case OVL_OP_REMOVEXATTR: {
		bool has = false;

		for (size_t i = 0; i < e->nxattrs; i++)
			has |= strcmp(e->xattrs[i].name, op->name) == 0;
		if (!has) {
			/* Nothing to remove: no copy-up either. */
			*want_errno = ENODATA;
			break;
		}
	}
		/* fall through */
	case OVL_OP_WRITE:
	case OVL_OP_TRUNCATE:
	case OVL_OP_CHMOD:
	case OVL_OP_CHOWN:
	case OVL_OP_UTIMES:
	case OVL_OP_SETXATTR: {
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
			r = index_id_for(m, view, op->path, false, &id, err);
			if (!r && id && upper_of_id(m, id)) {
				struct ovl_op o2 = *op;
				char *up = strdup(upper_of_id(m, id)->path);

				o2.path = up;
				r = up ? apply(m, &o2, want_errno, err) : -ENOMEM;
				free(up);
				break;
			}
			if (!r && id) {
				char sp[64];

				state_path(sp, sizeof(sp), id);
				v = *ovl_tree_lookup(m->states, sp);
				oldx = v.xattrs;
				r = set_xattr(&v, op->name, op->data, op->len, op->kind == OVL_OP_REMOVEXATTR);
				if (!r)
					r = ovl_tree_replace(m->states, sp, &v);
				if (v.xattrs != oldx)
					free(v.xattrs);
				break;
			}
			if (r)
				break;
		}

		if ((op->kind == OVL_OP_WRITE || op->kind == OVL_OP_TRUNCATE) && e->type == OVL_FT_DIR) {
			*want_errno = EISDIR;
			break;
		}
		/* a fifo (O_NONBLOCK, no reader) or socket does not open for writing; nothing comes up */
		if (op->kind == OVL_OP_WRITE && (e->type == OVL_FT_FIFO || e->type == OVL_FT_SOCK)) {
			/* O_RDWR opens a fifo at once (the bytes go to the pipe), still without a copy-up */
			if (e->type == OVL_FT_SOCK || (op->flags & O_ACCMODE) != O_RDWR)
				*want_errno = ENXIO;
			break;
		}
		if (op->kind == OVL_OP_TRUNCATE && e->type != OVL_FT_REG && e->type != OVL_FT_HARDLINK) {
			*want_errno = EINVAL;
			break;
		}
		if ((op->kind == OVL_OP_WRITE || op->kind == OVL_OP_TRUNCATE) && e->type != OVL_FT_REG &&
		    e->type != OVL_FT_HARDLINK) {
			r = ovl_err_set(err, ENOTSUP, "model: %s: writing a %s is not modelled", op->path,
					ovl_ftype_name(e->type));
			break;
		}
		r = copy_up(m, view, op->path, err);
		if (r)
			break;
		/* Another name of an upper inode: the change is the inode's, made at its first name. */
		{
			const struct ovl_entry *u = ovl_tree_lookup(m->upper, op->path);

			if (u && u->type == OVL_FT_HARDLINK) {
				struct ovl_op o2 = *op;
				char *first = strdup(u->target); /* the tree changes under the call */

				ovl_tree_unref(view);
				if (!first)
					return -ENOMEM;
				o2.path = first;
				r = apply(m, &o2, want_errno, err);
				free(first);
				return r;
			}
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
				break;
			}
			memcpy(bytes, u->data, old < end ? old : end);
			if (op->kind == OVL_OP_WRITE)
				memcpy(bytes + at, op->data, op->len);
			len = end;
			/* A write or truncate drops file capabilities (the kernel's killpriv). */
			r = set_xattr(&v, "security.capability", NULL, 0, true);
			if (!r)
				r = set_data(&v, (unsigned char *)bytes, len);
			free(bytes);
			if (!r)
				r = ovl_tree_replace(m->upper, op->path, &v);
			free(v.data);
			if (v.xattrs != oldx)
				free(v.xattrs);
			break;
		} else if (op->kind == OVL_OP_CHMOD) {
			v.mode = op->mode & 07777;
		} else if (op->kind == OVL_OP_CHOWN) {
			v.uid = op->uid;
			v.gid = op->gid;
			/* A change of owner drops file capabilities too. */
			r = set_xattr(&v, "security.capability", NULL, 0, true);
		} else if (op->kind == OVL_OP_SETXATTR || op->kind == OVL_OP_REMOVEXATTR) {
			r = set_xattr(&v, op->name, op->data, op->len, op->kind == OVL_OP_REMOVEXATTR);
		}
		/* v shares the tree entry's buffers; replace copies them before it lets go. */
		if (!r)
			r = ovl_tree_replace(m->upper, op->path, &v);
		if (v.xattrs != oldx)
			free(v.xattrs);
		break;
	}
	}
	ovl_tree_unref(view);
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
	if ((x = idx_by_id(m, view_id(m, view, e)))) {
		/* an indexed inode: the union's own count */
		*nlink = x->nlink;
	} else if (t->layer == OVL_LAYER_UPPER) {
		/* an upper inode: its names in the upper layer */
		const struct ovl_entry *u = ovl_tree_lookup(m->upper, t->path);
		const char *first = u && u->type == OVL_FT_HARDLINK ? u->target : t->path;

		*nlink = 1;
		for (size_t i = 0; i < ovl_tree_count(m->upper); i++) {
			const struct ovl_entry *h = ovl_tree_entry_at(m->upper, i);

			*nlink += h->type == OVL_FT_HARDLINK && strcmp(h->target, first) == 0;
		}
	} else if (lower_key(m, view, e, &layer, &l)) {
		/* a lower inode: the lower file's count, names hidden or copied away included */
		*nlink = l->nlink;
	} else {
		r = ovl_err_set(err, EINVAL, "model: no inode for %s", path);
	}
	ovl_tree_unref(view);
	return r;
}

static void describe(const struct ovl_op *op, char *buf, size_t len);

void ovl_op_describe(const struct ovl_op *op, char *buf, size_t len)
{
	describe(op, buf, len);
	if (op->as_user) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, " as uid %u", (unsigned int)op->as_uid);
	}
}

static void describe(const struct ovl_op *op, char *buf, size_t len)
{
	static const char *const names[] = {
		[OVL_OP_READ] = "read", [OVL_OP_STAT] = "lstat", [OVL_OP_READDIR] = "readdir",
		[OVL_OP_READLINK] = "readlink", [OVL_OP_ACCESS] = "access W_OK", [OVL_OP_WRITE] = "write",
		[OVL_OP_TRUNCATE] = "truncate", [OVL_OP_CHMOD] = "chmod", [OVL_OP_CHOWN] = "lchown",
		[OVL_OP_UTIMES] = "utimensat", [OVL_OP_SETXATTR] = "lsetxattr",
		[OVL_OP_REMOVEXATTR] = "lremovexattr", [OVL_OP_UNLINK] = "unlink", [OVL_OP_RMDIR] = "rmdir",
		[OVL_OP_MKDIR] = "mkdir", [OVL_OP_RENAME] = "rename", [OVL_OP_LINK] = "link",
		[OVL_OP_SYMLINK] = "symlink", [OVL_OP_MKNOD] = "mknod",
	};

	switch (op->kind) {
	case OVL_OP_WRITE:
		snprintf(buf, len, "open(%s, %s%s%s%s) + write %zu bytes", op->path,
			 (op->flags & O_ACCMODE) == O_RDWR ? "O_RDWR" : "O_WRONLY",
			 op->flags & O_APPEND ? "|O_APPEND" : "", op->flags & O_TRUNC ? "|O_TRUNC" : "",
			 op->flags & O_CREAT ? (op->flags & O_EXCL ? "|O_CREAT|O_EXCL" : "|O_CREAT") : "", op->len);
		break;
	case OVL_OP_TRUNCATE:
		snprintf(buf, len, "truncate(%s, %llu)", op->path, (unsigned long long)op->size);
		break;
	case OVL_OP_CHMOD:
	case OVL_OP_MKDIR:
		snprintf(buf, len, "%s(%s, %04o)", names[op->kind], op->path, (unsigned int)op->mode);
		break;
	case OVL_OP_CHOWN:
		snprintf(buf, len, "lchown(%s, %u, %u)", op->path, (unsigned int)op->uid, (unsigned int)op->gid);
		break;
	case OVL_OP_SETXATTR:
	case OVL_OP_REMOVEXATTR:
		snprintf(buf, len, "%s(%s, %s)", names[op->kind], op->path, op->name);
		break;
	case OVL_OP_LINK:
		snprintf(buf, len, "link(%s, %s)", op->path, op->path2);
		break;
	case OVL_OP_SYMLINK:
		snprintf(buf, len, "symlink(\"%.*s\", %s)", (int)op->len, (const char *)op->data, op->path);
		break;
	case OVL_OP_MKNOD:
		snprintf(buf, len, "mknod(%s, 0%o, %u:%u)", op->path, (unsigned int)op->mode, op->rdev_major,
			 op->rdev_minor);
		break;
	case OVL_OP_RENAME:
		snprintf(buf, len, "rename(%s, %s%s%s%s)", op->path, op->path2,
			 op->flags & RENAME_NOREPLACE ? ", RENAME_NOREPLACE" : "",
			 op->flags & RENAME_EXCHANGE ? ", RENAME_EXCHANGE" : "",
			 op->flags & RENAME_WHITEOUT ? ", RENAME_WHITEOUT" : "");
		break;
	default:
		snprintf(buf, len, "%s(%s)", names[op->kind], op->path);
	}
}
