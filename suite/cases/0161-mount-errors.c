// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Mounts overlayfs must refuse, each with its errno: a workdir on another
 * filesystem than the upper dir (EINVAL), a
 * workdir inside the upper dir, the same lower dir twice (ELOOP), a single
 * lower without an upper, and, with index=on, an upper dir already in use
 * by another mount (EBUSY; without index=on the kernel only warns). Each
 * refusal is checked, and that nothing was mounted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "ovl-common.h"

static const char *dir(struct ovl_ctx *ctx, const char *name)
{
	const char *p = ovl_work_path(ctx, name);

	if (ovl_mkdir_p(p, 0755))
		ovl_brok(ctx, "mkdir %s: %s", p, strerror(errno));
	return p;
}

/* The kernel's reason is in the case log (ovl_mount_custom logs it). A mount that was made goes again. */
static void expect(struct ovl_ctx *ctx, int r, int want, const char *what, const char *merged)
{
	ovl_check_errno(ctx, r ? -1 : 0, -r, want, "mount with %s", what);
	if (!r)
		ovl_umount_path(ctx, merged);
}

static void run(struct ovl_ctx *ctx)
{
	const char *a = ovl_layer_dir(ctx, OVL_LAYER_A), *b = ovl_layer_dir(ctx, OVL_LAYER_B);
	const char *m = dir(ctx, "/m"), *u = dir(ctx, "/u"), *w = dir(ctx, "/w");
	const char *other = dir(ctx, "/other-fs"), *ow;
	int r;

	/* A workdir on another filesystem (a tmpfs of the case's own). */
	ovl_private_mount(ctx, "ovlconform-other", other, "tmpfs", "size=1m");
	ow = ovl_work_path(ctx, "/other-fs/w");
	if (ovl_mkdir_p(ow, 0755))
		ovl_brok(ctx, "mkdir %s: %s", ow, strerror(errno));
	r = ovl_mount_custom(ctx, (const char *const[]){ a }, 1, u, ow, m, NULL);
	expect(ctx, r, EINVAL, "the workdir on another filesystem", m);
	ovl_umount_path(ctx, other);
	r = ovl_mount_custom(ctx, (const char *const[]){ a }, 1, u, dir(ctx, "/u/w-inside"), m, NULL);
	expect(ctx, r, EINVAL, "the workdir inside the upper dir", m);
	r = ovl_mount_custom(ctx, (const char *const[]){ a, a }, 2, u, w, m, NULL);
	expect(ctx, r, ELOOP, "the same lower dir twice", m);
	r = ovl_mount_custom(ctx, (const char *const[]){ a }, 1, NULL, NULL, m, NULL);
	expect(ctx, r, EINVAL, "a single lower and no upper", m);
	{
		/* A mount point shows another device than the dir holding it. */
		struct stat sm, sp;

		ovl_check(ctx, stat(m, &sm) == 0 && stat(ovl_work_dir(ctx), &sp) == 0 &&
			  sm.st_dev == sp.st_dev, "none of the refused mounts left anything on the mount point");
	}
	/* index=on: a second union on the same upper dir is refused. */
	r = ovl_mount_custom(ctx, (const char *const[]){ a }, 1, u, w, m, "index=on");
	if (r)
		ovl_conf(ctx, "index=on was refused here, so an upper dir in use cannot be tried: %s",
			 ovl_mount_union_reason(ctx));
	r = ovl_mount_custom(ctx, (const char *const[]){ b }, 1, u, dir(ctx, "/w2"), dir(ctx, "/m2"), "index=on");
	expect(ctx, r, EBUSY, "index=on and an upper dir another union uses", dir(ctx, "/m2"));
	ovl_umount_path(ctx, m);
}

OVL_CASE(
	.number = 161,
	.slug = "mount-errors",
	.purpose = "overlayfs refuses bad layer sets: work on another fs or in upper, repeated lowers, busy upper",
	.tags = "mount-errors",
	.needs_root = true,
	.run = run,
);
