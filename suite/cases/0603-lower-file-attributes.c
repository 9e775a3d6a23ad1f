// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lower files and dirs with inode flags (chattr +i, +a: FS_IOC_SETFLAGS),
 * the class of the 5.10 copy-up deadlock; a hang is a FAIL by the case's
 * timeout, never a stuck run. The union shows the flags (FS_IOC_GETFLAGS)
 * and keeps their meaning, as a plain filesystem does:
 *  - an immutable file reads through, and any open for writing, truncate,
 *    chmod or unlink of it is EPERM, with nothing copied up;
 *  - in an immutable dir no name can be made or removed (EPERM);
 *  - an append-only file takes O_APPEND writes (a copy-up) and refuses
 *    O_TRUNC and plain writes (EPERM), before and after the copy-up (the
 *    kernel keeps the flag on the union's inode and records it in the
 *    upper copy's trusted.overlay.protattr, not as the upper file's flag);
 *  - a file without flags next to them copies up as usual.
 * The flags go on the layers before the union is mounted and come off at
 * the end, so the scratch dir can be removed. tmpfs takes these flags
 * too; a backing filesystem that refuses them is CONF.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"

static int set_flags(const char *path, int flags)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), r = 0, cur = 0;

	if (fd < 0)
		return errno;
	if (ioctl(fd, FS_IOC_GETFLAGS, &cur) || ioctl(fd, FS_IOC_SETFLAGS, &(int){ (cur & ~(FS_IMMUTABLE_FL | FS_APPEND_FL)) | flags }))
		r = errno;
	close(fd);
	return r;
}

static int get_flags(const char *path, int *flags)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), r = 0;

	if (fd < 0)
		return errno;
	if (ioctl(fd, FS_IOC_GETFLAGS, flags))
		r = errno;
	close(fd);
	return r;
}

static int open_errno(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void run(struct ovl_ctx *ctx)
{
	static const char *const marked[][2] = { { "/imm", "i" }, { "/frozen", "i" }, { "/log", "a" } };
	int e, fl = 0;

	for (size_t i = 0; i < sizeof(marked) / sizeof(marked[0]); i++) {
		e = set_flags(ovl_path(ctx, OVL_LAYER_A, marked[i][0]),
			      marked[i][1][0] == 'i' ? FS_IMMUTABLE_FL : FS_APPEND_FL);
		if (e)
			ovl_conf(ctx, "%s takes no inode flags here: FS_IOC_SETFLAGS on %s: %s", ovl_backing_fs(ctx),
				 marked[i][0], strerror(e));
	}
	if (ovl_mount_union(ctx, NULL)) {
		ovl_check(ctx, false, "the union of layers with immutable and append-only names mounts");
		ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
		goto out;
	}
	ovl_check(ctx, get_flags(ovl_merged_path(ctx, "/imm"), &fl) == 0 && (fl & FS_IMMUTABLE_FL),
		  "the union shows /imm immutable (FS_IOC_GETFLAGS)");
	ovl_check_reads_from(ctx, "/imm", OVL_LAYER_A);
	e = open_errno(ovl_merged_path(ctx, "/imm"), O_WRONLY);
	ovl_check_errno(ctx, e ? -1 : 0, e, EPERM, "open for writing of an immutable lower file");
	e = truncate(ovl_merged_path(ctx, "/imm"), 0) ? errno : 0;
	ovl_check_errno(ctx, e ? -1 : 0, e, EPERM, "truncate of an immutable lower file");
	e = chmod(ovl_merged_path(ctx, "/imm"), 0600) ? errno : 0;
	ovl_check_errno(ctx, e ? -1 : 0, e, EPERM, "chmod of an immutable lower file");
	e = unlink(ovl_merged_path(ctx, "/imm")) ? errno : 0;
	ovl_check_errno(ctx, e ? -1 : 0, e, EPERM, "unlink of an immutable lower file");
	ovl_check(ctx, access(ovl_path(ctx, OVL_LAYER_UPPER, "/imm"), F_OK) != 0, "nothing of /imm came up");
	e = open_errno(ovl_merged_path(ctx, "/frozen/new"), O_WRONLY | O_CREAT);
	ovl_check_errno(ctx, e ? -1 : 0, e, EPERM, "a new name in an immutable lower dir");
	e = unlink(ovl_merged_path(ctx, "/frozen/in")) ? errno : 0;
	ovl_check_errno(ctx, e ? -1 : 0, e, EPERM, "unlink in an immutable lower dir");
	ovl_check_reads_from(ctx, "/frozen/in", OVL_LAYER_A);
	e = open_errno(ovl_merged_path(ctx, "/log"), O_WRONLY);
	ovl_check_errno(ctx, e ? -1 : 0, e, EPERM, "a plain open for writing of an append-only lower file");
	e = open_errno(ovl_merged_path(ctx, "/log"), O_WRONLY | O_APPEND | O_TRUNC);
	ovl_check_errno(ctx, e ? -1 : 0, e, EPERM, "O_TRUNC of an append-only lower file");
	{
		int fd = open(ovl_merged_path(ctx, "/log"), O_WRONLY | O_APPEND | O_CLOEXEC);

		e = fd < 0 ? errno : write(fd, "line 2\n", 7) == 7 ? 0 : errno;
		if (fd >= 0)
			close(fd);
	}
	ovl_check_errno(ctx, e ? -1 : 0, e, 0, "an O_APPEND write to an append-only lower file");
	ovl_check(ctx, access(ovl_path(ctx, OVL_LAYER_UPPER, "/log"), F_OK) == 0, "the write copied /log up");
	/* overlayfs keeps the flag on the union's inode (trusted.overlay.protattr on the upper copy) */
	ovl_check(ctx, get_flags(ovl_merged_path(ctx, "/log"), &fl) == 0 && (fl & FS_APPEND_FL),
		  "after the copy-up the union still shows /log append-only");
	e = open_errno(ovl_merged_path(ctx, "/log"), O_WRONLY | O_TRUNC);
	ovl_check_errno(ctx, e ? -1 : 0, e, EPERM, "after the copy-up O_TRUNC of /log is still refused");
	{
		char v[16] = "";
		ssize_t n = getxattr(ovl_path(ctx, OVL_LAYER_UPPER, "/log"), "trusted.overlay.protattr", v, sizeof(v) - 1);

		ovl_diag(ctx, "upper /log: trusted.overlay.protattr %s%s%s", n >= 0 ? "\"" : "absent", n >= 0 ? v : "",
			 n >= 0 ? "\"" : "");
	}
	e = open_errno(ovl_merged_path(ctx, "/plain"), O_WRONLY | O_APPEND);
	ovl_check_errno(ctx, e ? -1 : 0, e, 0, "a file without flags still opens for writing (a copy-up)");
	ovl_umount_union(ctx);
out:
	/* the flags off again, lower and upper, so the scratch dir can go */
	for (size_t i = 0; i < sizeof(marked) / sizeof(marked[0]); i++) {
		set_flags(ovl_path(ctx, OVL_LAYER_A, marked[i][0]), 0);
		set_flags(ovl_path(ctx, OVL_LAYER_UPPER, marked[i][0]), 0);
	}
}

OVL_CASE(
	.number = 603,
	.slug = "lower-file-attributes",
	.purpose = "immutable and append-only lower names keep their meaning through the union, and nothing hangs",
	.tags = "copy-up,perm",
	.needs_root = true,
	.fixture = "failing/attrs.tree",
	.timeout = 60,
	.run = run,
);
