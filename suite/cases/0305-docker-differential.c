// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Differential runs against dockerd: random layer stacks (1 to 3 layers of
 * dirs, files with setuid/sticky modes and several owners, symlinks, hard
 * links, fifos, a device node, user.* xattrs, odd and long names,
 * whiteouts of names below, opaque dirs, a whiteout then an entry of its
 * name, a dir of a layer below replaced by a file or symlink and a non-dir
 * by a dir), each loaded into a private dockerd as an image archive (`docker
 * load`) and imported into the reference store layer by layer. Both must
 * accept the stack or both refuse it; where both accept, every layer's
 * diff dir is the same tree in both, dockerd's layer sizes are ours,
 * `docker save` gives the bytes our export gives, and what a container
 * sees (listed inside it by a bind-mounted static busybox: type, mode,
 * owner, size, sha256, link target, device) is the model's union of our
 * store's container (init layer included); then both delete the image.
 * A disagreement prints the seed and the stack's entries and is shrunk to
 * a minimal stack, written to the run's results as a fixture; the stacks
 * in fixtures/differential/ run first, every time.
 * The number of stacks: OVLCONFORM_DIFF_STACKS (default 40; make
 * docker-diff runs 500); the seed: OVLCONFORM_DIFF_SEED (default 1).
 */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <jansson.h>

#include "docker.h"
#include "harness.h"
#include "ovl-common.h"
#include "ovl-model.h"
#include "ovl-store.h"
#include "target.h"

#define MAX_LAYERS 3
#define MAX_ENTS 40

struct ent {
	char name[300];
	int type;		/* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFIFO, AE_IFCHR; hard links: AE_IFREG with link */
	char link[300];		/* symlink target, or hard link target */
	char data[64];
	unsigned int mode, uid, gid;
	bool xattr;
};

struct layer {
	struct ent e[MAX_ENTS];
	size_t n;
};

static unsigned long long rng;
static unsigned long replaced;	/* the stacks' names of another kind than below (dir <-> non-dir) */
static unsigned long kernel_differs;	/* stacks whose union the kernel shows otherwise than the model */
static unsigned long unsaveable;	/* stacks neither docker save nor our export can give back */

static unsigned int rnd(unsigned int n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)((rng >> 33) % n);
}

static const char *const names[] = { "a", "b", "etc", "sp ace", "\xc3\xbc" "n\xc3\xaf" "c\xc3\xb6" "de", "x.conf",
				     "-dash", "LONG" };

static void pick_name(char *out, size_t len)
{
	const char *n = names[rnd(sizeof(names) / sizeof(names[0]))];

	if (strcmp(n, "LONG") == 0) {
		size_t l = 100 + rnd(150);

		for (size_t i = 0; i < l && i + 1 < len; i++)
			out[i] = (char)('a' + (i % 26));
		out[l < len ? l : len - 1] = 0;
	} else {
		snprintf(out, len, "%s", n);
	}
}

static bool has(const struct layer *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->e[i].name, name) == 0)
			return true;
	return false;
}

static struct ent *add(struct layer *l, const char *name, int type)
{
	struct ent *e;

	if (l->n >= MAX_ENTS)
		return NULL;
	e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->type = type;
	e->mode = type == AE_IFDIR ? 0755 : 0644;
	return e;
}

