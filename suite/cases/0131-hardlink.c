// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hard links through the union (index=off, asked for explicitly): link of
 * a lower file copies it up and gives its upper inode the new name too, so
 * both names show the same data and a write through one shows through the
 * other; unlinking one name keeps the other (and whites out the lower
 * name). EPERM for a dir, EEXIST over a name, ENOENT for a missing source
 * or target dir. Each call is checked against the model (result, merged
 * view, upper dir); both names must also report one inode.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_LINK, .path = "/c", .path2 = "/c-link" },
		{ .kind = OVL_OP_WRITE, .path = "/c-link", .flags = O_WRONLY | O_APPEND, .data = "via link\n",
		  .len = 9 },
		{ .kind = OVL_OP_READ, .path = "/c" },
		{ .kind = OVL_OP_LINK, .path = "/b", .path2 = "/a0" },	/* a new name that sorts first */
		{ .kind = OVL_OP_CHMOD, .path = "/b", .mode = 0604 },
		{ .kind = OVL_OP_UNLINK, .path = "/b" },
		{ .kind = OVL_OP_UNLINK, .path = "/c" },
		{ .kind = OVL_OP_LINK, .path = "/dir", .path2 = "/dir-link" },
		{ .kind = OVL_OP_LINK, .path = "/a", .path2 = "/c-link" },
		{ .kind = OVL_OP_LINK, .path = "/missing", .path2 = "/x" },
		{ .kind = OVL_OP_LINK, .path = "/a", .path2 = "/nope/x" },
	};
	struct stat s1, s2;

	SAFE_MOUNT_UNION(ctx, NULL);
	for (size_t i = 0; i < 3; i++)
		ovl_check_op(ctx, &ops[i]);
	ovl_check(ctx, stat(ovl_merged_path(ctx, "/c"), &s1) == 0 &&
		  stat(ovl_merged_path(ctx, "/c-link"), &s2) == 0 && s1.st_ino == s2.st_ino &&
		  s1.st_nlink == 2, "/c and /c-link are one inode with two links");
	for (size_t i = 3; i < sizeof(ops) / sizeof(ops[0]); i++)
		ovl_check_op(ctx, &ops[i]);
	ovl_check(ctx, stat(ovl_merged_path(ctx, "/c-link"), &s2) == 0 && s2.st_nlink == 1,
		  "after unlink /c, /c-link has one link");
}

OVL_CASE(
	.number = 131,
	.slug = "hardlink",
	.purpose = "link copies a lower file up and both names then share its data",
	.tags = "hardlink,copy-up",
	.needs_root = true,
	.mount_options = "index=off",
	.fixture = "copy-up/files.tree",
	.run = run,
);
