// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * chown of a 4 MiB lower file in a container mounted with metacopy=on:
 * only metadata is copied up (the upper file carries
 * trusted.overlay.metacopy and no data blocks). A commit that tars the
 * upper dir, as Docker's native diff does, then carries a 4 MiB hole for
 * /big: the image would lose the file's content. The library's commit of
 * a metacopy union reads the data where it really lives, through the
 * union, and gets the lower file's bytes. The last check fails against a
 * naive commit; the one before shows what a naive commit gets wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/xattr.h>

#include "ovl-store.h"
#include "commit-growth.h"
#include "docker.h"

/* The first 16 hex digits of the sha256 of the tar entry name (a path "/x"), "" when absent. */
static void tar_entry_sha(struct ovl_ctx *ctx, const char *path, const char *name, char hex[65])
{
	struct ovl_tree *t = ovl_tar_tree(ctx, path);
	const struct ovl_entry *e = ovl_tree_lookup(t, name);

	hex[0] = 0;
	if (e && e->type == OVL_FT_REG && e->has_digest)
		for (int i = 0; i < 8; i++)
			snprintf(hex + 2 * i, 3, "%02x", e->sha256[i]);
	ovl_tree_unref(t);
}

static void file_sha(struct ovl_ctx *ctx, const char *path, char hex[65])
{
	char *bytes = NULL;
	size_t len = 0;
	struct ovl_hasher *h = NULL;
	struct ovl_digest d;

	if (ovl_read_file(path, &bytes, &len, 64u << 20))
		ovl_brok(ctx, "read %s", path);
	ovl_hasher_new(&h);
	ovl_hasher_update(h, bytes, len);
	ovl_hasher_final(h, &d);
	ovl_hasher_free(h);
	ovl_digest_hex(&d, hex);
	free(bytes);
}

static void run(struct ovl_ctx *ctx)
{
	struct growth g;
	struct ovl_err err = { "" };
	char p[4400], up[4400], naive[4200], full[4200], lower_sha[65], naive_sha[65], full_sha[65];
	struct stat st;
	int fd, r;

	growth_open(ctx, &g, growth_base);
	snprintf(p, sizeof(p), "%s/base/big", ovl_case_dir(ctx));
	file_sha(ctx, p, lower_sha);
	growth_container(ctx, &g, "metacopy=on,redirect_dir=on");
	snprintf(p, sizeof(p), "%s/big", g.ci.merged);
	r = chown(p, 1000, 1000) ? errno : 0;
	ovl_check(ctx, r == 0, "chown of /big through the union (%s)", strerror(r));
	snprintf(up, sizeof(up), "%s/big", g.ci.upper);
	{
		ssize_t mx = lgetxattr(up, "trusted.overlay.metacopy", NULL, 0);

		memset(&st, 0, sizeof(st));
		r = lstat(up, &st) ? errno : 0;
		/* no data of its own: no blocks, or (ext4) no more than the xattr block */
		ovl_check(ctx, mx >= 0 && r == 0 && st.st_blocks <= 8 && st.st_size == 4 << 20 && st.st_uid == 1000,
			  "the upper /big is metadata only: metacopy xattr (%zd), owner %u, size %lld, %lld blocks of "
			  "512 bytes for 4 MiB", mx, (unsigned int)st.st_uid, (long long)st.st_size,
			  (long long)st.st_blocks);
	}
	file_sha(ctx, p, full_sha);
	ovl_check(ctx, strcmp(full_sha, lower_sha) == 0, "through the union /big reads the lower file's bytes");
	/* a naive commit: tar the upper dir */
	snprintf(naive, sizeof(naive), "%s/naive.tar", ovl_case_dir(ctx));
	fd = SAFE_OPEN(ctx, naive, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ovl_layer_commit(g.ci.upper, fd, NULL, NULL, &err))
		ovl_brok(ctx, "naive commit: %s", err.msg);
	close(fd);
	tar_entry_sha(ctx, naive, "/big", naive_sha);
	ovl_check(ctx, *naive_sha && strncmp(naive_sha, lower_sha, 16) != 0,
		  "a naive tar of the upper dir gets /big wrong: %.16s... instead of %.16s... (a hole)", naive_sha,
		  lower_sha);
	/* the library's commit of a metacopy union */
	snprintf(full, sizeof(full), "%s/union.tar", ovl_case_dir(ctx));
	fd = SAFE_OPEN(ctx, full, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ovl_layer_commit_union(g.ci.upper, g.ci.merged, fd, NULL, NULL, &err))
		ovl_brok(ctx, "commit: %s", err.msg);
	close(fd);
	tar_entry_sha(ctx, full, "/big", full_sha);
	ovl_check(ctx, *full_sha && strncmp(full_sha, lower_sha, 16) == 0,
		  "the library's commit carries /big with the lower file's bytes (%.16s...)", full_sha);
	ovl_table_row(ctx, "docker-commit-growth", "%-44s %-6s %14s %14s %14s", "operation", "fs", "user bytes",
		      "layer bytes", "image bytes");
	ovl_table_row(ctx, "docker-commit-growth", "%-44s %-6s %14u %14u %14s", "chown with metacopy=on (upper)",
		      ovl_backing_fs(ctx), 0, 0, "-");
	ovl_use_union(ctx, NULL, NULL, NULL, 0, NULL);
	ovl_umount_path(ctx, g.ci.merged);
	growth_close(&g);
}

OVL_CASE(
	.number = 405,
	.slug = "commit-metacopy",
	.purpose = "with metacopy=on a chown copies up metadata only; a naive tar of the upper dir loses the data",
	.tags = "docker-growth",
	.needs_root = true,
	.needs_features = "metacopy=on,redirect_dir=on",
	.timeout = 120,
	.run = run,
);
