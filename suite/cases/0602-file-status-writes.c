// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * File status through the union, where regressions came from the file
 * the union opens on the layer below:
 *  - O_APPEND set with fcntl(F_SETFL) after open is honoured: the next
 *    write lands at the end of the (copied-up) file, not at the offset;
 *    cleared again, a pwrite lands where it is told;
 *  - O_DIRECT writes of aligned blocks through the union are never short
 *    and read back exactly, on the block filesystems (tmpfs took O_DIRECT
 *    only in later kernels: there it is not tried).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

static void run(struct ovl_ctx *ctx)
{
	char *got = NULL;
	size_t len = 0;
	int fd, fl;
	bool tmpfs = strcmp(ovl_backing_fs(ctx), "tmpfs") == 0;

	SAFE_MOUNT_UNION(ctx, NULL);
	/* /small is "small enough\n" (13 bytes) in A */
	fd = SAFE_OPEN(ctx, ovl_merged_path(ctx, "/small"), O_WRONLY | O_CLOEXEC, 0);
	fl = fcntl(fd, F_GETFL);
	ovl_check(ctx, fl >= 0 && fcntl(fd, F_SETFL, fl | O_APPEND) == 0 && (fcntl(fd, F_GETFL) & O_APPEND),
		  "fcntl(F_SETFL) sets O_APPEND on a descriptor of a copied-up file");
	ovl_check(ctx, write(fd, "A", 1) == 1, "a write after F_SETFL O_APPEND");
	ovl_check(ctx, fcntl(fd, F_SETFL, fl & ~O_APPEND) == 0 && pwrite(fd, "S", 1, 0) == 1,
		  "O_APPEND cleared again, a pwrite at offset 0");
	close(fd);
	ovl_check(ctx, ovl_read_file(ovl_merged_path(ctx, "/small"), &got, &len, 4096) == 0 && len == 14 &&
		  memcmp(got, "Small enough\nA", 14) == 0,
		  "the appended byte is at the end and the pwrite at offset 0");
	ovl_diag(ctx, "/small now %zu bytes", len);
	free(got);
	got = NULL;

	/* O_DIRECT: 64 KiB in aligned 4 KiB blocks, over a lower file (a copy-up) */
	if (tmpfs) {
		ovl_diag(ctx, "O_DIRECT is tried on the block filesystems only");
		return;
	}
	{
		void *buf = NULL;
		ssize_t n, total = 0;

		if (posix_memalign(&buf, 4096, 65536))
			ovl_brok(ctx, "out of memory");
		for (size_t i = 0; i < 65536; i++)
			((unsigned char *)buf)[i] = (unsigned char)(i * 13 + i / 4096);
		fd = open(ovl_merged_path(ctx, "/d/f"), O_WRONLY | O_TRUNC | O_DIRECT | O_CLOEXEC);
		ovl_check(ctx, fd >= 0, "open(O_DIRECT) of a lower file through the union (%s)", fd < 0 ? strerror(errno) : "ok");
		if (fd >= 0) {
			for (int i = 0; i < 16; i++) {
				n = write(fd, (char *)buf + i * 4096, 4096);
				if (n != 4096)
					break;
				total += n;
			}
			close(fd);
			ovl_check(ctx, total == 65536, "sixteen O_DIRECT writes of 4 KiB, none short");
			ovl_diag(ctx, "%zd bytes written", total);
			ovl_check(ctx, ovl_read_file(ovl_merged_path(ctx, "/d/f"), &got, &len, 1 << 20) == 0 && len == 65536 &&
				  memcmp(got, buf, len) == 0, "they read back exactly through the union");
			free(got);
		}
		free(buf);
	}
}

OVL_CASE(
	.number = 602,
	.slug = "file-status-writes",
	.purpose = "O_APPEND set by fcntl after open is honoured; O_DIRECT writes through the union are never short",
	.tags = "calls,copy-up",
	.needs_root = true,
	.fixture = "failing/big-lower.tree",
	.run = run,
);
