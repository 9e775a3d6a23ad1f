/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/store/store-private.h - what store.c shares with container.c. Not part of
 * the library's API: nothing outside lib/ includes it.
 */
#ifndef OVL_STORE_PRIVATE_H
#define OVL_STORE_PRIVATE_H

#include <stdbool.h>
#include <limits.h>
#include <sys/types.h>

#include "ovl-store.h"

#define MAX_DEPTH 128		/* Docker's limit on lower layers */
#define LINK_LEN 26

struct ovl_store {
	char root[PATH_MAX];
	char overlay[PATH_MAX];		/* <root>/overlay2 */
	char layerdb[PATH_MAX];		/* <root>/image/overlay2/layerdb */
	enum ovl_diff_mode diff_mode;	/* how commits find a container's changes */
	bool strict;			/* OVL_STORE_STRICT */
};

/* A store value file (no newline), into buf. */
int ovl__read_value(const char *path, char *buf, size_t len, struct ovl_err *err);
int ovl__write_value(const char *path, const char *value, mode_t mode, struct ovl_err *err);
/* A digest file that may be absent (a parent): 0 and *has, or -errno for a malformed one. */
int ovl__read_digest_opt(const char *path, struct ovl_digest *d, bool *has, struct ovl_err *err);
/* Write a file whole through a temporary name and rename(2). */
int ovl__write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct ovl_err *err);
/* imagedb/metadata/sha256/<id>/<key> (dir 0700, file 0600, written atomically), as dockerd's SetMetadata. */
int ovl__image_meta_set(struct ovl_store *s, const struct ovl_digest *image_id, const char *key, const char *value,
			struct ovl_err *err);
/* Now as Go's time.RFC3339Nano in UTC (dockerd's lastUpdated). */
void ovl__rfc3339nano(char *out, size_t len);
/* A tag's stored form, "name:tag" (latest by default); -EINVAL when ref is no reference. */
int ovl__ref_full(const char *ref, char *full, size_t len);
/* 64 random lowercase hex digits. */
int ovl__random_id(char out[65]);
/*
 * overlay2/<id> as Docker's driver Create() makes it (diff/, link, the l/
 * link; with a parent lower and work/). layerdir and linkpath get the
 * paths made, for undoing.
 */
int ovl__new_layer_dir(struct ovl_store *s, const char *id, const char *pcache, const char *plink,
		       char link[LINK_LEN + 1], char *layerdir, size_t dlen, char *linkpath, size_t llen,
		       struct ovl_err *err);

#endif
