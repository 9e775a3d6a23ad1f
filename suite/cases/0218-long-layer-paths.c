// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Layer paths longer than fsconfig(2) copies as a string (255 bytes): three
 * lowers, an upper and a work dir, each over 300 bytes, mounted through the
 * target however it passes them (mount(2)'s option string holds a page;
 * the new mount API takes such a layer as a descriptor). The union must be
 * the model's merge of the layers, a write must copy up into the long
 * upper dir, and the lowers must stay as they were.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"
#include "ovl-model.h"

static void merged_is_model(struct ovl_ctx *ctx, const char *up, const char *const *lowers, size_t n,
			    const char *merged, const char *when)
{
	struct ovl_tree *model = NULL, *seen = NULL;
	struct ovl_err err = { "" };

	if (ovl_model_merge_dirs(up, lowers, n, &model, &err))
		ovl_brok(ctx, "model: %s", err.msg);
	if (ovl_tree_scan(merged, OVL_SCAN_MERGED, &seen, &err))
		ovl_brok(ctx, "scan %s: %s", merged, err.msg);
	ovl_check_tree(ctx, model, seen, 0, when);
	ovl_tree_unref(model);
	ovl_tree_unref(seen);
}

static void run(struct ovl_ctx *ctx)
{
	static const char *const names[] = { "A", "B", "C", "upper", "work" };
	char base[4096], dirs[5][4400], p[4600], name[201];
	const char *lowers[3] = { dirs[0], dirs[1], dirs[2] };
	const char *merged = ovl_merged_dir(ctx);
	int r;

	memset(name, 'n', 200);
	name[200] = 0;
	snprintf(base, sizeof(base), "%s/%s/%.90s", ovl_case_dir(ctx), name, name);
	for (int i = 0; i < 5; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), "%s/%s", base, names[i]);
		if (ovl_mkdir_p(dirs[i], 0755))
			ovl_brok(ctx, "mkdir %s: %s", dirs[i], strerror(errno));
		if (strlen(dirs[i]) <= 255)
			ovl_brok(ctx, "%s is not over 255 bytes long", dirs[i]);
	}
	for (int i = 0; i < 3; i++) {
		char text[32];

		snprintf(text, sizeof(text), "layer %s\n", names[i]);
		snprintf(p, sizeof(p), "%s/shared", dirs[i]);
		SAFE_WRITE_FILE(ctx, p, text, strlen(text));
		snprintf(p, sizeof(p), "%s/only-%s", dirs[i], names[i]);
		SAFE_WRITE_FILE(ctx, p, text, strlen(text));
	}
	r = ovl_mount_custom(ctx, lowers, 3, dirs[3], dirs[4], merged, NULL);
	ovl_check(ctx, r == 0, "a union of layers at %zu-byte paths mounts%s%s", strlen(dirs[0]), r ? ": " : "",
		  r ? ovl_mount_union_reason(ctx) : "");
	if (r)
		return;
	merged_is_model(ctx, dirs[3], lowers, 3, merged,
			"after mount: the merged view is the model's merge of the long-named layers");
	snprintf(p, sizeof(p), "%s/only-C", merged);
	SAFE_WRITE_FILE(ctx, p, "changed\n", 8);
	snprintf(p, sizeof(p), "%s/only-C", dirs[3]);
	ovl_check(ctx, access(p, F_OK) == 0, "a write copies up into the long-named upper dir");
	merged_is_model(ctx, dirs[3], lowers, 3, merged,
			"after a copy-up: the merged view is the model's merge of the long-named layers");
	ovl_umount_path(ctx, merged);
	snprintf(p, sizeof(p), "%s/only-C", dirs[2]);
	{
		char *data = NULL;
		size_t n = 0;

		ovl_check(ctx, ovl_read_file(p, &data, &n, 4096) == 0 && n == 8 && memcmp(data, "layer C\n", 8) == 0,
			  "the lower file the write went to is as it was");
		free(data);
	}
}

OVL_CASE(
	.number = 218,
	.slug = "long-layer-paths",
	.purpose = "layers at paths over fsconfig's 255-byte string limit mount and merge as the model says",
	.tags = "backing,mountinfo",
	.needs_root = true,
	.run = run,
);
