// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A lower file held open read-only while another fd's write copies it up:
 * the read-only fd then reads the new content (overlayfs has followed the
 * copy since 4.19), while a MAP_SHARED mapping made before the copy-up
 * keeps showing the lower file's old bytes, as overlayfs.rst documents
 * under non-standard behavior. The write itself is checked against the
 * model (result, merged view, upper dir).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op write = { .kind = OVL_OP_WRITE, .path = "/c", .flags = O_WRONLY | O_TRUNC,
				      .data = "NEW CONTENT, longer than before......\n", .len = 38 };
	char before[64] = "", now[64] = "";
	size_t len = 0;
	char *old;
	void *map;
	int fd;

	SAFE_MOUNT_UNION(ctx, NULL);
	old = SAFE_READ_FILE(ctx, ovl_path(ctx, OVL_LAYER_C, "/c"), &len);
	fd = SAFE_OPEN(ctx, ovl_merged_path(ctx, "/c"), O_RDONLY, 0);
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		ovl_brok(ctx, "mmap /c: %m");
	memcpy(before, map, len < sizeof(before) - 1 ? len : sizeof(before) - 1);
	ovl_check_op(ctx, &write);
	ovl_check(ctx, pread(fd, now, sizeof(now) - 1, 0) == 38 && memcmp(now, write.data, 38) == 0,
		  "the read-only fd opened before the copy-up reads the new content");
	ovl_check(ctx, memcmp(map, old, len) == 0,
		  "a MAP_SHARED mapping made before the copy-up still shows the old bytes");
	ovl_check(ctx, memcmp(before, old, len < sizeof(before) - 1 ? len : sizeof(before) - 1) == 0,
		  "the mapping showed the lower content to begin with");
	munmap(map, len);
	close(fd);
	free(old);
}

OVL_CASE(
	.number = 108,
	.slug = "open-fd-across-copy-up",
	.purpose = "a read-only fd follows another fd's copy-up; an earlier MAP_SHARED mapping does not",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
