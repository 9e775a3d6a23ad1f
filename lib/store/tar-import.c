// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store/tar-import.c - unpacking a layer tar into an overlayfs diff dir:
 * whiteouts and opaque dirs converted, hostile names refused, nothing
 * written outside the target. See ovl-store.h for what is refused.
 */
#define _GNU_SOURCE
#include "ovl-store.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include "ovl-common.h"
#include "tar-private.h"

/* ---- paths ------------------------------------------------------------------ */

static int __attribute__((format(printf, 3, 4)))
fail(struct imp *m, int errnum, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ovl_err_set(m->err, errnum, "%s: %s", m->name, msg);
}

/* Open the dir holding rel (never leaving the root), its last component in *base. */
static int open_parent(struct imp *m, const char *rel, const char **base)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(rel, '/');

	*base = slash ? slash + 1 : rel;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 0, rel);
	return ovl_openat_beneath(m->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/*
 * The dir holding rel, borrowed from a one-entry cache (do not close it);
 * opened like open_parent(). Names are unique in a layer and dirs are never
 * replaced during an import, so a cached fd stays the right dir.
 */
static int cached_parent(struct imp *m, const char *rel, const char **base)
{
	const char *slash = strrchr(rel, '/');
	size_t n = slash ? (size_t)(slash - rel) : 0;
	int fd;

	*base = slash ? slash + 1 : rel;
	if (m->cached_fd >= 0 && strlen(m->cached_dir) == n && strncmp(m->cached_dir, rel, n) == 0)
		return m->cached_fd;
	fd = open_parent(m, rel, base);
	if (fd < 0)
		return fd;
	if (m->cached_fd >= 0)
		close(m->cached_fd);
	m->cached_fd = fd;
	snprintf(m->cached_dir, sizeof(m->cached_dir), "%.*s", (int)n, rel);
	return fd;
}

/* Every ancestor of rel must be a directory of this layer; missing ones are made. */
static int ensure_parents(struct imp *m, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", rel);
	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		int tag = 0, r;

		*s = 0;
		if (ovl_strset_get(m->seen, p, &tag)) {
			if (tag == SEEN_LNK)
				return fail(m, EINVAL, "%s: its parent %s is a symlink", rel, p);
			if (tag == SEEN_WHITEOUT)
				return fail(m, EINVAL, "%s: its parent %s is whited out in this layer", rel, p);
			if (tag != SEEN_DIR && tag != SEEN_IMPLIED_DIR)
				return fail(m, ENOTDIR, "%s: its parent %s is not a directory", rel, p);
		} else {
			const char *base;
			int pfd = open_parent(m, p, &base);

			if (pfd < 0)
				return fail(m, -pfd, "%s: opening the parent of %s: %s", rel, p, strerror(-pfd));
			r = mkdirat(pfd, base, 0755) ? -errno : 0;
			if (!r && !(m->flags & OVL_IMPORT_NO_OWNER))
				r = fchownat(pfd, base, 0, 0, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
			close(pfd);
			if (r)
				return fail(m, -r, "%s: making its parent %s: %s", rel, p, strerror(-r));
			r = ovl_strset_add(m->seen, p, SEEN_IMPLIED_DIR, NULL);
			if (r)
				return fail(m, -r, "%s: out of memory", rel);
		}
		*s = '/';
	}
	return 0;
}

/* Record a name of this layer; a second entry of one name is refused. */
static int claim(struct imp *m, const char *rel, enum seen what, const char *shown)
{
	int tag = 0, r = ovl_strset_add(m->seen, rel, what, &tag);

	if (r == -EEXIST && tag == SEEN_IMPLIED_DIR && what == SEEN_DIR)
		return ovl_strset_set(m->seen, rel, SEEN_DIR);
	if (r == -EEXIST && what == SEEN_WHITEOUT)
		return fail(m, EEXIST, "%s: whiteout of %s, a name this layer also has", shown, rel);
	/*
	 * The layer whited the name out and now has an entry of it: the
	 * whiteout is for the layers below (OCI image spec), and Docker's
	 * unpack replaces it with the entry. So do we.
	 */
	if (r == -EEXIST && tag == SEEN_WHITEOUT && what != SEEN_WHITEOUT && (m->flags & OVL_IMPORT_STRICT))
		return fail(m, EEXIST, "%s: the layer also whites this name out (strict: Docker would keep the entry)",
			    shown);
	if (r == -EEXIST && tag == SEEN_WHITEOUT && what != SEEN_WHITEOUT) {
		const char *base;
		int pfd = cached_parent(m, rel, &base);

		if (pfd < 0 || unlinkat(pfd, base, 0))
			return fail(m, pfd < 0 ? -pfd : errno, "%s: removing the whiteout the layer made first: %s", shown,
				    strerror(pfd < 0 ? -pfd : errno));
		return ovl_strset_set(m->seen, rel, what);
	}
	if (r == -EEXIST)
		return fail(m, EEXIST, "%s: the name appears twice in the layer", shown);
	if (r)
		return fail(m, -r, "%s: out of memory", shown);
	return 0;
}

static int set_xattrs(struct imp *m, struct archive_entry *e, int fd, int pfd, const char *base,
		      const char *rel)
{
	const char *xname;
	const void *value;
	size_t size;
	char proc[64 + NAME_MAX];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", pfd, base);
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xname, &value, &size) == ARCHIVE_OK) {
		int r;

		if (strncmp(xname, "trusted.overlay.", 16) == 0)
			return fail(m, EPERM, "%s: carries %s, overlayfs' own xattr", rel, xname);
		r = fd >= 0 ? fsetxattr(fd, xname, value, size, 0) : lsetxattr(proc, xname, value, size, 0);
		if (r)
			return fail(m, errno, "%s: setting xattr %s: %s", rel, xname, strerror(errno));
	}
	return 0;
}

