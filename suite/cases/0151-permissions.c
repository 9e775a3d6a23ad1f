// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Permissions through the union for an ordinary user (uid 1000, gid 1000,
 * every capability dropped with libcap): writes to files the user may not
 * write fail with EACCES and copy nothing up; chmod of another's file, and
 * chown but by the owner to the user's own group, are EPERM; a parent without search permission is EACCES; what
 * the user may write is copied up keeping its original owner (overlayfs
 * copies up with the mounter's credentials), and what the user makes is
 * the user's. Each call is checked against the model (result, merged view,
 * upper dir).
 */
#include <fcntl.h>

#include "harness.h"

#define USER .as_user = true, .as_uid = 1000, .as_gid = 1000

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/rootonly", .flags = O_WRONLY, .data = "x", .len = 1, USER },
		{ .kind = OVL_OP_READ, .path = "/rootonly", USER },
		{ .kind = OVL_OP_WRITE, .path = "/readonly", .flags = O_WRONLY | O_APPEND, .data = "x", .len = 1, USER },
		{ .kind = OVL_OP_CHMOD, .path = "/readonly", .mode = 0666, USER },
		{ .kind = OVL_OP_CHOWN, .path = "/mine", .uid = 0, .gid = 0, USER },
		{ .kind = OVL_OP_CHOWN, .path = "/readonly", .uid = 1000, .gid = 1000, USER },
		{ .kind = OVL_OP_CHOWN, .path = "/mine", .uid = 1000, .gid = 1000, USER },	/* own group */
		{ .kind = OVL_OP_STAT, .path = "/secret/f", USER },
		{ .kind = OVL_OP_WRITE, .path = "/locked/new", .flags = O_WRONLY | O_CREAT, .mode = 0644,
		  .data = "x", .len = 1, USER },
		{ .kind = OVL_OP_UNLINK, .path = "/locked/f", USER },
		{ .kind = OVL_OP_WRITE, .path = "/locked/f", .flags = O_WRONLY | O_APPEND, .data = "+", .len = 1, USER },
		{ .kind = OVL_OP_WRITE, .path = "/mine", .flags = O_WRONLY | O_APPEND, .data = "more\n", .len = 5, USER },
		{ .kind = OVL_OP_CHMOD, .path = "/mine", .mode = 0600, USER },
		{ .kind = OVL_OP_SETXATTR, .path = "/mine", .name = "user.k2", .data = "w", .len = 1, USER },
		{ .kind = OVL_OP_WRITE, .path = "/shared/g", .flags = O_WRONLY | O_TRUNC, .data = "g\n", .len = 2, USER },
		{ .kind = OVL_OP_WRITE, .path = "/home/new", .flags = O_WRONLY | O_CREAT, .mode = 0644,
		  .data = "new\n", .len = 4, USER },
		{ .kind = OVL_OP_MKDIR, .path = "/home/sub", .mode = 0755, USER },
		{ .kind = OVL_OP_UNLINK, .path = "/home/rootfile", USER },
		{ .kind = OVL_OP_RENAME, .path = "/home/note", .path2 = "/home/note2", USER },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 151,
	.slug = "permissions",
	.purpose = "a user without capabilities gets EACCES/EPERM and no copy-up where the modes say so",
	.tags = "perm,copy-up",
	.needs_root = true,
	.mount_options = "redirect_dir=off",
	.fixture = "copy-up/perm.tree",
	.run = run,
);
