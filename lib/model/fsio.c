// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/fsio.c - trees and real directories: materialize a tree into a
 * directory (never leaving it) and scan a directory back into a tree.
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
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "tree-private.h"

/* ---- materialize --------------------------------------------------------- */

/* Open the directory holding path (relative to rootfd), never leaving root. */
static int open_parent(int rootfd, const char *path, const char **name)
{
	char buf[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = (size_t)(slash - path);

	*name = slash + 1;
	if (n == 0) {
		int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);

		return fd < 0 ? -errno : fd;
	}
	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path + 1, n - 1);
	buf[n - 1] = 0;
	return ovl_openat_beneath(rootfd, buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int write_content(int fd, const struct ovl_entry *e)
{
	unsigned char buf[FILL_CHUNK];

	if (e->fill == OVL_FILL_NONE)
		return ovl_write_all(fd, e->data, e->data_len);
	if (e->fill == OVL_FILL_HOLE)
		return ftruncate(fd, (off_t)e->size) ? -errno : 0;
	tree_fill_chunk(e->fill, buf);
	for (uint64_t off = 0; off < e->size;) {
		size_t n = e->size - off < sizeof(buf) ? (size_t)(e->size - off) : sizeof(buf);
		int r;

		r = ovl_write_all(fd, buf, n);
		if (r)
			return r;
		off += n;
	}
	return 0;
}

static int set_xattrs(int pfd, const char *name, int fd, const struct ovl_entry *e)
{
	char proc[64 + NAME_MAX];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", pfd, name);
	for (size_t i = 0; i < e->nxattrs; i++) {
		const struct ovl_xattr *x = &e->xattrs[i];
		int r = fd >= 0 ? fsetxattr(fd, x->name, x->value, x->len, 0)
				: lsetxattr(proc, x->name, x->value, x->len, 0);

		if (r)
			return -errno;
	}
	return 0;
}

static int materialize_one(int rootfd, const struct ovl_tree *t, const struct ovl_entry *e,
			   unsigned int flags, struct ovl_err *err)
{
	const char *name;
	int pfd, fd = -1, r = 0;
	const char *what = "create";

	if (strcmp(e->path, "/") == 0) {
		pfd = -1;
		fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return ovl_err_set(err, errno, "%s: dup: %m", e->path);
		goto attrs;
	}
	pfd = open_parent(rootfd, e->path, &name);
	if (pfd < 0)
		return ovl_err_set(err, pfd, "%s: cannot open parent dir: %s", e->path, strerror(-pfd));
	switch (e->type) {
	case OVL_FT_DIR:
		if (mkdirat(pfd, name, 0700))
			goto fail_errno;
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		break;
	case OVL_FT_REG:
		if (e->flags & OVL_ENTRY_DIGEST_ONLY) {
			r = -EINVAL;
			what = "content known only by its sha256 (a dump line), cannot write it";
			goto fail;
		}
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 && (r = write_content(fd, e))) {
			what = "write";
			goto fail;
		}
		break;
	case OVL_FT_LNK:
		if (symlinkat(e->target, pfd, name))
			goto fail_errno;
		break;
	case OVL_FT_FIFO:
	case OVL_FT_SOCK:
	case OVL_FT_CHR:
	case OVL_FT_BLK: {
		mode_t fmt = e->type == OVL_FT_FIFO ? S_IFIFO : e->type == OVL_FT_SOCK ? S_IFSOCK
			   : e->type == OVL_FT_CHR ? S_IFCHR : S_IFBLK;

		if (mknodat(pfd, name, fmt | 0600, makedev(e->rdev_major, e->rdev_minor)))
			goto fail_errno;
		break;
	}
	case OVL_FT_WHITEOUT:
		if (e->flags & OVL_ENTRY_XATTR_FORM) {
			fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd < 0)
				goto fail_errno;
			if (fsetxattr(fd, OVL_XATTR_WHITEOUT, "", 0, 0)) {
				what = "setxattr " OVL_XATTR_WHITEOUT;
				goto fail_errno;
			}
		} else if (mknodat(pfd, name, S_IFCHR | 0000, makedev(0, 0))) {
			what = "mknod 0/0 whiteout";
			goto fail_errno;
		}
		goto done;
	case OVL_FT_HARDLINK: {
		const char *tname;
		int tpfd = open_parent(rootfd, e->target, &tname);

		if (tpfd < 0) {
			r = tpfd;
			goto fail;
		}
		r = linkat(tpfd, tname, pfd, name, 0) ? -errno : 0;
		close(tpfd);
		what = "link";
		if (r)
			goto fail;
		goto done;
	}
	}
	if (fd < 0 && (e->type == OVL_FT_DIR || e->type == OVL_FT_REG))
		goto fail_errno;
