// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * After a delete, the name is made again as something else: a dir where a
 * file was is opaque (the lower file cannot show through), a file, symlink
 * or fifo where a dir or file was simply replaces the whiteout; deleting
 * each again brings the whiteout back. Each call is checked against the
 * model (result, merged view, upper dir).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_UNLINK, .path = "/abc" },
		{ .kind = OVL_OP_MKDIR, .path = "/abc", .mode = 0700 },
		{ .kind = OVL_OP_RMDIR, .path = "/abc" },
		{ .kind = OVL_OP_SYMLINK, .path = "/abc", .data = "bc", .len = 2 },
		{ .kind = OVL_OP_UNLINK, .path = "/abc" },
		{ .kind = OVL_OP_MKNOD, .path = "/abc", .mode = S_IFIFO | 0600 },
		{ .kind = OVL_OP_UNLINK, .path = "/sym" },
		{ .kind = OVL_OP_WRITE, .path = "/sym", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "file now\n", .len = 9 },
		{ .kind = OVL_OP_UNLINK, .path = "/cdir/inner/y" },
		{ .kind = OVL_OP_RMDIR, .path = "/cdir/inner" },
		{ .kind = OVL_OP_WRITE, .path = "/cdir/inner", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "was a dir\n", .len = 10 },
		{ .kind = OVL_OP_UNLINK, .path = "/cdir/inner" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 118,
	.slug = "whiteout-recreate-types",
	.purpose = "a deleted name made again as another type: a dir is opaque, a file or link replaces the whiteout",
	.tags = "whiteout,opaque",
	.needs_root = true,
	.fixture = "whiteout/layers.tree",
	.run = run,
);
