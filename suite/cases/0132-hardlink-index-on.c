// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lower hard links with index=on: the first copy-up of any name of a lower
 * inode goes through the index, so every other name (not copied up, even
 * in another dir) shows the new data, metadata and inode at once; a later
 * copy-up of another name links it to the same upper inode. Before a lower
 * hard link loses a name (unlink, rename over it) it is copied to the
 * index, and st_nlink counts the union's names. Everything holds across a
 * remount. Each step is checked against the model (result, merged view,
 * upper dir) and the remaining names' st_nlink.
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
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after a remount: the index still joins the names");
	ovl_check_nlink(ctx, "/h2");
	ovl_check_nlink(ctx, "/g2");
}

OVL_CASE(
	.number = 132,
	.slug = "hardlink-index-on",
	.purpose = "with index=on every name of a lower hard link shows its one copied-up inode",
	.tags = "hardlink,index,copy-up",
	.needs_root = true,
	.mount_options = "index=on",
	.needs_features = "index=on",
	.fixture = "hardlink/lower-links.tree",
	.run = run,
);
