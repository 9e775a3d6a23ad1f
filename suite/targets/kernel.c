// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/targets/kernel.c - the kernel's overlayfs, mounted through libmount
 * (which, in Debian 12's 2.38, calls mount(2) with the classic option
 * string).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "matrix.h"
#include "sysmount.h"
#include "target.h"
#include "ovl-common.h"

static int kernel_probe(char *why, size_t len)
{
	return ovl_fs_available("overlay", why, len);
}

/* Append a layer path, escaping what the option parser would split on. */
static void put_path(struct ovl_buf *b, const char *p)
{
	for (; *p; p++) {
		if (*p == ':' || *p == ',' || *p == '\\')
			ovl_buf_putc(b, '\\');
		ovl_buf_putc(b, *p);
	}
}

static int kernel_mount(const struct ovl_union_spec *s, char *why, size_t len)
{
	struct ovl_buf opts = OVL_BUF_INIT;
	char *o;
	int r;

	ovl_buf_puts(&opts, "lowerdir=");
	for (size_t i = 0; i < s->nlowers; i++) {
		if (i)
			ovl_buf_putc(&opts, ':');
		put_path(&opts, s->lowers[i]);
	}
	if (s->upper) {
		ovl_buf_puts(&opts, ",upperdir=");
		put_path(&opts, s->upper);
		ovl_buf_puts(&opts, ",workdir=");
		put_path(&opts, s->work);
	}
	if (s->options && *s->options) {
		ovl_buf_putc(&opts, ',');
		ovl_buf_puts(&opts, s->options);
	}
	o = ovl_buf_steal(&opts);
	if (!o) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	r = ovl_libmount("overlay", s->merged, "overlay", o, false, why, len);
	free(o);
	return r;
}

static int kernel_umount(const char *merged, char *why, size_t len)
{
	return ovl_libmount(NULL, merged, NULL, NULL, true, why, len);
}

/* fsconfig(2) and friends by number: glibc's wrappers are recent. */
static int sys_fsopen(const char *fs, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fs, flags);
}

static int sys_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static int kernel_mount_lowers_plus(const char *const *lowers, size_t nlowers, const char *upper, const char *work,
				    const char *merged, char *why, size_t len)
{
	int fd = sys_fsopen("overlay", FSOPEN_CLOEXEC), mfd = -1, r = 0;
	const char *step = "fsopen";

	if (fd < 0) {
		r = -errno;
		snprintf(why, len, "fsopen(overlay): %s", strerror(errno));
		return r == -ENOSYS ? -EOPNOTSUPP : r;
	}
	step = "lowerdir+";
	for (size_t i = 0; i < nlowers && !r; i++)
		if (sys_fsconfig(fd, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0)) {
			/* refused at the first: the key itself is unknown (a kernel before 6.8) */
			r = i == 0 && errno == EINVAL ? -EOPNOTSUPP : -errno;
		}
	if (!r && upper) {
		step = "upperdir/workdir";
		if (sys_fsconfig(fd, FSCONFIG_SET_STRING, "upperdir", upper, 0) ||
		    sys_fsconfig(fd, FSCONFIG_SET_STRING, "workdir", work, 0))
			r = -errno;
	}
	if (!r) {
		step = "FSCONFIG_CMD_CREATE";
		if (sys_fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
			r = -errno;
	}
	if (!r) {
		step = "fsmount";
		mfd = (int)syscall(SYS_fsmount, fd, FSMOUNT_CLOEXEC, 0);
		if (mfd < 0)
			r = -errno;
	}
	if (!r) {
		step = "move_mount";
		if (syscall(SYS_move_mount, mfd, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH))
			r = -errno;
	}
	if (r)
		snprintf(why, len, "%s with %zu lowers: %s", step, nlowers,
			 r == -EOPNOTSUPP ? "the kernel does not know lowerdir+" : strerror(-r));
	if (mfd >= 0)
		close(mfd);
	close(fd);
	return r;
}

const struct ovl_target ovl_target_kernel = {
	.name = "kernel",
	.what = "the running kernel's overlayfs, via mount(2) through libmount",
	.needs_kconfig = "OVERLAY_FS",
	.probe = kernel_probe,
	.mount = kernel_mount,
	.umount = kernel_umount,
	.mount_lowers_plus = kernel_mount_lowers_plus,
};

const struct ovl_target *const ovl_targets[] = { &ovl_target_kernel, NULL };

/* Targets a test build adds (ovlconform-selftest's deliberately broken ones); none in ovlconform. */
extern const struct ovl_target *const ovl_extra_targets[] __attribute__((weak));

const struct ovl_target *ovl_target_find(const char *name)
{
	for (const struct ovl_target *const *t = ovl_targets; *t; t++)
		if (strcmp((*t)->name, name) == 0)
			return *t;
	for (const struct ovl_target *const *t = ovl_extra_targets; t && *t; t++)
		if (strcmp((*t)->name, name) == 0)
			return *t;
	return NULL;
}
