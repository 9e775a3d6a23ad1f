// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An upper filesystem that fills up (a 1 MiB tmpfs of the case's own
 * under the upper and work dirs; the lowers are the case's):
 *  - opening a 4 MiB lower file for writing needs a copy-up that cannot
 *    fit: the caller gets ENOSPC, the merged view still shows the lower
 *    file whole, the upper dir holds no part of it, the work dir's
 *    scratch area is left empty, and the lower file is untouched;
 *  - a small file still copies up and takes the write;
 *  - a union mounted over an upper filesystem that is already full mounts
 *    (a full upper once made the mount itself fail) and reads through.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

/* The number of entries in dir but . and .. (-1 when it cannot be read). */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Does a read the same bytes as b? */
static bool same_file(const char *a, const char *b)
{
	char *want = NULL;
	size_t len = 0;
	bool r = ovl_read_file(b, &want, &len, 16u << 20) == 0 && ovl_file_is(a, want, len);

	free(want);
	return r;
}

static void run(struct ovl_ctx *ctx)
{
	const char *lowers[] = { ovl_layer_dir(ctx, OVL_LAYER_A), ovl_layer_dir(ctx, OVL_LAYER_B),
				 ovl_layer_dir(ctx, OVL_LAYER_C) };
	const char *fs = ovl_case_path(ctx, "/small-fs"), *up = ovl_case_path(ctx, "/small-fs/upper");
	const char *work = ovl_case_path(ctx, "/small-fs/work"), *m = ovl_case_path(ctx, "/merged");
	char p[4096], q[4096], *before = NULL;
	size_t lb = 0;
	int fd, e;

	if (ovl_read_file(ovl_path(ctx, OVL_LAYER_A, "/big"), &before, &lb, 16u << 20))
		ovl_brok(ctx, "read A's /big");

	SAFE_MKDIR_P(ctx, fs);
	SAFE_MKDIR_P(ctx, m);
	ovl_private_mount(ctx, "ovlconform-small", fs, "tmpfs", "size=1m");
	SAFE_MKDIR_P(ctx, up);
	SAFE_MKDIR_P(ctx, work);
	if (ovl_mount_custom(ctx, lowers, 3, up, work, m, NULL))
		ovl_brok(ctx, "mount over the small upper: %s", ovl_mount_union_reason(ctx));
	snprintf(p, sizeof(p), "%s/big", m);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	e = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	ovl_check_errno(ctx, fd, e, ENOSPC, "open for writing of a 4 MiB lower file over a 1 MiB upper");
	ovl_check(ctx, same_file(p, ovl_path(ctx, OVL_LAYER_A, "/big")), "the merged view still reads the lower file whole");
	snprintf(q, sizeof(q), "%s/big", up);
	ovl_check(ctx, access(q, F_OK) != 0, "the upper dir holds no part of it");
	snprintf(q, sizeof(q), "%s/work", work);
	ovl_check(ctx, entries(q) == 0, "the work dir's scratch area is left empty");
	ovl_diag(ctx, "work/work holds %d entries", entries(q));
	snprintf(p, sizeof(p), "%s/small", m);
	fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	e = fd < 0 ? errno : write(fd, "+\n", 2) == 2 ? 0 : errno;
	if (fd >= 0)
		close(fd);
	ovl_check_errno(ctx, e ? -1 : 0, e, 0, "a small file still copies up and takes the write");
	ovl_umount_path(ctx, m);

	/* fill the upper filesystem to the last block, then mount over it */
	snprintf(q, sizeof(q), "%s/filler", fs);
	fd = SAFE_OPEN(ctx, q, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	{
		static char buf[65536];

		while (write(fd, buf, sizeof(buf)) > 0)
			;
		while (write(fd, buf, 512) > 0)
			;
	}
	close(fd);
	e = ovl_mount_custom(ctx, lowers, 3, up, work, m, NULL);
	ovl_check_errno(ctx, e ? -1 : 0, -e, 0, "a union over a full upper filesystem mounts");
	if (e) {
		ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
	} else {
		snprintf(p, sizeof(p), "%s/c", m);
		ovl_check(ctx, same_file(p, ovl_path(ctx, OVL_LAYER_C, "/c")), "and reads through to the lowers");
		ovl_umount_path(ctx, m);
	}
	ovl_umount_path(ctx, fs);
	ovl_check(ctx, ovl_file_is(ovl_path(ctx, OVL_LAYER_A, "/big"), before, lb), "the lower file is untouched");
	free(before);
}

OVL_CASE(
	.number = 601,
	.slug = "upper-full-copy-up",
	.purpose = "an upper that fills up during a copy-up: ENOSPC, nothing partial anywhere; a full upper still mounts",
	.tags = "copy-up,mount-errors",
	.needs_root = true,
	.fixture = "failing/big-lower.tree",
	.run = run,
);
