// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/harness/ops.c - the operation executor: an ovl_op done through the
 * merged mount (as root or as a user without capabilities) and checked
 * against the model: errno, merged view, upper layer.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <grp.h>
#include <libmount.h>
#include <sys/capability.h>
#include "exec.h"
#include "kmsg.h"
#include "sysmount.h"
#include "ovl-model.h"
#include "record.h"
#include "ctx.h"
#include "ovl-common.h"
#include "harness-private.h"

/* ---- operations against the model ------------------------------------------ */

/* A path of the merged view: absolute for root, relative to the merged dir (the cwd) for a user. */
static const char *op_path(struct ovl_ctx *ctx, const struct ovl_op *op, const char *rel)
{
	char buf[PATH_MAX];

	if (!op->as_user)
		return ovl_merged_path(ctx, rel);
	snprintf(buf, sizeof(buf), "./%s", rel[0] == '/' ? rel + 1 : rel);
	return strdup(buf); /* in the user's child, which ends soon */
}

static int do_op_here(struct ovl_ctx *ctx, const struct ovl_op *op)
{
	const char *p = op_path(ctx, op, op->path);
	int fd, r = 0;

	errno = 0;
	switch (op->kind) {
	case OVL_OP_READ: {
		char buf[65536];
		ssize_t n;

		/* O_NONBLOCK: a fifo opens at once and reads nothing */
		fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return errno;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		r = n < 0 ? errno : 0;
		close(fd);
		return r;
	}
	case OVL_OP_STAT: {
		struct stat st;

		return lstat(p, &st) ? errno : 0;
	}
	case OVL_OP_READDIR: {
		DIR *d = opendir(p);

		if (!d)
			return errno;
		errno = 0;
		while (readdir(d))
			;
		r = errno;
		closedir(d);
		return r;
	}
	case OVL_OP_READLINK: {
		char buf[PATH_MAX];

		return readlink(p, buf, sizeof(buf)) < 0 ? errno : 0;
	}
	case OVL_OP_ACCESS:
		return access(p, W_OK) ? errno : 0;
	case OVL_OP_WRITE:
		/* O_NONBLOCK: a fifo without a reader fails with ENXIO rather than wait */
		fd = open(p, op->flags | O_CLOEXEC | O_NONBLOCK, op->mode);
		if (fd < 0)
			return errno;
		r = ovl_write_all(fd, op->data, op->len);
		if (close(fd) && !r)
			r = -errno;
		return -r;
	case OVL_OP_TRUNCATE:
		return truncate(p, (off_t)op->size) ? errno : 0;
	case OVL_OP_CHMOD:
		return chmod(p, op->mode) ? errno : 0;
	case OVL_OP_CHOWN:
		return lchown(p, op->uid, op->gid) ? errno : 0;
	case OVL_OP_UTIMES: {
		struct timespec t[2] = { { 1000000000, 0 }, { 1000000001, 0 } };

		return utimensat(AT_FDCWD, p, t, AT_SYMLINK_NOFOLLOW) ? errno : 0;
	}
	case OVL_OP_SETXATTR:
		return lsetxattr(p, op->name, op->data, op->len, 0) ? errno : 0;
	case OVL_OP_REMOVEXATTR:
		return lremovexattr(p, op->name) ? errno : 0;
	case OVL_OP_UNLINK:
		return unlink(p) ? errno : 0;
	case OVL_OP_RMDIR:
		return rmdir(p) ? errno : 0;
	case OVL_OP_MKDIR:
		return mkdir(p, op->mode) ? errno : 0;
	case OVL_OP_LINK:
		return link(p, op_path(ctx, op, op->path2)) ? errno : 0;
	case OVL_OP_SYMLINK: {
		char target[PATH_MAX];

		snprintf(target, sizeof(target), "%.*s", (int)op->len, (const char *)op->data);
		return symlink(target, p) ? errno : 0;
	}
	case OVL_OP_MKNOD:
		return mknod(p, op->mode, makedev(op->rdev_major, op->rdev_minor)) ? errno : 0;
	case OVL_OP_RENAME:
		return renameat2(AT_FDCWD, p, AT_FDCWD, op_path(ctx, op, op->path2),
				 (unsigned int)op->flags) ? errno : 0;
	}
	return EINVAL;
}

