// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store/store.c - Docker's overlay2 layer store: layer directories, l/ short
 * links, lower files and the layerdb. See ovl-store.h for the layout.
 */
#define _GNU_SOURCE
#include "ovl-store.h"

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

#include <ctype.h>
#include <jansson.h>
#include <sys/utsname.h>
#include <time.h>

#include "ovl-common.h"

#include "store-private.h"

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
		{ "", 0710 },
		{ "overlay2", 0710 },
		{ "overlay2/l", 0700 },
		{ "image", 0700 },
		{ "image/overlay2", 0700 },
		{ "image/overlay2/layerdb", 0700 },
		{ "image/overlay2/layerdb/sha256", 0755 },
		{ "image/overlay2/layerdb/tmp", 0755 },
		{ "image/overlay2/layerdb/mounts", 0755 },
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
	s->strict = flags & OVL_STORE_STRICT;
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
int ovl__read_value(const char *path, char *buf, size_t len, struct ovl_err *err)
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

int ovl__read_digest_opt(const char *path, struct ovl_digest *d, bool *has, struct ovl_err *err)
{
	char v[128];
	int r;

	*has = false;
	if (access(path, F_OK))
		return 0;
	if ((r = ovl__read_value(path, v, sizeof(v), err)))
		return r;
	if (ovl_digest_parse(v, d))
		return ovl_err_set(err, EINVAL, "%s: not sha256:<64 lowercase hex>", path);
	*has = true;
	return 0;
}

