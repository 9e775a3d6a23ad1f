// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/perms.c - permission checks of a caller without capabilities:
 * the mode bits of the name and of the dirs on its path.
 *
 * Deliberately wrong build, for the wrong-model tests (suite/tests/mutants.tsv,
 * scripts/mutants.sh):
 *  -DOVL_MODEL_WRONG_PERM   every caller gets the owner's mode bits
 */
#define _GNU_SOURCE
#include "ovl-model.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include "ovl-common.h"
#include "model-private.h"

/* In a user namespace (opt.userns): is e's owner or group one the namespace cannot map? */
bool model_unmapped_owner(const struct ovl_model *m, const struct ovl_entry *e)
{
	return m->opt.userns && e && (e->uid == m->opt.overflow_uid || e->gid == m->opt.overflow_gid);
}

/* May uid:gid (no capabilities) have access want (4 read, 2 write, 1 search) to e? */
bool model_may(const struct ovl_op *op, const struct ovl_entry *e, unsigned int want)
{
#ifdef OVL_MODEL_WRONG_PERM
	/* Deliberately wrong: every caller is taken for the owner. */
	unsigned int bits = (e->mode >> 6) & 7;

	(void)op;
#else
	unsigned int bits = op->as_uid == e->uid ? (e->mode >> 6) & 7
			    : op->as_gid == e->gid ? (e->mode >> 3) & 7 : e->mode & 7;
#endif

	return (bits & want) == want;
}

/* The user's model_permission checks for op: 0, or EACCES / EPERM. */
int model_permission(const struct ovl_tree *view, const struct ovl_op *op, const struct ovl_entry *e)
{
	const char *paths[2] = { op->path, op->path2 };

	/* Search model_permission on every parent of every path the call names. */
	for (int k = 0; k < 2 && paths[k]; k++) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s", paths[k]);
		for (char *s = p + 1, *slash; (slash = strchr(s, '/')); s = slash + 1) {
			const struct ovl_entry *d;

			*slash = 0;
			d = ovl_tree_lookup(view, p);
			*slash = '/';
			if (d && d->type == OVL_FT_DIR && !model_may(op, d, 1))
				return EACCES;
		}
		{
			const struct ovl_entry *root = ovl_tree_lookup(view, "/");

			if (root && !model_may(op, root, 1))
				return EACCES;
		}
	}
	switch (op->kind) {
	case OVL_OP_READ:
	case OVL_OP_READDIR:
		return e && !model_may(op, e, op->kind == OVL_OP_READDIR ? 4 : 4) ? EACCES : 0;
	case OVL_OP_WRITE:
	case OVL_OP_TRUNCATE:
		/* the open and truncate paths refuse a dir (EISDIR) and O_EXCL an existing name (EEXIST) first */
		if (e && (e->type == OVL_FT_DIR ||
			  (op->kind == OVL_OP_WRITE && (op->flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))))
			return 0;
		return e && !model_may(op, e, 2) ? EACCES : 0;
	case OVL_OP_ACCESS:
		return e && !model_may(op, e, 2) ? EACCES : 0;
	case OVL_OP_SETXATTR:
	case OVL_OP_REMOVEXATTR:
		/* the VFS's xattr_permission(): user.* on a sticky dir is its owner's to change */
		if (e && strncmp(op->name, "user.", 5) == 0 && e->type == OVL_FT_DIR && (e->mode & S_ISVTX) &&
		    e->uid != op->as_uid)
			return EPERM;
		return e && !model_may(op, e, 2) ? EACCES : 0;
	case OVL_OP_CHMOD:
	case OVL_OP_UTIMES:
		return e && e->uid != op->as_uid ? EPERM : 0;
	case OVL_OP_CHOWN:
		/* The owner model_may keep the owner and pick the group among the user's own (as_gid). */
		return e && (e->uid != op->as_uid || (op->uid != (uid_t)-1 && op->uid != e->uid) ||
			     (op->gid != (gid_t)-1 && op->gid != e->gid && op->gid != op->as_gid)) ? EPERM : 0;
	default:
		return 0;
	}
}

/*
 * Write and search on the dir that holds path (for names made or removed):
 * EACCES; then, for a name removed or replaced there (the VFS's
 * may_delete()), a sticky dir lets only the owner of the name or of the dir
 * do it: EPERM.
 */
int model_dir_permission(const struct ovl_tree *view, const struct ovl_op *op, const char *path)
{
	char parent[PATH_MAX];
	const struct ovl_entry *d, *victim;

	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(path, '/') - path), path);
	d = ovl_tree_lookup(view, *parent ? parent : "/");
	if (!d || d->type != OVL_FT_DIR)
		return 0;
	if (!model_may(op, d, 3))
		return EACCES;
	/* a second name of an inode has the inode's owner */
	victim = ovl_tree_inode_entry(view, ovl_tree_lookup(view, path));
	if ((d->mode & S_ISVTX) && victim && op->kind != OVL_OP_LINK && op->kind != OVL_OP_MKDIR &&
	    op->kind != OVL_OP_SYMLINK && op->kind != OVL_OP_MKNOD && op->kind != OVL_OP_WRITE &&
	    victim->uid != op->as_uid && d->uid != op->as_uid)
		return EPERM;
	return 0;
}
