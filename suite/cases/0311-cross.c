// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Layers one implementation wrote, read by another (suite/families/cross.c):
 * the target under test changes the union (copy-ups, whiteouts, an opaque
 * dir, renames, a new dir), then the kernel's overlayfs mounts the upper dir
 * it left as its top lower layer (0311), or takes it over as its upper dir
 * and goes on changing it (0312), and must show the union the changes made,
 * as the model has it; 0313 and 0314 the other way round (the kernel's
 * trusted.overlay.* marks and char-device whiteouts read by the target);
 * 0315 with the kernel writing redirect_dir=on, so that a moved merged dir
 * carries a redirect; 0316 and 0317 with the kernel mounted userxattr, as
 * rootless engines mount it, so that its marks are user.overlay.* xattrs.
 * With the kernel as the target, the kernel reads back its own layers. (Metacopy copies, which the model does not follow yet,
 * come with the metacopy cases.)
 */
#include "cross.h"

static const struct {
	enum cross_writer writer;
	enum cross_use use;
	const char *options;	/* the writer's mount options */
} how[] = {
	{ CROSS_TARGET_WRITES, CROSS_AS_LOWER, NULL },
	{ CROSS_TARGET_WRITES, CROSS_AS_UPPER, NULL },
	{ CROSS_KERNEL_WRITES, CROSS_AS_LOWER, NULL },
	{ CROSS_KERNEL_WRITES, CROSS_AS_UPPER, NULL },
	{ CROSS_KERNEL_WRITES, CROSS_AS_LOWER, "redirect_dir=on" },
	{ CROSS_KERNEL_WRITES, CROSS_AS_LOWER, "userxattr" },
	{ CROSS_KERNEL_WRITES, CROSS_AS_UPPER, "userxattr" },
};

static void run(struct ovl_ctx *ctx)
{
	long i = ovl_variant_arg(ctx);

	if (i < 0 || i >= (long)(sizeof(how) / sizeof(how[0])))
		ovl_brok(ctx, "no cross variant %ld", i);
	cross_case(ctx, how[i].writer, how[i].use, how[i].options);
}

OVL_CASE(
	.number = 311,
	.slug = "cross",
	.purpose = "one implementation's upper dir read by another",
	.tags = "cross,whiteout,opaque,copy-up",
	.needs_root = true,
	.needs_user_xattrs = true,	/* lsetxattr(user.cross) among its operations */
	.fixture = "whiteout/layers.tree",
	.variants = (const struct ovl_variant[]){
		{ .number = 311, .slug = "cross-target-upper-as-kernel-lower", .arg = 0,
		  .purpose = "the upper dir the target under test leaves reads, as the kernel's top lower layer, "
			     "as the union it made" },
		{ .number = 312, .slug = "cross-target-upper-as-kernel-upper", .arg = 1,
		  .purpose = "the kernel takes over, as its upper dir, the upper dir the target under test left, "
			     "and goes on" },
		{ .number = 313, .slug = "cross-kernel-upper-as-target-lower", .arg = 2,
		  .purpose = "the upper dir the kernel leaves reads, as the target's top lower layer, as the union "
			     "it made" },
		{ .number = 314, .slug = "cross-kernel-upper-as-target-upper", .arg = 3,
		  .purpose = "the target under test takes over, as its upper dir, the upper dir the kernel left, "
			     "and goes on" },
		{ .number = 315, .slug = "cross-kernel-redirects-as-target-lower", .arg = 4,
		  .purpose = "what the kernel writes with redirect_dir=on (a redirected dir) reads as the union it "
			     "made" },
		{ .number = 316, .slug = "cross-kernel-userxattr-as-target-lower", .arg = 5,
		  .purpose = "what the kernel writes with userxattr (user.overlay.* marks) reads, as the target's top "
			     "lower layer, as the union it made" },
		{ .number = 317, .slug = "cross-kernel-userxattr-as-target-upper", .arg = 6,
		  .purpose = "the target under test takes over the upper dir the kernel wrote with userxattr, and "
			     "goes on" },
		{ 0 },
	},
	.run = run,
);
