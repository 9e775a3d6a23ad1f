/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/tarsplit.h - tar-split metadata, as Docker keeps it in
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
#ifndef OVL_TARSPLIT_H
#define OVL_TARSPLIT_H

#include <stdbool.h>
#include <stdint.h>

#include "digest.h"
#include "tree.h"

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

#endif
