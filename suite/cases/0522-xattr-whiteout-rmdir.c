// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rmdir of a dir that lists nothing, where a lower layer still holds a
 * whiteout in the xattr form (overlayfs.rst, "whiteouts and opaque
 * directories": such a file is a whiteout and never shows): once the
 * dir's last visible name is unlinked, the dir is empty and rmdir must
 * remove it (leaving a whiteout, as A has it), as it does where the
 * whiteout is a 0/0 device. Found by the explorer (seed 1, trial 696); the
 * kernel answers ENOTEMPTY, which fixtures/deviations/kernel.json records.
 * Each call is checked against the model.
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_READDIR, .path = "/x" },
		{ .kind = OVL_OP_UNLINK, .path = "/x/last" },
		{ .kind = OVL_OP_READDIR, .path = "/x" },
		{ .kind = OVL_OP_RMDIR, .path = "/x" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_readdir(ctx, "/x");
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 522,
	.slug = "xattr-whiteout-rmdir",
	.purpose = "a dir whose only lower names left are xattr whiteouts is empty for rmdir",
	.tags = "whiteout,opaque,dir",
	.needs_root = true,
	.fixture = "whiteout/xwhiteout-rmdir.tree",
	.needs_kernel_features = "overlay-xattr-whiteouts",
	.run = run,
);
