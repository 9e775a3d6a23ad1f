// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cells of overlayfs.rst's "Inode properties" table that kernel 6.18
 * does not keep, over the same twelve mounts as case 0201:
 *  - layers on two filesystems with xino=off: the table promises
 *    st_ino == d_ino and d_ino == i_ino for non-dirs, but once a lower
 *    file is copied up, readdir gives the upper inode's number while lstat
 *    and inotify keep the origin's, and a remount does not change that;
 *  - index=off: a copied-up lower hard link becomes an inode of its own
 *    (st_ino and d_ino the upper's), while the cached overlay inode keeps
 *    the old i_ino until it is evicted.
 * The case asserts the table's promise for exactly those cells; it is a
 * known deviation of the kernel target (XFAIL), and XPASS on a kernel
 * that keeps the promise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "inode-table.h"

static void run(struct ovl_ctx *ctx)
{
	inode_matrix(ctx, CELLS_BROKEN);
}

OVL_CASE(
	.number = 202,
	.slug = "inode-numbers-after-copy-up",
	.purpose = "d_ino and i_ino of copied-up non-dirs as overlayfs.rst's table promises (6.18 does not)",
	.tags = "inode,hardlink",
	.needs_kconfig = "INOTIFY_USER",
	.needs_root = true,
	.timeout = 120,
	.run = run,
);
