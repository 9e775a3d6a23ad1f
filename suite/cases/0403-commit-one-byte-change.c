// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Changing one byte of a 4 MiB lower file in a container: copy-up copies the
 * whole file, so the committed layer holds all 4 MiB and the image grows by
 * that, for one byte changed. Checked against the library's prediction from
 * the model's upper layer.
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
		{ .kind = OVL_OP_WRITE, .path = "/big", .flags = O_RDWR, .data = "X", .len = 1 },
	};
	struct growth g;
	uint64_t added;

	growth_open(ctx, &g, growth_base);
	growth_container(ctx, &g, NULL);
	OVL_CHECK_OPS(ctx, ops);
	added = growth_commit(ctx, &g, "change 1 byte of a 4 MiB lower file", 1);
	ovl_check(ctx, added == 4u << 20, "one byte changed, %llu bytes added", (unsigned long long)added);
	growth_close(&g);
}

OVL_CASE(
	.number = 403,
	.slug = "commit-one-byte-change",
	.purpose = "changing one byte of a large lower file commits the whole file",
	.tags = "docker-growth",
	.needs_root = true,
	.timeout = 120,
	.run = run,
);
