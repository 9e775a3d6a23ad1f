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


#include "ovl-host.h"
#include "sysmount.h"
#include "target.h"
#include "ovl-common.h"

static int kernel_probe(char *why, size_t len)
{
	return ovl_kernel_fs_available("overlay", why, len);
}

int ovl_overlay_param(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/overlay/parameters/%s", name);
	return ovl_read_yes(path);
}

/* What mount(2) copies of the options (copy_mount_options(): a page, NUL-terminated). */
static size_t mount_options_max(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return (size_t)(page > 0 ? page : 4096) - 1;
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
	/* data-only layers: after "::", each below the last lower (overlayfs.rst, Data-only lower layers) */
	for (size_t i = 0; i < s->ndatas; i++) {
		ovl_buf_puts(&opts, "::");
		put_path(&opts, s->datas[i]);
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
	/*
	 * mount(2) copies one page of options and cuts the rest off without
	 * a word: a cut layer list could mount another union (fewer lowers,
	 * no upper). Refused here instead.
	 */
	if (strlen(o) > mount_options_max()) {
		snprintf(why, len, "the option string is %zu bytes; mount(2) takes %zu (one page, less its NUL): "
			 "use the new mount API (lowerdir+)", strlen(o), mount_options_max());
		free(o);
		return -E2BIG;
	}
	r = ovl_libmount("overlay", s->merged, "overlay", o, false, why, len);
	free(o);
	return r;
}

/* mount(2) with MS_REMOUNT, through libmount: ro or rw, then the options as one string. */
static int kernel_remount(const char *merged, bool readonly, const char *options, char *why, size_t len)
{
	struct ovl_buf o = OVL_BUF_INIT;
	char *s;
	int r;

	ovl_buf_printf(&o, "remount,%s%s%s", readonly ? "ro" : "rw", options && *options ? "," : "",
		       options ? options : "");
	s = ovl_buf_steal(&o);
	if (!s) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	r = ovl_libmount(NULL, merged, NULL, s, false, why, len);
	free(s);
	return r;
}

int ovl_kernel_umount(const char *merged, char *why, size_t len)
{
	return ovl_libmount(NULL, merged, NULL, NULL, true, why, len);
}

/* lowerdir+ needs the new mount API: the kernel-fsconfig target's way, without options. */
int ovl_kernel_mount_lowers_plus(const char *const *lowers, size_t nlowers, const char *upper, const char *work,
				 const char *merged, char *why, size_t len)
{
	return ovl_fsconfig_mount(lowers, nlowers, NULL, 0, upper, work, NULL, merged, why, len);
}

static const char *const kernel_can[] = {
	"every overlay option the running kernel takes, as one option string to mount(2) (libmount)",
	"lowerdir+ for many lowers (Linux 6.8 and later), data-only layers as lowerdir=A::D",
	"its defaults: the overlay module's parameters; mountinfo shows the options in force",
	"remount: mount(2) with MS_REMOUNT and the option string",
	NULL,
};

const struct ovl_target ovl_target_kernel = {
	.name = "kernel",
	.what = "the running kernel's overlayfs, via mount(2) through libmount",
	.needs_kconfig = "OVERLAY_FS",
	.probe = kernel_probe,
	.mount = kernel_mount,
	.umount = ovl_kernel_umount,
	.mount_lowers_plus = ovl_kernel_mount_lowers_plus,
	.remount = kernel_remount,
	.fstype = "overlay",
	.options_in_mountinfo = true,
	.param = ovl_overlay_param,
	.capabilities = kernel_can,
};

const struct ovl_target *const ovl_targets[] = { &ovl_target_kernel, &ovl_target_kernel_fsconfig,
						 &ovl_target_fuse_overlayfs, NULL };

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
