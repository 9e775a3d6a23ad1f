// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/host/backing.c - probing a backing filesystem as overlayfs and Docker
 * need it. See ovl-host.h.
 */
#define _GNU_SOURCE
#include "ovl-host.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ovl-common.h"

/* The statfs magics Docker names backing filesystems by (its graphdriver table). */
static const struct {
	unsigned long magic;
	const char *name;
} names[] = {
	{ 0xEF53, "extfs" },	 { 0x58465342, "xfs" },	    { 0x9123683E, "btrfs" }, { 0x01021994, "tmpfs" },
	{ 0x794C7630, "overlayfs" }, { 0x2FC12FC1, "zfs" }, { 0x6969, "nfs" },	     { 0xF15F, "ecryptfs" },
	{ 0x61756673, "aufs" },	 { 0x65735546, "fuse" },    { 0x858458F6, "ramfs" }, { 0x4D44, "msdos" },
	{ 0x73717368, "squashfs" },
};

const char *ovl_backing_fs_name(unsigned long magic)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].magic == magic)
			return names[i].name;
	return NULL;
}

/* readdir of dir gives a non-DT_UNKNOWN type for the entry name? */
static bool has_d_type(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool typed = false;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, name) == 0)
			typed = de->d_type != DT_UNKNOWN;
	if (d)
		closedir(d);
	return typed;
}

int ovl_backing_probe(const char *dir, struct ovl_backing_info *out, struct ovl_err *err)
{
	char probe[4096], p[4200], q[4200];
	struct statfs sf;
	int fd;

	memset(out, 0, sizeof(*out));
	if (statfs(dir, &sf))
		return ovl_err_set(err, errno, "statfs %s: %s", dir, strerror(errno));
	out->magic = (unsigned long)sf.f_type;
	out->name = ovl_backing_fs_name(out->magic) ? ovl_backing_fs_name(out->magic) : "unknown";
	snprintf(probe, sizeof(probe), "%s/.ovl-backing-probe.%d", dir, (int)getpid());
	if (mkdir(probe, 0700)) {
		if (errno == EROFS) {
			out->read_only = true;
			return 0;
		}
		return ovl_err_set(err, errno, "mkdir %s: %s", probe, strerror(errno));
	}
	snprintf(p, sizeof(p), "%s/f", probe);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;

		ovl_remove_tree(probe);
		return ovl_err_set(err, e, "create %s: %s", p, strerror(e));
	}
	close(fd);
	out->d_type = has_d_type(probe, "f");
	out->trusted_xattr = setxattr(p, "trusted.ovlconform.probe", "1", 1, 0) == 0;
	out->user_xattr = setxattr(p, "user.ovlconform.probe", "1", 1, 0) == 0;
	snprintf(q, sizeof(q), "%s/g", probe);
	out->rename_whiteout = renameat2(AT_FDCWD, p, AT_FDCWD, q, RENAME_WHITEOUT) == 0;
	fd = open(probe, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	out->o_tmpfile = fd >= 0;
	if (fd >= 0)
		close(fd);
	if (ovl_remove_tree(probe))
		return ovl_err_set(err, EIO, "removing %s", probe);
	return 0;
}

int ovl_backing_docker_check(const struct ovl_backing_info *bi, char *msg, size_t len)
{
	static const char *const refused[] = { "aufs", "ecryptfs", "nfs", "overlayfs", "zfs" };

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strcmp(bi->name, refused[i]) == 0) {
			snprintf(msg, len, "'overlay2' is not supported over %s", bi->name);
			return -EINVAL;
		}
	if (!bi->d_type) {
		/* Docker's ErrDTypeNotSupported, word for word, as the daemon prints it */
		snprintf(msg, len,
			 "overlay2: the backing %s filesystem is formatted without d_type support, which leads to "
			 "incorrect behavior.%s Backing filesystems without d_type support are not supported.",
			 bi->name,
			 strcmp(bi->name, "xfs") == 0 ? " Reformat the filesystem with ftype=1 to enable d_type support."
			 : strcmp(bi->name, "extfs") == 0 ? " Reformat the filesystem (or use tune2fs) with -O filetype "
							    "flag to enable d_type support."
							  : "");
		return -EINVAL;
	}
	msg[0] = 0;
	return 0;
}
