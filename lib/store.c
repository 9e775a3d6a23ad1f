// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store.c - Docker's overlay2 layer store: layer directories, l/ short
 * links, lower files and the layerdb. See store.h for the layout.
 */
#define _GNU_SOURCE
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tarlayer.h"
#include "tarsplit.h"
#include "util.h"

#define MAX_DEPTH 128		/* Docker's limit on lower layers */
#define LINK_LEN 26

struct ovl_store {
	char root[PATH_MAX];
	char overlay[PATH_MAX];		/* <root>/overlay2 */
	char layerdb[PATH_MAX];		/* <root>/image/overlay2/layerdb */
};

const char *ovl_store_root(const struct ovl_store *s)
{
	return s->root;
}

void ovl_store_free(struct ovl_store *s)
{
	free(s);
}

int ovl_store_open(const char *root, unsigned int flags, struct ovl_store **out, struct ovl_err *err)
{
	static const struct {
		const char *rel;
		mode_t mode;
	} dirs[] = {
		{ "", 0711 },
		{ "overlay2", 0710 },
		{ "overlay2/l", 0700 },
		{ "image", 0700 },
		{ "image/overlay2", 0700 },
		{ "image/overlay2/layerdb", 0700 },
		{ "image/overlay2/layerdb/sha256", 0700 },
		{ "image/overlay2/layerdb/tmp", 0700 },
		{ "image/overlay2/layerdb/mounts", 0700 },
		{ "image/overlay2/imagedb", 0700 },
		{ "image/overlay2/imagedb/content", 0700 },
		{ "image/overlay2/imagedb/content/sha256", 0700 },
		{ "image/overlay2/imagedb/metadata", 0700 },
		{ "image/overlay2/imagedb/metadata/sha256", 0700 },
	};
	struct ovl_store *s = calloc(1, sizeof(*s));
	struct stat st;

	if (!s)
		return ovl_err_set(err, ENOMEM, "%s: out of memory", root);
	if (ovl_fmt(s->root, sizeof(s->root), "%s", root) ||
	    ovl_fmt(s->overlay, sizeof(s->overlay), "%s/overlay2", root) ||
	    ovl_fmt(s->layerdb, sizeof(s->layerdb), "%s/image/overlay2/layerdb", root)) {
		free(s);
		return ovl_err_set(err, ENAMETOOLONG, "%s: path too long", root);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char p[PATH_MAX + 64];

		snprintf(p, sizeof(p), "%s%s%s", root, *dirs[i].rel ? "/" : "", dirs[i].rel);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (!(flags & OVL_STORE_CREATE) || (mkdir(p, dirs[i].mode) && errno != EEXIST)) {
			int e = flags & OVL_STORE_CREATE ? errno : ENOENT;

			free(s);
			return ovl_err_set(err, e, "%s: %s", p, flags & OVL_STORE_CREATE ? strerror(e)
				: "missing: not a Docker overlay2 store (or none was made yet)");
		}
		chmod(p, dirs[i].mode);
	}
	*out = s;
	return 0;
}

int ovl_store_layer_dir(const struct ovl_store *s, const char *cache_id, char *buf, size_t len)
{
	return ovl_fmt(buf, len, "%s/%s", s->overlay, cache_id);
}

/* ---- small files --------------------------------------------------------- */

/* A store file's content: no trailing newline kept or allowed (Docker reads them raw). */
static int read_value(const char *path, char *buf, size_t len, struct ovl_err *err)
{
	char *s = NULL;
	size_t n = 0;
	int r = ovl_read_file(path, &s, &n, 4096);

	if (r)
		return ovl_err_set(err, r, "%s: %s", path, strerror(-r));
	if (n >= len || memchr(s, 0, n)) {
		free(s);
		return ovl_err_set(err, EINVAL, "%s: not a short text value", path);
	}
	memcpy(buf, s, n + 1);
	free(s);
	return 0;
}

static int write_value(const char *path, const char *value, mode_t mode, struct ovl_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode), r;

	if (fd < 0)
		return ovl_err_set(err, errno, "%s: %m", path);
	r = ovl_write_all(fd, value, strlen(value));
	if (!r && fchmod(fd, mode))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	return r ? ovl_err_set(err, r, "%s: %s", path, strerror(-r)) : 0;
}