int ovl__write_value(const char *path, const char *value, mode_t mode, struct ovl_err *err)
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
int ovl__random_id(char out[65])
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
	if (ovl_fmt(dir, sizeof(dir), "%s/sha256/%s", s->layerdb, hex))
		return ovl_err_set(err, ENAMETOOLONG, "%s: path too long", s->layerdb);
	if (stat(dir, &st))
		return ovl_err_set(err, errno, "%s: no such layer (%m)", dir);
	snprintf(p, sizeof(p), "%s/diff", dir);
	if ((r = ovl__read_value(p, v, sizeof(v), err)))
		return r;
	if (ovl_digest_parse(v, &out->diff_id))
		return ovl_err_set(err, EINVAL, "%s: not sha256:<64 lowercase hex>", p);
	snprintf(p, sizeof(p), "%s/size", dir);
	if ((r = ovl__read_value(p, v, sizeof(v), err)))
		return r;
	{
		char *end;

		errno = 0;
		out->size = strtoull(v, &end, 10);
		if (!*v || *end || errno || v[0] == '-' || v[0] == '+')
			return ovl_err_set(err, EINVAL, "%s: '%s' is not a decimal size", p, v);
	}
	snprintf(p, sizeof(p), "%s/cache-id", dir);
	if ((r = ovl__read_value(p, out->cache_id, sizeof(out->cache_id), err)))
		return r;
	if (!*out->cache_id || strchr(out->cache_id, '/') || strcmp(out->cache_id, ".") == 0 ||
	    strcmp(out->cache_id, "..") == 0)
		return ovl_err_set(err, EINVAL, "%s: '%s' is not a layer directory name", p, out->cache_id);
	snprintf(p, sizeof(p), "%s/parent", dir);
	if ((r = ovl__read_digest_opt(p, &out->parent, &out->has_parent, err)))
		return r;
	snprintf(p, sizeof(p), "%s/%s/link", s->overlay, out->cache_id);
	if ((r = ovl__read_value(p, out->link, sizeof(out->link), err)))
		return r;
	/* It goes into children's lower files and mount options: 26 chars of base32 only. */
	if (strlen(out->link) != LINK_LEN ||
	    strspn(out->link, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != LINK_LEN)
		return ovl_err_set(err, EINVAL, "%s: '%s' is not 26 characters of base32", p, out->link);
	return 0;
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

/*
 * Make overlay2/<id> as Docker's driver Create() does: diff/, link, the l/
 * short link, and with a parent lower and work/. On failure nothing stays.
 */
int ovl__new_layer_dir(struct ovl_store *s, const char *id, const char *pcache, const char *plink,
			 char link[LINK_LEN + 1], char *layerdir, size_t dlen, char *linkpath, size_t llen,
			 struct ovl_err *err)
{
	char p[PATH_MAX + 64], lower[MAX_DEPTH * (LINK_LEN + 3) + 64] = "";
	int r;

	*layerdir = 0;
	*linkpath = 0;
	if (pcache) {
		/* The child's lower: the parent's link, then the parent's own lowers. */
		snprintf(p, sizeof(p), "%s/%s/lower", s->overlay, pcache);
		snprintf(lower, sizeof(lower), "l/%s", plink);
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
	for (int tries = 0;; tries++) {
		if ((r = random_link(link)))
			return ovl_err_set(err, r, "getrandom: %s", strerror(-r));
		snprintf(p, sizeof(p), "%s/l/%s", s->overlay, link);
		if (access(p, F_OK) != 0)
			break;
		if (tries > 8)
			return ovl_err_set(err, EEXIST, "%s: link names keep colliding", p);
	}
	ovl_fmt(layerdir, dlen, "%s/%s", s->overlay, id);
	if (mkdir(layerdir, 0710)) {
		r = ovl_err_set(err, errno, "%s: %m", layerdir);
		*layerdir = 0;
		return r;
	}
	chmod(layerdir, 0710);
	snprintf(p, sizeof(p), "%s/diff", layerdir);
	if (mkdir(p, 0755) || chmod(p, 0755)) {
		r = ovl_err_set(err, errno, "%s: %m", p);
		goto fail;
	}
	snprintf(p, sizeof(p), "%s/link", layerdir);
	if ((r = ovl__write_value(p, link, 0644, err)))
		goto fail;
	ovl_fmt(linkpath, llen, "%s/l/%s", s->overlay, link);
	snprintf(p, sizeof(p), "../%s/diff", id);
	if (symlink(p, linkpath)) {
		r = ovl_err_set(err, errno, "%s: %m", linkpath);
		*linkpath = 0;
		goto fail;
	}
	if (pcache) {
		snprintf(p, sizeof(p), "%s/lower", layerdir);
		if ((r = ovl__write_value(p, lower, 0644, err)))
			goto fail;
		snprintf(p, sizeof(p), "%s/work", layerdir);
		if (mkdir(p, 0700)) {
			r = ovl_err_set(err, errno, "%s: %m", p);
			goto fail;
		}
	}
	return 0;
fail:
	ovl_remove_tree(layerdir);
	*layerdir = 0;
	if (*linkpath)
		unlink(linkpath);
	*linkpath = 0;
	return r;
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
	char tmpset[PATH_MAX] = "", p[PATH_MAX + 64];
	char hex[65], final[PATH_MAX + 80], v[OVL_DIGEST_STRLEN];
	struct ovl_import_result res;
	struct ovl_import_opts opts = { .flags = s->strict ? OVL_IMPORT_STRICT : 0 };
	struct ovl_digest chain;
	int r;

	memset(out, 0, sizeof(*out));
	if (parent && (r = ovl_store_layer_get(s, parent, &pinfo, err)))
		return r;
	if ((r = ovl__random_id(id)))
		return ovl_err_set(err, r, "getrandom: %s", strerror(-r));
	r = ovl__new_layer_dir(s, id, parent ? pinfo.cache_id : NULL, parent ? pinfo.link : NULL, link,
			  layerdir, sizeof(layerdir), linkpath, sizeof(linkpath), err);
	if (r)
		return r;
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
	if ((r = ovl_chain_id(parent, &res.diff_id, &chain))) {
		ovl_err_set(err, r, "%s: computing the ChainID: %s", name, strerror(-r));
		goto fail;
	}
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
	if ((r = ovl__write_value(p, v, 0644, err)))
		goto fail;
	snprintf(p, sizeof(p), "%s/size", tmpset);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)res.size);
	if ((r = ovl__write_value(p, v, 0644, err)))
		goto fail;
	snprintf(p, sizeof(p), "%s/cache-id", tmpset);
	if ((r = ovl__write_value(p, id, 0644, err)))
		goto fail;
	if (parent) {
		ovl_digest_format(parent, v);
		snprintf(p, sizeof(p), "%s/parent", tmpset);
		if ((r = ovl__write_value(p, v, 0644, err)))
			goto fail;
	}
	if (parent) {
		/* The parent has a child now (Docker marks it at Create): mounted read-only from now on. */
		snprintf(p, sizeof(p), "%s/%s/committed", s->overlay, pinfo.cache_id);
		if (access(p, F_OK) != 0 && (r = ovl__write_value(p, "", 0600, err)))
			goto fail;
	}
	if (rename(tmpset, final)) {
		r = ovl_err_set(err, errno, "rename %s %s: %m", tmpset, final);
		goto fail;
	}
	/* Registered: from here on a failure to describe it is not a failed import. */
	chmod(final, 0700);
	if (ovl_store_layer_get(s, &chain, out, err))
		out->chain_id = chain;
	return 0;
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

/* ---- images and tags ------------------------------------------------------- */

static const char *go_arch(void)
{
	static struct utsname u;

	uname(&u);
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	if (strncmp(u.machine, "arm", 3) == 0)
		return "arm";
	return u.machine;
}

/* The ChainIDs from the base to top, by following parent files. */
static int chain_of(struct ovl_store *s, const struct ovl_digest *top, struct ovl_layer_info **v,
		    size_t *n, struct ovl_err *err)
{
	struct ovl_digest cur = *top;

	*v = NULL;
	*n = 0;
	for (;;) {
		struct ovl_layer_info *nv;
		int r;

		if (*n >= MAX_DEPTH) {
			free(*v);
			return ovl_err_set(err, ELOOP, "layer chain deeper than %d", MAX_DEPTH);
		}
		nv = realloc(*v, (*n + 1) * sizeof(**v));
		if (!nv) {
			free(*v);
			return ovl_err_set(err, ENOMEM, "out of memory");
		}
		*v = nv;
		r = ovl_store_layer_get(s, &cur, &nv[*n], err);
		if (r) {
			free(*v);
			return r;
		}
		if (!nv[(*n)++].has_parent)
			break;
		cur = nv[*n - 1].parent;
	}
	/* base first */
	for (size_t i = 0; i < *n / 2; i++) {
		struct ovl_layer_info t = (*v)[i];

		(*v)[i] = (*v)[*n - 1 - i];
		(*v)[*n - 1 - i] = t;
	}
	return 0;
}

int ovl__write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct ovl_err *err)
{
	char tmp[PATH_MAX + 16];
	int fd, r;

	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return ovl_err_set(err, errno, "%s: %m", tmp);
	r = ovl_write_all(fd, data, len);
	if (!r && (fchmod(fd, mode) || fsync(fd)))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	if (!r && rename(tmp, path))
		r = -errno;
	if (r) {
		unlink(tmp);
		return ovl_err_set(err, r, "%s: %s", path, strerror(-r));
	}
	return 0;
}