/* One random layer over the names the layers below have (all, for whiteouts of them). */
static void gen_layer(struct layer *l, const struct layer *below, size_t nbelow)
{
	static const unsigned int fmodes[] = { 0644, 0600, 0755, 04755, 02755, 0444 };
	static const unsigned int dmodes[] = { 0755, 0700, 01777, 0750 };
	static const unsigned int owners[] = { 0, 1000, 65534 };
	unsigned int n = 3 + rnd(10);
	char dir[300] = "";

	l->n = 0;
	/* one dir of this layer, the home of most of its names */
	pick_name(dir, sizeof(dir));
	if (!has(l, dir)) {
		struct ent *d = add(l, dir, AE_IFDIR);

		d->mode = dmodes[rnd(4)];
		d->uid = d->gid = owners[rnd(3)];
		d->xattr = rnd(4) == 0;
		/* an opaque dir now and then, when a layer below has it */
		if (nbelow && rnd(4) == 0) {
			char opq[320];

			snprintf(opq, sizeof(opq), "%s/.wh..wh..opq", dir);
			add(l, opq, AE_IFREG);
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		char name[320], leaf[300];
		unsigned int k = rnd(10);
		struct ent *e;

		pick_name(leaf, sizeof(leaf));
		snprintf(name, sizeof(name), "%s%s%s", rnd(3) ? dir : "", rnd(3) ? "/" : "", leaf);
		if (name[0] == '/')
			memmove(name, name + 1, strlen(name));
		if (has(l, name))
			continue;
		{
			/* its parent must be this layer's dir (or the root) */
			char *slash = strrchr(name, '/');

			if (slash && (strncmp(name, dir, (size_t)(slash - name)) != 0 || strlen(dir) != (size_t)(slash - name)))
				continue;
		}
		if (k == 0 && nbelow) {
			/* a whiteout of a name a layer below has (or not) */
			const struct layer *b = &below[rnd((unsigned int)nbelow)];
			char wh[320];

			if (!b->n)
				continue;
			snprintf(wh, sizeof(wh), "%s", b->e[rnd((unsigned int)b->n)].name);
			if (strstr(wh, ".wh."))
				continue;
			{
				char *slash = strrchr(wh, '/');
				char w[640];

				if (slash && (strncmp(wh, dir, (size_t)(slash - wh)) != 0 || strlen(dir) != (size_t)(slash - wh)))
					continue;
				snprintf(w, sizeof(w), "%.*s.wh.%s", slash ? (int)(slash - wh + 1) : 0, wh, slash ? slash + 1 : wh);
				if (!has(l, w) && !has(l, wh)) {
					struct ent *x = add(l, w, AE_IFREG);

					/* now and then a whiteout with data (Docker takes it, and cannot save it again) */
					if (x && rnd(8) == 0)
						snprintf(x->data, sizeof(x->data), "a whiteout's data\n");
				}
			}
			continue;
		}
		if (k == 9 && nbelow) {
			/* a name a layer below has, of another kind: a dir replaced by a file or a symlink, a non-dir by a dir */
			const struct layer *b = &below[rnd((unsigned int)nbelow)];
			const struct ent *o;
			char *slash;

			if (!b->n)
				continue;
			o = &b->e[rnd((unsigned int)b->n)];
			slash = strrchr(o->name, '/');
			if (strstr(o->name, ".wh.") || has(l, o->name) ||
			    (slash && (strncmp(o->name, dir, (size_t)(slash - o->name)) != 0 ||
				       strlen(dir) != (size_t)(slash - o->name))))
				continue;
			snprintf(name, sizeof(name), "%s", o->name);
			replaced++;
			if (o->type == AE_IFDIR) {
				e = add(l, name, rnd(2) ? AE_IFREG : AE_IFLNK);
				if (e && e->type == AE_IFREG)
					snprintf(e->data, sizeof(e->data), "a file where a dir was\n");
				else if (e)
					snprintf(e->link, sizeof(e->link), "where-a-dir-was");
			} else {
				e = add(l, name, AE_IFDIR);
				if (e)
					e->mode = dmodes[rnd(4)];
			}
			continue;
		}
		if (k == 1) {
			/* a whiteout, then an entry of its name */
			char w[640];
			char *slash = strrchr(name, '/');

			snprintf(w, sizeof(w), "%.*s.wh.%s", slash ? (int)(slash - name + 1) : 0, name, slash ? slash + 1 : name);
			if (has(l, w))
				continue;
			add(l, w, AE_IFREG);
			e = add(l, name, AE_IFREG);
			if (e)
				snprintf(e->data, sizeof(e->data), "after its whiteout\n");
			continue;
		}
		e = add(l, name, k == 2 ? AE_IFLNK : k == 3 ? AE_IFIFO : k == 4 ? AE_IFCHR : AE_IFREG);
		if (!e)
			break;
		e->uid = e->gid = owners[rnd(3)];
		e->mode = fmodes[rnd(6)];
		if (k == 2)
			snprintf(e->link, sizeof(e->link), "%s", rnd(2) ? "../etc/target" : leaf);
		else if (k == 5) {
			/* a hard link to a regular file earlier in this layer */
			for (size_t j = 0; j + 1 < l->n; j++)
				if (l->e[j].type == AE_IFREG && !l->e[j].link[0] && !strstr(l->e[j].name, ".wh.")) {
					snprintf(e->link, sizeof(e->link), "%s", l->e[j].name);
					break;
				}
			if (!e->link[0])
				snprintf(e->data, sizeof(e->data), "no file to link to\n");
			else
				e->xattr = rnd(3) == 0; /* set on the inode both names share */
		} else if (e->type == AE_IFREG) {
			snprintf(e->data, sizeof(e->data), "%u bytes of %s\n", rnd(1000), leaf);
			e->xattr = rnd(3) == 0;
		}
	}
}

static void write_layer(struct ovl_ctx *ctx, const struct layer *l, const char *path)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	if (!a || !e || archive_write_set_format_pax_restricted(a) || archive_write_open_filename(a, path))
		ovl_brok(ctx, "writing %s", path);
	for (size_t i = 0; i < l->n; i++) {
		const struct ent *t = &l->e[i];
		size_t len = t->type == AE_IFREG && !(t->link[0]) ? strlen(t->data) : 0;

		archive_entry_clear(e);
		archive_entry_set_pathname(e, t->name);
		archive_entry_set_filetype(e, (unsigned int)t->type);
		archive_entry_set_perm(e, t->mode);
		archive_entry_set_uid(e, t->uid);
		archive_entry_set_gid(e, t->gid);
		archive_entry_set_mtime(e, 1700000000, 0);
		if (t->type == AE_IFLNK)
			archive_entry_set_symlink(e, t->link);
		else if (t->type == AE_IFREG && t->link[0])
			archive_entry_set_hardlink(e, t->link);
		if (t->type == AE_IFCHR)
			archive_entry_set_rdev(e, makedev(1, 3));
		if (t->xattr)
			archive_entry_xattr_add_entry(e, "user.ovlconform", "value", 5);
		archive_entry_set_size(e, (la_int64_t)len);
		if (archive_write_header(a, e) != ARCHIVE_OK || (len && archive_write_data(a, t->data, len) != (la_ssize_t)len))
			ovl_brok(ctx, "writing %s, entry %s: %s", path, t->name, archive_error_string(a));
	}
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
}

