/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovl-store.h - the layer store library (libovlstore): its whole interface.
 *
 * Docker's overlay2 store as Docker lays it out on disk: digests (DiffID,
 * ChainID, image ID), layer tars (import, export, commit; this library is
 * the only place ovlconform reads or writes a tar), tar-split, the store
 * and its layerdb, containers (init layer, Docker-style mount, commit),
 * verify, and what a commit adds (growth). Tar listings are given as layer
 * trees (ovl-model.h) so they compare as canonical dumps.
 *
 * Link: pkg-config --cflags --libs ovlstore (it needs ovlmodel).
 */
#ifndef OVL_STORE_H
#define OVL_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovl-model.h"

/*
 * == digest: the digests of Docker's store: sha256 as "sha256:<hex>",
 * DiffIDs (sha256 of an uncompressed layer tar), ChainIDs and image IDs.
 * sha256 itself is OpenSSL's libcrypto. All functions return 0 or -errno.
 *
 *   ChainID(L0)       = DiffID(L0)
 *   ChainID(L0..Ln)   = sha256("sha256:<ChainID(L0..Ln-1) hex> sha256:<DiffID(Ln) hex>")
 *   image ID          = sha256(config JSON bytes, exactly as stored)
 */

struct ovl_digest {
	unsigned char b[32];
};

#define OVL_DIGEST_STRLEN 72	/* "sha256:" + 64 hex + NUL */

/* Strictly "sha256:" followed by 64 lowercase hex digits, nothing else. */
int ovl_digest_parse(const char *s, struct ovl_digest *out);
/* The same from len bytes that need not be NUL-terminated (a file's content). */
int ovl_digest_parse_n(const char *s, size_t len, struct ovl_digest *out);
void ovl_digest_format(const struct ovl_digest *d, char out[OVL_DIGEST_STRLEN]);
/* 64 hex digits only. */
void ovl_digest_hex(const struct ovl_digest *d, char out[65]);
int ovl_digest_equal(const struct ovl_digest *a, const struct ovl_digest *b);

int ovl_digest_bytes(const void *buf, size_t len, struct ovl_digest *out);

/* A running sha256 over a stream. */
struct ovl_hasher;
int ovl_hasher_new(struct ovl_hasher **out);
int ovl_hasher_update(struct ovl_hasher *h, const void *buf, size_t len);
/* Final digest; the hasher can be freed afterwards, not updated. */
int ovl_hasher_final(struct ovl_hasher *h, struct ovl_digest *out);
uint64_t ovl_hasher_length(const struct ovl_hasher *h);
void ovl_hasher_free(struct ovl_hasher *h);

/* ChainID of a layer with the given parent ChainID (NULL for a base layer). */
int ovl_chain_id(const struct ovl_digest *parent, const struct ovl_digest *diff_id,
		 struct ovl_digest *out);
/* ChainIDs of a stack of DiffIDs, base first: out[i] is the ChainID of layers 0..i. */
int ovl_chain_ids(const struct ovl_digest *diff_ids, size_t n, struct ovl_digest *out);
/*
 * The same on digest strings, as Docker computes it: sha256 of
 * "<parent> <diff_id>". Any strings are hashed (Docker's own tests chain
 * "sha256:a", "sha256:b"); out gets "sha256:<hex>".
 */
int ovl_chain_id_str(const char *parent, const char *diff_id, char out[OVL_DIGEST_STRLEN]);
/* Image ID of a config. */
int ovl_image_id(const void *config, size_t len, struct ovl_digest *out);

/*
 * CRC-64 with the ISO polynomial (reflected, init and final xor all ones):
 * the payload checksum of tar-split entries. Not a security digest; no
 * Debian library offers this polynomial (liblzma's crc64 is ECMA-182).
 * Start with crc = 0 and feed the pieces in order.
 */
uint64_t ovl_crc64_iso(uint64_t crc, const void *buf, size_t len);