attrs:
	if (!(flags & OVL_MAT_NO_OWNER)) {
		what = "chown";
		if (fd >= 0 ? fchown(fd, e->uid, e->gid)
			    : fchownat(pfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW))
			goto fail_errno;
	}
	what = "setxattr";
	if ((r = set_xattrs(pfd, pfd >= 0 ? name : "", fd, e)))
		goto fail;
	if (e->type == OVL_FT_DIR && (e->flags & (OVL_ENTRY_OPAQUE | OVL_ENTRY_XWHITEOUTS))) {
		const char *v = (e->flags & OVL_ENTRY_OPAQUE) ? "y" : "x";

		what = "setxattr " OVL_XATTR_OPAQUE;
		if (fsetxattr(fd, OVL_XATTR_OPAQUE, v, 1, 0))
			goto fail_errno;
	}
	if (e->type == OVL_FT_REG && (e->flags & OVL_ENTRY_METACOPY)) {
		what = "setxattr " OVL_XATTR_METACOPY;
		if (fsetxattr(fd, OVL_XATTR_METACOPY, "", 0, 0))
			goto fail_errno;
	}
	/* Directory modes are set afterwards, in reverse order. */
	what = "chmod";
	if (e->type == OVL_FT_REG && fchmod(fd, e->mode))
		goto fail_errno;
	if (e->type != OVL_FT_DIR && e->type != OVL_FT_REG && e->type != OVL_FT_LNK &&
	    fchmodat(pfd, name, e->mode, 0))
		goto fail_errno;
	goto done;
fail_errno:
	r = -errno;
fail:
	ovl_err_set(err, r, "%s: %s: %s", e->path, what, strerror(-r));
done:
	(void)t;
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	return r;
}

int ovl_tree_materialize(const struct ovl_tree *t, const char *dir, unsigned int flags,
			 struct ovl_err *err)
{
	int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (rootfd < 0)
		return ovl_err_set(err, errno, "%s: cannot open target dir: %m", dir);
	/* Hard links last: their target may sort after them. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < t->n && !r; i++) {
			if ((t->v[i].type == OVL_FT_HARDLINK) != (pass == 1))
				continue;
			r = materialize_one(rootfd, t, &t->v[i], flags, err);
			if (r)
				ovl_err_prefix(err, "%s", dir);
		}
	for (size_t i = t->n; i-- > 0 && !r;) {
		const struct ovl_entry *e = &t->v[i];
		int fd;

		if (e->type != OVL_FT_DIR)
			continue;
		fd = strcmp(e->path, "/") == 0 ? fcntl(rootfd, F_DUPFD_CLOEXEC, 0)
		     : ovl_openat_beneath(rootfd, e->path + 1, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fchmod(fd, e->mode))
			r = ovl_err_set(err, fd < 0 ? fd : errno, "%s%s: chmod %04o: %s", dir,
					e->path, (unsigned int)e->mode,
					strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			close(fd);
	}
	close(rootfd);
	return r;
}

/* ---- scan ------------------------------------------------------------------ */

/*
 * A userxattr union's layer: its user.overlay.X marks are overlay's own,
 * renamed trusted.overlay.X, the form the rest of the model reads; a
 * trusted.overlay.X there (plain to such a union) goes, as the name is
 * taken. 0 or -ENOMEM.
 */
static int xattr_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ovl_xattr *)a)->name, ((const struct ovl_xattr *)b)->name);
}