/*
 * As an ordinary user: a child that drops every capability (libcap) and
 * becomes as_uid:as_gid, from inside the merged dir (the scratch dirs
 * above it are root's only).
 */
static int do_op(struct ovl_ctx *ctx, const struct ovl_op *op)
{
	pid_t pid;
	int status = 0;

	if (!op->as_user)
		return do_op_here(ctx, op);
	fflush(ctx->log);
	pid = fork();
	if (pid < 0)
		ovl_brok(ctx, "fork: %s", strerror(errno));
	if (pid == 0) {
		cap_t none = cap_init();
		cap_t now;
		bool clean;

		if (chdir(ctx->dirs[CTX_DIR_MERGED]) || setgroups(0, NULL) ||
		    setresgid(op->as_gid, op->as_gid, op->as_gid) ||
		    setresuid(op->as_uid, op->as_uid, op->as_uid) || !none || cap_set_proc(none))
			_exit(255);
		now = cap_get_proc();
		clean = now && cap_compare(now, none) == 0;
		cap_free(now);
		cap_free(none);
		if (!clean)
			_exit(254);
		_exit(do_op_here(ctx, op) & 0xff);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) >= 254)
		ovl_brok(ctx, "could not become uid %u without capabilities to run the operation (status 0x%x)",
			 (unsigned int)op->as_uid, status);
	return WEXITSTATUS(status);
}

/* One comparison of a tree with the model's, as a check with the difference shown. */
bool harness_compare(struct ovl_ctx *ctx, const struct ovl_tree *want, const struct ovl_tree *got,
		    unsigned int flags, const char *what)
{
	char *d = NULL;
	size_t dlen = 0;
	FILE *f = open_memstream(&d, &dlen);
	int n;

	if (!f)
		ovl_brok(ctx, "open_memstream: %s", strerror(errno));
	n = ovl_tree_diff(want, got, flags, f);
	fclose(f);
	if (n < 0)
		ovl_brok(ctx, "tree diff: %s", strerror(-n));
	harness_check_result(ctx, n == 0, what);
	if (n) {
		fprintf(ctx->log, "--- %s: expected (model)\n", what);
		ovl_tree_dump(want, flags, ctx->log);
		fprintf(ctx->log, "--- actual\n");
		ovl_tree_dump(got, flags, ctx->log);
		fprintf(ctx->log, "--- difference (- model, + actual): %d path%s\n%s", n, n == 1 ? "" : "s", d);
		fflush(ctx->log);
		harness_diag(ctx, "difference (- model, + actual):");
	}
	harness_diag_since(ctx, what, d, n == 0);
	free(d);
	return n == 0;
}

/*
 * The model follows the options the union was asked to run with (and the
 * module defaults read before mounting), never what the mount reports:
 * the mount's own check says whether they are in force.
 */