/*
 * == tarlayer: OCI/Docker layer tars <-> overlayfs layer directories.
 *
 * Import unpacks a layer tar (plain or gzip; libarchive reads the tar,
 * zlib inflates) into an empty diff directory the way Docker's overlay2
 * driver does, converting the OCI whiteout forms to overlayfs' own:
 *   <dir>/.wh..wh..opq   ->  trusted.overlay.opaque="y" on <dir>
 *   <dir>/.wh.<name>     ->  <dir>/<name> as a 0/0 character device
 * and computes the layer's DiffID (sha256 of the whole uncompressed
 * stream, trailing padding included) and its size by Docker's rule.
 *
 * It takes what Docker's overlay2 driver takes, as it lays it down
 * (suite/cases/0304-docker-accepts.c checks against a real dockerd): a
 * ".." that stays inside the root is cleaned away ("a/../b" is "b"); a
 * whiteout then an entry of its name leaves the entry (the whiteout is
 * for the layers below); a whiteout with data is a whiteout, its data
 * dropped; device nodes are kept.
 *
 * It refuses, naming the entry: an absolute name, or one whose ".."
 * climbs out of the root (Docker, unpacking in a chroot, clamps such a
 * name at the root instead; here it is hostile input), an entry through a
 * symlink or below a non-directory, a hard link to anything but a regular
 * file earlier in the same layer (or to a name outside the root), a name
 * given twice, an entry then a whiteout of it (Docker refuses that too),
 * a whiteout without a name (".wh.", ".wh..", ".wh..."), sockets,
 * overlayfs' own trusted.overlay.* xattrs, and a truncated, damaged or
 * non-tar stream.
 * Names below ".wh..wh." other than the opaque marker are aufs metadata
 * and are skipped, as Docker does. Nothing is ever written outside the
 * diff directory (every open is RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
 * after a failure the directory is emptied again.
 */

struct ovl_import_result {
	struct ovl_digest diff_id;	/* sha256 of the uncompressed stream */
	uint64_t tar_bytes;		/* length of the uncompressed stream */
	uint64_t size;			/* Docker's layer size of the diff dir */
	uint64_t entries;		/* tar entries read */
	bool gzip;			/* the input was gzip-compressed */
};

#define OVL_IMPORT_NO_OWNER 0x1u	/* keep the importing user as owner (tests without root) */
/*
 * Refuse, naming the entry, what Docker takes but is risky: device nodes,
 * a whiteout with data, a name with a ".." (even one inside the root), a
 * whiteout then an entry of its name (`ovlconform store import --strict`).
 */
#define OVL_IMPORT_STRICT 0x2u

struct ovl_import_opts {
	unsigned int flags;		/* OVL_IMPORT_* */
	const char *tarsplit;		/* write tar-split metadata (gzip) to this new file, or NULL */
};

/*
 * Unpack the tar read from fd into diffdir, which must exist and be
 * empty. name labels errors (the file name, or "-"); opts may be NULL.
 * 0 or -errno; err names the entry and the reason. With opts->tarsplit,
 * ovl_layer_export() can give back the exact stream. Sparse entries are
 * refused then (tar-split cannot give them back byte for byte).
 */
int ovl_layer_import(int fd, const char *name, const char *diffdir, const struct ovl_import_opts *opts,
		     struct ovl_import_result *res, struct ovl_err *err);
int ovl_layer_import_file(const char *tar, const char *diffdir, const struct ovl_import_opts *opts,
			  struct ovl_import_result *res, struct ovl_err *err);

/*
 * Commit: write the directory upper (an overlayfs upper dir, or any plain
 * directory) to outfd as an OCI layer tar, the way Docker commits a
 * container: a lexical walk; a 0/0 char device x becomes an empty regular
 * file .wh.x (mode 0600); a dir marked trusted.overlay.opaque="y" is
 * followed by <dir>/.wh..wh..opq (empty, the dir's mode, mtime 0); a
 * second name of an inode becomes a hard link to the first; of the xattrs
 * only security.capability is kept. Overlay's own bookkeeping xattrs never
 * reach the tar. *diff_id (may be NULL) gets the sha256 of what was written.
 */
int ovl_layer_commit(const char *upper, int outfd, struct ovl_digest *diff_id, uint64_t *bytes,
		     struct ovl_err *err);