static int userxattr_marks(struct ovl_entry *e)
{
	static const char user[] = "user.overlay.";
	bool renamed = false;

	for (size_t i = 0; i < e->nxattrs; i++) {
		char *n;

		if (strncmp(e->xattrs[i].name, user, strlen(user)) != 0)
			continue;
		if (asprintf(&n, "%s%s", OVL_XATTR_PREFIX, e->xattrs[i].name + strlen(user)) < 0)
			return -ENOMEM;
		for (size_t k = 0; k < e->nxattrs; k++)
			if (k != i && strcmp(e->xattrs[k].name, n) == 0) {
				tree_xattr_del(e, k);
				if (k < i)
					i--;
				break;
			}
		free(e->xattrs[i].name);
		e->xattrs[i].name = n;
		renamed = true;
	}
	/* the list stays sorted by name */
	if (renamed)
		qsort(e->xattrs, e->nxattrs, sizeof(*e->xattrs), xattr_name_cmp);
	return 0;
}

static int read_xattrs(int fd, const char *path, struct ovl_entry *e)
{
	char *names = NULL;
	ssize_t len;
	int r = 0;

	for (;;) {
		len = fd >= 0 ? flistxattr(fd, NULL, 0) : llistxattr(path, NULL, 0);
		if (len <= 0) {
			int rc = len < 0 && errno != ENOTSUP ? -errno : 0;

			free(names);
			return rc;
		}
		free(names);
		names = malloc((size_t)len);
		if (!names)
			return -ENOMEM;
		len = fd >= 0 ? flistxattr(fd, names, (size_t)len) : llistxattr(path, names, (size_t)len);
		if (len == 0) {
			free(names);
			return 0;
		}
		if (len > 0)
			break;
		if (errno != ERANGE) {
			free(names);
			return -errno;
		}
	}
	for (char *n = names; n < names + len && !r; n += strlen(n) + 1) {
		unsigned char *val = NULL;
		ssize_t vlen;

		for (;;) {
			vlen = fd >= 0 ? fgetxattr(fd, n, NULL, 0) : lgetxattr(path, n, NULL, 0);
			if (vlen < 0)
				break;
			free(val);
			val = malloc((size_t)vlen + 1);
			if (!val) {
				r = -ENOMEM;
				break;
			}
			vlen = fd >= 0 ? fgetxattr(fd, n, val, (size_t)vlen)
				       : lgetxattr(path, n, val, (size_t)vlen);
			if (vlen >= 0 || errno != ERANGE)
				break;
		}
		if (!r && vlen < 0 && errno != ENODATA)
			r = -errno;
		if (!r && vlen >= 0)
			r = tree_xattr_add(e, n, val, (size_t)vlen);
		free(val);
	}
	free(names);
	return r;
}

