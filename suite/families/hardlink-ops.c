// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The operations on lower hard links that cases 0132 (index=on) and 0133
 * (index=off) both run over fixtures/hardlink/lower-links.tree: the model
 * predicts each result from the mount's index option, and the st_nlink of
 * the names that remain after each step.
 */
#define _GNU_SOURCE
#include "hardlink-ops.h"

#include <fcntl.h>

#include "harness.h"

static const struct hardlink_step {
	struct ovl_op op;
	const char *nlink_of[3];	/* names whose st_nlink to check afterwards */
} hardlink_steps[] = {
	{ { .kind = OVL_OP_WRITE, .path = "/h1", .flags = O_WRONLY | O_APPEND, .data = "+h1\n", .len = 4 },
	  { "/h1", "/h2", "/d/h4" } },
	{ { .kind = OVL_OP_READ, .path = "/h3" }, { "/h3" } },
	{ { .kind = OVL_OP_CHMOD, .path = "/h2", .mode = 0600 }, { "/h1", "/h2", "/h3" } },
	{ { .kind = OVL_OP_UNLINK, .path = "/h3" }, { "/h1", "/h2" } },
	{ { .kind = OVL_OP_LINK, .path = "/d/h4", .path2 = "/d/h5" }, { "/d/h4", "/d/h5", "/h1" } },
	{ { .kind = OVL_OP_UNLINK, .path = "/h1" }, { "/h2", "/d/h4" } },
	{ { .kind = OVL_OP_WRITE, .path = "/d/h5", .flags = O_WRONLY | O_TRUNC, .data = "h5\n", .len = 3 },
	  { "/h2", "/d/h5" } },
	{ { .kind = OVL_OP_RENAME, .path = "/g1", .path2 = "/g3" }, { "/g2", "/g3" } },
	{ { .kind = OVL_OP_WRITE, .path = "/g2", .flags = O_WRONLY | O_APPEND, .data = "g2\n", .len = 3 },
	  { "/g2", "/g3" } },
	{ { .kind = OVL_OP_UNLINK, .path = "/k1" }, { "/k2" } },
	{ { .kind = OVL_OP_SETXATTR, .path = "/k2", .name = "user.k", .data = "2", .len = 1 }, { "/k2" } },
	{ { .kind = OVL_OP_TRUNCATE, .path = "/single", .size = 2 }, { "/single" } },
	{ { .kind = OVL_OP_RENAME, .path = "/up", .path2 = "/h2" }, { "/h2", "/d/h4" } },
	{ { .kind = OVL_OP_LINK, .path = "/g2", .path2 = "/d/g4" }, { "/g2", "/g3", "/d/g4" } },
};

/* Each step checked against the model, then the link counts it names. */
void hardlink_run(struct ovl_ctx *ctx)
{
	struct ovl_tree *carry = NULL; /* only lstat comes between two steps */

	for (size_t i = 0; i < sizeof(hardlink_steps) / sizeof(hardlink_steps[0]); i++) {
		const struct hardlink_step *s = &hardlink_steps[i];

		ovl_check_op_after(ctx, &s->op, &carry);
		for (size_t k = 0; k < 3 && s->nlink_of[k]; k++)
			ovl_check_nlink(ctx, s->nlink_of[k]);
	}
	ovl_tree_unref(carry);
}