/* An image archive as `docker save` writes it (legacy layout): the layers, a config, manifest.json. */
static void write_image(struct ovl_ctx *ctx, const char *path, char layers[][4200], size_t n, const char *tag)
{
	json_t *diff_ids = json_array(), *cfg, *manifest, *lnames = json_array();
	char *cj, *mj, cname[80], hex[OVL_DIGEST_STRLEN];
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	struct ovl_digest d;

	for (size_t i = 0; i < n; i++) {
		char ln[32];

		char *bytes = NULL;
		size_t blen = 0;

		if (ovl_read_file(layers[i], &bytes, &blen, 1 << 26) || ovl_digest_bytes(bytes, blen, &d))
			ovl_brok(ctx, "the digest of %s", layers[i]);
		free(bytes);
		ovl_digest_format(&d, hex);
		json_array_append_new(diff_ids, json_string(hex));
		snprintf(ln, sizeof(ln), "l%zu/layer.tar", i);
		json_array_append_new(lnames, json_string(ln));
	}
	cfg = json_pack("{s:s, s:s, s:{}, s:{s:s, s:o}}", "architecture", "amd64", "os", "linux", "config", "rootfs",
			"type", "layers", "diff_ids", diff_ids);
	cj = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
	ovl_digest_bytes(cj, strlen(cj), &d);
	ovl_digest_format(&d, hex);
	snprintf(cname, sizeof(cname), "%s.json", hex + 7);
	manifest = json_pack("[{s:s, s:[s], s:o}]", "Config", cname, "RepoTags", tag, "Layers", lnames);
	mj = json_dumps(manifest, JSON_COMPACT);
	if (!a || !e || archive_write_set_format_pax_restricted(a) || archive_write_open_filename(a, path))
		ovl_brok(ctx, "writing %s", path);
	for (size_t i = 0; i < n + 2; i++) {
		char *buf = NULL, name[80];
		size_t len = 0;

		if (i < n) {
			snprintf(name, sizeof(name), "l%zu/layer.tar", i);
			if (ovl_read_file(layers[i], &buf, &len, 1 << 26))
				ovl_brok(ctx, "reading %s", layers[i]);
		} else {
			snprintf(name, sizeof(name), "%s", i == n ? cname : "manifest.json");
			buf = strdup(i == n ? cj : mj);
			len = strlen(buf);
		}
		archive_entry_clear(e);
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		if (archive_write_header(a, e) != ARCHIVE_OK || archive_write_data(a, buf, len) != (la_ssize_t)len)
			ovl_brok(ctx, "writing %s: %s", path, archive_error_string(a));
		free(buf);
	}
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	free(cj);
	free(mj);
	json_decref(cfg);
	json_decref(manifest);
}

/* Paths the container's mounts cover (dockerd's and the listing's own busybox): left out of both listings. */
static bool mounted_over(const char *p)
{
	static const char *const skip[] = { "/proc", "/sys", "/dev", "/.ovlbb", "/etc/hosts", "/etc/hostname",
					    "/etc/resolv.conf" };

	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
		size_t k = strlen(skip[i]);

		if (strncmp(p, skip[i], k) == 0 && (p[k] == 0 || p[k] == '/'))
			return true;
	}
	return false;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines sorted, joined again (text is consumed). */
static char *sorted(char *text)
{
	char **v = NULL, *out = NULL, *save = NULL;
	size_t n = 0, len = 0;
	FILE *f;

	for (char *t = strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		char **nv = realloc(v, (n + 1) * sizeof(*v));

		if (!nv)
			break;
		v = nv;
		v[n++] = t;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_line);
	f = open_memstream(&out, &len);
	for (size_t i = 0; f && i < n; i++)
		fprintf(f, "%s\n", v[i]);
	if (f)
		fclose(f);
	free(v);
	return out;
}

/* One listing line: path|type|mode|uid|gid|size|content (sha256, link target or device numbers). */
static void line(FILE *f, const char *path, char type, unsigned int mode, unsigned int uid, unsigned int gid,
		 long long size, const char *extra)
{
	if (type == 'f' || type == 'l')
		fprintf(f, "%s|%c|%04o|%u|%u|%lld|%s\n", path, type, mode, uid, gid, size, extra);
	else
		fprintf(f, "%s|%c|%04o|%u|%u|-|%s\n", path, type, mode, uid, gid, extra);
}

/* The union the model makes of our store's container of the stack's image (init layer included). */
/*
 * A union as listing lines (as docker_listing() makes them inside dockerd's
 * container): a second name of an inode shown as its first name's inode, a
 * name lookup cannot find (a scan keeps it as a whiteout) as "ghost".
 */
static char *tree_listing(const struct ovl_tree *t)
{
	static const char types[] = { [OVL_FT_DIR] = 'd', [OVL_FT_REG] = 'f', [OVL_FT_LNK] = 'l', [OVL_FT_FIFO] = 'p',
				      [OVL_FT_SOCK] = 's', [OVL_FT_CHR] = 'c', [OVL_FT_BLK] = 'b',
				      [OVL_FT_WHITEOUT] = 'w', [OVL_FT_HARDLINK] = 'h' };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	for (size_t i = 0; f && i < ovl_tree_count(t); i++) {
		const struct ovl_entry *e = ovl_tree_entry_at(t, i);
		const char *path = e->path;
		char extra[300] = "-";

		if (mounted_over(path))
			continue;
		if (e->type == OVL_FT_WHITEOUT) {
			fprintf(f, "%s|ghost\n", path);
			continue;
		}
		if (e->type == OVL_FT_HARDLINK && e->target && ovl_tree_lookup(t, e->target))
			e = ovl_tree_lookup(t, e->target);
		if (e->type == OVL_FT_REG && e->has_digest)
			for (size_t k = 0; k < 32; k++)
				sprintf(extra + 2 * k, "%02x", e->sha256[k]);
		else if (e->type == OVL_FT_LNK)
			snprintf(extra, sizeof(extra), "%s", e->target ? e->target : "");
		else if (e->type == OVL_FT_CHR || e->type == OVL_FT_BLK)
			snprintf(extra, sizeof(extra), "%u:%u", e->rdev_major, e->rdev_minor);
		line(f, path, types[e->type], e->mode & 07777, e->uid, e->gid,
		     e->type == OVL_FT_LNK ? (long long)strlen(e->target ? e->target : "") : (long long)e->size, extra);
	}
	if (f)
		fclose(f);
	return sorted(out);
}

/*
 * Our store's container of the stack's image: *kernel gets its union as the
 * kernel mounts it (the library's Docker-style mount, scanned), *model the
 * union the model makes of the same layers. Then the library deletes both.
 */
