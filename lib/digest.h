/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/digest.h - the digests of Docker's store: sha256 as "sha256:<hex>",
 * DiffIDs (sha256 of an uncompressed layer tar), ChainIDs and image IDs.
 * sha256 itself is OpenSSL's libcrypto. All functions return 0 or -errno.
 *
 *   ChainID(L0)       = DiffID(L0)
 *   ChainID(L0..Ln)   = sha256("sha256:<ChainID(L0..Ln-1) hex> sha256:<DiffID(Ln) hex>")
 *   image ID          = sha256(config JSON bytes, exactly as stored)
 */
#ifndef OVL_DIGEST_H
#define OVL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

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

#endif
