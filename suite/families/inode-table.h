/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "Inode properties" table of Documentation/filesystems/overlayfs.rst
 * and the means to check it, for cases 0201 (every cell the table
 * promises that the kernel keeps) and 0202 (the cells where kernel 6.18
 * does not keep the promise). A cell is (row, property, dir or non-dir),
 * checked over the objects of the layers make_layers() writes, at one
 * moment (before or after a copy-up, after a remount).
 */
#ifndef OVL_FAMILY_INODE_TABLE_H
#define OVL_FAMILY_INODE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

enum cells { CELLS_KEPT, CELLS_BROKEN };

/* The twelve mounts, each looked at before and after copy-ups and after a remount. */
void inode_matrix(struct ovl_ctx *ctx, enum cells cells);

#endif
