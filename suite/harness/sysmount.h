/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/harness/sysmount.h - the suite's own mounts through libmount: the
 * one call that mounts and unmounts (backing filesystems, a case's helper
 * mounts, the kernel target), and the mounts found below a dir.
 */
#ifndef OVL_SYSMOUNT_H
#define OVL_SYSMOUNT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Mount source on target (fstype, options) or, with umount, unmount
 * target. 0 or -errno; why gets the command it amounts to and the error.
 */
int ovl_libmount(const char *source, const char *target, const char *fstype, const char *options,
		 bool umount, char *why, size_t len);

/* Every mount point at or below dir in this mount namespace (free with ovl_strv_free). */
int ovl_mounts_under(const char *dir, char ***targets, size_t *n);

#endif
