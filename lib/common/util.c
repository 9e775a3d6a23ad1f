// SPDX-License-Identifier: LGPL-2.1-or-later
#define _GNU_SOURCE
#include "ovl-common.h"

#include <dirent.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool buf_grow(struct ovl_buf *b, size_t more)
{
	size_t cap;
	char *d;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 128;
	while (cap < b->len + more + 1)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d) {
		b->failed = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

void ovl_buf_putc(struct ovl_buf *b, char c)
{
	if (!buf_grow(b, 1))
		return;
	b->data[b->len++] = c;
	b->data[b->len] = 0;
}

void ovl_buf_puts(struct ovl_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (!buf_grow(b, n))
		return;
	memcpy(b->data + b->len, s, n + 1);
	b->len += n;
}

void ovl_buf_printf(struct ovl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_grow(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *ovl_buf_steal(struct ovl_buf *b)
{
	char *d;

	if (b->failed) {
		ovl_buf_free(b);
		return NULL;
	}
	if (!b->data && !buf_grow(b, 0))
		return NULL;
	if (b->len == 0)
		b->data[0] = 0;
	d = b->data;
	*b = (struct ovl_buf)OVL_BUF_INIT;
	return d;
}

void ovl_buf_free(struct ovl_buf *b)
{
	free(b->data);
	*b = (struct ovl_buf)OVL_BUF_INIT;
}

int ovl_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ovl_read_yes(const char *path)
{
	char *s = NULL;
	int r = ovl_read_file(path, &s, NULL, 64);

	if (r)
		return r;
	r = s[0] == 'Y' || s[0] == 'y' || s[0] == '1';
	free(s);
	return r;
}

int ovl_read_file(const char *path, char **out, size_t *len, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct ovl_buf b = OVL_BUF_INIT;
	struct stat st;
	int r = 0;

	if (fd < 0)
		return -errno;
	/* read straight into a buffer of the file's size (and a chunk more, to see the end) */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= max &&
	    !buf_grow(&b, (size_t)st.st_size + 1)) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (b.len + 1 >= b.cap && !buf_grow(&b, 65536)) {
			r = -ENOMEM;
			break;
		}
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			r = -EFBIG;
			break;
		}
		b.len += (size_t)n;
		b.data[b.len] = 0;
	}
	close(fd);
	if (r) {
		ovl_buf_free(&b);
		return r;
	}
	if (len)
		*len = b.len;
	*out = ovl_buf_steal(&b);
	return *out ? 0 : -ENOMEM;
}

int ovl_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

bool ovl_file_is(const char *path, const void *want, size_t len)
{
	char *got = NULL;
	size_t n = 0;
	bool r = ovl_read_file(path, &got, &n, len + 1) == 0 && n == len && memcmp(got, want, len) == 0;

	free(got);
	return r;
}

int ovl_dir_names(const char *dir, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t at = 0;
	int n = 0;

	if (out && len)
		out[0] = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			n++;
			if (out && at < len)
				at += (size_t)snprintf(out + at, len - at, "%s%s", at ? " " : "", de->d_name);
		}
	closedir(d);
	return n;
}

int ovl_write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return -errno;
	r = ovl_write_all(fd, buf, len);
	if (close(fd) && !r)
		r = -errno;
	return r;
}

int ovl_openat_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)flags,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, *rel ? rel : ".", &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

int ovl_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		buf[i] = 0;
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		buf[i] = i == n ? 0 : '/';
	}
	return 0;
}

/* The mount a path lives on: statx's mount id, or its st_dev where that is missing. */
static int mount_of(int pfd, const char *name, unsigned long long *id, bool *is_dir)
{
	struct statx sx;

	if (statx(pfd, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MNT_ID, &sx))
		return -errno;
	*is_dir = S_ISDIR(sx.stx_mode);
	*id = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id
	      : ((unsigned long long)sx.stx_dev_major << 32 | sx.stx_dev_minor);
	return 0;
}

/*
 * Clear the immutable and append-only flags of pfd/name (cases set them on
 * their layers; a case killed by its timeout cannot take them off), so
 * that it can be removed. Regular files and dirs only: an ioctl on a
 * device node would reach the driver.
 */
static void clear_inode_flags(int pfd, const char *name)
{
	int fd = openat(pfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC), fl = 0;
	struct stat st;

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) && ioctl(fd, FS_IOC_GETFLAGS, &fl) == 0 &&
	    (fl & (FS_IMMUTABLE_FL | FS_APPEND_FL))) {
		fl &= ~(FS_IMMUTABLE_FL | FS_APPEND_FL);
		(void)ioctl(fd, FS_IOC_SETFLAGS, &fl);
	}
	close(fd);
}

