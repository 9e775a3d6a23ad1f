// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Deleting a populated lower dir and making it again in a container: the
 * committed layer carries the opaque marker (.wh..wh..opq) so the old files
 * stay hidden in the image, plus the new dir's file; the eight deleted
 * files' bytes stay in the image below. Checked against the library's
 * prediction from the model's upper layer.
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
	struct ovl_op ops[11];
	struct growth g;
	char names[8][32];
	size_t n = 0;

	for (int i = 0; i < 8; i++) {
		snprintf(names[i], sizeof(names[i]), "/cache/f%d", i);
		ops[n++] = (struct ovl_op){ .kind = OVL_OP_UNLINK, .path = names[i] };
	}
	ops[n++] = (struct ovl_op){ .kind = OVL_OP_RMDIR, .path = "/cache" };
	ops[n++] = (struct ovl_op){ .kind = OVL_OP_MKDIR, .path = "/cache", .mode = 0755 };
	ops[n++] = (struct ovl_op){ .kind = OVL_OP_WRITE, .path = "/cache/new", .flags = O_WRONLY | O_CREAT,
				    .mode = 0644, .data = "fresh\n", .len = 6 };
	growth_open(ctx, &g, growth_base);
	growth_container(ctx, &g, NULL);
	ovl_check_ops(ctx, ops, n);
	growth_commit(ctx, &g, "delete a populated dir, make it again", 6);
	growth_close(&g);
}

OVL_CASE(
	.number = 402,
	.slug = "commit-recreate-dir",
	.purpose = "deleting and re-making a lower dir commits its opaque marker; the old files stay in the image",
	.tags = "docker-growth",
	.needs_root = true,
	.timeout = 120,
	.run = run,
);