/*
 * The same, for an upper dir of a mount with metacopy=on: a file marked
 * trusted.overlay.metacopy holds metadata only, and its data is read
 * through the union mounted on merged (where it really lives), not from
 * the upper file, whose naive tar would carry a hole of the file's size.
 */
int ovl_layer_commit_union(const char *upper, const char *merged, int outfd, struct ovl_digest *diff_id,
			   uint64_t *bytes, struct ovl_err *err);

/*
 * Docker's naive diff, which overlay2 uses instead of tarring the upper dir
 * when the kernel's overlay would put redirects or metacopy marks there:
 * true (and why) when the overlay module's defaults make Docker choose it
 * (redirect_dir or metacopy on; Docker mounts with index=off only).
 */
bool ovl_store_naive_diff(char *why, size_t len);
/*
 * Commit as the naive diff does: the changes between the view of upper
 * over lowers (top first) and the view of the lowers alone, as moby's
 * ChangesDirs finds them (mode, owner, rdev, and for non-dirs size and
 * mtime; a dir holding changes too; a gone subtree by its top), staged in
 * stage_dir (made, then removed) and written to outfd (may be -1) as
 * ExportChanges writes them. *changes_size (may be NULL): ChangesSize,
 * the apparent size of each changed non-dir, each inode once.
 */
/*
 * The same changes as a tree (a layer's content: the changed entries of
 * new_view, a whiteout for each name gone), for a prediction of what a
 * naive commit holds (ovl_commit_predict() of it). Views as ovl_model_merge()
 * makes them; where a view knows the bytes (sha256) a change of bytes counts
 * as a change, as a new mtime would.
 */
int ovl_naive_changes(const struct ovl_tree *new_view, const struct ovl_tree *old_view, struct ovl_tree **out,
		      struct ovl_err *err);
/* ChangesSize of upper over lowers against the lowers alone (Docker's DiffSize with the naive diff). */
int ovl_naive_size(const char *upper, const char *const *lowers, size_t nlowers, uint64_t *size, struct ovl_err *err);
int ovl_layer_commit_naive(const char *upper, const char *const *lowers, size_t nlowers, const char *stage_dir,
			   int outfd, struct ovl_digest *diff_id, uint64_t *changes_size, struct ovl_err *err);

/*
 * Docker's size of a layer: the apparent size of every non-directory of
 * diffdir with a size above zero, each inode once; a symlink counts the
 * length of its target, a whiteout nothing.
 */
int ovl_layer_size(const char *diffdir, uint64_t *size, struct ovl_err *err);


/*
 * == tarsplit: tar-split metadata, as Docker keeps it in
 * layerdb/sha256/<chainID>/tar-split.json.gz: gzip of one JSON object per
 * line, in stream order, numbered by "position" from 0:
 *   {"type":2,"payload":"<base64 raw bytes>","position":N}       a segment:
 *       headers, padding and the end of the archive, byte for byte
 *   {"type":1,"name":"<tar name>","size":S,"payload":"<base64>","position":N}
 *       a file entry; payload is the CRC-64/ISO of its content (8 bytes,
 *       big-endian) or null when size is 0 (size is then omitted); a name
 *       that is not UTF-8 goes as "name_raw" (base64) instead.
 * With the layer's diff dir this gives back the exact tar stream, so its
 * sha256 is the DiffID again.
 */

struct ovl_tarsplit_writer;

int ovl_tarsplit_writer_open(const char *path, struct ovl_tarsplit_writer **out);
int ovl_tarsplit_segment(struct ovl_tarsplit_writer *w, const void *bytes, size_t len);
int ovl_tarsplit_file(struct ovl_tarsplit_writer *w, const char *name, int64_t size, uint64_t crc);
/* Finish the gzip stream: 0, or -errno if anything failed on the way. Frees w. */
int ovl_tarsplit_writer_close(struct ovl_tarsplit_writer *w);

/*
 * Reassemble a layer's tar stream from its diff dir and tar-split file,
 * writing it to outfd (or nowhere when outfd < 0), and give its sha256 and
 * length. Every file's content is checked against its CRC.
 */
