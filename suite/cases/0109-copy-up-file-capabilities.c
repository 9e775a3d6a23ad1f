// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * File capabilities across copy-up, read with libcap: a chmod copies a
 * lower file up with its security.capability, and the merged file still
 * reports cap_net_raw=ep; a write to another capable lower file
 * copies it up and then drops the capability, as the kernel does for any
 * write. Each call is checked against the model (result, merged view,
 * upper dir).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/capability.h>

#include "harness.h"

/* The file's capabilities as libcap prints them ("" when none). */
static void caps_of(const char *path, char *buf, size_t len)
{
	cap_t c = cap_get_file(path);
	char *t = c ? cap_to_text(c, NULL) : NULL;

	snprintf(buf, len, "%s", t ? t : "");
	cap_free(t);
	cap_free(c);
}

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op chmod_op = { .kind = OVL_OP_CHMOD, .path = "/capped", .mode = 0750 };
	const struct ovl_op write_op = { .kind = OVL_OP_WRITE, .path = "/capped2", .flags = O_WRONLY | O_APPEND,
					 .data = "# changed\n", .len = 10 };
	char before[128], merged[128], upper[128];

	SAFE_MOUNT_UNION(ctx, NULL);
	caps_of(ovl_merged_path(ctx, "/capped"), before, sizeof(before));
	if (!strstr(before, "cap_net_raw"))
		ovl_brok(ctx, "the lower file's capabilities read back as '%s'", before);
	ovl_check_op(ctx, &chmod_op);
	caps_of(ovl_merged_path(ctx, "/capped"), merged, sizeof(merged));
	caps_of(ovl_path(ctx, OVL_LAYER_UPPER, "/capped"), upper, sizeof(upper));
	ovl_check(ctx, strcmp(merged, before) == 0 && strcmp(upper, before) == 0,
		  "after chmod the copied-up file keeps %s (merged: %s, upper: %s)", before, merged, upper);
	ovl_check_op(ctx, &write_op);
	caps_of(ovl_merged_path(ctx, "/capped2"), merged, sizeof(merged));
	ovl_check(ctx, merged[0] == 0, "after a write the capability is gone (libcap reads '%s')", merged);
}

OVL_CASE(
	.number = 109,
	.slug = "copy-up-file-capabilities",
	.purpose = "file capabilities survive a copy-up by chmod and go on a write, read with libcap",
	.tags = "copy-up",
	.needs_root = true,
	.fixture = "copy-up/files.tree",
	.run = run,
);
