// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * renameat2 flags on a union: RENAME_EXCHANGE copies both names up and
 * swaps them in the upper dir, with no whiteout (lower files in one or two
 * layers, an upper-only file with a lower one, two dirs apart, a symlink);
 * a missing second name is ENOENT, a lower dir is EXDEV with
 * redirect_dir=off, a name with itself changes nothing. overlayfs refuses
 * RENAME_WHITEOUT (EINVAL) once both names resolve, and the VFS refuses
 * RENAME_EXCHANGE with RENAME_NOREPLACE (EINVAL) before any lookup. A
 * user's RENAME_WHITEOUT meets the dir's permission check (EACCES), not a
 * CAP_MKNOD one (EPERM before Linux 5.8; the model first said so). Each
 * call is checked against the model (result, merged view, upper dir).
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "harness.h"

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_RENAME, .path = "/a", .path2 = "/b", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/in-upper", .path2 = "/c", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/deep/er/f", .path2 = "/ln", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/a2", .path2 = "/a2", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/a2", .path2 = "/missing", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/missing", .path2 = "/a2", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/a2", .path2 = "/dir", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/a2", .path2 = "/b",
		  .flags = RENAME_EXCHANGE | RENAME_NOREPLACE },
		{ .kind = OVL_OP_RENAME, .path = "/missing", .path2 = "/b",
		  .flags = RENAME_EXCHANGE | RENAME_NOREPLACE },
		{ .kind = OVL_OP_RENAME, .path = "/a2", .path2 = "/w", .flags = RENAME_WHITEOUT },
		{ .kind = OVL_OP_RENAME, .path = "/a2", .path2 = "/nope/w", .flags = RENAME_WHITEOUT },
		{ .kind = OVL_OP_RENAME, .path = "/a2", .path2 = "/w", .flags = RENAME_WHITEOUT,
		  .as_user = true, .as_uid = 1000, .as_gid = 100 },
		{ .kind = OVL_OP_RENAME, .path = "/b", .path2 = "/a", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_READDIR, .path = "/" },
	};

	SAFE_MOUNT_UNION(ctx, NULL);
	OVL_CHECK_OPS(ctx, ops);
	ovl_check_readdir(ctx, "/");
	ovl_check_readdir(ctx, "/deep/er");
}

OVL_CASE(
	.number = 122,
	.slug = "rename-exchange-whiteout",
	.purpose = "RENAME_EXCHANGE swaps two names in the upper dir; RENAME_WHITEOUT is refused",
	.tags = "rename",
	.needs_root = true,
	.mount_options = "redirect_dir=off",
	.fixture = "copy-up/files.tree",
	.run = run,
);