int ovl_layer_export(const char *diffdir, const char *tarsplit, int outfd, struct ovl_digest *diff_id,
		     uint64_t *bytes, struct ovl_err *err);


/*
 * == store: Docker's overlay2 layer store, on disk as Docker lays it out
 * under its data root (e.g. /var/lib/docker):
 *
 *   overlay2/l/<LINK>              -> ../<id>/diff (relative symlink)
 *   overlay2/<id>/diff/            the layer's files
 *   overlay2/<id>/link             <LINK>: 26 chars of base32, no newline
 *   overlay2/<id>/lower            l/<parent LINK>[:<parent's lower>], only with a parent
 *   overlay2/<id>/work/            only with a parent
 *   overlay2/<id>/committed        empty; in a layer that has children
 *   image/overlay2/layerdb/sha256/<chainID hex>/{diff,size,cache-id,parent,tar-split.json.gz}
 *
 * (modes as Docker 20.10 makes them; files without a trailing newline;
 * a layerdb entry is written in layerdb/tmp/write-set-* and renamed whole).
 *
 * Handles are opaque; functions return 0 or -errno and fill struct ovl_err.
 */

struct ovl_store;

#define OVL_STORE_CREATE 0x1u	/* make the directories when missing */
#define OVL_STORE_STRICT 0x2u	/* its layer imports are OVL_IMPORT_STRICT */

int ovl_store_open(const char *root, unsigned int flags, struct ovl_store **out, struct ovl_err *err);
void ovl_store_free(struct ovl_store *s);
const char *ovl_store_root(const struct ovl_store *s);

struct ovl_layer_info {
	struct ovl_digest chain_id, diff_id, parent;
	bool has_parent;
	char cache_id[80];		/* the overlay2/<id> directory name */
	char link[32];			/* its l/ short name */
	uint64_t size;
	bool existed;			/* import: the layer was already there */
};

/*
 * Import a layer tar (plain or gzip) from fd on top of parent (a ChainID,
 * or NULL for a base layer). A layer whose ChainID is already registered
 * is not imported twice: *out describes the existing one, existed set.
 * A failed import leaves nothing behind.
 */
int ovl_store_layer_import(struct ovl_store *s, const struct ovl_digest *parent, int fd,
			   const char *name, struct ovl_layer_info *out, struct ovl_err *err);
/* The registered layer with this ChainID (-ENOENT when none). */
int ovl_store_layer_get(struct ovl_store *s, const struct ovl_digest *chain_id,
			struct ovl_layer_info *out, struct ovl_err *err);
/* Every registered layer, in ChainID order (free *v). */
int ovl_store_layers(struct ovl_store *s, struct ovl_layer_info **v, size_t *n, struct ovl_err *err);
/* Write a layer's exact tar stream to outfd; its sha256 in *diff_id. */
int ovl_store_layer_export(struct ovl_store *s, const struct ovl_digest *chain_id, int outfd,
			   struct ovl_digest *diff_id, struct ovl_err *err);

/*
 * Images. A config JSON (architecture, config.Cmd, created, history, os,
 * rootfs.diff_ids of the layer chain that ends in top) is written to
 * imagedb/content/sha256/<image ID> (0600); the image ID is the sha256 of
 * those exact bytes.
 */
struct ovl_image_opts {
	const char *const *cmd;		/* NULL-terminated, or NULL */
	const char *comment;		/* or NULL */
	const char *created;		/* RFC 3339; NULL: now */
	/*
	 * The image it was made from: imagedb/metadata/sha256/<id>/parent,
	 * as docker commit records it (NULL: none; a container's commit takes
	 * the one image whose top layer the container is on, when just one is).
	 */
	const struct ovl_digest *parent;
};
int ovl_store_image_create(struct ovl_store *s, const struct ovl_digest *top,
			   const struct ovl_image_opts *opts, struct ovl_digest *image_id,
			   struct ovl_err *err);
/* The DiffIDs of an image's config, in order (free *diff_ids). */
int ovl_store_image_layers(struct ovl_store *s, const struct ovl_digest *image_id,
			   struct ovl_digest **diff_ids, size_t *n, struct ovl_err *err);
