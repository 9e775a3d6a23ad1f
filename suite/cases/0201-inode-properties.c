// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "Inode properties" table of Documentation/filesystems/overlayfs.rst,
 * as a matrix: layers on one filesystem and on two (the lowers on a tmpfs
 * of their own), xino off, auto and on, index off and on. For each of the
 * twelve mounts the case looks at dirs and non-dirs (lower, upper, merged,
 * a symlink, a lower hard link pair) and asserts what the row of the
 * table promises (a Y), nothing where it says N:
 *   - persistent st_ino: the same st_ino before and after a copy-up, and
 *     after a remount;
 *   - uniform st_dev: every object reports the overlay's st_dev;
 *   - st_ino == d_ino: readdir's d_ino is lstat's st_ino;
 *   - d_ino == i_ino: the inode number inotify's fdinfo shows is d_ino.
 * The row is chosen by what the mount really does: one filesystem, else
 * xino as mountinfo (or the module default) shows it in force. Always, as
 * the documentation says elsewhere: dirs report the overlay's st_dev, and
 * st_ino is unique together with st_dev (alone too where st_dev is
 * uniform). With index=on a copied-up lower hard link keeps one st_ino for
 * all its names, across a remount too. The cells kernel 6.18 does not keep
 * are case 0202's (see inode-table.h). The table's last row (an inode
 * number overflowing the xino bits) needs inode numbers above 2^62, which
 * no backing filesystem here gives out; it is not asserted.
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
	inode_matrix(ctx, CELLS_KEPT);
}

OVL_CASE(
	.number = 201,
	.slug = "inode-properties",
	.purpose = "st_dev, st_ino, d_ino and i_ino as overlayfs.rst's table promises, over xino and index",
	.tags = "inode,hardlink,index",
	.needs_kconfig = "INOTIFY_USER",
	.needs_root = true,
	.timeout = 120,
	.run = run,
);