static void our_container(struct ovl_ctx *ctx, struct ovl_store *s, const struct ovl_digest *top,
			  struct ovl_tree **kernel, struct ovl_tree **model)
{
	struct ovl_err err = { "" };
	struct ovl_digest img;
	struct ovl_container_info c;
	struct ovl_container_dirs cd = { 0 };
	char hex[OVL_DIGEST_STRLEN];

	if (ovl_store_image_create(s, top, &(struct ovl_image_opts){ .created = "2026-12-03T00:00:00Z" }, &img, &err) ||
	    ovl_store_container_create(s, &img, &c, &err) || ovl_store_container_dirs(s, c.id, &cd, &err) ||
	    ovl_model_merge_dirs(cd.upper, (const char *const *)cd.lowers, cd.nlowers, model, &err))
		ovl_brok(ctx, "the model's view of our container: %s", err.msg);
	ovl_container_dirs_free(&cd);
	if (ovl_store_container_mount(s, c.id, NULL, &err))
		ovl_brok(ctx, "mounting our container: %s", err.msg);
	*kernel = SAFE_SCAN(ctx, c.merged, OVL_SCAN_MERGED);
	if (ovl_store_container_umount(s, c.id, &err))
		ovl_brok(ctx, "unmounting our container: %s", err.msg);
	/* the library's deletion, as dockerd's: the container, then the image and the layers only it held */
	ovl_digest_format(&img, hex);
	if (ovl_store_container_remove(s, c.id, NULL, NULL, &err) ||
	    ovl_store_image_remove(s, hex, OVL_RMI_FORCE, NULL, NULL, &err))
		ovl_brok(ctx, "removing our container and image: %s", err.msg);
}

/*
 * What a container of the image sees, listed inside it by a static busybox
 * bind-mounted at /.ovlbb: every name on the root filesystem with its stat
 * and, for a file, its sha256, for a symlink, its target.
 */
static char *docker_listing(struct ovl_ctx *ctx, struct ovl_dockerd *d, const char *tag)
{
	static const char script[] =
		"cd / && /.ovlbb/busybox find . -xdev | while IFS= read -r p; do "
		"s=$(/.ovlbb/busybox stat -c '%f|%u|%g|%s|%t|%T' \"$p\"); x=-; "
		"if [ -L \"$p\" ]; then x=$(/.ovlbb/busybox readlink \"$p\"); "
		"elif [ -f \"$p\" ]; then x=$(/.ovlbb/busybox sha256sum \"$p\"); x=${x%% *}; fi; "
		"echo \"$p|$s|$x\"; done";
	char vol[PATH_MAX + 16], *raw = NULL, *out = NULL, *save = NULL;
	size_t len = 0;
	FILE *f;
	int st;

	snprintf(vol, sizeof(vol), "%s:/.ovlbb/busybox:ro", ovl_program(ctx, "busybox"));
	st = ovl_docker(ctx, d, &raw, "run", "--rm", "--network", "none", "-v", vol, "--entrypoint", "/.ovlbb/busybox", tag, "sh",
			"-c", script, NULL);
	if (st || !raw)
		ovl_brok(ctx, "listing a container of %s: status %d: %s", tag, st, raw ? raw : "");
	f = open_memstream(&out, &len);
	for (char *t = strtok_r(raw, "\n", &save); f && t; t = strtok_r(NULL, "\n", &save)) {
		/* ./name|rawmode|uid|gid|size|major|minor|extra; names hold no '|' (the generator's) */
		char *fld[8], *q = t, path[700];
		unsigned long m;
		size_t k = 0;
		char type;

		for (; k < 7 && (fld[k] = q); k++) {
			q = strchr(q, '|');
			if (!q)
				break;
			*q++ = 0;
		}
		if (k != 7 || !q) {
			/* busybox find: a name readdir gave that lstat does not find */
			const char *enoent = ": No such file or directory";
			size_t tl = strlen(t), el = strlen(enoent);

			if (strncmp(t, "find: ./", 8) == 0 && tl > 8 + el && strcmp(t + tl - el, enoent) == 0)
				fprintf(f, "/%.*s|ghost\n", (int)(tl - 8 - el), t + 8);
			else
				fprintf(f, "unparsed: %s\n", t);
			continue;
		}
		fld[7] = q;
		snprintf(path, sizeof(path), "%s", strcmp(fld[0], ".") == 0 ? "/" : fld[0] + 1);
		if (mounted_over(path))
			continue;
		m = strtoul(fld[1], NULL, 16);
		type = S_ISDIR(m) ? 'd' : S_ISREG(m) ? 'f' : S_ISLNK(m) ? 'l' : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's'
			: S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' : '?';
		if (type == 'c' || type == 'b') {
			char dev[64];

			snprintf(dev, sizeof(dev), "%lu:%lu", strtoul(fld[5], NULL, 16), strtoul(fld[6], NULL, 16));
			line(f, path, type, (unsigned int)(m & 07777), (unsigned int)atoi(fld[2]), (unsigned int)atoi(fld[3]), 0,
			     dev);
		} else {
			line(f, path, type, (unsigned int)(m & 07777), (unsigned int)atoi(fld[2]), (unsigned int)atoi(fld[3]),
			     atoll(fld[4]), fld[7]);
		}
	}
	if (f)
		fclose(f);
	free(raw);
	return sorted(out);
}

