// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A file written and deleted again inside the same container leaves nothing
 * of itself in the committed layer: no data, no whiteout (no lower layer has
 * the name), only the entry of the dir it was made in, which came up with
 * it. Checked against the library's prediction from the model's upper layer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "commit-growth.h"


static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/cache/scratch", .flags = O_WRONLY | O_CREAT, .mode = 0644,
		  .data = "temporary data that will not survive\n", .len = 37 },
		{ .kind = OVL_OP_UNLINK, .path = "/cache/scratch" },
	};
	struct growth g;

	growth_open(ctx, &g, growth_base);
	growth_container(ctx, &g, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check(ctx, growth_commit(ctx, &g, "write a file, delete it again", 37) == 0,
		  "the layer adds no byte");
	growth_close(&g);
}

OVL_CASE(
	.number = 407,
	.slug = "commit-write-then-delete",
	.purpose = "a file written and deleted in one container leaves nothing in the committed layer",
	.tags = "docker-growth",
	.needs_root = true,
	.timeout = 120,
	.run = run,
);
