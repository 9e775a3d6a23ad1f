// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A name in the upper layer and in every lower: the upper file wins, with
 * its own mode, owner and user xattrs (none of A's xattrs leak through).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const char *f = ovl_merged_path(ctx, "/f");
	char val[64] = "";
	ssize_t n;
	struct stat st;

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check_reads_from(ctx, "/f", OVL_LAYER_UPPER);
	ovl_check(ctx, stat(f, &st) == 0 && (st.st_mode & 07777) == 0640 && st.st_uid == 1000 &&
		  st.st_gid == 100, "stat /f shows the upper file's mode 0640 and owner 1000:100");
	n = getxattr(f, "user.layer", val, sizeof(val) - 1);
	ovl_check(ctx, n == 5 && memcmp(val, "upper", 5) == 0,
		  "user.layer of /f is the upper file's value");
	n = getxattr(f, "user.only-a", val, sizeof(val));
	ovl_check_errno(ctx, n, errno, ENODATA, "getxattr(/f, user.only-a) of a hidden lower file");
}

OVL_CASE(
	.number = 2,
	.slug = "upper-over-lowers",
	.purpose = "a name in the upper layer hides it in every lower",
	.tags = "precedence",
	.needs_root = true,
	.fixture = "precedence/upper-over-lowers.tree",
	.run = run,
);
