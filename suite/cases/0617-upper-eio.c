// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An upper layer whose device fails: the upper and work dirs are on an ext4
 * of their own, on a device-mapper device over a loop device, which the
 * case switches to dm's "error" target (every I/O fails with EIO) and back.
 *  - Before the failure a file is copied up, written and synced.
 *  - While the device fails, the copy-up of a 1 MiB lower file fails (the
 *    upper's EIO, or EROFS once ext4 has given up on its journal) and the
 *    union still shows the lower file, whole and unchanged.
 *  - After the device recovers (linear again; ext4 and the union mounted
 *    anew), the union is consistent: the synced change is there, nothing
 *    of the failed copy-up is in the upper or the work dir, the merged
 *    view is the model's merge of the layers, the lower is untouched.
 * The dm device is marked for deferred removal as soon as it exists, and
 * the loop device clears itself on its last close (the case holds it open
 * while dm's error table lets go of it): both go when the case's mounts
 * and files go, so a killed case leaves neither.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-host.h"
#include "ovl-common.h"

/* pinned: the layers are on two filesystems, where xino=auto decides by itself */
#define OPTS "xino=off"

#define IMG_MIB 64
#define SECTORS ((unsigned long)IMG_MIB * 2048)
#define BIG (1U << 20)

/* Attach img to a free loop device that clears itself on its last close: the fd (and its path in dev). */
static int loop_attach(struct ovl_ctx *ctx, const char *img, char *dev, size_t len)
{
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC), ffd = open(img, O_RDWR | O_CLOEXEC);

	if (ctl < 0 || ffd < 0)
		ovl_brok(ctx, "%s: %s", ctl < 0 ? "/dev/loop-control" : img, strerror(errno));
	for (int tries = 0; tries < 20; tries++) {
		struct loop_config cfg = { .fd = (__u32)ffd, .info.lo_flags = LO_FLAGS_AUTOCLEAR };
		int n = ioctl(ctl, LOOP_CTL_GET_FREE), lfd;

		if (n < 0)
			break;
		snprintf(dev, len, "/dev/loop%d", n);
		lfd = open(dev, O_RDWR | O_CLOEXEC);
		if (lfd >= 0 && ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0) {
			close(ctl);
			close(ffd);
			return lfd;
		}
		if (lfd >= 0)
			close(lfd);
	}
	ovl_brok(ctx, "no loop device for %s: %s", img, strerror(errno));
}

static void dmsetup(struct ovl_ctx *ctx, const char *const *args)
{
	const char *argv[16] = { ovl_program(ctx, "dmsetup"), "--noudevsync" };
	size_t n = 2;
	char *out = NULL;
	int st;

	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	st = ovl_exec(ctx, argv, NULL, 60, &out);
	if (st)
		ovl_brok(ctx, "dmsetup %s %s: status %d: %s", argv[2], argv[3] ? argv[3] : "", st, out ? out : "");
	free(out);
}

/* The device's table: a linear map of the loop device, or dm's error target. */
static void set_table(struct ovl_ctx *ctx, const char *name, const char *loop, bool fail)
{
	char table[128];

	if (fail)
		snprintf(table, sizeof(table), "0 %lu error", SECTORS);
	else
		snprintf(table, sizeof(table), "0 %lu linear %s 0", SECTORS, loop);
	dmsetup(ctx, (const char *const[]){ "suspend", name, NULL });
	dmsetup(ctx, (const char *const[]){ "reload", name, "--table", table, NULL });
	dmsetup(ctx, (const char *const[]){ "resume", name, NULL });
	ovl_log(ctx, "dm device %s: %s", name, table);
}

static void mount_all(struct ovl_ctx *ctx, const char *mapper, const char *updev, const char *lower, const char *m)
{
	char u[4200], w[4200];

	ovl_private_mount(ctx, mapper, updev, "ext4", NULL);
	snprintf(u, sizeof(u), "%s/u", updev);
	snprintf(w, sizeof(w), "%s/w", updev);
	SAFE_MKDIR_P(ctx, u);
	SAFE_MKDIR_P(ctx, w);
	if (ovl_mount_custom(ctx, &lower, 1, u, w, m, OPTS))
		ovl_brok(ctx, "the union over the dm-backed upper: %s", ovl_mount_union_reason(ctx));
}

static void run(struct ovl_ctx *ctx)
{
	const char *img = ovl_case_path(ctx, "/upper.img"), *updev = ovl_case_path(ctx, "/updev");
	const char *lower = ovl_case_path(ctx, "/lower"), *m = ovl_case_path(ctx, "/merged");
	char loop[64], name[64], mapper[128], table[128], p[4200], u[4200], *big = malloc(BIG), *got = NULL;
	unsigned int rnd = 0;
	size_t len = 0;
	int lfd, hold, fd, r, e;

	if (!big)
		ovl_brok(ctx, "out of memory");
	r = ovl_kernel_module_load("dm-mod");
	if (access("/dev/mapper/control", F_OK))
		ovl_conf(ctx, "no device-mapper here (/dev/mapper/control: %s; loading dm-mod: %s)", strerror(errno),
			 r ? strerror(-r) : "done");
	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)('A' + i % 19);
	SAFE_MKDIR_P(ctx, lower);
	SAFE_MKDIR_P(ctx, updev);
	SAFE_MKDIR_P(ctx, m);
	snprintf(p, sizeof(p), "%s/keep", lower);
	SAFE_WRITE_FILE(ctx, p, "kept\n", 5);
	snprintf(p, sizeof(p), "%s/big", lower);
	SAFE_WRITE_FILE(ctx, p, big, BIG);
	fd = SAFE_OPEN(ctx, img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (ftruncate(fd, (off_t)IMG_MIB << 20))
		ovl_brok(ctx, "ftruncate %s: %s", img, strerror(errno));
	close(fd);

	lfd = loop_attach(ctx, img, loop, sizeof(loop));
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		ovl_brok(ctx, "getrandom: %s", strerror(errno));
	snprintf(name, sizeof(name), "ovlconform-%08x", rnd);
	snprintf(mapper, sizeof(mapper), "/dev/mapper/%s", name);
	snprintf(table, sizeof(table), "0 %lu linear %s 0", SECTORS, loop);
	dmsetup(ctx, (const char *const[]){ "create", name, "--table", table, NULL });
	dmsetup(ctx, (const char *const[]){ "mknodes", name, NULL });
	/* held open, then marked: it goes by itself when the last user (the mount) lets go */
	hold = open(mapper, O_RDONLY | O_CLOEXEC);
	if (hold < 0)
		ovl_brok(ctx, "open %s: %s", mapper, strerror(errno));
	dmsetup(ctx, (const char *const[]){ "remove", "--deferred", name, NULL });
	r = ovl_exec(ctx, (const char *const[]){ ovl_program(ctx, "mkfs.ext4"), "-q", "-F", mapper, NULL }, NULL, 120, NULL);
	if (r)
		ovl_brok(ctx, "mkfs.ext4 %s: status %d", mapper, r);
	mount_all(ctx, mapper, updev, lower, m);
	close(hold);
	snprintf(u, sizeof(u), "%s/u", updev);

	/* before: a copy-up, written and synced */
	snprintf(p, sizeof(p), "%s/keep", m);
	fd = SAFE_OPEN(ctx, p, O_WRONLY | O_APPEND | O_CLOEXEC, 0);
	ovl_check(ctx, write(fd, "synced\n", 7) == 7 && fsync(fd) == 0 && syncfs(fd) == 0,
		  "before the failure: a copy-up, a write, fsync and syncfs");
	close(fd);

	set_table(ctx, name, loop, true);
	snprintf(p, sizeof(p), "%s/big", m);
	fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	e = fd < 0 ? errno : 0;
	if (fd >= 0) {
		e = write(fd, "+", 1) == 1 && fsync(fd) == 0 ? 0 : errno;
		close(fd);
	}
	ovl_check(ctx, e == EIO || e == EROFS, "while the upper's device fails, the copy-up and write of a 1 MiB lower "
		  "file fail with the upper's error (EIO, or EROFS once ext4 gave up)");
	ovl_diag(ctx, "the copy-up and write: %s", e ? strerrorname_np(e) : "success");
	ovl_check(ctx, ovl_read_file(p, &got, &len, 2 * BIG) == 0 && len == BIG && memcmp(got, big, BIG) == 0,
		  "meanwhile the union shows the lower file, whole and unchanged");
	free(got);
	got = NULL;

	/*
	 * recovery: the device maps the disk again; ext4 and the union are
	 * mounted anew (held open meanwhile, or the deferred removal takes it)
	 */
	hold = open(mapper, O_RDONLY | O_CLOEXEC);
	if (hold < 0)
		ovl_brok(ctx, "open %s: %s", mapper, strerror(errno));
	ovl_umount_path(ctx, m);
	ovl_umount_path(ctx, updev);
	set_table(ctx, name, loop, false);
	mount_all(ctx, mapper, updev, lower, m);
	close(hold);
	snprintf(p, sizeof(p), "%s/keep", m);
	ovl_check(ctx, ovl_file_is(p, "kept\nsynced\n", 12), "after recovery the change synced before the failure is there");
	snprintf(p, sizeof(p), "%s/big", u);
	{
		struct stat st;

		ovl_check(ctx, lstat(p, &st) && errno == ENOENT, "nothing of the failed copy-up is in the upper dir");
	}
	snprintf(p, sizeof(p), "%s/w/work", updev);
	r = ovl_dir_names(p, NULL, 0);
	ovl_check(ctx, r == 0, "nor in the work dir");
	ovl_diag(ctx, "%s holds %d names", p, r);
	ovl_use_union(ctx, m, u, &lower, 1, OPTS);
	ovl_check_union(ctx, "after recovery: the merged view is the model's merge of the layers");
	snprintf(p, sizeof(p), "%s/big", lower);
	ovl_check(ctx, ovl_file_is(p, big, BIG), "the lower file is untouched");
	ovl_umount_path(ctx, m);
	ovl_umount_path(ctx, updev);
	close(lfd);
	free(big);
}

OVL_CASE(
	.number = 617,
	.slug = "upper-eio",
	.purpose = "an upper whose device fails (dm error target): copy-up fails with its error, nothing partial shows, "
		   "and the union is consistent after the device recovers",
	.tags = "copy-up,backing",
	.needs_root = true,
	.needs_kconfig = "CONFIG_BLK_DEV_DM",
	.needs_programs = "dmsetup,mkfs.ext4",
	.timeout = 120,
	.run = run,
);
