// SPDX-License-Identifier: GPL-2.0-or-later
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
#define _GNU_SOURCE
#include "random-ops.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/fs.h>

#include "harness.h"

#define RANDOM_OPS_DEFAULT_SEED 20261127u

void ovl_rnd_seed(struct ovl_rnd *r, uint64_t seed, const char *salt)
{
	r->s = seed * 0x9e3779b97f4a7c15ull + 1;
	for (const char *c = salt ? salt : ""; *c; c++)
		r->s = (r->s ^ (unsigned char)*c) * 0x100000001b3ull;
	if (!r->s)
		r->s = 1;
}

uint64_t ovl_rnd_next(struct ovl_rnd *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ull;
}

size_t ovl_rnd_below(struct ovl_rnd *r, size_t n)
{
	return n ? (size_t)(ovl_rnd_next(r) % n) : 0;
}

/* A random entry of the view (never "/"); want_type < 0: any type. */
static const struct ovl_entry *random_entry(struct ovl_rnd *r, const struct ovl_tree *view, int want_type)
{
	size_t n = ovl_tree_count(view), start = ovl_rnd_below(r, n);

	for (size_t k = 0; k < n; k++) {
		const struct ovl_entry *e = ovl_tree_entry_at(view, (start + k) % n);
		int t = e->type == OVL_FT_HARDLINK ? OVL_FT_REG : (int)e->type;

		if (strcmp(e->path, "/") != 0 && (want_type < 0 || t == want_type))
			return e;
	}
	return NULL;
}

/* A path for a name: in a random dir of the view, a new name or (sometimes) one that exists. */
static void random_name(struct ovl_rnd *r, const struct ovl_tree *view, char *buf, size_t len, unsigned int step)
{
	const struct ovl_entry *d = ovl_rnd_below(r, 4) ? random_entry(r, view, OVL_FT_DIR) : NULL;
	const struct ovl_entry *any = ovl_rnd_below(r, 5) == 0 ? random_entry(r, view, -1) : NULL;

	if (any) {
		snprintf(buf, len, "%s", any->path);
		return;
	}
	snprintf(buf, len, "%s/n%u", d ? d->path : "", step);
}

bool random_op_pick(struct ovl_rnd *r, const struct ovl_tree *view, unsigned int step, unsigned int flags,
		    struct ovl_op_text *t)
{
	const struct ovl_entry *e = NULL;
	struct ovl_op *op = &t->op;
	size_t pick = ovl_rnd_below(r, (flags & RANDOM_OP_ALL_KINDS) ? 110 : 100);

