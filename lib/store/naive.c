// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store/naive.c - Docker's naive diff. overlay2 commits a container's
 * upper dir as it is ("native diff") unless the kernel's overlay would put
 * redirects or metacopy marks there, which a tar of the upper dir would
 * carry wrongly: Docker probes for that at start (a dir rename that leaves
 * trusted.overlay.redirect, a chown that leaves trusted.overlay.metacopy,
 * with the module's defaults, since it mounts with index=off only) and
 * then diffs the container's view against its image's instead, as moby's
 * archive.ChangesDirs does: a name is added, deleted, or modified when its
 * mode, owner, rdev or (not for dirs) size or mtime differ; a dir holding
 * changes is listed too; a deleted dir's names are not. The layer is those
 * changes, as ExportChanges writes them; its size (ChangesSize) the
 * apparent size of each changed non-dir, each inode once.
 */
#define _GNU_SOURCE
#include "ovl-store.h"
#include "ovl-model.h"
#include "ovl-common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A Y/N parameter of the overlay module: 1, 0, or -errno. */
static int module_yes(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/overlay/parameters/%s", name);
	return ovl_read_yes(path);
}

bool ovl_store_naive_diff(char *why, size_t len)
{
	bool redirect = module_yes("redirect_dir") == 1, metacopy = module_yes("metacopy") == 1;

	if (why && len)
		snprintf(why, len, "%s", redirect ? "the kernel's overlay has redirect_dir on by default"
				       : metacopy ? "the kernel's overlay has metacopy on by default" : "");
	return redirect || metacopy;
}

static bool ts_equal(const struct ovl_entry *a, const struct ovl_entry *b)
{
	return a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static size_t target_len(const struct ovl_entry *e)
{
	return e->target ? strlen(e->target) : 0;
}

/* moby's statDifferent(), on what the trees know (the capability xattr too). */
static bool differs(const struct ovl_entry *o, const struct ovl_entry *n)
{
	const struct ovl_xattr *oc = NULL, *nc = NULL;

	if (o->type != n->type || o->mode != n->mode || o->uid != n->uid || o->gid != n->gid ||
	    o->rdev_major != n->rdev_major || o->rdev_minor != n->rdev_minor)
		return true;
	if (n->type != OVL_FT_DIR) {
		uint64_t os = o->type == OVL_FT_LNK ? target_len(o) : o->size, ns = n->type == OVL_FT_LNK ? target_len(n) : n->size;

		if (os != ns || !ts_equal(o, n))
			return true;
		/* what a model knows in place of a new mtime: the bytes changed */
		if (o->type == OVL_FT_REG && o->has_digest && n->has_digest && memcmp(o->sha256, n->sha256, 32))
			return true;
	}
	for (size_t i = 0; i < o->nxattrs; i++)
		if (strcmp(o->xattrs[i].name, "security.capability") == 0)
			oc = &o->xattrs[i];
	for (size_t i = 0; i < n->nxattrs; i++)
		if (strcmp(n->xattrs[i].name, "security.capability") == 0)
			nc = &n->xattrs[i];
	return (oc != NULL) != (nc != NULL) || (oc && (oc->len != nc->len || memcmp(oc->value, nc->value, oc->len)));
}

enum change { CH_NONE, CH_ADD, CH_MODIFY, CH_DELETE };

struct naive {
	const char *upper;
	const char *const *lowers;
	size_t nlowers;
	struct ovl_tree *new, *old;
	char **paths;			/* changes, in path order */
	enum change *kinds;
	size_t n, cap;
	struct ovl_err *err;
};

static int push(struct naive *nv, const char *path, enum change k)
{
	if (nv->n == nv->cap) {
		size_t cap = nv->cap ? nv->cap * 2 : 64;
		char **p = realloc(nv->paths, cap * sizeof(*p));
		enum change *kk;

		if (!p)
			return -ENOMEM;
		nv->paths = p;
		kk = realloc(nv->kinds, cap * sizeof(*kk));
		if (!kk)
			return -ENOMEM;
		nv->kinds = kk;
		nv->cap = cap;
	}
	if (!(nv->paths[nv->n] = strdup(path)))
		return -ENOMEM;
	nv->kinds[nv->n++] = k;
	return 0;
}

/* The changes, as ChangesDirs finds them, into nv->paths in canonical order. */
static int find_changes(struct naive *nv)
{
	size_t nn = ovl_tree_count(nv->new), no = ovl_tree_count(nv->old);
	enum change *k = calloc(nn + no + 1, sizeof(*k));
	int r = 0;

	if (!k)
		return -ENOMEM;
	/* per name of the new view: added, modified or not */
	for (size_t i = 0; i < nn; i++) {
		const struct ovl_entry *n = ovl_tree_entry_at(nv->new, i), *o = ovl_tree_lookup(nv->old, n->path);

		if (strcmp(n->path, "/") == 0)
			continue;
		if (!o)
			k[i] = CH_ADD;
		else if (differs(ovl_tree_inode_entry(nv->old, o), ovl_tree_inode_entry(nv->new, n)))
			k[i] = CH_MODIFY;
	}
	/* a dir holding changes is listed as modified (not the root) */
	for (size_t i = nn; i-- > 0;) {
		const struct ovl_entry *n = ovl_tree_entry_at(nv->new, i);

		if (k[i] == CH_NONE || strcmp(n->path, "/") == 0)
			continue;
		for (size_t j = i; j-- > 0;) {
			const struct ovl_entry *d = ovl_tree_entry_at(nv->new, j);

			if (strcmp(d->path, "/") != 0 && ovl_path_is_below(n->path, d->path) && k[j] == CH_NONE)
				k[j] = CH_MODIFY;
		}
	}
	/* names gone: the topmost of a gone subtree only; their dirs listed as modified */
	for (size_t i = 0; i < no; i++) {
		const struct ovl_entry *o = ovl_tree_entry_at(nv->old, i);
		char parent[PATH_MAX];
		size_t pi;

		if (strcmp(o->path, "/") == 0 || ovl_tree_lookup(nv->new, o->path))
			continue;
		snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(o->path, '/') - o->path), o->path);
		if (*parent && !ovl_tree_lookup(nv->new, parent))
			continue; /* below a gone dir */
		r = push(nv, o->path, CH_DELETE);
		for (char *s = parent; !r && *s; s = strrchr(parent, '/') ? strrchr(parent, '/') : parent) {
			if (ovl_tree_find_index(nv->new, parent, &pi) == 0 && k[pi] == CH_NONE)
				k[pi] = CH_MODIFY;
			*strrchr(parent, '/') = 0;
			if (!*parent)
				break;
		}
		if (r)
			break;
	}
	for (size_t i = 0; i < nn && !r; i++)
		if (k[i] != CH_NONE)
			r = push(nv, ovl_tree_entry_at(nv->new, i)->path, k[i]);
	free(k);
	if (r)
		return ovl_err_set(nv->err, -r, "out of memory");
	/* canonical order, deletions among the rest */
	for (size_t i = 1; i < nv->n; i++)
		for (size_t j = i; j > 0 && ovl_path_cmp(nv->paths[j - 1], nv->paths[j]) > 0; j--) {
			char *tp = nv->paths[j];
			enum change tk = nv->kinds[j];

			nv->paths[j] = nv->paths[j - 1];
			nv->kinds[j] = nv->kinds[j - 1];
			nv->paths[j - 1] = tp;
			nv->kinds[j - 1] = tk;
		}
	return 0;
}