static void model_options(struct ovl_ctx *ctx)
{
	const struct harness_expect *e = harness_expected(ctx);
	struct ovl_model_options opt = { 0 };

	if (!e->valid)
		ovl_brok(ctx, "the model has no expected options: the union was not mounted through the harness");
	opt.redirect_dir = strcmp(e->value[HOPT_REDIRECT_DIR], "on") == 0;
	opt.index = strcmp(e->value[HOPT_INDEX], "on") == 0;
	/* the kernel's ovl_allow_offline_changes(), negated */
	opt.no_offline_changes = opt.redirect_dir || opt.index || strcmp(e->value[HOPT_METACOPY], "on") == 0 ||
				 strcmp(e->value[HOPT_XINO], "on") == 0;
	opt.metacopy = strcmp(e->value[HOPT_METACOPY], "on") == 0;
	opt.nofollow = strcmp(e->value[HOPT_REDIRECT_DIR], "nofollow") == 0;
	/* xfs refuses a rename over a dir with names with EEXIST (POSIX allows it) */
	opt.upper_notempty = strcmp(ovl_backing_fs(ctx), "xfs") == 0 ? EEXIST : ENOTEMPTY;
	/* the host's setting, as the VFS applies it above any filesystem */
	{
		char *v = NULL;

		opt.protected_hardlinks = ovl_read_file("/proc/sys/fs/protected_hardlinks", &v, NULL, 64) == 0 &&
					  v[0] != '0';
		free(v);
		v = NULL;
		opt.protected_regular = ovl_read_file("/proc/sys/fs/protected_regular", &v, NULL, 64) == 0 ? atoi(v) : 0;
		free(v);
		v = NULL;
		opt.protected_fifos = ovl_read_file("/proc/sys/fs/protected_fifos", &v, NULL, 64) == 0 ? atoi(v) : 0;
		free(v);
	}
	ovl_log(ctx, "model: redirect_dir %s, index %s, metacopy %s, offline changes %s, a rename over a full upper dir: %s",
		opt.redirect_dir ? "on" : opt.nofollow ? "nofollow" : "follow", opt.index ? "on" : "off",
		opt.metacopy ? "on" : "off",
		opt.no_offline_changes ? "not allowed" : "allowed", strerrorname_np(opt.upper_notempty));
	/*
	 * The case runs in a user namespace of its own (it mounted there): the
	 * model sees the layers from there, with the kernel's overflow ids for
	 * owners the namespace cannot map.
	 */
	{
		char *v = NULL;

		if (ovl_read_file("/proc/self/uid_map", &v, NULL, 4096) == 0) {
			unsigned long first, lower, count;

			opt.userns = sscanf(v, "%lu %lu %lu", &first, &lower, &count) != 3 || first != 0 || lower != 0 ||
				     count != 4294967295UL;
		}
		free(v);
		v = NULL;
		opt.overflow_uid = ovl_read_file("/proc/sys/kernel/overflowuid", &v, NULL, 64) == 0 ? (unsigned)atoi(v) : 65534U;
		free(v);
		v = NULL;
		opt.overflow_gid = ovl_read_file("/proc/sys/kernel/overflowgid", &v, NULL, 64) == 0 ? (unsigned)atoi(v) : 65534U;
		free(v);
		if (opt.userns)
			ovl_log(ctx, "model: a user namespace's view (owners it cannot map show as %u:%u)",
				opt.overflow_uid, opt.overflow_gid);
	}
	ovl_model_set_options(ctx->model, &opt);
}

/* ---- what the tree comparison leaves out: times, link counts, d_type ------------------ */

static bool ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static bool ts_before(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

static void parent_of(const char *path, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)(strrchr(path, '/') - path), path);
	if (!*out)
		snprintf(out, len, "/");
}

/* path is the dir of a name the call names (either of them) */
static bool named_dir(const struct ovl_op *op, const char *path)
{
	char d[PATH_MAX];

	parent_of(op->path, d, sizeof(d));
	if (strcmp(d, path) == 0)
		return true;
	if (op->path2) {
		parent_of(op->path2, d, sizeof(d));
		return strcmp(d, path) == 0;
	}
	return false;
}

static bool is_file(const struct ovl_entry *e)
{
	return e && (e->type == OVL_FT_REG || e->type == OVL_FT_HARDLINK);
}

/*
 * mtime as overlayfs defines it, per name of the merged view: copy-up
 * keeps it (and a parent's, restored after the copy-up), utimensat sets
 * what it was given, a write or truncate makes it new (every name of the
 * inode), a name made or removed makes its dir's new and a made name's own,
 * a rename changes both dirs and never the names it moves, chmod, chown and
 * xattrs never; a call that failed changes nothing. Then st_nlink of every
 * non-dir as the model predicts it, and readdir's d_type against lstat.
 */
