/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/store.h - Docker's overlay2 layer store, on disk as Docker lays it out
 * under its data root (e.g. /var/lib/docker):
 *
 *   overlay2/l/<LINK>              -> ../<id>/diff (relative symlink)
 *   overlay2/<id>/diff/            the layer's files
 *   overlay2/<id>/link             <LINK>: 26 chars of base32, no newline
 *   overlay2/<id>/lower            l/<parent LINK>[:<parent's lower>], only with a parent
 *   overlay2/<id>/work/            only with a parent
 *   overlay2/<id>/committed        empty; in a layer that has children
 *   image/overlay2/layerdb/sha256/<chainID hex>/{diff,size,cache-id,parent,tar-split.json.gz}
 *
 * (modes as Docker 20.10 makes them; files without a trailing newline;
 * a layerdb entry is written in layerdb/tmp/write-set-* and renamed whole).
 *
 * Handles are opaque; functions return 0 or -errno and fill struct ovl_err.
 */
#ifndef OVL_STORE_H
#define OVL_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "digest.h"
#include "tree.h"

struct ovl_store;

#define OVL_STORE_CREATE 0x1u	/* make the directories when missing */

int ovl_store_open(const char *root, unsigned int flags, struct ovl_store **out, struct ovl_err *err);
void ovl_store_free(struct ovl_store *s);
const char *ovl_store_root(const struct ovl_store *s);

struct ovl_layer_info {
	struct ovl_digest chain_id, diff_id, parent;
	bool has_parent;
	char cache_id[80];		/* the overlay2/<id> directory name */
	char link[32];			/* its l/ short name */
	uint64_t size;
	bool existed;			/* import: the layer was already there */
};

/*
 * Import a layer tar (plain or gzip) from fd on top of parent (a ChainID,
 * or NULL for a base layer). A layer whose ChainID is already registered
 * is not imported twice: *out describes the existing one, existed set.
 * A failed import leaves nothing behind.
 */
int ovl_store_layer_import(struct ovl_store *s, const struct ovl_digest *parent, int fd,
			   const char *name, struct ovl_layer_info *out, struct ovl_err *err);
/* The registered layer with this ChainID (-ENOENT when none). */
int ovl_store_layer_get(struct ovl_store *s, const struct ovl_digest *chain_id,
			struct ovl_layer_info *out, struct ovl_err *err);
/* Every registered layer, in ChainID order (free *v). */
int ovl_store_layers(struct ovl_store *s, struct ovl_layer_info **v, size_t *n, struct ovl_err *err);
/* Write a layer's exact tar stream to outfd; its sha256 in *diff_id. */
int ovl_store_layer_export(struct ovl_store *s, const struct ovl_digest *chain_id, int outfd,
			   struct ovl_digest *diff_id, struct ovl_err *err);

/*
 * Images. A config JSON (architecture, config.Cmd, created, history, os,
 * rootfs.diff_ids of the layer chain that ends in top) is written to
 * imagedb/content/sha256/<image ID> (0600); the image ID is the sha256 of
 * those exact bytes.
 */
struct ovl_image_opts {
	const char *const *cmd;		/* NULL-terminated, or NULL */
	const char *comment;		/* or NULL */
	const char *created;		/* RFC 3339; NULL: now */
};
int ovl_store_image_create(struct ovl_store *s, const struct ovl_digest *top,
			   const struct ovl_image_opts *opts, struct ovl_digest *image_id,
			   struct ovl_err *err);
/* The DiffIDs of an image's config, in order (free *diff_ids). */
int ovl_store_image_layers(struct ovl_store *s, const struct ovl_digest *image_id,
			   struct ovl_digest **diff_ids, size_t *n, struct ovl_err *err);
/*
 * Tag an image in repositories.json ("name[:tag]", tag latest by default),
 * as Docker keeps it: {"Repositories":{"<name>":{"<name>:<tag>":"sha256:<id>"}}},
 * replaced atomically. A tag that named another image moves.
 */
int ovl_store_tag(struct ovl_store *s, const char *ref, const struct ovl_digest *image_id,
		  struct ovl_err *err);
/* The image a tag names (-ENOENT when none). */
int ovl_store_resolve(struct ovl_store *s, const char *ref, struct ovl_digest *image_id,
		      struct ovl_err *err);

/* Paths inside the store (into buf; -ENAMETOOLONG if it does not fit). */
int ovl_store_layer_dir(const struct ovl_store *s, const char *cache_id, char *buf, size_t len);

#endif
