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

/* The sequences' random numbers (xorshift64*): a seed, salted (by a filesystem name, say). */
struct ovl_rnd {
	uint64_t s;
};
void ovl_rnd_seed(struct ovl_rnd *r, uint64_t seed, const char *salt);
uint64_t ovl_rnd_next(struct ovl_rnd *r);
size_t ovl_rnd_below(struct ovl_rnd *r, size_t n);

#define RANDOM_OP_USERS		0x1u	/* some operations as uid 1000 without capabilities */
#define RANDOM_OP_ALL_KINDS	0x2u	/* stat, readlink, access, sockets and devices too */
/*
 * The next operation of a sequence, its names picked from the model's view
 * now: into t (whose buffers hold its strings). false when the view gave
 * nothing to pick (an empty tree): draw again.
 */
bool random_op_pick(struct ovl_rnd *r, const struct ovl_tree *view, unsigned int step, unsigned int flags,
		    struct ovl_op_text *t);

#endif
