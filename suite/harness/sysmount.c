// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/harness/sysmount.c - the suite's own mounts through libmount
 * (sysmount.h).
 */
#define _GNU_SOURCE
#include "sysmount.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmount.h>

#include "ovl-common.h"

int ovl_libmount(const char *source, const char *target, const char *fstype, const char *options,
		 bool umount, char *why, size_t len)
{
	struct libmnt_context *cxt = mnt_new_context();
	int r, err = 0;

	if (!cxt)
		return -ENOMEM;
	mnt_context_disable_mtab(cxt, 1);
	if (source)
		mnt_context_set_source(cxt, source);
	if (fstype)
		mnt_context_set_fstype(cxt, fstype);
	if (options)
		mnt_context_set_options(cxt, options);
	mnt_context_set_target(cxt, target);
	r = umount ? mnt_context_umount(cxt) : mnt_context_mount(cxt);
	if (r || mnt_context_get_status(cxt) != 1) {
		err = mnt_context_syscall_called(cxt) ? mnt_context_get_syscall_errno(cxt) : 0;
		if (!err)
			err = r < 0 ? -r : EINVAL;
		if (umount)
			snprintf(why, len, "umount %s: %s", target, strerror(err));
		else
			snprintf(why, len, "mount -t %s%s%s %s %s: %s", fstype, options ? " -o " : "",
				 options ? options : "", source, target, strerror(err));
	}
	mnt_free_context(cxt);
	return -err;
}

int ovl_mounts_under(const char *dir, char ***targets, size_t *n)
{
	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
	struct libmnt_fs *fs;
	size_t dlen = strlen(dir);
	char **v = NULL;
	size_t k = 0;
	int r = 0;

	*targets = NULL;
	*n = 0;
	if (!tb || !it) {
		mnt_unref_table(tb);
		mnt_free_iter(it);
		return -ENOMEM;
	}
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs);
		char **nv;

		if (!t || strncmp(t, dir, dlen) != 0 || (t[dlen] != '/' && t[dlen] != 0))
			continue;
		nv = realloc(v, (k + 1) * sizeof(*v));
		if (!nv || !(nv[k] = strdup(t))) {
			v = nv ? nv : v;
			r = -ENOMEM;
			break;
		}
		v = nv;
		k++;
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	if (r) {
		ovl_strv_free(v, k);
		return r;
	}
	*targets = v;
	*n = k;
	return 0;
}
