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

#include <openssl/evp.h>

#include "util.h"

struct ovl_model {
	char upper_dir[PATH_MAX];
	char **lower_dirs;
	size_t nlowers;
	struct ovl_tree *upper;		/* as it must be now; regular files carry their bytes */
	struct ovl_tree **lowers;
};

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
	free(m);
}

const struct ovl_tree *ovl_model_upper(const struct ovl_model *m)
{
	return m->upper;
}

int ovl_model_view(const struct ovl_model *m, struct ovl_tree **out, struct ovl_err *err)
{
	return ovl_model_merge(m->upper, (const struct ovl_tree *const *)m->lowers, m->nlowers, out, err);
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
	snprintf(p, sizeof(p), "%s%s", m->lower_dirs[e->layer - 1], e->path);
	r = ovl_read_file(p, out, len, 256u << 20);
	return r ? ovl_err_set(err, r, "model: reading %s: %s", p, strerror(-r)) : 0;
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
		struct ovl_entry v = *e;
		char *bytes = NULL;
		size_t len = 0;

		v.data = NULL;
		if (e->type == OVL_FT_REG) {
			r = view_bytes(m, e, &bytes, &len, err);
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
static int remove_name(struct ovl_model *m, const struct ovl_tree *view, const char *path,
		       struct ovl_err *err)
{
	char parent[PATH_MAX];
	bool has = false;
	int r = 0;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(path, '/') - path), path);
	if (*parent)
		r = copy_up(m, view, parent, err);
	if (!r && ovl_tree_lookup(m->upper, path)) {
		const struct ovl_entry *gone = ovl_tree_lookup(m->upper, path);

		/* The first name of a linked inode goes: its next name becomes the file. */
		if (gone->type == OVL_FT_REG) {
			struct ovl_entry keep = *gone;
			char *first = NULL;

			keep.path = NULL;
			for (size_t i = 0; !r && i < ovl_tree_count(m->upper); i++) {
				const struct ovl_entry *h = ovl_tree_entry_at(m->upper, i);
				struct ovl_entry v;
				char *hp;

				if (h->type != OVL_FT_HARDLINK || strcmp(h->target, path) != 0)
					continue;
				hp = strdup(h->path);
				if (!hp)
					return -ENOMEM;
				if (!first) {
					v = keep;
					first = strdup(hp);
				} else {
					v = (struct ovl_entry){ .type = OVL_FT_HARDLINK, .target = first, .layer = -1 };
				}
				r = first ? ovl_tree_replace(m->upper, hp, &v) : -ENOMEM;
				free(hp);
				gone = ovl_tree_lookup(m->upper, path);
				keep = *gone;
				keep.path = NULL;
			}
			free(first);
		}
		if (!r)
			r = ovl_tree_remove(m->upper, path);
	}
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

/*
 * renameat2(RENAME_EXCHANGE) of e (at op->path) and op->path2: both names
 * come up (with their parents) and trade places in the upper layer; no
 * whiteout, as both names still exist. A dir a lower layer has cannot
 * move without redirect_dir (EXDEV); other dirs and linked files are not
 * modelled.
 */
static int model_exchange(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
			  const struct ovl_entry *e, const char *parent2, int *want_errno,
			  struct ovl_err *err)
{
	const struct ovl_entry *to = ovl_tree_lookup(view, op->path2), *u;
	const struct ovl_entry *ends[2] = { e, to };
	const char *names[2] = { op->path, op->path2 };
	struct ovl_tree *scratch;
	struct ovl_entry v;
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
	for (int i = 0; i < 2; i++) {
		bool lower_dir = false;

		if (ends[i]->type == OVL_FT_HARDLINK || (ends[i]->type != OVL_FT_DIR && ends[i]->nlink > 1))
			return ovl_err_set(err, ENOTSUP, "model: exchanging a linked file (%s) is not modelled",
					   names[i]);
		if (ends[i]->type != OVL_FT_DIR)
			continue;
		r = lower_has(m, names[i], &lower_dir, err);
		if (r)
			return r;
		if (lower_dir || ends[i]->layer != OVL_LAYER_UPPER) {
			*want_errno = EXDEV;
			return 0;
		}
		return ovl_err_set(err, ENOTSUP, "model: exchanging an upper-only dir is not modelled yet");
	}
	r = copy_up(m, view, op->path, err);
	if (!r)
		r = copy_up(m, view, op->path2, err);
	if (!r && *parent2)
		r = copy_up(m, view, parent2, err);
	if (r)
		return r;
	/* Keep a copy of the first end while the second takes its name. */
	scratch = ovl_tree_new();
	if (!scratch)
		return -ENOMEM;
	v = *ovl_tree_lookup(m->upper, op->path);
	v.path = (char *)"/end";
	r = ovl_tree_add(scratch, &v, err);
	if (!r)
		r = ovl_tree_replace(m->upper, op->path, ovl_tree_lookup(m->upper, op->path2));
	if (!r && (u = ovl_tree_lookup(scratch, "/end")))
		r = ovl_tree_replace(m->upper, op->path2, u);
	ovl_tree_unref(scratch);
	return r;
}

/* rename(2) of e (at op->path) to op->path2; see model.h for what is modelled. */
static int model_rename(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
			const struct ovl_entry *e, int *want_errno, struct ovl_err *err)
{
	const struct ovl_entry *to = NULL, *pd = NULL;
	char parent[PATH_MAX];
	bool lower_dir = false;
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
	if (strcmp(op->path, op->path2) == 0)
		return 0;
	if (ovl_path_is_below(op->path2, op->path)) {
		*want_errno = EINVAL;
		return 0;
	}
	to = ovl_tree_lookup(view, op->path2);
	if (to && (op->flags & RENAME_NOREPLACE)) {
		*want_errno = EEXIST;
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
	if (e->type == OVL_FT_DIR) {
		r = lower_has(m, op->path, &lower_dir, err);
		if (r)
			return r;
		/* A dir a lower layer has (merged or lower only) needs redirect_dir to move. */
		if (lower_dir || e->layer != OVL_LAYER_UPPER) {
			*want_errno = EXDEV;
			return 0;
		}
		return ovl_err_set(err, ENOTSUP, "model: renaming an upper-only dir is not modelled yet");
	}
	if (to && to->type == OVL_FT_DIR)
		return ovl_err_set(err, ENOTSUP, "model: renaming over a dir is not modelled yet");
	r = copy_up(m, view, op->path, err);
	if (!r && *parent)
		r = copy_up(m, view, parent, err);
	if (!r) {
		struct ovl_entry v = *ovl_tree_lookup(m->upper, op->path);
		char *path2 = strdup(op->path2);

		if (!path2)
			return -ENOMEM;
		if (ovl_tree_lookup(m->upper, path2))
			r = ovl_tree_remove(m->upper, path2);
		v.path = path2;
		if (!r)
			r = ovl_tree_add(m->upper, &v, err);
		free(path2);
	}
	/* The old name: gone from upper, whited out where a lower layer has it. */
	if (!r)
		r = remove_name(m, view, op->path, err);
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
	/* The inode's first name, in canonical order, is the file; the others link to it. */
	first = strdup(u->type == OVL_FT_HARDLINK ? u->target : op->path);
	second = strdup(op->path2);
	if (!first || !second) {
		free(first);
		free(second);
		return -ENOMEM;
	}
	if (ovl_path_cmp(second, first) < 0) {
		struct ovl_entry file = *ovl_tree_lookup(m->upper, first), ln;

		file.path = second;
		if (ovl_tree_lookup(m->upper, second))
			r = ovl_tree_remove(m->upper, second);
		if (!r)
			r = ovl_tree_add(m->upper, &file, err);
		/* every name of the inode now links to the new first name */
		for (size_t i = 0; !r && i < ovl_tree_count(m->upper); i++) {
			const struct ovl_entry *h = ovl_tree_entry_at(m->upper, i);
			char *hp;

			if (!(h->type == OVL_FT_HARDLINK && strcmp(h->target, first) == 0) &&
			    strcmp(h->path, first) != 0)
				continue;
			hp = strdup(h->path);
			ln = (struct ovl_entry){ .type = OVL_FT_HARDLINK, .target = second, .layer = -1 };
			r = hp ? ovl_tree_replace(m->upper, hp, &ln) : -ENOMEM;
			free(hp);
		}
	} else {
		struct ovl_entry ln = { .type = OVL_FT_HARDLINK, .path = second, .target = first, .layer = -1 };

		if (ovl_tree_lookup(m->upper, second))
			r = ovl_tree_remove(m->upper, second);
		if (!r)
			r = ovl_tree_add(m->upper, &ln, err);
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
		if (resolve(view, op->path, &e) == 0 || op->kind == OVL_OP_MKDIR ||
		    (op->kind == OVL_OP_WRITE && (op->flags & O_CREAT)))
			rc = permission(view, op, e);
		if (!rc && (op->kind == OVL_OP_UNLINK || op->kind == OVL_OP_RMDIR || op->kind == OVL_OP_MKDIR ||
			    op->kind == OVL_OP_LINK || op->kind == OVL_OP_RENAME ||
			    (op->kind == OVL_OP_WRITE && (op->flags & O_CREAT) && !e)))
			rc = dir_permission(view, op, op->kind == OVL_OP_LINK ? op->path2 : op->path);
		if (!rc && op->kind == OVL_OP_RENAME)
			rc = dir_permission(view, op, op->path2);
		ovl_tree_unref(view);
		if (rc && (e || op->kind == OVL_OP_MKDIR || (op->flags & O_CREAT))) {
			*want_errno = rc;
			return 0;
		}
	}
	return apply(m, op, want_errno, err);
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
			if (has)
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
		if (e->type == OVL_FT_DIR)
			*want_errno = EISDIR;
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

		if ((op->kind == OVL_OP_WRITE || op->kind == OVL_OP_TRUNCATE) && e->type == OVL_FT_DIR) {
			*want_errno = EISDIR;
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

				o2.path = u->target;
				ovl_tree_unref(view);
				return apply(m, &o2, want_errno, err);
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
	};

	switch (op->kind) {
	case OVL_OP_WRITE:
		snprintf(buf, len, "open(%s, %s%s%s%s) + write %zu bytes", op->path,
			 (op->flags & O_ACCMODE) == O_RDWR ? "O_RDWR" : "O_WRONLY",
			 op->flags & O_APPEND ? "|O_APPEND" : "", op->flags & O_TRUNC ? "|O_TRUNC" : "",
			 op->flags & O_CREAT ? "|O_CREAT" : "", op->len);
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
