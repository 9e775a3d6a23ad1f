// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Copy-up of every kind of file: a chmod or lchown of a lower fifo,
 * socket, char and block device node and symlink copies it up as what it
 * is (type, device numbers, owner, mode); a write to a sparse file and to a
 * 64 MiB file copies each up whole, content identical (sha256) before the
 * change is applied; a lower directory comes up alone with its xattrs.
 * Each call is checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_CHMOD, .path = "/fifo", .mode = 0600 },
		{ .kind = OVL_OP_CHMOD, .path = "/sock", .mode = 0666 },
		{ .kind = OVL_OP_CHOWN, .path = "/null", .uid = 1, .gid = 1 },
		{ .kind = OVL_OP_CHMOD, .path = "/loop", .mode = 0600 },
		{ .kind = OVL_OP_CHOWN, .path = "/to-big", .uid = 2, .gid = 2 },
		/* a metadata change copies the 10 MiB hole up as a hole (SEEK_DATA finds no data) */
		{ .kind = OVL_OP_CHMOD, .path = "/sparse", .mode = 0640 },
		{ .kind = OVL_OP_WRITE, .path = "/sparse", .flags = O_WRONLY | O_APPEND, .data = "end\n", .len = 4 },
		{ .kind = OVL_OP_WRITE, .path = "/big", .flags = O_WRONLY, .data = "HEAD", .len = 4 },
		{ .kind = OVL_OP_SETXATTR, .path = "/d", .name = "user.k2", .data = "w", .len = 1 },
		{ .kind = OVL_OP_READDIR, .path = "/d" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_upper_xattr(ctx, "/big", "trusted.overlay.origin");
}

OVL_CASE(
	.number = 106,
	.slug = "copy-up-file-types",
	.purpose = "fifos, sockets, device nodes, symlinks, sparse and 64 MiB files copy up as they are",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/types.tree",
	.timeout = 120,
	.run = run,
);
