// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * File handles (overlayfs.rst, "NFS export"): with nfs_export=on (and the
 * index it needs) name_to_handle_at(2) gives a handle for any name of the
 * union, and open_by_handle_at(2) opens the same object again:
 *  - of a lower file, of a file made in the upper layer, of a file copied
 *    up, and of a dir;
 *  - a handle taken before a copy-up opens the copied-up file (the same
 *    overlay object, its new bytes);
 *  - every handle still opens after an unmount and a mount of the same
 *    layers;
 *  - a handle of a name removed since is ESTALE ("an overlay object that
 *    was deleted after its file handle was encoded").
 * Without nfs_export, since Linux 6.6 a handle that can only identify
 * (AT_HANDLE_FID, for fanotify) is given, and a decodable one is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"
#include "ovl-host.h"
#include "target.h"

#ifndef AT_HANDLE_FID
#define AT_HANDLE_FID 0x200
#endif

struct handle {
	struct file_handle fh;
	unsigned char bytes[MAX_HANDLE_SZ];
};

static int get_handle(struct ovl_ctx *ctx, const char *rel, struct handle *h, int flags)
{
	int mnt_id;

	h->fh.handle_bytes = MAX_HANDLE_SZ;
	return name_to_handle_at(AT_FDCWD, ovl_merged_path(ctx, rel), &h->fh, &mnt_id, flags) ? errno : 0;
}

/* Open by handle through the union; 0 and the bytes read (up to len) in buf, or errno. */
static int open_handle(struct ovl_ctx *ctx, struct handle *h, char *buf, size_t len, size_t *got, bool dir)
{
	int mfd = open(ovl_merged_dir(ctx), O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd, e = 0;
	ssize_t n;

	if (mfd < 0)
		ovl_brok(ctx, "open %s: %s", ovl_merged_dir(ctx), strerror(errno));
	fd = open_by_handle_at(mfd, &h->fh, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	e = fd < 0 ? errno : 0;
	close(mfd);
	if (fd < 0)
		return e;
	*got = 0;
	if (!dir) {
		n = read(fd, buf, len);
		*got = n > 0 ? (size_t)n : 0;
	}
	close(fd);
	return 0;
}

/* The handle opens and reads what rel reads through the union now. */
static void check_opens(struct ovl_ctx *ctx, struct handle *h, const char *rel, const char *what)
{
	char a[256], *b = NULL;
	size_t la = 0, lb = 0;
	int e = open_handle(ctx, h, a, sizeof(a), &la, false);

	if (ovl_read_file(ovl_merged_path(ctx, rel), &b, &lb, 1 << 20))
		ovl_brok(ctx, "read %s", rel);
	ovl_check(ctx, e == 0 && la == (lb < sizeof(a) ? lb : sizeof(a)) && memcmp(a, b, la) == 0,
		  "the handle of %s opens it and reads what %s reads (%s)", what, rel, e ? strerror(e) : "ok");
	free(b);
}

static void run(struct ovl_ctx *ctx)
{
	struct handle lower, upper, copied, before, dir, gone;
	char buf[16];
	size_t n;
	int fd, e;

	SAFE_MOUNT_UNION(ctx, "index=on,nfs_export=on");
	fd = SAFE_OPEN(ctx, ovl_merged_path(ctx, "/new"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (write(fd, "made in the union\n", 18) != 18)
		ovl_brok(ctx, "write /new: %s", strerror(errno));
	close(fd);
	if (chmod(ovl_merged_path(ctx, "/b"), 0600))
		ovl_brok(ctx, "chmod /b: %s", strerror(errno));
	e = get_handle(ctx, "/small", &lower, 0);
	ovl_check(ctx, e == 0, "name_to_handle_at of a lower file (%s)", strerror(e));
	e |= get_handle(ctx, "/new", &upper, 0) | get_handle(ctx, "/b", &copied, 0) |
	     get_handle(ctx, "/c", &before, 0) | get_handle(ctx, "/d", &dir, 0) | get_handle(ctx, "/d/f", &gone, 0);
	ovl_check(ctx, e == 0, "name_to_handle_at of an upper file, a copied-up file and a dir (%s)", strerror(e));
	if (e)
		return;
	check_opens(ctx, &lower, "/small", "a lower file");
	check_opens(ctx, &upper, "/new", "an upper file");
	check_opens(ctx, &copied, "/b", "a copied-up file");
	e = open_handle(ctx, &dir, buf, sizeof(buf), &n, true);
	ovl_check(ctx, e == 0, "the handle of a dir opens it (%s)", strerror(e));
	/* a copy-up after the handle was taken */
	fd = SAFE_OPEN(ctx, ovl_merged_path(ctx, "/c"), O_WRONLY | O_TRUNC, 0);
	if (write(fd, "rewritten\n", 10) != 10)
		ovl_brok(ctx, "write /c: %s", strerror(errno));
	close(fd);
	check_opens(ctx, &before, "/c", "a lower file taken before its copy-up");
	/* a name removed: its handle is stale */
	if (unlink(ovl_merged_path(ctx, "/d/f")))
		ovl_brok(ctx, "unlink /d/f: %s", strerror(errno));
	e = open_handle(ctx, &gone, buf, sizeof(buf), &n, false);
	ovl_check_errno(ctx, e ? -1 : 0, e, ESTALE, "open_by_handle_at of a file removed after its handle was taken");
	/* an unmount and a mount of the same layers */
	ovl_umount_union(ctx);
	SAFE_MOUNT_UNION(ctx, "index=on,nfs_export=on");
	check_opens(ctx, &lower, "/small", "a lower file, after a remount,");
	check_opens(ctx, &upper, "/new", "an upper file, after a remount,");
	check_opens(ctx, &before, "/c", "a copied-up file, after a remount,");
	e = open_handle(ctx, &gone, buf, sizeof(buf), &n, false);
	ovl_check_errno(ctx, e ? -1 : 0, e, ESTALE, "after a remount, the removed file's handle is still stale");
	ovl_umount_union(ctx);

	/* without nfs_export: identifying handles only (6.6) */
	if (!ovl_kernel_has_feature("overlay-fid-handles", NULL, NULL, 0) &&
	    strcmp(ovl_ctx_target(ctx)->implementation ? ovl_ctx_target(ctx)->implementation : ovl_ctx_target(ctx)->name,
		   "kernel") == 0) {
		ovl_diag(ctx, "identifying handles without nfs_export came in Linux 6.6: not tried");
		return;
	}
	SAFE_MOUNT_UNION(ctx, "index=off,nfs_export=off");
	e = get_handle(ctx, "/small", &lower, AT_HANDLE_FID);
	ovl_check(ctx, e == 0, "without nfs_export, an identifying handle (AT_HANDLE_FID) is given (%s)", strerror(e));
	e = get_handle(ctx, "/small", &lower, 0);
	ovl_check_errno(ctx, e ? -1 : 0, e, EOPNOTSUPP, "without nfs_export, a decodable handle");
}

OVL_CASE(
	.number = 510,
	.slug = "file-handles",
	.purpose = "nfs_export=on: handles of lower, upper and copied-up files open across copy-up and remount; ESTALE once removed",
	.tags = "export",
	.needs_root = true,
	.needs_features = "index=on,nfs_export=on",
	.fixture = "metacopy/basic.tree",
	.run = run,
);
