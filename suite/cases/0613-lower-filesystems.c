// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A lower layer on a filesystem of another kind, under copy-up: an image of
 * a dir (ovl_image_layer()), mounted read-only, under an upper dir on the
 * backing filesystem. overlayfs.rst: "The lower filesystem can be any
 * filesystem supported by Linux and does not need to be writable."
 *  - 0613 vfat: no xattrs, no links, no special files, names without case.
 *  - 0614 erofs, 0615 squashfs: read-only images with symlinks, hard links,
 *    fifos and user.* xattrs.
 * The union mounts; copy-up (data, metadata, xattrs, a hard link's other
 * name), rename, unlink and readdir are checked against the model.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

/* pinned: xino=auto turns itself off over an image's inode numbers */
#define OPTS "xino=off"

enum { ON_VFAT = 1, ON_EROFS, ON_SQUASHFS };

static void make_src(struct ovl_ctx *ctx, const char *src, bool vfat)
{
	char p[4200], q[4200];

	SAFE_PUT(ctx, src, "", NULL, 0);
	SAFE_PUT(ctx, src, "/f", "lower f\n", 8);
	SAFE_PUT(ctx, src, "/d", NULL, 0);
	SAFE_PUT(ctx, src, "/d/g", "lower g\n", 8);
	SAFE_PUT(ctx, src, "/gone", "to be removed\n", 14);
	if (vfat)
		return;
	snprintf(p, sizeof(p), "%s/link", src);
	if (symlink("f", p))
		ovl_brok(ctx, "symlink %s: %s", p, strerror(errno));
	SAFE_PUT(ctx, src, "/h1", "linked\n", 7);
	snprintf(p, sizeof(p), "%s/h1", src);
	snprintf(q, sizeof(q), "%s/h2", src);
	if (link(p, q))
		ovl_brok(ctx, "link %s: %s", q, strerror(errno));
	SAFE_PUT(ctx, src, "/x", "with an xattr\n", 14);
	snprintf(p, sizeof(p), "%s/x", src);
	if (setxattr(p, "user.ovlconform", "kept", 4, 0))
		ovl_conf(ctx, "user.* xattrs on %s: %s (the image takes them from there)", p, strerror(errno));
	snprintf(p, sizeof(p), "%s/p", src);
	if (mkfifo(p, 0644))
		ovl_brok(ctx, "mkfifo %s: %s", p, strerror(errno));
}

static void run(struct ovl_ctx *ctx)
{
	long v = ovl_variant_arg(ctx);
	const char *fstype = v == ON_VFAT ? "vfat" : v == ON_EROFS ? "erofs" : "squashfs";
	const char *src = ovl_case_path(ctx, "/src"), *u = ovl_case_path(ctx, "/upper");
	const char *w = ovl_case_path(ctx, "/work"), *m = ovl_case_path(ctx, "/merged"), *lower;
	static const struct ovl_op common[] = {
		{ .kind = OVL_OP_CHMOD, .path = "/f", .mode = 0600 },
		{ .kind = OVL_OP_WRITE, .path = "/d/g", .flags = O_WRONLY | O_APPEND, .data = "+\n", .len = 2 },
		{ .kind = OVL_OP_UNLINK, .path = "/gone" },
		{ .kind = OVL_OP_MKDIR, .path = "/d/new", .mode = 0755 },
		{ .kind = OVL_OP_RENAME, .path = "/d", .path2 = "/d2" },
		{ .kind = OVL_OP_WRITE, .path = "/gone", .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0644,
		  .data = "again\n", .len = 6 },
	};
	static const struct ovl_op images[] = {
		{ .kind = OVL_OP_RENAME, .path = "/link", .path2 = "/link2" },
		{ .kind = OVL_OP_WRITE, .path = "/h2", .flags = O_WRONLY | O_APPEND, .data = "+\n", .len = 2 },
		{ .kind = OVL_OP_UTIMES, .path = "/x" },
		{ .kind = OVL_OP_UNLINK, .path = "/p" },
	};

	make_src(ctx, src, v == ON_VFAT);
	SAFE_MKDIR_P(ctx, u);
	SAFE_MKDIR_P(ctx, w);
	SAFE_MKDIR_P(ctx, m);
	lower = ovl_image_layer(ctx, fstype, src, "lower");
	if (ovl_mount_custom(ctx, &lower, 1, u, w, m, OPTS)) {
		ovl_check(ctx, false, "a union over a %s lower mounts (overlayfs.rst: the lower filesystem can be any "
			  "filesystem supported by Linux)", fstype);
		ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
		ovl_umount_path(ctx, lower);
		return;
	}
	ovl_check(ctx, true, "a union over a %s lower mounts (overlayfs.rst: the lower filesystem can be any "
		  "filesystem supported by Linux)", fstype);
	ovl_use_union(ctx, m, u, &lower, 1, OPTS);
	ovl_check_readdir(ctx, "/");
	ovl_check_readdir(ctx, "/d");
	if (v != ON_VFAT)
		OVL_CHECK_OPS(ctx, images);
	OVL_CHECK_OPS(ctx, common);
	ovl_check_readdir(ctx, "/");
	{
		/* the dir moved where redirect_dir lets it (the model says), or stayed (EXDEV) */
		struct ovl_tree *now = ovl_model_now(ctx);

		ovl_check_readdir(ctx, ovl_tree_lookup(now, "/d2") ? "/d2" : "/d");
		ovl_tree_unref(now);
	}
	ovl_umount_path(ctx, m);
	ovl_umount_path(ctx, lower);
}

OVL_CASE(
	.number = 613,
	.slug = "lower-filesystems",
	.purpose = "a lower on vfat, erofs or squashfs under copy-up, rename and readdir",
	.tags = "copy-up,rename,backing",
	.needs_root = true,
	.timeout = 90,
	.variants = (const struct ovl_variant[]){
		{ .number = 613, .slug = "lower-vfat", .arg = ON_VFAT,
		  .purpose = "a lower on vfat (no xattrs, no links, names without case) mounts and copies up" },
		{ .number = 614, .slug = "lower-erofs", .arg = ON_EROFS,
		  .purpose = "a lower on erofs: copy-up of data, metadata, xattrs and hard links, rename, readdir" },
		{ .number = 615, .slug = "lower-squashfs", .arg = ON_SQUASHFS,
		  .purpose = "a lower on squashfs: copy-up of data, metadata, xattrs and hard links, rename, readdir" },
		{ 0 },
	},
	.run = run,
);
