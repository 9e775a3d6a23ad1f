/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/tarlayer.h - OCI/Docker layer tars <-> overlayfs layer directories.
 *
 * Import unpacks a layer tar (plain or gzip; libarchive reads the tar,
 * zlib inflates) into an empty diff directory the way Docker's overlay2
 * driver does, converting the OCI whiteout forms to overlayfs' own:
 *   <dir>/.wh..wh..opq   ->  trusted.overlay.opaque="y" on <dir>
 *   <dir>/.wh.<name>     ->  <dir>/<name> as a 0/0 character device
 * and computes the layer's DiffID (sha256 of the whole uncompressed
 * stream, trailing padding included) and its size by Docker's rule.
 *
 * It refuses, naming the entry: names with a ".." component or an
 * absolute path (stricter than Docker, which cleans "a/../b" to "b"), an
 * entry through a symlink or below a non-directory, a hard link to
 * anything but a regular file earlier in the same layer, a name given
 * twice (a whiteout counts as its name), a whiteout without a name
 * (".wh.", ".wh..", ".wh..."), device nodes and sockets, overlayfs' own
 * trusted.overlay.* xattrs, and a truncated, damaged or non-tar stream.
 * Names below ".wh..wh." other than the opaque marker are aufs metadata
 * and are skipped, as Docker does. Nothing is ever written outside the
 * diff directory (every open is RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
 * after a failure the directory is emptied again.
 */
#ifndef OVL_TARLAYER_H
#define OVL_TARLAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "digest.h"
#include "tree.h"

struct ovl_import_result {
	struct ovl_digest diff_id;	/* sha256 of the uncompressed stream */
	uint64_t tar_bytes;		/* length of the uncompressed stream */
	uint64_t size;			/* Docker's layer size of the diff dir */
	uint64_t entries;		/* tar entries read */
	bool gzip;			/* the input was gzip-compressed */
};

#define OVL_IMPORT_NO_OWNER 0x1u	/* keep the importing user as owner (tests without root) */

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
 * Docker's size of a layer: the apparent size of every non-directory of
 * diffdir with a size above zero, each inode once; a symlink counts the
 * length of its target, a whiteout nothing.
 */
int ovl_layer_size(const char *diffdir, uint64_t *size, struct ovl_err *err);

#endif
