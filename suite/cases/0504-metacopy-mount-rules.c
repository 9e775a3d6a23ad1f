// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What metacopy=on may be mounted with (overlayfs.rst, "Metadata only copy
 * up"): redirect_dir=off, nofollow and (with an upper dir) follow conflict
 * with it and are refused (EINVAL), and so is nfs_export=on; without an
 * upper dir, follow goes with it. Alone, metacopy=on turns redirect_dir=on
 * on (mountinfo shows both). Layers holding a metacopy file, mounted
 * again with metacopy=off, must not be read as if the file had data: the
 * lookup is refused (EPERM; the doc warns about handcrafted metacopy and
 * redirect xattrs but does not say what a mount without the feature does)
 * and the mount with metacopy=on finds the data again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

static void expect(struct ovl_ctx *ctx, int r, int want, const char *what, const char *merged)
{
	ovl_check_errno(ctx, r ? -1 : 0, -r, want, "mount with %s", what);
	if (r && strstr(ovl_mount_union_reason(ctx), "; kernel: "))
		ovl_diag(ctx, "%s", strstr(ovl_mount_union_reason(ctx), "; kernel: ") + 2);
	else
		ovl_umount_path(ctx, merged);
}

static void run(struct ovl_ctx *ctx)
{
	const char *lowers[] = { ovl_layer_dir(ctx, OVL_LAYER_A), ovl_layer_dir(ctx, OVL_LAYER_B),
				 ovl_layer_dir(ctx, OVL_LAYER_C) };
	const char *m = ovl_work_path(ctx, "/m"), *u = ovl_work_path(ctx, "/u"), *w = ovl_work_path(ctx, "/w");
	static const char *const conflicts[] = { "metacopy=on,redirect_dir=nofollow", "metacopy=on,redirect_dir=off",
						  "metacopy=on,redirect_dir=follow", "metacopy=on,nfs_export=on" };
	const char *v = NULL;
	struct stat st;
	int r;

	SAFE_MKDIR_P(ctx, m);
	SAFE_MKDIR_P(ctx, u);
	SAFE_MKDIR_P(ctx, w);
	for (size_t i = 0; i < sizeof(conflicts) / sizeof(conflicts[0]); i++)
		expect(ctx, ovl_mount_custom(ctx, lowers, 3, u, w, m, conflicts[i]), EINVAL, conflicts[i], m);
	expect(ctx, ovl_mount_custom(ctx, lowers, 3, NULL, NULL, m, "metacopy=on,redirect_dir=follow"), 0,
	       "metacopy=on,redirect_dir=follow and no upper dir", m);

	/* alone: redirect_dir=on comes with it */
	SAFE_MOUNT_UNION(ctx, "metacopy=on");
	if (ovl_target_lowers_option(ctx)) {
		ovl_check(ctx, ovl_mount_option_effective(ctx, "metacopy", &v, &(bool){ false }) == 0 && strcmp(v, "on") == 0,
			  "metacopy=on is in force (mountinfo, or the module default it leaves out)");
		ovl_check(ctx, ovl_mount_option_effective(ctx, "redirect_dir", &v, &(bool){ false }) == 0 &&
			  strcmp(v, "on") == 0, "metacopy=on turned redirect_dir=on on");
	}
	r = chmod(ovl_merged_path(ctx, "/big"), 0600) ? errno : 0;
	ovl_check(ctx, r == 0, "chmod of /big copies it up as metadata only (%s)", strerror(r));
	ovl_check_upper_xattr(ctx, "/big", "trusted.overlay.metacopy");
	if (ovl_umount_union(ctx))
		ovl_brok(ctx, "unmounting the union: %s", ovl_mount_union_reason(ctx));

	/* the same layers without the feature: the metacopy file is refused, not read as a hole */
	SAFE_MOUNT_UNION(ctx, "metacopy=off,redirect_dir=on");
	r = lstat(ovl_merged_path(ctx, "/big"), &st);
	ovl_check_errno(ctx, r, errno, EPERM, "with metacopy=off, lstat of a metacopy file");
	r = lstat(ovl_merged_path(ctx, "/small"), &st);
	ovl_check_errno(ctx, r, errno, 0, "with metacopy=off, lstat of a lower file that was never copied up");
	if (ovl_umount_union(ctx))
		ovl_brok(ctx, "unmounting the union: %s", ovl_mount_union_reason(ctx));
	SAFE_MOUNT_UNION(ctx, "metacopy=on");
	ovl_check_reads_from(ctx, "/big", OVL_LAYER_A);
}

OVL_CASE(
	.number = 504,
	.slug = "metacopy-mount-rules",
	.purpose = "metacopy=on: refused with redirect_dir off/nofollow/follow and nfs_export; layers it made refused without it",
	.tags = "metacopy,mount-errors",
	.needs_root = true,
	.needs_features = "metacopy=on",
	.fixture = "metacopy/basic.tree",
	.run = run,
);
