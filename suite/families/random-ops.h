/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Random operation sequences for cases 0190-0193: each step picks a
 * call (write, create, truncate, chmod, chown, utimensat, set/remove
 * xattr, unlink, rmdir, mkdir, rename with and without flags, link,
 * symlink, mknod, read, readdir) and its names from the model's current
 * merged view, does it through the mount and checks it like any listed
 * operation. The sequence is a function of the seed (OVLCONFORM_SEED, else
 * a fixed one) and the backing filesystem, logged so a failure can be run
 * again: OVLCONFORM_SEED=<seed> ovlconform run <case> --fs <fs>.
 */
#ifndef OVL_FAMILY_RANDOM_OPS_H
#define OVL_FAMILY_RANDOM_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

/* A random case's whole run: mount, n operations, then the union again after a remount. */
void random_ops_case(struct ovl_ctx *ctx, unsigned int n);

#endif
