// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lower hard links with index=off: a copy-up breaks the link, as the
 * kernel documents. The copied name gets an upper inode of its own; the
 * other names keep showing the lower inode, its old data, and the lower
 * st_nlink (which still counts the names that left). The same steps as
 * case 0132, each checked against the model (result, merged view, upper
 * dir) and the remaining names' st_nlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hardlink-ops.h"

static void run(struct ovl_ctx *ctx)
{
	SAFE_MOUNT_UNION(ctx, NULL);
	hardlink_run(ctx);
}

OVL_CASE(
	.number = 133,
	.slug = "hardlink-index-off",
	.purpose = "with index=off a copy-up breaks a lower hard link; the other names keep the lower inode",
	.tags = "hardlink,index,copy-up",
	.needs_root = true,
	.mount_options = "index=off",
	.fixture = "hardlink/lower-links.tree",
	.run = run,
);
