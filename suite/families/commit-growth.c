// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Docker-commit size growth, for cases 0401-0408: an image built with the
 * reference store from a base layer the case writes, a container on it
 * mounted for real (as Docker mounts it, or with extra options), the
 * operations done through the mount and checked against the model
 * (ovl_check_op()), then a commit by the library. Checked against what
 * the library predicts from the model's upper layer (lib/growth): the new
 * layer's tar entries, its size, the image's total size; and each case
 * adds a row to results/<run-id>/docker-commit-growth.txt.
 */
#define _GNU_SOURCE
#include "commit-growth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovl-store.h"
#include "harness.h"
#include "ovl-common.h"

/* Write a file of size bytes (a repeating pattern) at dir/rel. */
void growth_file(struct ovl_ctx *ctx, const char *dir, const char *rel, size_t size)
{
	char p[4400], buf[65536];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = SAFE_OPEN(ctx, p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 23);
	for (size_t done = 0; done < size;) {
		size_t k = size - done < sizeof(buf) ? size - done : sizeof(buf);

		if (write(fd, buf, k) != (ssize_t)k)
			ovl_brok(ctx, "write %s: %s", p, strerror(errno));
		done += k;
	}
	close(fd);
}

void growth_dir(struct ovl_ctx *ctx, const char *dir, const char *rel)
{
	char p[4400];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	SAFE_MKDIR_P(ctx, p);
}

