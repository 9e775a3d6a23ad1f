// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mountinfo (read through libmount) shows the union as the target mounted
 * it: fstype overlay, the lower layers A, B, C in order as they were given
 * (lowerdir=A:B:C through mount(2); lowerdir+=A,lowerdir+=B,lowerdir+=C
 * through fsconfig(2), as the kernel shows layers added one by one),
 * upperdir and workdir, read-write, and the per-mount options a caller
 * asked for (here index=off and redirect_dir=nofollow). overlayfs lists
 * only options that differ from its module defaults, so an option it omits
 * must equal the default.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	char want[3 * 4096 + 4], got[3 * 4096 + 4];
	const char *v = NULL, *lowers = ovl_target_lowers_option(ctx);
	static const char *const asked[][2] = { { "index", "off" }, { "redirect_dir", "nofollow" } };

	SAFE_MOUNT_UNION(ctx, "index=off,redirect_dir=nofollow");
	ovl_check_union(ctx, "after mount");
	snprintf(want, sizeof(want), "%s:%s:%s", ovl_layer_dir(ctx, OVL_LAYER_A),
		 ovl_layer_dir(ctx, OVL_LAYER_B), ovl_layer_dir(ctx, OVL_LAYER_C));
	if (lowers && strcmp(lowers, "lowerdir+") == 0)
		ovl_check(ctx, ovl_mount_option_all(ctx, "lowerdir+", got, sizeof(got)) == 0 && strcmp(got, want) == 0 &&
			  ovl_mount_option(ctx, "lowerdir", &v) == -ENOENT,
			  "lowerdir+= lists A, B and C top to bottom, one each");
	else
		ovl_check(ctx, ovl_mount_option(ctx, "lowerdir", &v) == 0 && strcmp(v, want) == 0,
			  "lowerdir= lists A, B and C top to bottom");
	ovl_check(ctx, ovl_mount_option(ctx, "upperdir", &v) == 0 &&
		  strcmp(v, ovl_layer_dir(ctx, OVL_LAYER_UPPER)) == 0, "upperdir= is the upper dir");
	ovl_check(ctx, ovl_mount_option(ctx, "workdir", &v) == 0 &&
		  strcmp(v, ovl_work_dir(ctx)) == 0, "workdir= is the work dir");
	for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		bool shown = false;
		int r = ovl_mount_option_effective(ctx, asked[i][0], &v, &shown);

		ovl_check(ctx, r == 0 && strcmp(v, asked[i][1]) == 0, "%s=%s as asked (%s)", asked[i][0],
			  asked[i][1], r ? "unknown" : shown ? "shown in mountinfo" : lowers
			  ? "omitted from mountinfo as the module default" : "the target's documented behaviour");
	}
	ovl_check(ctx, ovl_mount_is_readonly(ctx) == 0, "the union with an upper is read-write");
}

OVL_CASE(
	.number = 13,
	.slug = "mountinfo-options",
	.purpose = "mountinfo shows the layers and options the union was mounted with",
	.tags = "precedence,mountinfo",
	.needs_root = true,
	.fixture = "precedence/mountinfo.tree",
	.run = run,
);