/*
 * Tag an image in repositories.json ("name[:tag]", tag latest by default),
 * as Docker keeps it: {"Repositories":{"<name>":{"<name>:<tag>":"sha256:<id>"}}},
 * replaced atomically. A tag that named another image moves.
 */
int ovl_store_tag(struct ovl_store *s, const char *ref, const struct ovl_digest *image_id,
		  struct ovl_err *err);
/* The image a tag names (-ENOENT when none). */
int ovl_store_resolve(struct ovl_store *s, const char *ref, struct ovl_digest *image_id,
		      struct ovl_err *err);

/* Paths inside the store (into buf; -ENAMETOOLONG if it does not fit). */
int ovl_store_layer_dir(const struct ovl_store *s, const char *cache_id, char *buf, size_t len);


/*
 * == container: containers in the reference store, as Docker's
 * overlay2 driver and layer store make them:
 *
 *   overlay2/<mount-id>-init/   the init layer on the image's top layer:
 *                               dirs /dev/pts /dev/shm /proc /sys, empty
 *                               /.dockerenv /etc/resolv.conf /etc/hosts
 *                               /etc/hostname /dev/console, and the symlink
 *                               /etc/mtab -> /proc/mounts, made as dockerd
 *                               makes them: in its union mounted over the
 *                               image, a non-dir in the way unlinked (a
 *                               whiteout), a dir the image has copied up
 *                               with its mode and owner, what is missing
 *                               made 0755 and root's
 *   overlay2/<mount-id>/        the container's layer on the init layer
 *   layerdb/mounts/<container-id>/{mount-id,init-id,parent}
 *
 * Mounting is Docker's: lowerdir of the l/ short links (absolute), upperdir
 * and workdir of the container layer, "index=off," first when the kernel
 * has that parameter; when that option string is longer than a page less
 * one byte, the lowers go relative to overlay2/ as the lower file lists them
 * and the mount is made from a process whose working directory is overlay2/.
 * This is the only place the library mounts.
 */

struct ovl_container_info {
	char id[65];			/* the container's ID */
	char mount_id[65];
	char init_id[80];		/* <mount-id>-init */
	struct ovl_digest parent;	/* the image's top ChainID */
	char upper[PATH_MAX];		/* overlay2/<mount-id>/diff */
	char merged[PATH_MAX];		/* overlay2/<mount-id>/merged (while mounted) */
};

int ovl_store_container_create(struct ovl_store *s, const struct ovl_digest *image_id,
			       struct ovl_container_info *out, struct ovl_err *err);
int ovl_store_container_get(struct ovl_store *s, const char *id, struct ovl_container_info *out,
			    struct ovl_err *err);
/*
 * A container's layer dirs, as a union of them is made: the upper
 * (overlay2/<mount-id>/diff) and work dir, and the lowers top first: the
 * init layer's diff, then the diff of each layer of the image, found
 * through the layerdb (each layer's cache-id and parent), not through the
 * mount layer's lower file, so a union mounted from that file can be
 * checked against them. Free with ovl_container_dirs_free(). 0 or -errno.
 */
struct ovl_container_dirs {
	char upper[PATH_MAX];
	char work[PATH_MAX];
	char **lowers;			/* absolute paths, top first */
	size_t nlowers;
};
int ovl_store_container_dirs(struct ovl_store *s, const char *id, struct ovl_container_dirs *out,
			     struct ovl_err *err);
void ovl_container_dirs_free(struct ovl_container_dirs *d);
/*
 * Mount the container's union on overlay2/<mount-id>/merged, as Docker
 * does. *relative says whether the long-option fallback was taken (may be NULL).
 */
int ovl_store_container_mount(struct ovl_store *s, const char *id, bool *relative, struct ovl_err *err);
int ovl_store_container_umount(struct ovl_store *s, const char *id, struct ovl_err *err);
/*
 * Commit: the container's layer as an OCI tar, registered as a new layer on
 * the image's top layer, and a new image (tagged ref when not NULL).
 */
int ovl_store_container_commit(struct ovl_store *s, const char *id, const struct ovl_image_opts *opts,
			       const char *ref, struct ovl_digest *image_id, struct ovl_layer_info *layer,
			       struct ovl_err *err);
