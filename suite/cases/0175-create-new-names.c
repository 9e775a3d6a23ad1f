// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * New names: O_CREAT in a lower dir and deep in lower dirs (the parents come
 * up first), over a whiteout (the file replaces it), O_CREAT|O_EXCL over a
 * name (EEXIST), in a missing dir (ENOENT) or below a file (ENOTDIR); a
 * symlink and a fifo are made the same way, and a 0/0 char device, which
 * would be a whiteout, is refused (EPERM). Each call is checked against the
 * model (result, merged view, upper dir).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/dir/new", .flags = O_WRONLY | O_CREAT, .mode = 0640, .data = "n\n", .len = 2 },
		{ .kind = OVL_OP_WRITE, .path = "/deep/er/new", .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0600, .data = "e\n", .len = 2 },
		{ .kind = OVL_OP_WRITE, .path = "/b", .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0600, .data = "x", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/b" },
		{ .kind = OVL_OP_WRITE, .path = "/b", .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0600, .data = "new b\n", .len = 6 },
		{ .kind = OVL_OP_WRITE, .path = "/nodir/x", .flags = O_WRONLY | O_CREAT, .mode = 0600, .data = "x", .len = 1 },
		{ .kind = OVL_OP_WRITE, .path = "/a/x", .flags = O_WRONLY | O_CREAT, .mode = 0600, .data = "x", .len = 1 },
		{ .kind = OVL_OP_SYMLINK, .path = "/both/ln", .data = "from-c", .len = 6 },
		{ .kind = OVL_OP_MKNOD, .path = "/empty/fifo", .mode = S_IFIFO | 0640 },
		{ .kind = OVL_OP_MKNOD, .path = "/empty/wh", .mode = S_IFCHR | 0600 },
		{ .kind = OVL_OP_SYMLINK, .path = "/c", .data = "b", .len = 1 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 175,
	.slug = "create-new-names",
	.purpose = "O_CREAT, symlink and mknod make new names in the upper layer, their parents copied up",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
