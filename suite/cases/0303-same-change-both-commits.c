// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Same change, both commits. One base image (written by the reference
 * library) gets the same file operations twice: once inside a container
 * that a real dockerd runs and commits, once through the union that the
 * library mounts as Docker does and then commits. Both layers must hold the
 * same entries (names, types, modes, sizes, contents, whiteouts, opaque
 * marks, hard links) and have the same size by Docker's rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovl-store.h"
#include "docker.h"
#include "harness.h"
#include "ovl-common.h"

#define SCRIPT                                                                                  \
	"echo changed > /etc/motd && echo new > /newfile && rm /data/keep && rm -rf /data/sub && " \
	"mkdir /data/sub && echo x > /data/sub/y && mkdir -p /a/b && echo deep > /a/b/c && "     \
	"chmod 600 /etc/motd && ln /newfile /newlink"

/* The same operations, by hand, through the union mounted on merged. */
static void same_change(struct ovl_ctx *ctx, const char *m)
{
	char p[PATH_MAX + 64], q[PATH_MAX + 64];

#define AT(rel) (snprintf(p, sizeof(p), "%s/%s", m, rel), p)
	if (ovl_write_file(AT("etc/motd"), "changed\n", 8) || ovl_write_file(AT("newfile"), "new\n", 4) ||
	    unlink(AT("data/keep")) || ovl_remove_tree(AT("data/sub")) || mkdir(AT("data/sub"), 0755) ||
	    ovl_write_file(AT("data/sub/y"), "x\n", 2) || mkdir(AT("a"), 0755) || mkdir(AT("a/b"), 0755) ||
	    ovl_write_file(AT("a/b/c"), "deep\n", 5) || chmod(AT("etc/motd"), 0600))
		ovl_brok(ctx, "through the union: %s: %s", p, strerror(errno));
	snprintf(q, sizeof(q), "%s/newfile", m);
	if (link(q, AT("newlink")))
		ovl_brok(ctx, "link %s: %s", p, strerror(errno));
#undef AT
}

static void run(struct ovl_ctx *ctx)
{
	const char *cmd[] = { "/bin/sh", NULL };
	struct ovl_image_opts o = { .cmd = cmd };
	struct ovl_dockerd d;
	struct ovl_store *s = NULL;
	struct ovl_err err = { "" };
	struct ovl_layer_info base, theirs, ours;
	struct ovl_container_info c;
	struct ovl_digest img, ours_img, top;
	char root[PATH_MAX], *ids = NULL, *last, *a, *b;
	int fd;

	snprintf(root, sizeof(root), "%s/docker", ovl_case_dir(ctx));
	if (ovl_store_open(root, OVL_STORE_CREATE, &s, &err))
		ovl_brok(ctx, "%s", err.msg);
	fd = SAFE_OPEN(ctx, ovl_docker_base_tar(ctx), O_RDONLY, 0);
	if (ovl_store_layer_import(s, NULL, fd, "base.tar", &base, &err) ||
	    ovl_store_image_create(s, &base.chain_id, &o, &img, &err) ||
	    ovl_store_tag(s, "ovlconform/base:1", &img, &err))
		ovl_brok(ctx, "making the base image: %s", err.msg);
	close(fd);
	ovl_store_free(s);

	/* Docker's commit. */
	ovl_dockerd_start(ctx, &d);
	if (!ovl_check(ctx, ovl_docker(ctx, &d, NULL, "run", "--network", "none", "--name", "ovlconform-dc",
				       "ovlconform/base:1", "/bin/sh", "-c", SCRIPT, NULL) == 0,
		       "docker run: %s", SCRIPT) ||
	    !ovl_check(ctx, ovl_docker(ctx, &d, NULL, "commit", "ovlconform-dc", "ovlconform/docker:1", NULL) == 0,
		       "docker commit") ||
	    ovl_docker(ctx, &d, &ids, "image", "inspect", "--format",
		       "{{range .RootFS.Layers}}{{println .}}{{end}}", "ovlconform/docker:1", NULL)) {
		ovl_dockerd_stop(ctx, &d);
		ovl_brok(ctx, "Docker's side did not complete (see the case log)");
	}
	ovl_dockerd_stop(ctx, &d);
	last = NULL;
	for (char *l = strtok(ids, "\n"); l; l = strtok(NULL, "\n"))
		last = l;
	if (!last || ovl_digest_parse(last, &top))
		ovl_brok(ctx, "docker inspect gave no DiffID");
	ovl_chain_id(&base.chain_id, &top, &top);

	/* Ours: the same operations through the union the library mounts, then commit. */
	if (ovl_store_open(root, 0, &s, &err) || ovl_store_container_create(s, &img, &c, &err) ||
	    ovl_store_container_mount(s, c.id, NULL, &err))
		ovl_brok(ctx, "our container: %s", err.msg);
	same_change(ctx, c.merged);
	if (ovl_store_container_umount(s, c.id, &err) ||
	    ovl_store_container_commit(s, c.id, &o, "ovlconform/ours:1", &ours_img, &ours, &err))
		ovl_brok(ctx, "our commit: %s", err.msg);
	if (ovl_store_layer_get(s, &top, &theirs, &err))
		ovl_brok(ctx, "Docker's layer: %s", err.msg);
	a = ovl_layer_listing(ctx, s, &theirs.chain_id, "docker-commit");
	b = ovl_layer_listing(ctx, s, &ours.chain_id, "our-commit");
	ovl_log(ctx, "--- Docker's layer\n%s--- ours\n%s", a, b);
	ovl_check(ctx, strcmp(a, b) == 0, "both layers hold the same entries (the listings are in the case log)");
	ovl_check(ctx, theirs.size == ours.size, "both layers have the same size (Docker %llu, ours %llu)",
		  (unsigned long long)theirs.size, (unsigned long long)ours.size);
	{
		size_t n = 0;

		if (ovl_store_verify(root, OVL_VERIFY_DEEP, NULL, NULL, &n, &err))
			ovl_brok(ctx, "verify: %s", err.msg);
		ovl_check(ctx, n == 0, "the store both wrote verifies with no problem (%zu)", n);
	}
	ovl_store_free(s);
	free(a);
	free(b);
	free(ids);
}

OVL_CASE(
	.number = 303,
	.slug = "same-change-both-commits",
	.purpose = "the same file operations committed by dockerd and by the library give the same layer",
	.tags = "docker",
	.needs_kconfig = OVL_DOCKER_KCONFIG,
	.needs_programs = OVL_DOCKER_PROGRAMS,
	.needs_root = true,
	.timeout = 300,
	.run = run,
);
