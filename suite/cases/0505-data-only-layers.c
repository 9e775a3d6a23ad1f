// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Data-only lower layers (overlayfs.rst, "Data-only lower layers"), built
 * the way composefs builds an image: a metadata layer whose regular files
 * are metacopy files (trusted.overlay.metacopy, the file's size and no
 * data) with an absolute redirect to a content-addressed file
 * ("/ab/<sha256>") in a plain data dir, mounted lowerdir=META::DATA (or
 * lowerdir+ and datadir+). The metadata layer is a plain dir, an erofs
 * image or a squashfs image (the variants).
 *  - nothing in the data-only layer shows by name: the merged view is the
 *    model's with the data layer marked data-only (a wrong model that
 *    merges it by name is caught), and each file reads its data file's
 *    bytes;
 *  - a chmod copies metadata up only, a write brings the data up from the
 *    data-only layer and drops the mark;
 *  - a metacopy file whose absolute redirect leads nowhere stats (lookup of
 *    the data is lazy) but open fails, ENOENT; one with a relative
 *    redirect is never followed into a data-only layer: lookup fails, EIO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-store.h"

enum meta_kind { META_DIR, META_EROFS, META_SQUASHFS };

static void mkdirs(struct ovl_ctx *ctx, const char *path)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			ovl_brok(ctx, "mkdir %s: %s", p, strerror(errno));
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		ovl_brok(ctx, "mkdir %s: %s", p, strerror(errno));
}

/* A data file named by its content's sha256 under data/; its redirect ("/ab/<hex>") into redirect. */
static void put_data(struct ovl_ctx *ctx, const char *bytes, size_t len, char redirect[80])
{
	struct ovl_hasher *h = NULL;
	struct ovl_digest d;
	char hex[65], p[4200];

	if (ovl_hasher_new(&h) || ovl_hasher_update(h, bytes, len) || ovl_hasher_final(h, &d))
		ovl_brok(ctx, "sha256");
	ovl_hasher_free(h);
	ovl_digest_hex(&d, hex);
	snprintf(redirect, 80, "/%.2s/%s", hex, hex + 2);
	snprintf(p, sizeof(p), "%s/%.2s", ovl_case_path(ctx, "data"), hex);
	mkdirs(ctx, p);
	snprintf(p, sizeof(p), "%s%s", ovl_case_path(ctx, "data"), redirect);
	if (ovl_write_file(p, bytes, len))
		ovl_brok(ctx, "write %s", p);
}

/* A metacopy file at rel in dir: size len, mode, the redirect given (absolute or not). */
static void put_meta(struct ovl_ctx *ctx, const char *dir, const char *rel, size_t len, mode_t mode,
		     const char *redirect)
{
	char p[4200];
	int fd;

	snprintf(p, sizeof(p), "%s%s", dir, rel);
	fd = SAFE_OPEN(ctx, p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (ftruncate(fd, (off_t)len) || fchmod(fd, mode) ||
	    fsetxattr(fd, "trusted.overlay.metacopy", "", 0, 0) ||
	    fsetxattr(fd, "trusted.overlay.redirect", redirect, strlen(redirect), 0))
		ovl_brok(ctx, "making metacopy file %s: %s", p, strerror(errno));
	close(fd);
}

static const char motd[] = "composefs-style motd, read from the data-only layer\n";
static const char tool[] = "#!/bin/sh\necho tool from a content-addressed object\n";

/* The metadata layer at dir: /etc/motd and /bin/tool, metacopy files redirected into data/. */
static void build_meta(struct ovl_ctx *ctx, const char *dir)
{
	char r1[80], r2[80], p[4200];

	put_data(ctx, motd, sizeof(motd) - 1, r1);
	put_data(ctx, tool, sizeof(tool) - 1, r2);
	snprintf(p, sizeof(p), "%s/etc", dir);
	mkdirs(ctx, p);
	snprintf(p, sizeof(p), "%s/bin", dir);
	mkdirs(ctx, p);
	put_meta(ctx, dir, "/etc/motd", sizeof(motd) - 1, 0644, r1);
	put_meta(ctx, dir, "/bin/tool", sizeof(tool) - 1, 0755, r2);
	/* a plain file too, with its own data */
	snprintf(p, sizeof(p), "%s/etc/hostname", dir);
	if (ovl_write_file(p, "box\n", 4))
		ovl_brok(ctx, "write %s", p);
}

/* The metadata layer as the variant wants it: the dir itself, or an image of it mounted read-only. */
static const char *meta_layer(struct ovl_ctx *ctx, enum meta_kind kind, const char *src)
{
	return kind == META_DIR ? src : ovl_image_layer(ctx, kind == META_EROFS ? "erofs" : "squashfs", src, "meta-mnt");
}

static void check_reads(struct ovl_ctx *ctx, const char *merged, const char *rel, const char *want)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s%s", merged, rel);
	ovl_check(ctx, ovl_file_is(p, want, strlen(want)), "%s reads its content-addressed data file", rel);
}

static void compare_model(struct ovl_ctx *ctx, const char *upper, const char *meta, const char *merged,
			  const char *what)
{
	struct ovl_err err = { "" };
	struct ovl_tree *want = NULL, *got = NULL;
	char data[4096];
	const char *layers[] = { meta, data };

	snprintf(data, sizeof(data), "%s", ovl_case_path(ctx, "data"));

	if (ovl_model_merge_dirs_opts(upper, layers, 2, &(struct ovl_merge_options){ .ndata = 1 }, &want, &err))
		ovl_brok(ctx, "model: %s", err.msg);
	if (ovl_tree_scan(merged, OVL_SCAN_MERGED, &got, &err))
		ovl_brok(ctx, "scanning the union: %s", err.msg);
	ovl_check_tree(ctx, want, got, 0, what);
	ovl_tree_unref(want);
	ovl_tree_unref(got);
}