/* Import the directory src as a layer on the current image (or as the base) and make it the image. */
static void growth_import(struct ovl_ctx *ctx, struct growth *g, const char *src, bool base)
{
	struct ovl_err err = { "" };
	struct ovl_layer_info li;
	struct ovl_image_opts o = { .comment = "ovlconform growth" };
	char tar[4200];
	int fd;

	snprintf(tar, sizeof(tar), "%s.tar", src);
	fd = SAFE_OPEN(ctx, tar, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (ovl_layer_commit(src, fd, NULL, NULL, &err) || lseek(fd, 0, SEEK_SET) ||
	    ovl_store_layer_import(g->s, base ? NULL : &g->top.chain_id, fd, tar, &li, &err) ||
	    ovl_store_image_create(g->s, &li.chain_id, &o, &g->image, &err))
		ovl_brok(ctx, "importing %s: %s", src, err.msg);
	close(fd);
	g->top = li;
	g->image_size = base ? li.size : g->image_size + li.size;
}

/* The store, and the base layer: the case fills dir base/ through fill(). */
void growth_open(struct ovl_ctx *ctx, struct growth *g,
			       void (*fill)(struct ovl_ctx *ctx, const char *dir))
{
	struct ovl_err err = { "" };
	char base[4200];

	memset(g, 0, sizeof(*g));
	snprintf(g->root, sizeof(g->root), "%s/docker", ovl_case_dir(ctx));
	if (ovl_store_open(g->root, OVL_STORE_CREATE, &g->s, &err))
		ovl_brok(ctx, "store %s: %s", g->root, err.msg);
	/*
	 * The growth these cases measure is the native diff's (the upper dir
	 * as it is): pinned, as a mount option is, whatever the module's
	 * defaults make Docker choose (0303 checks the naive diff).
	 */
	ovl_store_set_diff_mode(g->s, OVL_DIFF_NATIVE);
	snprintf(base, sizeof(base), "%s/base", ovl_case_dir(ctx));
	growth_dir(ctx, base, "");
	fill(ctx, base);
	growth_import(ctx, g, base, true);
}

/*
 * A container on the current image, mounted (options NULL: as Docker does,
 * index=off, with metacopy pinned off: the model does not follow it), and
 * the model on it.
 */
void growth_container(struct ovl_ctx *ctx, struct growth *g, const char *options)
{
	struct ovl_err err = { "" };

	if (!options)
		options = "index=off,metacopy=off";

	if (ovl_store_container_create(g->s, &g->image, &g->ci, &err))
		ovl_brok(ctx, "container: %s", err.msg);
	/* its lowers: the init layer, then the image's layers top first */
	ovl_container_dirs_free(&g->dirs);
	if (ovl_store_container_dirs(g->s, g->ci.id, &g->dirs, &err))
		ovl_brok(ctx, "the container's layer dirs: %s", err.msg);
	g->own_mount = options != NULL;
	if (options) {
		snprintf(g->ci.merged, sizeof(g->ci.merged), "%s/growth-merged-%d", ovl_case_dir(ctx), g->round);
		growth_dir(ctx, g->ci.merged, "");
		if (ovl_mount_custom(ctx, (const char *const *)g->dirs.lowers, g->dirs.nlowers, g->dirs.upper,
				     g->dirs.work, g->ci.merged, options))
			ovl_conf(ctx, "mounting the container with %s: %s", options, ovl_mount_union_reason(ctx));
	} else if (ovl_store_container_mount(g->s, g->ci.id, NULL, &err)) {
		ovl_brok(ctx, "mounting the container: %s", err.msg);
	}
	/* the store mounts as Docker's overlay2 does: index=off, the rest the module's defaults */
	ovl_use_union(ctx, g->ci.merged, g->dirs.upper, (const char *const *)g->dirs.lowers, g->dirs.nlowers,
		      options);
}

static char *growth_join(char **v, size_t n)
{
	struct ovl_buf b = OVL_BUF_INIT;

	for (size_t i = 0; i < n; i++)
		ovl_buf_printf(&b, "%s%s", i ? "; " : "", v[i]);
	return b.data ? ovl_buf_steal(&b) : strdup("(none)");
}

/*
 * Unmount and commit the container; check the new layer's entries and
 * size, and the image's total, against the library's prediction from the
 * model's upper layer. The committed image becomes the current one.
 * Returns the bytes the commit added to the image.
 */
uint64_t growth_commit(struct ovl_ctx *ctx, struct growth *g, const char *what,
				     uint64_t user_bytes)
{
	struct ovl_err err = { "" };
	struct ovl_image_opts o = { .comment = what };
	struct ovl_digest img, exported;
	struct ovl_layer_info li;
	struct ovl_tree *predicted_upper = NULL;
	char **want = NULL, **got = NULL, *ws, *gs, tar[4200];
	size_t nw = 0, ng = 0;
	uint64_t want_size = 0, before = g->image_size;
	bool same;
	int fd;

	/*
	 * The model's upper layer is what the commit must hold; where Docker
	 * (and so the library) commits with its naive diff, the changes of the
	 * model's view against the image's.
	 */
	if (ovl_store_commits_naive(g->s)) {
		struct ovl_tree *now = ovl_model_now(ctx), *image = NULL;

		if (ovl_model_merge_dirs(NULL, (const char *const *)g->dirs.lowers, g->dirs.nlowers, &image, &err) ||
		    ovl_naive_changes(now, image, &predicted_upper, &err))
			ovl_brok(ctx, "predict a naive commit: %s", err.msg);
		ovl_tree_unref(now);
		ovl_tree_unref(image);
	} else {
		predicted_upper = ovl_model_upper_now(ctx);
	}
	if (ovl_commit_predict(predicted_upper, &want, &nw, &want_size, &err))
		ovl_brok(ctx, "predict: %s", err.msg);
	ovl_tree_unref(predicted_upper);
	ovl_use_union(ctx, NULL, NULL, NULL, 0, NULL);
	if (g->own_mount)
		ovl_umount_path(ctx, g->ci.merged);
	else if (ovl_store_container_umount(g->s, g->ci.id, &err))
		ovl_brok(ctx, "umount: %s", err.msg);
	if (ovl_store_container_commit(g->s, g->ci.id, &o, NULL, &img, &li, &err))
		ovl_brok(ctx, "commit: %s", err.msg);
	snprintf(tar, sizeof(tar), "%s/commit-%d.tar", ovl_case_dir(ctx), g->round);
	fd = SAFE_OPEN(ctx, tar, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (ovl_store_layer_export(g->s, &li.chain_id, fd, &exported, &err) || lseek(fd, 0, SEEK_SET) ||
	    ovl_layer_entries(fd, &got, &ng, &err))
		ovl_brok(ctx, "reading the committed layer: %s", err.msg);
	close(fd);
	same = nw == ng;
	for (size_t i = 0; same && i < nw; i++)
		same = strcmp(want[i], got[i]) == 0;
	ws = growth_join(want, nw);
	gs = growth_join(got, ng);
	ovl_check(ctx, same, "%s: the layer's entries are the predicted ones (want: %.600s; got: %.600s)", what, ws,
		  gs);
	ovl_check(ctx, li.size == want_size, "%s: the layer's size is the predicted %llu (got %llu)", what,
		  (unsigned long long)want_size, (unsigned long long)li.size);
	g->image = img;
	g->top = li;
	g->image_size += li.size;
	ovl_check(ctx, g->image_size == before + want_size && g->image_size >= before,
		  "%s: the image grows from %llu to %llu bytes, never shrinks", what, (unsigned long long)before,
		  (unsigned long long)g->image_size);
	ovl_table_row(ctx, "docker-commit-growth", "%-44s %-6s %14s %14s %14s", "operation", "fs", "user bytes",
		      "layer bytes", "image bytes");
	ovl_table_row(ctx, "docker-commit-growth", "%-44s %-6s %14llu %14llu %14llu", what, ovl_backing_fs(ctx),
		      (unsigned long long)user_bytes, (unsigned long long)li.size,
		      (unsigned long long)g->image_size);
	free(ws);
	free(gs);
	ovl_lines_free(want, nw);
	ovl_lines_free(got, ng);
	g->round++;
	return li.size;
}

void growth_close(struct growth *g)
{
	ovl_container_dirs_free(&g->dirs);
	ovl_store_free(g->s);
}

/* The base image: a 4 MiB file, a dir of eight 64 KiB files, a small config, a hard-linked 1 MiB pair. */
void growth_base(struct ovl_ctx *ctx, const char *dir)
{
	growth_file(ctx, dir, "big", 4u << 20);
	growth_dir(ctx, dir, "cache");
	for (int i = 0; i < 8; i++) {
		char name[32];

		snprintf(name, sizeof(name), "cache/f%d", i);
		growth_file(ctx, dir, name, 64u << 10);
	}
	growth_dir(ctx, dir, "etc");
	growth_file(ctx, dir, "etc/conf", 100);
	growth_file(ctx, dir, "h1", 1u << 20);
	{
		char a[4200], b[4200];

		snprintf(a, sizeof(a), "%s/h1", dir);
		snprintf(b, sizeof(b), "%s/h2", dir);
		if (link(a, b))
			ovl_brok(ctx, "link %s: %s", b, strerror(errno));
	}
}
