// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/families/cross.c - what breaks when an image built by one tool
 * runs under another: the union one implementation changed (whiteouts,
 * opaque directories in whatever form it writes them, copy-ups with their
 * marks, renames, redirects and metacopy where its options make them),
 * read back by the other one from the upper dir it left.
 *
 * The two are the target under test and the kernel's overlayfs through
 * mount(2) (with the kernel as the target, the kernel both ways: its own
 * layers must read back as it wrote them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cross.h"
#include "harness.h"
#include "ovl-common.h"
#include "ovl-model.h"
#include "target.h"

/* The changes the writer makes (fixture whiteout/layers.tree): each kind of mark a layer can carry. */
static const struct ovl_op writer_ops[] = {
	/* copy-ups: data, metadata, an xattr */
	{ .kind = OVL_OP_WRITE, .path = "/abc", .flags = O_WRONLY | O_APPEND, .data = "+w\n", .len = 3 },
	{ .kind = OVL_OP_CHMOD, .path = "/d/c", .mode = 0600 },
	{ .kind = OVL_OP_SETXATTR, .path = "/cdir/z", .name = "user.cross", .data = "1", .len = 1 },
	/* whiteouts: a file, a dir emptied first */
	{ .kind = OVL_OP_UNLINK, .path = "/bc" },
	{ .kind = OVL_OP_UNLINK, .path = "/d/sub/x" },
	{ .kind = OVL_OP_RMDIR, .path = "/d/sub" },
	/* an opaque dir: a merged dir emptied, removed and made again */
	{ .kind = OVL_OP_UNLINK, .path = "/cdir/inner/y" },
	{ .kind = OVL_OP_RMDIR, .path = "/cdir/inner" },
	{ .kind = OVL_OP_UNLINK, .path = "/cdir/z" },
	{ .kind = OVL_OP_RMDIR, .path = "/cdir" },
	{ .kind = OVL_OP_MKDIR, .path = "/cdir", .mode = 0755 },
	{ .kind = OVL_OP_WRITE, .path = "/cdir/new", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "n\n", .len = 2 },
	/* renames: a lower file; a merged dir (EXDEV, or a redirect with redirect_dir=on) */
	{ .kind = OVL_OP_RENAME, .path = "/c", .path2 = "/c-moved" },
	{ .kind = OVL_OP_RENAME, .path = "/d", .path2 = "/d-moved" },
	/* a new dir with a file */
	{ .kind = OVL_OP_MKDIR, .path = "/fresh", .mode = 0755 },
	{ .kind = OVL_OP_WRITE, .path = "/fresh/f", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "f\n", .len = 2 },
};

/* What the reader does next with the writer's upper as its own. */
static const struct ovl_op reader_ops[] = {
	{ .kind = OVL_OP_WRITE, .path = "/cdir/new", .flags = O_WRONLY | O_APPEND, .data = "r\n", .len = 2 },
	{ .kind = OVL_OP_UNLINK, .path = "/abc" },
	{ .kind = OVL_OP_WRITE, .path = "/bc", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "again\n", .len = 6 },
	{ .kind = OVL_OP_MKDIR, .path = "/d/sub", .mode = 0755 },
	{ .kind = OVL_OP_READDIR, .path = "/cdir" },
};

static const char *name_of(const struct ovl_target *t)
{
	return t == &ovl_target_kernel ? "the kernel" : t->name;
}

void cross_case(struct ovl_ctx *ctx, enum cross_writer writer, enum cross_use use, const char *options)
{
	const struct ovl_target *target = ovl_ctx_target(ctx);
	const struct ovl_target *w = writer == CROSS_TARGET_WRITES ? target : &ovl_target_kernel;
	const struct ovl_target *r = writer == CROSS_TARGET_WRITES ? &ovl_target_kernel : target;
	const char *upper = ovl_layer_dir(ctx, OVL_LAYER_UPPER);
	/*
	 * A kernel reader follows redirects whatever the module's defaults
	 * (redirect_always_follow=N would make it refuse the writer's): the
	 * verdict must not change with them. Layers a userxattr union wrote it
	 * reads as one (which follows no redirect). A port takes its defaults.
	 */
	bool userxattr = options && strstr(options, "userxattr");
	const char *ropts = r->param != ovl_overlay_param ? NULL : userxattr ? "userxattr" : "redirect_dir=follow";
	const char *lowers[4];
	char merged[4200], work[4200], name[512];
	struct ovl_tree *want, *got = NULL;
	int rc;

	snprintf(merged, sizeof(merged), "%s/reader-merged", ovl_case_dir(ctx));
	snprintf(work, sizeof(work), "%s/reader-work", ovl_case_dir(ctx));
	if (ovl_mkdir_p(merged, 0755) || ovl_mkdir_p(work, 0755))
		ovl_brok(ctx, "mkdir %s, %s: %s", merged, work, strerror(errno));
	/* the writer's turn */
	ovl_set_target(ctx, w);
	if (ovl_mount_union(ctx, options)) {
		char why[2048];

		snprintf(why, sizeof(why), "%s", ovl_mount_union_reason(ctx));
		ovl_set_target(ctx, target);
		/* options the writer takes are a gate: accepted or not is all it knows */
		if (options)
			ovl_conf(ctx, "needs %s to mount with %s, which it refused: %s", name_of(w), options, why);
		ovl_brok(ctx, "%s cannot mount the union: %s", name_of(w), why);
	}
	OVL_CHECK_OPS(ctx, writer_ops);
	want = ovl_model_now(ctx);
	if (ovl_umount_union(ctx))
		ovl_brok(ctx, "unmounting %s's union: %s", name_of(w), ovl_mount_union_reason(ctx));
	/* the reader's */
	ovl_set_target(ctx, r);
	if (use == CROSS_AS_LOWER) {
		lowers[0] = upper;
		lowers[1] = ovl_layer_dir(ctx, OVL_LAYER_A);
		lowers[2] = ovl_layer_dir(ctx, OVL_LAYER_B);
		lowers[3] = ovl_layer_dir(ctx, OVL_LAYER_C);
		rc = ovl_mount_custom(ctx, lowers, 4, NULL, NULL, merged, ropts);
	} else {
		lowers[0] = ovl_layer_dir(ctx, OVL_LAYER_A);
		lowers[1] = ovl_layer_dir(ctx, OVL_LAYER_B);
		lowers[2] = ovl_layer_dir(ctx, OVL_LAYER_C);
		rc = ovl_mount_custom(ctx, lowers, 3, upper, work, merged, ropts);
	}
	snprintf(name, sizeof(name), "%s mounts the upper dir %s left, as its %s", name_of(r), name_of(w),
		 use == CROSS_AS_LOWER ? "top lower layer" : "upper dir");
	ovl_check(ctx, rc == 0, "%s", name);
	if (rc) {
		ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
		ovl_tree_unref(want);
		return;
	}
	{
		struct ovl_err err = { "" };

		if (ovl_tree_scan(merged, OVL_SCAN_MERGED, &got, &err))
			ovl_brok(ctx, "scan %s: %s", merged, err.msg);
	}
	snprintf(name, sizeof(name), "%s shows the union %s made (the model's)", name_of(r), name_of(w));
	ovl_check_tree(ctx, want, got, 0, name);
	ovl_tree_unref(got);
	ovl_tree_unref(want);
	if (use == CROSS_AS_UPPER) {
		/* and goes on from there: the model now reads the layers as they are */
		/* the model reads the layers in the form they were written (userxattr: user.overlay.*) */
		ovl_use_union(ctx, merged, upper, lowers, 3, userxattr ? "userxattr" : ropts);
		OVL_CHECK_OPS(ctx, reader_ops);
		ovl_use_union(ctx, NULL, NULL, NULL, 0, NULL);
	}
	ovl_umount_path(ctx, merged);
	ovl_set_target(ctx, target);
}
