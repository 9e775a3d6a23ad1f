// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: a store whose files hold arbitrary bytes. The first
 * input byte picks which file of a small valid store gets the rest of the
 * input; verify (deep), ls, get and export must report, never crash.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovl-store.h"
#include "ovl-common.h"

#define ID "1111111111111111111111111111111111111111111111111111111111111111"
#define CHAIN "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

static char root[64];

static const char *const files[] = {
	"image/overlay2/layerdb/sha256/" CHAIN "/diff",
	"image/overlay2/layerdb/sha256/" CHAIN "/size",
	"image/overlay2/layerdb/sha256/" CHAIN "/cache-id",
	"image/overlay2/layerdb/sha256/" CHAIN "/parent",
	"image/overlay2/layerdb/sha256/" CHAIN "/tar-split.json.gz",
	"overlay2/" ID "/link",
	"overlay2/" ID "/lower",
	"image/overlay2/repositories.json",
	"image/overlay2/imagedb/content/sha256/" ID,
	"image/overlay2/layerdb/mounts/c/mount-id",
	"image/overlay2/layerdb/mounts/c/init-id",
	"image/overlay2/layerdb/mounts/c/parent",
};

static void put(const char *rel, const void *data, size_t len)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (ovl_write_file(p, data, len))
		abort();
}

/* The empty tar as a one-layer store, written by hand. */
static void good_store(void)
{
	static const char zeros[1024];
	struct ovl_tarsplit_writer *w = NULL;
	char p[512];
	struct ovl_store *s = NULL;

	ovl_remove_tree(root);
	if (ovl_store_open(root, OVL_STORE_CREATE, &s, NULL))
		abort();
	ovl_store_free(s);
	snprintf(p, sizeof(p), "%s/image/overlay2/layerdb/sha256/" CHAIN, root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/overlay2/" ID "/diff", root);
	ovl_mkdir_p(p, 0755);
	snprintf(p, sizeof(p), "%s/image/overlay2/layerdb/mounts/c", root);
	ovl_mkdir_p(p, 0700);
	put(files[0], "sha256:" CHAIN, 71);
	put(files[1], "0", 1);
	put(files[2], ID, 64);
	put(files[5], "AAAAAAAAAAAAAAAAAAAAAAAAAA", 26);
	snprintf(p, sizeof(p), "%s/%s", root, files[4]);
	if (ovl_tarsplit_writer_open(p, &w) || ovl_tarsplit_segment(w, zeros, sizeof(zeros)) ||
	    ovl_tarsplit_writer_close(w))
		abort();
	snprintf(p, sizeof(p), "%s/overlay2/l/AAAAAAAAAAAAAAAAAAAAAAAAAA", root);
	symlink("../" ID "/diff", p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovl_store *s = NULL;
	struct ovl_layer_info *v = NULL, li;
	struct ovl_err err = { "" };
	struct ovl_digest c, d, *ids = NULL;
	size_t n = 0;

	if (!*root)
		snprintf(root, sizeof(root), "/tmp/ovl-fuzz-store.%d", (int)getpid());
	good_store();
	if (size) {
		put(files[data[0] % (sizeof(files) / sizeof(files[0]))], data + 1, size - 1);
		if (size > 1 && data[0] & 0x80)
			put(files[data[1] % (sizeof(files) / sizeof(files[0]))], data + 1, size - 1);
	}
	ovl_store_verify(root, OVL_VERIFY_DEEP, NULL, NULL, &n, &err);
	if (ovl_store_open(root, 0, &s, &err) == 0) {
		if (ovl_store_layers(s, &v, &n, &err) == 0)
			free(v);
		ovl_digest_parse("sha256:" CHAIN, &c);
		if (ovl_store_layer_get(s, &c, &li, &err) == 0)
			ovl_store_layer_export(s, &c, -1, &d, &err);
		ovl_digest_parse("sha256:" ID, &c);
		if (ovl_store_image_layers(s, &c, &ids, &n, &err) == 0)
			free(ids);
		ovl_store_resolve(s, "x:y", &c, &err);
		ovl_store_free(s);
	}
	return 0;
}