/* Where the new view's entry e lives on disk. */
static void source_of(const struct naive *nv, const struct ovl_entry *e, char *out, size_t len)
{
	const char *dir = ovl_layer_is(e->layer, OVL_LAYER_UPPER) || e->layer.n <= 0 ? nv->upper
			  : nv->lowers[e->layer.n - 1];

	snprintf(out, len, "%s%s", dir, e->layer_path ? e->layer_path : e->path);
}

static int copy_xattrs(const char *from, const char *to)
{
	char names[65536], val[65536];
	ssize_t n = llistxattr(from, names, sizeof(names));

	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		ssize_t v;

		if (strncmp(names + i, "trusted.overlay.", 16) == 0)
			continue;
		v = lgetxattr(from, names + i, val, sizeof(val));
		if (v >= 0 && lsetxattr(to, names + i, val, (size_t)v, 0) && errno != ENOTSUP)
			return -errno;
	}
	return 0;
}

/* One change put into the staging dir, as the layer must hold it. */
static int copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out, r = 0;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if ((r = ovl_write_all(out, buf, (size_t)n)))
			break;
	if (n < 0 && !r)
		r = -errno;
	if (close(out) && !r)
		r = -errno;
	close(in);
	return r > 0 ? -r : r;
}

static int stage_one(struct naive *nv, const char *stage, size_t i, struct ovl_strset *seen)
{
	const char *path = nv->paths[i];
	const struct ovl_entry *e = ovl_tree_lookup(nv->new, path), *m;
	char to[PATH_MAX * 2], from[PATH_MAX * 2], data_from[PATH_MAX * 2] = "";
	struct timespec ts[2];
	int r = 0;

	snprintf(to, sizeof(to), "%s%s", stage, path);
	if (nv->kinds[i] == CH_DELETE)
		return mknod(to, S_IFCHR | 0600, makedev(0, 0)) ? ovl_err_set(nv->err, errno, "%s: %m", to) : 0;
	m = ovl_tree_inode_entry(nv->new, e);
	if (!m)
		return ovl_err_set(nv->err, EINVAL, "%s: a link to nothing", path);
	source_of(nv, m, from, sizeof(from));
	/* metacopy: the upper file holds metadata only; its bytes are the lower file's */
	if (m->type == OVL_FT_REG && lgetxattr(from, "trusted.overlay.metacopy", NULL, 0) >= 0) {
		{
			const struct ovl_entry *o = ovl_tree_inode_entry(nv->old, ovl_tree_lookup(nv->old, path));

			if (o && o->type == OVL_FT_REG)
				source_of(nv, o, data_from, sizeof(data_from));
		}
	}
	switch (m->type) {
	case OVL_FT_DIR:
		if (mkdir(to, m->mode & 07777))
			return ovl_err_set(nv->err, errno, "%s: %m", to);
		break;
	case OVL_FT_REG: {
		char key[64];
		int first = -1;

		/* a second changed name of an inode: a hard link, as the tar writer finds it */
		snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)m->dev, (unsigned long long)m->ino);
		r = ovl_strset_add(seen, key, (int)i, &first);
		if (r == -EEXIST) {
			char fp[PATH_MAX * 2];

			snprintf(fp, sizeof(fp), "%s%s", stage, nv->paths[first]);
			return link(fp, to) ? ovl_err_set(nv->err, errno, "link %s: %m", to) : 0;
		}
		if (r)
			return ovl_err_set(nv->err, ENOMEM, "out of memory");
		r = copy_file(data_from[0] ? data_from : from, to, m->mode & 07777);
		if (r)
			return ovl_err_set(nv->err, -r, "copying %s: %s", from, strerror(-r));
		break;
	}
	case OVL_FT_LNK:
		if (symlink(m->target ? m->target : "", to))
			return ovl_err_set(nv->err, errno, "%s: %m", to);
		break;
	case OVL_FT_FIFO:
	case OVL_FT_SOCK:
	case OVL_FT_CHR:
	case OVL_FT_BLK: {
		mode_t t = m->type == OVL_FT_FIFO ? S_IFIFO : m->type == OVL_FT_SOCK ? S_IFSOCK
			   : m->type == OVL_FT_CHR ? S_IFCHR : S_IFBLK;

		if (mknod(to, t | (m->mode & 07777), makedev(m->rdev_major, m->rdev_minor)))
			return ovl_err_set(nv->err, errno, "%s: %m", to);
		break;
	}
	default:
		return ovl_err_set(nv->err, EINVAL, "%s: a %s in a view", path, ovl_ftype_name(m->type));
	}
	if (lchown(to, m->uid, m->gid))
		return ovl_err_set(nv->err, errno, "%s: %m", to);
	if (m->type != OVL_FT_LNK && chmod(to, m->mode & 07777))
		return ovl_err_set(nv->err, errno, "%s: %m", to);
	r = copy_xattrs(from, to);
	if (r)
		return ovl_err_set(nv->err, -r, "%s: xattrs: %s", to, strerror(-r));
	ts[0] = m->mtime;
	ts[1] = m->mtime;
	/* dirs get theirs after their names are in */
	if (m->type != OVL_FT_DIR && utimensat(AT_FDCWD, to, ts, AT_SYMLINK_NOFOLLOW))
		return ovl_err_set(nv->err, errno, "%s: %m", to);
	return 0;
}