int ovl_store_image_create(struct ovl_store *s, const struct ovl_digest *top,
			   const struct ovl_image_opts *opts, struct ovl_digest *image_id,
			   struct ovl_err *err)
{
	struct ovl_layer_info *chain = NULL;
	size_t n = 0;
	char created[64], path[PATH_MAX + 128], hex[65], *bytes;
	json_t *cfg, *config, *ids, *hist, *h;
	int r = chain_of(s, top, &chain, &n, err);

	if (r)
		return r;
	if (opts && opts->created)
		snprintf(created, sizeof(created), "%s", opts->created);
	else
		ovl__rfc3339nano(created, sizeof(created)); /* as Go's encoding of dockerd's time.Time */
	/* Keys in the order Docker writes them. */
	cfg = json_object();
	json_object_set_new(cfg, "architecture", json_string(go_arch()));
	if (opts && opts->comment)
		json_object_set_new(cfg, "comment", json_string(opts->comment));
	config = json_object();
	if (opts && opts->cmd) {
		json_t *cmd = json_array();

		for (const char *const *c = opts->cmd; *c; c++)
			json_array_append_new(cmd, json_string(*c));
		json_object_set_new(config, "Cmd", cmd);
	}
	json_object_set_new(cfg, "config", config);
	json_object_set_new(cfg, "created", json_string(created));
	hist = json_array();
	for (size_t i = 0; i < n; i++) {
		h = json_object();
		json_object_set_new(h, "created", json_string(created));
		json_object_set_new(h, "created_by", json_string("ovlconform"));
		json_array_append_new(hist, h);
	}
	json_object_set_new(cfg, "history", hist);
	json_object_set_new(cfg, "os", json_string("linux"));
	ids = json_array();
	for (size_t i = 0; i < n; i++) {
		char d[OVL_DIGEST_STRLEN];

		ovl_digest_format(&chain[i].diff_id, d);
		json_array_append_new(ids, json_string(d));
	}
	h = json_object();
	json_object_set_new(h, "type", json_string("layers"));
	json_object_set_new(h, "diff_ids", ids);
	json_object_set_new(cfg, "rootfs", h);
	free(chain);
	bytes = json_dumps(cfg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(cfg);
	if (!bytes)
		return ovl_err_set(err, ENOMEM, "out of memory");
	ovl_image_id(bytes, strlen(bytes), image_id);
	ovl_digest_hex(image_id, hex);
	snprintf(path, sizeof(path), "%s/image/overlay2/imagedb/content/sha256/%s", s->root, hex);
	r = ovl__write_atomic(path, bytes, strlen(bytes), 0600, err);
	free(bytes);
	if (!r && opts && opts->parent) {
		char v[OVL_DIGEST_STRLEN];

		ovl_digest_format(opts->parent, v);
		r = ovl__image_meta_set(s, image_id, "parent", v, err);
	}
	return r;
}

int ovl_store_image_layers(struct ovl_store *s, const struct ovl_digest *image_id,
			   struct ovl_digest **diff_ids, size_t *n, struct ovl_err *err)
{
	char path[PATH_MAX + 128], hex[65];
	json_t *cfg, *ids, *x;
	json_error_t je;
	size_t i;

