// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/targets/fsconfig.c - the kernel's overlayfs through the new mount
 * API: fsopen(2), one fsconfig(2) per parameter (a "lowerdir+" per lower
 * layer, a "datadir+" per data-only layer, each option its own key),
 * FSCONFIG_CMD_CREATE, fsmount(2) and move_mount(2).
 *
 * fsconfig copies a string value of at most 255 bytes (longer: EINVAL,
 * whatever the key). overlayfs takes lowerdir+ and datadir+ paths as they
 * are, but unescapes upperdir and workdir strings (a backslash escapes
 * the next byte): those go escaped as for mount(2). A layer path that long goes as the API allows: as
 * an O_PATH descriptor (FSCONFIG_SET_FD, which overlayfs takes for its
 * layers since Linux 6.13), else as the short /proc/self/fd/N name of that
 * descriptor, which the kernel's path lookup follows to the same dir.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/mount.h>
#include <sys/syscall.h>

#include "ovl-common.h"
#include "target.h"
#include "ovl-host.h"

/* The longest string fsconfig copies (fs/fsopen.c: strndup_user(value, 256)). */
#define FSCONFIG_MAX_STRING 255

static int sys_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

/*
 * One layer parameter (key "lowerdir+", "datadir+", "upperdir", "workdir"):
 * the path as a string when it fits, else as a descriptor. 0 or -errno.
 */
static int set_layer(int fd, const char *key, const char *path, char *why, size_t len)
{
	int dfd, r = 0;
	char esc[2 * FSCONFIG_MAX_STRING + 2];
	const char *value = path;

	/*
	 * lowerdir+ and datadir+ take the path as it is; upperdir and workdir
	 * strings go through overlayfs' unescaping (a backslash escapes the
	 * next byte), so a backslash in the path is given doubled, and commas
	 * and colons escaped as mount(2) gets them: mountinfo shows the string
	 * as given, which then reads back as it does for mount(2).
	 */
	if (strpbrk(path, "\\,:") && (strcmp(key, "upperdir") == 0 || strcmp(key, "workdir") == 0)) {
		size_t k = 0;

		for (const char *c = path; *c && k + 2 < sizeof(esc); c++) {
			if (*c == '\\' || *c == ',' || *c == ':')
				esc[k++] = '\\';
			esc[k++] = *c;
		}
		esc[k] = 0;
		value = esc;
	}
	if (strlen(value) <= FSCONFIG_MAX_STRING) {
		if (sys_fsconfig(fd, FSCONFIG_SET_STRING, key, value, 0) == 0)
			return 0;
		r = -errno;
		snprintf(why, len, "fsconfig(%s, \"%s\"): %s", key, value, strerror(errno));
		return r;
	}
	dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		snprintf(why, len, "open(%s, O_PATH) for %s: %s", path, key, strerror(errno));
		return r;
	}
	if (sys_fsconfig(fd, FSCONFIG_SET_FD, key, NULL, dfd) == 0) {
		close(dfd);
		return 0;
	}
	if (errno == EINVAL) {
		/* a kernel before 6.13: its layers are paths only; the descriptor's name is short */
		char name[64];

		snprintf(name, sizeof(name), "/proc/self/fd/%d", dfd);
		if (sys_fsconfig(fd, FSCONFIG_SET_STRING, key, name, 0) == 0) {
			close(dfd);
			return 0;
		}
	}
	r = -errno;
	snprintf(why, len, "fsconfig(%s) of a %zu-byte path, as a descriptor and as its /proc/self/fd name: %s", key,
		 strlen(path), strerror(errno));
	close(dfd);
	return r;
}

/* Mount attributes among the options (fsmount's, not the filesystem's), as MOUNT_ATTR_*; 0 if not one. */
static unsigned int mount_attr(const char *opt)
{
	static const struct {
		const char *name;
		unsigned int attr;
	} attrs[] = {
		{ "nosuid", MOUNT_ATTR_NOSUID },	 { "nodev", MOUNT_ATTR_NODEV },
		{ "noexec", MOUNT_ATTR_NOEXEC },	 { "noatime", MOUNT_ATTR_NOATIME },
		{ "nodiratime", MOUNT_ATTR_NODIRATIME }, { "strictatime", MOUNT_ATTR_STRICTATIME },
	};

	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (strcmp(opt, attrs[i].name) == 0)
			return attrs[i].attr;
	return 0;
}

/*
 * Each comma-separated option as its own parameter: key=value a string,
 * a bare key a flag (as the kernel's legacy parser splits a mount(2)
 * option string). Mount attributes go to *attrs for fsmount.
 */
static int set_options(int fd, const char *options, unsigned int *attrs, char *why, size_t len)
{
	char *copy, *tok, *save = NULL;
	int r = 0;

	if (!options || !*options)
		return 0;
	copy = strdup(options);
	if (!copy) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ",", &save); tok && !r; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		unsigned int a = mount_attr(tok);

		if (a) {
			*attrs |= a;
			continue;
		}
		if (eq)
			*eq = 0;
		if (sys_fsconfig(fd, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, tok, eq ? eq + 1 : NULL, 0)) {
			r = -errno;
			snprintf(why, len, "fsconfig(%s%s%s): %s", tok, eq ? "=" : "", eq ? eq + 1 : "", strerror(errno));
		}
	}
	free(copy);
	return r;
}

/* The kernel's own words on a refused parameter (the context's message log), appended to why. */
static void add_fc_log(int fd, char *why, size_t len)
{
	char msg[512];
	ssize_t n;

	while ((n = read(fd, msg, sizeof(msg) - 1)) > 0) {
		size_t w = strlen(why);

		msg[n] = 0;
		msg[strcspn(msg, "\n")] = 0;
		snprintf(why + w, len - w, "; fs context: %s", msg);
	}
}

