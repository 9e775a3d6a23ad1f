/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovl-model.h - the union model library (libovlmodel): its whole interface.
 *
 *   layer trees     the fixture text format, materialize, scan, the canonical
 *                   dump and the difference of two trees;
 *   the model       the merged view of a stack of layers, and the model of a
 *                   mount under operations (copy-up, names, renames, links,
 *                   permissions), predicting errno, the merged view and the
 *                   upper layer.
 *
 * Link: pkg-config --cflags --libs ovlmodel. lib/model/README.md says how the
 * pieces fit and how to add an operation.
 */
#ifndef OVL_MODEL_H
#define OVL_MODEL_H

#include <stdbool.h>
#include <time.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "ovl-common.h"

/*
 * == tree: layer trees: the fixture text format, materializing a tree
 * into a directory, scanning a directory back, the canonical dump and the
 * difference between two trees.
 *
 * A tree is a set of entries keyed by absolute path ("/" is the root of the
 * tree, i.e. the layer directory itself). It is held in canonical order:
 * component-wise byte order, so a directory always comes right before its
 * own subtree. Trees are reference counted (ovl_tree_new() returns a tree
 * with one reference; ovl_tree_unref() is NULL-safe).
 *
 * Errors: every function returning int returns 0 or -errno. Functions that
 * take a struct ovl_err * fill it (when non-NULL) with a message naming the
 * path or line and the reason. Nothing here prints or exits.
 *
 * The fixture format, one entry per line ('#' starts a comment line):
 *
 *   [A]                                 start of the tree named "A" (a fixture
 *                                       file may hold several named trees; a
 *                                       file without headers holds one, "")
 *   dir      /etc          mode=0755 uid=0 gid=0 opaque
 *   file     /etc/hostname mode=0644 data="box\n"
 *   file     /big          size=1048576 fill=pattern   (or fill=zero, fill=hole)
 *   symlink  /lnk          target="etc/hostname"
 *   hardlink /b            target="/a"     (another name for /a, same tree)
 *   fifo     /p
 *   sock     /s
 *   chr      /null         dev=1:3
 *   blk      /loop         dev=7:0
 *   whiteout /etc/old.conf            (a 0/0 char device, overlayfs' mark)
 *   file     /m  size=4096 fill=hole metacopy   (trusted.overlay.metacopy: metadata
 *                                       only, the data is the file's below)
 *   ...      xattr.user.k="v"         any number of xattrs, on any entry
 *
 * Values are bare words or "quoted" with C escapes (\n \t \\ \" \xHH).
 * Paths use the same escapes, unquoted (\x20 for a space). Parent directories
 * not listed are implied (mode 0755, owner 0:0). Defaults: mode 0755 for
 * dirs, 0644 for other files, owner 0:0.
 *
 * The canonical dump is the same grammar with every field explicit and the
 * content given as size= and sha256=, so a dump reads like a fixture.
 * "opaque" on a dir means trusted.overlay.opaque="y"; such overlay marks are
 * shown as marks, never as raw xattrs.
 */

enum ovl_ftype {
	OVL_FT_DIR,
	OVL_FT_REG,
	OVL_FT_LNK,
	OVL_FT_FIFO,
	OVL_FT_SOCK,
	OVL_FT_CHR,
	OVL_FT_BLK,
	OVL_FT_WHITEOUT,	/* 0/0 char device, or the xattr form in a lower */
	OVL_FT_HARDLINK,	/* fixtures only: another name for target */
};

/* How a regular file's content is produced when it has size= but no data=. */
enum ovl_fill {
	OVL_FILL_NONE,		/* content given as data= (or empty) */
	OVL_FILL_ZERO,		/* written zeros */
	OVL_FILL_PATTERN,	/* deterministic non-zero pattern */
	OVL_FILL_HOLE,		/* sparse: ftruncate only */
};

/*
 * Layers are numbered one way everywhere (the model, the harness, the
 * logs): the upper layer, then the lowers top first, as lowerdir= lists
 * them. The number is wrapped in a struct, so that an int or a number of
 * another kind does not compile where a layer is meant.
 */
struct ovl_layer {
	int n;			/* 0: the upper layer; 1 + i: lowers[i]; -1: none */
};
#define OVL_LAYER_UPPER ((struct ovl_layer){ 0 })
#define OVL_LAYER_LOWER(i) ((struct ovl_layer){ 1 + (int)(i) })
#define OVL_LAYER_NONE ((struct ovl_layer){ -1 })

