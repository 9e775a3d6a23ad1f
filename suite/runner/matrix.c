// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE
#include "matrix.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmount.h>

#include "exec.h"
#include "sysmount.h"
#include "harness.h"
#include "ovl-common.h"
#include "ovl-host.h"

static const struct {
	const char *name, *mkfs, *package;
	unsigned long long image_size;
	const char *const *mkfs_args;
} kinds[OVL_NR_BACKING] = {
	[OVL_BACKING_TMPFS] = { "tmpfs", NULL, NULL, 0, NULL },
	[OVL_BACKING_EXT4] = { "ext4", "mkfs.ext4", "e2fsprogs", 256ULL << 20,
			       (const char *const[]){ "-q", "-F", NULL } },
	/* xfsprogs 6.x refuses filesystems under 300 MB; the file is sparse. */
	[OVL_BACKING_XFS] = { "xfs", "mkfs.xfs", "xfsprogs", 512ULL << 20,
			      (const char *const[]){ "-q", "-f", NULL } },
	/*
	 * btrfs frees deleted extents only at a transaction commit: 256 MiB ran
	 * out (ENOSPC) under a 64 MiB copy-up with two cases at once; the file
	 * is sparse.
	 */
	[OVL_BACKING_BTRFS] = { "btrfs", "mkfs.btrfs", "btrfs-progs", 512ULL << 20,
				(const char *const[]){ "-q", "-f", NULL } },
};

const char *ovl_backing_name(enum ovl_backing_kind kind)
{
	return (unsigned int)kind < OVL_NR_BACKING ? kinds[kind].name : "?";
}

int ovl_backing_parse(const char *list, unsigned int *mask, char *why, size_t len)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !r; tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		if (strcmp(tok, "all") == 0) {
			*mask |= (1u << OVL_NR_BACKING) - 1;
			continue;
		}
		for (int k = 0; k < OVL_NR_BACKING; k++)
			if (strcmp(tok, kinds[k].name) == 0) {
				*mask |= 1u << k;
				found = true;
			}
		if (!found) {
			snprintf(why, len, "unknown backing filesystem '%s' (known: tmpfs, ext4, xfs, "
				 "btrfs, all)", tok);
			r = -EINVAL;
		}
	}
	if (!r && !*mask) {
		snprintf(why, len, "no backing filesystem given");
		r = -EINVAL;
	}
	free(copy);
	return r;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Find an executable in the usual places (root's PATH may lack /sbin). */
static int find_exe(const char *name, char *out, size_t len)
{
	return ovl_find_program(name, out, len);
}

/* Run argv with its output in log; the last non-empty line of it in last (a one-line reason). */
static int run_cmd(char *const argv[], FILE *log, int timeout_s, int *status, char *last, size_t lastlen)
{
	char *out = NULL, *best = NULL;
	int r = ovl_run_program((const char *const *)argv, NULL, (unsigned int)timeout_s, log, &out, status);

	for (char *line = out ? strtok(out, "\n") : NULL; line; line = strtok(NULL, "\n"))
		if (*line)
			best = line;
	snprintf(last, lastlen, "%s", best ? best : "");
	free(out);
	return r;
}

/* The source (device) mounted on target, from this namespace's mountinfo. */
static int mount_source(const char *target, char *out, size_t len)
{
	struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
	struct libmnt_fs *fs;
	int r = -ENOENT;

	if (!tb)
		return -errno ? -errno : -ENOMEM;
	fs = mnt_table_find_target(tb, target, MNT_ITER_BACKWARD);
	if (fs && mnt_fs_get_source(fs)) {
		snprintf(out, len, "%s", mnt_fs_get_source(fs));
		r = 0;
	}
	mnt_unref_table(tb);
	return r;
}

static void __attribute__((format(printf, 3, 4)))
set_reason(struct ovl_backing *b, enum ovl_outcome o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->reason, sizeof(b->reason), fmt, ap);
	va_end(ap);
	b->outcome = o;
}
#define SET set_reason