static void run(struct ovl_ctx *ctx)
{
	enum meta_kind kind = (enum meta_kind)ovl_variant_arg(ctx);
	const char *merged = ovl_case_path(ctx, "m"), *upper = ovl_case_path(ctx, "u");
	const char *work = ovl_case_path(ctx, "w"), *data = ovl_case_path(ctx, "data"), *meta, *datas[1];
	char p[4200];
	ssize_t x;
	struct stat st;
	int fd, r, e;

	for (const char *const *d = (const char *const[]){ "meta", "data", "u", "w", "m", "bad", "u2", "w2", "m2", NULL };
	     *d; d++)
		mkdirs(ctx, ovl_case_path(ctx, *d));
	build_meta(ctx, ovl_case_path(ctx, "meta"));
	meta = meta_layer(ctx, kind, ovl_case_path(ctx, "meta"));
	datas[0] = data;
	if (ovl_mount_custom_data(ctx, &meta, 1, datas, 1, upper, work, merged, "metacopy=on"))
		ovl_brok(ctx, "mount with a data-only layer: %s", ovl_mount_union_reason(ctx));
	compare_model(ctx, upper, meta, merged, "the merged view: the metadata layer, data from the data-only layer");
	check_reads(ctx, merged, "/etc/motd", motd);
	check_reads(ctx, merged, "/bin/tool", tool);
	snprintf(p, sizeof(p), "%s/etc/motd", merged);
	r = chmod(p, 0600) ? errno : 0;
	ovl_check(ctx, r == 0, "chmod of /etc/motd through the union (%s)", strerror(r));
	snprintf(p, sizeof(p), "%s/etc/motd", upper);
	x = getxattr(p, "trusted.overlay.metacopy", NULL, 0);
	ovl_check(ctx, x >= 0 && lstat(p, &st) == 0 && st.st_blocks <= 8 && (st.st_mode & 07777) == 0600,
		  "the chmod copied /etc/motd up as metadata only (metacopy mark, no data)");
	snprintf(p, sizeof(p), "%s/bin/tool", merged);
	fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	e = fd < 0 ? errno : 0;
	if (fd >= 0) {
		e = write(fd, "#\n", 2) == 2 ? 0 : errno;
		close(fd);
	}
	ovl_check(ctx, e == 0, "append to /bin/tool through the union (%s)", strerror(e));
	snprintf(p, sizeof(p), "%s/bin/tool", upper);
	{
		char *got = NULL;
		size_t len = 0;

		ovl_check(ctx, getxattr(p, "trusted.overlay.metacopy", NULL, 0) < 0 && errno == ENODATA &&
			  ovl_read_file(p, &got, &len, 1 << 20) == 0 && len == sizeof(tool) + 1 &&
			  memcmp(got, tool, sizeof(tool) - 1) == 0,
			  "the write brought /bin/tool's data up from the data-only layer and dropped the mark");
		free(got);
	}
	compare_model(ctx, upper, meta, merged, "the merged view after the chmod and the write");
	ovl_umount_path(ctx, merged);

	/* the broken links: an absolute redirect to nothing, and a relative one */
	put_meta(ctx, ovl_case_path(ctx, "bad"), "/missing", 10, 0644, "/ff/not-there");
	put_meta(ctx, ovl_case_path(ctx, "bad"), "/relative", sizeof(motd) - 1, 0644, "motd");
	{
		const char *bad = ovl_case_path(ctx, "bad");

		if (ovl_mount_custom_data(ctx, &bad, 1, datas, 1, ovl_case_path(ctx, "u2"), ovl_case_path(ctx, "w2"), ovl_case_path(ctx, "m2"),
					  "metacopy=on"))
			ovl_brok(ctx, "mount with a data-only layer: %s", ovl_mount_union_reason(ctx));
	}
	snprintf(p, sizeof(p), "%s/missing", ovl_case_path(ctx, "m2"));
	r = lstat(p, &st) ? errno : 0;
	ovl_check(ctx, r == 0, "a metacopy file whose absolute redirect leads nowhere still stats (lazy data lookup): %s",
		  strerror(r));
	fd = open(p, O_RDONLY | O_CLOEXEC);
	e = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	ovl_check_errno(ctx, fd, e, ENOENT, "open of a metacopy file whose data is missing");
	snprintf(p, sizeof(p), "%s/relative", ovl_case_path(ctx, "m2"));
	r = lstat(p, &st);
	ovl_check_errno(ctx, r, errno, EIO, "lstat of a metacopy file with a relative redirect (never into data-only)");
	ovl_umount_path(ctx, ovl_case_path(ctx, "m2"));
	if (kind != META_DIR)
		ovl_umount_path(ctx, ovl_case_path(ctx, "meta-mnt"));
}

static const struct ovl_variant variants[] = {
	{ .number = 505, .slug = "data-only-layers", .arg = META_DIR,
	  .purpose = "data-only layers (lowerdir=META::DATA): reached only through metacopy files' absolute redirects" },
	{ .number = 506, .slug = "data-only-erofs",
	  .purpose = "data-only layers under an erofs metadata image, as composefs builds them", .arg = META_EROFS },
	{ .number = 507, .slug = "data-only-squashfs",
	  .purpose = "data-only layers under a squashfs metadata image", .arg = META_SQUASHFS },
	{ 0 },
};

OVL_CASE(
	.number = 505,
	.slug = "data-only-layers",
	.purpose = "data-only lower layers reached through metacopy redirects",
	.tags = "metacopy,data-only",
	.needs_root = true,
	.needs_kernel_features = "overlay-data-only-layers",
	.needs_features = "metacopy=on",
	.variants = variants,
	.timeout = 120,
	.run = run,
);
