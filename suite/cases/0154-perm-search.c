// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /secret is mode 0700 and root's: uid 1000 without capabilities gets EACCES
 * for every call that walks through it (stat, read, write, truncate, chmod,
 * unlink, rename out of it, link into it), and none of them copies /secret
 * or its file up; root then can. Each call is checked against the model
 * (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_STAT, .path = "/secret/f", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_READ, .path = "/secret/f", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_WRITE, .path = "/secret/f", .flags = O_WRONLY, .data = "x", .len = 1, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/secret/f", .size = 0, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_CHMOD, .path = "/secret/f", .mode = 0666, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_UNLINK, .path = "/secret/f", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_RENAME, .path = "/secret/f", .path2 = "/home/f", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_LINK, .path = "/home/note", .path2 = "/secret/note", .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_WRITE, .path = "/secret/f", .flags = O_WRONLY | O_APPEND, .data = "root\n", .len = 5 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 154,
	.slug = "perm-search",
	.purpose = "without search permission on a dir a user reaches nothing below it, and nothing comes up",
	.tags = "perm",
	.needs_root = true,
	.fixture = "copy-up/perm.tree",
	.run = run,
);