	*diff_ids = NULL;
	*n = 0;
	ovl_digest_hex(image_id, hex);
	snprintf(path, sizeof(path), "%s/image/overlay2/imagedb/content/sha256/%s", s->root, hex);
	cfg = json_load_file(path, 0, &je);
	if (!cfg)
		return ovl_err_set(err, EINVAL, "%s: %s", path, je.text);
	ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	if (!json_is_array(ids)) {
		json_decref(cfg);
		return ovl_err_set(err, EINVAL, "%s: no rootfs.diff_ids", path);
	}
	*diff_ids = calloc(json_array_size(ids) + 1, sizeof(**diff_ids));
	json_array_foreach(ids, i, x) {
		if (!*diff_ids || !json_is_string(x) || ovl_digest_parse(json_string_value(x), &(*diff_ids)[i])) {
			free(*diff_ids);
			*diff_ids = NULL;
			json_decref(cfg);
			return ovl_err_set(err, EINVAL, "%s: rootfs.diff_ids[%zu] is not a digest", path, i);
		}
	}
	*n = json_array_size(ids);
	json_decref(cfg);
	return 0;
}

/* "name[:tag]" into the repository name and "name:tag"; -EINVAL when it is no reference. */
static int parse_ref(const char *ref, char *name, size_t nlen, char *full, size_t flen)
{
	const char *slash = strrchr(ref, '/'), *colon = strrchr(ref, ':');
	size_t k;

	if (colon && slash && colon < slash)
		colon = NULL; /* a registry port, not a tag */
	k = colon ? (size_t)(colon - ref) : strlen(ref);
	if (k == 0 || k >= nlen || strchr(ref, '@'))
		return -EINVAL;
	for (size_t i = 0; i < k; i++)
		if (!(islower((unsigned char)ref[i]) || isdigit((unsigned char)ref[i]) ||
		      strchr("._-/:", ref[i])))
			return -EINVAL;
	if (colon && (!colon[1] || strlen(colon + 1) > 128))
		return -EINVAL;
	for (const char *t = colon ? colon + 1 : ""; *t; t++)
		if (!(isalnum((unsigned char)*t) || strchr("_.-", *t)))
			return -EINVAL;
	snprintf(name, nlen, "%.*s", (int)k, ref);
	snprintf(full, flen, "%.*s:%s", (int)k, ref, colon ? colon + 1 : "latest");
	return 0;
}

int ovl__ref_full(const char *ref, char *full, size_t len)
{
	char name[256];

	return parse_ref(ref, name, sizeof(name), full, len);
}

int ovl_store_tag(struct ovl_store *s, const char *ref, const struct ovl_digest *image_id,
		  struct ovl_err *err)
{
	char path[PATH_MAX + 64], name[256], full[400], id[OVL_DIGEST_STRLEN], hex[65], img[PATH_MAX + 128];
	json_t *root, *repos, *tags;
	json_error_t je;
	char *bytes;
	int r;

