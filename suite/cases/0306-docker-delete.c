// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Deletion both ways with a real dockerd.
 *
 * Docker deletes, we predict: dockerd makes images that share layers (an
 * import, two commits with parents, a second untagged import of the same
 * layer, two tags of one image) and a stopped container. A copy of its store
 * goes to the reference library. Then the same ten deletions (untag one of
 * two tags; a tag a container uses; an image with a child, by ID; a leaf
 * image a container uses, forced; the containers; an untagged parent
 * pruned with its child; and so on) run in dockerd and in the library: each
 * must give the same Untagged/Deleted lines or the same conflict, and leave
 * the same layerdb entries, layer dirs, short links, images, metadata and
 * tags. Our verify and gc then find dockerd's store clean.
 *
 * We delete, Docker reads: the library makes a store (base, two commits,
 * a container), deletes a forced tag and the container, and leaves a layer
 * deletion cut short (its layerdb entry renamed to <hex>-<id>-removing),
 * which gc lists. dockerd started on it lists exactly the images left, runs
 * one, deletes them with the layers we say they hold, and on shutdown
 * finishes the cut-short deletion: nothing is left, and verify and gc find
 * nothing.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "docker.h"
#include "harness.h"
#include "ovl-common.h"
#include "ovl-store.h"

/* Sorted names in dir (one per line; "" when there is no dir); caller frees. */
static char *names(const char *dir, const char *skip)
{
	struct dirent **v = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int n = scandir(dir, &v, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		if (v[i]->d_name[0] != '.' && (!skip || strcmp(v[i]->d_name, skip)))
			fprintf(f, "%s\n", v[i]->d_name);
		free(v[i]);
	}
	free(v);
	fclose(f);
	return buf;
}

/* What a deletion leaves, as text: layerdb, layer dirs, links, images, metadata (names and keys), tags. */
static char *state(const char *root)
{
	static const char *const dirs[] = { "image/overlay2/layerdb/sha256", "overlay2", "overlay2/l",
					    "image/overlay2/imagedb/content/sha256",
					    "image/overlay2/imagedb/metadata/sha256", "image/overlay2/layerdb/mounts" };
	char *buf = NULL, p[PATH_MAX];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *repos;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *n;

		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		n = names(p, i == 1 ? "l" : NULL);
		fprintf(f, "[%s]\n%s", dirs[i], n ? n : "");
		if (i == 4 && n) {
			/* each image's metadata keys (parent, lastUpdated), not their times */
			char *save = NULL;

			for (char *id = strtok_r(n, "\n", &save); id; id = strtok_r(NULL, "\n", &save)) {
				char q[PATH_MAX + 80], *keys;

				snprintf(q, sizeof(q), "%s/%s", p, id);
				keys = names(q, NULL);
				for (char *k = keys; k && *k; k += strcspn(k, "\n") + 1)
					fprintf(f, "  %.12s/%.*s\n", id, (int)strcspn(k, "\n"), k);
				free(keys);
			}
		}
		free(n);
	}
	snprintf(p, sizeof(p), "%s/image/overlay2/repositories.json", root);
	repos = json_load_file(p, 0, NULL);
	if (repos) {
		char *t = json_dumps(repos, JSON_COMPACT | JSON_SORT_KEYS);

		fprintf(f, "[tags]\n%s\n", t ? t : "");
		free(t);
		json_decref(repos);
	}
	fclose(f);
	return buf;
}

struct lines {
	char *buf;
	size_t len;
	FILE *f;
};

static void rec(void *arg, const char *kind, const char *name)
{
	fprintf(((struct lines *)arg)->f, "%s: %s\n", kind, name);
}

static void note_problem(void *arg, const char *path, const char *reason)
{
	ovl_diag(arg, "%s: %s", path, reason);
}