int ovl_fsconfig_mount(const char *const *lowers, size_t nlowers, const char *const *datas, size_t ndatas,
		       const char *upper, const char *work, const char *options, const char *merged, char *why,
		       size_t len)
{
	int fd = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC), mfd = -1, r = 0;
	unsigned int attrs = 0;

	*why = 0;
	if (fd < 0) {
		r = -errno;
		snprintf(why, len, "fsopen(overlay): %s", strerror(errno));
		return r == -ENOSYS ? -EOPNOTSUPP : r;
	}
	for (size_t i = 0; i < nlowers && !r; i++) {
		r = set_layer(fd, "lowerdir+", lowers[i], why, len);
		/* refused at the first: the key itself is unknown (a kernel before 6.7) */
		if (r == -EINVAL && i == 0) {
			r = -EOPNOTSUPP;
			snprintf(why, len, "the kernel does not know lowerdir+ (Linux 6.7 added it)");
		}
	}
	for (size_t i = 0; i < ndatas && !r; i++)
		r = set_layer(fd, "datadir+", datas[i], why, len);
	if (!r && upper)
		r = set_layer(fd, "upperdir", upper, why, len);
	if (!r && work)
		r = set_layer(fd, "workdir", work, why, len);
	if (!r)
		r = set_options(fd, options, &attrs, why, len);
	if (!r && sys_fsconfig(fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		r = -errno;
		snprintf(why, len, "FSCONFIG_CMD_CREATE with %zu lowers: %s", nlowers, strerror(errno));
	}
	if (!r) {
		mfd = (int)syscall(SYS_fsmount, fd, FSMOUNT_CLOEXEC, attrs);
		if (mfd < 0) {
			r = -errno;
			snprintf(why, len, "fsmount: %s", strerror(errno));
		}
	}
	if (!r && syscall(SYS_move_mount, mfd, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH)) {
		r = -errno;
		snprintf(why, len, "move_mount to %s: %s", merged, strerror(errno));
	}
	if (r && r != -EOPNOTSUPP)
		add_fc_log(fd, why, len);
	if (mfd >= 0)
		close(mfd);
	close(fd);
	return r;
}

/* fspick(2), ro or rw, each option its own parameter, FSCONFIG_CMD_RECONFIGURE. */
int ovl_fsconfig_remount(const char *merged, bool readonly, const char *options, char *why, size_t len)
{
	int fd = (int)syscall(SYS_fspick, AT_FDCWD, merged, FSPICK_CLOEXEC), r = 0;
	unsigned int attrs = 0;

	*why = 0;
	if (fd < 0) {
		r = -errno;
		snprintf(why, len, "fspick(%s): %s", merged, strerror(errno));
		return r;
	}
	if (sys_fsconfig(fd, FSCONFIG_SET_FLAG, readonly ? "ro" : "rw", NULL, 0)) {
		r = -errno;
		snprintf(why, len, "fsconfig(%s): %s", readonly ? "ro" : "rw", strerror(errno));
	}
	if (!r)
		r = set_options(fd, options, &attrs, why, len);
	if (!r && sys_fsconfig(fd, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0)) {
		r = -errno;
		snprintf(why, len, "FSCONFIG_CMD_RECONFIGURE of %s: %s", merged, strerror(errno));
	}
	if (r)
		add_fc_log(fd, why, len);
	close(fd);
	return r;
}

static int fsconfig_probe(char *why, size_t len)
{
	int fd;

	/* it gives layers as lowerdir+ (6.7): an older kernel is told by its release, not by a refusal */
	if (!ovl_kernel_has_feature("overlay-lowerdir-plus", NULL, why, len))
		return -EOPNOTSUPP;
	fd = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fd < 0) {
		int r = -errno;

		snprintf(why, len, "fsopen(overlay): %s", strerror(errno));
		return r == -ENOSYS ? -EOPNOTSUPP : r;
	}
	close(fd);
	return 0;
}

static int fsconfig_mount(const struct ovl_union_spec *s, char *why, size_t len)
{
	return ovl_fsconfig_mount(s->lowers, s->nlowers, s->datas, s->ndatas, s->upper, s->work, s->options,
				  s->merged, why, len);
}

static const char *const fsconfig_can[] = {
	"every overlay option the running kernel takes, each its own fsconfig(2) parameter",
	"one lowerdir+ per lower and datadir+ per data-only layer (Linux 6.7 and later: older kernels are not usable)",
	"layer paths over fsconfig's 255-byte string limit: as O_PATH descriptors (6.13+) or /proc/self/fd names",
	"its defaults: the overlay module's parameters; mountinfo shows the options in force",
	"remount: fspick(2), each option its own parameter, FSCONFIG_CMD_RECONFIGURE",
	NULL,
};

const struct ovl_target ovl_target_kernel_fsconfig = {
	.name = "kernel-fsconfig",
	.what = "the running kernel's overlayfs, via fsopen(2)/fsconfig(2)/fsmount(2)",
	.needs_kconfig = "OVERLAY_FS",
	.probe = fsconfig_probe,
	.mount = fsconfig_mount,
	.umount = ovl_kernel_umount,
	.mount_lowers_plus = ovl_kernel_mount_lowers_plus,
	.remount = ovl_fsconfig_remount,
	.implementation = "kernel",
	.fstype = "overlay",
	.options_in_mountinfo = true,
	.lowers_option = "lowerdir+",
	.param = ovl_overlay_param,
	.capabilities = fsconfig_can,
};