int ovl_backing_setup(struct ovl_backing *b, enum ovl_backing_kind kind, const char *dir, FILE *log)
{
	double t0 = now();
	char why[1024] = "", mkfs[PATH_MAX], last[512] = "";
	int r, status = 0;

	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->name = kinds[kind].name;
	b->bit = 1u << kind;
	b->outcome = OVL_PASS;
	snprintf(b->mnt, sizeof(b->mnt), "%s/fs-%s", dir, b->name);
	if (mkdir(b->mnt, 0755) && errno != EEXIST) {
		SET(b, OVL_BROK, "mkdir %s: %s", b->mnt, strerror(errno));
		return -errno;
	}
	r = ovl_kernel_fs_available(b->name, why, sizeof(why));
	if (r) {
		SET(b, OVL_CONF, "%s", why);
		return r;
	}
	if (kind == OVL_BACKING_TMPFS) {
		r = ovl_libmount("tmpfs", b->mnt, "tmpfs", "size=1g,mode=0755", false, why, sizeof(why));
		if (r) {
			SET(b, OVL_BROK, "%s", why);
			return r;
		}
		snprintf(b->source, sizeof(b->source), "tmpfs");
		b->mounted = true;
		goto done;
	}
	if (find_exe(kinds[kind].mkfs, mkfs, sizeof(mkfs))) {
		SET(b, OVL_CONF, "%s not found in /usr/sbin, /sbin, /usr/bin or /bin (Debian package %s)",
		    kinds[kind].mkfs, kinds[kind].package);
		return -ENOENT;
	}
	snprintf(b->image, sizeof(b->image), "%s/%s.img", dir, b->name);
	{
		int fd = open(b->image, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || ftruncate(fd, (off_t)kinds[kind].image_size)) {
			SET(b, OVL_BROK, "creating image %s: %s", b->image, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -EIO;
		}
		close(fd);
	}
	{
		const char *argv[8];
		size_t n = 0;

		argv[n++] = mkfs;
		for (const char *const *a = kinds[kind].mkfs_args; *a; a++)
			argv[n++] = *a;
		argv[n++] = b->image;
		argv[n] = NULL;
		r = run_cmd((char *const *)argv, log, 120, &status, last, sizeof(last));
	}
	if (r || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		SET(b, OVL_CONF, "%s could not make %s on %s: %s", kinds[kind].mkfs, b->name, b->image,
		    r ? strerror(-r) : *last ? last : "non-zero exit");
		unlink(b->image);
		return r ? r : -EIO;
	}
	r = ovl_libmount(b->image, b->mnt, b->name, "loop", false, why, sizeof(why));
	if (r) {
		SET(b, OVL_BROK, "%s", why);
		unlink(b->image);
		return r;
	}
	b->mounted = true;
	mount_source(b->mnt, b->source, sizeof(b->source));
done:
	b->setup_seconds = now() - t0;
	fprintf(log, "made %s on %s (%s) in %.2f s\n", b->name, b->mnt,
		*b->source ? b->source : "?", b->setup_seconds);
	fflush(log);
	return 0;
}

static bool loop_attached(const char *dev)
{
	char path[PATH_MAX];
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	char *s = NULL;
	bool attached;

	snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", name);
	attached = ovl_read_file(path, &s, NULL, PATH_MAX) == 0;
	free(s);
	return attached;
}

static int loop_detach(const char *dev)
{
	int fd = open(dev, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, LOOP_CLR_FD, 0))
		r = -errno;
	close(fd);
	return r;
}

int ovl_backing_teardown(struct ovl_backing *b, FILE *log, char *why, size_t len)
{
	int r = 0;
	bool loop = strncmp(b->source, "/dev/loop", 9) == 0;

	*why = 0;
	if (b->mounted) {
		r = ovl_libmount(NULL, b->mnt, NULL, NULL, true, why, len);
		if (r)
			return r;
		b->mounted = false;
	}
	if (loop) {
		/* Auto-clear runs when the last user goes; give it a moment. */
		for (int i = 0; i < 200 && loop_attached(b->source); i++)
			usleep(10000);
		if (loop_attached(b->source)) {
			r = loop_detach(b->source);
			snprintf(why, len, "%s still attached after umount of %s%s%s", b->source, b->mnt,
				 r ? "; LOOP_CLR_FD: " : "; detached it", r ? strerror(-r) : "");
			r = -EBUSY;
		}
	}
	if (*b->image && unlink(b->image) && errno != ENOENT && !r) {
		snprintf(why, len, "unlink %s: %s", b->image, strerror(errno));
		r = -errno;
	}
	rmdir(b->mnt);
	fprintf(log, "tore down %s%s%s\n", b->name, *why ? ": " : "", why);
	return r;
}

int ovl_loop_detach_under(const char *dir, FILE *notes)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	size_t dlen = strlen(dir);
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[PATH_MAX], dev[PATH_MAX];
		char *s = NULL;

		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", de->d_name);
		if (ovl_read_file(path, &s, NULL, PATH_MAX))
			continue;
		s[strcspn(s, "\n")] = 0;
		if (strncmp(s, dir, dlen) == 0 && (s[dlen] == '/' || s[dlen] == 0)) {
			int r;

			snprintf(dev, sizeof(dev), "/dev/%s", de->d_name);
			r = loop_detach(dev);
			if (notes)
				fprintf(notes, "ovlconform: stale loop device %s (%s): %s\n", dev, s,
					r ? strerror(-r) : "detached");
			if (!r)
				n++;
		}
		free(s);
	}
	closedir(d);
	return n;
}
