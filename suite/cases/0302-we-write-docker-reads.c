// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * We write, Docker reads. The reference library builds a store on the
 * backing filesystem under test: a base image's layer and a second layer
 * that changes a file, whites one out and makes a directory opaque, an
 * image config and a tag. A dockerd started on that store lists the image
 * under its ID, a container of it sees exactly the union the layers
 * promise, `docker save` gives our DiffIDs, and after Docker has used the
 * store our verify still finds no problem in it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <jansson.h>

#include "docker.h"
#include "harness.h"
#include "ovl-store.h"
#include "ovl-common.h"

static void import_tar(struct ovl_ctx *ctx, struct ovl_store *s, const char *tar,
		       const struct ovl_digest *parent, struct ovl_layer_info *li)
{
	struct ovl_err err = { "" };
	int fd = SAFE_OPEN(ctx, tar, O_RDONLY, 0);

	if (ovl_store_layer_import(s, parent, fd, tar, li, &err))
		ovl_brok(ctx, "importing %s: %s", tar, err.msg);
	close(fd);
}

/* The second layer: as an upper dir would hold it, committed to a tar. */
static const char *change_tar(struct ovl_ctx *ctx)
{
	static char tar[PATH_MAX];
	char up[PATH_MAX], p[PATH_MAX + 64];
	struct ovl_digest id;
	struct ovl_err err = { "" };
	int fd;

	snprintf(up, sizeof(up), "%s/change", ovl_case_dir(ctx));
	snprintf(p, sizeof(p), "%s/etc", up);
	if (ovl_mkdir_p(p, 0755))
		ovl_brok(ctx, "mkdir %s: %s", p, strerror(errno));
	snprintf(p, sizeof(p), "%s/etc/motd", up);
	if (ovl_write_file(p, "ours\n", 5))
		ovl_brok(ctx, "write %s", p);
	snprintf(p, sizeof(p), "%s/data", up);
	if (mkdir(p, 0755) || setxattr(p, "trusted.overlay.opaque", "y", 1, 0))
		ovl_brok(ctx, "making %s opaque: %s", p, strerror(errno));
	snprintf(p, sizeof(p), "%s/data/new", up);
	if (ovl_write_file(p, "new\n", 4))
		ovl_brok(ctx, "write %s", p);
	snprintf(p, sizeof(p), "%s/etc/issue", up); /* a whiteout of the base's /etc/issue */
	if (mknod(p, S_IFCHR | 0, makedev(0, 0)))
		ovl_brok(ctx, "mknod %s: %s", p, strerror(errno));
	snprintf(tar, sizeof(tar), "%s/change.tar", ovl_case_dir(ctx));
	fd = SAFE_OPEN(ctx, tar, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ovl_layer_commit(up, fd, &id, NULL, &err))
		ovl_brok(ctx, "committing the change: %s", err.msg);
	close(fd);
	return tar;
}

/* The DiffIDs of the layers docker save wrote, in the manifest's order (the library reads the archive). */
static size_t saved_layers(struct ovl_ctx *ctx, const char *tar, struct ovl_digest *out, size_t max)
{
	struct ovl_err err = { "" };
	size_t n = 0;
	int fd = SAFE_OPEN(ctx, tar, O_RDONLY, 0);

	if (ovl_image_archive_layers(fd, out, max, &n, &err))
		ovl_brok(ctx, "reading %s: %s", tar, err.msg);
	close(fd);
	return n < max ? n : max;
}

struct problems {
	struct ovl_ctx *ctx;
	size_t n;
};

static void note_problem(void *arg, const char *path, const char *reason)
{
	((struct problems *)arg)->n++;
	ovl_log(((struct problems *)arg)->ctx, "verify: %s: %s", path, reason);
}

static void run(struct ovl_ctx *ctx)
{
	const char *cmd[] = { "/bin/sh", NULL };
	struct ovl_image_opts o = { .cmd = cmd };
	struct ovl_dockerd d;
	struct ovl_store *s = NULL;
	struct ovl_err err = { "" };
	struct ovl_layer_info base, change;
	struct ovl_digest img, saved[4];
	char root[PATH_MAX], id[OVL_DIGEST_STRLEN], save[PATH_MAX + 16], *ls = NULL, *out = NULL;
	struct problems pr = { ctx, 0 };
	size_t n, nproblems = 0;

	snprintf(root, sizeof(root), "%s/docker", ovl_case_dir(ctx));
	if (ovl_store_open(root, OVL_STORE_CREATE, &s, &err))
		ovl_brok(ctx, "%s", err.msg);
	import_tar(ctx, s, ovl_docker_base_tar(ctx), NULL, &base);
	import_tar(ctx, s, change_tar(ctx), &base.chain_id, &change);
	if (ovl_store_image_create(s, &change.chain_id, &o, &img, &err) ||
	    ovl_store_tag(s, "ovlconform/ours:1", &img, &err))
		ovl_brok(ctx, "making the image: %s", err.msg);
	ovl_store_free(s);
	ovl_digest_format(&img, id);

	ovl_dockerd_start(ctx, &d);
	if (strcmp(d.root, root) != 0)
		ovl_brok(ctx, "dockerd's data root %s is not the store %s", d.root, root);
	ovl_docker(ctx, &d, &ls, "image", "ls", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}", NULL);
	{
		char want[OVL_DIGEST_STRLEN + 64];

		snprintf(want, sizeof(want), "ovlconform/ours:1 %s\n", id);
		ovl_check(ctx, ls && strstr(ls, want), "dockerd lists our image under our tag and ID");
	}
	ovl_check(ctx, ovl_docker(ctx, &d, &out, "run", "--rm", "--network", "none", "ovlconform/ours:1",
				  "/bin/sh", "-c", "cat /etc/motd; ls -A /data; test -e /etc/issue || echo gone",
				  NULL) == 0 && out && strcmp(out, "ours\nnew\ngone\n") == 0,
		  "a container of our image sees our layers' union (changed file, opaque dir, whiteout)");
	snprintf(save, sizeof(save), "%s/save.tar", ovl_case_dir(ctx));
	ovl_check(ctx, ovl_docker(ctx, &d, NULL, "save", "-o", save, "ovlconform/ours:1", NULL) == 0,
		  "docker save of our image");
	ovl_dockerd_stop(ctx, &d);
	n = saved_layers(ctx, save, saved, 4);
	ovl_check(ctx, n == 2 && ovl_digest_equal(&saved[0], &base.diff_id) &&
		  ovl_digest_equal(&saved[1], &change.diff_id),
		  "docker save gives our two DiffIDs, in order (%zu layers)", n);
	if (ovl_store_verify(root, OVL_VERIFY_DEEP, note_problem, &pr, &nproblems, &err))
		ovl_brok(ctx, "verify: %s", err.msg);
	ovl_check(ctx, nproblems == 0, "after Docker used our store, verify --deep finds no problem (%zu)",
		  nproblems);
	free(ls);
	free(out);
}

OVL_CASE(
	.number = 302,
	.slug = "we-write-docker-reads",
	.purpose = "a real dockerd reads, runs and saves an image the reference library wrote",
	.tags = "docker",
	.needs_kconfig = OVL_DOCKER_KCONFIG,
	.needs_programs = OVL_DOCKER_PROGRAMS,
	.needs_root = true,
	.timeout = 300,
	.run = run,
);
