// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * POSIX ACLs across copy-up:
 *  - a copy-up (utimes, model-checked) brings a lower file's access ACL up
 *    as it is (system.posix_acl_access in the upper copy, as the model's
 *    copy-up keeps every xattr but overlay's own);
 *  - the union enforces the ACL before and after the copy-up: user 1000,
 *    named in it, may read and write a mode 0660 root file; user 1001 may
 *    not (EACCES);
 *  - a file made through the union in a dir whose lower copy has a default
 *    ACL inherits it as its access ACL (user 1000 named), and the dir's
 *    copy-up keeps the default ACL.
 * A backing filesystem without POSIX ACLs is CONF.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"

/*
 * open(rel, flags) in the union as uid:gid (no supplementary groups), in a
 * child that starts in the merged dir (the scratch dir above it is root's
 * alone): 0 or the errno.
 */
static int open_as(struct ovl_ctx *ctx, const char *rel, int flags, uid_t uid)
{
	pid_t pid = fork();
	int st = 0;

	if (pid < 0)
		ovl_brok(ctx, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd;

		if (chdir(ovl_merged_dir(ctx)) || setgroups(0, NULL) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid))
			_exit(250);
		fd = open(rel + 1, flags | O_CLOEXEC);
		if (fd < 0)
			_exit(errno);
		if ((flags & O_ACCMODE) != O_RDONLY && write(fd, "", 0) < 0)
			_exit(errno);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) == 250)
		ovl_brok(ctx, "the child as uid %u did not run", (unsigned int)uid);
	return WEXITSTATUS(st);
}

/* Does the ACL xattr name on path name user uid? */
static bool acl_names_user(const char *path, const char *name, uid_t uid)
{
	unsigned char v[512];
	ssize_t n = getxattr(path, name, v, sizeof(v));

	for (ssize_t i = 4; n > 0 && i + 8 <= n; i += 8)
		if ((v[i] | v[i + 1] << 8) == 0x02 && (uid_t)(v[i + 4] | v[i + 5] << 8 | v[i + 6] << 16 | (uid_t)v[i + 7] << 24) == uid)
			return true;
	return false;
}

static void run(struct ovl_ctx *ctx)
{
	const char *path = "/f";
	int e;

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_errno(ctx, 0, 0, open_as(ctx, path, O_RDONLY, 1000), "user 1000, named in the ACL, reads the lower file");
	e = open_as(ctx, path, O_RDONLY, 1001);
	ovl_check_errno(ctx, e ? -1 : 0, e, EACCES, "user 1001, not named, may not read it");
	ovl_check_op(ctx, &(struct ovl_op){ .kind = OVL_OP_UTIMES, .path = "/f" });
	ovl_check(ctx, acl_names_user(ovl_path(ctx, OVL_LAYER_UPPER, "/f"), "system.posix_acl_access", 1000),
		  "the upper copy carries the access ACL naming user 1000");
	e = open_as(ctx, path, O_WRONLY | O_APPEND, 1000);
	ovl_check_errno(ctx, e ? -1 : 0, e, 0, "after the copy-up user 1000 writes the file (the ACL)");
	e = open_as(ctx, path, O_WRONLY | O_APPEND, 1001);
	ovl_check_errno(ctx, e ? -1 : 0, e, EACCES, "after the copy-up user 1001 still may not write it");

	/* mode 0660: the inherited mask is the group bits, rw- (with 0640 user 1000 could only read) */
	close(SAFE_OPEN(ctx, ovl_merged_path(ctx, "/d/new"), O_WRONLY | O_CREAT | O_CLOEXEC, 0660));
	ovl_check(ctx, acl_names_user(ovl_merged_path(ctx, "/d/new"), "system.posix_acl_access", 1000),
		  "a file made in a dir with a default ACL inherits it (user 1000 named)");
	ovl_check(ctx, acl_names_user(ovl_path(ctx, OVL_LAYER_UPPER, "/d"), "system.posix_acl_default", 1000),
		  "the dir's copy-up kept its default ACL");
	e = open_as(ctx, "/d/new", O_WRONLY, 1000);
	ovl_check_errno(ctx, e ? -1 : 0, e, 0, "user 1000 writes the new file, by the inherited ACL");
	e = open_as(ctx, "/d/new", O_WRONLY, 1001);
	ovl_check_errno(ctx, e ? -1 : 0, e, EACCES, "user 1001 may not write it (others get r-x, no write)");
}

OVL_CASE(
	.number = 520,
	.slug = "acl-copy-up",
	.purpose = "POSIX ACLs come up with a copy-up, are enforced before and after, and default ACLs are inherited",
	.tags = "calls,copy-up,perm",
	.needs_root = true,
	.fixture = "calls/acl.tree",
	.run = run,
);
