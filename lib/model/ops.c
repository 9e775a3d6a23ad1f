// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/ops.c - the model of a mount under operations: its life, the
 * dispatch of one operation by family, and describing an operation. See
 * ovl-model.h; README.md says how to add an operation.
 *
 * Deliberately wrong builds, each breaking one rule, for the wrong-model
 * tests (suite/tests/mutants.tsv, scripts/mutants.sh):
 *  -DOVL_MODEL_WRONG_FOLLOW        chmod changes a final symlink itself, not what it points to
 *  -DOVL_MODEL_WRONG_ERROR_ORDER   a user's EACCES comes before the ENOENT of a missing name
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
	ovl_tree_unref(m->view);
	free(m->view_lowers);
	free(m);
}

void ovl_model_set_options(struct ovl_model *m, const struct ovl_model_options *opt)
{
	m->opt = *opt;
	/* the view depends on them (nofollow): make it again */
	ovl_tree_unref(m->view);
	m->view = NULL;
}

const struct ovl_tree *ovl_model_upper(const struct ovl_model *m)
{
	return m->upper;
}


/* The cached view is the view of the model as it is now. */
static bool view_current(const struct ovl_model *m)
{
	if (!m->view || tree_gen(m->view) != m->view_gen || tree_gen(m->upper) != m->view_upper ||
	    tree_gen(m->states) != m->view_states || m->nidx != m->view_nidx || !m->view_lowers)
		return false;
	for (size_t i = 0; i < m->nlowers; i++)
		if (tree_gen(m->lowers[i]) != m->view_lowers[i])
			return false;
	return true;
}

/*
 * The merged view of the model now. Made once per state of the model and
 * shared (a check asks for it per name): callers get a reference and must
 * not change it (when one does, the next call makes a new one).
 */
int ovl_model_view(const struct ovl_model *m, struct ovl_tree **out, struct ovl_err *err)
{
	struct ovl_model *mm = (struct ovl_model *)m; /* the cache only: the model itself stays as it is */
	int r;

	if (view_current(m)) {
		*out = ovl_tree_ref(m->view);
		return 0;
	}
	r = ovl_model_merge_opts(m->upper, (const struct ovl_tree *const *)m->lowers, m->nlowers,
				 &(struct ovl_merge_options){ .nofollow = m->opt.nofollow }, out, err);
	if (!r && m->nidx) {
		r = model_index_view(m, *out);
		if (r) {
			ovl_tree_unref(*out);
			*out = NULL;
			ovl_err_set(err, r, "model: index view: %s", strerror(-r));
		}
	}
	if (r)
		return r;
	ovl_tree_unref(mm->view);
	mm->view = NULL;
	if (!mm->view_lowers)
		mm->view_lowers = calloc(m->nlowers ? m->nlowers : 1, sizeof(*mm->view_lowers));
	if (mm->view_lowers) {
		mm->view = ovl_tree_ref(*out);
		mm->view_gen = tree_gen(*out);
		mm->view_upper = tree_gen(m->upper);
		mm->view_states = tree_gen(m->states);
		mm->view_nidx = m->nidx;
		for (size_t i = 0; i < m->nlowers; i++)
			mm->view_lowers[i] = tree_gen(m->lowers[i]);
	}
	return 0;
}

/* Give e (a shallow copy the caller owns the new buffer of) these bytes as content. */
/* e has len bytes of data: its size and digest follow. */
static int data_taken(struct ovl_entry *e, size_t len)
{
	e->size = len;
	e->fill = OVL_FILL_NONE;
	e->has_digest = EVP_Digest(e->data, len, e->sha256, NULL, EVP_sha256(), NULL) == 1;
	return e->has_digest ? 0 : -EIO;
}

int model_set_data(struct ovl_entry *e, const unsigned char *data, size_t len)
{
	return tree_data_set(e, data, len) ? -ENOMEM : data_taken(e, len);
}

int model_adopt_data(struct ovl_entry *e, unsigned char *bytes, size_t len)
{
	return tree_data_adopt(e, bytes, len) ? -ENOMEM : data_taken(e, len);
}

/* Replace path in the upper tree with e (added when absent). */
int model_upper_put(struct ovl_model *m, const char *path, const struct ovl_entry *e, struct ovl_err *err)
{
	struct ovl_entry v = *e;

	v.path = (char *)path;
	v.layer = OVL_LAYER_NONE;
	v.layer_path = NULL;
	v.data_path = NULL;
	if (ovl_tree_lookup(m->upper, path))
		return ovl_tree_replace(m->upper, path, &v);
	return ovl_tree_add(m->upper, &v, err);
}

