// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Special files are opened by their own drivers, not through a copy-up: a
 * lower fifo opened for writing without a reader fails with ENXIO, opened
 * read-write it takes the bytes into the pipe, and a socket cannot be opened
 * at all (ENXIO); truncate of a fifo is EINVAL. None of this copies anything
 * up. A metadata change (chmod, lchown) then copies the fifo and the device
 * nodes up as they are. Each call is checked against the model (result,
 * merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/fifo", .flags = O_WRONLY, .data = "x", .len = 1 },
		{ .kind = OVL_OP_WRITE, .path = "/fifo", .flags = O_RDWR, .data = "x", .len = 1 },
		{ .kind = OVL_OP_READ, .path = "/fifo" },
		{ .kind = OVL_OP_TRUNCATE, .path = "/fifo", .size = 0 },
		{ .kind = OVL_OP_READ, .path = "/sock" },
		{ .kind = OVL_OP_WRITE, .path = "/sock", .flags = O_WRONLY, .data = "x", .len = 1 },
		{ .kind = OVL_OP_READ, .path = "/null" },
		{ .kind = OVL_OP_CHMOD, .path = "/fifo", .mode = 0600 },
		{ .kind = OVL_OP_CHOWN, .path = "/null", .uid = 0, .gid = 5 },
		{ .kind = OVL_OP_CHMOD, .path = "/loop", .mode = 0600 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 172,
	.slug = "no-copy-up-on-special-open",
	.purpose = "opening a lower fifo or socket copies nothing up; chmod of one does",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/types.tree",
	.run = run,
);