/* Our verify and gc on a store: no problem and no garbage. */
static void clean(struct ovl_ctx *ctx, const char *root, const char *who)
{
	struct ovl_err err = { "" };
	struct ovl_store *s = NULL;
	size_t n = 0;

	if (ovl_store_verify(root, OVL_VERIFY_DEEP, note_problem, ctx, &n, &err))
		ovl_brok(ctx, "verify %s: %s", root, err.msg);
	ovl_check(ctx, n == 0, "%s: our verify --deep finds no problem (%zu)", who, n);
	if (ovl_store_open(root, 0, &s, &err) || ovl_store_gc(s, 0, note_problem, ctx, &n, &err))
		ovl_brok(ctx, "gc %s: %s", root, err.msg);
	ovl_check(ctx, n == 0, "%s: our gc finds nothing unused (%zu)", who, n);
	ovl_store_free(s);
}

/* One deletion in dockerd and in the library: the same lines or the same conflict, the same store after. */
static int rm(struct ovl_store *s, const char *id, ovl_store_record_fn f, void *arg, struct ovl_err *err);

static void both(struct ovl_ctx *ctx, struct ovl_dockerd *d, struct ovl_store *s, const char *copy, const char *what,
		 const char *const *dargs, int (*ours)(struct ovl_store *, const char *, ovl_store_record_fn, void *,
						       struct ovl_err *), const char *arg)
{
	struct lines l = { 0 };
	struct ovl_err err = { "" };
	char *out = NULL, *ds, *os;
	int st, r;

	st = ovl_docker_argv(ctx, d, &out, dargs);
	l.f = open_memstream(&l.buf, &l.len);
	r = ours(s, arg, rec, &l, &err);
	fclose(l.f);
	if (ours == rm) {
		/* docker rm prints the name it was given: what is left is compared below */
		ovl_check(ctx, st == 0 && r == 0, "%s: both do it (dockerd %d, the library %d%s%s)", what, st, r,
			  r ? ": " : "", r ? err.msg : "");
	} else if (st == 0 || r == 0) {
		ovl_check(ctx, st == 0 && r == 0 && out && l.buf && strcmp(out, l.buf) == 0,
			  "%s: dockerd and the library do the same", what);
		if (st != 0 || r != 0 || !out || strcmp(out, l.buf))
			ovl_diag(ctx, "dockerd (status %d):\n%sthe library (%d%s%s):\n%s", st, out ? out : "", r,
				 r ? ": " : "", r ? err.msg : "", l.buf ? l.buf : "");
	} else {
		ovl_check(ctx, r == -EBUSY && out && strstr(out, err.msg), "%s: both refuse it, with dockerd's words",
			  what);
		ovl_diag(ctx, "dockerd: %sthe library: %s", out ? out : "", err.msg);
	}
	ds = state(d->root);
	os = state(copy);
	if (!ovl_check(ctx, ds && os && strcmp(ds, os) == 0, "%s: the same store after it", what))
		ovl_diag(ctx, "dockerd's:\n%s\nthe library's:\n%s", ds ? ds : "", os ? os : "");
	free(ds);
	free(os);
	free(out);
	free(l.buf);
}

static int rmi(struct ovl_store *s, const char *ref, ovl_store_record_fn f, void *arg, struct ovl_err *err)
{
	return ovl_store_image_remove(s, ref, 0, f, arg, err);
}

static int rmi_force(struct ovl_store *s, const char *ref, ovl_store_record_fn f, void *arg, struct ovl_err *err)
{
	return ovl_store_image_remove(s, ref, OVL_RMI_FORCE, f, arg, err);
}

static int rm(struct ovl_store *s, const char *id, ovl_store_record_fn f, void *arg, struct ovl_err *err)
{
	return ovl_store_container_remove(s, id, f, arg, err);
}

static char *docker_out(struct ovl_ctx *ctx, struct ovl_dockerd *d, const char *const *args)
{
	char *out = NULL;

	if (ovl_docker_argv(ctx, d, &out, args) || !out)
		ovl_brok(ctx, "docker %s %s: %s", args[0], args[1] ? args[1] : "", out ? out : "");
	out[strcspn(out, "\n")] = 0;
	return out;
}

