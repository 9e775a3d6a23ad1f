// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ovl-store.h"

#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct ovl_hasher {
	EVP_MD_CTX *ctx;
	uint64_t len;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int ovl_digest_parse_n(const char *s, size_t len, struct ovl_digest *out)
{
	if (len != 71 || memcmp(s, "sha256:", 7) != 0)
		return -EINVAL;
	for (int i = 0; i < 32; i++) {
		int h = hexval(s[7 + 2 * i]), l = hexval(s[8 + 2 * i]);

		if (h < 0 || l < 0)
			return -EINVAL;
		out->b[i] = (unsigned char)(h << 4 | l);
	}
	return 0;
}

int ovl_digest_parse(const char *s, struct ovl_digest *out)
{
	return ovl_digest_parse_n(s, strlen(s), out);
}

void ovl_digest_hex(const struct ovl_digest *d, char out[65])
{
	static const char x[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = x[d->b[i] >> 4];
		out[2 * i + 1] = x[d->b[i] & 15];
	}
	out[64] = 0;
}

void ovl_digest_format(const struct ovl_digest *d, char out[OVL_DIGEST_STRLEN])
{
	memcpy(out, "sha256:", 7);
	ovl_digest_hex(d, out + 7);
}

int ovl_digest_equal(const struct ovl_digest *a, const struct ovl_digest *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

int ovl_digest_bytes(const void *buf, size_t len, struct ovl_digest *out)
{
	return EVP_Digest(buf, len, out->b, NULL, EVP_sha256(), NULL) ? 0 : -EIO;
}

int ovl_hasher_new(struct ovl_hasher **out)
{
	struct ovl_hasher *h = calloc(1, sizeof(*h));

	if (!h || !(h->ctx = EVP_MD_CTX_new())) {
		free(h);
		return -ENOMEM;
	}
	if (!EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL)) {
		ovl_hasher_free(h);
		return -EIO;
	}
	*out = h;
	return 0;
}

int ovl_hasher_update(struct ovl_hasher *h, const void *buf, size_t len)
{
	h->len += len;
	return EVP_DigestUpdate(h->ctx, buf, len) ? 0 : -EIO;
}

int ovl_hasher_final(struct ovl_hasher *h, struct ovl_digest *out)
{
	return EVP_DigestFinal_ex(h->ctx, out->b, NULL) ? 0 : -EIO;
}

uint64_t ovl_hasher_length(const struct ovl_hasher *h)
{
	return h->len;
}

void ovl_hasher_free(struct ovl_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int ovl_chain_id(const struct ovl_digest *parent, const struct ovl_digest *diff_id,
		 struct ovl_digest *out)
{
	char buf[2 * OVL_DIGEST_STRLEN];

	if (!parent) {
		*out = *diff_id;
		return 0;
	}
	ovl_digest_format(parent, buf);
	buf[71] = ' ';
	ovl_digest_format(diff_id, buf + 72);
	return ovl_digest_bytes(buf, 143, out);
}

int ovl_chain_ids(const struct ovl_digest *diff_ids, size_t n, struct ovl_digest *out)
{
	for (size_t i = 0; i < n; i++) {
		int r = ovl_chain_id(i ? &out[i - 1] : NULL, &diff_ids[i], &out[i]);

		if (r)
			return r;
	}
	return 0;
}

int ovl_chain_id_str(const char *parent, const char *diff_id, char out[OVL_DIGEST_STRLEN])
{
	size_t lp = strlen(parent), ld = strlen(diff_id);
	char *buf = malloc(lp + ld + 2);
	struct ovl_digest d;
	int r;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, parent, lp);
	buf[lp] = ' ';
	memcpy(buf + lp + 1, diff_id, ld);
	r = ovl_digest_bytes(buf, lp + ld + 1, &d);
	free(buf);
	if (!r)
		ovl_digest_format(&d, out);
	return r;
}

int ovl_image_id(const void *config, size_t len, struct ovl_digest *out)
{
	return ovl_digest_bytes(config, len, out);
}

/* Slicing-by-8: eight bytes a step through eight tables (t[0] is the classic one). */
static uint64_t crc_t[8][256];

static void crc_tables(void)
{
	for (unsigned int i = 0; i < 256; i++) {
		uint64_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xD800000000000000ULL : c >> 1;
		crc_t[0][i] = c;
	}
	for (unsigned int i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			crc_t[k][i] = (crc_t[k - 1][i] >> 8) ^ crc_t[0][crc_t[k - 1][i] & 0xff];
}

uint64_t ovl_crc64_iso(uint64_t crc, const void *buf, size_t len)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const unsigned char *p = buf;

	pthread_once(&once, crc_tables);
	crc = ~crc;
	while (len && ((uintptr_t)p & 7)) {
		crc = crc_t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		len--;
	}
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		w = le64toh(w) ^ crc;
		crc = crc_t[7][w & 0xff] ^ crc_t[6][(w >> 8) & 0xff] ^ crc_t[5][(w >> 16) & 0xff] ^
		      crc_t[4][(w >> 24) & 0xff] ^ crc_t[3][(w >> 32) & 0xff] ^ crc_t[2][(w >> 40) & 0xff] ^
		      crc_t[1][(w >> 48) & 0xff] ^ crc_t[0][w >> 56];
	}
	while (len--)
		crc = crc_t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
