// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What overlayfs accepts as layers, tried for real:
 *  - an overlay as the upper layer: refused (EINVAL, "filesystem on ...
 *    not supported as upperdir");
 *  - an overlay as a lower layer (nested): works, and shows both unions;
 *  - a read-only upper (a read-only bind mount): refused ("is read-only");
 *  - an upper with no xattr support and no RENAME_WHITEOUT (ramfs): mounts,
 *    turning off what needs them, which mountinfo and the kernel log show
 *    (redirect_dir=nofollow, index=off, uuid=null); deleting still leaves
 *    a whiteout, a lower dir cannot be renamed.
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
	const char *mode = NULL;
	bool shown = false;
	char p[4200];
	int r, e;

	for (const char *const *d = (const char *const[]){ "A", "B", "u1", "w1", "m1", "u2", "w2", "m2", "u3", "w3",
							    "m3", "rob", "ro", "ram", "m4", NULL }; *d; d++)
		SAFE_MKDIR_P(ctx, ovl_case_path(ctx, *d));
	SAFE_WRITE_FILE(ctx, ovl_case_path(ctx, "A/a"), "", 0);
	SAFE_WRITE_FILE(ctx, ovl_case_path(ctx, "B/b"), "", 0);
	SAFE_MKDIR_P(ctx, ovl_case_path(ctx, "A/dir"));
	/* a first union, to be the upper and then a lower of others */
	if (ovl_mount_custom(ctx, (const char *[]){ ovl_case_path(ctx, "A") }, 1, ovl_case_path(ctx, "u1"), ovl_case_path(ctx, "w1"), ovl_case_path(ctx, "m1"),
			     NULL))
		ovl_brok(ctx, "the first union: %s", ovl_mount_union_reason(ctx));
	SAFE_MKDIR_P(ctx, ovl_case_path(ctx, "m1/up"));
	SAFE_MKDIR_P(ctx, ovl_case_path(ctx, "m1/wk"));
	r = ovl_mount_custom(ctx, (const char *[]){ ovl_case_path(ctx, "B") }, 1, ovl_case_path(ctx, "m1/up"), ovl_case_path(ctx, "m1/wk"),
			     ovl_case_path(ctx, "m2"), NULL);
	ovl_check(ctx, r == -EINVAL && strstr(ovl_mount_union_reason(ctx), "not supported as upperdir"),
		  "an overlay as upper is refused with EINVAL, 'not supported as upperdir' (%d: %s)", r,
		  ovl_mount_union_reason(ctx));
	if (!r)
		ovl_umount_path(ctx, ovl_case_path(ctx, "m2"));
	/* nested: the first union as the top lower of another */
	r = ovl_mount_custom(ctx, (const char *[]){ ovl_case_path(ctx, "m1"), ovl_case_path(ctx, "B") }, 2, ovl_case_path(ctx, "u2"), ovl_case_path(ctx, "w2"),
			     ovl_case_path(ctx, "m2"), NULL);
	ovl_check(ctx, r == 0, "an overlay as a lower layer mounts%s%s", r ? ": " : "", r ? ovl_mount_union_reason(ctx) : "");
	if (!r) {
		ovl_check(ctx, access(ovl_case_path(ctx, "m2/a"), F_OK) == 0 && access(ovl_case_path(ctx, "m2/b"), F_OK) == 0 &&
				       access(ovl_case_path(ctx, "m2/dir"), F_OK) == 0,
			  "the nested union shows the lower union's names (a, dir) and B's (b)");
		snprintf(p, sizeof(p), "%s", ovl_case_path(ctx, "m2/a"));
		r = chmod(p, 0600) ? errno : 0;
		ovl_check(ctx, r == 0 && access(ovl_case_path(ctx, "u2/a"), F_OK) == 0 && access(ovl_case_path(ctx, "u1/a"), F_OK) != 0,
			  "a change copies up into the nested union's upper, not the lower union's (%s)", strerror(r));
		ovl_umount_path(ctx, ovl_case_path(ctx, "m2"));
	}
	ovl_umount_path(ctx, ovl_case_path(ctx, "m1"));
	/* a read-only upper */
	SAFE_MKDIR_P(ctx, ovl_case_path(ctx, "rob/u"));
	SAFE_MKDIR_P(ctx, ovl_case_path(ctx, "rob/w"));
	ovl_private_mount(ctx, ovl_case_path(ctx, "rob"), ovl_case_path(ctx, "ro"), NULL, "bind,ro");
	r = ovl_mount_custom(ctx, (const char *[]){ ovl_case_path(ctx, "B") }, 1, ovl_case_path(ctx, "ro/u"), ovl_case_path(ctx, "ro/w"), ovl_case_path(ctx, "m3"),
			     NULL);
	ovl_check(ctx, r < 0 && strstr(ovl_mount_union_reason(ctx), "is read-only"),
		  "a read-only upper is refused, 'is read-only' (%d: %s)", r, ovl_mount_union_reason(ctx));
	if (!r)
		ovl_umount_path(ctx, ovl_case_path(ctx, "m3"));
	ovl_umount_path(ctx, ovl_case_path(ctx, "ro"));
	/* an upper without xattrs and without RENAME_WHITEOUT */
	ovl_private_mount(ctx, "ovlconform-ramfs", ovl_case_path(ctx, "ram"), "ramfs", NULL);
	SAFE_MKDIR_P(ctx, ovl_case_path(ctx, "ram/u"));
	SAFE_MKDIR_P(ctx, ovl_case_path(ctx, "ram/w"));
	r = ovl_mount_custom(ctx, (const char *[]){ ovl_case_path(ctx, "A") }, 1, ovl_case_path(ctx, "ram/u"), ovl_case_path(ctx, "ram/w"),
			     ovl_merged_dir(ctx), "index=on,redirect_dir=on");
	ovl_check(ctx, r == 0, "an upper without xattrs (ramfs) mounts%s%s", r ? ": " : "",
		  r ? ovl_mount_union_reason(ctx) : "");
	if (r)
		return;
	{
		const char *k = ovl_last_mount_klog(ctx);

		ovl_check(ctx, strstr(k, "failed to set xattr on upper") && strstr(k, "falling back to index=off") &&
				       strstr(k, "falling back to redirect_dir=nofollow"),
			  "the kernel says it turns off index and redirect_dir (logged: '%.300s')", k);
		ovl_check(ctx, strstr(k, "upper fs does not support RENAME_WHITEOUT") != NULL,
			  "and that the upper has no RENAME_WHITEOUT");
	}
	ovl_check(ctx, ovl_mount_option_effective(ctx, "redirect_dir", &mode, &shown) == 0 &&
			       strcmp(mode, "nofollow") == 0,
		  "redirect_dir=nofollow in force (%s)", mode ? mode : "?");
	ovl_check(ctx, ovl_mount_option_effective(ctx, "index", &mode, &shown) == 0 && strcmp(mode, "off") == 0,
		  "index is off in force (%s)", mode ? mode : "?");
	snprintf(p, sizeof(p), "%s/a", ovl_merged_dir(ctx));
	r = unlink(p) ? errno : 0;
	{
		struct stat st;

		ovl_check(ctx, r == 0 && lstat(ovl_case_path(ctx, "ram/u/a"), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0,
			  "deleting a lower file still leaves a 0/0 whiteout in the upper (%s)", strerror(r));
	}
	snprintf(p, sizeof(p), "%s/dir", ovl_merged_dir(ctx));
	{
		char q[4300];

		snprintf(q, sizeof(q), "%s/dir2", ovl_merged_dir(ctx));
		r = rename(p, q) ? errno : 0;
		e = r;
		ovl_check_errno(ctx, e ? -1 : 0, e, EXDEV, "rename of a lower dir: EXDEV, redirect_dir being off");
	}
	ovl_umount_path(ctx, ovl_merged_dir(ctx));
	ovl_umount_path(ctx, ovl_case_path(ctx, "ram"));
}

OVL_CASE(
	.number = 214,
	.slug = "backing-layer-kinds",
	.purpose = "overlay as upper refused, as lower works; a read-only upper refused; an upper without xattrs",
	.tags = "backing,mount-errors",
	.needs_root = true,
	.alone = true,		/* reads the kernel log of its mounts */
	.run = run,
);