/* 64 random lowercase hex digits, as Docker's layer ids. */
static int random_id(char out[65])
{
	struct ovl_digest d;

	if (getrandom(d.b, sizeof(d.b), 0) != sizeof(d.b))
		return -EIO;
	ovl_digest_hex(&d, out);
	return 0;
}

/* Docker's short link names: 17 random bytes in base32 (A-Z2-7), cut to 26 characters. */
static int random_link(char out[LINK_LEN + 1])
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned char b[17];
	unsigned int bits = 0, acc = 0;
	size_t o = 0;

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -EIO;
	for (size_t i = 0; i < sizeof(b) && o < LINK_LEN; i++) {
		acc = (acc << 8) | b[i];
		bits += 8;
		while (bits >= 5 && o < LINK_LEN) {
			out[o++] = alpha[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	out[o] = 0;
	return 0;
}

/* ---- layers ------------------------------------------------------------------ */

int ovl_store_layer_get(struct ovl_store *s, const struct ovl_digest *chain_id,
			struct ovl_layer_info *out, struct ovl_err *err)
{
	char hex[65], dir[PATH_MAX], p[PATH_MAX + 64], v[256];
	struct stat st;
	int r;

	memset(out, 0, sizeof(*out));
	out->chain_id = *chain_id;
	ovl_digest_hex(chain_id, hex);
	ovl_fmt(dir, sizeof(dir), "%s/sha256/%s", s->layerdb, hex);
	if (stat(dir, &st))
		return ovl_err_set(err, errno, "%s: no such layer (%m)", dir);
	snprintf(p, sizeof(p), "%s/diff", dir);
	if ((r = read_value(p, v, sizeof(v), err)))
		return r;
	if (ovl_digest_parse(v, &out->diff_id))
		return ovl_err_set(err, EINVAL, "%s: not sha256:<64 lowercase hex>", p);
	snprintf(p, sizeof(p), "%s/size", dir);
	if ((r = read_value(p, v, sizeof(v), err)))
		return r;
	{
		char *end;

		errno = 0;
		out->size = strtoull(v, &end, 10);
		if (!*v || *end || errno || v[0] == '-' || v[0] == '+')
			return ovl_err_set(err, EINVAL, "%s: '%s' is not a decimal size", p, v);
	}
	snprintf(p, sizeof(p), "%s/cache-id", dir);
	if ((r = read_value(p, out->cache_id, sizeof(out->cache_id), err)))
		return r;
	if (!*out->cache_id || strchr(out->cache_id, '/') || strcmp(out->cache_id, ".") == 0 ||
	    strcmp(out->cache_id, "..") == 0)
		return ovl_err_set(err, EINVAL, "%s: '%s' is not a layer directory name", p, out->cache_id);
	snprintf(p, sizeof(p), "%s/parent", dir);
	if (access(p, F_OK) == 0) {
		if ((r = read_value(p, v, sizeof(v), err)))
			return r;
		if (ovl_digest_parse(v, &out->parent))
			return ovl_err_set(err, EINVAL, "%s: not sha256:<64 lowercase hex>", p);
		out->has_parent = true;
	}
	snprintf(p, sizeof(p), "%s/%s/link", s->overlay, out->cache_id);
	return read_value(p, out->link, sizeof(out->link), err);
}

static int layer_cmp(const void *a, const void *b)
{
	return memcmp(((const struct ovl_layer_info *)a)->chain_id.b,
		      ((const struct ovl_layer_info *)b)->chain_id.b, 32);
}

int ovl_store_layers(struct ovl_store *s, struct ovl_layer_info **v, size_t *n, struct ovl_err *err)
{
	char dir[PATH_MAX + 16];
	DIR *d;
	struct dirent *de;
	int r = 0;

	*v = NULL;
	*n = 0;
	snprintf(dir, sizeof(dir), "%s/sha256", s->layerdb);
	d = opendir(dir);
	if (!d)
		return ovl_err_set(err, errno, "%s: %m", dir);
	while (!r && (de = readdir(d))) {
		char id[80];
		struct ovl_digest c;
		struct ovl_layer_info *nv;

		if (de->d_name[0] == '.')
			continue;
		snprintf(id, sizeof(id), "sha256:%.64s", de->d_name);
		if (strlen(de->d_name) != 64 || ovl_digest_parse(id, &c))
			continue; /* not a layer (verify reports it) */
		nv = realloc(*v, (*n + 1) * sizeof(**v));
		if (!nv) {
			r = ovl_err_set(err, ENOMEM, "out of memory");
			break;
		}
		*v = nv;
		r = ovl_store_layer_get(s, &c, &nv[*n], err);
		if (!r)
			(*n)++;
	}
	closedir(d);
	if (r) {
		free(*v);
		*v = NULL;
		*n = 0;
		return r;
	}
	if (*n)
		qsort(*v, *n, sizeof(**v), layer_cmp);
	return 0;
}

/* Remove what a failed import made. */
static void undo(const char *layerdir, const char *linkpath, const char *tmpset)
{
	if (*layerdir)
		ovl_remove_tree(layerdir);
	if (*linkpath)
		unlink(linkpath);
	if (*tmpset)
		ovl_remove_tree(tmpset);
}

int ovl_store_layer_import(struct ovl_store *s, const struct ovl_digest *parent, int fd,
			   const char *name, struct ovl_layer_info *out, struct ovl_err *err)
{
	struct ovl_layer_info pinfo = { 0 };
	char id[65], link[LINK_LEN + 1], layerdir[PATH_MAX] = "", linkpath[PATH_MAX] = "";
	char tmpset[PATH_MAX] = "", p[PATH_MAX + 64], lower[MAX_DEPTH * (LINK_LEN + 3) + 64] = "";
	char hex[65], final[PATH_MAX + 80], v[OVL_DIGEST_STRLEN];
	struct ovl_import_result res;
	struct ovl_import_opts opts = { 0 };
	struct ovl_digest chain;
	int r;

	memset(out, 0, sizeof(*out));
	if (parent) {
		r = ovl_store_layer_get(s, parent, &pinfo, err);
		if (r)
			return r;
		/* The child's lower: the parent's link, then the parent's own lowers. */
		snprintf(p, sizeof(p), "%s/%s/lower", s->overlay, pinfo.cache_id);
		snprintf(lower, sizeof(lower), "l/%s", pinfo.link);
		if (access(p, F_OK) == 0) {
			char *pl = NULL;
			size_t n = 0;

			r = ovl_read_file(p, &pl, &n, sizeof(lower) - strlen(lower) - 2);
			if (r)
				return ovl_err_set(err, r, "%s: %s", p, r == -EFBIG ? "max depth exceeded"
						   : strerror(-r));
			if (strlen(pl) != n || strchr(pl, '\n')) {
				free(pl);
				return ovl_err_set(err, EINVAL, "%s: not a lower list", p);
			}
			strcat(lower, ":");
			strcat(lower, pl);
			free(pl);
		}
		{
			size_t depth = 1;

			for (const char *c = lower; *c; c++)
				depth += *c == ':';
			if (depth > MAX_DEPTH)
				return ovl_err_set(err, EINVAL, "%s: max depth exceeded (%zu layers)", p, depth);
		}
	}
	if ((r = random_id(id)))
		return ovl_err_set(err, r, "getrandom: %s", strerror(-r));
	for (int tries = 0;; tries++) {
		if ((r = random_link(link)))
			return ovl_err_set(err, r, "getrandom: %s", strerror(-r));
		snprintf(p, sizeof(p), "%s/l/%s", s->overlay, link);
		if (access(p, F_OK) != 0)
			break;
		if (tries > 8)
			return ovl_err_set(err, EEXIST, "%s: link names keep colliding", p);
	}
	ovl_fmt(layerdir, sizeof(layerdir), "%s/%s", s->overlay, id);
	if (mkdir(layerdir, 0701)) {
		r = ovl_err_set(err, errno, "%s: %m", layerdir);
		*layerdir = 0;
		goto fail;
	}
	chmod(layerdir, 0701);
	snprintf(p, sizeof(p), "%s/diff", layerdir);
	if (mkdir(p, 0755) || chmod(p, 0755)) {
		r = ovl_err_set(err, errno, "%s: %m", p);
		goto fail;
	}
	snprintf(p, sizeof(p), "%s/link", layerdir);
	if ((r = write_value(p, link, 0644, err)))
		goto fail;
	ovl_fmt(linkpath, sizeof(linkpath), "%s/l/%s", s->overlay, link);
	snprintf(p, sizeof(p), "../%s/diff", id);
	if (symlink(p, linkpath)) {
		r = ovl_err_set(err, errno, "%s: %m", linkpath);
		*linkpath = 0;
		goto fail;
	}
	if (parent) {
		snprintf(p, sizeof(p), "%s/lower", layerdir);
		if ((r = write_value(p, lower, 0644, err)))
			goto fail;
		snprintf(p, sizeof(p), "%s/work", layerdir);
		if (mkdir(p, 0700)) {
			r = ovl_err_set(err, errno, "%s: %m", p);
			goto fail;
		}
	}
	ovl_fmt(tmpset, sizeof(tmpset), "%s/tmp/write-set-XXXXXX", s->layerdb);
	if (!mkdtemp(tmpset)) {
		r = ovl_err_set(err, errno, "%s: %m", tmpset);
		*tmpset = 0;
		goto fail;
	}
	snprintf(p, sizeof(p), "%s/tar-split.json.gz", tmpset);
	opts.tarsplit = p;
	{
		char diff[PATH_MAX + 8];

		snprintf(diff, sizeof(diff), "%s/diff", layerdir);
		r = ovl_layer_import(fd, name, diff, &opts, &res, err);
	}
	if (r)
		goto fail;
	if ((r = ovl_chain_id(parent, &res.diff_id, &chain)))
		goto fail;
	ovl_digest_hex(&chain, hex);
	snprintf(final, sizeof(final), "%s/sha256/%s", s->layerdb, hex);
	if (access(final, F_OK) == 0) {
		/* Registered already: keep the one there is. */
		undo(layerdir, linkpath, tmpset);
		r = ovl_store_layer_get(s, &chain, out, err);
		out->existed = true;
		return r;
	}
	ovl_digest_format(&res.diff_id, v);
	snprintf(p, sizeof(p), "%s/diff", tmpset);
	if ((r = write_value(p, v, 0644, err)))
		goto fail;
	snprintf(p, sizeof(p), "%s/size", tmpset);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)res.size);
	if ((r = write_value(p, v, 0644, err)))
		goto fail;
	snprintf(p, sizeof(p), "%s/cache-id", tmpset);
	if ((r = write_value(p, id, 0644, err)))
		goto fail;
	if (parent) {
		ovl_digest_format(parent, v);
		snprintf(p, sizeof(p), "%s/parent", tmpset);
		if ((r = write_value(p, v, 0644, err)))
			goto fail;
	}
	if (rename(tmpset, final)) {
		r = ovl_err_set(err, errno, "rename %s %s: %m", tmpset, final);
		goto fail;
	}
	chmod(final, 0700);
	if (parent) {
		/* The parent has a child now: Docker mounts such a layer read-only. */
		snprintf(p, sizeof(p), "%s/%s/committed", s->overlay, pinfo.cache_id);
		if (access(p, F_OK) != 0 && (r = write_value(p, "", 0600, err)))
			return r;
	}
	return ovl_store_layer_get(s, &chain, out, err);
fail:
	undo(layerdir, linkpath, tmpset);
	return r;
}

int ovl_store_layer_export(struct ovl_store *s, const struct ovl_digest *chain_id, int outfd,
			   struct ovl_digest *diff_id, struct ovl_err *err)
{
	struct ovl_layer_info li;
	char diff[PATH_MAX + 100], ts[PATH_MAX + 100], hex[65];
	int r = ovl_store_layer_get(s, chain_id, &li, err);

	if (r)
		return r;
	ovl_digest_hex(chain_id, hex);
	snprintf(diff, sizeof(diff), "%s/%s/diff", s->overlay, li.cache_id);
	snprintf(ts, sizeof(ts), "%s/sha256/%s/tar-split.json.gz", s->layerdb, hex);
	return ovl_layer_export(diff, ts, outfd, diff_id, NULL, err);
}
