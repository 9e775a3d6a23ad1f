// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What each backing filesystem of the matrix offers overlayfs and Docker's
 * overlay2 driver, found by trying it (lib/backing): the statfs magic
 * Docker names filesystems by, d_type in readdir, trusted.* and user.*
 * xattrs, RENAME_WHITEOUT (overlayfs makes whiteouts with it) and
 * O_TMPFILE (it copies up through tmpfiles), then Docker's own test mount
 * (two lowers, an upper and a work dir) and its verdict. The matrix's
 * filesystems are made to offer all of it (but tmpfs before Linux 6.6,
 * which has no user.* xattrs: there their refusal is asserted, by the
 * release, lib/host/release.c); each is asserted, and the run
 * writes the table to results/<run-id>/backing-filesystems.txt.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ovl-host.h"
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	static const struct {
		const char *fs, *name;
		unsigned long magic;
	} want[] = {
		{ "tmpfs", "tmpfs", 0x01021994 },
		{ "ext4", "extfs", 0xEF53 },
		{ "xfs", "xfs", 0x58465342 },
		{ "btrfs", "btrfs", 0x9123683E },
	};
	struct ovl_backing_info bi;
	struct ovl_err err = { "" };
	char msg[1024], base[4096], l1[4200], l2[4200], up[4200], wk[4200], mnt[4200];
	const char *fs = ovl_backing_fs(ctx), *lowers[2] = { l2, l1 };
	int docker;

	if (ovl_backing_probe(ovl_case_dir(ctx), &bi, &err))
		ovl_brok(ctx, "probing %s: %s", ovl_case_dir(ctx), err.msg);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strcmp(want[i].fs, fs) == 0)
			ovl_check(ctx, bi.magic == want[i].magic && strcmp(bi.name, want[i].name) == 0,
				  "statfs says %s (magic 0x%lx), Docker's name %s (want 0x%lx, %s)", fs, bi.magic,
				  bi.name, want[i].magic, want[i].name);
	ovl_check(ctx, bi.d_type, "readdir gives d_type (overlayfs needs it to see whiteouts)");
	ovl_check(ctx, bi.trusted_xattr, "trusted.* xattrs can be set (overlayfs' marks)");
	if (strcmp(fs, "tmpfs") == 0 && !ovl_kernel_has_feature("tmpfs-user-xattrs", NULL, msg, sizeof(msg)))
		ovl_check(ctx, !bi.user_xattr, "user.* xattrs are refused, as before tmpfs had them (%s)", msg);
	else
		ovl_check(ctx, bi.user_xattr, "user.* xattrs can be set (userxattr mounts, rootless engines)");
	ovl_check(ctx, bi.rename_whiteout, "renameat2(RENAME_WHITEOUT) works (overlayfs' whiteouts)");
	ovl_check(ctx, bi.o_tmpfile, "open(O_TMPFILE) works (overlayfs' copy-up through a tmpfile)");
	/* Docker's own check: a real test mount, then d_type */
	snprintf(base, sizeof(base), "%s/docker-probe", ovl_case_dir(ctx));
	snprintf(l1, sizeof(l1), "%s/lower1", base);
	snprintf(l2, sizeof(l2), "%s/lower2", base);
	snprintf(up, sizeof(up), "%s/upper", base);
	snprintf(wk, sizeof(wk), "%s/work", base);
	snprintf(mnt, sizeof(mnt), "%s/merged", base);
	mkdir(base, 0700);
	mkdir(l1, 0700);
	mkdir(l2, 0700);
	mkdir(up, 0700);
	mkdir(wk, 0700);
	mkdir(mnt, 0700);
	docker = ovl_mount_custom(ctx, lowers, 2, up, wk, mnt, NULL);
	ovl_check(ctx, docker == 0, "Docker's test mount (lowerdir=lower2:lower1, upper, work) works%s%s",
		  docker ? ": " : "", docker ? ovl_mount_union_reason(ctx) : "");
	if (docker == 0)
		ovl_umount_path(ctx, mnt);
	ovl_check(ctx, ovl_backing_docker_check(&bi, msg, sizeof(msg)) == 0,
		  "Docker's overlay2 takes %s as a backing filesystem%s%s", fs, *msg ? ": " : "", msg);
	ovl_table_row(ctx, "backing-filesystems", "%-6s %-10s %-6s %-6s %-9s %-6s %-15s %-9s %s", "fs", "magic",
		      "docker", "d_type", "trusted.*", "user.*", "RENAME_WHITEOUT", "O_TMPFILE", "overlay2");
	ovl_table_row(ctx, "backing-filesystems", "%-6s 0x%-8lx %-6s %-6s %-9s %-6s %-15s %-9s %s", fs, bi.magic,
		      bi.name, bi.d_type ? "yes" : "NO", bi.trusted_xattr ? "yes" : "NO",
		      bi.user_xattr ? "yes" : "NO", bi.rename_whiteout ? "yes" : "NO", bi.o_tmpfile ? "yes" : "NO",
		      docker == 0 && !*msg ? "usable" : "refused");
}

OVL_CASE(
	.number = 211,
	.slug = "backing-fs-features",
	.purpose = "each backing fs offers d_type, xattrs, RENAME_WHITEOUT, O_TMPFILE; Docker's overlay2 takes it",
	.tags = "backing",
	.needs_root = true,
	.run = run,
);
