// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Remounting a union through the target:
 *  - read-only: a write is then EROFS, mountinfo shows ro, nothing comes
 *    up; read-write again: the write copies up as usual;
 *  - an overlay option on a remount changes nothing: mount(2) with
 *    MS_REMOUNT ignores every option, well-formed or not, as it always
 *    has (fs/overlayfs/params.c keeps that for the old API), while the new
 *    API refuses any (FSCONFIG_CMD_RECONFIGURE: EINVAL, "No changes allowed
 *    in reconfigure", ceecc2d87f00, 6.5). Either way index stays as
 *    mounted and the union is the model's.
 * A target that mounts through the new API shows its lowers as lowerdir+
 * in mountinfo; the others are taken to use mount(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static int write_errno(struct ovl_ctx *ctx, const char *rel)
{
	int fd = open(ovl_merged_path(ctx, rel), O_WRONLY | O_APPEND | O_CLOEXEC), e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, "+", 1) != 1)
		e = errno;
	close(fd);
	return e;
}

static void run(struct ovl_ctx *ctx)
{
	const char *form = ovl_target_lowers_option(ctx), *v = NULL;
	bool new_api = form && strcmp(form, "lowerdir+") == 0;
	int r, e;

	SAFE_MOUNT_UNION(ctx, "index=off");
	r = ovl_remount_with(ctx, true, NULL);
	if (r == -EOPNOTSUPP)
		ovl_conf(ctx, "%s", ovl_mount_union_reason(ctx));
	ovl_check_errno(ctx, r ? -1 : 0, -r, 0, "remount read-only");
	ovl_check(ctx, ovl_mount_is_readonly(ctx) == 1, "mountinfo shows the union read-only");
	e = write_errno(ctx, "/f");
	ovl_check_errno(ctx, e ? -1 : 0, e, EROFS, "a write to the read-only union");
	ovl_check(ctx, access(ovl_path(ctx, OVL_LAYER_UPPER, "/f"), F_OK) != 0, "the refused write copied nothing up");
	r = ovl_remount_with(ctx, false, NULL);
	ovl_check_errno(ctx, r ? -1 : 0, -r, 0, "remount read-write");
	ovl_check(ctx, ovl_mount_is_readonly(ctx) == 0, "mountinfo shows the union read-write again");
	/* read-write again: the write copies up as the model says */
	ovl_check_op(ctx, &(struct ovl_op){ .kind = OVL_OP_WRITE, .path = "/f", .flags = O_WRONLY | O_APPEND,
					   .data = "+", .len = 1 });

	r = ovl_remount_with(ctx, false, "index=on");
	ovl_check_errno(ctx, r ? -1 : 0, -r, new_api ? EINVAL : 0, "a remount that asks for index=on (%s)",
			new_api ? "the new API refuses it" : "mount(2) ignores it");
	r = ovl_remount_with(ctx, false, "index=bogus");
	ovl_check_errno(ctx, r ? -1 : 0, -r, new_api ? EINVAL : 0, "a remount with a malformed option (%s)",
			new_api ? "the new API refuses it" : "mount(2) ignores it");
	if (form)
		ovl_check(ctx, ovl_mount_option_effective(ctx, "index", &v, &(bool){ false }) == 0 && strcmp(v, "off") == 0,
			  "index is still off, as mounted");
	ovl_check(ctx, ovl_mount_is_readonly(ctx) == 0, "the union is still read-write");
	ovl_check_union(ctx, "after the remounts");
}

OVL_CASE(
	.number = 514,
	.slug = "remount",
	.purpose = "remount ro and rw through the target; overlay options on a remount change nothing",
	.tags = "options,mountinfo,readonly",
	.needs_root = true,
	.fixture = "precedence/same-name.tree",
	.run = run,
);
