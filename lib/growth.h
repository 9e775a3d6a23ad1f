/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/growth.h - what a commit adds to an image, predicted from an upper
 * layer (the model's) and read back from a layer tar, in one normalized
 * form: one line per tar entry, sorted:
 *   "dir /d", "file /f <size>", "symlink /l", "hardlink /b /a",
 *   "whiteout /x" (a .wh.x entry), "opaque /d" (d/.wh..wh..opq)
 * and the layer's size by Docker's rule (every non-dir's apparent size,
 * each inode once, a symlink its target's length, whiteouts nothing).
 */
#ifndef OVL_GROWTH_H
#define OVL_GROWTH_H

#include <stdint.h>

#include "tree.h"

/* The entries and size a commit of this upper layer must give (free with ovl_lines_free). */
int ovl_commit_predict(const struct ovl_tree *upper, char ***lines, size_t *n, uint64_t *size,
		       struct ovl_err *err);
/* The entries of a layer tar read from fd, in the same form. */
int ovl_layer_entries(int fd, char ***lines, size_t *n, struct ovl_err *err);
void ovl_lines_free(char **lines, size_t n);

#endif