static ssize_t xattr_find(const struct ovl_entry *e, const char *name)
{
	for (size_t i = 0; i < e->nxattrs; i++)
		if (strcmp(e->xattrs[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/* ---- the content cache ----------------------------------------------------- */

struct cache_ent {
	uint64_t dev, ino;		/* ino 0: a free slot */
	uint64_t size;
	struct timespec mtime, ctime;
	unsigned char sha256[32];
	bool hole;
	bool used;			/* a scan took its digest from here: verify reads it again */
};

struct ovl_scan_cache {
	struct cache_ent *v;		/* open addressing, cap a power of two */
	size_t n, cap;
	unsigned long hits;
};

struct ovl_scan_cache *ovl_scan_cache_new(void)
{
	return calloc(1, sizeof(struct ovl_scan_cache));
}

void ovl_scan_cache_free(struct ovl_scan_cache *c)
{
	if (c)
		free(c->v);
	free(c);
}

void ovl_scan_cache_clear(struct ovl_scan_cache *c)
{
	if (!c)
		return;
	if (c->v)
		memset(c->v, 0, c->cap * sizeof(*c->v));
	c->n = 0;
	c->hits = 0;
}

unsigned long ovl_scan_cache_hits(const struct ovl_scan_cache *c)
{
	return c ? c->hits : 0;
}

static size_t cache_slot(const struct ovl_scan_cache *c, uint64_t dev, uint64_t ino)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ull) ^ (ino * 0xc2b2ae3d27d4eb4full);
	size_t i = (size_t)(h ^ (h >> 29)) & (c->cap - 1);

	while (c->v[i].ino && (c->v[i].dev != dev || c->v[i].ino != ino))
		i = (i + 1) & (c->cap - 1);
	return i;
}

static struct cache_ent *cache_find(const struct ovl_scan_cache *c, uint64_t dev, uint64_t ino)
{
	size_t i;

	if (!c || !c->cap || !ino)
		return NULL;
	i = cache_slot(c, dev, ino);
	return c->v[i].ino ? &c->v[i] : NULL;
}

static bool ts_same(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/*
 * t lies well before stamp: a change from stamp on gets a later timestamp.
 * Timestamps come from the kernel's coarse clock (one tick, up to 10 ms at
 * HZ=100) cut to the filesystem's granularity; a whole second may be all a
 * filesystem keeps.
 */
static bool ts_well_before(struct timespec t, struct timespec stamp)
{
	long long slack_ns = t.tv_nsec ? 20000000LL : 1000000000LL;
	long long d = ((long long)stamp.tv_sec - (long long)t.tv_sec) * 1000000000LL +
		      (stamp.tv_nsec - t.tv_nsec);

	return d > slack_ns;
}

static void cache_put(struct ovl_scan_cache *c, const struct stat *st, const struct ovl_entry *e,
		      struct timespec stamp)
{
	struct cache_ent *x;

	if (!c || !st->st_ino || !ts_well_before(st->st_ctim, stamp) || !ts_well_before(st->st_mtim, stamp))
		return;
	if ((c->n + 1) * 2 > c->cap) {
		struct ovl_scan_cache bigger = { .cap = c->cap ? c->cap * 2 : 256 };

		bigger.v = calloc(bigger.cap, sizeof(*bigger.v));
		if (!bigger.v)
			return; /* not cached: only slower */
		for (size_t i = 0; i < c->cap; i++)
			if (c->v[i].ino)
				bigger.v[cache_slot(&bigger, c->v[i].dev, c->v[i].ino)] = c->v[i];
		free(c->v);
		c->v = bigger.v;
		c->cap = bigger.cap;
	}
	x = &c->v[cache_slot(c, st->st_dev, st->st_ino)];
	if (!x->ino)
		c->n++;
	*x = (struct cache_ent){ .dev = st->st_dev, .ino = st->st_ino, .size = e->size, .mtime = st->st_mtim,
				 .ctime = st->st_ctim, .hole = e->fill == OVL_FILL_HOLE };
	memcpy(x->sha256, e->sha256, sizeof(x->sha256));
}

/* What the cache holds for this file as it is now, or NULL. */
static const struct cache_ent *cache_get(struct ovl_scan_cache *c, const struct stat *st)
{
	struct cache_ent *x = cache_find(c, st->st_dev, st->st_ino);

	if (!x || x->size != (uint64_t)st->st_size || !ts_same(x->mtime, st->st_mtim) ||
	    !ts_same(x->ctime, st->st_ctim))
		return NULL;
	x->used = true;
	return x;
}

/*
 * What the cache says of a file (x) is not what a full read gives (size,
 * sha256), though the file's stat (st) is what it was: a scan would have
 * taken the stale answer.
 */
static bool cache_stale(const struct cache_ent *x, const struct stat *st, uint64_t size, const unsigned char sha256[32])
{
	return (x->size != size || memcmp(x->sha256, sha256, sizeof(x->sha256)) != 0) &&
	       x->size == (uint64_t)st->st_size && ts_same(x->mtime, st->st_mtim) && ts_same(x->ctime, st->st_ctim);
}

/* ---- scan ------------------------------------------------------------------ */

struct scan {
	struct ovl_tree *t;
	unsigned int flags;
	const char *root;
	struct ovl_err *err;
	struct ovl_scan_cache *cache;
	/* verify: read only the files whose cached digest a scan used, and count those that differ */
	bool verify;
	unsigned long checked;
	int bad;
	char *why;
	size_t why_len, why_used;
};

static int scan_dir(struct scan *s, int dfd, const char *path, bool parent_xwh);

static int tree_append(struct ovl_tree *t, const struct ovl_entry *e)
{
	return tree_insert(t, t->n, e, e->path);
}

static int entry_cmp(const void *a, const void *b)
{
	return ovl_path_cmp(((const struct ovl_entry *)a)->path, ((const struct ovl_entry *)b)->path);
}

/* Stat, classify and add one entry: dfd/name is tree path `path`. */
static int scan_entry(struct scan *s, int dfd, const char *name, const char *path, bool parent_xwh,
		      unsigned char d_type)
{
	struct ovl_entry e = { .layer = { -1 }, .d_type = d_type };
	char proc[64 + NAME_MAX];
	struct stat st;
	int fd = -1, r;
	bool layer = !(s->flags & OVL_SCAN_MERGED);

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dfd, name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		/*
		 * A merged dir that lists a name lookup cannot find: what an
		 * overlay shows of a whiteout its readdir passed through. Kept,
		 * as a whiteout, so that a comparison shows it rather than fail.
		 */
		if ((errno == ENOENT || errno == EPERM) && (s->flags & OVL_SCAN_MERGED)) {
			/* EPERM: overlayfs refuses the lookup (a redirect it may not follow) */
			e.flags = errno == EPERM ? OVL_ENTRY_REFUSED : 0;
			e.path = (char *)path;
			e.type = OVL_FT_WHITEOUT;
			r = tree_append(s->t, &e);
			e.path = NULL;
			return r ? ovl_err_set(s->err, r, "%s%s: out of memory", s->root, path) : 0;
		}
		return ovl_err_set(s->err, errno, "%s%s: stat: %m", s->root, path);
	}
	e.path = (char *)path;
	e.mode = st.st_mode & 07777;
	e.uid = st.st_uid;
	e.gid = st.st_gid;
	e.dev = st.st_dev;
	e.ino = st.st_ino;
	e.nlink = st.st_nlink;
	e.mtime = st.st_mtim;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR: e.type = OVL_FT_DIR; break;
	case S_IFREG: e.type = OVL_FT_REG; break;
	case S_IFLNK: e.type = OVL_FT_LNK; break;
	case S_IFIFO: e.type = OVL_FT_FIFO; break;
	case S_IFSOCK: e.type = OVL_FT_SOCK; break;
	case S_IFCHR: e.type = OVL_FT_CHR; break;
	case S_IFBLK: e.type = OVL_FT_BLK; break;
	default:
		return ovl_err_set(s->err, EINVAL, "%s%s: unknown file type", s->root, path);
	}
	if (e.type == OVL_FT_CHR || e.type == OVL_FT_BLK) {
		e.rdev_major = major(st.st_rdev);
		e.rdev_minor = minor(st.st_rdev);
	}
	if (e.type == OVL_FT_DIR || e.type == OVL_FT_REG) {
		fd = strcmp(path, "/") == 0 ? fcntl(dfd, F_DUPFD_CLOEXEC, 0)
		     : openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return ovl_err_set(s->err, errno, "%s%s: open: %m", s->root, path);
	}
	if (e.type == OVL_FT_LNK) {
		char buf[PATH_MAX];
		ssize_t n = readlinkat(dfd, name, buf, sizeof(buf) - 1);

		if (n < 0) {
			r = ovl_err_set(s->err, errno, "%s%s: readlink: %m", s->root, path);
			goto out;
		}
		buf[n] = 0;
		e.target = strdup(buf);
		if (!e.target) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (e.type == OVL_FT_REG) {
		const struct cache_ent *x = s->flags & OVL_SCAN_FRESH ? NULL : cache_get(s->cache, &st);
		struct timespec stamp;

		if (s->verify) {
			const struct cache_ent *v = cache_find(s->cache, st.st_dev, st.st_ino);

			/* the cache's answers, checked by a full read; nothing else is read */
			if (v && v->used) {
				r = tree_digest_fd(fd, e.sha256, &e.size);
				if (r) {
					ovl_err_set(s->err, r, "%s%s: read: %s", s->root, path, strerror(-r));
					goto out;
				}
				s->checked++;
				if (cache_stale(v, &st, e.size, e.sha256)) {
					s->bad++;
					if (s->why_used < s->why_len)
						s->why_used += (size_t)snprintf(s->why + s->why_used, s->why_len - s->why_used,
										"%s%s", s->why_used ? ", " : "", path);
				}
			}
		} else if (x) {
			s->cache->hits++;
			memcpy(e.sha256, x->sha256, sizeof(e.sha256));
			e.size = x->size;
			e.fill = x->hole ? OVL_FILL_HOLE : OVL_FILL_NONE;
			e.has_digest = true;
		} else {
			clock_gettime(CLOCK_REALTIME_COARSE, &stamp);
			r = tree_digest_fd(fd, e.sha256, &e.size);
			if (r) {
				ovl_err_set(s->err, r, "%s%s: read: %s", s->root, path, strerror(-r));
				goto out;
			}
			e.has_digest = true;
			/* all hole: no data extent at all (a filesystem without SEEK_DATA says data at 0) */
			if (e.size && lseek(fd, 0, SEEK_DATA) < 0 && errno == ENXIO)
				e.fill = OVL_FILL_HOLE;
			/* what was read is what the size said: else it changed while read */
			if (e.size == (uint64_t)st.st_size)
				cache_put(s->cache, &st, &e, stamp);
		}
	}
	r = read_xattrs(fd, strcmp(path, "/") == 0 ? s->root : proc, &e);
	if (r) {
		ovl_err_set(s->err, r, "%s%s: xattrs: %s", s->root, path, strerror(-r));
		goto out;
	}
	if (layer && (s->flags & OVL_SCAN_USERXATTR) && (r = userxattr_marks(&e))) {
		ovl_err_set(s->err, r, "%s%s: out of memory", s->root, path);
		goto out;
	}
	if (layer) {
		ssize_t x = xattr_find(&e, OVL_XATTR_OPAQUE);

		if (e.type == OVL_FT_CHR && st.st_rdev == makedev(0, 0)) {
			e.type = OVL_FT_WHITEOUT;
			e.mode = 0;
			e.uid = 0;
			e.gid = 0;
		}
		/* "x" (a dir holding xattr whiteouts) means something in lower layers only. */
		if (e.type == OVL_FT_DIR && x >= 0 && e.xattrs[x].len == 1 &&
		    (e.xattrs[x].value[0] == 'y' ||
		     (e.xattrs[x].value[0] == 'x' && !(s->flags & OVL_SCAN_UPPER)))) {
			e.flags |= e.xattrs[x].value[0] == 'y' ? OVL_ENTRY_OPAQUE : OVL_ENTRY_XWHITEOUTS;
			tree_xattr_del(&e, (size_t)x);
		}
		/* metadata only (any value: empty, or the verity digest's header and digest) */
		x = xattr_find(&e, OVL_XATTR_METACOPY);
		if (e.type == OVL_FT_REG && x >= 0) {
			tree_xattr_del(&e, (size_t)x);
			e.flags |= OVL_ENTRY_METACOPY;
		}
		x = xattr_find(&e, OVL_XATTR_WHITEOUT);
		if (parent_xwh && e.type == OVL_FT_REG && e.size == 0 && x >= 0) {
			tree_xattr_del(&e, (size_t)x);
			e.type = OVL_FT_WHITEOUT;
			e.flags |= OVL_ENTRY_XATTR_FORM;
			e.mode = 0;
			e.uid = 0;
			e.gid = 0;
			e.has_digest = false;
		}
	}
	/* Parents come before children here; the tree is sorted once at the end. */
	r = tree_append(s->t, &e);
	if (r)
		ovl_err_set(s->err, r, "%s%s: out of memory", s->root, path);
	if (!r && e.type == OVL_FT_DIR)
		r = scan_dir(s, fd, path, (e.flags & OVL_ENTRY_XWHITEOUTS) != 0);
out:
	e.path = NULL;
	tree_entry_clear(&e);
	if (fd >= 0)
		close(fd);
	return r;
}

static int scan_dir(struct scan *s, int dfd, const char *path, bool xwh)
{
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (fd < 0)
		return ovl_err_set(s->err, errno, "%s%s: dup: %m", s->root, path);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return ovl_err_set(s->err, errno, "%s%s: opendir: %m", s->root, path);
	}
	while (!r) {
		char child[PATH_MAX];

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				r = ovl_err_set(s->err, errno, "%s%s: readdir: %m", s->root, path);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "",
				     de->d_name) >= sizeof(child)) {
			r = ovl_err_set(s->err, ENAMETOOLONG, "%s%s/%s: path too long", s->root, path,
					de->d_name);
			break;
		}
		r = scan_entry(s, dirfd(d), de->d_name, child, xwh, de->d_type);
	}
	closedir(d);
	return r;
}

