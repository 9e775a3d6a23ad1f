// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Harness test: a union over a FUSE lower (ovl_fuse_lower()) that never
 * answers a read. The read hangs; the runner must time the case out
 * (TIMEOUT), and nothing may survive it: neither the FUSE mount nor its
 * server (ovl-fuse-lower), which die with the case's namespaces.
 */
#include <fcntl.h>
#include <unistd.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const char *src = ovl_case_path(ctx, "/src"), *fm = ovl_case_path(ctx, "/fuse");
	const char *m = ovl_case_path(ctx, "/merged");
	struct ovl_fuse_faults f = { .stuck_name = "f" };
	char buf[8];
	int fd;

	SAFE_MKDIR_P(ctx, src);
	SAFE_MKDIR_P(ctx, fm);
	SAFE_MKDIR_P(ctx, m);
	SAFE_MKDIR_P(ctx, ovl_case_path(ctx, "/below"));
	SAFE_WRITE_FILE(ctx, ovl_case_path(ctx, "/src/f"), "never\n", 6);
	ovl_fuse_lower(ctx, src, fm, &f);
	if (ovl_mount_custom(ctx, (const char *const[]){ fm, ovl_case_path(ctx, "/below") }, 2, NULL, NULL, m, NULL))
		ovl_brok(ctx, "a read-only union over the FUSE lower: %s", ovl_mount_union_reason(ctx));
	ovl_check(ctx, true, "mounted over the FUSE lower before the read that hangs");
	fd = SAFE_OPEN(ctx, ovl_case_path(ctx, "/merged/f"), O_RDONLY, 0);
	if (read(fd, buf, sizeof(buf)) >= 0)
		ovl_check(ctx, false, "the read the lower never answers returned");
}

OVL_CASE(
	.number = 9012,
	.slug = "stuck-fuse-lower",
	.purpose = "harness test: a read the FUSE lower never answers times out, leaving nothing behind",
	.tags = "harness",
	.needs_root = true,
	.fs = OVL_FS_TMPFS,
	.timeout = 2,
	.run = run,
);
