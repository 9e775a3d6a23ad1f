// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * readdir of a merged directory lists each name once, however many layers
 * hold it, and never shows a whiteout (upper's or B's) or the opaque marker
 * of B's directory; a whited-out name is absent to stat too.
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	SAFE_MOUNT_UNION(ctx, NULL);
	ovl_check_union(ctx, "after mount");
	ovl_check_readdir(ctx, "/d");
	ovl_check_readdir(ctx, "/d/opq");
	ovl_check_reads_from(ctx, "/d/all", OVL_LAYER_UPPER);
	ovl_check_reads_from(ctx, "/d/bc", OVL_LAYER_B);
	ovl_check_absent(ctx, "/d/gone-by-upper", "upper whiteout over A");
	ovl_check_absent(ctx, "/d/c-only", "B's whiteout over C");
	ovl_check_absent(ctx, "/d/opq/c", "below B's opaque dir");
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
