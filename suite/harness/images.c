// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/harness/images.c - a layer on a filesystem of another kind: the
 * files of a dir in an erofs, squashfs or vfat image, mounted read-only in
 * the case's own mount namespace (a loop device the mount lets go of).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness-private.h"
#include "exec.h"
#include "ovl-host.h"
#include "ovl-common.h"

/* 64 MiB of vfat: room for a case's few files. */
#define VFAT_KIB "65536"

const char *ovl_image_layer(struct ovl_ctx *ctx, const char *fstype, const char *src, const char *name)
{
	const char *prog_name = strcmp(fstype, "erofs") == 0 ? "mkfs.erofs" : strcmp(fstype, "squashfs") == 0 ? "mksquashfs"
				: strcmp(fstype, "vfat") == 0 ? "mkfs.vfat" : NULL;
	char prog[PATH_MAX], cp[PATH_MAX], img[PATH_MAX], mnt[PATH_MAX], why[256], from[PATH_MAX + 2];
	int st;

	if (!prog_name)
		ovl_brok(ctx, "ovl_image_layer: no image of %s", fstype);
	if (ovl_kernel_fs_available(fstype, why, sizeof(why)))
		ovl_conf(ctx, "no %s on this kernel: %s", fstype, why);
	if (ovl_find_program(prog_name, prog, sizeof(prog)))
		ovl_conf(ctx, "%s is not installed: no %s image can be made", prog_name, fstype);
	snprintf(img, sizeof(img), "%s", ovl_case_path(ctx, name));
	snprintf(img + strlen(img), sizeof(img) - strlen(img), ".img");
	snprintf(mnt, sizeof(mnt), "%s", ovl_case_path(ctx, name));
	SAFE_MKDIR_P(ctx, mnt);
	if (strcmp(fstype, "erofs") == 0)
		st = ovl_exec(ctx, (const char *const[]){ prog, img, src, NULL }, NULL, 120, NULL);
	else if (strcmp(fstype, "squashfs") == 0)
		st = ovl_exec(ctx, (const char *const[]){ prog, src, img, "-noappend", "-xattrs", "-quiet", NULL }, NULL,
			      120, NULL);
	else
		st = ovl_exec(ctx, (const char *const[]){ prog, "-C", img, VFAT_KIB, NULL }, NULL, 120, NULL);
	if (st)
		ovl_brok(ctx, "%s for %s: status %d", prog, img, st);
	if (strcmp(fstype, "vfat") == 0) {
		/* vfat's files are put in by cp (names, data, dirs: all it holds), then it goes read-only */
		if (ovl_find_program("cp", cp, sizeof(cp)))
			ovl_brok(ctx, "cp is not installed");
		ovl_private_mount(ctx, img, mnt, fstype, "loop");
		snprintf(from, sizeof(from), "%s/.", src);
		st = ovl_exec(ctx, (const char *const[]){ cp, "-R", from, mnt, NULL }, NULL, 120, NULL);
		if (st)
			ovl_brok(ctx, "cp -R %s %s: status %d", from, mnt, st);
		ovl_private_mount(ctx, img, mnt, fstype, "remount,ro");
	} else {
		ovl_private_mount(ctx, img, mnt, fstype, "loop,ro");
	}
	ovl_log(ctx, "%s image of %s mounted read-only on %s", fstype, src, mnt);
	return ovl_case_path(ctx, name);
}