static bool check_times_links(struct ovl_ctx *ctx, const struct ovl_op *op, bool done, const struct ovl_tree *before,
			      const struct ovl_tree *after, struct timespec t0, const char *what)
{
	struct ovl_buf bad = OVL_BUF_INIT, nl = OVL_BUF_INIT, dt = OVL_BUF_INIT;
	char target[PATH_MAX] = "", p1[PATH_MAX] = "", p2[PATH_MAX] = "", name[640];
	const struct ovl_entry *te = NULL;
	struct timespec now;
	bool new_data = false, set_times = false, same_size = false, ok = true;
	struct timespec link_time = { 0 };
	char link_name[PATH_MAX] = "";

	clock_gettime(CLOCK_REALTIME, &now);
	/* timestamps come from a coarse clock: a tick of slack before the call */
	t0.tv_nsec -= 20000000;
	if (t0.tv_nsec < 0) {
		t0.tv_nsec += 1000000000;
		t0.tv_sec--;
	}
	/* a rename of a name onto itself, or onto another name of its inode, does nothing */
	if (done && op->kind == OVL_OP_RENAME && op->path2) {
		const struct ovl_entry *x = ovl_tree_lookup(before, op->path), *y = ovl_tree_lookup(before, op->path2);

		if (strcmp(op->path, op->path2) == 0 || (x && y && x->dev == y->dev && x->ino == y->ino))
			done = false;
	}
	if (done) {
		char rp[PATH_MAX], rp2[PATH_MAX];
		bool follows = op->kind == OVL_OP_WRITE || op->kind == OVL_OP_TRUNCATE;

		/* where the call lands: through symlinks on the way, and at the end for the calls that follow */
		ovl_tree_resolve(after, op->path, follows, rp, sizeof(rp));
		ovl_tree_resolve(after, op->path2 ? op->path2 : "/", false, rp2, sizeof(rp2));
		snprintf(target, sizeof(target), "%s", rp);
		te = ovl_tree_lookup(after, target);
		switch (op->kind) {
		case OVL_OP_WRITE:
			/* a write of bytes, or a truncation, to a regular file */
			new_data = is_file(te) && (op->len || (op->flags & O_TRUNC) || !ovl_tree_lookup(before, target));
			break;
		case OVL_OP_TRUNCATE: {
			/* truncate(2) renews the times when the size changes (POSIX); at the same size either is right */
			/* a second name of an inode: the size is its first name's */
			const struct ovl_entry *was = ovl_tree_inode_entry(before, ovl_tree_lookup(before, target));

			new_data = te && (!was || was->size != op->size);
			same_size = te && !new_data;
			break;
		}
		case OVL_OP_UTIMES:
			set_times = te != NULL;
			break;
		default:
			break;
		}
		/* the dirs whose names change */
		if (op->kind == OVL_OP_UNLINK || op->kind == OVL_OP_RMDIR || op->kind == OVL_OP_MKDIR ||
		    op->kind == OVL_OP_MKNOD || op->kind == OVL_OP_SYMLINK || op->kind == OVL_OP_RENAME ||
		    (op->kind == OVL_OP_WRITE && !ovl_tree_lookup(before, target)))
			parent_of(target, p1, sizeof(p1));
		if ((op->kind == OVL_OP_RENAME || op->kind == OVL_OP_LINK) && op->path2)
			parent_of(rp2, p2, sizeof(p2));
		if (op->kind == OVL_OP_LINK) {
			/* a new name of an inode has the inode's time */
			const struct ovl_entry *src = ovl_tree_lookup(before, target);

			if (src) {
				link_time = src->mtime;
				snprintf(link_name, sizeof(link_name), "%s", rp2);
			}
		}
	}
	for (size_t i = 0; i < ovl_tree_count(after); i++) {
		const struct ovl_entry *a = ovl_tree_entry_at(after, i), *b;
		char from[PATH_MAX];
		bool fresh = false, exact = false, moved = false;

		if (a->type == OVL_FT_WHITEOUT)
			continue;
		/* where the name was before: a rename moves a subtree */
		snprintf(from, sizeof(from), "%s", a->path);
		if (done && op->kind == OVL_OP_RENAME && op->path2 && !(op->flags & RENAME_EXCHANGE) &&
		    (strcmp(a->path, op->path2) == 0 || ovl_path_is_below(a->path, op->path2))) {
			snprintf(from, sizeof(from), "%s%s", op->path, a->path + strlen(op->path2));
			moved = true;
		} else if (done && op->kind == OVL_OP_RENAME && op->path2 && (op->flags & RENAME_EXCHANGE)) {
			if (strcmp(a->path, op->path2) == 0 || ovl_path_is_below(a->path, op->path2))
				snprintf(from, sizeof(from), "%s%s", op->path, a->path + strlen(op->path2)), moved = true;
			else if (strcmp(a->path, op->path) == 0 || ovl_path_is_below(a->path, op->path))
				snprintf(from, sizeof(from), "%s%s", op->path2, a->path + strlen(op->path)), moved = true;
		}
		b = ovl_tree_lookup(before, from);
		if (done && (strcmp(a->path, p1) == 0 || strcmp(a->path, p2) == 0))
			fresh = true;
		/*
		 * A call that failed after its copy-ups (a rename the upper fs
		 * refuses) may have touched the dirs it names: kept or new.
		 */
		if (!done && a->type == OVL_FT_DIR && b && !ts_eq(a->mtime, b->mtime) && named_dir(op, a->path))
			fresh = true;
		/*
		 * A dir moved to another parent has its ".." rewritten: some
		 * filesystems (xfs) count that as a change of the dir, POSIX
		 * leaves it open. Kept or new are both right.
		 */
		if (moved && b && a->type == OVL_FT_DIR && (strcmp(a->path, op->path) == 0 || strcmp(a->path, op->path2) == 0)) {
			char pa[PATH_MAX], pb[PATH_MAX];

			parent_of(a->path, pa, sizeof(pa));
			parent_of(from, pb, sizeof(pb));
			if (strcmp(pa, pb) != 0 && !ts_eq(a->mtime, b->mtime))
				fresh = true;
		}
		if (te && (strcmp(a->path, te->path) == 0 || (is_file(a) && is_file(te) && a->dev == te->dev && a->ino == te->ino))) {
			fresh |= new_data || (same_size && b && !ts_eq(a->mtime, b->mtime));
			exact = set_times; /* every name of the inode */
		}
		if (!b && moved)
			continue;
		if (link_name[0] && strcmp(a->path, link_name) == 0) {
			if (!ts_eq(a->mtime, link_time))
				ovl_buf_printf(&bad, "%s%s: mtime %lld.%09ld, a new name of an inode of %lld.%09ld", bad.len ? "\n" : "",
					       a->path, (long long)a->mtime.tv_sec, a->mtime.tv_nsec, (long long)link_time.tv_sec,
					       link_time.tv_nsec);
			continue;
		}
		if (!b)
			fresh = true; /* a new name: made now */
		if (exact) {
			if (a->mtime.tv_sec != 1000000001 || a->mtime.tv_nsec)
				ovl_buf_printf(&bad, "%s%s: mtime %lld.%09ld, utimensat gave 1000000001", bad.len ? "\n" : "",
					       a->path, (long long)a->mtime.tv_sec, a->mtime.tv_nsec);
		} else if (fresh) {
			if (ts_before(a->mtime, t0) || ts_before(now, a->mtime))
				ovl_buf_printf(&bad, "%s%s: mtime %lld.%09ld, not made by the call (%lld.%09ld..%lld.%09ld)",
					       bad.len ? "\n" : "", a->path, (long long)a->mtime.tv_sec, a->mtime.tv_nsec,
					       (long long)t0.tv_sec, t0.tv_nsec, (long long)now.tv_sec, now.tv_nsec);
		} else if (b && b->type == a->type && !ts_eq(a->mtime, b->mtime)) {
			ovl_buf_printf(&bad, "%s%s: mtime %lld.%09ld, was %lld.%09ld, which the call keeps", bad.len ? "\n" : "",
				       a->path, (long long)a->mtime.tv_sec, a->mtime.tv_nsec, (long long)b->mtime.tv_sec,
				       b->mtime.tv_nsec);
		}
		/* st_nlink of a non-dir, as the model counts the names of its inode */
		if (a->type != OVL_FT_DIR) {
			unsigned long want = 0;
			struct ovl_err err = { "" };

			if (ovl_model_nlink(ctx->model, a->path, &want, &err) == 0 && want != a->nlink)
				ovl_buf_printf(&nl, "%s%s: %lu, the model says %lu", nl.len ? "\n" : "", a->path, a->nlink, want);
		}
		/* readdir's d_type is the type lstat gives */
		if (strcmp(a->path, "/") != 0 && a->d_type != DT_UNKNOWN) {
			static const unsigned char dts[] = { [OVL_FT_DIR] = DT_DIR, [OVL_FT_REG] = DT_REG,
							     [OVL_FT_LNK] = DT_LNK, [OVL_FT_FIFO] = DT_FIFO,
							     [OVL_FT_SOCK] = DT_SOCK, [OVL_FT_CHR] = DT_CHR,
							     [OVL_FT_BLK] = DT_BLK, [OVL_FT_HARDLINK] = DT_REG };

			if ((size_t)a->type < sizeof(dts) && dts[a->type] != a->d_type)
				ovl_buf_printf(&dt, "%s%s: d_type %u, lstat says a %s", dt.len ? "\n" : "", a->path, a->d_type,
					       ovl_ftype_name(a->type));
		}
	}
	snprintf(name, sizeof(name), "after %s: mtimes as overlayfs keeps and sets them", what);
	ok &= harness_check_result(ctx, bad.len == 0, name);
	harness_diag_since(ctx, name, bad.data, bad.len == 0);
	snprintf(name, sizeof(name), "after %s: st_nlink of every name as the model counts it", what);
	ok &= harness_check_result(ctx, nl.len == 0, name);
	harness_diag_since(ctx, name, nl.data, nl.len == 0);
	snprintf(name, sizeof(name), "after %s: readdir's d_type agrees with lstat", what);
	ok &= harness_check_result(ctx, dt.len == 0, name);
	harness_diag_since(ctx, name, dt.data, dt.len == 0);
	if (!ctx->quiet && (bad.len || nl.len || dt.len))
		fprintf(ctx->log, "%s%s%s%s%s%s\n", bad.data ? bad.data : "", bad.len ? "\n" : "", nl.data ? nl.data : "",
			nl.len ? "\n" : "", dt.data ? dt.data : "", "");
	ovl_buf_free(&bad);
	ovl_buf_free(&nl);
	ovl_buf_free(&dt);
	return ok;
}