/* The kept bytes up to offset end become one tar-split segment. */
static int put_segment(struct imp *m, uint64_t end)
{
	struct src *s = m->src;
	size_t len = end > s->seg_base ? (size_t)(end - s->seg_base) : 0;
	int r;

	if (end < s->seg_base)
		return fail(m, EINVAL, "the stream goes back to offset %llu after %llu: an entry's size "
			    "does not match its data", (unsigned long long)end,
			    (unsigned long long)s->seg_base);
	if (!m->ts) {
		tar_seg_advance(s, end);
		return 0;
	}
	if (len > s->seg_len)
		return fail(m, EIO, "tar-split: the stream bytes up to %llu were not kept",
			    (unsigned long long)end);
	r = ovl_tarsplit_segment(m->ts, s->seg + s->seg_off, len);
	tar_seg_advance(s, end);
	return r ? fail(m, -r, "writing tar-split: %s", strerror(-r)) : 0;
}

/* A one-line reason for a libarchive header error. */
static const char *header_problem(const char *msg)
{
	if (msg && strstr(msg, "Truncated"))
		return "the stream is truncated";
	if (msg && strstr(msg, "Damaged"))
		return "damaged tar header";
	if (msg && strstr(msg, "Unrecognized archive format"))
		return "not a tar archive";
	if (msg && strstr(msg, "gzip"))
		return "the gzip stream is broken";
	return "cannot read the next tar header";
}

