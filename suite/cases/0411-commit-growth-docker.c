// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The growth cases' operations in real Docker containers, committed by
 * Docker, against the same operations through the library's union and
 * its commit: for each, both layers must hold the same entries (names,
 * types, modes, sizes, contents, whiteouts, opaque marks) and have the
 * same size. The image: busybox (the docker cases' base) and a layer with
 * a 4 MiB /big, a /cache of eight files and a small /etc/conf, written by
 * the library and tagged for dockerd. CONF where dockerd is absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "commit-growth.h"
#include "docker.h"

static const struct step {
	const char *what, *script;
} steps[] = {
	{ "delete a 4 MiB lower file", "rm /big" },
	{ "change 1 byte of it", "printf X | dd of=/big bs=1 count=1 conv=notrunc 2>/dev/null" },
	{ "chmod it", "chmod 600 /big" },
	{ "chown it", "chown 1000:1000 /big" },
	{ "write a file, delete it again", "echo tmp > /cache/x && rm /cache/x" },
	{ "delete a populated dir, make it again", "rm -rf /cache && mkdir /cache && echo new > /cache/n" },
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

/* The same step by hand, through the union mounted on m. */
static void same_step(struct ovl_ctx *ctx, size_t i, const char *m)
{
	char p[4400];
	int r = 0;

#define AT(rel) (snprintf(p, sizeof(p), "%s/%s", m, rel), p)
	switch (i) {
	case 0:
		r = unlink(AT("big"));
		break;
	case 1: {
		int fd = open(AT("big"), O_WRONLY | O_CLOEXEC);

		r = fd < 0 || pwrite(fd, "X", 1, 0) != 1;
		if (fd >= 0)
			close(fd);
		break;
	}
	case 2:
		r = chmod(AT("big"), 0600);
		break;
	case 3:
		r = chown(AT("big"), 1000, 1000);
		break;
	case 4:
		r = ovl_write_file(AT("cache/x"), "tmp\n", 4) || unlink(AT("cache/x"));
		break;
	case 5:
		r = ovl_remove_tree(AT("cache")) || mkdir(AT("cache"), 0755) || ovl_write_file(AT("cache/n"), "new\n", 4);
		break;
	}
#undef AT
	if (r)
		ovl_brok(ctx, "%s through the union: %s: %s", steps[i].what, p, strerror(errno));
}

static void run(struct ovl_ctx *ctx)
{
	const char *cmd[] = { "/bin/sh", NULL };
	struct ovl_image_opts o = { .cmd = cmd };
	struct ovl_digest img, tops[NSTEPS];
	bool empty[NSTEPS] = { false };
	struct ovl_layer_info busybox, data;
	struct ovl_dockerd d;
	struct ovl_store *s = NULL;
	struct ovl_err err = { "" };
	char root[4096], src[4200], tar[4300];
	int fd;

	/* the image, written by the library */
	snprintf(root, sizeof(root), "%s/docker", ovl_case_dir(ctx));
	if (ovl_store_open(root, OVL_STORE_CREATE, &s, &err))
		ovl_brok(ctx, "%s", err.msg);
	fd = SAFE_OPEN(ctx, ovl_docker_base_tar(ctx), O_RDONLY, 0);
	if (ovl_store_layer_import(s, NULL, fd, "busybox.tar", &busybox, &err))
		ovl_brok(ctx, "busybox layer: %s", err.msg);
	close(fd);
	snprintf(src, sizeof(src), "%s/data", ovl_case_dir(ctx));
	growth_dir(ctx, src, "");
	growth_base(ctx, src);
	snprintf(tar, sizeof(tar), "%s/data.tar", ovl_case_dir(ctx));
	fd = SAFE_OPEN(ctx, tar, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (ovl_layer_commit(src, fd, NULL, NULL, &err) || lseek(fd, 0, SEEK_SET) ||
	    ovl_store_layer_import(s, &busybox.chain_id, fd, "data.tar", &data, &err) ||
	    ovl_store_image_create(s, &data.chain_id, &o, &img, &err) || ovl_store_tag(s, "ovlconform/growth:1", &img, &err))
		ovl_brok(ctx, "the image: %s", err.msg);
	close(fd);
	ovl_store_free(s);

	/*
	 * Docker's containers and commits: the containers are independent of
	 * each other (each from the growth image), so all run at once, then all
	 * are committed at once.
	 */
	ovl_dockerd_start(ctx, &d);
	{
		char names[NSTEPS][32], refs[NSTEPS][64];
		const char *runs[NSTEPS][10], *commits[NSTEPS][4];
		const char *const *run_cmds[NSTEPS], *const *commit_cmds[NSTEPS];

		for (size_t i = 0; i < NSTEPS; i++) {
			snprintf(names[i], sizeof(names[i]), "ovlconform-g%zu", i);
			snprintf(refs[i], sizeof(refs[i]), "ovlconform/g%zu:1", i);
			memcpy(runs[i], (const char *[10]){ "run", "--network", "none", "--name", names[i], "ovlconform/growth:1",
							    "/bin/sh", "-c", steps[i].script, NULL }, sizeof(runs[i]));
			memcpy(commits[i], (const char *[4]){ "commit", names[i], refs[i], NULL }, sizeof(commits[i]));
			run_cmds[i] = runs[i];
			commit_cmds[i] = commits[i];
		}
		if (ovl_docker_parallel(ctx, &d, NSTEPS, run_cmds) || ovl_docker_parallel(ctx, &d, NSTEPS, commit_cmds)) {
			ovl_dockerd_stop(ctx, &d);
			ovl_brok(ctx, "Docker's side of the steps did not complete (see the case log)");
		}
	}
	for (size_t i = 0; i < NSTEPS; i++) {
		char ref[64], *ids = NULL, *last = NULL;
		size_t nids = 0;

		snprintf(ref, sizeof(ref), "ovlconform/g%zu:1", i);
		if (ovl_docker(ctx, &d, &ids, "image", "inspect", "--format", "{{range .RootFS.Layers}}{{println .}}{{end}}",
			       ref, NULL)) {
			ovl_dockerd_stop(ctx, &d);
			ovl_brok(ctx, "Docker's side of '%s' did not complete (see the case log)", steps[i].what);
		}
		for (char *l = strtok(ids, "\n"); l; l = strtok(NULL, "\n"))
			last = l, nids++;
		if (!last || ovl_digest_parse(last, &tops[i]))
			ovl_brok(ctx, "docker inspect gave no DiffID");
		/*
		 * A commit that changed nothing adds no layer to the image (Docker
		 * marks it an empty layer in the history): the RootFS stays the
		 * growth image's two. Its layer is the empty tar.
		 */
		empty[i] = nids == 2;
		ovl_chain_id(&data.chain_id, &tops[i], &tops[i]);
		free(ids);
	}
	ovl_dockerd_stop(ctx, &d);

	/* ours, step by step, and the comparison */
	if (ovl_store_open(root, 0, &s, &err))
		ovl_brok(ctx, "%s", err.msg);
	for (size_t i = 0; i < NSTEPS; i++) {
		struct ovl_container_info c;
		struct ovl_layer_info theirs, ours;
		struct ovl_digest ours_img;
		char n1[32], n2[32], *a, *b;

		if (ovl_store_container_create(s, &img, &c, &err) || ovl_store_container_mount(s, c.id, NULL, &err))
			ovl_brok(ctx, "our container: %s", err.msg);
		same_step(ctx, i, c.merged);
		if (ovl_store_container_umount(s, c.id, &err) ||
		    ovl_store_container_commit(s, c.id, &o, NULL, &ours_img, &ours, &err) ||
		    (!empty[i] && ovl_store_layer_get(s, &tops[i], &theirs, &err)))
			ovl_brok(ctx, "our commit: %s", err.msg);
		if (empty[i]) {
			struct ovl_digest none;

			ovl_digest_parse("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", &none);
			ovl_check(ctx, memcmp(&ours.diff_id, &none, sizeof(none)) == 0 && ours.size == 0,
				  "%s: Docker's commit added no layer; ours is the empty tar, size 0", steps[i].what);
			continue;
		}
		snprintf(n1, sizeof(n1), "docker-%zu", i);
		snprintf(n2, sizeof(n2), "ours-%zu", i);
		a = ovl_layer_listing(ctx, s, &theirs.chain_id, n1);
		b = ovl_layer_listing(ctx, s, &ours.chain_id, n2);
		ovl_log(ctx, "--- %s: Docker's layer\n%s--- ours\n%s", steps[i].what, a, b);
		ovl_check(ctx, strcmp(a, b) == 0, "%s: Docker's layer and ours hold the same entries", steps[i].what);
		ovl_check(ctx, theirs.size == ours.size, "%s: both layers have the size %llu (Docker %llu)", steps[i].what,
			  (unsigned long long)ours.size, (unsigned long long)theirs.size);
		ovl_table_row(ctx, "docker-commit-growth-dockerd", "%-40s %-6s %16s %16s", "operation", "fs",
			      "Docker's layer", "library's layer");
		ovl_table_row(ctx, "docker-commit-growth-dockerd", "%-40s %-6s %16llu %16llu", steps[i].what,
			      ovl_backing_fs(ctx), (unsigned long long)theirs.size, (unsigned long long)ours.size);
		free(a);
		free(b);
	}
	ovl_store_free(s);
}

OVL_CASE(
	.number = 411,
	.slug = "commit-growth-docker",
	.purpose = "the growth cases' operations committed by a real dockerd give the library's layers and sizes",
	.tags = "docker,docker-growth",
	.needs_root = true,
	.needs_kconfig = OVL_DOCKER_KCONFIG,
	.needs_programs = OVL_DOCKER_PROGRAMS,
	.timeout = 300,
	.run = run,
);
