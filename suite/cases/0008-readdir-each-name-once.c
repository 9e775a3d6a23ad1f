// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * readdir of a merged directory lists each name once, however many layers
 * hold it, and never shows a whiteout (upper's or B's) or the opaque marker
 * of B's directory; a whited-out name is absent to stat too.
 */
#include <errno.h>
#include <sys/stat.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	struct stat st;
	int r;

	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check_readdir(ctx, "/d");
	ovl_check_readdir(ctx, "/d/opq");
	ovl_check_reads_from(ctx, "/d/all", OVL_LAYER_UP);
	ovl_check_reads_from(ctx, "/d/bc", OVL_LAYER_B);
	r = lstat(ovl_path(ctx, OVL_LAYER_MERGED, "/d/gone-by-upper"), &st);
	ovl_check_errno(ctx, r, errno, ENOENT, "lstat /d/gone-by-upper (upper whiteout over A)");
	r = lstat(ovl_path(ctx, OVL_LAYER_MERGED, "/d/c-only"), &st);
	ovl_check_errno(ctx, r, errno, ENOENT, "lstat /d/c-only (B's whiteout over C)");
	r = lstat(ovl_path(ctx, OVL_LAYER_MERGED, "/d/opq/c"), &st);
	ovl_check_errno(ctx, r, errno, ENOENT, "lstat /d/opq/c (below B's opaque dir)");
}

OVL_CASE(
	.number = 8,
	.slug = "readdir-each-name-once",
	.purpose = "readdir lists each name once and never a whiteout or opaque marker",
	.tags = "precedence,readdir,whiteout,opaque",
	.needs_root = true,
	.fixture = "precedence/readdir-once.tree",
	.run = run,
);