static int remove_at(int pfd, const char *name, unsigned long long mnt)
{
	unsigned long long here;
	bool is_dir;
	int fd, r;
	DIR *d;
	struct dirent *de;

	r = mount_of(pfd, name, &here, &is_dir);
	if (r)
		return r == -ENOENT ? 0 : r;
	if (!is_dir) {
		if (unlinkat(pfd, name, 0) == 0 || errno == ENOENT)
			return 0;
		if (errno != EPERM)
			return -errno;
		clear_inode_flags(pfd, name);
		return unlinkat(pfd, name, 0) && errno != ENOENT ? -errno : 0;
	}
	/* Another mount (even a bind mount of the same filesystem) is not ours to empty. */
	if (here != mnt)
		return -EBUSY;
	clear_inode_flags(pfd, name);
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Make sure we may list and delete inside (fixtures make 0555 dirs). */
	fchmod(fd, 0700);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		int e;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		e = remove_at(dirfd(d), de->d_name, mnt);
		if (e && !r)
			r = e;
	}
	closedir(d);
	if (!r && unlinkat(pfd, name, AT_REMOVEDIR) && errno != ENOENT)
		r = -errno;
	return r;
}

int ovl_remove_tree(const char *path)
{
	unsigned long long mnt;
	bool is_dir;
	int r = mount_of(AT_FDCWD, path, &mnt, &is_dir);

	if (r)
		return r == -ENOENT ? 0 : r;
	return remove_at(AT_FDCWD, path, mnt);
}

struct ovl_strset {
	char **keys;
	int *tags;
	size_t cap, n;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct ovl_strset *ovl_strset_new(void)
{
	struct ovl_strset *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cap = 64;
	s->keys = calloc(s->cap, sizeof(*s->keys));
	s->tags = calloc(s->cap, sizeof(*s->tags));
	if (!s->keys || !s->tags) {
		ovl_strset_free(s);
		return NULL;
	}
	return s;
}

void ovl_strset_free(struct ovl_strset *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->keys && i < s->cap; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->tags);
	free(s);
}

static size_t strset_slot(const struct ovl_strset *s, const char *key)
{
	size_t i = (size_t)(str_hash(key) & (s->cap - 1));

	while (s->keys[i] && strcmp(s->keys[i], key) != 0)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int strset_grow(struct ovl_strset *s)
{
	struct ovl_strset bigger = { .cap = s->cap * 2 };

	bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
	bigger.tags = calloc(bigger.cap, sizeof(*bigger.tags));
	if (!bigger.keys || !bigger.tags) {
		free(bigger.keys);
		free(bigger.tags);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->keys[i])
			continue;
		j = strset_slot(&bigger, s->keys[i]);
		bigger.keys[j] = s->keys[i];
		bigger.tags[j] = s->tags[i];
	}
	free(s->keys);
	free(s->tags);
	s->keys = bigger.keys;
	s->tags = bigger.tags;
	s->cap = bigger.cap;
	return 0;
}

int ovl_strset_add(struct ovl_strset *s, const char *key, int tagval, int *tag)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap && strset_grow(s))
		return -ENOMEM;
	i = strset_slot(s, key);
	if (s->keys[i]) {
		if (tag)
			*tag = s->tags[i];
		return -EEXIST;
	}
	s->keys[i] = strdup(key);
	if (!s->keys[i])
		return -ENOMEM;
	s->tags[i] = tagval;
	s->n++;
	return 0;
}

int ovl_strset_get(const struct ovl_strset *s, const char *key, int *tag)
{
	size_t i = strset_slot(s, key);

	if (!s->keys[i])
		return 0;
	if (tag)
		*tag = s->tags[i];
	return 1;
}

int ovl_strset_set(struct ovl_strset *s, const char *key, int tag)
{
	size_t i = strset_slot(s, key);

	if (!s->keys[i])
		return -ENOENT;
	s->tags[i] = tag;
	return 0;
}

int ovl_clean_tar_name(const char *raw, char *out, size_t len, bool strict)
{
	size_t o = 0;

	if (strict && raw[0] == '/')
		return -EINVAL;
	for (const char *p = raw; *p;) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (strict)
				return -EINVAL;
			while (o && out[o - 1] != '/')
				o--;
			if (o)
				o--;
		} else if (n && !(n == 1 && p[0] == '.')) {
			if (o + n + 2 > len)
				return -ENAMETOOLONG;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = *e ? e + 1 : e;
	}
	if (!len)
		return -ENAMETOOLONG;
	out[o] = 0;
	return 0;
}

int ovl_err_set(struct ovl_err *err, int errnum, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return errnum > 0 ? -errnum : errnum;
}

void ovl_err_prefix(struct ovl_err *err, const char *fmt, ...)
{
	struct ovl_buf b = OVL_BUF_INIT;
	va_list ap;
	int n;
	char *s;

	if (!err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (!s)
		return;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ovl_buf_puts(&b, s);
	ovl_buf_puts(&b, err->msg);
	free(s);
	if (!b.failed) {
		size_t len = b.len < sizeof(err->msg) - 1 ? b.len : sizeof(err->msg) - 1;

		memcpy(err->msg, b.data, len);
		err->msg[len] = 0;
	}
	ovl_buf_free(&b);
}

int ovl_strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

void ovl_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
