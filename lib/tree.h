/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/tree.h - layer trees: the fixture text format, materializing a tree
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
#ifndef OVL_TREE_H
#define OVL_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct ovl_err {
	char msg[1024];
};

/* Fill err (if non-NULL) with a formatted message; returns -errnum. */
int ovl_err_set(struct ovl_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Put a formatted prefix in front of err's message (no-op for NULL). */
void ovl_err_prefix(struct ovl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

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
	int layer;			/* model: index of the layer it came from, or -1 */
	uint64_t dev, ino;		/* scanned: st_dev, st_ino (not dumped) */
	unsigned long nlink;		/* scanned: st_nlink (not dumped) */
	char *layer_path;		/* model view: the path in its layer when a redirect
					   or a link put it elsewhere (NULL: path; not dumped) */
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

/*
 * Read directory dir into a new tree (content hashed with sha256, xattrs
 * read, 0/0 char devices recognised as whiteouts, trusted.overlay.opaque
 * and the xattr whiteout form recognised as marks).
 */
int ovl_tree_scan(const char *dir, unsigned int flags, struct ovl_tree **out,
		  struct ovl_err *err);

/* Dump flags. */
#define OVL_DUMP_NO_OWNER	0x1u	/* omit uid/gid */
#define OVL_DUMP_NO_OVL_XATTRS	0x2u	/* omit overlay's bookkeeping xattrs (origin, impure,
					   uuid, nlink...); trusted.overlay.redirect stays */
#define OVL_DUMP_LAYER		0x4u	/* append " # layer=N" where known */

/* One canonical dump line for e, into buf (always NUL-terminated). */
int ovl_entry_format(const struct ovl_entry *e, unsigned int flags, char *buf, size_t len);
/* The canonical dump of t, one line per entry, in canonical order. */
int ovl_tree_dump(const struct ovl_tree *t, unsigned int flags, FILE *out);

/*
 * Print only what differs between expected and actual: "- line" for an
 * expected entry that is absent or different, "+ line" for the actual one.
 * Returns the number of differing paths (0: equal), or -errno.
 */
int ovl_tree_diff(const struct ovl_tree *expected, const struct ovl_tree *actual,
		  unsigned int flags, FILE *out);

#endif
