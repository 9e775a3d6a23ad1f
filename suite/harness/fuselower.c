// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/harness/fuselower.c - a lower layer that misbehaves on purpose: a
 * FUSE filesystem (libfuse3's low-level API) passing a dir through, read
 * only, with the faults users met on real FUSE, NFS and ntfs-3g lowers:
 *  - file-attribute ioctls (FS_IOC_GETFLAGS, FS_IOC_FSGETXATTR) answered
 *    with an errno (EINVAL, ENOSYS, ENOTTY: the 5.15 copy-up regression);
 *  - no xattr support at all (ENOSYS, as a server without the calls);
 *  - d_type values with bits above the four DT_* bits;
 *  - EIO on reading one file; a slow reply (every read waits); a stuck
 *    one (a read of one file never answered).
 *
 * The server is a child of the case: it lives in the case's mount and PID
 * namespaces, so it ends with the case whatever happens; the case ends it
 * first (ovl_fuse_lower_stop(), or the end of the case on any outcome),
 * killing it (which aborts the connection and any reply still owed) and
 * unmounting.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 35
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <linux/fs.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness-private.h"
#include "ovl-host.h"
#include "ovl-common.h"

/* The server's state (its own process: one server per case process at a time). */
static struct server {
	char src[PATH_MAX];
	struct ovl_fuse_faults f;
	char **rel;		/* node id n + 1's path relative to src ("" for the root) */
	size_t n, cap;
} S;

struct dirbuf {
	char *buf;
	size_t size;
};

static fuse_ino_t node_for(const char *rel)
{
	for (size_t i = 0; i < S.n; i++)
		if (strcmp(S.rel[i], rel) == 0)
			return i + 1;
	if (S.n == S.cap) {
		size_t cap = S.cap ? S.cap * 2 : 64;
		char **r = realloc(S.rel, cap * sizeof(*r));

		if (!r)
			return 0;
		S.rel = r;
		S.cap = cap;
	}
	if (!(S.rel[S.n] = strdup(rel)))
		return 0;
	return ++S.n;
}

/* The backing path of node ino (NULL: no such node). */
static const char *full(fuse_ino_t ino, char *out, size_t len)
{
	if (ino < 1 || ino > S.n)
		return NULL;
	snprintf(out, len, "%s%s%s", S.src, S.rel[ino - 1][0] ? "/" : "", S.rel[ino - 1]);
	return out;
}

static const char *base_name(fuse_ino_t ino)
{
	const char *r = ino >= 1 && ino <= S.n ? S.rel[ino - 1] : "", *s = strrchr(r, '/');

	return s ? s + 1 : r;
}

static bool named(const char *want, fuse_ino_t ino)
{
	return want && *want && strcmp(want, base_name(ino)) == 0;
}

static void fl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { .attr_timeout = 60, .entry_timeout = 60 };
	char rel[PATH_MAX], p[PATH_MAX];

	if (parent < 1 || parent > S.n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	snprintf(rel, sizeof(rel), "%s%s%s", S.rel[parent - 1], S.rel[parent - 1][0] ? "/" : "", name);
	snprintf(p, sizeof(p), "%s/%s", S.src, rel);
	if (lstat(p, &e.attr)) {
		fuse_reply_err(req, errno);
		return;
	}
	e.ino = node_for(rel);
	if (!e.ino) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fuse_reply_entry(req, &e);
}

static void fl_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	char p[PATH_MAX];
	struct stat st;

	(void)fi;
	if (!full(ino, p, sizeof(p)) || lstat(p, &st))
		fuse_reply_err(req, full(ino, p, sizeof(p)) ? errno : ENOENT);
	else
		fuse_reply_attr(req, &st, 60);
}

static void fl_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char p[PATH_MAX], t[PATH_MAX];
	ssize_t n = full(ino, p, sizeof(p)) ? readlink(p, t, sizeof(t) - 1) : -1;

	if (n < 0) {
		fuse_reply_err(req, errno ? errno : ENOENT);
		return;
	}
	t[n] = 0;
	fuse_reply_readlink(req, t);
}

