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

#include <archive.h>
#include <archive_entry.h>
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

/* sha256 of each layer docker save wrote, in the manifest's order. */
static size_t saved_layers(struct ovl_ctx *ctx, const char *tar, struct ovl_digest *out, size_t max)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	json_t *manifest = NULL, *layers;
	char **names = NULL;
	struct ovl_digest *digests = NULL;
	size_t n = 0, found = 0, i;
	json_t *x;

	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, tar, 1 << 16) != ARCHIVE_OK)
		ovl_brok(ctx, "%s: %s", tar, archive_error_string(a));
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		const void *buf;
		size_t len;
		la_int64_t off;

		if (strcmp(name, "manifest.json") == 0) {
			struct ovl_buf b = OVL_BUF_INIT;
			json_error_t je;

			while (archive_read_data_block(a, &buf, &len, &off) == ARCHIVE_OK) {
				char *c = strndup(buf, len);

				ovl_buf_puts(&b, c ? c : "");
				free(c);
			}
			manifest = json_loads(b.data ? b.data : "", 0, &je);
			ovl_buf_free(&b);
		} else if (strlen(name) > 10 && strcmp(name + strlen(name) - 10, "/layer.tar") == 0) {
			struct ovl_hasher *h = NULL;

			names = realloc(names, (n + 1) * sizeof(*names));
			digests = realloc(digests, (n + 1) * sizeof(*digests));
			names[n] = strdup(name);
			ovl_hasher_new(&h);
			while (archive_read_data_block(a, &buf, &len, &off) == ARCHIVE_OK)
				ovl_hasher_update(h, buf, len);
			ovl_hasher_final(h, &digests[n]);
			ovl_hasher_free(h);
			n++;
		}
	}
	archive_read_free(a);
	layers = json_object_get(json_array_get(manifest, 0), "Layers");
	json_array_foreach(layers, i, x) {
		for (size_t k = 0; k < n && found < max; k++)
			if (json_is_string(x) && strcmp(json_string_value(x), names[k]) == 0)
				out[found++] = digests[k];
	}
	for (size_t k = 0; k < n; k++)
		free(names[k]);
	free(names);
	free(digests);
	json_decref(manifest);
	return found;
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