/*
 * How a store's commits find a container's changes: as Docker would on
 * this kernel (AUTO, the default), or pinned to one way, as a caller that
 * checks one of them pins a mount option.
 */
enum ovl_diff_mode { OVL_DIFF_AUTO, OVL_DIFF_NATIVE, OVL_DIFF_NAIVE };
void ovl_store_set_diff_mode(struct ovl_store *s, enum ovl_diff_mode mode);
/* Whether the store's next commit takes the naive diff. */
bool ovl_store_commits_naive(const struct ovl_store *s);


/*
 * == remove: deleting as dockerd 20.10 does, and the store's garbage.
 *
 * Nothing on disk counts references; they are counted from the store as
 * dockerd counts them when it starts: a layer is held by each image whose
 * top layer it is, by each layer made on it and by each container layer
 * made on it. A layer nothing holds any more is deleted, then its parent is
 * looked at the same way. A layer's deletion renames its layerdb entry to
 * <chainID hex>-<random>-removing first (a deletion cut short is found by
 * that name; dockerd finishes it at shutdown, ovl_store_gc() too), removes
 * its l/ link and overlay2/<id>, then the renamed entry.
 */

/* What a deletion did, in dockerd's words: kind "Untagged" (a "name:tag") or "Deleted" (an ID). */
typedef void (*ovl_store_record_fn)(void *arg, const char *kind, const char *name);

struct ovl_image_info {
	struct ovl_digest id;
	struct ovl_digest top;		/* ChainID of its top layer */
	bool has_layers;
	struct ovl_digest parent;	/* imagedb/metadata/sha256/<id>/parent: the image it was committed on */
	bool has_parent;
};
/* Every image of imagedb, in ID order (free *v). */
int ovl_store_images(struct ovl_store *s, struct ovl_image_info **v, size_t *n, struct ovl_err *err);

#define OVL_RMI_FORCE 0x1u		/* docker rmi -f */
#define OVL_RMI_NO_PRUNE 0x2u		/* docker rmi --no-prune: untagged parent images stay */
/*
 * docker rmi REF: ref is a tag (name[:tag]), an image ID ("sha256:<hex>")
 * or a prefix of an ID's hex digits that names one image. A tag is
 * untagged; the image goes when nothing else names it. Refused (-EBUSY,
 * dockerd's message) when a child image was committed on it or a running
 * (mounted) container uses it; without force also when a stopped container
 * uses it or, by ID, when more than one tag names it. Parents left
 * untagged and unused go too, unless OVL_RMI_NO_PRUNE. A container of this
 * library uses the images whose top layer its layer is on; one of dockerd's
 * the image its containers/<id>/config.v2.json names.
 */
int ovl_store_image_remove(struct ovl_store *s, const char *ref, unsigned int flags, ovl_store_record_fn rec,
			   void *arg, struct ovl_err *err);
/*
 * docker rm: the container's layer, its init layer, its layerdb mount entry
 * (and dockerd's containers/<id>, when there is one), then the image layers
 * nothing holds any more. -EBUSY while its union is mounted.
 */
int ovl_store_container_remove(struct ovl_store *s, const char *id, ovl_store_record_fn rec, void *arg,
			       struct ovl_err *err);

/*
 * The store's garbage, each reported with its path and what it is:
 * deletions cut short (layerdb/sha256/<hex>-*-removing), layerdb writes
 * never committed (layerdb/tmp/<any>), layers of containers that are gone
 * (a layerdb mount entry without its <root>/containers/<id>, where that
 * directory exists), layers nothing holds (dockerd never removes those),
 * overlay2/<id> dirs no layer or container names, l/ links to nothing or
 * that no layer's link file names, and the imagedb metadata of images that
 * are gone. With OVL_GC_REMOVE each is removed as dockerd would remove it
 * (a layer with the parents it alone held); without, nothing is touched.
 * *n gets the number found.
 */
#define OVL_GC_REMOVE 0x1u
typedef void (*ovl_store_gc_fn)(void *arg, const char *path, const char *what);
int ovl_store_gc(struct ovl_store *s, unsigned int flags, ovl_store_gc_fn report, void *arg, size_t *n,
		 struct ovl_err *err);