static int write_data(struct imp *m, int fd, const char *rel, int64_t size)
{
	const void *buf;
	size_t len;
	la_int64_t off, end = 0;
	int r;

	while ((r = archive_read_data_block(m->a, &buf, &len, &off)) == ARCHIVE_OK) {
		const char *p = buf;

		m->crc = ovl_crc64_iso(m->crc, buf, len);
		if (off + (la_int64_t)len > end)
			end = off + (la_int64_t)len;
		/* fd < 0: the data is read (and counted in the crc) but not kept */
		while (fd >= 0 && len) {
			ssize_t n = pwrite(fd, p, len, (off_t)off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return fail(m, errno, "%s: writing: %s", rel, strerror(errno));
			p += n;
			len -= (size_t)n;
			off += n;
		}
	}
	if (r != ARCHIVE_EOF)
		return fail(m, EIO, "%s: reading its data: %s (%s)", rel,
			    header_problem(archive_error_string(m->a)), archive_error_string(m->a));
	/*
	 * Sparse entries are refused, so the data must be exactly the size the
	 * header gives: a pax GNU.sparse.* size that disagrees is refused here.
	 */
	if (end != size)
		return fail(m, EINVAL, "%s: its header says %lld bytes, its data holds %lld", rel,
			    (long long)size, (long long)end);
	return 0;
}

/* The entry's owner, xattrs, mode and times on pfd/base, in Docker's order (not for symlinks). */
static int set_meta(struct imp *m, struct archive_entry *e, int pfd, const char *base, const char *rel,
		    const struct timespec times[2])
{
	int r = 0;

	if (!(m->flags & OVL_IMPORT_NO_OWNER) &&
	    fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW))
		r = fail(m, errno, "%s: chown: %s", rel, strerror(errno));
	if (!r)
		r = set_xattrs(m, e, -1, pfd, base, rel);
	if (!r && (fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) ||
		   utimensat(pfd, base, times, AT_SYMLINK_NOFOLLOW)))
		r = fail(m, errno, "%s: chmod/utimes: %s", rel, strerror(errno));
	return r;
}

/*
 * An absolute name, or one whose ".." components climb above the layer's
 * root ("../x", "a/../../x"): refused. A ".." that stays inside ("a/../b")
 * is cleaned away, as Docker's UnpackLayer does (filepath.Clean, then its
 * breakout check).
 */
static bool escapes_root(const char *name)
{
	long depth = 0;

	if (name[0] == '/')
		return true;
	for (const char *p = name; *p;) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (n && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p = *e ? e + 1 : e;
	}
	return false;
}

