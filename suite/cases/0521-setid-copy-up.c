// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Set-id bits across copy-up, each call checked against the model
 * (result, merged view, upper dir):
 *  - a copy-up keeps S_ISUID and S_ISGID (utimes of a setuid/setgid file);
 *  - a chown, even root's, drops S_ISUID, and S_ISGID where group-execute
 *    is set; a setgid file without group-execute keeps S_ISGID;
 *  - a write by an ordinary user (no CAP_FSETID) drops S_ISUID, and
 *    S_ISGID where group-execute is set, though the upper file is written
 *    with the mounter's credentials;
 *  - in a setgid dir (a lower one, copied up as a new name comes), a new
 *    file takes the dir's group and a new dir S_ISGID too (a wrong model
 *    that gives the caller's group is caught here).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_UTIMES, .path = "/suid" },
		{ .kind = OVL_OP_CHOWN, .path = "/suid", .uid = 0, .gid = 0 },
		{ .kind = OVL_OP_CHOWN, .path = "/sgid-noexec", .uid = 0, .gid = 100 },
		{ .kind = OVL_OP_WRITE, .path = "/open", .flags = O_WRONLY | O_APPEND, .data = "u\n", .len = 2,
		  .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_WRITE, .path = "/open-g", .flags = O_WRONLY | O_APPEND, .data = "g\n", .len = 2,
		  .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_WRITE, .path = "/sg/new", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "n\n",
		  .len = 2, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_MKDIR, .path = "/sg/sub", .mode = 0755, .as_user = true, .as_uid = 1000, .as_gid = 1000 },
		{ .kind = OVL_OP_MKNOD, .path = "/sg/fifo", .mode = S_IFIFO | 0644 },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after a remount");
}

OVL_CASE(
	.number = 521,
	.slug = "setid-copy-up",
	.purpose = "set-id bits: kept by a copy-up, dropped by chown and by a user's write; a setgid dir's group inherited",
	.tags = "calls,copy-up,perm",
	.needs_root = true,
	.fixture = "calls/setid.tree",
	.run = run,
);
