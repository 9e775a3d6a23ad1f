// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A change deep in a lower tree copies up the parents the upper layer lacks,
 * each with the mode, owner and user xattrs of the layer that wins it in the
 * merged view (A's for a chain only A has, the topmost layer's for a dir
 * merged over A, B and C), and leaves their other children in the lower
 * layers. Each call is checked against the model (result, merged view, upper
 * dir with the parents' metadata).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/a1/a2/a3/f", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1 },
		{ .kind = OVL_OP_WRITE, .path = "/shared/b1/c1/f", .flags = O_WRONLY | O_TRUNC, .data = "c1\n", .len = 3 },
		{ .kind = OVL_OP_CHMOD, .path = "/a1/bfile", .mode = 0600 },
		{ .kind = OVL_OP_UTIMES, .path = "/shared/b1/c1/l" },
		{ .kind = OVL_OP_SETXATTR, .path = "/a1/a2/sib", .name = "user.s", .data = "1", .len = 1 },
		{ .kind = OVL_OP_MKDIR, .path = "/shared/b1/c1/new", .mode = 0700 },
		{ .kind = OVL_OP_READDIR, .path = "/a1/a2" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/a1/a2");
	ovl_check_readdir(ctx, "/shared/b1");
	ovl_check_upper_xattr(ctx, "/a1/a2/a3/f", "trusted.overlay.origin");
}

OVL_CASE(
	.number = 110,
	.slug = "copy-up-parents-metadata",
	.purpose = "a copy-up brings every missing parent up with the metadata of the layer that wins it",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/deep.tree",
	.run = run,
);
