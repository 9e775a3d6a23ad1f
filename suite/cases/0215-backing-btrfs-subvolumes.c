// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * btrfs subvolumes as layers: a subvolume as the lower, a read-only
 * snapshot of it as a second lower, another subvolume holding upper and
 * work. The union mounts and reads through all three; a copy-up lands in
 * the upper subvolume and leaves the snapshot untouched. btrfs gives each
 * subvolume its own st_dev, but they are one superblock, so overlayfs
 * counts the layers as one filesystem: every object reports the overlay's
 * st_dev.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	char sv[4096], snap[4096], svu[4096], up[4200], wk[4200], p[4300], q[4300];
	const char *merged = ovl_merged_dir(ctx), *lowers[2] = { sv, snap };
	struct stat a = { 0 }, b = { 0 }, m = { 0 };
	bool same;
	char *out = NULL;
	const char *btrfs = ovl_program(ctx, "btrfs");
	int fd, r;

	snprintf(sv, sizeof(sv), "%s/sv-lower", ovl_case_dir(ctx));
	snprintf(snap, sizeof(snap), "%s/sv-snapshot", ovl_case_dir(ctx));
	snprintf(svu, sizeof(svu), "%s/sv-upper", ovl_case_dir(ctx));
	snprintf(up, sizeof(up), "%s/u", svu);
	snprintf(wk, sizeof(wk), "%s/w", svu);
	r = ovl_exec(ctx, (const char *const[]){ btrfs, "subvolume", "create", sv, NULL }, NULL, 30, &out);
	if (r)
		ovl_brok(ctx, "btrfs subvolume create %s: %d %s", sv, r, out ? out : "");
	snprintf(p, sizeof(p), "%s/f", sv);
	fd = SAFE_OPEN(ctx, p, O_WRONLY | O_CREAT, 0644);
	if (write(fd, "in the subvolume\n", 17) != 17)
		ovl_brok(ctx, "write %s", p);
	close(fd);
	if (ovl_exec(ctx, (const char *const[]){ btrfs, "subvolume", "snapshot", "-r", sv, snap, NULL }, NULL,
		     30, NULL) ||
	    ovl_exec(ctx, (const char *const[]){ btrfs, "subvolume", "create", svu, NULL }, NULL, 30, NULL))
		ovl_brok(ctx, "btrfs snapshot or subvolume failed");
	snprintf(p, sizeof(p), "%s/only-in-lower", sv);
	fd = SAFE_OPEN(ctx, p, O_WRONLY | O_CREAT, 0644);
	close(fd);
	if (mkdir(up, 0755) || mkdir(wk, 0755))
		ovl_brok(ctx, "mkdir in %s: %s", svu, strerror(errno));
	ovl_check(ctx, stat(sv, &a) == 0 && stat(svu, &b) == 0 && a.st_dev != b.st_dev,
		  "the subvolumes have st_dev of their own (%lu, %lu)", (unsigned long)a.st_dev,
		  (unsigned long)b.st_dev);
	r = ovl_mount_custom(ctx, lowers, 2, up, wk, merged, NULL);
	ovl_check(ctx, r == 0, "a union of subvolumes and a read-only snapshot mounts%s%s", r ? ": " : "",
		  r ? ovl_mount_union_reason(ctx) : "");
	if (r)
		return;
	snprintf(p, sizeof(p), "%s/f", merged);
	snprintf(q, sizeof(q), "%s/only-in-lower", merged);
	ovl_check(ctx, access(p, R_OK) == 0 && access(q, F_OK) == 0, "it shows the lower subvolume's files");
	r = chmod(p, 0600) ? errno : 0;
	snprintf(q, sizeof(q), "%s/f", up);
	ovl_check(ctx, r == 0 && stat(q, &a) == 0 && (a.st_mode & 07777) == 0600,
		  "a chmod copies the file up into the upper subvolume (%s)", strerror(r));
	snprintf(q, sizeof(q), "%s/f", snap);
	ovl_check(ctx, stat(q, &a) == 0 && (a.st_mode & 07777) == 0644, "the snapshot is untouched");
	/* (stat first: a check's arguments are read in no set order with its condition) */
	same = stat(merged, &m) == 0 && stat(p, &a) == 0 && lstat(ovl_merged_path(ctx, "/only-in-lower"), &b) == 0 &&
	       a.st_dev == m.st_dev && b.st_dev == m.st_dev;
	ovl_check(ctx, same, "one superblock: every object reports the overlay's st_dev");
	if (!same)
		ovl_diag(ctx, "st_dev: the mount %lu, a copied-up file %lu, a lower file %lu", (unsigned long)m.st_dev,
			 (unsigned long)a.st_dev, (unsigned long)b.st_dev);
	ovl_umount_path(ctx, merged);
}

OVL_CASE(
	.number = 215,
	.slug = "backing-btrfs-subvolumes",
	.purpose = "btrfs subvolumes and a read-only snapshot as layers: the union works as on one filesystem",
	.tags = "backing",
	.needs_root = true,
	.fs = OVL_FS_BTRFS,
	.needs_kconfig = "BTRFS_FS",
	.needs_programs = "btrfs",
	.run = run,
);
