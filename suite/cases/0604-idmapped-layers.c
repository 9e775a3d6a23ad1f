// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Idmapped layers (overlayfs.rst: layers may be idmapped mounts, since
 * 5.19): the lower dir and the dir holding upper and work are bind mounts
 * idmapped with mount_setattr(MOUNT_ATTR_IDMAP) through a user namespace
 * whose map swaps uid and gid 0 and 1000. Through the union:
 *  - a lower file owned by 0 on disk shows as 1000, one owned by 1000 as 0
 *    (the lower mount's mapping);
 *  - a copy-up keeps the owner the union shows, and writes it to the upper
 *    disk through the upper mount's mapping (0 shown: 1000 on disk);
 *  - a file root makes shows as 0 and is 1000 on disk;
 *  - a POSIX ACL naming user 1000 on disk names user 0 through the union,
 *    and again 1000 on the upper disk after a copy-up (5.19 reported ACLs
 *    of idmapped layers unmapped).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

/* An ACL naming user uid rw- (owner rw, group none, mask rw, others none). */
static size_t acl_for(uid_t uid, unsigned char *v)
{
	static const unsigned char head[] = { 2, 0, 0, 0, 1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 6, 0 };
	static const unsigned char tail[] = { 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x10, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,
					      0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };

	memcpy(v, head, sizeof(head));
	v[16] = (unsigned char)uid;
	v[17] = (unsigned char)(uid >> 8);
	v[18] = (unsigned char)(uid >> 16);
	v[19] = (unsigned char)(uid >> 24);
	memcpy(v + 20, tail, sizeof(tail));
	return 20 + sizeof(tail);
}

/* The uid the ACL xattr name on path gives its one named user, or -1. */
static long acl_user(const char *path)
{
	unsigned char v[256];
	ssize_t n = getxattr(path, "system.posix_acl_access", v, sizeof(v));

	for (ssize_t i = 4; n > 0 && i + 8 <= n; i += 8)
		if (v[i] == 2)
			return (long)(v[i + 4] | v[i + 5] << 8 | v[i + 6] << 16 | (unsigned long)v[i + 7] << 24);
	return -1;
}

/*
 * Bind src on dst, idmapped through a user namespace whose uid and gid maps
 * swap 0 and 1000 (a child holds it while the mount takes it).
 */
static void idmapped_bind(struct ovl_ctx *ctx, const char *src, const char *dst)
{
	int go[2], ready[2], ns, fd, st;
	char path[64], c;
	pid_t pid;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };

	if (pipe2(go, O_CLOEXEC) || pipe2(ready, O_CLOEXEC))
		ovl_brok(ctx, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		ovl_brok(ctx, "fork: %s", strerror(errno));
	if (pid == 0) {
		c = unshare(CLONE_NEWUSER) ? 'n' : 'y';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1 || c != 'y')
		ovl_brok(ctx, "a user namespace for the idmapping: unshare failed");
	for (const char *const *m = (const char *const[]){ "uid_map", "gid_map", NULL }; *m; m++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, *m);
		if (ovl_write_file(path, "0 1000 1\n1000 0 1\n", 18))
			ovl_brok(ctx, "writing %s", path);
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	fd = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	attr.userns_fd = (__u64)ns;
	if (ns < 0 || fd < 0 || syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) ||
	    syscall(SYS_move_mount, fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH))
		ovl_brok(ctx, "an idmapped bind mount of %s on %s: %s", src, dst, strerror(errno));
	close(fd);
	close(ns);
	if (write(go[1], "x", 1) != 1 || waitpid(pid, &st, 0) != pid)
		ovl_brok(ctx, "the user namespace's holder did not end");
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
	ovl_log(ctx, "idmapped bind mount of %s on %s (uid and gid 0 <-> 1000)", src, dst);
}

static uid_t owner(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? (uid_t)-1 : st.st_uid;
}