struct inode_ref {
	uint64_t dev, ino;
	size_t idx;
};

static int inode_ref_cmp(const void *a, const void *b)
{
	const struct inode_ref *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Names of one regular-file inode: the first in canonical order stays a
 * file, every other becomes "hardlink <path> target=<first>".
 */
static int fold_hardlinks(struct ovl_tree *t)
{
	struct inode_ref *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].type == OVL_FT_REG && t->v[i].nlink > 1)
			n++;
	if (n < 2)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].type == OVL_FT_REG && t->v[i].nlink > 1)
			v[n++] = (struct inode_ref){ t->v[i].dev, t->v[i].ino, i };
	qsort(v, n, sizeof(*v), inode_ref_cmp);
	for (size_t i = 1; i < n; i++) {
		struct ovl_entry *e = &t->v[v[i].idx];
		size_t first = i;
		char *target;

		while (first > 0 && v[first - 1].dev == v[i].dev && v[first - 1].ino == v[i].ino)
			first--;
		if (first == i)
			continue;
		target = strdup(t->v[v[first].idx].path);
		if (!target) {
			free(v);
			return -ENOMEM;
		}
		for (size_t k = 0; k < e->nxattrs; k++) {
			free(e->xattrs[k].name);
			free(e->xattrs[k].value);
		}
		free(e->xattrs);
		e->xattrs = NULL;
		e->nxattrs = 0;
		e->type = OVL_FT_HARDLINK;
		e->target = target;
		e->mode = 0;
		e->uid = 0;
		e->gid = 0;
		e->size = 0;
		e->has_digest = false;
	}
	free(v);
	return 0;
}

