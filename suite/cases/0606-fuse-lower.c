// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A lower layer that misbehaves: the top lower is a FUSE filesystem the
 * case serves itself (ovl_fuse_lower(): a pass-through of a dir, read
 * only), with one fault per variant; below it a plain lower dir. Copy-up,
 * rename and readdir over it must behave as overlayfs promises, or fail
 * with the error the lower gave, leaving nothing behind.
 *  - 0606-0608: the file-attribute ioctls answer EINVAL, ENOSYS or ENOTTY.
 *    Copy-up asks the lower for its flags (since 5.15) and must take any
 *    of these as "none": 5.15 failed copy-up over FUSE lowers answering
 *    ENOSYS, and renames over ntfs-3g. A lower symlink is renamed too
 *    (its copy-up failed with ENXIO on FUSE and NFS lowers).
 *  - 0609: no xattr support at all: copy-up and lookups go on without.
 *  - 0610: d_type with bits above DT_*'s four in every readdir reply:
 *    names merge, and the FUSE layer's whiteout still hides the name below.
 *  - 0611: EIO on reading one file: a read and a copy-up of it fail with
 *    EIO; nothing of it reaches the upper or the work dir; the others copy
 *    up.
 *  - 0612: every read answered 25 ms late: a copy-up of a 1 MiB file waits
 *    and brings all of it.
 * Each operation is checked against the model (but the EIO file's, which
 * the model cannot read either: those are checked by hand).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

/* pinned: a FUSE lower's inode numbers leave xino=auto off; metacopy would spare 0611's chmod the read */
#define OPTS "xino=off,metacopy=off"

enum { FILEATTR_EINVAL = 1, FILEATTR_ENOSYS, FILEATTR_ENOTTY, NO_XATTRS, DTYPE_JUNK, READ_EIO, SLOW };

#define BIG (1U << 20)

static void make_src(struct ovl_ctx *ctx, const char *src, const char *base)
{
	char p[4200];
	char *big = malloc(BIG);

	if (!big)
		ovl_brok(ctx, "out of memory");
	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)('a' + i % 23);
	SAFE_PUT(ctx, src, "", NULL, 0);
	SAFE_PUT(ctx, base, "", NULL, 0);
	SAFE_PUT(ctx, src, "/f", "fuse f\n", 7);
	SAFE_PUT(ctx, src, "/d", NULL, 0);
	SAFE_PUT(ctx, src, "/d/g", "fuse g\n", 7);
	SAFE_PUT(ctx, src, "/big", big, BIG);
	SAFE_PUT(ctx, src, "/bad", "unreadable\n", 11);
	snprintf(p, sizeof(p), "%s/link", src);
	if (symlink("f", p))
		ovl_brok(ctx, "symlink %s: %s", p, strerror(errno));
	/* the FUSE layer's whiteout of a name the plain lower has */
	snprintf(p, sizeof(p), "%s/wh", src);
	if (mknod(p, S_IFCHR | 0000, makedev(0, 0)))
		ovl_brok(ctx, "mknod %s: %s", p, strerror(errno));
	SAFE_PUT(ctx, base, "/wh", "hidden\n", 7);
	SAFE_PUT(ctx, base, "/d", NULL, 0);
	SAFE_PUT(ctx, base, "/d/h", "base h\n", 7);
	SAFE_PUT(ctx, base, "/plain", "base plain\n", 11);
	free(big);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names and d_types readdir gives in dir, "name:type" each in name order, for the log. */
static void dtypes(struct ovl_ctx *ctx, const char *dir, const char *what)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char line[1024], *items[64];
	size_t n = 0, at = 0;
	int odd = 0;

	line[0] = 0;
	while (d && (de = readdir(d)) && n < 64)
		if (de->d_name[0] != '.' && asprintf(&items[n], "%s:%u", de->d_name, (unsigned int)de->d_type) > 0) {
			odd += de->d_type > 15;
			n++;
		}
	if (d)
		closedir(d);
	qsort(items, n, sizeof(items[0]), by_name);
	for (size_t i = 0; i < n; i++) {
		at += (size_t)snprintf(line + at, at < sizeof(line) ? sizeof(line) - at : 0, " %s", items[i]);
		free(items[i]);
	}
	ovl_diag(ctx, "%s d_types:%s (%d with bits above DT_*'s four)", what, line, odd);
}