int ovl_layer_commit_naive(const char *upper, const char *const *lowers, size_t nlowers, const char *stage_dir,
			   int outfd, struct ovl_digest *diff_id, uint64_t *changes_size, struct ovl_err *err)
{
	struct naive nv = { .upper = upper, .lowers = lowers, .nlowers = nlowers, .err = err };
	struct ovl_strset *seen = NULL, *counted = NULL;
	uint64_t size = 0;
	int r;

	if ((r = ovl_model_merge_dirs(upper, lowers, nlowers, &nv.new, err)) ||
	    (r = ovl_model_merge_dirs(NULL, lowers, nlowers, &nv.old, err)) || (r = find_changes(&nv)))
		goto out;
	if (mkdir(stage_dir, 0755)) {
		r = ovl_err_set(err, errno, "%s: %m", stage_dir);
		goto out;
	}
	seen = ovl_strset_new();
	counted = ovl_strset_new();
	if (!seen || !counted) {
		r = ovl_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nv.n && !r; i++) {
		r = stage_one(&nv, stage_dir, i, seen);
		/* ChangesSize: each changed non-dir's apparent size, each inode once */
		if (!r && nv.kinds[i] != CH_DELETE) {
			const struct ovl_entry *m = ovl_tree_inode_entry(nv.new, ovl_tree_lookup(nv.new, nv.paths[i]));
			char key[64];

			snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)m->dev, (unsigned long long)m->ino);
			if (m->type != OVL_FT_DIR && ovl_strset_add(counted, key, 0, NULL) == 0)
				size += m->type == OVL_FT_LNK ? target_len(m) : m->size;
		}
	}
	/* the dirs' times last, deepest first, as their names changed them */
	for (size_t i = nv.n; !r && i-- > 0;) {
		const struct ovl_entry *m = nv.kinds[i] == CH_DELETE ? NULL : ovl_tree_inode_entry(nv.new, ovl_tree_lookup(nv.new, nv.paths[i]));
		char to[PATH_MAX * 2];
		struct timespec ts[2];

		if (!m || m->type != OVL_FT_DIR)
			continue;
		snprintf(to, sizeof(to), "%s%s", stage_dir, nv.paths[i]);
		ts[0] = ts[1] = m->mtime;
		if (utimensat(AT_FDCWD, to, ts, AT_SYMLINK_NOFOLLOW))
			r = ovl_err_set(err, errno, "%s: %m", to);
	}
	if (!r && outfd >= 0)
		r = ovl_layer_commit(stage_dir, outfd, diff_id, NULL, err);
	if (!r && changes_size)
		*changes_size = size;