bool ovl_check_op(struct ovl_ctx *ctx, const struct ovl_op *op)
{
	return ovl_check_op_after(ctx, op, NULL);
}

bool ovl_check_op_after(struct ovl_ctx *ctx, const struct ovl_op *op, struct ovl_tree **carry)
{
	struct ovl_err err = { "" };
	struct ovl_tree *view = NULL, *merged, *upper = NULL, *before;
	struct timespec t0;
	char what[512], name[640];
	int want, got;
	bool ok;

	if (!ctx->model) {
		const char *lowers[OVL_MAX_LOWERS];

		for (unsigned int i = 0; i < harness_nlowers(ctx); i++)
			lowers[i] = ctx->dirs[CTX_DIR_A + i];
		if (!ctx->alt_n && (ctx->c->no_upper || !ctx->mounted))
			ovl_brok(ctx, "ovl_check_op needs a mounted union with an upper layer");
		/* the model starts from the layers as they were before mounting: so must the disk */
		if (!ctx->alt_n)
			harness_check_layers_as_before(ctx, true, "at the first operation");
		/* the layers were just read in full (as before): their digests are the cache's */
		if (!ctx->scan_cache && !(ctx->scan_cache = ovl_scan_cache_new()))
			ovl_brok(ctx, "out of memory");
		if (ovl_model_open_flags(ctx->dirs[CTX_DIR_UPPER],
					 ctx->alt_n ? (const char *const *)ctx->alt_lowers : lowers,
					 ctx->alt_n ? ctx->alt_n : harness_nlowers(ctx), ctx->scan_cache,
					 harness_layer_scan_flags(ctx), &ctx->model, &err))
			ovl_brok(ctx, "model: %s", err.msg);
		model_options(ctx);
	}
	ovl_op_describe(op, what, sizeof(what));
	harness_record(ctx, OVL_REC_OP, "op", what);
	if (ovl_model_apply(ctx->model, op, &want, &err))
		ovl_brok(ctx, "the model cannot predict %s: %s", what, err.msg);
	/* the merged view before the call: as the last call left it, when nothing came between */
	before = carry && *carry ? *carry : ovl_merged_now(ctx);
	if (carry)
		*carry = NULL;
	clock_gettime(CLOCK_REALTIME_COARSE, &t0);
	got = do_op(ctx, op);
	ovl_log(ctx, "op: %s -> %s (model: %s)", what, got ? strerrorname_np(got) : "success",
		want ? strerrorname_np(want) : "success");
	ok = ovl_check_errno(ctx, got ? -1 : 0, got, want, "%s", what);
	if (ovl_model_view(ctx->model, &view, &err))
		ovl_brok(ctx, "model: %s", err.msg);
	merged = ovl_merged_now(ctx);
	snprintf(name, sizeof(name), "after %s: merged view matches the model", what);
	ok &= harness_compare(ctx, view, merged, 0, name);
	upper = harness_scan(ctx, ctx->dirs[CTX_DIR_UPPER], OVL_SCAN_UPPER | harness_layer_scan_flags(ctx),
			     "the upper dir");
	snprintf(name, sizeof(name), "after %s: upper dir matches the model", what);
	ok &= harness_compare(ctx, ovl_model_upper(ctx->model), upper, OVL_DUMP_NO_OVL_XATTRS, name);
	ok &= check_times_links(ctx, op, got == 0 && want == 0, before, merged, t0, what);
	ovl_tree_unref(before);
	ovl_tree_unref(view);
	if (carry)
		*carry = merged;
	else
		ovl_tree_unref(merged);
	ovl_tree_unref(upper);
	return ok;
}