/* What two sorted listings do not share: "- container" and "+ model" lines. */
static void diff_lines(struct ovl_ctx *ctx, const char *a, const char *b, const char *an, const char *bn)
{
	while (a && b && (*a || *b)) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		int c = !*a ? 1 : !*b ? -1 : strncmp(a, b, la < lb ? la + 1 : lb + 1);

		if (*a && *b && la == lb && strncmp(a, b, la) == 0)
			c = 0;
		if (c <= 0 && c != 0)
			ovl_diag(ctx, "- %s %.*s", an, (int)la, a);
		else if (c > 0)
			ovl_diag(ctx, "+ %s %.*s", bn, (int)lb, b);
		if (c <= 0)
			a += la + (a[la] == '\n');
		if (c >= 0)
			b += lb + (b[lb] == '\n');
	}
}

/* The layers of `docker save TAG` (their sha256, in order) against the library's exports of ours. */
static bool same_save(struct ovl_ctx *ctx, struct ovl_dockerd *d, struct ovl_store *s, const char *tag,
		      const struct ovl_layer_info *li, size_t n)
{
	char save[PATH_MAX];
	struct ovl_digest got[MAX_LAYERS + 1], mine;
	struct ovl_err err = { "" };
	size_t m = 0;
	bool same = true;
	int fd;

	snprintf(save, sizeof(save), "%s", ovl_case_path(ctx, "/save.tar"));
	if (ovl_docker(ctx, d, NULL, "save", "-o", save, tag, NULL)) {
		/*
		 * dockerd cannot give such a layer back (a whiteout's data is
		 * not in the diff dir tar-split wants it from): neither may we
		 */
		bool any = false;

		for (size_t i = 0; i < n && !any; i++)
			any = ovl_store_layer_export(s, &li[i].chain_id, -1, &mine, &err) != 0;
		if (!any)
			ovl_diag(ctx, "docker save %s fails; our export of every layer works", tag);
		else
			unsaveable++;
		return any;
	}
	fd = SAFE_OPEN(ctx, save, O_RDONLY, 0);
	if (ovl_image_archive_layers(fd, got, MAX_LAYERS + 1, &m, &err))
		ovl_brok(ctx, "reading %s: %s", save, err.msg);
	close(fd);
	same = m == n;
	for (size_t i = 0; same && i < n; i++) {
		if (ovl_store_layer_export(s, &li[i].chain_id, -1, &mine, &err))
			ovl_brok(ctx, "exporting our layer %zu: %s", i, err.msg);
		same = ovl_digest_equal(&mine, &got[i]) && ovl_digest_equal(&mine, &li[i].diff_id);
	}
	unlink(save);
	return same;
}

/* dockerd's layerdb size of each layer against ours. */
static bool same_sizes(struct ovl_ctx *ctx, struct ovl_dockerd *d, const struct ovl_layer_info *li, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char p[PATH_MAX + 200], hex[65], *v = NULL;
		bool ok;

		ovl_digest_hex(&li[i].chain_id, hex);
		snprintf(p, sizeof(p), "%s/image/overlay2/layerdb/sha256/%s/size", d->root, hex);
		if (ovl_read_file(p, &v, NULL, 64))
			ovl_brok(ctx, "reading %s", p);
		ok = strtoull(v, NULL, 10) == li[i].size;
		if (!ok)
			ovl_diag(ctx, "layer %zu: dockerd's size %s, ours %llu", i, v, (unsigned long long)li[i].size);
		free(v);
		if (!ok)
			return false;
	}
	return true;
}

static void problem(void *arg, const char *path, const char *reason)
{
	ovl_diag(arg, "%s: %s", path, reason);
}

static void describe(struct ovl_ctx *ctx, const struct layer *ls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < ls[i].n; j++) {
			const struct ent *t = &ls[i].e[j];

			ovl_diag(ctx, "layer %zu: %s %.*s%s mode=%04o uid=%u%s%s%s", i,
				 t->type == AE_IFDIR ? "dir" : t->type == AE_IFLNK ? "symlink" : t->type == AE_IFIFO ? "fifo"
				 : t->type == AE_IFCHR ? "chr" : t->link[0] ? "hardlink" : "file",
				 60, t->name, strlen(t->name) > 60 ? "..." : "", t->mode, t->uid, t->link[0] ? " -> " : "",
				 t->link, t->xattr ? " xattr" : "");
		}
}

enum verdict { AGREE_ACCEPTED, AGREE_REFUSED, DISAGREE };

/* Whether two trees differ as ovl_check_tree() compares them (without a check: the shrinker asks too). */
static bool differ(const struct ovl_tree *a, const struct ovl_tree *b)
{
	char *d = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&d, &len);
	int n = f ? ovl_tree_diff(a, b, 0, f) : -ENOMEM;

	if (f)
		fclose(f);
	free(d);
	return n != 0;
}

/* Whether the run tests the kernel's overlayfs (the library's own mounts are the kernel's whatever the target). */
static bool kernel_target(struct ovl_ctx *ctx)
{
	const struct ovl_target *t = ovl_ctx_target(ctx);
	const char *impl = t ? (t->implementation ? t->implementation : t->name) : "";

	return strcmp(impl, "kernel") == 0;
}

/*
 * One stack through dockerd and the store: the same accept/refuse, the same
 * diff dirs, layer sizes, saved layer bytes and container view. label names
 * it in checks; quiet (shrinking) says nothing, only what it found.
 */
