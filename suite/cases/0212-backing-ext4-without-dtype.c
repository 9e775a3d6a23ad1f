// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An upper layer on ext4 made without the filetype feature (no d_type in
 * readdir): the kernel mounts it and logs "upper fs needs to support
 * d_type"; a deleted lower file is then gone for lstat but still listed by
 * readdir, as an unknown-type entry (overlayfs cannot see that the upper
 * entry is a whiteout), and a dir whose lower children were all deleted
 * refuses rmdir (ENOTEMPTY). The library's probe finds no d_type and
 * Docker's check refuses the filesystem with Docker's own message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nodtype.h"

static void run(struct ovl_ctx *ctx)
{
	static const char *const mkfs[] = { "mkfs.ext4", "-q", "-F", "-O", "^filetype", NULL };

	nodtype_case(ctx, "ext4", mkfs,
		     "overlay2: the backing extfs filesystem is formatted without d_type support, which leads to "
		     "incorrect behavior. Reformat the filesystem (or use tune2fs) with -O filetype flag to enable "
		     "d_type support. Backing filesystems without d_type support are not supported.");
}

OVL_CASE(
	.number = 212,
	.slug = "backing-ext4-without-dtype",
	.purpose = "an upper on ext4 without filetype: mounts with a warning, whiteouts list, Docker refuses it",
	.tags = "backing,whiteout",
	.needs_root = true,
	.alone = true,		/* reads the kernel log of its mounts */
	.needs_kconfig = "EXT4_FS",
	.timeout = 60,
	.needs_programs = "mkfs.ext4",
	.run = run,
);
