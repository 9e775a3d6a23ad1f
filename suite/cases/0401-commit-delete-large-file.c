// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Deleting a large lower file in a container and committing: the new layer
 * holds one .wh. entry and has size 0, and the image does not shrink by a
 * byte, since the file still lies in the layer below. Checked against the
 * library's prediction from the model's upper layer (entries, layer size,
 * image size).
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
	const struct ovl_op ops[] = { { .kind = OVL_OP_UNLINK, .path = "/big" } };
	struct growth g;
	uint64_t before, added;

	growth_open(ctx, &g, growth_base);
	before = g.image_size;
	growth_container(ctx, &g, NULL);
	OVL_CHECK_OPS(ctx, ops);
	added = growth_commit(ctx, &g, "delete a 4 MiB lower file", 0);
	ovl_check(ctx, added == 0 && g.image_size == before, "the layer adds 0 bytes: the image stays at %llu",
		  (unsigned long long)before);
	growth_close(&g);
}

OVL_CASE(
	.number = 401,
	.slug = "commit-delete-large-file",
	.purpose = "deleting a large lower file commits one whiteout of size 0; the image does not shrink",
	.tags = "docker-growth",
	.needs_root = true,
	.timeout = 120,
	.run = run,
);
