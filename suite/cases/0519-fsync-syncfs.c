// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fsync(2), fdatasync(2) and syncfs(2) through the union (without
 * volatile; 0509 has the volatile side):
 *  - fsync and fdatasync of a lower file opened read-only succeed and copy
 *    nothing up;
 *  - after a write that copies a file up, fsync succeeds and the upper
 *    filesystem's device gets the data; syncfs of the union does the same
 *    for a second file (the device's sectors written, on a block device);
 *  - with metacopy=on, fsync of a file whose metadata alone came up
 *    succeeds and leaves it metadata-only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

/*
 * Write 1 MiB over rel through the union (a copy-up), then flush(fd): the
 * call succeeds, and by its end the upper's device got the data (counted
 * from before the write: writeback may start on its own before the sync).
 */
static void write_and_sync(struct ovl_ctx *ctx, const char *rel, int (*flush)(int fd), const char *name)
{
	static char buf[1 << 20];
	const char *up = ovl_layer_dir(ctx, OVL_LAYER_UPPER);
	long long before = ovl_sectors_written(up), after;
	int fd, r;

	memset(buf, 's', sizeof(buf));
	fd = SAFE_OPEN(ctx, ovl_merged_path(ctx, rel), O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		ovl_brok(ctx, "write %s: %s", rel, strerror(errno));
	r = flush(fd) ? errno : 0;
	after = ovl_sectors_written(up);
	close(fd);
	ovl_check_errno(ctx, r ? -1 : 0, r, 0, "%s after a write that copied %s up", name, rel);
	if (before >= 0)
		ovl_check(ctx, after - before >= (long long)(sizeof(buf) / 512), "by the end of %s the upper's device got the data",
			  name);
	ovl_diag(ctx, "sectors written by a 1 MiB write and %s: %lld", name, before >= 0 ? after - before : -1);
}

static void run(struct ovl_ctx *ctx)
{
	int fd, r;

	SAFE_MOUNT_UNION(ctx, NULL);
	fd = SAFE_OPEN(ctx, ovl_merged_path(ctx, "/f"), O_RDONLY | O_CLOEXEC, 0);
	r = fsync(fd) ? errno : 0;
	ovl_check_errno(ctx, r ? -1 : 0, r, 0, "fsync of a lower file opened read-only");
	r = fdatasync(fd) ? errno : 0;
	ovl_check_errno(ctx, r ? -1 : 0, r, 0, "fdatasync of a lower file opened read-only");
	close(fd);
	ovl_check(ctx, access(ovl_path(ctx, OVL_LAYER_UPPER, "/f"), F_OK) != 0, "fsync copied nothing up");

	write_and_sync(ctx, "/h", fsync, "fsync");
	write_and_sync(ctx, "/g", syncfs, "syncfs");
	ovl_umount_union(ctx);

	/* metacopy: fsync of a metadata-only copy keeps it so */
	if (ovl_mount_union(ctx, "metacopy=on")) {
		ovl_diag(ctx, "no metacopy=on here: %s", ovl_mount_union_reason(ctx));
		return;
	}
	if (chmod(ovl_merged_path(ctx, "/c"), 0600))
		ovl_brok(ctx, "chmod /c: %s", strerror(errno));
	fd = SAFE_OPEN(ctx, ovl_merged_path(ctx, "/c"), O_RDONLY | O_CLOEXEC, 0);
	r = fsync(fd) ? errno : 0;
	close(fd);
	ovl_check_errno(ctx, r ? -1 : 0, r, 0, "metacopy=on: fsync of a metadata-only copy");
	ovl_check(ctx, getxattr(ovl_path(ctx, OVL_LAYER_UPPER, "/c"), "trusted.overlay.metacopy", NULL, 0) >= 0,
		  "metacopy=on: it is still metadata-only after the fsync");
}

OVL_CASE(
	.number = 519,
	.slug = "fsync-syncfs",
	.purpose = "fsync, fdatasync and syncfs through the union: no copy-up for a read-only fd, the data reaches the upper's device",
	.tags = "calls,copy-up",
	.needs_root = true,
	.fixture = "calls/layers.tree",
	.run = run,
);