static inline bool ovl_layer_is(struct ovl_layer a, struct ovl_layer b)
{
	return a.n == b.n;
}

static inline bool ovl_layer_is_lower(struct ovl_layer l)
{
	return l.n >= 1;
}

/* i of lowers[i], for a lower layer. */
static inline size_t ovl_layer_lower_index(struct ovl_layer l)
{
	return (size_t)(l.n - 1);
}

/* "upper", "lower 0", "lower 1"... or "none", in buf (returned). */
const char *ovl_layer_format(struct ovl_layer l, char *buf, size_t len);

struct ovl_xattr {
	char *name;
	unsigned char *value;
	size_t len;
};

#define OVL_ENTRY_OPAQUE	0x1u	/* dir: trusted.overlay.opaque="y" */
#define OVL_ENTRY_XWHITEOUTS	0x2u	/* dir: trusted.overlay.opaque="x", holds xattr whiteouts */
#define OVL_ENTRY_XATTR_FORM	0x4u	/* whiteout: empty file + trusted.overlay.whiteout */
#define OVL_ENTRY_DIGEST_ONLY	0x8u	/* file: content known by sha256 only (a parsed dump) */
#define OVL_ENTRY_MERGED	0x10u	/* model view: a dir merged from more than one layer
					   (never dumped; what rename needs to know) */
#define OVL_ENTRY_INDEXED	0x20u	/* model: a name of an inode the index holds; ino is the
					   index record's id (never dumped) */
#define OVL_ENTRY_REFUSED	0x80u	/* merged view: a name readdir lists and lookup refuses
					   with EPERM (a redirect not followed); a whiteout entry,
					   dumped as "whiteout /x refused" */
#define OVL_ENTRY_METACOPY	0x40u	/* file: trusted.overlay.metacopy: metadata only, its data
					   lies in a layer below (dumped as the mark "metacopy") */

/*
 * One entry of a tree. Read-only for users of the library: get entries from
 * ovl_tree_lookup() / ovl_tree_entry_at() and change trees only through the
 * functions below.
 */
struct ovl_entry {
	char *path;			/* "/" or "/a/b", no trailing slash */
	enum ovl_ftype type;
	mode_t mode;			/* permission bits, 07777 */
	uid_t uid;
	gid_t gid;
	uint64_t size;			/* regular files */
	bool has_digest;		/* sha256 known (scanned, or data given) */
	unsigned char sha256[32];
	unsigned char *data;		/* fixture content, may be NULL */
	size_t data_len;
	enum ovl_fill fill;
	char *target;			/* symlink target, or hardlink's path */
	unsigned int rdev_major, rdev_minor;
	struct ovl_xattr *xattrs;	/* sorted by name */
	size_t nxattrs;
	unsigned int flags;		/* OVL_ENTRY_* */
	struct ovl_layer layer;		/* model: the layer it came from, or OVL_LAYER_NONE */
	uint64_t dev, ino;		/* scanned: st_dev, st_ino (not dumped) */
	unsigned long nlink;		/* scanned: st_nlink (not dumped) */
	struct timespec mtime;		/* scanned: st_mtim (not dumped; zero in fixtures) */
	unsigned char d_type;		/* scanned: what readdir said (DT_*; 0 for the root) */
	char *layer_path;		/* model view: the path in its layer when a redirect
					   or a link put it elsewhere (NULL: path; not dumped) */
	char *data_path;		/* model view of a metacopy file: where its data lies,
					   in data_layer (NULL: in the entry itself; not dumped) */
	struct ovl_layer data_layer;
	void *data_ref;			/* the library's: the shared buffer data lies in, once the
					   entry is in a tree (copies share it); NULL: data is
					   the caller's own */
};

struct ovl_tree;

struct ovl_tree *ovl_tree_new(void);
struct ovl_tree *ovl_tree_ref(struct ovl_tree *t);
void ovl_tree_unref(struct ovl_tree *t);

size_t ovl_tree_count(const struct ovl_tree *t);
/* i-th entry in canonical order, NULL when out of range. */
const struct ovl_entry *ovl_tree_entry_at(const struct ovl_tree *t, size_t i);
/* The entry at path, or NULL. */
const struct ovl_entry *ovl_tree_lookup(const struct ovl_tree *t, const char *path);
/*
 * Index of path in canonical order: 0 and *idx set, or -ENOENT. The entries
 * below a directory follow it contiguously, so a walk of a subtree is a walk
 * from *idx + 1 while ovl_path_is_below() holds.
 */
