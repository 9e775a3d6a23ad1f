// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fs-verity and metacopy (overlayfs.rst, "fs-verity support"):
 *  - verity=on: a metadata-only copy-up of a lower file that has fs-verity
 *    records the file's digest in its metacopy xattr (the versioned
 *    header: version 0, length, flags, algorithm, digest; the doc's
 *    "trusted.overlay.verity" of the patch series never reached the
 *    kernel), and a later open checks the lower file against it: the
 *    bytes read are the lower file's; a data file swapped for another
 *    (fs-verity on, other digest) is refused with EIO;
 *  - verity=require: a lower file without fs-verity is copied up whole
 *    (no metacopy), and a metacopy file that records no digest is
 *    refused on open (EIO).
 * The layers sit on an ext4 made with -O verity by the case (the backing
 * filesystems the runner makes have no verity feature). A kernel without
 * CONFIG_FS_VERITY, or before overlayfs' verity (6.6), is CONF.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fsverity.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

static const char *at(struct ovl_ctx *ctx, char *buf, const char *rel)
{
	snprintf(buf, 4096, "%s/vfs/%s", ovl_case_dir(ctx), rel);
	return buf;
}

/* Write path with len bytes of a pattern seeded by seed, enable fs-verity, its sha256 digest into d. */
static void verity_file(struct ovl_ctx *ctx, const char *path, size_t len, unsigned char seed, unsigned char d[32])
{
	char *buf = malloc(len);
	struct fsverity_enable_arg arg = { .version = 1, .hash_algorithm = FS_VERITY_HASH_ALG_SHA256,
					   .block_size = 4096 };
	struct {
		struct fsverity_digest h;
		unsigned char bytes[64];
	} dg = { .h = { .digest_size = 64 } };
	int fd;

	if (!buf)
		ovl_brok(ctx, "out of memory");
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(seed + i * 7 + i / 4096);
	if (ovl_write_file(path, buf, len))
		ovl_brok(ctx, "write %s", path);
	free(buf);
	fd = SAFE_OPEN(ctx, path, O_RDONLY, 0);
	if (ioctl(fd, FS_IOC_ENABLE_VERITY, &arg))
		ovl_brok(ctx, "FS_IOC_ENABLE_VERITY on %s: %s", path, strerror(errno));
	if (ioctl(fd, FS_IOC_MEASURE_VERITY, &dg) || dg.h.digest_size != 32)
		ovl_brok(ctx, "FS_IOC_MEASURE_VERITY on %s: %s", path, strerror(errno));
	memcpy(d, dg.bytes, 32);
	close(fd);
}

static int mount_verity(struct ovl_ctx *ctx, const char *mode)
{
	char l[4096], u[4096], w[4096], m[4096], opts[128];
	const char *lowers[] = { at(ctx, l, "lower") };

	snprintf(opts, sizeof(opts), "metacopy=on,redirect_dir=on,verity=%s", mode);
	return ovl_mount_custom(ctx, lowers, 1, at(ctx, u, "upper"), at(ctx, w, "work"), at(ctx, m, "merged"), opts);
}

static void umount_verity(struct ovl_ctx *ctx)
{
	char m[4096];

	ovl_umount_path(ctx, at(ctx, m, "merged"));
}

