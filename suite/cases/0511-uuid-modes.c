// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uuid= (overlayfs.rst, "UUID and fsid"), each mode on a fresh upper dir:
 *  - on: a uuid is made and stored in trusted.overlay.uuid on the upper
 *    dir's root; the union's fsid (statfs f_fsid) comes from it, so it is
 *    not the upper filesystem's, and it stays the same across a remount;
 *  - auto (the default): on a new upper dir, as on;
 *  - null: no uuid; the fsid is the upper filesystem's; nothing stored;
 *  - off: as null, and the origin file handles that copy-up records carry
 *    a null uuid (the layers' uuids ignored).
 * Linux 6.6 brought null, auto and on (CONF before).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

static const char *dir(struct ovl_ctx *ctx, const char *mode, const char *what, char *buf)
{
	snprintf(buf, 4096, "%s/%s-%s", ovl_case_dir(ctx), mode, what);
	if (ovl_mkdir_p(buf, 0755))
		ovl_brok(ctx, "mkdir %s: %s", buf, strerror(errno));
	return buf;
}

static bool fsid_eq(const char *a, const char *b, bool *ok)
{
	struct statfs x, y;

	*ok = statfs(a, &x) == 0 && statfs(b, &y) == 0;
	return *ok && memcmp(&x.f_fsid, &y.f_fsid, sizeof(x.f_fsid)) == 0;
}

static void run(struct ovl_ctx *ctx)
{
	static const char *const modes[] = { "on", "auto", "null", "off" };
	const char *lowers[] = { ovl_layer_dir(ctx, OVL_LAYER_A), ovl_layer_dir(ctx, OVL_LAYER_B),
				 ovl_layer_dir(ctx, OVL_LAYER_C) };
	bool has_uuid = strcmp(ovl_backing_fs(ctx), "tmpfs") != 0;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		const char *mode = modes[i];
		char u[4096], w[4096], m[4096], opts[64], p[4200];
		unsigned char id[64], id2[64], origin[64];
		ssize_t n, n2 = -1, no;
		bool stored, ok = false, same;

		snprintf(opts, sizeof(opts), "uuid=%s,index=off", mode);
		dir(ctx, mode, "upper", u);
		dir(ctx, mode, "work", w);
		dir(ctx, mode, "merged", m);
		if (ovl_mount_custom(ctx, lowers, 3, u, w, m, opts)) {
			ovl_check(ctx, false, "uuid=%s: the union mounts", mode);
			ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
			continue;
		}
		n = getxattr(u, "trusted.overlay.uuid", id, sizeof(id));
		stored = strcmp(mode, "on") == 0 || strcmp(mode, "auto") == 0;
		if (stored)
			ovl_check(ctx, n == 16, "uuid=%s: a 16-byte uuid is stored on the upper root", mode);
		else
			ovl_check(ctx, n < 0 && errno == ENODATA, "uuid=%s: no uuid is stored on the upper root", mode);
		same = fsid_eq(m, u, &ok);
		ovl_check(ctx, ok && same == !stored, "uuid=%s: the union's fsid %s the upper filesystem's", mode,
			  stored ? "is not" : "is");
		/* a copy-up records where it came from: the lower's file handle, with its filesystem's uuid */
		snprintf(p, sizeof(p), "%s/f", m);
		if (chmod(p, 0600) == 0) {
			snprintf(p, sizeof(p), "%s/f", u);
			no = getxattr(p, "trusted.overlay.origin", origin, sizeof(origin));
			if (strcmp(mode, "off") == 0)
				ovl_check(ctx, no >= 21 && origin[1] == 0xfb &&
					  memcmp(origin + 5, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0,
					  "uuid=off: the origin handle of a copied-up file has a null uuid");
			else if (has_uuid)
				ovl_check(ctx, no >= 21 && origin[1] == 0xfb &&
					  memcmp(origin + 5, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) != 0,
					  "uuid=%s: the origin handle carries the lower filesystem's uuid", mode);
		} else {
			ovl_brok(ctx, "chmod %s: %s", p, strerror(errno));
		}
		{
			struct statfs before, after;
			bool had = statfs(m, &before) == 0;

			ovl_umount_path(ctx, m);
			if (!stored)
				continue;
			if (ovl_mount_custom(ctx, lowers, 3, u, w, m, opts))
				ovl_brok(ctx, "uuid=%s: mounting again: %s", mode, ovl_mount_union_reason(ctx));
			n2 = getxattr(u, "trusted.overlay.uuid", id2, sizeof(id2));
			ovl_check(ctx, n2 == n && n > 0 && memcmp(id, id2, (size_t)n) == 0,
				  "uuid=%s: the stored uuid stays across a remount", mode);
			ovl_check(ctx, had && statfs(m, &after) == 0 &&
				  memcmp(&before.f_fsid, &after.f_fsid, sizeof(before.f_fsid)) == 0,
				  "uuid=%s: the union's fsid stays across a remount", mode);
			ovl_umount_path(ctx, m);
		}
	}
}

OVL_CASE(
	.number = 511,
	.slug = "uuid-modes",
	.purpose = "uuid=on/auto store a uuid and give the union its own fsid; null/off take the upper's; off nulls origin uuids",
	.tags = "uuid,inode",
	.needs_root = true,
	.needs_kernel_features = "overlay-uuid-null",
	.needs_features = "uuid=on",
	.fixture = "precedence/same-name.tree",
	.run = run,
);