static enum verdict compare(struct ovl_ctx *ctx, struct ovl_dockerd *d, struct ovl_store *s, const struct layer *ls,
			    size_t n, const char *label, bool quiet)
{
	static unsigned long serial;
	char tars[MAX_LAYERS][4200], img[4200], tag[64], *out = NULL, diffs[MAX_LAYERS][4200];
	struct ovl_layer_info li[MAX_LAYERS];
	struct ovl_err err = { "" };
	enum verdict v = AGREE_ACCEPTED;
	size_t gcn = 0;
	int st, ours = 0;

	/* what the last stack left in our store: the layers of a refused stack's imported part */
	if (ovl_store_gc(s, OVL_GC_REMOVE, NULL, NULL, &gcn, &err))
		ovl_brok(ctx, "gc: %s", err.msg);
	serial++;
	for (size_t i = 0; i < n; i++) {
		snprintf(tars[i], sizeof(tars[i]), "%s", ovl_case_path(ctx, "/stack"));
		snprintf(tars[i] + strlen(tars[i]), sizeof(tars[i]) - strlen(tars[i]), "-%zu.tar", i);
		write_layer(ctx, &ls[i], tars[i]);
	}
	snprintf(img, sizeof(img), "%s", ovl_case_path(ctx, "/image.tar"));
	snprintf(tag, sizeof(tag), "ovlconform/diff:%lu", serial);
	write_image(ctx, img, tars, n, tag);
	st = ovl_docker(ctx, d, &out, "load", "-q", "-i", img, NULL);
	free(out);
	out = NULL;
	for (size_t i = 0; i < n && !ours; i++) {
		int fd = SAFE_OPEN(ctx, tars[i], O_RDONLY, 0);

		ours = ovl_store_layer_import(s, i ? &li[i - 1].chain_id : NULL, fd, tars[i], &li[i], &err);
		close(fd);
	}
	if ((st == 0) != (ours == 0)) {
		if (!quiet) {
			ovl_check(ctx, false, "%s: dockerd %s it, the store %s it", label, st ? "refuses" : "accepts",
				  ours ? "refuses" : "accepts");
			ovl_diag(ctx, "the store: %s", ours ? err.msg : "imported");
		}
		v = DISAGREE;
		goto out;
	}
	if (st)
		return AGREE_REFUSED;
	/* dockerd's diff dirs, bottom first: LowerDir lists them top first, UpperDir is the top one */
	st = ovl_docker(ctx, d, &out, "image", "inspect", "-f",
			"{{.GraphDriver.Data.LowerDir}}|{{.GraphDriver.Data.UpperDir}}", tag, NULL);
	if (st || !out)
		ovl_brok(ctx, "docker image inspect %s: status %d", tag, st);
	out[strcspn(out, "\n")] = 0;
	{
		char *bar = strchr(out, '|'), *p;
		size_t m = 0;

		if (!bar)
			ovl_brok(ctx, "docker image inspect %s: '%s'", tag, out);
		*bar = 0;
		snprintf(diffs[n - 1], sizeof(diffs[0]), "%s", bar + 1);
		/* "<no value>" for a one-layer image */
		for (p = strtok(strcmp(out, "<no value>") ? out : NULL, ":"); p && m + 1 < n; p = strtok(NULL, ":"))
			snprintf(diffs[n - 2 - m++], sizeof(diffs[0]), "%s", p);
		if (m + 1 != n)
			ovl_brok(ctx, "docker image inspect %s: %zu lower dirs for %zu layers", tag, m, n);
	}
	free(out);
	out = NULL;
	for (size_t i = 0; i < n; i++) {
		char ours_dir[4200], what[200];
		struct ovl_tree *want, *got;

		snprintf(ours_dir, sizeof(ours_dir), "%s/overlay2/%s/diff", ovl_store_root(s), li[i].cache_id);
		want = SAFE_SCAN(ctx, diffs[i], OVL_SCAN_UPPER);
		got = SAFE_SCAN(ctx, ours_dir, OVL_SCAN_UPPER);
		if (differ(want, got)) {
			v = DISAGREE;
			snprintf(what, sizeof(what), "%s, layer %zu: the store's diff dir is dockerd's", label, i);
			if (!quiet)
				ovl_check_tree(ctx, want, got, 0, what);
		}
		ovl_tree_unref(want);
		ovl_tree_unref(got);
	}
	if (v == AGREE_ACCEPTED && !same_sizes(ctx, d, li, n)) {
		v = DISAGREE;
		if (!quiet)
			ovl_check(ctx, false, "%s: dockerd's layer sizes are ours", label);
	}
	if (v == AGREE_ACCEPTED && !same_save(ctx, d, s, tag, li, n)) {
		v = DISAGREE;
		if (!quiet)
			ovl_check(ctx, false, "%s: docker save gives the layer bytes our export gives", label);
	}
	if (v == AGREE_ACCEPTED) {
		struct ovl_tree *kernel = NULL, *model = NULL;
		char *theirs = docker_listing(ctx, d, tag), *mine;

		our_container(ctx, s, &li[n - 1].chain_id, &kernel, &model);
		mine = tree_listing(kernel);
		/* the store against dockerd: the same kernel shows the same union of both containers */
		if (!theirs || !mine || strcmp(theirs, mine) != 0) {
			v = DISAGREE;
			if (!quiet) {
				ovl_check(ctx, false, "%s: a container of dockerd's sees what our store's container shows", label);
				diff_lines(ctx, theirs, mine, "dockerd's", "ours     ");
			}
		}
		/*
		 * The kernel against the model, on the same layers: not the
		 * store's doing, and judged by the kernel's own known deviations,
		 * so only in a run whose target is the kernel's overlayfs.
		 */
		if (v == AGREE_ACCEPTED && kernel_target(ctx) && differ(model, kernel)) {
			char what[200];

			kernel_differs++;
			/* shown as the harness shows any union against the model */
			snprintf(what, sizeof(what), "%s: the kernel's union of our store's container is the model's", label);
			if (!quiet)
				ovl_check_tree(ctx, model, kernel, 0, what);
		}
		free(theirs);
		free(mine);
		ovl_tree_unref(kernel);
		ovl_tree_unref(model);
	}
out:
	/* images are loaded, not kept: the next stack starts from an empty dockerd store */
	if (st == 0) {
		ovl_docker(ctx, d, &out, "rmi", "-f", tag, NULL);
		free(out);
	}
	return v;
}

