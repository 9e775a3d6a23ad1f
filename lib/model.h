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

#include <stdbool.h>

#include "tree.h"

#define OVL_LAYER_UPPER 0
/* overlayfs stacks at most 500 lowers; with the upper, 501 layers */
#define OVL_MODEL_MAX_LAYERS 501
/* Where a renamed dir's lower layers are to be found (absolute "/a/b" or a name in the parent). */
#define OVL_MODEL_XATTR_REDIRECT "trusted.overlay.redirect"

/*
 * Merge: upper may be NULL (a read-only mount of lowers only). lowers are
 * given top to bottom; nlowers >= 1. *out is a new tree.
 */
int ovl_model_merge(const struct ovl_tree *upper, const struct ovl_tree *const *lowers,
		    size_t nlowers, struct ovl_tree **out, struct ovl_err *err);

/* The same, scanning the layer directories first (upper may be NULL). */
int ovl_model_merge_dirs(const char *upper, const char *const *lowers, size_t nlowers,
			 struct ovl_tree **out, struct ovl_err *err);

/*
 * Operations. The model of a mount keeps the upper layer as it must be
 * after each operation (the lowers never change) and predicts what each
 * operation returns. What it knows:
 *
 *  - a read-only open, stat, readdir, readlink and access change nothing;
 *  - an open for writing (O_WRONLY, O_RDWR, O_APPEND, O_TRUNC), truncate,
 *    chmod, chown, utimensat, setxattr and removexattr of a name that only
 *    a lower layer has copy it up first: its parent directories (with the
 *    merged view's metadata), then the file itself (content, mode, owner,
 *    xattrs but overlay's own), then apply the change; a write, truncate
 *    or chown drops security.capability, as the kernel's killpriv does;
 *  - unlink and rmdir remove the name from the upper layer and, when a
 *    lower layer still has it, leave a whiteout (the parents come up
 *    first); rmdir fails with ENOTEMPTY while the merged dir lists a name;
 *  - mkdir where a whiteout hides a lower name makes an opaque dir, so
 *    nothing of the lower dir shows through; a file made there simply
 *    replaces the whiteout;
 *  - mkdir in a merge dir makes an opaque dir when the mount does not allow
 *    offline changes of its layers (index, metacopy, redirect_dir=on or
 *    xino=on in use), as the kernel's ovl_create_upper() does;
 *  - rename copies the name up, puts it (and all below it) at the new name
 *    in the upper layer, over what was there, and whites out the old name
 *    where a lower layer has it; a dir with lower layers moves only with
 *    redirect_dir=on (else EXDEV) and takes a redirect (its old name within
 *    its dir, else the absolute path of its lowers, built from its
 *    ancestors' redirects; kept once absolute); a pure upper dir moving into
 *    a merge dir becomes opaque; a target dir must be empty (with lower
 *    layers: ENOTEMPTY before any copy-up; pure upper: the upper fs's own
 *    answer, after it); errors in the VFS's order (EEXIST for
 *    RENAME_NOREPLACE, EINVAL into itself, ENOTEMPTY onto an ancestor, then
 *    EISDIR/ENOTDIR); two names of one inode: nothing happens;
 *    RENAME_EXCHANGE copies both ends up and swaps them (no whiteout; dirs
 *    get redirect or opaque marks as above); overlayfs refuses
 *    RENAME_WHITEOUT (EINVAL, once both names resolve and, for a user, the
 *    permission checks pass: no CAP_MKNOD is needed since Linux 5.8); the
 *    VFS refuses bad flag mixes first (EINVAL);
 *  - the merge follows redirects (upper and lower layers' own) to find a
 *    dir's lower layers;
 *  - index=on: the first copy-up of a lower hard link (or its first lost
 *    name) puts it in the index; every name of it then shows that one
 *    inode, later copy-ups link to it, an xattr change of a name without
 *    an upper alias goes to the index inode alone; ovl_model_nlink() gives
 *    the link count the mount must report;
 *  - symlinks are followed among the parents, and at the end by the calls
 *    that follow (open, truncate, chmod, access), relative targets only;
 *    symlink and mknod make new names (a 0/0 device: EPERM);
 *  - link copies the file up and gives its upper inode the new name too;
 *    a change through one name shows through the other; unlinking one
 *    name leaves the other (EPERM for a dir, EEXIST over a name);
 *  - an operation done by an ordinary user (as_user) first passes the
 *    permission checks on the merged view's modes and owners (search on
 *    every parent, read or write on the file, write and search on the dir
 *    for names made or removed, ownership for chmod and utimensat; chown
 *    only by the owner, to the same owner and to the user's own group): EACCES or EPERM and no copy-up when they fail; otherwise the
 *    copy-up is as root's, and a file the user makes is the user's;
 *  - errors: ENOENT for a name the merged view lacks (or a whiteout hides),
 *    ENOTDIR for a path through a non-directory, EISDIR for opening a
 *    directory for writing or unlinking it, EEXIST for mkdir over a name.
 * Timestamps are not modelled (nor dumped).
 */
