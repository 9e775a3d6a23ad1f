// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shared mappings of union files:
 *  - a file opened read-write (a copy-up) and mapped MAP_SHARED: stores
 *    through the mapping, msync(MS_SYNC), and the union, the upper copy
 *    and a fresh read all show them; the lower file is untouched;
 *  - the documented non-standard behaviour (overlayfs.rst, "Non-standard
 *    behavior"): a lower file opened read-only and mapped MAP_SHARED keeps
 *    showing the lower bytes after a write through another descriptor
 *    copied the file up and changed it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

static void run(struct ovl_ctx *ctx)
{
	char *lower = NULL, *want;
	size_t len = 0;
	unsigned char *map;
	int fd, fd2;

	SAFE_MOUNT_UNION(ctx, NULL);
	if (ovl_read_file(ovl_path(ctx, OVL_LAYER_A, "/h"), &lower, &len, 1 << 20))
		ovl_brok(ctx, "read A's /h");
	want = malloc(len);
	if (!want)
		ovl_brok(ctx, "out of memory");
	memcpy(want, lower, len);
	memcpy(want + 4096, "mapped store", 12);
	fd = SAFE_OPEN(ctx, ovl_merged_path(ctx, "/h"), O_RDWR | O_CLOEXEC, 0);
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		ovl_brok(ctx, "mmap /h: %s", strerror(errno));
	memcpy(map + 4096, "mapped store", 12);
	ovl_check(ctx, msync(map, len, MS_SYNC) == 0, "msync(MS_SYNC) of a shared mapping of a copied-up file");
	munmap(map, len);
	close(fd);
	ovl_check(ctx, ovl_file_is(ovl_merged_path(ctx, "/h"), want, len), "the union reads what was stored through the mapping");
	ovl_check(ctx, ovl_file_is(ovl_path(ctx, OVL_LAYER_UPPER, "/h"), want, len), "the upper copy holds it");
	ovl_check(ctx, ovl_file_is(ovl_path(ctx, OVL_LAYER_A, "/h"), lower, len), "the lower file is untouched");
	free(lower);
	free(want);

	/* overlayfs.rst: a read-only MAP_SHARED mapping of a lower file does not follow a later copy-up */
	if (ovl_read_file(ovl_path(ctx, OVL_LAYER_A, "/g"), &lower, &len, 1 << 20))
		ovl_brok(ctx, "read A's /g");
	fd = SAFE_OPEN(ctx, ovl_merged_path(ctx, "/g"), O_RDONLY | O_CLOEXEC, 0);
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		ovl_brok(ctx, "mmap /g: %s", strerror(errno));
	fd2 = SAFE_OPEN(ctx, ovl_merged_path(ctx, "/g"), O_WRONLY | O_CLOEXEC, 0);
	if (pwrite(fd2, "G", 1, 0) != 1)
		ovl_brok(ctx, "write /g: %s", strerror(errno));
	close(fd2);
	ovl_check(ctx, memcmp(map, lower, len) == 0,
		  "a read-only shared mapping of a lower file still shows the lower bytes after a copy-up and a write (documented)");
	{
		char *now = malloc(len);

		if (!now)
			ovl_brok(ctx, "out of memory");
		memcpy(now, lower, len);
		now[0] = 'G';
		ovl_check(ctx, ovl_file_is(ovl_merged_path(ctx, "/g"), now, len),
			  "while a read of the union gives the new bytes");
		free(now);
	}
	munmap(map, len);
	close(fd);
	free(lower);
}

OVL_CASE(
	.number = 518,
	.slug = "mmap-after-copy-up",
	.purpose = "MAP_SHARED stores after a copy-up reach the upper copy; a read-only mapping of a lower file stays as documented",
	.tags = "calls,copy-up",
	.needs_root = true,
	.fixture = "calls/layers.tree",
	.run = run,
);
