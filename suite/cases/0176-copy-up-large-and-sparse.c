// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Copy-up is of whole files, however little the change: an append to a 10
 * MiB sparse file, a truncate of a 64 MiB file to one byte, an extension of
 * the sparse file to 20 MiB, and an O_TRUNC write; each result must read
 * exactly as the model computes it from the lower content. Each call is
 * checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/sparse", .flags = O_WRONLY | O_APPEND, .data = "tail", .len = 4 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/big", .size = 1 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/sparse", .size = 20971520 },
		{ .kind = OVL_OP_WRITE, .path = "/d/small", .flags = O_WRONLY | O_TRUNC, .data = "", .len = 0 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 176,
	.slug = "copy-up-large-and-sparse",
	.purpose = "a copy-up of a large or sparse file copies it whole before a truncate or write changes it",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/types.tree",
	.timeout = 120,
	.run = run,
);
