// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * chmod, chown, touch (utimensat) and setxattr of a 4 MiB lower file, each
 * in a container of its own committed in turn (metacopy off): each copies
 * the whole file up, so each commit adds the 4 MiB again and the image grows
 * by 16 MiB while no byte of content changed. Checked against the library's
 * prediction from the model's upper layer each time.
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
	static const struct ovl_op ops[] = {
		{ .kind = OVL_OP_CHMOD, .path = "/big", .mode = 0600 },
		{ .kind = OVL_OP_CHOWN, .path = "/big", .uid = 1000, .gid = 1000 },
		{ .kind = OVL_OP_UTIMES, .path = "/big" },
		{ .kind = OVL_OP_SETXATTR, .path = "/big", .name = "user.tag", .data = "1", .len = 1 },
	};
	static const char *const what[] = { "chmod of a 4 MiB lower file", "chown of a 4 MiB lower file",
					    "touch of a 4 MiB lower file", "setxattr of a 4 MiB lower file" };
	struct growth g;
	uint64_t start;

	growth_open(ctx, &g, growth_base);
	start = g.image_size;
	for (size_t i = 0; i < 4; i++) {
		growth_container(ctx, &g, NULL);
		ovl_check_op(ctx, &ops[i]);
		ovl_check(ctx, growth_commit(ctx, &g, what[i], 0) == 4u << 20, "%s adds the whole file", what[i]);
	}
	ovl_check(ctx, g.image_size == start + (16u << 20), "four metadata changes grew the image by 16 MiB (%llu)",
		  (unsigned long long)(g.image_size - start));
	growth_close(&g);
}

OVL_CASE(
	.number = 404,
	.slug = "commit-metadata-changes",
	.purpose = "chmod, chown, touch and setxattr of a large lower file each commit the whole file again",
	.tags = "docker-growth",
	.needs_root = true,
	.needs_user_xattrs = true,	/* sets user.* xattrs in its operations */
	.timeout = 120,
	.run = run,
);