/*
 * == verify: checking a whole Docker overlay2 store (a real
 * /var/lib/docker included), read-only. Every problem is reported with the
 * path it concerns and the reason; malformed files are reported, never
 * trusted. Docker itself has no such check.
 *
 * Checked: layerdb entries (ChainID recomputed from parent + diff, file
 * formats: strict sha256:<lowercase hex>, decimal size, no trailing
 * newline), their cache-id dirs, link files and l/ links both ways, lower
 * files against the parent chain, committed marks on layers with
 * children, sizes by Docker's rule, tar-split presence; container mounts
 * (mount-id, init-id, parent); image configs (ID = sha256 of the bytes,
 * rootfs.diff_ids chaining to registered layers); repositories.json tags;
 * image metadata (of an image there is; lastUpdated a Go RFC 3339 time;
 * parent an image there is); layer deletions cut short (<hex>-*-removing);
 * the modes and owners of the store's own dirs and files, as dockerd
 * 20.10.24 makes them (the data root's owner owns them all).
 * With OVL_VERIFY_DEEP, every layer's DiffID is re-derived from its diff
 * dir and tar-split, and what Docker takes but is risky is reported as a
 * warning (reason "warning: ...", not counted as a problem): device nodes
 * in a layer (the other risky shapes of a tar leave no trace in a diff dir).
 */

#define OVL_VERIFY_DEEP 0x1u

typedef void (*ovl_verify_report_fn)(void *arg, const char *path, const char *reason);

/*
 * Check the store under root. *problems gets the number reported through
 * report. Returns 0 when the check ran (whatever it found), -errno when it
 * could not (err says why).
 */
int ovl_store_verify(const char *root, unsigned int flags, ovl_verify_report_fn report, void *arg,
		     size_t *problems, struct ovl_err *err);


/*
 * == growth: what a commit adds to an image, predicted from an upper
 * layer (the model's) and read back from a layer tar, in one normalized
 * form: one line per tar entry, sorted:
 *   "dir /d", "file /f <size>", "symlink /l", "hardlink /b /a",
 *   "whiteout /x" (a .wh.x entry), "opaque /d" (d/.wh..wh..opq)
 * and the layer's size by Docker's rule (every non-dir's apparent size,
 * each inode once, a symlink its target's length, whiteouts nothing).
 */

/* The entries and size a commit of this upper layer must give (free with ovl_lines_free). */
int ovl_commit_predict(const struct ovl_tree *upper, char ***lines, size_t *n, uint64_t *size,
		       struct ovl_err *err);
/* The entries of a layer tar read from fd, in the same form. */
int ovl_layer_entries(int fd, char ***lines, size_t *n, struct ovl_err *err);
void ovl_lines_free(char **lines, size_t n);

/*
 * A layer tar read back as a layer tree (new reference in *out), so two
 * layers compare as canonical dumps (ovl_tree_dump, ovl_tree_diff): each
 * entry with type, mode, owner, xattrs, size and sha256 of its content
 * (OVL_ENTRY_DIGEST_ONLY), link targets, device numbers; ".wh.x" as a
 * whiteout and ".wh..wh..opq" as the opaque mark of its dir, as an upper
 * dir holds them. Plain or compressed. 0 or -errno (a name outside the
 * layer, overlayfs' own xattrs on an entry, a broken tar).
 */
int ovl_layer_tar_tree(int fd, struct ovl_tree **out, struct ovl_err *err);
/*
 * The layers of an image archive as `docker save` writes it, in the order
 * of its manifest.json (legacy <id>/layer.tar names or an OCI layout's
 * blobs/sha256/<hex>; a layer written as a symlink to an earlier one, as
 * docker save writes a repeated DiffID, is read through it): the sha256 of
 * each layer's tar (its DiffID) in
 * diff_ids (at most max), their number in *n. 0 or -errno.
 */
int ovl_image_archive_layers(int fd, struct ovl_digest *diff_ids, size_t max, size_t *n, struct ovl_err *err);


#endif