bool ovl_check_ops(struct ovl_ctx *ctx, const struct ovl_op *ops, size_t n)
{
	struct ovl_tree *carry = NULL;
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		ok = ovl_check_op_after(ctx, &ops[i], &carry) && ok;
	ovl_tree_unref(carry);
	return ok;
}

void ovl_use_union(struct ovl_ctx *ctx, const char *merged, const char *upper, const char *const *lowers,
		   size_t n, const char *options)
{
	ovl_model_free(ctx->model);
	ctx->model = NULL;
	ovl_strv_free(ctx->alt_lowers, ctx->alt_n);
	ctx->alt_lowers = NULL;
	ctx->alt_n = 0;
	if (!merged) {
		if (!ctx->saved_merged[0])
			return;
		snprintf(ctx->dirs[CTX_DIR_MERGED], sizeof(ctx->dirs[0]), "%s", ctx->saved_merged);
		snprintf(ctx->dirs[CTX_DIR_UPPER], sizeof(ctx->dirs[0]), "%s", ctx->saved_up);
		ctx->mounted = ctx->saved_mounted;
		ctx->saved_merged[0] = 0;
		return;
	}
	if (!ctx->saved_merged[0]) {
		snprintf(ctx->saved_merged, sizeof(ctx->saved_merged), "%s", ctx->dirs[CTX_DIR_MERGED]);
		snprintf(ctx->saved_up, sizeof(ctx->saved_up), "%s", ctx->dirs[CTX_DIR_UPPER]);
		ctx->saved_mounted = ctx->mounted;
	}
	if (n > OVL_MODEL_MAX_LAYERS - 1 || !(ctx->alt_lowers = calloc(n, sizeof(*ctx->alt_lowers))))
		ovl_brok(ctx, "ovl_use_union: %zu lowers", n);
	for (size_t i = 0; i < n; i++)
		if (!(ctx->alt_lowers[ctx->alt_n++] = strdup(lowers[i])))
			ovl_brok(ctx, "out of memory");
	{
		/* merged or upper may be the case's own dirs: copy before overwriting */
		char m[PATH_MAX], u[PATH_MAX];

		snprintf(m, sizeof(m), "%s", merged);
		snprintf(u, sizeof(u), "%s", upper);
		snprintf(ctx->dirs[CTX_DIR_MERGED], sizeof(ctx->dirs[0]), "%s", m);
		snprintf(ctx->dirs[CTX_DIR_UPPER], sizeof(ctx->dirs[0]), "%s", u);
	}
	ctx->mounted = false; /* the end of the case must not unmount another's union */
	harness_expect_options(ctx->target, options, true, &ctx->alt_expect, NULL);
	harness_check_options(ctx, merged, &ctx->alt_expect);
}

