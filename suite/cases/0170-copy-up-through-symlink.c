// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Calls that follow symlinks (open for writing, truncate, chmod) copy up the
 * file a symlink leads to, through another link, a link to a dir or a target
 * with '..', and leave the link itself in its lower layer; O_CREAT through a
 * dangling link makes its target; a loop is ELOOP; lchown and utimensat do
 * not follow, so they copy up the link. Each call is checked against the
 * model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/to-f", .flags = O_WRONLY | O_APPEND, .data = "via link\n", .len = 9 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/to-to-f", .size = 1 },
		{ .kind = OVL_OP_CHMOD, .path = "/up-and-over", .mode = 0600 },
		{ .kind = OVL_OP_WRITE, .path = "/dangling", .flags = O_WRONLY | O_CREAT, .mode = 0640, .data = "made\n", .len = 5 },
		{ .kind = OVL_OP_WRITE, .path = "/dirlink/g", .flags = O_WRONLY | O_APPEND, .data = "+g\n", .len = 3 },
		{ .kind = OVL_OP_WRITE, .path = "/loop", .flags = O_WRONLY, .data = "x", .len = 1 },
		{ .kind = OVL_OP_READ, .path = "/dirlink/f" },
		{ .kind = OVL_OP_CHOWN, .path = "/to-f", .uid = 5, .gid = 6 },
		{ .kind = OVL_OP_UTIMES, .path = "/dirlink" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 170,
	.slug = "copy-up-through-symlink",
	.purpose = "writes through a symlink copy up its target; lchown copies up the link itself",
	.tags = "copy-up,symlink",
	.needs_root = true,
	.fixture = "copy-up/symlinks.tree",
	.run = run,
);
