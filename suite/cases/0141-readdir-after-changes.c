// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * readdir of a merged directory after each change in it lists exactly the
 * names the model gives, each once, read straight and again after
 * rewinddir: after a file is created, a lower name unlinked (whiteout), a
 * name renamed, a subdir made and removed, and a lower name made again.
 * Each call is checked against the model (result, merged view, upper dir).
 */
#include <fcntl.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/both/new", .flags = O_WRONLY | O_CREAT, .mode = 0644,
		  .data = "n", .len = 1 },
		{ .kind = OVL_OP_UNLINK, .path = "/both/from-c" },
		{ .kind = OVL_OP_RENAME, .path = "/both/from-b", .path2 = "/both/renamed" },
		{ .kind = OVL_OP_MKDIR, .path = "/both/sub", .mode = 0755 },
		{ .kind = OVL_OP_RMDIR, .path = "/both/sub" },
		{ .kind = OVL_OP_WRITE, .path = "/both/from-c", .flags = O_WRONLY | O_CREAT, .mode = 0600,
		  .data = "again", .len = 5 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_readdir(ctx, "/both");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		ovl_check_op(ctx, &ops[i]);
		ovl_check_readdir(ctx, "/both");
	}
}

OVL_CASE(
	.number = 141,
	.slug = "readdir-after-changes",
	.purpose = "readdir of a merged dir after each change lists each name of the model once",
	.tags = "readdir,whiteout",
	.needs_root = true,
	.mount_options = "redirect_dir=off",
	.fixture = "copy-up/files.tree",
	.run = run,
);