int ovl_tree_scan(const char *dir, unsigned int flags, struct ovl_tree **out, struct ovl_err *err)
{
	return ovl_tree_scan_cached(dir, flags, NULL, out, err);
}

int ovl_tree_scan_cached(const char *dir, unsigned int flags, struct ovl_scan_cache *c,
			 struct ovl_tree **out, struct ovl_err *err)
{
	struct scan s = { .flags = flags, .root = dir, .err = err, .cache = c };
	int dfd, r;

	s.t = ovl_tree_new();
	if (!s.t)
		return -ENOMEM;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = ovl_err_set(err, errno, "%s: cannot open dir: %m", dir);
		goto fail;
	}
	r = scan_entry(&s, dfd, ".", "/", false, 0);
	close(dfd);
	if (!r) {
		qsort(s.t->v, s.t->n, sizeof(*s.t->v), entry_cmp);
		tree_touch(s.t);
	}
	if (!r && (r = fold_hardlinks(s.t)))
		ovl_err_set(err, r, "%s: out of memory", dir);
	if (r)
		goto fail;
	*out = s.t;
	return 0;
fail:
	ovl_tree_unref(s.t);
	return r;
}

int ovl_scan_cache_verify(struct ovl_scan_cache *c, const char *dir, unsigned int flags, unsigned long *n_checked,
			  char *why, size_t len, struct ovl_err *err)
{
	struct scan s = { .flags = flags & ~OVL_SCAN_FRESH, .root = dir, .err = err, .cache = c, .verify = true,
			  .why = why, .why_len = len };
	int dfd, r;

	*n_checked = 0;
	if (len)
		*why = 0;
	if (!c || !c->n)
		return 0;
	s.t = ovl_tree_new();
	if (!s.t)
		return -ENOMEM;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ovl_tree_unref(s.t);
		return ovl_err_set(err, errno, "%s: cannot open dir: %m", dir);
	}
	r = scan_entry(&s, dfd, ".", "/", false, 0);
	close(dfd);
	ovl_tree_unref(s.t);
	*n_checked = s.checked;
	return r ? r : s.bad;
}

int ovl_scan_cache_compare(const struct ovl_scan_cache *c, const char *dir, const struct ovl_tree *t,
			   unsigned long *n_checked, char *why, size_t len)
{
	size_t used = 0;
	int bad = 0;

	*n_checked = 0;
	if (len)
		*why = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct ovl_entry *e = &t->v[i];
		const struct cache_ent *x;
		char p[PATH_MAX + 8];
		struct stat st;

		if (e->type != OVL_FT_REG || !(x = cache_find(c, e->dev, e->ino)))
			continue;
		(*n_checked)++;
		snprintf(p, sizeof(p), "%s%s", dir, e->path);
		if (lstat(p, &st) || !cache_stale(x, &st, e->size, e->sha256))
			continue;
		bad++;
		if (used < len)
			used += (size_t)snprintf(why + used, len - used, "%s%s", used ? ", " : "", e->path);
	}
	return bad;
}
