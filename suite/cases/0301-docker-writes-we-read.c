// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Docker writes, we read. A private dockerd, whose overlay2 store sits on
 * the backing filesystem under test, imports a base image and then, three
 * times over, runs a container that adds, modifies and deletes files and
 * replaces a directory, and commits it. Then the reference library reads
 * Docker's store: verify --deep finds no problem (every ChainID, link,
 * lower chain and size, every DiffID re-derived from Docker's tar-split),
 * each ChainID we compute from the image's DiffIDs is registered, our
 * export of each layer has Docker's DiffID, and the layer sizes we measure
 * add up to the image size Docker reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker.h"
#include "harness.h"
#include "ovl-store.h"
#include "ovl-common.h"

static const char *const rounds[] = {
	/* modify, add, delete */
	"echo changed > /etc/motd && echo new > /newfile && rm /data/keep",
	/* replace a directory, add a hard link */
	"rm -rf /data && mkdir /data && echo x > /data/y && ln /newfile /newlink",
	/* delete what an earlier layer added, deep new dirs, a mode change */
	"rm /newfile && mkdir -p /a/b/c && echo deep > /a/b/c/d && chmod 600 /etc/motd",
};

struct problems {
	struct ovl_ctx *ctx;
	size_t n;
};

static void note_problem(void *arg, const char *path, const char *reason)
{
	struct problems *p = arg;

	p->n++;
	ovl_log(p->ctx, "verify: %s: %s", path, reason);
}

static void run(struct ovl_ctx *ctx)
{
	struct ovl_dockerd d;
	struct ovl_store *s = NULL;
	struct ovl_err err = { "" };
	struct problems pr = { ctx, 0 };
	struct ovl_digest chain, diff;
	char *ids = NULL, *size = NULL, tag[32], prev[32], name[32];
	unsigned long long ours = 0;
	size_t nproblems = 0, nlayers = 0;

	ovl_dockerd_start(ctx, &d);
	ovl_check(ctx, ovl_docker(ctx, &d, NULL, "import", ovl_docker_base_tar(ctx), "ovlconform/img:0", NULL) == 0,
		  "docker import of the base image");
	for (size_t i = 0; i < sizeof(rounds) / sizeof(rounds[0]); i++) {
		snprintf(prev, sizeof(prev), "ovlconform/img:%zu", i);
		snprintf(tag, sizeof(tag), "ovlconform/img:%zu", i + 1);
		snprintf(name, sizeof(name), "ovlconform-c%zu", i + 1);
		ovl_check(ctx, ovl_docker(ctx, &d, NULL, "run", "--network", "none", "--name", name, prev,
					  "/bin/sh", "-c", rounds[i], NULL) == 0,
			  "docker run, round %zu: %s", i + 1, rounds[i]);
		ovl_check(ctx, ovl_docker(ctx, &d, NULL, "commit", name, tag, NULL) == 0,
			  "docker commit, round %zu", i + 1);
	}
	if (ovl_docker(ctx, &d, &ids, "image", "inspect", "--format",
		       "{{range .RootFS.Layers}}{{println .}}{{end}}", tag, NULL) ||
	    ovl_docker(ctx, &d, &size, "image", "inspect", "--format", "{{.Size}}", tag, NULL))
		ovl_brok(ctx, "docker image inspect %s failed (see the case log)", tag);
	ovl_dockerd_stop(ctx, &d);

	if (ovl_store_verify(d.root, OVL_VERIFY_DEEP, note_problem, &pr, &nproblems, &err))
		ovl_brok(ctx, "verify could not read Docker's store: %s", err.msg);
	ovl_check(ctx, nproblems == 0, "verify --deep finds no problem in Docker's store (%zu found; "
		  "they are in the case log)", nproblems);
	if (ovl_store_open(d.root, 0, &s, &err))
		ovl_brok(ctx, "%s", err.msg);
	for (char *line = strtok(ids, "\n"); line; line = strtok(NULL, "\n")) {
		struct ovl_layer_info li;
		struct ovl_digest exported;
		char c[OVL_DIGEST_STRLEN];

		if (ovl_digest_parse(line, &diff))
			ovl_brok(ctx, "docker reported '%s' as a DiffID", line);
		ovl_chain_id(nlayers ? &chain : NULL, &diff, &chain);
		ovl_digest_format(&chain, c);
		nlayers++;
		if (!ovl_check(ctx, ovl_store_layer_get(s, &chain, &li, &err) == 0,
			       "layer %zu: our ChainID %s is registered in Docker's layerdb", nlayers, c))
			continue;
		ours += li.size;
		ovl_check(ctx, ovl_store_layer_export(s, &chain, -1, &exported, &err) == 0 &&
			  ovl_digest_equal(&exported, &diff),
			  "layer %zu: our export of Docker's layer has Docker's DiffID", nlayers);
	}
	ovl_check(ctx, nlayers == 4, "the image has the base and three committed layers (%zu)", nlayers);
	ovl_check(ctx, size && strtoull(size, NULL, 10) == ours,
		  "the layer sizes add up to Docker's image size (%llu, Docker says %s)", ours,
		  size ? strtok(size, "\n") : "nothing");
	ovl_store_free(s);
	free(ids);
	free(size);
}

OVL_CASE(
	.number = 301,
	.slug = "docker-writes-we-read",
	.purpose = "the reference library reads the store a real dockerd wrote, and agrees with it",
	.tags = "docker",
	.needs_kconfig = OVL_DOCKER_KCONFIG,
	.needs_programs = OVL_DOCKER_PROGRAMS,
	.needs_root = true,
	.timeout = 300,
	.run = run,
);