static int one_entry(struct imp *m, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname_utf8(e) ? archive_entry_pathname_utf8(e)
							   : archive_entry_pathname(e);
	char rel[PATH_MAX], target[PATH_MAX];
	const char *base, *hard = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e), perm = archive_entry_perm(e) & 07777;
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	struct timespec times[2];
	bool owner = !(m->flags & OVL_IMPORT_NO_OWNER);
	int pfd = -1, fd = -1, r = 0;

	if (!raw || !*raw)
		return fail(m, EINVAL, "an entry without a name");
	if ((m->flags & OVL_IMPORT_STRICT) && ovl_clean_tar_name(raw, rel, sizeof(rel), true) && raw[0] != '/' &&
	    !escapes_root(raw))
		return fail(m, EINVAL, "%s: a name with '..' (strict: Docker would clean it away)", raw);
	r = escapes_root(raw) ? -EINVAL : ovl_clean_tar_name(raw, rel, sizeof(rel), false);
	if (r)
		return fail(m, -r, "%s: %s", raw, raw[0] == '/' ? "an absolute path" : r == -EINVAL
			    ? "a name whose '..' leads out of the layer's root" : strerror(-r));
	times[0].tv_sec = times[1].tv_sec = archive_entry_mtime(e);
	times[0].tv_nsec = times[1].tv_nsec = archive_entry_mtime_nsec(e);
	base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;

	/* aufs metadata (.wh..wh.plnk and friends) anywhere in the name: skipped, as Docker does. */
	if (strstr(rel, WH_META) && strcmp(base, WH_OPAQUE) != 0) {
		bool meta = false;

		for (const char *c = rel; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
			meta |= strncmp(c, WH_META, strlen(WH_META)) == 0;
		if (meta && archive_entry_size(e) > 0)
			return fail(m, EINVAL, "%s: aufs metadata with content; it cannot be kept", rel);
		if (meta)
			return 0;
	}
	if (archive_entry_sparse_count(e) > 0)
		return fail(m, EINVAL, "%s: a sparse entry; it could not be exported byte for byte", rel);
	if (archive_entry_size(e) > 0 && (type != AE_IFREG || hard))
		return fail(m, EINVAL, "%s: carries %lld bytes of data, which a %s does not keep", rel,
			    (long long)archive_entry_size(e), hard ? "hard link" : "non-regular file");
	/* a whiteout with data: Docker makes the whiteout and drops the data; so do we (counted, not kept) */
	if (archive_entry_size(e) > 0 && strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0 &&
	    strcmp(base, WH_OPAQUE) != 0) {
		if (m->flags & OVL_IMPORT_STRICT)
			return fail(m, EINVAL, "%s: a whiteout with %lld bytes of data (strict: Docker would drop them)",
				    rel, (long long)archive_entry_size(e));
		r = write_data(m, -1, rel, archive_entry_size(e));
		if (r)
			return r;
	}
	if (*rel == 0) {
		/* "./": the layer's root; its metadata is applied with the dirs. */
		if (type != AE_IFDIR)
			return fail(m, EINVAL, "%s: the layer's root is not a directory", raw);
		goto dir_meta;
	}
	if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0) {
		const char *victim = base + strlen(WH_PREFIX);
		char vpath[PATH_MAX];

		if (strcmp(base, WH_OPAQUE) == 0) {
			char dir[PATH_MAX];

			r = ensure_parents(m, rel);
			if (r)
				return r;
			snprintf(dir, sizeof(dir), "%.*s", base == rel ? 0 : (int)(base - rel - 1), rel);
			fd = ovl_openat_beneath(m->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				return fail(m, -fd, "%s: opening its dir: %s", rel, strerror(-fd));
			r = fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) ? -errno : 0;
			close(fd);
			if (r)
				return fail(m, -r, "%s: marking its dir opaque: %s", rel, strerror(-r));
			return 0;
		}
		if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
			return fail(m, EINVAL, "%s: a whiteout without a name", rel);
		snprintf(vpath, sizeof(vpath), "%.*s%s", (int)(base - rel), rel, victim);
		r = ensure_parents(m, vpath);
		if (!r)
			r = claim(m, vpath, SEEN_WHITEOUT, rel);
		if (r)
			return r;
		pfd = cached_parent(m, vpath, &base);
		if (pfd < 0)
			return fail(m, -pfd, "%s: opening its dir: %s", rel, strerror(-pfd));
		r = mknodat(pfd, base, S_IFCHR | 0000, makedev(0, 0)) ? -errno : 0;
		if (!r && owner)
			r = fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
		if (r)
			return fail(m, -r, "%s: making the whiteout %s: %s", rel, vpath, strerror(-r));
		return 0;
	}

	if ((m->flags & OVL_IMPORT_STRICT) && (type == AE_IFCHR || type == AE_IFBLK))
		return fail(m, EPERM, "%s: a device node (%u:%u) (strict: Docker would make it)", rel,
			    (unsigned int)archive_entry_rdevmajor(e), (unsigned int)archive_entry_rdevminor(e));
	if (type == AE_IFSOCK)
		return fail(m, EPERM, "%s: a socket", rel);
	r = ensure_parents(m, rel);
	if (r)
		return r;
	if (hard) {
		const char *tbase;
		int tag = 0, tpfd;

		r = escapes_root(hard) ? -EINVAL : ovl_clean_tar_name(hard, target, sizeof(target), false);
		if (r || !*target)
			return fail(m, EINVAL, "%s: hard link to '%s', a name outside the layer's root", rel, hard);
		if (!ovl_strset_get(m->seen, target, &tag) || tag != SEEN_REG)
			return fail(m, EINVAL, "%s: hard link to %s, which is not a regular file earlier "
				    "in this layer", rel, target);
		r = claim(m, rel, SEEN_REG, rel);
		if (r)
			return r;
		pfd = open_parent(m, rel, &base);
		tpfd = open_parent(m, target, &tbase);
		if (pfd < 0 || tpfd < 0)
			r = pfd < 0 ? pfd : tpfd;
		else if (linkat(tpfd, tbase, pfd, base, 0))
			r = -errno;
		if (tpfd >= 0)
			close(tpfd);
		if (r) {
			if (pfd >= 0)
				close(pfd);
			return fail(m, -r, "%s: linking to %s: %s", rel, target, strerror(-r));
		}
		/*
		 * The link's own header then applies to the inode both names
		 * share, as Docker's unpack does (chown, xattrs, chmod, times):
		 * the last header of an inode says its metadata.
		 */
		r = set_meta(m, e, pfd, base, rel, times);
		close(pfd);
		return r;
	}
	r = claim(m, rel, type == AE_IFDIR ? SEEN_DIR : type == AE_IFREG ? SEEN_REG
			  : type == AE_IFLNK ? SEEN_LNK : SEEN_OTHER, rel);
	if (r)
		return r;
	pfd = cached_parent(m, rel, &base);
	if (pfd < 0)
		return fail(m, -pfd, "%s: opening its dir: %s", rel, strerror(-pfd));
	switch (type) {
	case AE_IFDIR:
		if (mkdirat(pfd, base, 0700) && errno != EEXIST) {
			r = fail(m, errno, "%s: mkdir: %s", rel, strerror(errno));
			break;
		}
		fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = fail(m, errno, "%s: open: %s", rel, strerror(errno));
			break;
		}
		if (owner && fchown(fd, uid, gid)) {
			r = fail(m, errno, "%s: chown: %s", rel, strerror(errno));
			break;
		}
		r = set_xattrs(m, e, fd, pfd, base, rel);
		break;
	case AE_IFREG:
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			r = fail(m, errno, "%s: create: %s", rel, strerror(errno));
			break;
		}
		r = write_data(m, fd, rel, archive_entry_size(e));
		if (!r && owner && fchown(fd, uid, gid))
			r = fail(m, errno, "%s: chown: %s", rel, strerror(errno));
		if (!r)
			r = set_xattrs(m, e, fd, pfd, base, rel);
		if (!r && (fchmod(fd, perm) || futimens(fd, times)))
			r = fail(m, errno, "%s: chmod/utimes: %s", rel, strerror(errno));
		break;
	case AE_IFLNK: {
		const char *t = archive_entry_symlink_utf8(e) ? archive_entry_symlink_utf8(e)
							       : archive_entry_symlink(e);

		if (!t || !*t || symlinkat(t, pfd, base)) {
			r = fail(m, t && *t ? errno : EINVAL, "%s: symlink: %s", rel,
				 t && *t ? strerror(errno) : "no target");
			break;
		}
		if (owner && fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW))
			r = fail(m, errno, "%s: chown: %s", rel, strerror(errno));
		if (!r)
			r = set_xattrs(m, e, -1, pfd, base, rel);
		if (!r && utimensat(pfd, base, times, AT_SYMLINK_NOFOLLOW))
			r = fail(m, errno, "%s: utimes: %s", rel, strerror(errno));
		break;
	}
	case AE_IFIFO:
	case AE_IFCHR:
	case AE_IFBLK:
		/* device nodes too, as old base images carry them (dev/null) and Docker keeps them */
		if (mknodat(pfd, base, (type == AE_IFIFO ? S_IFIFO : type == AE_IFCHR ? S_IFCHR : S_IFBLK) | 0600,
			    type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e)))) {
			r = fail(m, errno, "%s: mknod: %s", rel, strerror(errno));
			break;
		}
		r = set_meta(m, e, pfd, base, rel, times);
		break;
	default:
		r = fail(m, EINVAL, "%s: an entry of unknown type 0%o", rel, (unsigned int)type);
	}
	if (fd >= 0)
		close(fd);
	if (r || type != AE_IFDIR)
		return r;