/*
 * A stack as JSON (the fixture form): {"comment": "...", "layers": [[{name,
 * type (file dir symlink fifo chr hardlink), mode (octal string), uid, gid,
 * link (a symlink's target or a hard link's name), data, xattr (a
 * user.ovlconform xattr)}...]...]}, bottom layer first.
 */
static json_t *stack_json(const struct layer *ls, size_t n)
{
	json_t *layers = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *l = json_array();

		for (size_t j = 0; j < ls[i].n; j++) {
			const struct ent *t = &ls[i].e[j];
			const char *type = t->type == AE_IFDIR ? "dir" : t->type == AE_IFLNK ? "symlink"
				: t->type == AE_IFIFO ? "fifo" : t->type == AE_IFCHR ? "chr" : t->link[0] ? "hardlink" : "file";

			char mode[16];

			snprintf(mode, sizeof(mode), "%04o", t->mode);
			json_array_append_new(l, json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:b}", "name", t->name, "type",
							   type, "mode", mode, "uid", (int)t->uid, "gid", (int)t->gid,
							   "link", t->link, "data", t->data, "xattr", t->xattr));
		}
		json_array_append_new(layers, l);
	}
	return json_pack("{s:o}", "layers", layers);
}

/* A fixture's stack; false when it is not one. */
static bool stack_load(const char *path, struct layer *ls, size_t *n)
{
	json_t *j = json_load_file(path, 0, NULL), *layers = json_object_get(j, "layers"), *l, *e;
	size_t i, k;

	*n = 0;
	if (!json_is_array(layers) || json_array_size(layers) < 1 || json_array_size(layers) > MAX_LAYERS) {
		json_decref(j);
		return false;
	}
	json_array_foreach(layers, i, l) {
		ls[i].n = 0;
		json_array_foreach(l, k, e) {
			const char *type = json_string_value(json_object_get(e, "type"));
			struct ent *t;

			if (!type || k >= MAX_ENTS || !json_is_string(json_object_get(e, "name"))) {
				json_decref(j);
				return false;
			}
			t = &ls[i].e[ls[i].n++];
			memset(t, 0, sizeof(*t));
			snprintf(t->name, sizeof(t->name), "%s", json_string_value(json_object_get(e, "name")));
			t->type = strcmp(type, "dir") == 0 ? AE_IFDIR : strcmp(type, "symlink") == 0 ? AE_IFLNK
				: strcmp(type, "fifo") == 0 ? AE_IFIFO : strcmp(type, "chr") == 0 ? AE_IFCHR : AE_IFREG;
			t->mode = json_is_string(json_object_get(e, "mode"))
				? (unsigned int)strtoul(json_string_value(json_object_get(e, "mode")), NULL, 8) : 0644;
			t->uid = (unsigned int)json_integer_value(json_object_get(e, "uid"));
			t->gid = (unsigned int)json_integer_value(json_object_get(e, "gid"));
			snprintf(t->link, sizeof(t->link), "%s",
				 json_string_value(json_object_get(e, "link")) ? json_string_value(json_object_get(e, "link")) : "");
			snprintf(t->data, sizeof(t->data), "%s",
				 json_string_value(json_object_get(e, "data")) ? json_string_value(json_object_get(e, "data")) : "");
			t->xattr = json_is_true(json_object_get(e, "xattr"));
		}
	}
	*n = json_array_size(layers);
	json_decref(j);
	return true;
}

/*
 * Shrink a disagreeing stack: drop whole layers from the top, then single
 * entries, while the stack still disagrees (at most budget tries), and write
 * what is left as a fixture (<case dir>/shrunk-<label>.json): copied to
 * fixtures/differential/, it runs in every run from then on.
 */
static void shrink(struct ovl_ctx *ctx, struct ovl_dockerd *d, struct ovl_store *s, const struct layer *orig, size_t n,
		   const char *name)
{
	static struct layer ls[MAX_LAYERS], t[MAX_LAYERS];
	unsigned int budget = 200, tries = 0;
	bool changed = true;
	char path[300], *text, *save = NULL;
	json_t *j;

	memcpy(ls, orig, sizeof(ls[0]) * n);
	/* whole layers first, any of them (a whiteout of a name below then whites out nothing) */
	for (size_t i = n; i-- > 0 && n > 1 && tries < budget;) {
		memcpy(t, ls, sizeof(ls[0]) * n);
		memmove(&t[i], &t[i + 1], (n - i - 1) * sizeof(t[0]));
		tries++;
		if (compare(ctx, d, s, t, n - 1, name, true) == DISAGREE) {
			memcpy(ls, t, sizeof(ls[0]) * (n - 1));
			n--;
		}
	}
	while (changed && tries < budget) {
		changed = false;
		for (size_t i = 0; i < n && tries < budget; i++)
			for (size_t e = 0; e < ls[i].n && tries < budget; e++) {
				memcpy(t, ls, sizeof(ls[0]) * n);
				memmove(&t[i].e[e], &t[i].e[e + 1], (t[i].n - e - 1) * sizeof(t[i].e[0]));
				t[i].n--;
				tries++;
				if (compare(ctx, d, s, t, n, name, true) == DISAGREE) {
					memcpy(ls, t, sizeof(ls[0]) * n);
					changed = true;
					e--;
				}
			}
	}
	snprintf(path, sizeof(path), "shrunk-%s.json", name);
	j = stack_json(ls, n);
	json_object_set_new(j, "comment", json_sprintf("%s, shrunk in %u tries", name, tries));
	text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(j);
	if (!text)
		ovl_brok(ctx, "out of memory");
	/* into the run's results, as a file of its own, line by line */
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		ovl_table_row(ctx, path, "%s", l);
	free(text);
	ovl_diag(ctx, "%s shrunk to %zu layer%s in %u tries: results/<run>/%s (copy it to fixtures/differential/)", name,
		 n, n == 1 ? "" : "s", tries, path);
	describe(ctx, ls, n);
}

