/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovl-common.h - what the three ovlconform libraries share: error messages
 * (struct ovl_err), a growing string buffer, whole-file reads and writes,
 * paths that never leave a directory, and a string set. Each library
 * carries these objects; a program that links one or more of them gets
 * one copy. All functions return 0 or -errno; nothing here prints or exits.
 */
#ifndef OVL_COMMON_H
#define OVL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * == util: small helpers shared by lib/ and suite/: a growing string
 * buffer, whole-file reads and writes, and opening paths without leaving a
 * directory. All return 0 or -errno.
 */

/* An error message naming the path or line and the reason. */
struct ovl_err {
	char msg[1024];
};

/* Fill err (if non-NULL) with a formatted message; returns -errnum. */
int ovl_err_set(struct ovl_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Put a formatted prefix in front of err's message (no-op for NULL). */
void ovl_err_prefix(struct ovl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct ovl_buf {
	char *data;
	size_t len, cap;
	bool failed;		/* an allocation failed; data is incomplete */
};
#define OVL_BUF_INIT { NULL, 0, 0, false }

void ovl_buf_putc(struct ovl_buf *b, char c);
void ovl_buf_puts(struct ovl_buf *b, const char *s);
void ovl_buf_printf(struct ovl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the NUL-terminated string to the caller (NULL if an allocation failed). */
char *ovl_buf_steal(struct ovl_buf *b);
void ovl_buf_free(struct ovl_buf *b);

/*
 * snprintf that says when it cut: 0, or -ENAMETOOLONG when the result did
 * not fit (buf then holds the truncated string). Use it to build paths.
 */
int ovl_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Read a whole file (NUL-terminated, *len excludes the NUL); -EFBIG past max. */
int ovl_read_file(const char *path, char **out, size_t *len, size_t max);
/* Whether the file at path reads exactly len bytes of want (false when it cannot be read). */
bool ovl_file_is(const char *path, const void *want, size_t len);
/* How many names dir holds (. and .. aside), listed space-separated in out (may be NULL); -errno. */
int ovl_dir_names(const char *dir, char *out, size_t len);
/* A Y/N file (a bool module parameter under /sys/module): 1 (Y, y, 1), 0, or -errno. */
int ovl_read_yes(const char *path);
int ovl_write_all(int fd, const void *buf, size_t len);
/* Write a whole file (O_CREAT|O_TRUNC, mode 0644). */
int ovl_write_file(const char *path, const void *buf, size_t len);

/*
 * openat() that refuses to leave dirfd: no "..", no absolute path, no
 * symlink anywhere along rel (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS).
 * Returns an fd or -errno.
 */
int ovl_openat_beneath(int dirfd, const char *rel, int flags);

/* mkdir -p with mode for each created component; existing dirs are fine. */
int ovl_mkdir_p(const char *path, mode_t mode);

/*
 * rm -rf of path, not crossing into other filesystems (a mount point below
 * path is left alone and reported as -EBUSY) and not following symlinks.
 */
int ovl_remove_tree(const char *path);

/*
 * A tar entry's name as a relative path ("" for the root): "." and empty
 * components dropped. strict refuses an absolute name or a ".." component
 * (-EINVAL); otherwise the name is cleaned as Docker cleans it,
 * Clean("/" + name), where ".." drops a component but never climbs above
 * the root. -ENAMETOOLONG when it does not fit.
 */
int ovl_clean_tar_name(const char *raw, char *out, size_t len, bool strict);

/*
 * A set of strings, each with a small tag (for example the type of a path
 * seen in a tar). Open addressing; grows as needed.
 */
struct ovl_strset;
struct ovl_strset *ovl_strset_new(void);
void ovl_strset_free(struct ovl_strset *s);
/* 0 added, -EEXIST (and *tag set to the present one when tag is non-NULL) or -ENOMEM. */
int ovl_strset_add(struct ovl_strset *s, const char *key, int tagval, int *tag);
/* 1 and *tag when present, 0 when not. */
int ovl_strset_get(const struct ovl_strset *s, const char *key, int *tag);
/* Change the tag of a present key: 0 or -ENOENT. */
int ovl_strset_set(struct ovl_strset *s, const char *key, int tag);


/* A vector of strings: push a copy of s (0 or -ENOMEM, the vector unchanged); free all. */
int ovl_strv_push(char ***v, size_t *n, const char *s);
void ovl_strv_free(char **v, size_t n);

#endif