static int open_errno(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void run(struct ovl_ctx *ctx)
{
	char img[4200], mnt[4200], p[4096], q[4096];
	unsigned char dg[32], other[32], x[64];
	ssize_t n;
	int st, r;

	snprintf(img, sizeof(img), "%s/verity.img", ovl_case_dir(ctx));
	snprintf(mnt, sizeof(mnt), "%s/vfs", ovl_case_dir(ctx));
	SAFE_MKDIR_P(ctx, mnt);
	{
		int fd = SAFE_OPEN(ctx, img, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (ftruncate(fd, 64 << 20))
			ovl_brok(ctx, "ftruncate %s: %s", img, strerror(errno));
		close(fd);
	}
	st = ovl_exec(ctx, (const char *const[]){ ovl_program(ctx, "mkfs.ext4"), "-q", "-F", "-b", "4096", "-O", "verity", img, NULL },
		      NULL, 120, NULL);
	if (st)
		ovl_brok(ctx, "mkfs.ext4 -O verity: status %d", st);
	ovl_private_mount(ctx, img, mnt, "ext4", "loop");
	for (const char *const *d = (const char *const[]){ "lower", "upper", "work", "merged", NULL }; *d; d++)
		SAFE_MKDIR_P(ctx, at(ctx, p, *d));
	verity_file(ctx, at(ctx, p, "lower/data"), 65536, 1, dg);
	if (ovl_write_file(at(ctx, p, "lower/plain"), "no verity here\n", 15))
		ovl_brok(ctx, "write %s", p);

	/* verity=on: the digest goes into the metacopy xattr */
	if (mount_verity(ctx, "on"))
		ovl_brok(ctx, "mount with verity=on: %s", ovl_mount_union_reason(ctx));
	r = chmod(at(ctx, p, "merged/data"), 0600) ? errno : 0;
	ovl_check(ctx, r == 0, "chmod of /data with verity=on (%s)", strerror(r));
	n = getxattr(at(ctx, p, "upper/data"), "trusted.overlay.metacopy", x, sizeof(x));
	ovl_check(ctx, n == 4 + 32 && x[0] == 0 && x[1] == 4 + 32 && x[3] == FS_VERITY_HASH_ALG_SHA256 &&
		  memcmp(x + 4, dg, 32) == 0,
		  "the metacopy xattr records the lower file's fs-verity digest (version 0, sha256)");
	ovl_diag(ctx, "metacopy xattr: %zd bytes", n);
	{
		char *a = NULL, *b = NULL;
		size_t la = 0, lb = 0;

		ovl_check(ctx, ovl_read_file(at(ctx, p, "merged/data"), &a, &la, 1 << 20) == 0 &&
			  ovl_read_file(at(ctx, q, "lower/data"), &b, &lb, 1 << 20) == 0 && la == lb && memcmp(a, b, la) == 0,
			  "/data reads the lower file's bytes, its digest checked");
		free(a);
		free(b);
	}
	umount_verity(ctx);

	/* the data file swapped for another with fs-verity on: its digest no longer matches */
	if (unlink(at(ctx, p, "lower/data")))
		ovl_brok(ctx, "unlink %s: %s", p, strerror(errno));
	verity_file(ctx, at(ctx, p, "lower/data"), 65536, 2, other);
	if (mount_verity(ctx, "on"))
		ovl_brok(ctx, "mount with verity=on: %s", ovl_mount_union_reason(ctx));
	r = open_errno(at(ctx, p, "merged/data"));
	ovl_check_errno(ctx, r ? -1 : 0, r, EIO, "open of a metacopy file whose lower data has another digest");
	umount_verity(ctx);

	/* verity=require: no verity below, no metacopy; a metacopy file without a digest is refused */
	if (mount_verity(ctx, "require"))
		ovl_brok(ctx, "mount with verity=require: %s", ovl_mount_union_reason(ctx));
	r = chmod(at(ctx, p, "merged/plain"), 0600) ? errno : 0;
	n = getxattr(at(ctx, p, "upper/plain"), "trusted.overlay.metacopy", NULL, 0);
	ovl_check(ctx, r == 0 && n < 0 && errno == ENODATA,
		  "verity=require: chmod of a lower file without fs-verity copies it up whole (no metacopy)");
	umount_verity(ctx);
	{
		/* a metacopy file in the legacy form, no digest, over a lower file that has fs-verity */
		unsigned char d3[32];
		int fd;

		verity_file(ctx, at(ctx, p, "lower/legacy"), 8192, 3, d3);
		fd = SAFE_OPEN(ctx, at(ctx, p, "upper/legacy"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (ftruncate(fd, 8192) || fsetxattr(fd, "trusted.overlay.metacopy", "", 0, 0))
			ovl_brok(ctx, "making a legacy metacopy file: %s", strerror(errno));
		close(fd);
	}
	if (mount_verity(ctx, "require"))
		ovl_brok(ctx, "mount with verity=require: %s", ovl_mount_union_reason(ctx));
	r = open_errno(at(ctx, p, "merged/legacy"));
	ovl_check_errno(ctx, r ? -1 : 0, r, EIO, "verity=require: open of a metacopy file that records no digest");
	umount_verity(ctx);
	if (mount_verity(ctx, "on"))
		ovl_brok(ctx, "mount with verity=on: %s", ovl_mount_union_reason(ctx));
	r = open_errno(at(ctx, p, "merged/legacy"));
	ovl_check_errno(ctx, r ? -1 : 0, r, 0, "verity=on: the same file opens (no digest, nothing to check)");
	umount_verity(ctx);
	ovl_umount_path(ctx, mnt);
}

OVL_CASE(
	.number = 508,
	.slug = "verity",
	.purpose = "verity=on records and checks lower files' fs-verity digests; verity=require refuses files without",
	.tags = "metacopy,verity",
	.needs_root = true,
	.fs = OVL_FS_EXT4,
	.needs_kconfig = "FS_VERITY",
	.needs_kernel_features = "overlay-verity",
	.needs_programs = "mkfs.ext4",
	.timeout = 120,
	.run = run,
);