/* A dir's entries, read once at opendir, as the kernel's fuse_dirent records. */
static void fl_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dirbuf *b = calloc(1, sizeof(*b));
	char p[PATH_MAX];
	DIR *d = full(ino, p, sizeof(p)) ? opendir(p) : NULL;
	struct dirent *de;

	if (!b || !d) {
		fuse_reply_err(req, !b ? ENOMEM : errno ? errno : ENOENT);
		free(b);
		if (d)
			closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st = { .st_ino = de->d_ino, .st_mode = (mode_t)DTTOIF(de->d_type) };
		size_t need = fuse_add_direntry(req, NULL, 0, de->d_name, NULL, 0);
		char *nb = realloc(b->buf, b->size + need);

		if (!nb)
			break;
		b->buf = nb;
		fuse_add_direntry(req, b->buf + b->size, need, de->d_name, &st, (off_t)(b->size + need));
		/* bits above DT_*'s four, where a server may leave junk */
		if (S.f.dtype_extra)
			((struct fuse_dirent *)(b->buf + b->size))->type |= S.f.dtype_extra;
		b->size += need;
	}
	closedir(d);
	fi->fh = (uint64_t)(uintptr_t)b;
	fuse_reply_open(req, fi);
}

static void fl_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct dirbuf *b = (struct dirbuf *)(uintptr_t)fi->fh;

	(void)ino;
	if (off < 0 || (size_t)off >= b->size)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, b->buf + off, b->size - (size_t)off < size ? b->size - (size_t)off : size);
}

static void fl_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dirbuf *b = (struct dirbuf *)(uintptr_t)fi->fh;

	(void)ino;
	free(b->buf);
	free(b);
	fuse_reply_err(req, 0);
}

static void fl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	char p[PATH_MAX];
	int fd;

	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EROFS);
		return;
	}
	fd = full(ino, p, sizeof(p)) ? open(p, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0) {
		fuse_reply_err(req, errno ? errno : ENOENT);
		return;
	}
	fi->fh = (uint64_t)fd;
	fuse_reply_open(req, fi);
}

static void fl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	char *buf;
	ssize_t n;

	if (named(S.f.stuck_name, ino))
		return; /* never answered: the caller waits until the connection goes */
	if (named(S.f.eio_name, ino)) {
		fuse_reply_err(req, EIO);
		return;
	}
	if (S.f.slow_ms) {
		struct timespec ts = { S.f.slow_ms / 1000, (long)(S.f.slow_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	buf = malloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = pread((int)fi->fh, buf, size, off);
	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

static void fl_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	close((int)fi->fh);
	fuse_reply_err(req, 0);
}

/* getxattr (name) or listxattr (NULL) of a node: the size asked for (size 0), the bytes, or the errno. */
static void reply_xattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	char p[PATH_MAX], *v;
	ssize_t n;

	if (S.f.no_xattrs) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	if (!full(ino, p, sizeof(p))) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	v = size ? malloc(size) : NULL;
	n = name ? lgetxattr(p, name, v, size) : llistxattr(p, v, size);
	if (n < 0)
		fuse_reply_err(req, errno);
	else if (!size)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, v, (size_t)n);
	free(v);
}

static void fl_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	reply_xattr(req, ino, name, size);
}

static void fl_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	reply_xattr(req, ino, NULL, size);
}

/* The file-attribute ioctls: no flags set, or the fault's errno. */
static void fl_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg, struct fuse_file_info *fi,
		     unsigned int flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	(void)ino, (void)arg, (void)fi, (void)flags, (void)in_buf, (void)in_bufsz;
	if (S.f.fileattr_errno) {
		fuse_reply_err(req, S.f.fileattr_errno);
	} else if (cmd == FS_IOC_GETFLAGS) {
		int none = 0;

		fuse_reply_ioctl(req, 0, &none, out_bufsz < sizeof(none) ? out_bufsz : sizeof(none));
	} else if (cmd == FS_IOC_FSGETXATTR) {
		struct fsxattr none = { 0 };

		fuse_reply_ioctl(req, 0, &none, out_bufsz < sizeof(none) ? out_bufsz : sizeof(none));
	} else {
		fuse_reply_err(req, ENOTTY);
	}
}

