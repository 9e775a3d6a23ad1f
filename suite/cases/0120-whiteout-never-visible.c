// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A whiteout is overlay's own mark: lstat, open, readlink and readdir never
 * see it, mknod of a 0/0 char device through the mount is refused (EPERM), a
 * rename onto a whited-out name behaves as onto a free name (the whiteout
 * moves out of the way), and a rename or link from a whited-out name is
 * ENOENT. Each call is checked against the model (result, merged view, upper
 * dir).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_UNLINK, .path = "/abc" },
		{ .kind = OVL_OP_STAT, .path = "/abc" },
		{ .kind = OVL_OP_READLINK, .path = "/abc" },
		{ .kind = OVL_OP_MKNOD, .path = "/abc", .mode = S_IFCHR | 0600 },
		{ .kind = OVL_OP_MKNOD, .path = "/d/new-wh", .mode = S_IFCHR | 0600 },
		{ .kind = OVL_OP_RENAME, .path = "/abc", .path2 = "/abc2" },
		{ .kind = OVL_OP_LINK, .path = "/abc", .path2 = "/abc3" },
		{ .kind = OVL_OP_RENAME, .path = "/up", .path2 = "/abc" },
		{ .kind = OVL_OP_READDIR, .path = "/" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/");
}

OVL_CASE(
	.number = 120,
	.slug = "whiteout-never-visible",
	.purpose = "no call through the mount sees, makes or moves a whiteout as such",
	.tags = "whiteout",
	.needs_root = true,
	.fixture = "whiteout/layers.tree",
	.run = run,
);
