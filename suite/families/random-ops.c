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

#include "harness.h"

#define RANDOM_OPS_DEFAULT_SEED 20261127u

struct rnd {
	uint64_t s;
};

static uint64_t rnd_next(struct rnd *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ull;
}

static size_t rnd_below(struct rnd *r, size_t n)
{
	return n ? (size_t)(rnd_next(r) % n) : 0;
}

/* A random entry of the view (never "/"); want_type < 0: any type. */
static const struct ovl_entry *random_entry(struct rnd *r, const struct ovl_tree *view, int want_type)
{
	size_t n = ovl_tree_count(view), start = rnd_below(r, n);

	for (size_t k = 0; k < n; k++) {
		const struct ovl_entry *e = ovl_tree_entry_at(view, (start + k) % n);
		int t = e->type == OVL_FT_HARDLINK ? OVL_FT_REG : (int)e->type;

		if (strcmp(e->path, "/") != 0 && (want_type < 0 || t == want_type))
			return e;
	}
	return NULL;
}

/* A path for a name: in a random dir of the view, a new name or (sometimes) one that exists. */
static void random_name(struct rnd *r, const struct ovl_tree *view, char *buf, size_t len,
			       unsigned int step)
{
	const struct ovl_entry *d = rnd_below(r, 4) ? random_entry(r, view, OVL_FT_DIR) : NULL;
	const struct ovl_entry *any = rnd_below(r, 5) == 0 ? random_entry(r, view, -1) : NULL;

	if (any) {
		snprintf(buf, len, "%s", any->path);
		return;
	}
	snprintf(buf, len, "%s/n%u", d ? d->path : "", step);
}

static void random_ops_run(struct ovl_ctx *ctx, unsigned int nsteps)
{
	const char *env = getenv("OVLCONFORM_SEED");
	uint64_t seed = env && *env ? strtoull(env, NULL, 0) : RANDOM_OPS_DEFAULT_SEED;
	struct rnd r = { 0 };
	const char *fs = ovl_backing_fs(ctx);

	/* one sequence per seed and filesystem */
	r.s = seed * 0x9e3779b97f4a7c15ull + 1;
	for (const char *c = fs; *c; c++)
		r.s = (r.s ^ (unsigned char)*c) * 0x100000001b3ull;
	if (!r.s)
		r.s = 1;
	ovl_log(ctx, "random operations: seed %" PRIu64 " on %s (OVLCONFORM_SEED=%" PRIu64 " to repeat)", seed,
		fs, seed);
	for (unsigned int step = 0; step < nsteps; step++) {
		struct ovl_tree *view = ovl_model_now(ctx);
		const struct ovl_entry *e = NULL;
		struct ovl_op op = { 0 };
		char p1[4096] = "", p2[4096] = "", data[64];
		size_t pick = rnd_below(&r, 100);

		snprintf(data, sizeof(data), "step %u\n", step);
		op.data = data;
		op.len = strlen(data);
		if (pick < 14) {
			/* write an existing file (or what a symlink points to) */
			static const int flags[] = { O_WRONLY, O_RDWR, O_WRONLY | O_APPEND, O_WRONLY | O_TRUNC };

			e = random_entry(&r, view, rnd_below(&r, 6) ? OVL_FT_REG : OVL_FT_LNK);
			op.kind = OVL_OP_WRITE;
			op.flags = flags[rnd_below(&r, 4)];
		} else if (pick < 22) {
			random_name(&r, view, p1, sizeof(p1), step);
			op.kind = OVL_OP_WRITE;
			op.flags = O_WRONLY | O_CREAT;
			op.mode = 0644;
		} else if (pick < 27) {
			e = random_entry(&r, view, OVL_FT_REG);
			op.kind = OVL_OP_TRUNCATE;
			op.size = rnd_below(&r, 24);
		} else if (pick < 32) {
			e = random_entry(&r, view, rnd_below(&r, 2) ? OVL_FT_REG : OVL_FT_DIR);
			op.kind = OVL_OP_CHMOD;
			op.mode = rnd_below(&r, 2) ? 0700 : 0755;
		} else if (pick < 35) {
			e = random_entry(&r, view, -1);
			op.kind = OVL_OP_CHOWN;
			op.uid = (uid_t)rnd_below(&r, 3);
			op.gid = (gid_t)rnd_below(&r, 3);
		} else if (pick < 38) {
			e = random_entry(&r, view, -1);
			op.kind = OVL_OP_UTIMES;
		} else if (pick < 43) {
			e = random_entry(&r, view, rnd_below(&r, 2) ? OVL_FT_REG : OVL_FT_DIR);
			op.kind = rnd_below(&r, 3) ? OVL_OP_SETXATTR : OVL_OP_REMOVEXATTR;
			op.name = rnd_below(&r, 2) ? "user.k" : "user.r";
		} else if (pick < 53) {
			e = random_entry(&r, view, rnd_below(&r, 8) ? -1 : OVL_FT_DIR);
			op.kind = e && e->type == OVL_FT_DIR && rnd_below(&r, 4) ? OVL_OP_RMDIR : OVL_OP_UNLINK;
		} else if (pick < 60) {
			random_name(&r, view, p1, sizeof(p1), step);
			op.kind = OVL_OP_MKDIR;
			op.mode = 0755;
		} else if (pick < 76) {
			e = random_entry(&r, view, rnd_below(&r, 3) ? -1 : OVL_FT_DIR);
			random_name(&r, view, p2, sizeof(p2), step);
			op.kind = OVL_OP_RENAME;
			op.flags = rnd_below(&r, 6) == 0 ? RENAME_EXCHANGE : rnd_below(&r, 6) == 0 ? RENAME_NOREPLACE : 0;
		} else if (pick < 82) {
			e = random_entry(&r, view, OVL_FT_REG);
			random_name(&r, view, p2, sizeof(p2), step);
			op.kind = OVL_OP_LINK;
		} else if (pick < 86) {
			const struct ovl_entry *t = random_entry(&r, view, -1);

			random_name(&r, view, p1, sizeof(p1), step);
			/* a target beside the new link: the other name's basename */
			snprintf(data, sizeof(data), "%s", t ? ovl_path_basename(t->path) : "nowhere");
			op.len = strlen(data);
			op.kind = OVL_OP_SYMLINK;
		} else if (pick < 88) {
			random_name(&r, view, p1, sizeof(p1), step);
			op.kind = OVL_OP_MKNOD;
			op.mode = S_IFIFO | 0640;
		} else if (pick < 93) {
			e = random_entry(&r, view, -1);
			op.kind = OVL_OP_READ;
		} else {
			e = random_entry(&r, view, OVL_FT_DIR);
			op.kind = OVL_OP_READDIR;
		}
		if (e)
			snprintf(p1, sizeof(p1), "%s", e->path);
		ovl_tree_unref(view);
		if (!*p1)
			continue;
		op.path = p1;
		op.path2 = *p2 ? p2 : NULL;
		ovl_check_op(ctx, &op);
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
}

/* A random case's whole run: mount, n operations, then the union again after a remount. */
void random_ops_case(struct ovl_ctx *ctx, unsigned int n)
{
	SAFE_MOUNT_UNION(ctx, NULL);
	random_ops_run(ctx, n);
	ovl_remount_union(ctx);
	ovl_check_union(ctx, "after a remount");
}