static void run(struct ovl_ctx *ctx)
{
	const char *lo = ovl_case_path(ctx, "/disk/lower"), *uw = ovl_case_path(ctx, "/disk/uw");
	const char *lom = ovl_case_path(ctx, "/lower-idmapped"), *uwm = ovl_case_path(ctx, "/uw-idmapped");
	const char *m = ovl_case_path(ctx, "/merged");
	char p[4200], up[4200], work[4200];
	unsigned char acl[64];
	size_t alen = acl_for(1000, acl);
	int fd;

	for (const char *const *d = (const char *const[]){ lo, uw, lom, uwm, m, NULL }; *d; d++)
		SAFE_MKDIR_P(ctx, *d);
	snprintf(p, sizeof(p), "%s/root-owned", lo);
	SAFE_WRITE_FILE(ctx, p, "root's\n", 7);
	snprintf(p, sizeof(p), "%s/u1000", lo);
	SAFE_WRITE_FILE(ctx, p, "1000's\n", 7);
	if (chown(p, 1000, 1000))
		ovl_brok(ctx, "chown %s: %s", p, strerror(errno));
	snprintf(p, sizeof(p), "%s/acl", lo);
	SAFE_WRITE_FILE(ctx, p, "acl\n", 4);
	if (chmod(p, 0660) || setxattr(p, "system.posix_acl_access", acl, alen, 0))
		ovl_brok(ctx, "an ACL on %s: %s", p, strerror(errno));
	snprintf(up, sizeof(up), "%s/up", uw);
	snprintf(work, sizeof(work), "%s/work", uw);
	SAFE_MKDIR_P(ctx, up);
	SAFE_MKDIR_P(ctx, work);
	idmapped_bind(ctx, lo, lom);
	idmapped_bind(ctx, uw, uwm);
	snprintf(up, sizeof(up), "%s/up", uwm);
	snprintf(work, sizeof(work), "%s/work", uwm);
	if (ovl_mount_custom(ctx, &lom, 1, up, work, m, NULL)) {
		ovl_check(ctx, false, "a union of idmapped layers mounts");
		ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
		goto out;
	}
	snprintf(p, sizeof(p), "%s/root-owned", m);
	ovl_check(ctx, owner(p) == 1000, "a lower file owned by 0 on disk shows as 1000 (the lower mount's map)");
	snprintf(p, sizeof(p), "%s/u1000", m);
	ovl_check(ctx, owner(p) == 0, "a lower file owned by 1000 on disk shows as 0");
	snprintf(p, sizeof(p), "%s/acl", m);
	ovl_check(ctx, acl_user(p) == 0, "a lower ACL naming 1000 on disk names 0 through the union");
	ovl_diag(ctx, "the union's ACL names user %ld", acl_user(p));

	snprintf(p, sizeof(p), "%s/u1000", m);
	if (chmod(p, 0600))
		ovl_brok(ctx, "chmod %s: %s", p, strerror(errno));
	ovl_check(ctx, owner(p) == 0, "after its copy-up the file still shows as 0");
	snprintf(p, sizeof(p), "%s/up/u1000", uw);
	ovl_check(ctx, owner(p) == 1000, "and is 1000 on the upper disk (the upper mount's map)");
	snprintf(p, sizeof(p), "%s/acl", m);
	if (utimes(p, NULL))
		ovl_brok(ctx, "utimes %s: %s", p, strerror(errno));
	ovl_check(ctx, acl_user(p) == 0, "after its copy-up the ACL still names 0 through the union");
	snprintf(p, sizeof(p), "%s/up/acl", uw);
	ovl_check(ctx, acl_user(p) == 1000, "and names 1000 on the upper disk");
	ovl_diag(ctx, "the upper disk's ACL names user %ld", acl_user(p));
	snprintf(p, sizeof(p), "%s/new", m);
	fd = SAFE_OPEN(ctx, p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	close(fd);
	ovl_check(ctx, owner(p) == 0, "a file root makes shows as 0");
	snprintf(p, sizeof(p), "%s/up/new", uw);
	ovl_check(ctx, owner(p) == 1000, "and is 1000 on the upper disk");
	ovl_umount_path(ctx, m);
out:
	ovl_umount_path(ctx, lom);
	ovl_umount_path(ctx, uwm);
}

OVL_CASE(
	.number = 604,
	.slug = "idmapped-layers",
	.purpose = "idmapped lower and upper mounts: owners and ACLs through the union, copied up and created, as the maps say",
	.tags = "perm,copy-up",
	.needs_root = true,
	/* tmpfs takes idmapped mounts only in later kernels */
	.fs = OVL_FS_EXT4 | OVL_FS_XFS | OVL_FS_BTRFS,
	.needs_kernel = "5.19-",
	.run = run,
);
