// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests for lib/digest: the public test vectors of Docker's digests. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ovl-store.h"

#define EMPTY_TAR "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

static struct ovl_digest D(const char *s)
{
	struct ovl_digest d;

	if (ovl_digest_parse(s, &d))
		fail_msg("bad test digest %s", s);
	return d;
}

static void assert_digest(const struct ovl_digest *d, const char *want)
{
	char s[OVL_DIGEST_STRLEN];

	ovl_digest_format(d, s);
	assert_string_equal(s, want);
}

static void test_empty_tar_diff_id(void **state)
{
	static const unsigned char zeros[1024];
	struct ovl_digest d;
	struct ovl_hasher *h;

	(void)state;
	assert_int_equal(ovl_digest_bytes(zeros, sizeof(zeros), &d), 0);
	assert_digest(&d, EMPTY_TAR);
	/* The same, streamed in uneven pieces. */
	assert_int_equal(ovl_hasher_new(&h), 0);
	assert_int_equal(ovl_hasher_update(h, zeros, 1), 0);
	assert_int_equal(ovl_hasher_update(h, zeros, 1000), 0);
	assert_int_equal(ovl_hasher_update(h, zeros, 23), 0);
	assert_int_equal(ovl_hasher_final(h, &d), 0);
	assert_int_equal(ovl_hasher_length(h), 1024);
	ovl_hasher_free(h);
	assert_digest(&d, EMPTY_TAR);
}

/* Docker's own vector chains the strings "sha256:a", "sha256:b", "sha256:c". */
static void test_chain_ids_abc(void **state)
{
	char c1[OVL_DIGEST_STRLEN], c2[OVL_DIGEST_STRLEN];

	(void)state;
	assert_int_equal(ovl_chain_id_str("sha256:a", "sha256:b", c1), 0);
	assert_string_equal(c1, "sha256:970a948bffa8de94d6e22d747ba8c95030e6e546909f98f54e99a13005e173a8");
	assert_int_equal(ovl_chain_id_str(c1, "sha256:c", c2), 0);
	assert_string_equal(c2, "sha256:dee159b33409cefa3f6eda71539f006014283e9d9130c18a1dea7bd8a33c9b1b");
}

/* ChainID(L0..Ln) is sha256 of the two digest strings with one space. */
static void test_chain_ids_vectors(void **state)
{
	struct ovl_digest in[3], out[3];

	(void)state;
	in[0] = D("sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1");
	in[1] = D(EMPTY_TAR);
	assert_int_equal(ovl_chain_ids(in, 2, out), 0);
	assert_digest(&out[0], "sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1");
	assert_digest(&out[1], "sha256:c3191d32a37d7159b2e30830937d2e30268ad6c375a773a8994911a3aba9b93f");

	in[0] = in[1] = in[2] = D(EMPTY_TAR);
	assert_int_equal(ovl_chain_ids(in, 3, out), 0);
	assert_digest(&out[0], EMPTY_TAR);
	assert_digest(&out[1], "sha256:170b376f64fb30995c140276be3d71dfb256b308d86183ca3b22aa93a79ad548");
	assert_digest(&out[2], "sha256:7800f80a93336d416612f372faa5f69eb67b353ce6ae9535fa0848f8784c74b1");

	/* The small-layer vector on the empty-tar base. */
	in[1] = D("sha256:590b0b2a98fe3cde78b72eed6b717817a168adc3186e133eff626a56db7577d3");
	assert_int_equal(ovl_chain_id(&in[0], &in[1], &out[0]), 0);
	assert_digest(&out[0], "sha256:9bebc5281c45ebd3d5549456a3242424e7fe4cb0e0d7e60f4fdbf0c38d47f4d6");
}

static void test_image_id_vector(void **state)
{
	static const char config[] = "{\"comment\": \"abc\", \"rootfs\": {\"type\": \"layers\", \"diff_ids\": "
				     "[\"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae\"]}}";
	struct ovl_digest d;

	(void)state;
	assert_int_equal(ovl_image_id(config, strlen(config), &d), 0);
	assert_digest(&d, "sha256:8d25a9c45df515f9d0fe8e4a6b1c64dd3b965a84790ddbcc7954bb9bc89eb993");
}

static void test_parse_is_strict(void **state)
{
	struct ovl_digest d;
	static const char *const bad[] = {
		"sha256:5F70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", /* uppercase */
		"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6e",  /* short */
		"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef\n", /* newline */
		"5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",        /* no prefix */
		"sha512:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
		"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6eg",
		"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ovl_digest_parse(bad[i], &d) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(ovl_digest_parse(EMPTY_TAR, &d), 0);
}

/* The CRC catalogue's check value of CRC-64/GO-ISO, and streaming in pieces. */
static void test_crc64_iso(void **state)
{
	(void)state;
	assert_true(ovl_crc64_iso(0, "123456789", 9) == 0xb90956c775a41001ULL);
	assert_true(ovl_crc64_iso(ovl_crc64_iso(0, "1234", 4), "56789", 5) == 0xb90956c775a41001ULL);
	assert_true(ovl_crc64_iso(0, "", 0) == 0);
	/* Every alignment and length against the bytewise definition. */
	{
		unsigned char buf[300];

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)(i * 131 + 7);
		for (size_t off = 0; off < 9; off++)
			for (size_t len = 0; len + off <= sizeof(buf); len += 13) {
				uint64_t slow = ~0ULL;

				for (size_t k = 0; k < len; k++) {
					slow ^= buf[off + k];
					for (int b = 0; b < 8; b++)
						slow = slow & 1 ? (slow >> 1) ^ 0xD800000000000000ULL : slow >> 1;
				}
				assert_true(ovl_crc64_iso(0, buf + off, len) == ~slow);
			}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_tar_diff_id),
		cmocka_unit_test(test_chain_ids_abc),
		cmocka_unit_test(test_chain_ids_vectors),
		cmocka_unit_test(test_image_id_vector),
		cmocka_unit_test(test_parse_is_strict),
		cmocka_unit_test(test_crc64_iso),
	};

	return cmocka_run_group_tests_name("lib/digest", tests, NULL, NULL);
}