int ovl_tree_find_index(const struct ovl_tree *t, const char *path, size_t *idx);
/* True when path lies strictly below dir ("/" holds everything but itself). */
bool ovl_path_is_below(const char *path, const char *dir);
/* The last component of path ("" for "/"). */
const char *ovl_path_basename(const char *path);
/*
 * The entry that holds e's inode: e, or for a second name of an inode
 * (OVL_FT_HARDLINK) the first name it names; NULL when that is missing.
 */
const struct ovl_entry *ovl_tree_inode_entry(const struct ovl_tree *t, const struct ovl_entry *e);
/*
 * Where path leads in t: every symlink on the way followed (relative
 * targets; "." and ".." folded), the last one too when follow_last; at
 * most 40 links. The result need not exist in t.
 */
void ovl_tree_resolve(const struct ovl_tree *t, const char *path, bool follow_last, char *out, size_t len);

/*
 * Add a copy of e (path, type, metadata, xattrs, data). Missing parent
 * directories are added with default metadata. -EEXIST if the path is
 * present, -EINVAL for a malformed path.
 */
int ovl_tree_add(struct ovl_tree *t, const struct ovl_entry *e, struct ovl_err *err);
/* Replace the entry at path (which must exist) with a copy of e, path kept. */
int ovl_tree_replace(struct ovl_tree *t, const char *path, const struct ovl_entry *e);
/* Remove path and everything below it. -ENOENT if absent. */
int ovl_tree_remove(struct ovl_tree *t, const char *path);

/* Compare two paths in canonical order (strcmp-like). */
int ovl_path_cmp(const char *a, const char *b);
/* Human-readable type keyword ("file", "dir", ...). */
const char *ovl_ftype_name(enum ovl_ftype type);

/*
 * A parsed fixture: one or more named trees. ovl_fixture_tree() returns a
 * borrowed pointer (take a reference to keep it past ovl_fixture_free()).
 */
struct ovl_fixture;

int ovl_fixture_parse(const char *text, const char *origin, struct ovl_fixture **out,
		      struct ovl_err *err);
int ovl_fixture_load(const char *file, struct ovl_fixture **out, struct ovl_err *err);
void ovl_fixture_free(struct ovl_fixture *f);
size_t ovl_fixture_count(const struct ovl_fixture *f);
const char *ovl_fixture_name_at(const struct ovl_fixture *f, size_t i);
struct ovl_tree *ovl_fixture_tree(const struct ovl_fixture *f, const char *name);

/* Materialize flags. */
#define OVL_MAT_NO_OWNER	0x1u	/* leave ownership as created (non-root use) */

/*
 * Write tree t into the existing directory dir (which is the tree's "/").
 * Directory modes are applied last so read-only dirs can still be filled.
 * Refuses (-EINVAL) any path that would leave dir.
 */
int ovl_tree_materialize(const struct ovl_tree *t, const char *dir, unsigned int flags,
			 struct ovl_err *err);

/* Scan flags. */
#define OVL_SCAN_MERGED		0x1u	/* dir is an overlay mount: no whiteout/opaque decoding */
#define OVL_SCAN_UPPER		0x2u	/* dir is an upper layer: opaque=x and xattr whiteouts
					   mean nothing there (the kernel honours them in lowers) */
#define OVL_SCAN_FRESH		0x4u	/* with a content cache: read every file in full all the
					   same, and keep what was read for the scans after */
#define OVL_SCAN_USERXATTR	0x8u	/* a layer of a userxattr union: its user.overlay.* marks
					   are overlay's, read as the trusted.overlay.* ones
					   (the one form the model knows) */

/*
 * Read directory dir into a new tree (content hashed with sha256, xattrs
 * read, 0/0 char devices recognised as whiteouts, trusted.overlay.opaque
 * and the xattr whiteout form recognised as marks).
 */
int ovl_tree_scan(const char *dir, unsigned int flags, struct ovl_tree **out,
		  struct ovl_err *err);

/*
 * A content cache for repeated scans: a regular file's sha256 (and whether
 * it is all hole) is kept by (st_dev, st_ino) and used again while its
 * size, mtime and ctime are what they were when it was read, and only when
 * that ctime lay well before the read began (racily clean files are read
 * again: a change in the same clock tick keeps the timestamps). Everything
 * else (type, mode, owner, xattrs, targets) is read at each scan.
 * The cache trusts the scanned filesystem to renew ctime when content
 * changes (POSIX); ovl_scan_cache_verify() checks that it did.
 */