	memset(t, 0, sizeof(*t));
	snprintf((char *)t->data, sizeof(t->data), "step %u\n", step);
	op->data = t->data;
	op->len = strlen((char *)t->data);
	if (pick < 14) {
		/* write an existing file (or what a symlink points to) */
		static const int wflags[] = { O_WRONLY, O_RDWR, O_WRONLY | O_APPEND, O_WRONLY | O_TRUNC };

		e = random_entry(r, view, ovl_rnd_below(r, 6) ? OVL_FT_REG : OVL_FT_LNK);
		op->kind = OVL_OP_WRITE;
		op->flags = wflags[ovl_rnd_below(r, 4)];
	} else if (pick < 22) {
		random_name(r, view, t->path, sizeof(t->path), step);
		op->kind = OVL_OP_WRITE;
		op->flags = O_WRONLY | O_CREAT;
		op->mode = 0644;
	} else if (pick < 27) {
		e = random_entry(r, view, OVL_FT_REG);
		op->kind = OVL_OP_TRUNCATE;
		op->size = ovl_rnd_below(r, 24);
	} else if (pick < 32) {
		e = random_entry(r, view, ovl_rnd_below(r, 2) ? OVL_FT_REG : OVL_FT_DIR);
		op->kind = OVL_OP_CHMOD;
		op->mode = ovl_rnd_below(r, 2) ? 0700 : 0755;
	} else if (pick < 35) {
		e = random_entry(r, view, -1);
		op->kind = OVL_OP_CHOWN;
		op->uid = (uid_t)ovl_rnd_below(r, 3);
		op->gid = (gid_t)ovl_rnd_below(r, 3);
	} else if (pick < 38) {
		e = random_entry(r, view, -1);
		op->kind = OVL_OP_UTIMES;
	} else if (pick < 43) {
		e = random_entry(r, view, ovl_rnd_below(r, 2) ? OVL_FT_REG : OVL_FT_DIR);
		op->kind = ovl_rnd_below(r, 3) ? OVL_OP_SETXATTR : OVL_OP_REMOVEXATTR;
		snprintf(t->name, sizeof(t->name), "%s", ovl_rnd_below(r, 2) ? "user.k" : "user.r");
		op->name = t->name;
	} else if (pick < 53) {
		e = random_entry(r, view, ovl_rnd_below(r, 8) ? -1 : OVL_FT_DIR);
		op->kind = e && e->type == OVL_FT_DIR && ovl_rnd_below(r, 4) ? OVL_OP_RMDIR : OVL_OP_UNLINK;
	} else if (pick < 60) {
		random_name(r, view, t->path, sizeof(t->path), step);
		op->kind = OVL_OP_MKDIR;
		op->mode = 0755;
	} else if (pick < 76) {
		e = random_entry(r, view, ovl_rnd_below(r, 3) ? -1 : OVL_FT_DIR);
		random_name(r, view, t->path2, sizeof(t->path2), step);
		op->kind = OVL_OP_RENAME;
		op->flags = ovl_rnd_below(r, 6) == 0 ? RENAME_EXCHANGE : ovl_rnd_below(r, 6) == 0 ? RENAME_NOREPLACE : 0;
	} else if (pick < 82) {
		e = random_entry(r, view, OVL_FT_REG);
		random_name(r, view, t->path2, sizeof(t->path2), step);
		op->kind = OVL_OP_LINK;
	} else if (pick < 86) {
		const struct ovl_entry *to = random_entry(r, view, -1);

		random_name(r, view, t->path, sizeof(t->path), step);
		/* a target beside the new link: the other name's basename */
		snprintf((char *)t->data, sizeof(t->data), "%s", to ? ovl_path_basename(to->path) : "nowhere");
		op->len = strlen((char *)t->data);
		op->kind = OVL_OP_SYMLINK;
	} else if (pick < 88) {
		random_name(r, view, t->path, sizeof(t->path), step);
		op->kind = OVL_OP_MKNOD;
		op->mode = S_IFIFO | 0640;
	} else if (pick < 93) {
		e = random_entry(r, view, -1);
		op->kind = OVL_OP_READ;
	} else if (pick < 100) {
		e = random_entry(r, view, OVL_FT_DIR);
		op->kind = OVL_OP_READDIR;
	} else if (pick < 103) {
		e = random_entry(r, view, -1);
		op->kind = OVL_OP_STAT;
	} else if (pick < 105) {
		e = random_entry(r, view, OVL_FT_LNK);
		op->kind = OVL_OP_READLINK;
	} else if (pick < 107) {
		e = random_entry(r, view, -1);
		op->kind = OVL_OP_ACCESS;
	} else {
		static const mode_t types[] = { S_IFIFO, S_IFSOCK, S_IFCHR };

		random_name(r, view, t->path, sizeof(t->path), step);
		op->kind = OVL_OP_MKNOD;
		op->mode = types[ovl_rnd_below(r, 3)] | 0640;
		if (S_ISCHR(op->mode)) {
			op->rdev_major = 1;
			op->rdev_minor = 3;
		}
	}
	if (e)
		snprintf(t->path, sizeof(t->path), "%s", e->path);
	if (!t->path[0])
		return false;
	op->path = t->path;
	op->path2 = t->path2[0] ? t->path2 : NULL;
	/* as an ordinary user, now and then: permissions, killpriv, sticky dirs */
	if ((flags & RANDOM_OP_USERS) && ovl_rnd_below(r, 4) == 0) {
		op->as_user = true;
		op->as_uid = 1000;
		op->as_gid = 1000;
	}
	return true;
}

static void random_ops_run(struct ovl_ctx *ctx, unsigned int nsteps)
{
	const char *env = getenv("OVLCONFORM_SEED");
	uint64_t seed = env && *env ? strtoull(env, NULL, 0) : RANDOM_OPS_DEFAULT_SEED;
	struct ovl_rnd r = { 0 };
	const char *fs = ovl_backing_fs(ctx);
	struct ovl_op_text *t = calloc(1, sizeof(*t));

	if (!t)
		ovl_brok(ctx, "out of memory");
	/* one sequence per seed and filesystem */
	ovl_rnd_seed(&r, seed, fs);
	ovl_log(ctx, "random operations: seed %" PRIu64 " on %s (OVLCONFORM_SEED=%" PRIu64 " to repeat)", seed,
		fs, seed);
	struct ovl_tree *carry = NULL; /* only the model and reads come between two operations */

	for (unsigned int step = 0; step < nsteps; step++) {
		struct ovl_tree *view = ovl_model_now(ctx);
		bool have = random_op_pick(&r, view, step, 0, t);

		ovl_tree_unref(view);
		if (!have)
			continue;
		ovl_check_op_after(ctx, &t->op, &carry);
		if (step % 25 == 24) {
			/* now and then, a readdir of some dir the view has (or of the root) */
			struct ovl_tree *now = ovl_model_now(ctx);
			const struct ovl_entry *d = random_entry(&r, now, OVL_FT_DIR);
			char dir[4096];

			snprintf(dir, sizeof(dir), "%s", d ? d->path : "/");
			ovl_tree_unref(now);
			ovl_check_readdir(ctx, dir);
		}
	}
	ovl_tree_unref(carry);
	free(t);
}

/* A random case's whole run: mount, n operations, then the union again after a remount. */
void random_ops_case(struct ovl_ctx *ctx, unsigned int n)
{
	SAFE_MOUNT_UNION(ctx, NULL);
	random_ops_run(ctx, n);
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after a remount");
}
