// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Seeded random sequences of operations, each call checked against the
 * model (result, merged view, upper dir) and the whole union again after a
 * remount, under four option sets: redirect_dir and index each on and off.
 * With redirect_dir=on dirs with lower layers move and take redirects;
 * with index=on lower hard links share one inode through the index. See
 * suite/families/random-ops.c for the calls and how to repeat a seed.
 */
#include "random-ops.h"

static void run(struct ovl_ctx *ctx)
{
	random_ops_case(ctx, (unsigned int)ovl_variant_arg(ctx));
}

OVL_CASE(
	.number = 190,
	.slug = "random-ops",
	.purpose = "seeded random operations, each model-checked",
	.tags = "random,rename,copy-up,whiteout",
	.needs_root = true,
	.needs_user_xattrs = true,	/* its operations set user.k and user.r */
	.timeout = 60,
	.variants = (const struct ovl_variant[]){
		{ .number = 190, .slug = "random-ops-redirect-index", .arg = 120,
		  .purpose = "120 seeded random operations with redirect_dir=on and index=on, each model-checked",
		  .tags = "random,rename,redirect,index,copy-up,whiteout",
		  .mount_options = "redirect_dir=on,index=on", .needs_features = "redirect_dir=on,index=on",
		  .fixture = "random/layers.tree" },
		{ .number = 191, .slug = "random-ops-defaults", .arg = 120,
		  .purpose = "120 seeded random operations with redirect_dir=off and index=off, each model-checked",
		  .mount_options = "redirect_dir=off,index=off", .fixture = "random/layers.tree" },
		{ .number = 192, .slug = "random-ops-redirect-only", .arg = 100,
		  .purpose = "100 seeded random operations with redirect_dir=on,index=off, each model-checked",
		  .mount_options = "redirect_dir=on,index=off", .needs_features = "redirect_dir=on,index=off",
		  .fixture = "rename/dirs.tree" },
		{ .number = 193, .slug = "random-ops-index-only", .arg = 100,
		  .purpose = "100 seeded random operations with redirect_dir=off,index=on, each model-checked",
		  .mount_options = "redirect_dir=off,index=on", .needs_features = "index=on",
		  .fixture = "hardlink/lower-links.tree" },
		{ .number = 194, .slug = "random-ops-metacopy", .arg = 120,
		  .purpose = "120 seeded random operations with metacopy=on (redirect_dir=on), each model-checked",
		  .tags = "random,rename,redirect,copy-up,whiteout,metacopy",
		  .mount_options = "metacopy=on,redirect_dir=on,index=off", .needs_features = "metacopy=on",
		  .fixture = "random/layers.tree" },
		{ 0 },
	},
	.run = run,
);