struct ovl_scan_cache;
struct ovl_scan_cache *ovl_scan_cache_new(void);
void ovl_scan_cache_free(struct ovl_scan_cache *c);
/* Forget every file (a filesystem unmounted: its device number may come back). */
void ovl_scan_cache_clear(struct ovl_scan_cache *c);
/* Files whose digest came from the cache since the last clear. */
unsigned long ovl_scan_cache_hits(const struct ovl_scan_cache *c);
/* ovl_tree_scan with a cache (NULL: none). */
int ovl_tree_scan_cached(const char *dir, unsigned int flags, struct ovl_scan_cache *c,
			 struct ovl_tree **out, struct ovl_err *err);
/*
 * Read every regular file under dir (scan flags) whose cached digest a scan
 * used again in full, and compare with what the cache holds for it. 0 when
 * all agree (n_checked: how many were read), >0: the number of files whose
 * content changed under unchanged size, mtime and ctime (each named in
 * why), <0 -errno.
 */
int ovl_scan_cache_verify(struct ovl_scan_cache *c, const char *dir, unsigned int flags, unsigned long *n_checked,
			  char *why, size_t len, struct ovl_err *err);
/* The same judgement over t, a fresh scan of dir (every cached file in it). */
int ovl_scan_cache_compare(const struct ovl_scan_cache *c, const char *dir, const struct ovl_tree *t,
			   unsigned long *n_checked, char *why, size_t len);

/* Dump flags. */
#define OVL_DUMP_NO_OWNER	0x1u	/* omit uid/gid */
#define OVL_DUMP_NO_OVL_XATTRS	0x2u	/* omit overlay's bookkeeping xattrs (origin, impure,
					   uuid, nlink...); trusted.overlay.redirect stays */
#define OVL_DUMP_LAYER		0x4u	/* append " # layer upper" or " # layer lower N" where known */

/* One canonical dump line for e, into buf (always NUL-terminated). */
int ovl_entry_format(const struct ovl_entry *e, unsigned int flags, char *buf, size_t len);
/* The canonical dump of t, one line per entry, in canonical order. */
int ovl_tree_dump(const struct ovl_tree *t, unsigned int flags, FILE *out);

/*
 * Print only what differs between expected and actual: "- line" for an
 * expected entry that is absent or different, "+ line" for the actual one.
 * A refused name (OVL_ENTRY_REFUSED) matches its absence: overlayfs lists
 * it, or drops it where its readdir looks names up (xino, impure dirs).
 * Returns the number of differing paths (0: equal), or -errno.
 */
int ovl_tree_diff(const struct ovl_tree *expected, const struct ovl_tree *actual,
		  unsigned int flags, FILE *out);


/*
 * == model: the reference model of overlayfs' union view.
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
 * Layers in the result (struct ovl_entry.layer): OVL_LAYER_UPPER for
 * the upper layer, 1 + i for lowers[i] (lowers[0] is the topmost lower).
 */

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

/*
 * What a mount's options change in the merged view (a zeroed struct is
 * ovl_model_merge()'s: redirects followed, metacopy files read through):
 *  - nofollow (redirect_dir=nofollow, or off where redirect_always_follow
 *    is N): a redirect is not followed. A dir whose merge would need it
 *    (its redirect, in any layer of its stack but the last, with layers
 *    left below) is refused: lookup fails with EPERM (the kernel's
 *    ovl_lookup(), "refusing to follow redirect"), shown as a whiteout
 *    marked OVL_ENTRY_REFUSED, which a scan of a mount shows for EPERM;
 *  - ndata: the last ndata lowers are data-only layers (lowerdir=A::D,
 *    datadir+): nothing in them shows by name; only a metacopy file's
 *    absolute redirect reaches them;
 *  - a metacopy file (OVL_ENTRY_METACOPY) shows its own metadata and the
 *    data of the first regular file below it: at its redirect (absolute:
 *    from every lower root below; relative: a name in its dir's layers),
 *    else at its own name in its dir's layers; a metacopy file there passes
 *    the search on. None found: -EIO (the kernel's lookup fails).
 */
struct ovl_merge_options {
	bool nofollow;
	size_t ndata;
};
int ovl_model_merge_opts(const struct ovl_tree *upper, const struct ovl_tree *const *lowers, size_t nlowers,
			 const struct ovl_merge_options *opt, struct ovl_tree **out, struct ovl_err *err);

/* The same, scanning the layer directories first (upper may be NULL). */
int ovl_model_merge_dirs(const char *upper, const char *const *lowers, size_t nlowers,
			 struct ovl_tree **out, struct ovl_err *err);
