// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An upper layer on xfs made with ftype=0 (no d_type), which needs the old
 * V4 format (crc=0): the same checks as case 0212 and Docker's xfs
 * message, on a kernel built with XFS_SUPPORT_V4 (Debian's 6.1 and 6.12
 * are; V4 is deprecated and kernels built without it, like this project's
 * 6.18 host, cannot mount it): CONF elsewhere by the config, never by
 * watching the mount fail.
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
	static const char *const mkfs[] = { "mkfs.xfs", "-q", "-f", "-m", "crc=0", "-n", "ftype=0", NULL };

	nodtype_case(ctx, "xfs", mkfs,
		     "overlay2: the backing xfs filesystem is formatted without d_type support, which leads to "
		     "incorrect behavior. Reformat the filesystem with ftype=1 to enable d_type support. Backing "
		     "filesystems without d_type support are not supported.");
}

OVL_CASE(
	.number = 213,
	.slug = "backing-xfs-ftype0",
	.purpose = "an upper on xfs ftype=0 (xfs V4, XFS_SUPPORT_V4): d_type missing, Docker's refusal, the kernel's warning",
	.tags = "backing",
	.needs_root = true,
	.alone = true,		/* reads the kernel log of its mounts */
	.needs_kconfig = "XFS_FS & XFS_SUPPORT_V4",
	.timeout = 60,
	.needs_programs = "mkfs.xfs",
	.run = run,
);
