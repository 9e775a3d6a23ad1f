// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 500 lower layers, overlayfs' most, through the new mount API: one
 * fsconfig(2) "lowerdir+" per layer (Linux 6.7), an upper and a work dir.
 * Each layer adds a file of its own and a /shared that the top layer must
 * win; every 50th whites out the file of the layer below it. The merged
 * view must be the model's view of the 500 layers. A 501st lower is
 * refused. lowerdir+ came in Linux 6.7: the case needs that release (a
 * gate on the version, lib/host/release.c); on a kernel that has it,
 * a refused lowerdir+ is a FAIL. A target that declares no lowerdir+ mount
 * (fuse-overlayfs) is CONF.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness.h"
#include "target.h"
#include "ovl-model.h"
#include "ovl-common.h"

#define NLOWERS 500

static void run(struct ovl_ctx *ctx)
{
	static char dirs[NLOWERS + 1][4200];
	const char *lowers[NLOWERS + 1];
	const char *merged = ovl_merged_dir(ctx);
	char up[4200], wk[4200], p[4400], text[64];
	struct ovl_tree *model = NULL, *seen = NULL;
	struct ovl_err err = { "" };
	int r;

	/* what the target declares (fuse-overlayfs takes no lowerdir+), never a refusal watched */
	if (!ovl_ctx_target(ctx)->mount_lowers_plus)
		ovl_conf(ctx, "target %s has no lowerdir+ mount", ovl_ctx_target(ctx)->name);
	/* dirs[i] is the i-th from the top */
	for (int i = 0; i <= NLOWERS; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), "%s/L%03d", ovl_case_dir(ctx), i);
		lowers[i] = dirs[i];
		if (ovl_mkdir_p(dirs[i], 0755))
			ovl_brok(ctx, "mkdir %s: %s", dirs[i], strerror(errno));
		snprintf(p, sizeof(p), "%s/f%03d", dirs[i], i);
		snprintf(text, sizeof(text), "layer %d\n", i);
		if (ovl_write_file(p, text, strlen(text)))
			ovl_brok(ctx, "write %s", p);
		snprintf(p, sizeof(p), "%s/shared", dirs[i]);
		if (ovl_write_file(p, text, strlen(text)))
			ovl_brok(ctx, "write %s", p);
		if (i % 50 == 0 && i + 1 <= NLOWERS) {
			snprintf(p, sizeof(p), "%s/f%03d", dirs[i], i + 1);
			if (mknod(p, S_IFCHR, makedev(0, 0)))
				ovl_brok(ctx, "mknod %s: %s", p, strerror(errno));
		}
	}
	snprintf(up, sizeof(up), "%s/upper", ovl_case_dir(ctx));
	snprintf(wk, sizeof(wk), "%s/work", ovl_case_dir(ctx));
	if (ovl_mkdir_p(up, 0755) || ovl_mkdir_p(wk, 0755))
		ovl_brok(ctx, "mkdir upper/work: %s", strerror(errno));
	/* one too many first */
	r = ovl_mount_lowers_plus(ctx, lowers, NLOWERS + 1, up, wk, merged);
	ovl_check(ctx, r != 0, "%d lowers are refused (%s)", NLOWERS + 1, r ? ovl_mount_union_reason(ctx) : "mounted");
	if (!r)
		ovl_umount_path(ctx, merged);
	r = ovl_mount_lowers_plus(ctx, lowers, NLOWERS, up, wk, merged);
	ovl_check(ctx, r == 0, "%d lowers through lowerdir+ mount%s%s", NLOWERS, r ? ": " : "",
		  r ? ovl_mount_union_reason(ctx) : "");
	if (r)
		return;
	if (ovl_model_merge_dirs(up, lowers, NLOWERS, &model, &err))
		ovl_brok(ctx, "model: %s", err.msg);
	if (ovl_tree_scan(merged, OVL_SCAN_MERGED, &seen, &err))
		ovl_brok(ctx, "scan: %s", err.msg);
	{
		char *d = NULL;
		size_t dl = 0;
		FILE *f = open_memstream(&d, &dl);
		int n = ovl_tree_diff(model, seen, 0, f);

		fclose(f);
		ovl_check(ctx, n == 0, "the merged view of %d lowers is the model's (%d paths differ)%s%.300s", NLOWERS,
			  n, n ? ": " : "", n ? d : "");
		free(d);
	}
	{
		const struct ovl_entry *sh = ovl_tree_lookup(seen, "/shared");

		ovl_check(ctx, sh && sh->size == strlen("layer 0\n") && ovl_tree_lookup(seen, "/f499") &&
				       !ovl_tree_lookup(seen, "/f051"),
			  "/shared is the top layer's, the 500th layer's file shows, a whited-out one does not");
	}
	ovl_tree_unref(model);
	ovl_tree_unref(seen);
	ovl_umount_path(ctx, merged);
}

OVL_CASE(
	.number = 217,
	.slug = "lowerdir-plus-500",
	.purpose = "500 lowers through the new mount API's lowerdir+, as the model merges them; 501 refused",
	.tags = "backing",
	.needs_root = true,
	.timeout = 120,
	.needs_kernel_features = "overlay-lowerdir-plus",
	.run = run,
);