int ovl_model_merge_dirs_opts(const char *upper, const char *const *lowers, size_t nlowers,
			      const struct ovl_merge_options *opt, struct ovl_tree **out, struct ovl_err *err);

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
 *  - with metacopy, a metadata change copies a file up without its data,
 *    a write or truncate then brings the data; see ovl_model_options;
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
 *  - a new name in a setgid dir takes the dir's group (a new dir S_ISGID
 *    too), as inode_init_owner() gives it;
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
 * Operations as text, one line each, for reproducers (read back exactly):
 *
 *   write /m/a flags=O_WRONLY|O_APPEND data="step 3\n"
 *   write /n1 flags=O_WRONLY|O_CREAT mode=0644 data=x
 *   truncate /f size=3          chmod /d mode=0700       chown /f uid=1 gid=2
 *   utimes /f                   setxattr /f name=user.k data=v
 *   removexattr /f name=user.k  unlink /f   rmdir /d   mkdir /d mode=0755
 *   rename /a /b flags=RENAME_NOREPLACE                  link /a /b
 *   symlink /l target=m/a       mknod /p type=fifo mode=0640 (dev=M:m)
 *   read /f   stat /f   readdir /d   readlink /l   access /f
 *   ... as=1000:1000            done by that uid:gid without capabilities
 *
 * Values are bare words or "quoted" with C escapes, as in fixtures.
 */
struct ovl_op_text {
	struct ovl_op op;		/* its strings point into the buffers below */
	char path[4096], path2[4096], name[256];
	unsigned char data[4096];
};
/* The line for op (no newline; malloc'd), or NULL for a kind it cannot show or no memory. */
char *ovl_op_format(const struct ovl_op *op);
/* Parse one line into t; 0, or -EINVAL with err naming the line and what is wrong. */
int ovl_op_parse(const char *line, struct ovl_op_text *t, struct ovl_err *err);

/*
 * The model of a mount of these layer dirs (upper must exist; lowers top
 * first). Content the model needs is read from the lower dirs on disk.
 */
int ovl_model_open(const char *upper, const char *const *lowers, size_t nlowers,
		   struct ovl_model **out, struct ovl_err *err);
/* ovl_model_open, its scans of the layers with a content cache (NULL: none). */
int ovl_model_open_cached(const char *upper, const char *const *lowers, size_t nlowers,
			  struct ovl_scan_cache *cache, struct ovl_model **out, struct ovl_err *err);
/* The same, the layers scanned with scan_flags too (OVL_SCAN_USERXATTR). */
int ovl_model_open_flags(const char *upper, const char *const *lowers, size_t nlowers,
			 struct ovl_scan_cache *cache, unsigned int scan_flags, struct ovl_model **out,
			 struct ovl_err *err);
void ovl_model_free(struct ovl_model *m);
/* The mount options that change what operations do (all off unless set). */
struct ovl_model_options {
	bool redirect_dir;	/* redirect_dir=on: dirs with lower layers can be renamed */
	bool index;		/* index=on: lower hard links stay one inode across copy-up */
	bool no_offline_changes; /* index, metacopy, redirect_dir=on or xino=on in use: the
				    kernel then marks new dirs in merge dirs opaque */
	int upper_notempty;	/* what the upper fs's rename over a dir with names returns:
				   ENOTEMPTY, or EEXIST (xfs; POSIX allows both); 0: ENOTEMPTY */
	bool protected_hardlinks; /* the host's fs.protected_hardlinks: a user links only a file
				     they own, or a plain one they may read and write (EPERM) */
	int protected_regular, protected_fifos; /* the host's fs.protected_*: O_CREAT of a name
				     another owns in a sticky dir (may_create_in_sticky, EACCES) */
	bool metacopy;		/* metacopy=on: a change of metadata only (chmod, chown, utimes,
				   xattrs, link, rename) copies a lower file up without its data
				   (OVL_ENTRY_METACOPY, a hole of its size); the first open for
				   writing or truncate brings the data up and drops the mark; a
				   renamed metacopy file takes a redirect to its data, as a dir */
	bool nofollow;		/* redirect_dir=nofollow: redirects in any layer are not followed */
	/*
	 * A union mounted in a user namespace, its layers seen from there: an
	 * owner the namespace cannot map shows as overflow_uid (overflow_gid),
	 * and overlayfs refuses to copy such an inode up (EOVERFLOW, since the
	 * CVE-2023-0386 fix, 6.2 and stable): the call fails, what came up
	 * before it (the parents) stays.
	 */
	bool userns;
	unsigned int overflow_uid, overflow_gid;
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
