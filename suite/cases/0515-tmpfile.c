// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * O_TMPFILE through the union (Linux 6.10, ovl_tmpfile(): an unnamed file
 * made in the upper layer, its parent dir copied up first):
 *  - open(dir, O_TMPFILE|O_RDWR) in a dir that only a lower layer has
 *    succeeds, the file has no name (st_nlink 0), takes writes and reads
 *    them back, and the merged view does not change (nothing listed);
 *  - linkat(AT_EMPTY_PATH) gives it a name: then it reads through the
 *    union and sits in the upper layer with its bytes;
 *  - with O_EXCL it can never be linked (ENOENT).
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
	static const char text[] = "an unnamed file in the union\n";
	char buf[64] = "", *got = NULL;
	struct stat st;
	size_t len = 0;
	int fd, fd2, e;

	SAFE_MOUNT_UNION(ctx, NULL);
	fd = open(ovl_merged_path(ctx, "/d"), O_TMPFILE | O_RDWR | O_CLOEXEC, 0640);
	e = fd < 0 ? errno : 0;
	ovl_check_errno(ctx, fd, e, 0, "open(/d, O_TMPFILE|O_RDWR) in a dir only a lower layer has");
	if (fd < 0)
		return;
	ovl_check(ctx, fstat(fd, &st) == 0 && st.st_nlink == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0640,
		  "the file has no name (st_nlink 0), is regular and has the mode asked for");
	ovl_check(ctx, pwrite(fd, text, sizeof(text) - 1, 0) == (ssize_t)sizeof(text) - 1 &&
		  pread(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(text) - 1 && memcmp(buf, text, sizeof(text) - 1) == 0,
		  "it takes writes and reads them back");
	ovl_check_union(ctx, "with the unnamed file open: the merged view is as before");
	{
		char proc[64];

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		e = linkat(AT_FDCWD, proc, AT_FDCWD, ovl_merged_path(ctx, "/d/named"), AT_SYMLINK_FOLLOW) ? errno : 0;
	}
	ovl_check_errno(ctx, e ? -1 : 0, e, 0, "linkat gives the unnamed file a name in the union");
	close(fd);
	ovl_check(ctx, ovl_read_file(ovl_merged_path(ctx, "/d/named"), &got, &len, 4096) == 0 && len == sizeof(text) - 1 &&
		  memcmp(got, text, len) == 0, "the named file reads its bytes through the union");
	free(got);
	got = NULL;
	ovl_check(ctx, ovl_read_file(ovl_path(ctx, OVL_LAYER_UPPER, "/d/named"), &got, &len, 4096) == 0 &&
		  len == sizeof(text) - 1 && memcmp(got, text, len) == 0, "the named file is in the upper layer");
	free(got);
	fd2 = open(ovl_merged_path(ctx, "/d"), O_TMPFILE | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd2 < 0)
		ovl_brok(ctx, "open O_TMPFILE|O_EXCL: %s", strerror(errno));
	{
		char proc[64];

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd2);
		e = linkat(AT_FDCWD, proc, AT_FDCWD, ovl_merged_path(ctx, "/d/never"), AT_SYMLINK_FOLLOW) ? errno : 0;
	}
	ovl_check_errno(ctx, e ? -1 : 0, e, ENOENT, "an O_TMPFILE|O_EXCL file cannot be linked");
	close(fd2);
}

OVL_CASE(
	.number = 515,
	.slug = "tmpfile",
	.purpose = "O_TMPFILE through the union: an unnamed upper file, named later by linkat",
	.tags = "calls,copy-up",
	.needs_root = true,
	.needs_kernel_features = "overlay-tmpfile",
	.fixture = "calls/layers.tree",
	.run = run,
);
