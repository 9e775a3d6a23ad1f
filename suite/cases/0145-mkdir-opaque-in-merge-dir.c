// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A kernel behaviour the documentation does not state: unless a mount
 * allows offline changes of its layers (it does not once index,
 * metacopy, redirect_dir=on or xino=on is in use; here redirect_dir=on),
 * overlayfs marks every dir it makes in a merge dir opaque, sparing later
 * lookups the lower layers (ovl_create_upper()); in a pure upper dir, or
 * on a mount that allows offline changes (case 0142), it does not. Dirs
 * made in the root, in a dir merged over three layers, in a lower dir that
 * comes up for it, and in a new upper dir. Each call is checked against
 * the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_MKDIR, .path = "/n1", .mode = 0755 },
		{ .kind = OVL_OP_MKDIR, .path = "/d/n2", .mode = 0755 },
		{ .kind = OVL_OP_MKDIR, .path = "/cdir/inner/n3", .mode = 0755 },
		{ .kind = OVL_OP_MKDIR, .path = "/n1/n4", .mode = 0755 },
		{ .kind = OVL_OP_WRITE, .path = "/n1/n4/f", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "f", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/c" },
		{ .kind = OVL_OP_MKDIR, .path = "/c", .mode = 0755 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 145,
	.slug = "mkdir-opaque-in-merge-dir",
	.purpose = "with redirect_dir=on every new dir in a merge dir is opaque; in a pure upper dir it is not",
	.tags = "dir,opaque,redirect",
	.needs_root = true,
	.mount_options = "redirect_dir=on",
	.needs_features = "redirect_dir=on",
	.fixture = "whiteout/layers.tree",
	.run = run,
);