dir_meta:
	if (*rel == 0) {
		if (owner && fchown(m->rootfd, uid, gid))
			return fail(m, errno, "./: chown: %s", strerror(errno));
		r = set_xattrs(m, e, m->rootfd, -1, "", "./");
		if (r)
			return r;
	}
	{
		struct dirmeta *v = realloc(m->dirs, (m->ndirs + 1) * sizeof(*v));

		if (!v || !(v[m->ndirs].path = strdup(rel))) {
			if (v)
				m->dirs = v;
			return fail(m, ENOMEM, "%s: out of memory", rel);
		}
		m->dirs = v;
		v[m->ndirs].mode = perm;
		v[m->ndirs].mtime = times[1];
		m->ndirs++;
	}
	return 0;
}

/* Directory modes and times, deepest (last) first, once their contents are in. */
static int finish_dirs(struct imp *m)
{
	for (size_t i = m->ndirs; i-- > 0;) {
		struct dirmeta *d = &m->dirs[i];
		struct timespec t[2] = { d->mtime, d->mtime };
		int fd = ovl_openat_beneath(m->rootfd, d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return fail(m, -fd, "%s: reopening: %s", *d->path ? d->path : "./", strerror(-fd));
		if (fchmod(fd, d->mode) || futimens(fd, t)) {
			int e = errno;

			close(fd);
			return fail(m, e, "%s: chmod/utimes: %s", *d->path ? d->path : "./", strerror(e));
		}
		close(fd);
	}
	return 0;
}

/* Empty diffdir again after a failure. (A fresh open: a dup would share the read offset.) */
static void empty_dir(int rootfd)
{
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char path[64 + NAME_MAX];

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", rootfd, de->d_name);
		ovl_remove_tree(path);
	}
	closedir(d);
}