struct ovl_model;

enum ovl_op_kind {
	OVL_OP_READ,		/* open O_RDONLY and read it all */
	OVL_OP_STAT,		/* lstat */
	OVL_OP_READDIR,
	OVL_OP_READLINK,
	OVL_OP_ACCESS,		/* access(W_OK) */
	OVL_OP_WRITE,		/* open(flags) and write data */
	OVL_OP_TRUNCATE,	/* truncate(2) to size */
	OVL_OP_CHMOD,
	OVL_OP_CHOWN,		/* lchown */
	OVL_OP_UTIMES,		/* utimensat, AT_SYMLINK_NOFOLLOW */
	OVL_OP_SETXATTR,	/* lsetxattr */
	OVL_OP_REMOVEXATTR,	/* lremovexattr */
	OVL_OP_UNLINK,
	OVL_OP_RMDIR,
	OVL_OP_MKDIR,		/* with mode */
	OVL_OP_RENAME,		/* renameat2(path, path2, flags): RENAME_NOREPLACE, _EXCHANGE, _WHITEOUT */
	OVL_OP_LINK,		/* link(path, path2) */
	OVL_OP_SYMLINK,		/* symlink(data, path): a new link to the target in data */
	OVL_OP_MKNOD,		/* mknod(path, mode, rdev): S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK */
};

struct ovl_op {
	enum ovl_op_kind kind;
	const char *path;		/* "/a/b" in the merged view */
	const char *path2;		/* RENAME: the new name */
	int flags;			/* WRITE: O_WRONLY, O_RDWR, with O_APPEND, O_TRUNC, O_CREAT */
	const void *data;		/* WRITE: bytes written; SETXATTR: value */
	size_t len;
	uint64_t size;			/* TRUNCATE */
	mode_t mode;			/* CHMOD, and WRITE with O_CREAT */
	uid_t uid;			/* CHOWN */
	gid_t gid;
	const char *name;		/* SETXATTR, REMOVEXATTR */
	unsigned int rdev_major;	/* MKNOD of a device */
	unsigned int rdev_minor;
	bool as_user;			/* done by as_uid:as_gid without capabilities, not by root */
	unsigned int follow_depth;	/* model only: symlinks followed so far */
	uid_t as_uid;
	gid_t as_gid;
};

/* A short description of op ("open(/f, O_WRONLY|O_TRUNC) + write 5 bytes"). */
void ovl_op_describe(const struct ovl_op *op, char *buf, size_t len);

/*
 * The model of a mount of these layer dirs (upper must exist; lowers top
 * first). Content the model needs is read from the lower dirs on disk.
 */
int ovl_model_open(const char *upper, const char *const *lowers, size_t nlowers,
		   struct ovl_model **out, struct ovl_err *err);
void ovl_model_free(struct ovl_model *m);
/* The mount options that change what operations do (all off unless set). */
struct ovl_model_options {
	bool redirect_dir;	/* redirect_dir=on: dirs with lower layers can be renamed */
	bool index;		/* index=on: lower hard links stay one inode across copy-up */
	bool no_offline_changes; /* index, metacopy, redirect_dir=on or xino=on in use: the
				    kernel then marks new dirs in merge dirs opaque */
	int upper_notempty;	/* what the upper fs's rename over a dir with names returns:
				   ENOTEMPTY, or EEXIST (xfs; POSIX allows both); 0: ENOTEMPTY */
};
void ovl_model_set_options(struct ovl_model *m, const struct ovl_model_options *opt);
/* The upper layer as the model predicts it (borrowed). */
const struct ovl_tree *ovl_model_upper(const struct ovl_model *m);
/* The merged view of the model's layers now (a new tree). */
int ovl_model_view(const struct ovl_model *m, struct ovl_tree **out, struct ovl_err *err);
/*
 * Apply op: *want_errno gets what the call must return (0: success), and
 * the model's upper layer becomes what it must be afterwards.
 */
int ovl_model_apply(struct ovl_model *m, const struct ovl_op *op, int *want_errno,
		    struct ovl_err *err);
/*
 * The st_nlink the mount must report for the file at path: with index=on
 * an indexed lower hard link counts the union's names (from the lower
 * count, one less per name removed, one more per link); an upper file its
 * upper names; a lower file its lower count, even where copy-up (with
 * index=off) broke the link.
 */
int ovl_model_nlink(const struct ovl_model *m, const char *path, unsigned long *nlink,
		    struct ovl_err *err);

#endif
