// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store/tar-export.c - Docker's layer size rule, and commit: an upper
 * (or plain) dir to an OCI layer tar with whiteouts and opaque markers.
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

/* ---- Docker's size rule -------------------------------------------------------- */

static int size_walk(int dfd, struct ovl_strset *inodes, uint64_t *total, const char *root,
		     struct ovl_err *err)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(dfd);
		return ovl_err_set(err, errno, "%s: opendir: %m", root);
	}
	while (!r && (de = readdir(d))) {
		struct stat st;
		char key[64];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			r = ovl_err_set(err, errno, "%s: stat %s: %m", root, de->d_name);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			r = sub < 0 ? ovl_err_set(err, errno, "%s: open %s: %m", root, de->d_name)
				    : size_walk(sub, inodes, total, root, err);
			continue;
		}
		if (st.st_size <= 0)
			continue;
		snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		r = ovl_strset_add(inodes, key, 1, NULL);
		if (r == -EEXIST) {
			r = 0; /* another name of a counted inode */
			continue;
		}
		if (r) {
			ovl_err_set(err, r, "%s: out of memory", root);
			break;
		}
		*total += (uint64_t)st.st_size;
	}
	closedir(d);
	return r;
}

int ovl_layer_size(const char *diffdir, uint64_t *size, struct ovl_err *err)
{
	struct ovl_strset *inodes = ovl_strset_new();
	int fd = open(diffdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	*size = 0;
	if (!inodes || fd < 0) {
		r = ovl_err_set(err, fd < 0 ? errno : ENOMEM, "%s: %s", diffdir,
				fd < 0 ? strerror(errno) : "out of memory");
		if (fd >= 0)
			close(fd);
		ovl_strset_free(inodes);
		return r;
	}
	r = size_walk(fd, inodes, size, diffdir, err);
	ovl_strset_free(inodes);
	return r;
}

/* ---- commit: a directory to an OCI layer tar ---------------------------------- */

struct commit {
	struct archive *a;
	const char *root;
	struct ovl_strset *inodes;	/* "dev:ino" -> index into names */
	char **names;			/* first tar name of each multi-link inode */
	size_t nnames;
	struct ovl_hasher *h;
	int outfd;
	struct ovl_err *err;
	int werr;			/* first write error */
	unsigned char *buf;		/* file data on its way (heap: commit recurses per dir level) */
	const char *data_root;		/* a merged dir: where metacopy files' data is read (or NULL) */
};

static la_ssize_t commit_write(struct archive *a, void *data, const void *buf, size_t len)
{
	struct commit *c = data;
	int r = ovl_hasher_update(c->h, buf, len);

	if (!r && c->outfd >= 0)
		r = ovl_write_all(c->outfd, buf, len);
	if (r) {
		c->werr = r;
		archive_set_error(a, -r, "%s", strerror(-r));
		return -1;
	}
	return (la_ssize_t)len;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int commit_header(struct commit *c, struct archive_entry *e, const char *rel)
{
	if (archive_write_header(c->a, e) != ARCHIVE_OK)
		return ovl_err_set(c->err, c->werr ? -c->werr : EIO, "%s: writing its tar header: %s", rel,
				   archive_error_string(c->a));
	return 0;
}

static int commit_dir(struct commit *c, int dfd, const char *prefix);

static int commit_one(struct commit *c, int dfd, const char *name, const char *prefix)
{
	char rel[PATH_MAX], proc[64 + NAME_MAX];
	struct archive_entry *e;
	struct stat st;
	int r = 0;

	if (ovl_fmt(rel, sizeof(rel) - 1, "%s%s", prefix, name))
		return ovl_err_set(c->err, ENAMETOOLONG, "%s/%s%s: path too long for a tar name here",
				   c->root, prefix, name);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dfd, name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return ovl_err_set(c->err, errno, "%s/%s: stat: %m", c->root, rel);
	e = archive_entry_new();
	if (!e)
		return ovl_err_set(c->err, ENOMEM, "out of memory");
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		/* A whiteout: an empty .wh.<name>. */
		char wh[PATH_MAX];

		if (ovl_fmt(wh, sizeof(wh), "%s" WH_PREFIX "%s", prefix, name)) {
			archive_entry_free(e);
			return ovl_err_set(c->err, ENAMETOOLONG, "%s/%s: path too long", c->root, rel);
		}
		archive_entry_set_pathname(e, wh);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0600);
		archive_entry_set_size(e, 0);
		archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		r = commit_header(c, e, rel);
		archive_entry_free(e);
		return r;
	}
	archive_entry_copy_stat(e, &st);
	archive_entry_set_uname(e, "");
	archive_entry_set_gname(e, "");
	{
		/* Of the xattrs only file capabilities travel, as Docker does. */
		char cap[1024];
		ssize_t n = lgetxattr(proc, "security.capability", cap, sizeof(cap));

		if (n > 0)
			archive_entry_xattr_add_entry(e, "security.capability", cap, (size_t)n);
	}
	if (S_ISDIR(st.st_mode)) {
		char dirname[PATH_MAX + 1], opq[8] = "";
		int sub;

		snprintf(dirname, sizeof(dirname), "%s/", rel);
		archive_entry_set_pathname(e, dirname);
		archive_entry_set_size(e, 0);
		r = commit_header(c, e, rel);
		archive_entry_free(e);
		if (r)
			return r;
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return ovl_err_set(c->err, errno, "%s/%s: open: %m", c->root, rel);
		if (fgetxattr(sub, "trusted.overlay.opaque", opq, sizeof(opq) - 1) == 1 && opq[0] == 'y') {
			char marker[PATH_MAX + 16];

			e = archive_entry_new();
			snprintf(marker, sizeof(marker), "%s/" WH_OPAQUE, rel);
			archive_entry_set_pathname(e, marker);
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, st.st_mode & 07777);
			archive_entry_set_size(e, 0);
			archive_entry_set_mtime(e, 0, 0);
			r = commit_header(c, e, marker);
			archive_entry_free(e);
		}
		if (!r)
			r = commit_dir(c, sub, dirname);
		else
			close(sub);
		return r;
	}
	archive_entry_set_pathname(e, rel);
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		char key[64];
		int idx = (int)c->nnames;

		snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		if (ovl_strset_add(c->inodes, key, idx, &idx) == -EEXIST) {
			archive_entry_set_hardlink(e, c->names[idx]);
			archive_entry_set_size(e, 0);
			r = commit_header(c, e, rel);
			archive_entry_free(e);
			return r;
		} else {
			char **nv = realloc(c->names, (c->nnames + 1) * sizeof(*nv));

			if (!nv || !(nv[c->nnames] = strdup(rel))) {
				archive_entry_free(e);
				return ovl_err_set(c->err, ENOMEM, "out of memory");
			}
			c->names = nv;
			c->nnames++;
		}
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);

		if (n < 0) {
			archive_entry_free(e);
			return ovl_err_set(c->err, errno, "%s/%s: readlink: %m", c->root, rel);
		}
		target[n] = 0;
		archive_entry_set_symlink(e, target);
		archive_entry_set_size(e, 0);
	} else if (!S_ISREG(st.st_mode)) {
		archive_entry_set_size(e, 0);
	}
	if (S_ISSOCK(st.st_mode)) {
		archive_entry_free(e);
		return 0; /* tar cannot hold a socket; Docker leaves them out too */
	}
	r = commit_header(c, e, rel);
	archive_entry_free(e);
	if (r || !S_ISREG(st.st_mode) || st.st_size == 0)
		return r;
	{
		int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		unsigned char *buf = c->buf;
		off_t left = st.st_size;

		/* metacopy: the upper file is metadata only; its data lives below, read through the union */
		if (fd >= 0 && c->data_root && fgetxattr(fd, "trusted.overlay.metacopy", NULL, 0) >= 0) {
			char at[PATH_MAX * 2];

			close(fd);
			snprintf(at, sizeof(at), "%s/%s", c->data_root, rel);
			fd = open(at, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		}

		if (fd < 0)
			return ovl_err_set(c->err, errno, "%s/%s: open: %m", c->root, rel);
		while (left > 0 && !r) {
			ssize_t n = read(fd, buf, BUFSZ);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				r = ovl_err_set(c->err, n < 0 ? errno : EIO, "%s/%s: %s", c->root, rel,
						n < 0 ? strerror(errno) : "shrank while being committed");
			else if (archive_write_data(c->a, buf, (size_t)n) != n)
				r = ovl_err_set(c->err, EIO, "%s: writing its data: %s", rel,
						archive_error_string(c->a));
			else
				left -= n;
		}
		close(fd);
	}
	return r;
}

