/* SPDX-License-Identifier: GPL-2.0-or-later */
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
#ifndef OVL_FAMILY_COMMIT_GROWTH_H
#define OVL_FAMILY_COMMIT_GROWTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"
#include "ovl-store.h"

struct growth {
	struct ovl_store *s;
	char root[4096];
	struct ovl_digest image;		/* the image the next container starts from */
	struct ovl_layer_info top;		/* its top layer */
	uint64_t image_size;			/* sum of its layers' sizes */
	struct ovl_container_info ci;
	bool own_mount;				/* mounted with ovl_mount_custom (extra options) */
	struct ovl_container_dirs dirs;		/* the container's layer dirs (from the store) */
	int round;
};

/* Write a file of size bytes (a repeating pattern) at dir/rel. */
void growth_file(struct ovl_ctx *ctx, const char *dir, const char *rel, size_t size);

/* mkdir -p dir/rel. */
void growth_dir(struct ovl_ctx *ctx, const char *dir, const char *rel);

/* The store, and the base layer: the case fills dir base/ through fill(). */
void growth_open(struct ovl_ctx *ctx, struct growth *g, void (*fill)(struct ovl_ctx *ctx, const char *dir));

/* A container on the current image, mounted (options NULL: as Docker does), and the model on it. */
void growth_container(struct ovl_ctx *ctx, struct growth *g, const char *options);

/*
 * Unmount and commit the container; check the new layer's entries and
 * size, and the image's total, against the library's prediction from the
 * model's upper layer. The committed image becomes the current one.
 * Returns the bytes the commit added to the image.
 */
uint64_t growth_commit(struct ovl_ctx *ctx, struct growth *g, const char *what, uint64_t user_bytes);

/* The base image of cases 0401-0408: a 4 MiB file, a dir of eight 64 KiB files, a small config, a hard-linked 1 MiB pair. */
void growth_base(struct ovl_ctx *ctx, const char *dir);

void growth_close(struct growth *g);

#endif