static void run(struct ovl_ctx *ctx)
{
	const char *env = getenv("OVLCONFORM_DIFF_STACKS"), *senv = getenv("OVLCONFORM_DIFF_SEED");
	unsigned long stacks = env ? strtoul(env, NULL, 10) : 40, seed = senv ? strtoul(senv, NULL, 10) : 1;
	unsigned long agree = 0, accepted = 0, refused = 0, bad = 0, nfix = 0, badfix = 0;
	size_t gcn = 0, nproblems = 0;
	struct ovl_dockerd d;
	struct ovl_store *s = NULL;
	struct ovl_err err = { "" };
	static struct layer ls[MAX_LAYERS];
	struct dirent **fx = NULL;
	const char *fxdir;
	int nfx;

	/* the names are UTF-8: libarchive converts them by the locale (the case's process only) */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		ovl_conf(ctx, "no C.UTF-8 locale: the stacks' UTF-8 names cannot be written");
	ovl_dockerd_start(ctx, &d);
	if (ovl_store_open(ovl_case_path(ctx, "/store"), OVL_STORE_CREATE, &s, &err))
		ovl_brok(ctx, "the store: %s", err.msg);
	if (!kernel_target(ctx))
		ovl_diag(ctx, "the target is not the kernel's overlayfs: the kernel's unions against the model are left to "
			 "runs of the kernel target (the store against dockerd is checked all the same)");
	/* first the stacks earlier runs found and shrank: regressions */
	fxdir = ovl_fixture_path(ctx, "differential");
	nfx = scandir(fxdir, &fx, NULL, alphasort);
	for (int i = 0; i < nfx; i++) {
		char p[PATH_MAX + 300];
		size_t n = 0;

		if (strstr(fx[i]->d_name, ".json") && snprintf(p, sizeof(p), "%s/%s", fxdir, fx[i]->d_name) > 0 &&
		    stack_load(p, ls, &n)) {
			nfix++;
			if (compare(ctx, &d, s, ls, n, fx[i]->d_name, false) == DISAGREE) {
				badfix++;
				describe(ctx, ls, n);
			}
		} else if (strstr(fx[i]->d_name, ".json")) {
			ovl_brok(ctx, "%s/%s: not a stack", fxdir, fx[i]->d_name);
		}
		free(fx[i]);
	}
	free(fx);
	ovl_check(ctx, nfix > 0 && badfix == 0, "the %lu stacks of fixtures/differential/ (shrunk from runs that found them, or written by hand) agree", nfix);
	for (unsigned long k = 0; k < stacks; k++) {
		char label[64];
		size_t n;

		rng = (seed * 1000003ULL + k) * 2654435761ULL + 1;
		n = 1 + rnd(MAX_LAYERS);
		for (size_t i = 0; i < n; i++)
			gen_layer(&ls[i], ls, i);
		snprintf(label, sizeof(label), "stack %lu (seed %lu)", k, seed);
		switch (compare(ctx, &d, s, ls, n, label, false)) {
		case AGREE_ACCEPTED:
			accepted++;
			agree++;
			break;
		case AGREE_REFUSED:
			refused++;
			agree++;
			break;
		case DISAGREE:
			bad++;
			describe(ctx, ls, n);
			/* the first few are shrunk; more would take the whole run */
			if (bad <= 3) {
				snprintf(label, sizeof(label), "seed%lu-stack%lu", seed, k);
				shrink(ctx, &d, s, ls, n, label);
			}
			break;
		}
	}
	/* every image the stacks made was deleted again: after a last gc, nothing is left and nothing is broken */
	if (ovl_store_gc(s, OVL_GC_REMOVE, NULL, NULL, &gcn, &err) ||
	    ovl_store_verify(ovl_store_root(s), 0, problem, ctx, &nproblems, &err))
		ovl_brok(ctx, "gc and verify: %s", err.msg);
	{
		struct ovl_layer_info *v = NULL;
		size_t nl = 0;

		if (ovl_store_layers(s, &v, &nl, &err))
			ovl_brok(ctx, "%s", err.msg);
		free(v);
		ovl_check(ctx, nproblems == 0 && nl == 0,
			  "after deleting every image it made, our store is empty (%zu layers) and verify finds no problem "
			  "(%zu)", nl, nproblems);
	}
	ovl_check(ctx, bad == 0, "%lu random stacks (seed %lu): dockerd and the store agree on every one", stacks, seed);
	ovl_diag(ctx, "%lu agree (%lu accepted by both, %lu refused by both), %lu disagree; %lu names replaced a name "
		 "of another kind below; on %lu the kernel's union differs from the model's; %lu neither docker save nor "
		 "our export gives back", agree, accepted, refused, bad, replaced, kernel_differs, unsaveable);
	ovl_table_row(ctx, "docker-differential", "seed %lu: %lu stacks, %lu accepted, %lu refused, %lu disagree; "
		      "%lu fixtures", seed, stacks, accepted, refused, bad, nfix);
	ovl_store_free(s);
	ovl_dockerd_stop(ctx, &d);
}

OVL_CASE(
	.number = 305,
	.slug = "docker-differential",
	.purpose = "random layer stacks in dockerd and the store: the same accept/refuse, diff dirs, sizes, saved bytes and container view",
	.tags = "docker",
	.needs_kconfig = OVL_DOCKER_KCONFIG,
	.needs_programs = OVL_DOCKER_PROGRAMS,
	.needs_root = true,
	.fs = OVL_FS_EXT4,
	.timeout = 600,
	.run = run,
);
