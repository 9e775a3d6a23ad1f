// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * As uid 1000 without capabilities, calls to which two errors apply get the
 * one the VFS finds first. The last name is looked up before the dir's write
 * permission is asked: unlink, rmdir, rename and link of a missing name in a
 * dir the user may not write are ENOENT, and mkdir, symlink, mknod and
 * O_CREAT|O_EXCL over a name there are EEXIST, not EACCES. Where the name
 * exists the permission comes before its type: rmdir of a file and unlink of
 * a dir there are EACCES, not ENOTDIR or EISDIR; in the user's own dir rmdir
 * of a file is ENOTDIR. Search permission on a parent comes before all (mkdir
 * over a name in a dir the user may not search is EACCES, and so is lstat or
 * unlink of a missing name there); O_CREAT|O_EXCL and link over a name are
 * EEXIST before any permission; fs.protected_hardlinks (as the host has
 * it) refuses a link to root's file the user may not write (EPERM) before
 * the dir's EACCES; a dir renamed over a file is ENOTDIR before the write
 * permission its ".." needs. Each call is checked against the model
 * (result, merged view, upper dir, times, link counts).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "harness.h"

#define USER .as_user = true, .as_uid = 1000, .as_gid = 1000

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		/* a missing name in /locked (root's, 0755): ENOENT, not EACCES */
		{ .kind = OVL_OP_UNLINK, .path = "/locked/missing", USER },
		{ .kind = OVL_OP_RMDIR, .path = "/locked/missing", USER },
		{ .kind = OVL_OP_RENAME, .path = "/locked/missing", .path2 = "/home/x", USER },
		{ .kind = OVL_OP_RENAME, .path = "/home/missing", .path2 = "/locked/x", USER },
		{ .kind = OVL_OP_LINK, .path = "/home/missing", .path2 = "/locked/y", USER },
		/* a name /locked has: EEXIST, not EACCES */
		{ .kind = OVL_OP_MKDIR, .path = "/locked/f", .mode = 0755, USER },
		{ .kind = OVL_OP_SYMLINK, .path = "/locked/f", .data = "x", .len = 1, USER },
		{ .kind = OVL_OP_MKNOD, .path = "/locked/f", .mode = S_IFIFO | 0600, USER },
		{ .kind = OVL_OP_WRITE, .path = "/locked/f", .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0644,
		  .data = "x", .len = 1, USER },
		/* the dir's permission before the name's type */
		{ .kind = OVL_OP_RMDIR, .path = "/locked/f", USER },
		{ .kind = OVL_OP_UNLINK, .path = "/locked", USER },
		{ .kind = OVL_OP_RMDIR, .path = "/home/note", USER },
		/* search permission on /secret (uid 7, 0700) before EEXIST, and before ENOENT */
		{ .kind = OVL_OP_MKDIR, .path = "/secret/f", .mode = 0755, USER },
		{ .kind = OVL_OP_STAT, .path = "/secret/missing", USER },
		{ .kind = OVL_OP_UNLINK, .path = "/secret/missing", USER },
		/* O_CREAT|O_EXCL over a file the user may not write: EEXIST, not EACCES */
		{ .kind = OVL_OP_WRITE, .path = "/readonly", .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0644,
		  .data = "x", .len = 1, USER },
		/* link onto a name in a dir the user may not write: EEXIST before EACCES */
		{ .kind = OVL_OP_LINK, .path = "/home/note", .path2 = "/locked/f", USER },
		/* fs.protected_hardlinks, as the host has it: root's file the user may not write */
		{ .kind = OVL_OP_LINK, .path = "/readonly", .path2 = "/home/ln", USER },
		/* a rename that the target's type refuses, before the moved dir's ".." permission */
		{ .kind = OVL_OP_RENAME, .path = "/shared", .path2 = "/home/note", USER },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
}

OVL_CASE(
	.number = 155,
	.slug = "perm-error-order",
	.purpose = "a user's call that two errors fit gets the VFS's first: ENOENT or EEXIST before a dir's EACCES",
	.tags = "perm",
	.needs_root = true,
	.fixture = "copy-up/perm.tree",
	.run = run,
);