	if (parse_ref(ref, name, sizeof(name), full, sizeof(full)))
		return ovl_err_set(err, EINVAL, "'%s' is not an image reference (name[:tag], lowercase name)", ref);
	ovl_digest_hex(image_id, hex);
	snprintf(img, sizeof(img), "%s/image/overlay2/imagedb/content/sha256/%s", s->root, hex);
	if (access(img, F_OK))
		return ovl_err_set(err, ENOENT, "%s: no such image", img);
	snprintf(path, sizeof(path), "%s/image/overlay2/repositories.json", s->root);
	root = access(path, F_OK) == 0 ? json_load_file(path, 0, &je) : json_object();
	if (!root)
		return ovl_err_set(err, EINVAL, "%s: %s; not touching it", path, je.text);
	repos = json_object_get(root, "Repositories");
	if (!repos) {
		repos = json_object();
		json_object_set_new(root, "Repositories", repos);
	}
	if (!json_is_object(repos)) {
		json_decref(root);
		return ovl_err_set(err, EINVAL, "%s: \"Repositories\" is not an object; not touching it", path);
	}
	tags = json_object_get(repos, name);
	if (!tags) {
		tags = json_object();
		json_object_set_new(repos, name, tags);
	}
	ovl_digest_format(image_id, id);
	json_object_set_new(tags, full, json_string(id));
	bytes = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	if (!bytes)
		return ovl_err_set(err, ENOMEM, "out of memory");
	r = ovl__write_atomic(path, bytes, strlen(bytes), 0600, err);
	free(bytes);
	if (!r) {
		/* dockerd's tag (and load) stamps the image: metadata/sha256/<id>/lastUpdated */
		char now[64];

		ovl__rfc3339nano(now, sizeof(now));
		r = ovl__image_meta_set(s, image_id, "lastUpdated", now, err);
	}
	return r;
}

/* Go's time.RFC3339Nano of now in UTC: the fraction without trailing zeros, none when zero. */
void ovl__rfc3339nano(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t k;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	k = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ts.tv_nsec) {
		char frac[16];
		size_t f;

		snprintf(frac, sizeof(frac), "%09ld", ts.tv_nsec);
		for (f = strlen(frac); f && frac[f - 1] == '0'; f--)
			frac[f - 1] = 0;
		k += (size_t)snprintf(out + k, len - k, ".%s", frac);
	}
	snprintf(out + k, len - k, "Z");
}

int ovl__image_meta_set(struct ovl_store *s, const struct ovl_digest *image_id, const char *key, const char *value,
			struct ovl_err *err)
{
	char dir[PATH_MAX + 128], p[PATH_MAX + 200], hex[65];

	ovl_digest_hex(image_id, hex);
	snprintf(dir, sizeof(dir), "%s/image/overlay2/imagedb/metadata/sha256/%s", s->root, hex);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return ovl_err_set(err, errno, "%s: %m", dir);
	chmod(dir, 0700);
	snprintf(p, sizeof(p), "%s/%s", dir, key);
	return ovl__write_atomic(p, value, strlen(value), 0600, err);
}

int ovl_store_resolve(struct ovl_store *s, const char *ref, struct ovl_digest *image_id,
		      struct ovl_err *err)
{
	char path[PATH_MAX + 64], name[256], full[400];
	json_t *root, *v;
	json_error_t je;
	int r = -ENOENT;

	if (parse_ref(ref, name, sizeof(name), full, sizeof(full)))
		return ovl_err_set(err, EINVAL, "'%s' is not an image reference", ref);
	snprintf(path, sizeof(path), "%s/image/overlay2/repositories.json", s->root);
	root = json_load_file(path, 0, &je);
	if (!root)
		return ovl_err_set(err, ENOENT, "%s: %s", path, je.text);
	v = json_object_get(json_object_get(json_object_get(root, "Repositories"), name), full);
	if (json_is_string(v) && ovl_digest_parse(json_string_value(v), image_id) == 0)
		r = 0;
	json_decref(root);
	return r ? ovl_err_set(err, r, "%s: no tag %s", path, full) : 0;
}