/* Entries of one dir, sorted by name (Docker walks lexically). Takes dfd. */
static int commit_dir(struct commit *c, int dfd, const char *prefix)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	if (!d) {
		close(dfd);
		return ovl_err_set(c->err, errno, "%s/%s: opendir: %m", c->root, prefix);
	}
	while ((de = readdir(d))) {
		char **nv;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		nv = realloc(names, (n + 1) * sizeof(*names));
		if (!nv || !(nv[n] = strdup(de->d_name))) {
			r = ovl_err_set(c->err, ENOMEM, "out of memory");
			names = nv ? nv : names;
			break;
		}
		names = nv;
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && !r; i++)
		r = commit_one(c, dirfd(d), names[i], prefix);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

static int layer_commit(const char *upper, const char *merged, int outfd, struct ovl_digest *diff_id,
			uint64_t *bytes, struct ovl_err *err);

int ovl_layer_commit(const char *upper, int outfd, struct ovl_digest *diff_id, uint64_t *bytes,
		     struct ovl_err *err)
{
	return layer_commit(upper, NULL, outfd, diff_id, bytes, err);
}

int ovl_layer_commit_union(const char *upper, const char *merged, int outfd, struct ovl_digest *diff_id,
			   uint64_t *bytes, struct ovl_err *err)
{
	return layer_commit(upper, merged, outfd, diff_id, bytes, err);
}

