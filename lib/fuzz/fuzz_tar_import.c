// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: any byte stream as a layer tar. The import must refuse
 * or succeed without crashing, never write outside its diff dir, and when
 * it succeeds, exporting through the tar-split it wrote must give back a
 * stream with the same DiffID. The same bytes read back as a layer tree
 * (ovl_layer_tar_tree) and as a docker save archive
 * (ovl_image_archive_layers) must give an answer without crashing, and a
 * tree read back must dump as a fixture that parses.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovl-store.h"
#include "ovl-common.h"

static char base[64], diff[128], ts[128], fence[128];

static void setup(void)
{
	snprintf(base, sizeof(base), "/tmp/ovl-fuzz-import.%d", (int)getpid());
	snprintf(diff, sizeof(diff), "%s/layer/diff", base);
	snprintf(ts, sizeof(ts), "%s/tar-split.json.gz", base);
	snprintf(fence, sizeof(fence), "%s/layer", base);
	ovl_remove_tree(base);
	if (ovl_mkdir_p(diff, 0755))
		abort();
}

static int count(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovl_import_opts o = { .tarsplit = ts };
	struct ovl_import_result res;
	struct ovl_err err = { "" };
	int fd;

	if (!*base)
		setup();
	fd = memfd_create("tar", MFD_CLOEXEC);
	if (fd < 0 || ovl_write_all(fd, data, size) || lseek(fd, 0, SEEK_SET))
		abort();
	unlink(ts);
	if (ovl_layer_import(fd, "fuzz", diff, &o, &res, &err) == 0) {
		struct ovl_digest again;

		if (ovl_layer_export(diff, ts, -1, &again, NULL, &err) || !ovl_digest_equal(&again, &res.diff_id)) {
			fprintf(stderr, "export does not give the imported stream back: %s\n", err.msg);
			__builtin_trap();
		}
	}
	{
		struct ovl_tree *t = NULL;
		struct ovl_digest ids[8];
		size_t n = 0;

		if (lseek(fd, 0, SEEK_SET) || (ovl_layer_tar_tree(fd, &t, &err) == 0 && !t))
			__builtin_trap();
		if (t) {
			char *text = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&text, &len);
			struct ovl_fixture *fx = NULL;

			if (!f || ovl_tree_dump(t, 0, f))
				abort();
			fclose(f);
			if (ovl_fixture_parse(text, "dump", &fx, &err)) {
				fprintf(stderr, "the dump of a tar's tree does not parse: %s\n%s", err.msg, text);
				__builtin_trap();
			}
			ovl_fixture_free(fx);
			free(text);
			ovl_tree_unref(t);
		}
		if (lseek(fd, 0, SEEK_SET))
			abort();
		if (ovl_image_archive_layers(fd, ids, 8, &n, &err) == 0 && n > 1u << 20)
			__builtin_trap();
	}
	close(fd);
	/* Only diff/ may have been written in: layer/ holds nothing else, base/ only these two. */
	if (count(fence) != 1 || count(base) > 2)
		__builtin_trap();
	ovl_remove_tree(diff);
	if (mkdir(diff, 0755))
		abort();
	return 0;
}
