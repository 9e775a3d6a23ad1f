// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Whiteouts in the xattr form sitting in a lower layer (B: an empty file
 * with trusted.overlay.whiteout in a directory marked opaque=x) hide the
 * name in the layers below (C) and never show themselves; the directory is
 * not opaque, so C's other names still show. A kernel that predates the
 * form (6.7) shows the marker as an empty file: CONF with that reason.
 */
#include <errno.h>
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	struct stat st;

	SAFE_MOUNT_UNION(ctx, NULL);
	if (lstat(ovl_merged_path(ctx, "/x/w"), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == 0)
		ovl_conf(ctx, "this kernel shows B's xattr whiteout as an empty file: it does not know the "
			 "xattr form of whiteouts (Linux 6.7+)");
	ovl_check_union(ctx, "after mount");
	ovl_check_absent(ctx, "/x/w", "an xattr whiteout in B over C's file");
	ovl_check_readdir(ctx, "/x");
	ovl_check_reads_from(ctx, "/x/keep", OVL_LAYER_C);
	ovl_check_reads_from(ctx, "/x/from-b", OVL_LAYER_B);
}

OVL_CASE(
	.number = 114,
	.slug = "xattr-whiteout-in-lower",
	.purpose = "a whiteout in the xattr form in a lower layer hides the name below it",
	.tags = "whiteout,opaque",
	.needs_root = true,
	.fixture = "copy-up/xwhiteout.tree",
	.run = run,
);