int ovl_model_open(const char *upper, const char *const *lowers, size_t nlowers,
		   struct ovl_model **out, struct ovl_err *err)
{
	return ovl_model_open_cached(upper, lowers, nlowers, NULL, out, err);
}

int ovl_model_open_cached(const char *upper, const char *const *lowers, size_t nlowers,
			  struct ovl_scan_cache *cache, struct ovl_model **out, struct ovl_err *err)
{
	return ovl_model_open_flags(upper, lowers, nlowers, cache, 0, out, err);
}

int ovl_model_open_flags(const char *upper, const char *const *lowers, size_t nlowers,
			 struct ovl_scan_cache *cache, unsigned int scan_flags, struct ovl_model **out,
			 struct ovl_err *err)
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
		r = m->lower_dirs[i] ? ovl_tree_scan_cached(lowers[i], scan_flags, cache, &m->lowers[i], err)
				     : ovl_err_set(err, ENOMEM, "out of memory");
	}
	if (!r)
		r = ovl_tree_scan_cached(upper, OVL_SCAN_UPPER | scan_flags, cache, &m->upper, err);
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
		v.data_ref = NULL;
		r = model_set_data(&v, (unsigned char *)bytes, len);
		if (!r)
			r = ovl_tree_replace(m->upper, e->path, &v);
		tree_data_drop(&v);
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
int model_view_bytes(const struct ovl_model *m, const struct ovl_entry *e, char **out, size_t *len,
		      struct ovl_err *err)
{
	char p[PATH_MAX * 2];
	int r;

	if (e->data_path) {
		/* a metacopy file: its data is a lower file's */
		snprintf(p, sizeof(p), "%s%s", m->lower_dirs[e->data_layer.n - 1], e->data_path);
		r = ovl_read_file(p, out, len, 256u << 20);
		return r ? ovl_err_set(err, r, "model: reading %s: %s", p, strerror(-r)) : 0;
	}
	if (ovl_layer_is(e->layer, OVL_LAYER_UPPER)) {
		const struct ovl_entry *u = ovl_tree_lookup(m->upper, e->path);

		*out = malloc(u && u->data_len ? u->data_len : 1);
		if (!*out)
			return -ENOMEM;
		*len = u ? u->data_len : 0;
		if (u && u->data)
			memcpy(*out, u->data, u->data_len);
		return 0;
	}
	snprintf(p, sizeof(p), "%s%s", m->lower_dirs[e->layer.n - 1], e->layer_path ? e->layer_path : e->path);
	r = ovl_read_file(p, out, len, 256u << 20);
	return r ? ovl_err_set(err, r, "model: reading %s: %s", p, strerror(-r)) : 0;
}


void model_parent_of(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "%.*s", (int)(strrchr(path, '/') - path), path);
	if (!*buf)
		snprintf(buf, len, "/");
}

/*
 * The parent dir of path (into parent, "" for the root) as the VFS finds it
 * on the way to path: 0 when it is a dir (*pd, NULL for the root), or the
 * errno a call gets (ENOENT, ENOTDIR, ELOOP...).
 */
int model_parent_errno(const struct ovl_tree *view, const char *path, char *parent, size_t len,
		       const struct ovl_entry **pd)
{
	int rc;

	*pd = NULL;
	snprintf(parent, len, "%.*s", (int)(strrchr(path, '/') - path), path);
	if (*parent && (rc = model_resolve(view, parent, pd)))
		return rc;
	return *pd && (*pd)->type != OVL_FT_DIR ? ENOTDIR : 0;
}

/* ENOENT / ENOTDIR for a path the merged view cannot model_resolve; 0 and *e when it can. */
int model_resolve(const struct ovl_tree *view, const char *path, const struct ovl_entry **e)
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
		if (d->flags & OVL_ENTRY_REFUSED)
			return EPERM;
		if (d->type != OVL_FT_DIR)
			return ENOTDIR;
	}
	*e = ovl_tree_lookup(view, path);
	/* a name overlayfs refuses to look up (a redirect it may not follow) */
	if (*e && ((*e)->flags & OVL_ENTRY_REFUSED)) {
		*e = NULL;
		return EPERM;
	}
	/* another name of a file: the file's entry holds its metadata */
	if (*e && (*e)->type == OVL_FT_HARDLINK && ovl_tree_lookup(view, (*e)->target))
		*e = ovl_tree_lookup(view, (*e)->target);
	return *e ? 0 : ENOENT;
}

