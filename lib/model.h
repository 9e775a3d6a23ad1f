/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/model.h - the reference model of overlayfs' union view.
 *
 * Given the layers of one mount, the model computes the tree that the merged
 * directory must show:
 *  - the uppermost layer that has a name wins it; reads fall through to the
 *    first layer (top to bottom) that has the name;
 *  - directories of the same name merge across layers, unless a layer marks
 *    its directory opaque: layers below that one then add nothing to it;
 *  - a whiteout (0/0 char device, or the xattr form in a dir marked
 *    opaque=x) hides the name in every layer below, and never shows itself;
 *  - a non-directory above hides a directory below, and a directory above
 *    hides a non-directory below (and everything below that);
 *  - overlay's own marks (trusted.overlay.*) never show in the merged view.
 *
 * Layer numbers in the result (struct ovl_entry.layer): OVL_LAYER_UPPER for
 * the upper layer, 1 + i for lowers[i] (lowers[0] is the topmost lower).
 */
#ifndef OVL_MODEL_H
#define OVL_MODEL_H

#include "tree.h"

#define OVL_LAYER_UPPER 0
#define OVL_MODEL_MAX_LAYERS 500

/*
 * Merge: upper may be NULL (a read-only mount of lowers only). lowers are
 * given top to bottom; nlowers >= 1. *out is a new tree.
 */
int ovl_model_merge(const struct ovl_tree *upper, const struct ovl_tree *const *lowers,
		    size_t nlowers, struct ovl_tree **out, struct ovl_err *err);

/* The same, scanning the layer directories first (upper may be NULL). */
int ovl_model_merge_dirs(const char *upper, const char *const *lowers, size_t nlowers,
			 struct ovl_tree **out, struct ovl_err *err);

#endif