/* Docker deletes; the library, on a copy of the store, must predict each step. */
static void docker_deletes(struct ovl_ctx *ctx)
{
	struct ovl_dockerd d;
	struct ovl_store *s = NULL;
	struct ovl_err err = { "" };
	char copy[PATH_MAX], *base, *dup, *keep, *keep3;

	ovl_dockerd_start(ctx, &d);
#define DOCKER(...) (void)docker_out(ctx, &d, (const char *const[]){ __VA_ARGS__, NULL })
	free(docker_out(ctx, &d, (const char *const[]){ "import", ovl_docker_base_tar(ctx), "del/base:1", NULL }));
	DOCKER("tag", "del/base:1", "del/base:2");
	free(docker_out(ctx, &d, (const char *const[]){ "run", "--network", "none", "--name", "a1", "del/base:1",
							"/bin/sh", "-c", "echo two > /two", NULL }));
	free(docker_out(ctx, &d, (const char *const[]){ "commit", "a1", "del/two:1", NULL }));
	free(docker_out(ctx, &d, (const char *const[]){ "rm", "a1", NULL }));
	free(docker_out(ctx, &d, (const char *const[]){ "run", "--network", "none", "--name", "a2", "del/two:1",
							"/bin/sh", "-c", "echo three > /three; rm /etc/motd", NULL }));
	free(docker_out(ctx, &d, (const char *const[]){ "commit", "a2", "del/three:1", NULL }));
	free(docker_out(ctx, &d, (const char *const[]){ "rm", "a2", NULL }));
	keep = docker_out(ctx, &d, (const char *const[]){ "create", "--network", "none", "--name", "keep", "del/two:1",
							  "/bin/sh", NULL });
	keep3 = docker_out(ctx, &d, (const char *const[]){ "create", "--network", "none", "--name", "keep3",
							   "del/three:1", "/bin/sh", NULL });
	/* the same layer imported again: a second image on the base layer, untagged */
	dup = docker_out(ctx, &d, (const char *const[]){ "import", ovl_docker_base_tar(ctx), NULL });
	base = docker_out(ctx, &d, (const char *const[]){ "image", "inspect", "-f", "{{.Id}}", "del/base:1", NULL });
#undef DOCKER
	ovl_dockerd_stop(ctx, &d);

	/* the library's copy: what dockerd's layer and image stores read, and its containers */
	snprintf(copy, sizeof(copy), "%s/copy", ovl_case_dir(ctx));
	SAFE_MKDIR_P(ctx, copy);
	if (ovl_exec(ctx, (const char *const[]){ ovl_program(ctx, "cp"), "-a", ovl_case_path(ctx, "/docker/image"),
						 ovl_case_path(ctx, "/docker/overlay2"),
						 ovl_case_path(ctx, "/docker/containers"), copy, NULL }, NULL, 120, NULL))
		ovl_brok(ctx, "copying dockerd's store to %s", copy);
	if (ovl_store_open(copy, 0, &s, &err))
		ovl_brok(ctx, "opening the copy: %s", err.msg);
	{
		char *ds, *os;

		ovl_dockerd_start(ctx, &d);
		ds = state(d.root);
		os = state(copy);
		if (!ovl_check(ctx, ds && os && strcmp(ds, os) == 0, "the copy is dockerd's store"))
			ovl_diag(ctx, "dockerd's:\n%s\nthe copy:\n%s", ds ? ds : "", os ? os : "");
		free(ds);
		free(os);
	}
	both(ctx, &d, s, copy, "rmi of one of two tags", (const char *const[]){ "rmi", "del/base:1", NULL }, rmi,
	     "del/base:1");
	both(ctx, &d, s, copy, "rmi of the tag a stopped container uses",
	     (const char *const[]){ "rmi", "del/two:1", NULL }, rmi, "del/two:1");
	both(ctx, &d, s, copy, "rmi by ID of an image with a child", (const char *const[]){ "rmi", base, NULL }, rmi,
	     base);
	both(ctx, &d, s, copy, "rmi of a leaf image a stopped container uses",
	     (const char *const[]){ "rmi", "del/three:1", NULL }, rmi, "del/three:1");
	both(ctx, &d, s, copy, "rmi -f of it (the image goes, its layer stays for the container)",
	     (const char *const[]){ "rmi", "-f", "del/three:1", NULL }, rmi_force, "del/three:1");
	both(ctx, &d, s, copy, "rm of that container (the layer goes with it)",
	     (const char *const[]){ "rm", keep3, NULL }, rm, keep3);
	both(ctx, &d, s, copy, "rm of the other stopped container", (const char *const[]){ "rm", keep, NULL }, rm,
	     keep);
	both(ctx, &d, s, copy, "rmi of the last tag of an image with a child (it stays, untagged)",
	     (const char *const[]){ "rmi", "del/base:2", NULL }, rmi, "del/base:2");
	both(ctx, &d, s, copy, "rmi of the child (its untagged parent is pruned, their shared layer stays)",
	     (const char *const[]){ "rmi", "del/two:1", NULL }, rmi, "del/two:1");
	both(ctx, &d, s, copy, "rmi -f of the last image, untagged, on that layer",
	     (const char *const[]){ "rmi", "-f", dup, NULL }, rmi_force, dup);
	ovl_dockerd_stop(ctx, &d);
	ovl_store_free(s);
	clean(ctx, d.root, "after dockerd's deletions");
	free(base);
	free(dup);
	free(keep);
	free(keep3);
}

