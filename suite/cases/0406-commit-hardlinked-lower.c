// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A lower hard link pair (/h1, /h2) changed through one name in a container,
 * with index=off and then index=on: either way only /h1 lands in the
 * committed layer (whole), while /h2 keeps the old data in the image; with
 * index=on the container showed /h2 changed too (one inode through the
 * index), which the committed image then no longer does. Checked against the
 * library's prediction from the model's upper layer.
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
		{ .kind = OVL_OP_WRITE, .path = "/h1", .flags = O_WRONLY | O_APPEND, .data = "+\n", .len = 2 },
		{ .kind = OVL_OP_READ, .path = "/h2" },
	};
	static const char *const opts[] = { "index=off", "index=on,redirect_dir=on" };
	struct growth g;

	struct ovl_digest base_image;
	struct ovl_layer_info base_top;
	uint64_t base_size;

	growth_open(ctx, &g, growth_base);
	base_image = g.image;
	base_top = g.top;
	base_size = g.image_size;
	for (int k = 0; k < 2; k++) {
		struct stat a, b;
		char h1[4300], h2[4300];

		/* each round from the base image, where /h1 and /h2 are one inode */
		g.image = base_image;
		g.top = base_top;
		g.image_size = base_size;
		growth_container(ctx, &g, opts[k]);
		OVL_CHECK_OPS(ctx, ops);
		snprintf(h1, sizeof(h1), "%s/h1", g.ci.merged);
		snprintf(h2, sizeof(h2), "%s/h2", g.ci.merged);
		ovl_check(ctx, stat(h1, &a) == 0 && stat(h2, &b) == 0 && (a.st_size == b.st_size) == (k == 1),
			  "%s: in the container /h2 %s (%lld vs %lld bytes)", opts[k],
			  k ? "shows the change too" : "keeps the old data", (long long)b.st_size, (long long)a.st_size);
		growth_commit(ctx, &g, k ? "append to a hard link (index=on)" : "append to a hard link (index=off)", 2);
	}
	growth_close(&g);
}

OVL_CASE(
	.number = 406,
	.slug = "commit-hardlinked-lower",
	.purpose = "a lower hard link changed through one name: only that name lands in the layer, index off or on",
	.tags = "docker-growth",
	.needs_root = true,
	.timeout = 120,
	.run = run,
);
