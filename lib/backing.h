/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/backing.h - what a backing filesystem offers overlayfs and Docker's
 * overlay2 driver, found by trying it in a scratch dir: d_type in
 * readdir, trusted.* and user.* xattrs, RENAME_WHITEOUT, O_TMPFILE, and
 * the statfs magic Docker names filesystems by. And Docker's own verdict
 * on it as a backing filesystem for overlay2, with Docker's words.
 */
#ifndef OVL_BACKING_H
#define OVL_BACKING_H

#include <stdbool.h>
#include <stddef.h>

#include "tree.h"

struct ovl_backing_info {
	unsigned long magic;		/* statfs f_type */
	const char *name;		/* Docker's name for it ("extfs", "xfs", ...), or "unknown" */
	bool d_type;			/* readdir gives the entries' types (not DT_UNKNOWN) */
	bool trusted_xattr;		/* a trusted.* xattr can be set (needs CAP_SYS_ADMIN) */
	bool user_xattr;
	bool rename_whiteout;		/* renameat2(RENAME_WHITEOUT) works */
	bool o_tmpfile;			/* open(O_TMPFILE) works */
	bool read_only;			/* the probe could not write at all (EROFS) */
};

/*
 * Probe the filesystem dir is on, in a subdir made and removed again
 * (nothing else in dir is touched). 0, or -errno with err saying what
 * failed; a read-only filesystem is 0 with read_only set.
 */
int ovl_backing_probe(const char *dir, struct ovl_backing_info *out, struct ovl_err *err);

/* Docker's name for a statfs magic ("extfs", "xfs", "btrfs", "tmpfs", ...), or NULL. */
const char *ovl_backing_fs_name(unsigned long magic);

/*
 * Docker's overlay2 checks of a backing filesystem: 0 when it would use
 * it, else -EINVAL and msg gets Docker's message: d_type missing (its
 * ErrDTypeNotSupported text, with the advice for xfs and extfs), or a
 * filesystem type overlay2 refuses (aufs, ecryptfs, nfs, overlay, zfs,
 * as Docker did by type up to 19.03).
 */
int ovl_backing_docker_check(const struct ovl_backing_info *bi, char *msg, size_t len);

#endif
