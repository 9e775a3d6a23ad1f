// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Docker's limits, built with the reference library and mounted for real:
 * 128 lowers. An image of 127 layers (each adds a file and rewrites
 * /shared; every tenth deletes the file the layer below added) and a
 * container on it (its init layer makes the 128th lower), mounted as
 * Docker mounts it: lowerdir of the l/ short links, and, as that option
 * string is past a page, the lowers relative to overlay2/ from a process
 * working there. The merged view must be the model's view of the 128
 * lower dirs and the upper dir, and a write through it must land in the
 * container layer. One layer more and the container is refused, as Docker
 * refuses it ("max depth exceeded").
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

#include "ovl-store.h"
#include "harness.h"
#include "ovl-model.h"
#include "ovl-common.h"

/* Docker's limit: 128 lowers for a container, its init layer and 127 image layers */
#define NLAYERS 127

static void run(struct ovl_ctx *ctx)
{
	static struct ovl_layer_info layers[NLAYERS + 1];
	struct ovl_container_info ci;
	struct ovl_store *s = NULL;
	struct ovl_err err = { "" };
	struct ovl_digest img;
	struct ovl_tree *model = NULL, *merged = NULL;
	struct ovl_container_dirs dirs;
	char root[4096], src[4200], p[4300];
	bool relative = false;
	int r;

	snprintf(root, sizeof(root), "%s/docker", ovl_case_dir(ctx));
	if (ovl_store_open(root, OVL_STORE_CREATE, &s, &err))
		ovl_brok(ctx, "store %s: %s", root, err.msg);
	for (int i = 0; i <= NLAYERS; i++) {
		char text[64];
		int fd;

		snprintf(src, sizeof(src), "%s/src%d", ovl_case_dir(ctx), i);
		if (ovl_mkdir_p(src, 0755))
			ovl_brok(ctx, "mkdir %s: %s", src, strerror(errno));
		snprintf(p, sizeof(p), "%s/l%03d", src, i);
		snprintf(text, sizeof(text), "layer %d\n", i);
		if (ovl_write_file(p, text, strlen(text)))
			ovl_brok(ctx, "write %s", p);
		snprintf(p, sizeof(p), "%s/shared", src);
		if (ovl_write_file(p, text, strlen(text)))
			ovl_brok(ctx, "write %s", p);
		if (i % 10 == 9) {
			snprintf(p, sizeof(p), "%s/l%03d", src, i - 1);
			if (mknod(p, S_IFCHR, makedev(0, 0)))
				ovl_brok(ctx, "mknod %s: %s", p, strerror(errno));
		}
		snprintf(p, sizeof(p), "%s/layer%d.tar", ovl_case_dir(ctx), i);
		fd = SAFE_OPEN(ctx, p, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (ovl_layer_commit(src, fd, NULL, NULL, &err))
			ovl_brok(ctx, "commit %s: %s", src, err.msg);
		if (lseek(fd, 0, SEEK_SET) ||
		    ovl_store_layer_import(s, i ? &layers[i - 1].chain_id : NULL, fd, p, &layers[i], &err))
			ovl_brok(ctx, "import %s: %s", p, err.msg);
		close(fd);
	}
	struct ovl_image_opts o = { .comment = "ovlconform: 128 layers" };
	struct ovl_container_info too;
	struct ovl_digest img128;

	/* one layer more: Docker refuses the container ("max depth exceeded") */
	if (ovl_store_image_create(s, &layers[NLAYERS].chain_id, &o, &img128, &err))
		ovl_brok(ctx, "image: %s", err.msg);
	r = ovl_store_container_create(s, &img128, &too, &err);
	ovl_check(ctx, r < 0 && strstr(err.msg, "max depth exceeded"),
		  "a container on %d image layers is refused, as Docker does: '%s'", NLAYERS + 1, err.msg);
	err.msg[0] = 0;
	o.comment = "ovlconform: 127 layers";
	if (ovl_store_image_create(s, &layers[NLAYERS - 1].chain_id, &o, &img, &err) ||
	    ovl_store_container_create(s, &img, &ci, &err))
		ovl_brok(ctx, "image or container: %s", err.msg);
	r = ovl_store_container_mount(s, ci.id, &relative, &err);
	ovl_check(ctx, r == 0, "the library mounts the container (%d lowers) as Docker does%s%s", NLAYERS + 1,
		  r ? ": " : "", r ? err.msg : "");
	if (r) {
		ovl_store_free(s);
		return;
	}
	ovl_check(ctx, relative, "the option string is past a page, so the lowers went relative to overlay2/");
	/* the model of the same layers, found through the layerdb: init layer on top, then the image's, top first */
	if (ovl_store_container_dirs(s, ci.id, &dirs, &err))
		ovl_brok(ctx, "the container's layer dirs: %s", err.msg);
	if (ovl_model_merge_dirs(dirs.upper, (const char *const *)dirs.lowers, dirs.nlowers, &model, &err))
		ovl_brok(ctx, "model: %s", err.msg);
	if (ovl_tree_scan(ci.merged, OVL_SCAN_MERGED, &merged, &err))
		ovl_brok(ctx, "scan %s: %s", ci.merged, err.msg);
	{
		char *d = NULL;
		size_t dl = 0;
		FILE *f = open_memstream(&d, &dl);
		int n = ovl_tree_diff(model, merged, 0, f);

		fclose(f);
		ovl_check(ctx, n == 0, "the merged view of %d lower dirs is the model's (%d paths differ)%s%.300s",
			  NLAYERS + 1, n, n ? ": " : "", n ? d : "");
		free(d);
	}
	{
		const struct ovl_entry *sh = ovl_tree_lookup(merged, "/shared");

		ovl_check(ctx, sh && sh->size == strlen("layer 126\n") && !ovl_tree_lookup(merged, "/l008") &&
				       ovl_tree_lookup(merged, "/l000") && ovl_tree_lookup(merged, "/l126") &&
				       !ovl_tree_lookup(merged, "/l127"),
			  "/shared is the top layer's, l008 is whited out by layer 9, l000 and l126 show");
	}
	snprintf(p, sizeof(p), "%s/written", ci.merged);
	r = ovl_write_file(p, "x", 1);
	snprintf(src, sizeof(src), "%s/written", ci.upper);
	ovl_check(ctx, r == 0 && access(src, F_OK) == 0, "a write through the union lands in the container layer");
	ovl_tree_unref(model);
	ovl_container_dirs_free(&dirs);
	ovl_tree_unref(merged);
	if (ovl_store_container_umount(s, ci.id, &err))
		ovl_brok(ctx, "umount: %s", err.msg);
	ovl_store_free(s);
}

OVL_CASE(
	.number = 216,
	.slug = "docker-128-lowers",
	.purpose = "a 128-layer image's container, mounted as Docker does (l/ links, relative past a page)",
	.tags = "backing,docker",
	.needs_root = true,
	.timeout = 120,
	.run = run,
);