/* ---- the layers before mounting ---------------------------------------------- */

static const char *const layer_label[CTX_DIR_UPPER + 1] = { "lower A", "lower B", "lower C", "upper" };

static struct ovl_tree *scan_layer(struct ovl_ctx *ctx, int d)
{
	struct ovl_err err = { "" };
	struct ovl_tree *t = NULL;

	/* read in full (the layers' own check), and kept for the model's scans */
	if (!ctx->scan_cache && !(ctx->scan_cache = ovl_scan_cache_new()))
		ovl_brok(ctx, "out of memory");
	if (ovl_tree_scan_cached(ctx->dirs[d], OVL_SCAN_FRESH | harness_layer_scan_flags(ctx) |
						       (d == CTX_DIR_UPPER ? OVL_SCAN_UPPER : 0U),
				 ctx->scan_cache, &t, &err))
		ovl_brok(ctx, "scanning %s: %s", layer_label[d], err.msg);
	return t;
}

void harness_take_baseline(struct ovl_ctx *ctx)
{
	if (ctx->have_baseline)
		return;
	for (unsigned int i = 0; i < harness_nlowers(ctx); i++)
		ctx->baseline[CTX_DIR_A + i] = scan_layer(ctx, CTX_DIR_A + (int)i);
	if (!ctx->c->no_upper)
		ctx->baseline[CTX_DIR_UPPER] = scan_layer(ctx, CTX_DIR_UPPER);
	ctx->have_baseline = true;
}

/*
 * Each lower (and with upper_too the upper) layer is as it was before the
 * first mount: one check per layer, named by when, the difference shown.
 */
bool harness_check_layers_as_before(struct ovl_ctx *ctx, bool upper_too, const char *when)
{
	bool ok = true, outer = ctx->auto_check;

	if (!ctx->have_baseline)
		return true;
	for (int d = CTX_DIR_A; d <= CTX_DIR_UPPER; d++) {
		char what[256];
		struct ovl_tree *now;

		if (!ctx->baseline[d] || (d == CTX_DIR_UPPER && !upper_too))
			continue;
		now = scan_layer(ctx, d);
		snprintf(what, sizeof(what), "%s: %s is as it was before the union was mounted", when,
			 layer_label[d]);
		/* the upper dir's root gains overlay's bookkeeping (uuid=on): as in every upper comparison */
		ctx->auto_check = true;
		ok &= harness_compare(ctx, ctx->baseline[d], now, d == CTX_DIR_UPPER ? OVL_DUMP_NO_OVL_XATTRS : 0, what);
		ctx->auto_check = outer;
		ovl_tree_unref(now);
	}
	return ok;
}
