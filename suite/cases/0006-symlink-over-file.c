// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A symlink above a file of the same name: the link wins, not the file and
 * not its target. readlink gives A's target; reading through the link
 * reaches C's file; an absolute target is shown as stored, never resolved
 * inside the layers.
 */
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	char buf[256];
	ssize_t n;
	struct stat st;

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check(ctx, lstat(ovl_merged_path(ctx, "/l"), &st) == 0 && S_ISLNK(st.st_mode),
		  "lstat /l is a symlink, not B's file");
	n = readlink(ovl_merged_path(ctx, "/l"), buf, sizeof(buf) - 1);
	ovl_check(ctx, n == 11 && memcmp(buf, "target-in-c", 11) == 0,
		  "readlink /l gives A's target");
	ovl_check_reads_from(ctx, "/target-in-c", OVL_LAYER_C);
	{
		size_t len = 0;
		char *via = SAFE_READ_FILE(ctx, ovl_merged_path(ctx, "/l"), &len);

		ovl_check(ctx, len == 19 && memcmp(via, "the target, from C\n", 19) == 0,
			  "reading through /l gives C's target file");
		free(via);
	}
	n = readlink(ovl_merged_path(ctx, "/abs"), buf, sizeof(buf) - 1);
	ovl_check(ctx, n == 37 && memcmp(buf, "/etc/passwd-never-followed-by-overlay", 37) == 0,
		  "readlink /abs gives A's absolute target unchanged");
}

OVL_CASE(
	.number = 6,
	.slug = "symlink-over-file",
	.purpose = "a symlink above a file wins as a link, not as its target",
	.tags = "precedence,symlink",
	.needs_root = true,
	.fixture = "precedence/symlink-over-file.tree",
	.run = run,
);