/* A layer of the store made by committing what write puts in a fresh container of img. */
static void commit(struct ovl_ctx *ctx, struct ovl_store *s, const struct ovl_digest *img, const char *file,
		   const char *tag, struct ovl_digest *out, struct ovl_layer_info *li, char *cid)
{
	struct ovl_container_info c;
	struct ovl_err err = { "" };

	if (ovl_store_container_create(s, img, &c, &err))
		ovl_brok(ctx, "container of %s: %s", tag, err.msg);
	{
		char rel[64];

		snprintf(rel, sizeof(rel), "/%s", file);
		SAFE_PUT(ctx, c.upper, rel, file, strlen(file));
	}
	if (ovl_store_container_commit(s, c.id, NULL, tag, out, li, &err))
		ovl_brok(ctx, "commit %s: %s", tag, err.msg);
	snprintf(cid, 65, "%s", c.id);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* We delete; dockerd reads what is left and deletes the rest. */
static void we_delete(struct ovl_ctx *ctx)
{
	struct ovl_store *s = NULL;
	struct ovl_err err = { "" };
	struct ovl_layer_info l0, l1, l2, orphan;
	struct ovl_digest base, two, three;
	char root[PATH_MAX], c1[65], c2[65], ids[3][OVL_DIGEST_STRLEN], chains[2][OVL_DIGEST_STRLEN];
	char *out = NULL, want[1024], hex[65], from[PATH_MAX + 100], to[PATH_MAX + 200];
	struct lines l = { 0 };
	struct ovl_container_info c3;
	struct ovl_dockerd d;
	size_t n = 0;
	int fd, r;

	snprintf(root, sizeof(root), "%s/ours", ovl_case_dir(ctx));
	if (ovl_store_open(root, OVL_STORE_CREATE, &s, &err))
		ovl_brok(ctx, "%s", err.msg);
	fd = SAFE_OPEN(ctx, ovl_docker_base_tar(ctx), O_RDONLY, 0);
	if (ovl_store_layer_import(s, NULL, fd, "base", &l0, &err) ||
	    ovl_store_image_create(s, &l0.chain_id, &(struct ovl_image_opts){ .cmd = (const char *[]){ "/bin/sh", NULL } },
				   &base, &err) || ovl_store_tag(s, "we/base:1", &base, &err))
		ovl_brok(ctx, "the base image: %s", err.msg);
	close(fd);
	commit(ctx, s, &base, "two", "we/two:1", &two, &l1, c1);
	commit(ctx, s, &two, "three", "we/three:1", &three, &l2, c2);
	if (ovl_store_container_create(s, &three, &c3, &err))
		ovl_brok(ctx, "a container of three: %s", err.msg);
	/* the commits' containers go; the layers they were on stay, for the images on them */
	l.f = open_memstream(&l.buf, &l.len);
	r = ovl_store_container_remove(s, c1, rec, &l, &err);
	if (!r)
		r = ovl_store_container_remove(s, c2, rec, &l, &err);
	fclose(l.f);
	ovl_check(ctx, r == 0 && l.buf && !*l.buf, "rm of the commits' containers deletes no layer%s%s%s", r ? ": " : "",
		  r ? err.msg : "", l.buf ? l.buf : "");
	free(l.buf);
	/* c3 uses three: unforced, its tag stays; forced, the image goes and its layer stays for c3 */
	r = ovl_store_image_remove(s, "we/three:1", 0, NULL, NULL, &err);
	ovl_check(ctx, r == -EBUSY, "rmi of a tag a stopped container uses is refused unforced (%s)",
		  r ? err.msg : "done");
	ovl_digest_format(&three, ids[2]);
	ovl_digest_format(&l2.chain_id, chains[1]);
	l.f = open_memstream(&l.buf, &l.len);
	r = ovl_store_image_remove(s, "we/three:1", OVL_RMI_FORCE, rec, &l, &err);
	fclose(l.f);
	snprintf(want, sizeof(want), "Untagged: we/three:1\nDeleted: %s\n", ids[2]);
	if (!ovl_check(ctx, r == 0 && l.buf && strcmp(l.buf, want) == 0,
		       "rmi -f of it deletes the image, not the layer the container is on%s%s", r ? ": " : "",
		       r ? err.msg : ""))
		ovl_diag(ctx, "got:\n%swant:\n%s", l.buf ? l.buf : "", want);
	free(l.buf);
	l.f = open_memstream(&l.buf, &l.len);
	r = ovl_store_container_remove(s, c3.id, rec, &l, &err);
	fclose(l.f);
	snprintf(want, sizeof(want), "Deleted: %s\n", chains[1]);
	if (!ovl_check(ctx, r == 0 && l.buf && strcmp(l.buf, want) == 0, "rm of that container deletes that layer%s%s",
		       r ? ": " : "", r ? err.msg : ""))
		ovl_diag(ctx, "got:\n%swant:\n%s", l.buf ? l.buf : "", want);
	free(l.buf);
	ovl_store_free(s);
	clean(ctx, root, "after our deletions");
	/* a layer deletion cut short after the rename, as dockerd leaves one when it dies there */
	if (ovl_store_open(root, 0, &s, &err))
		ovl_brok(ctx, "%s", err.msg);
	fd = SAFE_OPEN(ctx, ovl_docker_base_tar(ctx), O_RDONLY, 0);
	if (ovl_store_layer_import(s, &l1.chain_id, fd, "orphan", &orphan, &err))
		ovl_brok(ctx, "the orphan layer: %s", err.msg);
	close(fd);
	ovl_digest_hex(&orphan.chain_id, hex);
	snprintf(from, sizeof(from), "%s/image/overlay2/layerdb/sha256/%s", root, hex);
	snprintf(to, sizeof(to), "%s-%064d-removing", from, 7);
	if (rename(from, to))
		ovl_brok(ctx, "rename %s: %s", from, strerror(errno));
	if (ovl_store_gc(s, 0, note_problem, ctx, &n, &err))
		ovl_brok(ctx, "gc: %s", err.msg);
	ovl_check(ctx, n == 1, "gc lists the deletion cut short, once (%zu found)", n);
	ovl_store_free(s);

	ovl_dockerd_start_at(ctx, &d, root);
	ovl_digest_format(&base, ids[0]);
	ovl_digest_format(&two, ids[1]);
	snprintf(want, sizeof(want), "we/base:1 %s\nwe/two:1 %s\n", ids[0], ids[1]);
	ovl_docker(ctx, &d, &out, "image", "ls", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}",
		   NULL);
	{
		/* docker lists newest first; compare as sorted lines */
		char *a = out ? strdup(out) : NULL;
		char *lines[8];
		size_t k = 0;

		for (char *t = a ? strtok(a, "\n") : NULL; t && k < 8; t = strtok(NULL, "\n"))
			lines[k++] = t;
		qsort(lines, k, sizeof(lines[0]), cmp_str);
		if (k == 2)
			snprintf(from, sizeof(from), "%s\n%s\n", lines[0], lines[1]);
		if (!ovl_check(ctx, k == 2 && strcmp(from, want) == 0,
			       "dockerd lists exactly the images our deletions left, under our IDs"))
			ovl_diag(ctx, "dockerd:\n%swant:\n%s", out ? out : "", want);
		free(a);
	}
	free(out);
	out = NULL;
	ovl_check(ctx, ovl_docker(ctx, &d, &out, "run", "--rm", "--network", "none", "we/two:1", "/bin/busybox", "cat",
				  "/two", NULL) == 0 && out && strcmp(out, "two") == 0,
		  "a container of an image we kept runs and sees its layer (%s)", out ? out : "");
	free(out);
	out = NULL;
	ovl_digest_format(&l1.chain_id, chains[0]);
	snprintf(want, sizeof(want), "Untagged: we/two:1\nDeleted: %s\nDeleted: %s\n", ids[1], chains[0]);
	if (!ovl_check(ctx, ovl_docker(ctx, &d, &out, "rmi", "we/two:1", NULL) == 0 && out && strcmp(out, want) == 0,
		       "dockerd's rmi of it deletes the image and the layer we say only it holds"))
		ovl_diag(ctx, "dockerd:\n%swant:\n%s", out ? out : "", want);
	free(out);
	out = NULL;
	snprintf(want, sizeof(want), "Untagged: we/base:1\nDeleted: %s\nDeleted: %s\n", ids[0],
		 (ovl_digest_format(&l0.chain_id, chains[0]), chains[0]));
	if (!ovl_check(ctx, ovl_docker(ctx, &d, &out, "rmi", "we/base:1", NULL) == 0 && out && strcmp(out, want) == 0,
		       "dockerd's rmi of the base image deletes it and the base layer"))
		ovl_diag(ctx, "dockerd:\n%swant:\n%s", out ? out : "", want);
	free(out);
	ovl_dockerd_stop(ctx, &d);
	{
		char p[PATH_MAX + 64], *ln;

		snprintf(p, sizeof(p), "%s/image/overlay2/layerdb/sha256", root);
		ln = names(p, NULL);
		ovl_check(ctx, ln && !*ln, "dockerd finished the deletion we left cut short: no layerdb entry is left "
			  "(%s)", ln ? ln : "?");
		free(ln);
		snprintf(p, sizeof(p), "%s/overlay2", root);
		ln = names(p, "l");
		ovl_check(ctx, ln && !*ln, "no layer dir is left (%s)", ln ? ln : "?");
		free(ln);
	}
	clean(ctx, root, "after dockerd deleted the rest");
}

static void run(struct ovl_ctx *ctx)
{
	docker_deletes(ctx);
	we_delete(ctx);
}

OVL_CASE(
	.number = 306,
	.slug = "docker-delete",
	.purpose = "image and container deletion: the library predicts dockerd's, dockerd reads and finishes ours",
	.tags = "docker",
	.needs_kconfig = OVL_DOCKER_KCONFIG,
	.needs_programs = OVL_DOCKER_PROGRAMS ",cp",
	.needs_root = true,
	.fs = OVL_FS_EXT4,
	.timeout = 300,
	.run = run,
);