static int layer_commit(const char *upper, const char *merged, int outfd, struct ovl_digest *diff_id,
			uint64_t *bytes, struct ovl_err *err)
{
	struct commit c = { .root = upper, .outfd = outfd, .err = err, .data_root = merged };
	int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return ovl_err_set(err, errno, "%s: cannot open: %m", upper);
	c.inodes = ovl_strset_new();
	c.a = archive_write_new();
	c.buf = malloc(BUFSZ);
	if (!c.inodes || !c.a || !c.buf || ovl_hasher_new(&c.h)) {
		close(fd);
		r = ovl_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	/* ustar where it fits, pax where it must (long names, big ids, xattrs), as Go's writer. */
	archive_write_set_format_pax_restricted(c.a);
	archive_write_set_bytes_per_block(c.a, 0); /* no padding to 10 KiB: end after the two zero blocks */
	if (archive_write_open(c.a, &c, NULL, commit_write, NULL) != ARCHIVE_OK) {
		close(fd);
		r = ovl_err_set(err, EIO, "%s: %s", upper, archive_error_string(c.a));
		goto out;
	}
	r = commit_dir(&c, fd, "");
	if (archive_write_close(c.a) != ARCHIVE_OK && !r)
		r = ovl_err_set(err, c.werr ? -c.werr : EIO, "finishing the tar: %s", archive_error_string(c.a));
	struct ovl_digest unused;

	if (!r && (r = ovl_hasher_final(c.h, diff_id ? diff_id : &unused)) == 0 && bytes)
		*bytes = ovl_hasher_length(c.h);
out:
	if (c.a)
		archive_write_free(c.a);
	for (size_t i = 0; i < c.nnames; i++)
		free(c.names[i]);
	free(c.names);
	ovl_strset_free(c.inodes);
	ovl_hasher_free(c.h);
	free(c.buf);
	return r;
}