static void eio_checks(struct ovl_ctx *ctx, const char *m, const char *u, const char *w)
{
	char p[4200], buf[64];
	struct stat st;
	int fd, before;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/work", w);
	before = ovl_dir_names(p, NULL, 0);
	snprintf(p, sizeof(p), "%s/bad", m);
	fd = open(p, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	ovl_check_errno(ctx, n, errno, EIO, "read of the file the lower cannot read");
	if (fd >= 0)
		close(fd);
	fd = open(p, O_WRONLY | O_APPEND);
	ovl_check_errno(ctx, fd, errno, EIO, "open for writing (a copy-up) of the file the lower cannot read");
	if (fd >= 0)
		close(fd);
	ovl_check_errno(ctx, chmod(p, 0600), errno, EIO, "chmod (a copy-up) of the file the lower cannot read");
	snprintf(p, sizeof(p), "%s/bad", u);
	ovl_check(ctx, lstat(p, &st) && errno == ENOENT, "nothing of it is in the upper dir");
	snprintf(p, sizeof(p), "%s/work", w);
	ovl_check(ctx, ovl_dir_names(p, NULL, 0) == before, "nor in the work dir");
	ovl_diag(ctx, "%s: %d names before, %d after", p, before, ovl_dir_names(p, NULL, 0));
	snprintf(p, sizeof(p), "%s/bad", m);
	ovl_check(ctx, lstat(p, &st) == 0 && st.st_size == 11 && (st.st_mode & 07777) == 0644,
		  "the union still shows the lower file as it is");
}

static void run(struct ovl_ctx *ctx)
{
	long v = ovl_variant_arg(ctx);
	const char *src = ovl_case_path(ctx, "/src"), *base = ovl_case_path(ctx, "/base");
	const char *fm = ovl_case_path(ctx, "/fuse"), *u = ovl_case_path(ctx, "/upper");
	const char *w = ovl_case_path(ctx, "/work"), *m = ovl_case_path(ctx, "/merged");
	const char *lowers[2] = { fm, base };
	struct ovl_fuse_faults f = { 0 };

	make_src(ctx, src, base);
	SAFE_MKDIR_P(ctx, fm);
	SAFE_MKDIR_P(ctx, u);
	SAFE_MKDIR_P(ctx, w);
	SAFE_MKDIR_P(ctx, m);
	f.fileattr_errno = v == FILEATTR_EINVAL ? EINVAL : v == FILEATTR_ENOSYS ? ENOSYS : v == FILEATTR_ENOTTY ? ENOTTY : 0;
	f.no_xattrs = v == NO_XATTRS;
	f.dtype_extra = v == DTYPE_JUNK ? 0xf0 : 0;
	f.eio_name = v == READ_EIO ? "bad" : NULL;
	f.slow_ms = v == SLOW ? 25 : 0;
	ovl_fuse_lower(ctx, src, fm, &f);
	if (ovl_mount_custom(ctx, lowers, 2, u, w, m, OPTS)) {
		ovl_check(ctx, false, "a union over the FUSE lower mounts");
		ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
		return;
	}
	if (v == READ_EIO) {
		eio_checks(ctx, m, u, w);
		ovl_check_errno(ctx, chmod(ovl_case_path(ctx, "/merged/f"), 0600), errno, 0,
				"a readable file beside it still copies up");
		ovl_umount_path(ctx, m);
		ovl_fuse_lower_stop(ctx);
		return;
	}
	ovl_use_union(ctx, m, u, lowers, 2, OPTS);
	if (v == DTYPE_JUNK) {
		dtypes(ctx, fm, "the FUSE lower's");
		dtypes(ctx, m, "the union's");
	}
	ovl_check_readdir(ctx, "/");
	ovl_check_readdir(ctx, "/d");
	{
		static const struct ovl_op ops[] = {
			{ .kind = OVL_OP_CHMOD, .path = "/f", .mode = 0600 },
			{ .kind = OVL_OP_WRITE, .path = "/d/g", .flags = O_WRONLY | O_APPEND, .data = "+\n", .len = 2 },
			{ .kind = OVL_OP_RENAME, .path = "/link", .path2 = "/link2" },
			{ .kind = OVL_OP_UTIMES, .path = "/big" },
			{ .kind = OVL_OP_UTIMES, .path = "/d" },
			{ .kind = OVL_OP_UNLINK, .path = "/bad" },
			{ .kind = OVL_OP_WRITE, .path = "/wh", .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0644,
			  .data = "new\n", .len = 4 },
		};

		OVL_CHECK_OPS(ctx, ops);
	}
	ovl_check_readdir(ctx, "/");
	ovl_check_readdir(ctx, "/d");
	ovl_umount_path(ctx, m);
	ovl_fuse_lower_stop(ctx);
}

OVL_CASE(
	.number = 606,
	.slug = "fuse-lower",
	.purpose = "a FUSE lower with faults: copy-up, rename and readdir as overlayfs promises",
	.tags = "copy-up,rename,readdir",
	.needs_root = true,
	.needs_kconfig = "CONFIG_FUSE_FS",
	.timeout = 60,
	.variants = (const struct ovl_variant[]){
		{ .number = 606, .slug = "fuse-lower-fileattr-einval", .arg = FILEATTR_EINVAL,
		  .purpose = "a FUSE lower answering EINVAL to the file-attribute ioctls: copy-up and rename go on" },
		{ .number = 607, .slug = "fuse-lower-fileattr-enosys", .arg = FILEATTR_ENOSYS,
		  .purpose = "a FUSE lower answering ENOSYS to the file-attribute ioctls: copy-up and rename go on "
			     "(5.15 failed them)" },
		{ .number = 608, .slug = "fuse-lower-fileattr-enotty", .arg = FILEATTR_ENOTTY,
		  .purpose = "a FUSE lower answering ENOTTY to the file-attribute ioctls: copy-up and rename go on" },
		{ .number = 609, .slug = "fuse-lower-no-xattrs", .arg = NO_XATTRS,
		  .purpose = "a FUSE lower without xattr support: lookups, copy-up and rename go on" },
		{ .number = 610, .slug = "fuse-lower-dtype-junk", .arg = DTYPE_JUNK,
		  .purpose = "a FUSE lower whose readdir d_types carry junk bits: names merge, its whiteout hides" },
		{ .number = 611, .slug = "fuse-lower-read-eio", .arg = READ_EIO,
		  .purpose = "a FUSE lower failing a read with EIO: the read and the copy-up fail so, leaving nothing" },
		{ .number = 612, .slug = "fuse-lower-slow", .arg = SLOW,
		  .purpose = "a FUSE lower answering every read late: a copy-up waits and brings all the data" },
		{ 0 },
	},
	.run = run,
);