out:
	ovl_remove_tree(stage_dir);
	ovl_strset_free(seen);
	ovl_strset_free(counted);
	for (size_t i = 0; i < nv.n; i++)
		free(nv.paths[i]);
	free(nv.paths);
	free(nv.kinds);
	ovl_tree_unref(nv.new);
	ovl_tree_unref(nv.old);
	return r;
}

int ovl_naive_changes(const struct ovl_tree *new_view, const struct ovl_tree *old_view, struct ovl_tree **out,
		      struct ovl_err *err)
{
	struct naive nv = { .new = (struct ovl_tree *)new_view, .old = (struct ovl_tree *)old_view, .err = err };
	struct ovl_tree *t = ovl_tree_new();
	int r = t ? find_changes(&nv) : ovl_err_set(err, ENOMEM, "out of memory");

	for (size_t i = 0; i < nv.n && !r; i++) {
		const struct ovl_entry *e = ovl_tree_lookup(new_view, nv.paths[i]);
		struct ovl_entry c;

		if (nv.kinds[i] == CH_DELETE) {
			c = (struct ovl_entry){ .path = nv.paths[i], .type = OVL_FT_WHITEOUT, .layer = { -1 } };
		} else if (e->type == OVL_FT_HARDLINK && e->target && ovl_tree_lookup(t, e->target)) {
			c = *e; /* its first name is in the layer too: a hard link there */
		} else {
			c = *ovl_tree_inode_entry(new_view, e);
			c.path = nv.paths[i];
		}
		c.layer_path = NULL;
		r = ovl_tree_add(t, &c, err);
	}
	for (size_t i = 0; i < nv.n; i++)
		free(nv.paths[i]);
	free(nv.paths);
	free(nv.kinds);
	if (r) {
		ovl_tree_unref(t);
		return r;
	}
	*out = t;
	return 0;
}

int ovl_naive_size(const char *upper, const char *const *lowers, size_t nlowers, uint64_t *size, struct ovl_err *err)
{
	struct ovl_tree *nw = NULL, *old = NULL, *ch = NULL;
	struct ovl_strset *counted = ovl_strset_new();
	int r = counted ? 0 : ovl_err_set(err, ENOMEM, "out of memory");

	*size = 0;
	if (!r && !(r = ovl_model_merge_dirs(upper, lowers, nlowers, &nw, err)) &&
	    !(r = ovl_model_merge_dirs(NULL, lowers, nlowers, &old, err)))
		r = ovl_naive_changes(nw, old, &ch, err);
	for (size_t i = 0; !r && i < ovl_tree_count(ch); i++) {
		const struct ovl_entry *e = ovl_tree_entry_at(ch, i), *m = ovl_tree_inode_entry(nw, ovl_tree_lookup(nw, e->path));
		char key[64];

		if (!m || m->type == OVL_FT_DIR || e->type == OVL_FT_WHITEOUT)
			continue;
		snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)m->dev, (unsigned long long)m->ino);
		if (ovl_strset_add(counted, key, 0, NULL) == 0)
			*size += m->type == OVL_FT_LNK ? target_len(m) : m->size;
	}
	ovl_strset_free(counted);
	ovl_tree_unref(nw);
	ovl_tree_unref(old);
	ovl_tree_unref(ch);
	return r;
}