static const struct fuse_lowlevel_ops fl_ops = {
	.lookup = fl_lookup,
	.getattr = fl_getattr,
	.readlink = fl_readlink,
	.opendir = fl_opendir,
	.readdir = fl_readdir,
	.releasedir = fl_releasedir,
	.open = fl_open,
	.read = fl_read,
	.release = fl_release,
	.getxattr = fl_getxattr,
	.listxattr = fl_listxattr,
	.ioctl = fl_ioctl,
};

/* The server: mount, say so on ready (or why not), serve until the connection ends. */
static void __attribute__((noreturn)) serve(const char *mnt, int ready)
{
	char *argv[] = { "ovlconform-fuse-lower", "-o", "default_permissions,fsname=ovlconform-lower,ro", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct fuse_session *se;
	char why[256];

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	prctl(PR_SET_NAME, "ovl-fuse-lower");
	if (!node_for("")) {
		snprintf(why, sizeof(why), "out of memory");
	} else if (!(se = fuse_session_new(&args, &fl_ops, sizeof(fl_ops), NULL))) {
		snprintf(why, sizeof(why), "fuse_session_new failed");
	} else if (fuse_session_mount(se, mnt)) {
		snprintf(why, sizeof(why), "fuse_session_mount on %s failed (is /dev/fuse there?)", mnt);
	} else {
		if (write(ready, "y", 1) != 1)
			_exit(1);
		close(ready);
		fuse_session_loop(se);
		_exit(0);
	}
	if (write(ready, why, strlen(why)) < 0)
		_exit(1);
	_exit(1);
}

void ovl_fuse_lower(struct ovl_ctx *ctx, const char *src, const char *mnt, const struct ovl_fuse_faults *f)
{
	int p[2];
	char buf[300];
	ssize_t n;
	pid_t pid;

	if (ctx->fuse_pid > 0)
		ovl_brok(ctx, "ovl_fuse_lower: one FUSE lower at a time (%s is up)", ctx->fuse_mnt);
	ovl_kernel_module_load("fuse"); /* its /dev/fuse comes with it where no one loaded it at boot */
	if (access("/dev/fuse", R_OK | W_OK))
		ovl_conf(ctx, "/dev/fuse: %s (a FUSE lower needs it)", strerror(errno));
	if (pipe2(p, O_CLOEXEC))
		ovl_brok(ctx, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		ovl_brok(ctx, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		snprintf(S.src, sizeof(S.src), "%s", src);
		S.f = *f;
		/* the server keeps none of the case's files (its records, its log) */
		if (p[1] != 3 && (dup2(p[1], 3) < 0 || close(p[1])))
			_exit(1);
		close_range(4, ~0U, 0);
		serve(mnt, 3);
	}
	close(p[1]);
	ctx->fuse_pid = pid;
	snprintf(ctx->fuse_mnt, sizeof(ctx->fuse_mnt), "%s", mnt);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (n != 1 || buf[0] != 'y') {
		buf[n > 0 ? n : 0] = 0;
		ovl_brok(ctx, "the FUSE lower on %s did not start: %s", mnt, n > 0 ? buf : "the server died");
	}
	ovl_log(ctx, "FUSE lower on %s (over %s), server pid %d: fileattr %s, xattrs %s, d_type extra 0x%x, EIO on %s, "
		"reads %u ms late, stuck on %s", mnt, src, (int)pid,
		f->fileattr_errno ? strerrorname_np(f->fileattr_errno) : "answered", f->no_xattrs ? "none" : "passed",
		f->dtype_extra, f->eio_name ? f->eio_name : "-", f->slow_ms, f->stuck_name ? f->stuck_name : "-");
}

void ovl_fuse_lower_stop(struct ovl_ctx *ctx)
{
	int st;

	if (ctx->fuse_pid <= 0)
		return;
	/* killing the server aborts the connection: any reply it owes fails the waiter (ENOTCONN) */
	kill(ctx->fuse_pid, SIGKILL);
	waitpid(ctx->fuse_pid, &st, 0);
	ctx->fuse_pid = 0;
	if (umount2(ctx->fuse_mnt, 0) && umount2(ctx->fuse_mnt, MNT_DETACH))
		ovl_log(ctx, "unmounting the FUSE lower %s: %s", ctx->fuse_mnt, strerror(errno));
	ovl_log(ctx, "FUSE lower on %s stopped", ctx->fuse_mnt);
}