int model_set_xattr(struct ovl_entry *v, const char *name, const void *val, size_t len, bool remove)
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


static int link_target(const char *path, const char *target, char *out, size_t len, struct ovl_err *err);
static bool follows_last_link(enum ovl_op_kind kind);

/* Does the walk to path (its parents, then the name) meet a name the view marks refused? */
static bool refused_on_way(const struct ovl_tree *view, const char *path)
{
	char p[PATH_MAX];

	if (!path)
		return false;
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		const struct ovl_entry *d;

		if (s)
			*s = 0;
		d = ovl_tree_lookup(view, p);
		if (s)
			*s = '/';
		if (!d)
			return false;
		if (d->flags & OVL_ENTRY_REFUSED)
			return true;
		if (!s)
			return false;
	}
}

int ovl_model_apply(struct ovl_model *m, const struct ovl_op *op, int *want_errno, struct ovl_err *err)
{
	/*
	 * renameat2's flags are checked before any lookup (EINVAL). Since Linux
	 * 5.8 RENAME_WHITEOUT needs no CAP_MKNOD: a user meets only the usual
	 * model_permission checks, then overlayfs' refusal.
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
	const struct ovl_op *orig = op;

	/*
	 * A name overlayfs refuses to look up (redirect_dir=nofollow): any
	 * call whose walk meets it gets EPERM, the second path of a rename or
	 * link once the first one resolves.
	 */
	{
		struct ovl_tree *view = NULL;
		const struct ovl_entry *e = NULL;
		bool two = op->kind == OVL_OP_RENAME || op->kind == OVL_OP_LINK;
		int r = ovl_model_view(m, &view, err), rc = 0;

		if (r)
			return r;
		if (refused_on_way(view, op->path) || (two && model_resolve(view, op->path, &e) == 0 &&
						       refused_on_way(view, op->path2)))
			rc = EPERM;
		ovl_tree_unref(view);
		if (rc) {
			*want_errno = rc;
			return 0;
		}
	}
	/*
	 * O_CREAT of a name that exists, in a sticky dir: the VFS's
	 * may_create_in_sticky() refuses (EACCES, root too) one that neither
	 * the caller nor the dir's owner owns, in a world-writable dir (or a
	 * group-writable one, as fs.protected_* >= 2 say), unless it is a
	 * regular file or fifo the host's fs.protected_regular/_fifos leave
	 * alone; after EEXIST and EISDIR, before any permission on the name.
	 */
	if (op->kind == OVL_OP_WRITE && (op->flags & O_CREAT) && !(op->flags & O_EXCL)) {
		struct ovl_tree *view = NULL;
		const struct ovl_entry *e = NULL, *d = NULL;
		char cur[PATH_MAX], dir[PATH_MAX];
		int r = ovl_model_view(m, &view, err), rc = 0;

		if (r)
			return r;
		/* O_CREAT follows a final symlink: the name it lands on, and that inode's owner */
		ovl_tree_resolve(view, op->path, true, cur, sizeof(cur));
		e = ovl_tree_inode_entry(view, ovl_tree_lookup(view, cur));
		snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(cur, '/') - cur), cur);
		d = ovl_tree_lookup(view, *dir ? dir : "/");
		if (e && e->type != OVL_FT_DIR && e->type != OVL_FT_LNK && d && d->type == OVL_FT_DIR && (d->mode & S_ISVTX)) {
			uid_t caller = op->as_user ? op->as_uid : 0;
			bool reg = e->type == OVL_FT_REG, fifo = e->type == OVL_FT_FIFO;

			if (!(reg && !m->opt.protected_regular) && !(fifo && !m->opt.protected_fifos) && d->uid != e->uid &&
			    e->uid != caller &&
			    ((d->mode & 0002) || ((d->mode & 0020) && ((m->opt.protected_fifos >= 2 && fifo) ||
								       (m->opt.protected_regular >= 2 && reg)))))
				rc = EACCES;
		}
		ovl_tree_unref(view);
		if (rc) {
			*want_errno = rc;
			return 0;
		}
	}
	/*
	 * A user namespace's root has its capabilities over the inodes whose
	 * owner and group the namespace maps, and none over the others (the
	 * kernel's capable_wrt_inode_uidgid()): a call on such an inode is
	 * judged by its mode bits, as the namespace's user 0:0 (chmod, utimes
	 * with times and chown, which need the owner, are EPERM).
	 */
	if (!op->as_user && m->opt.userns) {
		struct ovl_tree *view = NULL;
		const struct ovl_entry *e = NULL;
		int r = ovl_model_view(m, &view, err), rc = 0;

		if (r)
			return r;
		if (model_resolve(view, op->path, &e) == 0 && model_unmapped_owner(m, e) &&
		    !(e->type == OVL_FT_LNK && follows_last_link(op->kind))) {
			struct ovl_op uop = *op;

			uop.as_user = true;
			uop.as_uid = 0;
			uop.as_gid = 0;
			rc = model_permission(view, &uop, e);
		}
		ovl_tree_unref(view);
		if (rc) {
			*want_errno = rc;
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

		struct ovl_op pop = *op;
		char tp[PATH_MAX];

		/* search permission on the way comes first, whether the name is there or not */
		rc = model_permission(view, op, NULL);
		if (rc) {
			ovl_tree_unref(view);
			*want_errno = rc;
			return 0;
		}

		if (model_resolve(view, op->path, &e) == 0 && e && e->type == OVL_FT_LNK && follows_last_link(op->kind)) {
			/* a call that follows the link asks for permission on what it leads to, and on the way there */
			ovl_tree_resolve(view, op->path, true, tp, sizeof(tp));
			pop.path = tp;
			/* the way to the target: search permission whether it is there or not */
			rc = model_permission(view, &pop, NULL);
			if (rc) {
				ovl_tree_unref(view);
				*want_errno = rc;
				return 0;
			}
			op = &pop;
		}
		if (!rc && (model_resolve(view, op->path, &e) == 0 || makes ||
			    (op->kind == OVL_OP_WRITE && (op->flags & O_CREAT))))
			rc = model_permission(view, op, e);
		/*
		 * renameat2 finds these before vfs_rename() asks for any
		 * permission: RENAME_NOREPLACE over a name (EEXIST), an exchange
		 * with nothing (ENOENT), the source above the target (EINVAL), the
		 * target above the source (ENOTEMPTY).
		 */
		if (!rc && e && op->kind == OVL_OP_RENAME && op->path2) {
			const struct ovl_entry *to = NULL;
			bool have_to = model_resolve(view, op->path2, &to) == 0 && to;
			char parent[PATH_MAX];
			const struct ovl_entry *pd = NULL;
			int pre = -1;

			if (model_parent_errno(view, op->path2, parent, sizeof(parent), &pd) == 0) {
				if ((op->flags & RENAME_NOREPLACE) && have_to)
					pre = EEXIST;
				else if ((op->flags & RENAME_EXCHANGE) && !have_to)
					pre = ENOENT;
				else if (ovl_path_is_below(op->path2, op->path))
					pre = EINVAL;
				else if (have_to && ovl_path_is_below(op->path, op->path2))
					pre = (op->flags & RENAME_EXCHANGE) ? EINVAL : ENOTEMPTY;
				/* vfs_rename(): one inode under both names does nothing, asking nothing */
				else if (strcmp(op->path, op->path2) == 0 ||
					 (have_to && model_same_inode(m, view, op->path, op->path2)))
					pre = 0;
			}
			if (pre >= 0) {
				ovl_tree_unref(view);
				*want_errno = pre;
				return 0;
			}
		}
		/*
		 * linkat finds the new name taken (EEXIST), then refuses what
		 * fs.protected_hardlinks protects (EPERM), before vfs_link()
		 * asks for write permission on the dir.
		 */
		if (!rc && e && op->kind == OVL_OP_LINK && op->path2) {
			const struct ovl_entry *to = NULL, *pd = NULL;
			char parent[PATH_MAX];
			int pre = -1;

			if (model_parent_errno(view, op->path2, parent, sizeof(parent), &pd) == 0) {
				if (model_resolve(view, op->path2, &to) == 0 && to)
					pre = EEXIST;
				else if (m->opt.protected_hardlinks && e->uid != op->as_uid &&
					 (e->type != OVL_FT_REG || (e->mode & S_ISUID) ||
					  (e->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) || !model_may(op, e, 6)))
					pre = EPERM;
			}
			if (pre >= 0) {
				ovl_tree_unref(view);
				*want_errno = pre;
				return 0;
			}
		}
		if (!rc && (op->kind == OVL_OP_UNLINK || op->kind == OVL_OP_RMDIR || (makes && !e) ||
			    op->kind == OVL_OP_LINK || op->kind == OVL_OP_RENAME ||
			    (op->kind == OVL_OP_WRITE && (op->flags & O_CREAT) && !e)))
			rc = model_dir_permission(view, op, op->kind == OVL_OP_LINK ? op->path2 : op->path);
		if (!rc && op->kind == OVL_OP_RENAME)
			rc = model_dir_permission(view, op, op->path2);
		/* vfs_rename(): a dir that changes parent has its ".." rewritten: write permission on it */
		if (!rc && e && op->kind == OVL_OP_RENAME && op->path2) {
			const char *s1 = strrchr(op->path, '/'), *s2 = strrchr(op->path2, '/');
			bool moves = s1 - op->path != s2 - op->path2 || strncmp(op->path, op->path2, (size_t)(s1 - op->path));
			const struct ovl_entry *to = NULL;
			bool have_to = model_resolve(view, op->path2, &to) == 0 && to;
			/* may_delete() of the target finds a type mismatch (ENOTDIR, EISDIR) before ".." is asked for */
			bool mismatch = have_to && !(op->flags & RENAME_EXCHANGE) &&
					((e->type == OVL_FT_DIR) != (to->type == OVL_FT_DIR));

			to = NULL;
			if (mismatch)
				;
			else if (moves && e->type == OVL_FT_DIR && !model_may(op, e, 2))
				rc = EACCES;
			else if (moves && (op->flags & RENAME_EXCHANGE) && model_resolve(view, op->path2, &to) == 0 && to &&
				 to->type == OVL_FT_DIR && !model_may(op, to, 2))
				rc = EACCES;
		}
		/* device nodes need CAP_MKNOD */
		if (!rc && !e && op->kind == OVL_OP_MKNOD && (S_ISCHR(op->mode) || S_ISBLK(op->mode)))
			rc = EPERM;
		ovl_tree_unref(view);
#ifdef OVL_MODEL_WRONG_ERROR_ORDER
		/* Deliberately wrong: the permission answers before the lookup does. */
		if (rc) {
#else
		if (rc && (e || makes || (op->flags & O_CREAT))) {
#endif
			*want_errno = rc;
			return 0;
		}
	}
	op = orig; /* the permission checks may have looked through a link; the call goes through it */
	{
		int r;

		m->refused = 0;
		r = model_apply_op(m, op, want_errno, err);
		if (r && m->refused) {
			/* a copy-up the namespace refused: the call's error, not the model's */
			*want_errno = m->refused;
			m->refused = 0;
			if (err)
				err->msg[0] = 0;
			r = 0;
		}
		return r ? r : model_index_sync(m);
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

/*
 * path with every symlink among its parents followed (relative targets),
 * as the kernel's walk does: 0 and out, or ENOENT, ENOTDIR, ELOOP (EPERM: a
 * name overlayfs refuses).
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
			if (d->flags & OVL_ENTRY_REFUSED) {
				*s = '/';
				return EPERM;
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

/*
 * A call that follows a symlink at the end of the path (relative targets
 * only): *again is its target, where the caller applies the call once it
 * let go of its view (a chain of 40 links would hold 40 views otherwise).
 */
static int follow_link(const struct ovl_op *op, const struct ovl_entry *e, int *want_errno, char **again,
		       struct ovl_err *err)
{
	char to[PATH_MAX];
	int r;

	if (op->follow_depth >= 40) {
		*want_errno = ELOOP;
		return 0;
	}
	r = link_target(op->path, e->target, to, sizeof(to), err);
	if (r)
		return r;
	*again = strdup(to);
	return *again ? 0 : -ENOMEM;
}

static bool follows_last_link(enum ovl_op_kind kind)
{
#ifdef OVL_MODEL_WRONG_FOLLOW
	/* Deliberately wrong: chmod is taken for an lchmod. */
	return kind == OVL_OP_READ || kind == OVL_OP_WRITE || kind == OVL_OP_TRUNCATE || kind == OVL_OP_ACCESS;
#else
	return kind == OVL_OP_READ || kind == OVL_OP_WRITE || kind == OVL_OP_TRUNCATE || kind == OVL_OP_CHMOD ||
	       kind == OVL_OP_ACCESS;
#endif
}

/* A call on a name that exists (after symlinks), by family. */
static int apply_existing(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
			  const struct ovl_entry *e, int *want_errno, char **again, struct ovl_err *err)
{
	switch (op->kind) {
	case OVL_OP_STAT:
	case OVL_OP_ACCESS:
	case OVL_OP_MKDIR:
	case OVL_OP_SYMLINK:
	case OVL_OP_MKNOD:
		return 0; /* (the last three are made before a lookup decides) */
	case OVL_OP_READ:
		/* (opened O_NONBLOCK: a fifo opens; a socket cannot be opened) */
		if (e->type == OVL_FT_DIR)
			*want_errno = EISDIR;
		else if (e->type == OVL_FT_SOCK)
			*want_errno = ENXIO;
		return 0;
	case OVL_OP_READDIR:
		if (e->type != OVL_FT_DIR)
			*want_errno = ENOTDIR;
		return 0;
	case OVL_OP_READLINK:
		if (e->type != OVL_FT_LNK)
			*want_errno = EINVAL;
		return 0;
	case OVL_OP_RENAME:
		return model_rename(m, view, op, e, want_errno, err);
	case OVL_OP_LINK:
		return model_link(m, view, op, e, want_errno, err);
	case OVL_OP_UNLINK:
		if (e->type == OVL_FT_DIR) {
			*want_errno = EISDIR;
			return 0;
		}
		return model_remove_name(m, view, op->path, err);
	case OVL_OP_RMDIR:
		return model_names_rmdir(m, view, op, e, want_errno, err);
	case OVL_OP_REMOVEXATTR:
	case OVL_OP_WRITE:
	case OVL_OP_TRUNCATE:
	case OVL_OP_CHMOD:
	case OVL_OP_CHOWN:
	case OVL_OP_UTIMES:
	case OVL_OP_SETXATTR:
		return model_copyup_change(m, view, op, e, want_errno, again, err);
	}
	return ovl_err_set(err, ENOTSUP, "model: %s: operation %d is not modelled", op->path, (int)op->kind);
}

/*
 * One operation, permissions already granted: symlinks among the parents
 * resolved, then by what the name is: made (create, mkdir, symlink,
 * mknod), followed (a symlink at the end), or changed by its family.
 */
int model_apply_op(struct ovl_model *m, const struct ovl_op *op, int *want_errno, struct ovl_err *err)
{
	struct ovl_tree *view = NULL;
	const struct ovl_entry *e = NULL;
	char *again = NULL;
	bool followed = false;
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
			return model_apply_op(m, &o2, want_errno, err);
		}
	}
	rc = model_resolve(view, op->path, &e);
	if (rc == ENOENT && op->kind == OVL_OP_WRITE && (op->flags & O_CREAT) && model_parent_is_dir(view, op->path))
		r = model_names_create_file(m, view, op, err);
	else if (op->kind == OVL_OP_SYMLINK || op->kind == OVL_OP_MKNOD)
		r = model_make_node(m, view, op, rc, want_errno, err);
	/* O_CREAT|O_EXCL of a name that exists (a symlink too, never followed) */
	else if (rc == 0 && op->kind == OVL_OP_WRITE && (op->flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		*want_errno = EEXIST;
	else if (rc == 0 && e->type == OVL_FT_LNK && follows_last_link(op->kind)) {
		r = follow_link(op, e, want_errno, &again, err);
		followed = true;
	}
	else if (op->kind == OVL_OP_MKDIR)
		r = model_names_mkdir(m, view, op, rc, want_errno, err);
	else if (rc)
		*want_errno = rc;
	else
		r = apply_existing(m, view, op, e, want_errno, &again, err);
	ovl_tree_unref(view);
	if (!r && again) {
		/* the same call elsewhere: at the link's target, or at another name of the inode */
		struct ovl_op o2 = *op;

		o2.path = again;
		o2.follow_depth = op->follow_depth + (followed ? 1 : 0);
		r = model_apply_op(m, &o2, want_errno, err);
	}
	free(again);
	return r;
}

static void model_describe(const struct ovl_op *op, char *buf, size_t len);

void ovl_op_describe(const struct ovl_op *op, char *buf, size_t len)
{
	model_describe(op, buf, len);
	if (op->as_user) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, " as uid %u", (unsigned int)op->as_uid);
	}
}

static void model_describe(const struct ovl_op *op, char *buf, size_t len)
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