static bool dir_is_empty(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	bool empty = true;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	while (empty && (de = readdir(d)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

int ovl_layer_import(int fd, const char *name, const char *diffdir, const struct ovl_import_opts *opts,
		     struct ovl_import_result *res, struct ovl_err *err)
{
	struct imp m = { .name = name, .flags = opts ? opts->flags : 0, .err = err, .rootfd = -1,
			 .cached_fd = -1 };
	struct src *s = calloc(1, sizeof(*s));
	struct archive_entry *e;
	char last[PATH_MAX] = "";
	uint64_t entries = 0;
	int r;

	memset(res, 0, sizeof(*res));
	if (!s)
		return ovl_err_set(err, ENOMEM, "%s: out of memory", name);
	m.rootfd = open(diffdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m.rootfd < 0) {
		r = ovl_err_set(err, errno, "%s: cannot open the diff dir: %m", diffdir);
		free(s);
		return r;
	}
	if (!dir_is_empty(m.rootfd)) {
		close(m.rootfd);
		free(s);
		return ovl_err_set(err, ENOTEMPTY, "%s: the diff dir is not empty", diffdir);
	}
	m.seen = ovl_strset_new();
	m.a = archive_read_new();
	m.src = s;
	r = tar_src_open(s, fd);
	if (r || !m.seen || !m.a) {
		r = ovl_err_set(err, r ? r : -ENOMEM, "%s: %s", name, r ? strerror(-r) : "out of memory");
		goto out;
	}
	if (opts && opts->tarsplit) {
		r = ovl_tarsplit_writer_open(opts->tarsplit, &m.ts);
		if (r) {
			ovl_err_set(err, r, "%s: cannot create: %s", opts->tarsplit, strerror(-r));
			goto out;
		}
	}
	/* The bytes between payloads are kept (to check the end of the archive, and for tar-split). */
	s->record = true;
	archive_read_support_format_tar(m.a);
	archive_read_support_format_gnutar(m.a);
	if (archive_read_open(m.a, s, NULL, tar_cb_read, NULL) != ARCHIVE_OK) {
		r = fail(&m, EINVAL, "%s (%s)", header_problem(archive_error_string(m.a)),
			 archive_error_string(m.a));
		goto out;
	}
	for (;;) {
		int hr = archive_read_next_header(m.a, &e);

		if (hr == ARCHIVE_EOF)
			break;
		if (hr != ARCHIVE_OK && hr != ARCHIVE_WARN) {
			const char *msg = archive_error_string(m.a);

			r = *last ? fail(&m, EINVAL, "after entry %s: %s (%s)", last, header_problem(msg), msg)
				  : fail(&m, EINVAL, "%s (%s)", header_problem(msg), msg);
			goto out;
		}
		entries++;
		{
			/* tar-split: the raw headers before this entry's data, then the entry. */
			uint64_t data_start = (uint64_t)archive_filter_bytes(m.a, 0);
			int64_t size = archive_entry_size(e);
			const char *tname = archive_entry_pathname_utf8(e) ? archive_entry_pathname_utf8(e)
									    : archive_entry_pathname(e);

			r = put_segment(&m, data_start);
			if (r)
				goto out;
			/* The payload is never kept: stop keeping before it is read. */
			tar_seg_advance(s, data_start + (uint64_t)(size > 0 ? size : 0));
			m.crc = 0;
			r = one_entry(&m, e);
			if (r)
				goto out;
			if (m.ts && (r = ovl_tarsplit_file(m.ts, tname ? tname : "", size, m.crc))) {
				fail(&m, -r, "writing tar-split: %s", strerror(-r));
				goto out;
			}
		}
		snprintf(last, sizeof(last), "%s", archive_entry_pathname(e) ? archive_entry_pathname(e) : "?");
	}
	r = finish_dirs(&m);
	if (r)
		goto out;
	{
		/*
		 * Where the entries stop there must be a second zero block (or the
		 * end of the stream), as Go's archive/tar demands: libarchive stops
		 * at one zero block, and entries after it would be hashed but never
		 * unpacked.
		 */
		uint64_t eof = (uint64_t)archive_filter_bytes(m.a, 0);
		uint64_t stop = (s->seg_base + 511) & ~(uint64_t)511; /* where the entries stop */

		while (s->seg_base + s->seg_len < stop + 1024) {
			ssize_t n = tar_src_fill(s);

			if (n < 0) {
				r = fail(&m, EIO, "after the last entry: %s", s->error);
				goto out;
			}
			if (n == 0)
				break;
		}
		for (uint64_t o = stop; o < stop + 1024 && o < s->seg_base + s->seg_len; o++)
			if (s->seg[s->seg_off + (o - s->seg_base)]) {
				r = fail(&m, EINVAL, "after entry %s: the end of the archive is not two zero "
					 "blocks: a damaged tar (entries would hide behind it)",
					 *last ? last : "(none)");
				goto out;
			}
		r = put_segment(&m, eof); /* the end-of-archive blocks */
		if (r)
			goto out;
	}
	/* The DiffID covers the whole stream: what follows the end-of-archive blocks too. */
	for (ssize_t n; (n = tar_src_fill(s)) != 0;) {
		if (n < 0) {
			r = fail(&m, EIO, "after the last entry: %s", s->error);
			goto out;
		}
		while (!r && s->seg_len >= (1u << 20))
			r = put_segment(&m, s->seg_base + (1u << 20));
		if (r)
			goto out;
	}
	if (s->seg_len && (r = put_segment(&m, s->seg_base + s->seg_len)))
		goto out;
	r = tar_hashq_stop(&s->q);
	if (!r)
		r = ovl_hasher_final(s->h, &res->diff_id);
	if (r) {
		fail(&m, -r, "sha256 failed");
		goto out;
	}
	res->tar_bytes = s->pos;
	res->entries = entries;
	res->gzip = s->gz;
	r = ovl_layer_size(diffdir, &res->size, err);
out:
	if (m.ts) {
		int cr = ovl_tarsplit_writer_close(m.ts);

		if (!r && cr)
			r = ovl_err_set(err, cr, "%s: writing: %s", opts->tarsplit, strerror(-cr));
		if (r)
			unlink(opts->tarsplit);
	}
	if (r)
		empty_dir(m.rootfd);
	if (m.a)
		archive_read_free(m.a);
	for (size_t i = 0; i < m.ndirs; i++)
		free(m.dirs[i].path);
	free(m.dirs);
	ovl_strset_free(m.seen);
	if (m.cached_fd >= 0)
		close(m.cached_fd);
	tar_src_close(s);
	free(s);
	close(m.rootfd);
	return r;
}

int ovl_layer_import_file(const char *tar, const char *diffdir, const struct ovl_import_opts *opts,
			  struct ovl_import_result *res, struct ovl_err *err)
{
	int fd = open(tar, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return ovl_err_set(err, errno, "%s: cannot open: %m", tar);
	r = ovl_layer_import(fd, tar, diffdir, opts, res, err);
	close(fd);
	return r;
}
