// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A whiteout that hides nothing: in a lower layer's dir that no other layer
 * has, and in one that a layer below has too. readdir lists neither
 * whiteout (the model: a whiteout is never a name), and lookup finds
 * neither. The second is the documented case (a merged dir); the first is
 * what a layer tar makes when it whites out a name no layer below it has,
 * which Docker takes (case 0305 met it in dockerd's containers).
 */
#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	static const struct ovl_op ops[] = {
		{ .kind = OVL_OP_STAT, .path = "/lone/gone" },
		{ .kind = OVL_OP_STAT, .path = "/merged/gone" },
		{ .kind = OVL_OP_STAT, .path = "/lone/kept" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/merged");
	ovl_check_readdir(ctx, "/lone");
}

OVL_CASE(
	.number = 14,
	.slug = "lone-dir-whiteout",
	.purpose = "a lower whiteout that hides nothing is no name, in a merged dir and in a dir only its layer has",
	.tags = "precedence,whiteout",
	.needs_root = true,
	.fixture = "precedence/lone-dir-whiteout.tree",
	.run = run,
);
