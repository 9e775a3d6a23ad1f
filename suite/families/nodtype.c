// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An upper layer on a filesystem without d_type (ext4 made without the
 * filetype feature, xfs with ftype=0), for cases 0212 and 0213: what the
 * kernel does with it, asserted exactly, and Docker's refusal in Docker's
 * words. The filesystem image lives in the case's dir on the backing fs
 * under test, on a loop device that goes with the case.
 */
#define _GNU_SOURCE
#include "nodtype.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovl-host.h"
#include "harness.h"

/* d_type readdir of dir gives for name: DT_*, or -1 when name is not listed. */
static int listed_type(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int t = -1;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, name) == 0)
			t = de->d_type;
	if (d)
		closedir(d);
	return t;
}

/*
 * Make the image with mkfs (argv, image last), mount it, and run the
 * checks. Whether this kernel can mount such a filesystem at all is the
 * case's config gate (xfs V4 needs XFS_SUPPORT_V4); a refusal is a FAIL.
 */
void nodtype_case(struct ovl_ctx *ctx, const char *fstype, const char *const *mkfs,
				const char *docker_msg)
{
	char img[4096], fsdir[4200], lower[4200], up[4300], wk[4300], mnt[4200], p[4400], msg[1024];
	const char *argv[16], *lowers[1] = { lower };
	struct ovl_backing_info bi;
	struct ovl_err err = { "" };
	char *out = NULL;
	size_t n = 0;
	int fd, r;

	snprintf(img, sizeof(img), "%s/nodtype.img", ovl_case_dir(ctx));
	fd = SAFE_OPEN(ctx, img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (ftruncate(fd, 320ll << 20))
		ovl_brok(ctx, "ftruncate %s: %s", img, strerror(errno));
	close(fd);
	/* mkfs[0] is a program the descriptor's needs_programs names */
	argv[n++] = ovl_program(ctx, mkfs[0]);
	for (; mkfs[n] && n < 14; n++)
		argv[n] = mkfs[n];
	argv[n++] = img;
	argv[n] = NULL;
	r = ovl_exec(ctx, argv, NULL, 60, &out);
	if (r)
		ovl_brok(ctx, "%s failed (%d): %s", mkfs[0], r, out ? out : "");
	free(out);
	snprintf(fsdir, sizeof(fsdir), "%s/nodtype", ovl_case_dir(ctx));
	SAFE_MKDIR_P(ctx, fsdir);
	{
		char why[1024];
		int m = ovl_try_private_mount(ctx, img, fsdir, fstype, "loop", why, sizeof(why));

		/* the case's config gate says this kernel can (xfs V4: XFS_SUPPORT_V4): never CONF by trying */
		if (!ovl_check(ctx, m == 0, "the kernel mounts the %s made with %s%s%s", fstype, mkfs[0], m ? ": " : "",
			       m ? why : ""))
			return;
	}
	/* the library's probe and Docker's verdict */
	if (ovl_backing_probe(fsdir, &bi, &err))
		ovl_brok(ctx, "probe: %s", err.msg);
	ovl_check(ctx, !bi.d_type, "readdir on this %s gives no d_type (DT_UNKNOWN)", fstype);
	ovl_backing_docker_check(&bi, msg, sizeof(msg));
	ovl_check(ctx, strcmp(msg, docker_msg) == 0, "Docker's check refuses it with Docker's message: '%s'", msg);
	/* the kernel: mounts and warns */
	snprintf(lower, sizeof(lower), "%s/lower", ovl_case_dir(ctx));
	snprintf(up, sizeof(up), "%s/upper", fsdir);
	snprintf(wk, sizeof(wk), "%s/work", fsdir);
	snprintf(mnt, sizeof(mnt), "%s/merged", ovl_case_dir(ctx));
	SAFE_MKDIR_P(ctx, lower);
	SAFE_MKDIR_P(ctx, up);
	SAFE_MKDIR_P(ctx, wk);
	SAFE_MKDIR_P(ctx, mnt);
	snprintf(p, sizeof(p), "%s/d", lower);
	SAFE_MKDIR_P(ctx, p);
	snprintf(p, sizeof(p), "%s/a", lower);
	SAFE_WRITE_FILE(ctx, p, "x\n", 2);
	snprintf(p, sizeof(p), "%s/b", lower);
	SAFE_WRITE_FILE(ctx, p, "x\n", 2);
	snprintf(p, sizeof(p), "%s/d/c", lower);
	SAFE_WRITE_FILE(ctx, p, "x\n", 2);
	/*
	 * xino pinned off: with xino in force (the lower here is on another
	 * filesystem) readdir looks every name up for its inode number and so
	 * drops the unrecognised whiteout, a different rule from the one checked.
	 */
	r = ovl_mount_custom(ctx, lowers, 1, up, wk, mnt, "xino=off");
	ovl_check(ctx, r == 0, "overlayfs mounts an upper without d_type%s%s", r ? ": " : "",
		  r ? ovl_mount_union_reason(ctx) : "");
	if (r)
		return;
	ovl_check(ctx, strstr(ovl_last_mount_klog(ctx), "overlayfs: upper fs needs to support d_type") != NULL,
		  "and logs 'overlayfs: upper fs needs to support d_type' (logged: '%.200s')",
		  ovl_last_mount_klog(ctx));
	/* deleting a lower file: the whiteout is made, but readdir cannot tell it is one */
	snprintf(p, sizeof(p), "%s/a", mnt);
	r = unlink(p) ? errno : 0;
	ovl_check_errno(ctx, r ? -1 : 0, r, 0, "unlink of a lower file through the mount");
	r = access(p, F_OK) ? errno : 0;
	ovl_check_errno(ctx, r ? -1 : 0, r, ENOENT, "the deleted name is gone for lstat/access");
	r = listed_type(mnt, "a");
	ovl_check(ctx, r == DT_UNKNOWN, "yet readdir of the merged dir still lists it, as an unknown-type entry "
		  "(d_type %d)", r);
	snprintf(p, sizeof(p), "%s/n", mnt);
	SAFE_WRITE_FILE(ctx, p, "x\n", 2);
	r = listed_type(mnt, "n");
	ovl_check(ctx, r == DT_UNKNOWN && listed_type(mnt, "b") == DT_REG,
		  "a new (upper) file lists as unknown-type (d_type %d), a lower one as a file", r);
	/* and a dir whose lower children are all deleted cannot be removed */
	snprintf(p, sizeof(p), "%s/d/c", mnt);
	r = unlink(p) ? errno : 0;
	ovl_check_errno(ctx, r ? -1 : 0, r, 0, "unlink of the lower dir's only file");
	snprintf(p, sizeof(p), "%s/d", mnt);
	r = rmdir(p) ? errno : 0;
	ovl_check_errno(ctx, r ? -1 : 0, r, ENOTEMPTY,
			"rmdir of that dir: ENOTEMPTY (the whiteout is not recognised), where d_type gives success");
	ovl_umount_path(ctx, mnt);
	ovl_umount_path(ctx, fsdir);
}
