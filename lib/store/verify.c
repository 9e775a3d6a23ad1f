// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store/verify.c - the whole-store check. See ovl-store.h. Everything read is
 * treated as untrusted: sizes are bounded, formats checked strictly, and a
 * broken entry is reported and skipped, never followed.
 */
#define _GNU_SOURCE
#include "ovl-store.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ovl-common.h"

struct vlayer {
	char hex[65];
	bool ok;			/* its own files are well-formed */
	struct ovl_digest chain, diff, parent;
	bool has_parent, has_children;
	uint64_t size;
	char cache_id[80];
	char link[32];			/* "" when unreadable */
};

struct v {
	const char *root;
	char overlay[PATH_MAX], layerdb[PATH_MAX], imagedb[PATH_MAX];
	unsigned int flags;
	ovl_verify_report_fn report;
	void *arg;
	size_t problems;
	struct vlayer *layers;
	size_t nlayers;
	struct ovl_strset *referenced;	/* overlay2 dirs some layer or mount uses */
};


/* Reported, reason "warning: ...", and not counted: what Docker takes but is risky. */
static void warning(struct v *v, const char *path, const char *what)
{
	char reason[512];

	snprintf(reason, sizeof(reason), "warning: %s", what);
	if (v->report)
		v->report(v->arg, path, reason);
}

static struct v *walking;	/* the check nftw() calls back for (verify is not reentrant per thread) */

static int risky(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)type;
	(void)f;
	if ((S_ISCHR(st->st_mode) && st->st_rdev != 0) || S_ISBLK(st->st_mode)) {
		char what[200];

		snprintf(what, sizeof(what), "a %s device node %u:%u: Docker takes it, 'store import --strict' refuses it",
			 S_ISCHR(st->st_mode) ? "char" : "block", major(st->st_rdev), minor(st->st_rdev));
		warning(walking, path, what);
	}
	return 0;
}

static void __attribute__((format(printf, 3, 4)))
problem(struct v *v, const char *path, const char *fmt, ...)
{
	char reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	v->problems++;
	if (v->report)
		v->report(v->arg, path, reason);
}

/*
 * Read a store value file: 0 and buf, 1 when absent (reported if required),
 * -1 when present but malformed (reported).
 */
static int value(struct v *v, const char *path, char *buf, size_t len, bool required)
{
	char *s = NULL;
	size_t n = 0;
	int r = ovl_read_file(path, &s, &n, 4096);

	if (r == -ENOENT) {
		if (required)
			problem(v, path, "missing");
		return 1;
	}
	if (r) {
		problem(v, path, "unreadable: %s", r == -EFBIG ? "over 4 KiB, not a value" : strerror(-r));
		return -1;
	}
	if (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) {
		problem(v, path, "ends with a newline (Docker reads these files raw, so it breaks)");
		free(s);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)s[i])) {
			problem(v, path, "holds a byte 0x%02x that is not printable text",
				(unsigned char)s[i]);
			free(s);
			return -1;
		}
	if (n >= len) {
		problem(v, path, "too long for its kind of value (%zu bytes)", n);
		free(s);
		return -1;
	}
	memcpy(buf, s, n + 1);
	free(s);
	return 0;
}

static int digest_value(struct v *v, const char *path, struct ovl_digest *d, bool required)
{
	char buf[128];
	int r = value(v, path, buf, sizeof(buf), required);

	if (r)
		return r;
	if (ovl_digest_parse(buf, d)) {
		problem(v, path, "'%.80s' is not sha256:<64 lowercase hex digits>", buf);
		return -1;
	}
	return 0;
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
			return false;
	return true;
}

static bool is_link_name(const char *s)
{
	if (strlen(s) != 26)
		return false;
	for (; *s; s++)
		if (!(*s >= 'A' && *s <= 'Z') && !(*s >= '2' && *s <= '7'))
			return false;
	return true;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static struct vlayer *find_layer(struct v *v, const struct ovl_digest *chain)
{
	for (size_t i = 0; i < v->nlayers; i++)
		if (v->layers[i].ok && ovl_digest_equal(&v->layers[i].chain, chain))
			return &v->layers[i];
	return NULL;
}

/*
 * A layer Docker sized with its naive diff (a kernel with redirect_dir or
 * metacopy on by default): ChangesSize of its diff dir over its parents'
 * against the parents alone. True when that is the size recorded.
 */
static bool naive_size_matches(struct v *v, const struct vlayer *l, const char *diff)
{
	char **lowers = NULL;
	size_t n = 0;
	uint64_t size = 0;
	struct ovl_err e = { "" };
	const struct vlayer *cur = l;
	bool ok = false;

	for (int depth = 0; cur && cur->has_parent && depth < 256; depth++) {
		const struct vlayer *p = find_layer(v, &cur->parent);
		char d[PATH_MAX + 100];

		if (!p)
			goto out;
		snprintf(d, sizeof(d), "%s/%s/diff", v->overlay, p->cache_id);
		if (ovl_strv_push(&lowers, &n, d))
			goto out;
		cur = p;
	}
	ok = ovl_naive_size(diff, (const char *const *)lowers, n, &size, &e) == 0 && size == l->size;
out:
	ovl_strv_free(lowers, n);
	return ok;
}

/* First pass: each layerdb entry on its own. */
static void read_layerdb(struct v *v)
{
	char dir[PATH_MAX + 16];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/sha256", v->layerdb);
	d = opendir(dir);
	if (!d) {
		problem(v, dir, "cannot list: %s", strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		char p[PATH_MAX + 200], entry[PATH_MAX + 80], buf[128];
		struct vlayer *l, *nv;
		bool ok = true;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(entry, sizeof(entry), "%s/%s", dir, de->d_name);
		if (strlen(de->d_name) > 9 && strcmp(de->d_name + strlen(de->d_name) - 9, "-removing") == 0) {
			problem(v, entry, "a layer deletion cut short: dockerd finishes it when it shuts down, "
				"'ovlconform store gc --remove' too");
			continue;
		}
		if (!is_hex64(de->d_name) || !is_dir(entry)) {
			problem(v, entry, "not a layer: the name must be a ChainID's 64 lowercase hex digits "
				"and it must be a directory");
			continue;
		}
		nv = realloc(v->layers, (v->nlayers + 1) * sizeof(*nv));
		if (!nv) {
			problem(v, entry, "out of memory: the layers from here on were not checked");
			break;
		}
		v->layers = nv;
		l = &nv[v->nlayers++];
		memset(l, 0, sizeof(*l));
		snprintf(l->hex, sizeof(l->hex), "%s", de->d_name);
		snprintf(buf, sizeof(buf), "sha256:%s", de->d_name);
		ovl_digest_parse(buf, &l->chain);
		snprintf(p, sizeof(p), "%s/diff", entry);
		ok &= digest_value(v, p, &l->diff, true) == 0;
		snprintf(p, sizeof(p), "%s/size", entry);
		if (value(v, p, buf, sizeof(buf), true) == 0) {
			char *end;

			errno = 0;
			l->size = strtoull(buf, &end, 10);
			if (!*buf || *end || errno || !isdigit((unsigned char)buf[0])) {
				problem(v, p, "'%.40s' is not a decimal size", buf);
				ok = false;
			}
		} else {
			ok = false;
		}
		snprintf(p, sizeof(p), "%s/cache-id", entry);
		if (value(v, p, l->cache_id, sizeof(l->cache_id), true) == 0) {
			if (!*l->cache_id || strchr(l->cache_id, '/') || l->cache_id[0] == '.') {
				problem(v, p, "'%s' is not a directory name under overlay2/", l->cache_id);
				ok = false;
			} else {
				/* Its dir is this layer's, even when other files of it are broken. */
				ovl_strset_add(v->referenced, l->cache_id, 1, NULL);
			}
		} else {
			ok = false;
		}
		snprintf(p, sizeof(p), "%s/parent", entry);
		switch (digest_value(v, p, &l->parent, false)) {
		case 0: l->has_parent = true; break;
		case 1: break;
		default: ok = false;
		}
		snprintf(p, sizeof(p), "%s/tar-split.json.gz", entry);
		{
			struct stat st;

			if (lstat(p, &st))
				problem(v, p, "missing: the layer's tar stream cannot be reassembled");
			else if (!S_ISREG(st.st_mode))
				problem(v, p, "not a regular file");
		}
		l->ok = ok;
	}
	closedir(d);
}

/* The lower file a layer must have: l/<parent link>[:<parent's lower>]. */
static bool expected_lower(struct v *v, const struct vlayer *l, char *buf, size_t len, int depth)
{
	const struct vlayer *p;
	char rest[8192];

	*buf = 0;
	if (!l->has_parent)
		return true;
	if (depth > 128)
		return false;
	p = find_layer(v, &l->parent);
	if (!p || !*p->link || !expected_lower(v, p, rest, sizeof(rest), depth + 1))
		return false;
	snprintf(buf, len, "l/%s%s%s", p->link, *rest ? ":" : "", rest);
	return true;
}

/* Second pass: each layer against the others and its overlay2 dir. */
static void check_layers(struct v *v)
{
	for (size_t i = 0; i < v->nlayers; i++) {
		struct vlayer *l = &v->layers[i];
		char entry[PATH_MAX + 100], dir[PATH_MAX + 100], p[PATH_MAX + 200];
		struct ovl_digest chain;

		if (!l->ok)
			continue;
		snprintf(entry, sizeof(entry), "%s/sha256/%s", v->layerdb, l->hex);
		if (l->has_parent) {
			struct vlayer *parent = find_layer(v, &l->parent);

			snprintf(p, sizeof(p), "%s/parent", entry);
			if (!parent)
				problem(v, p, "names a parent layer that is not registered");
			else
				parent->has_children = true;
		}
		ovl_chain_id(l->has_parent ? &l->parent : NULL, &l->diff, &chain);
		if (!ovl_digest_equal(&chain, &l->chain)) {
			char want[OVL_DIGEST_STRLEN];

			ovl_digest_format(&chain, want);
			problem(v, entry, "the ChainID from parent and diff is %s, not the directory's name", want);
		}
		snprintf(dir, sizeof(dir), "%s/%s", v->overlay, l->cache_id);
		if (!is_dir(dir)) {
			problem(v, dir, "missing: cache-id of layer %s", l->hex);
			continue;
		}
		snprintf(p, sizeof(p), "%s/diff", dir);
		if (!is_dir(p)) {
			problem(v, p, "missing: the layer's files");
			continue;
		}
		snprintf(p, sizeof(p), "%s/link", dir);
		if (value(v, p, l->link, sizeof(l->link), true) == 0 && !is_link_name(l->link)) {
			problem(v, p, "'%s' is not 26 characters of base32 (A-Z, 2-7)", l->link);
			*l->link = 0;
		}
		if (*l->link) {
			char lp[PATH_MAX + 64], target[PATH_MAX], want[PATH_MAX + 16];
			ssize_t n;

			snprintf(lp, sizeof(lp), "%s/l/%s", v->overlay, l->link);
			snprintf(want, sizeof(want), "../%s/diff", l->cache_id);
			n = readlink(lp, target, sizeof(target) - 1);
			if (n < 0)
				problem(v, lp, "missing: the short link of %s", dir);
			else if ((target[n] = 0, strcmp(target, want) != 0))
				problem(v, lp, "points to %s, not %s", target, want);
		}
		{
			uint64_t size = 0;
			struct ovl_err e = { "" };

			snprintf(p, sizeof(p), "%s/diff", dir);
			if (ovl_layer_size(p, &size, &e))
				problem(v, p, "cannot measure: %s", e.msg);
			else if (size != l->size && !naive_size_matches(v, l, p))
				problem(v, entry, "size says %llu, the diff dir holds %llu by Docker's rule (nor does its "
					"naive diff against its parents give that)",
					(unsigned long long)l->size, (unsigned long long)size);
		}
	}
	/* Lower files and committed marks need every link read first. */
	for (size_t i = 0; i < v->nlayers; i++) {
		struct vlayer *l = &v->layers[i];
		char dir[PATH_MAX + 100], p[PATH_MAX + 200], want[8192], have[8192];
		int r;

		if (!l->ok)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", v->overlay, l->cache_id);
		if (!is_dir(dir))
			continue;
		snprintf(p, sizeof(p), "%s/lower", dir);
		r = value(v, p, have, sizeof(have), false);
		if (!l->has_parent && r == 0)
			problem(v, p, "a base layer has no lower file");
		if (l->has_parent && !expected_lower(v, l, want, sizeof(want), 0)) {
			char entry[PATH_MAX + 100];

			snprintf(entry, sizeof(entry), "%s/sha256/%s/parent", v->layerdb, l->hex);
			if (find_layer(v, &l->parent))
				problem(v, entry, "the parent chain loops, is deeper than 128 layers, or has a "
					"layer without a readable link");
		} else if (l->has_parent) {
			if (r == 1)
				problem(v, p, "missing: should be %s", want);
			else if (r == 0 && strcmp(have, want) != 0)
				problem(v, p, "is %s; the parent chain gives %s", have, want);
		}
		if (l->has_parent) {
			snprintf(p, sizeof(p), "%s/work", dir);
			if (!is_dir(p))
				problem(v, p, "missing: a layer with a parent has a work dir");
		}
		snprintf(p, sizeof(p), "%s/committed", dir);
		if (l->has_children && access(p, F_OK))
			problem(v, p, "missing: the layer has children, so Docker marked it committed");
		if (v->flags & OVL_VERIFY_DEEP) {
			char diff[PATH_MAX + 120], ts[PATH_MAX + 120];
			struct ovl_digest d;
			struct ovl_err e = { "" };

			snprintf(diff, sizeof(diff), "%s/diff", dir);
			walking = v;
			nftw(diff, risky, 32, FTW_PHYS);
			walking = NULL;
			snprintf(ts, sizeof(ts), "%s/sha256/%s/tar-split.json.gz", v->layerdb, l->hex);
			if (ovl_layer_export(diff, ts, -1, &d, NULL, &e))
				problem(v, diff, "cannot reassemble the layer's tar: %s", e.msg);
			else if (!ovl_digest_equal(&d, &l->diff)) {
				char got[OVL_DIGEST_STRLEN];

				ovl_digest_format(&d, got);
				problem(v, diff, "reassembles to %s, not its DiffID", got);
			}
		}
	}
}

/* overlay2/l: every short link points to a layer dir whose link file names it. */
static void check_links(struct v *v)
{
	char dir[PATH_MAX + 8];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/l", v->overlay);
	d = opendir(dir);
	if (!d) {
		problem(v, dir, "cannot list: %s", strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		char lp[PATH_MAX + 300], target[PATH_MAX], id[PATH_MAX], linkf[PATH_MAX * 2], name[64];
		ssize_t n;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(lp, sizeof(lp), "%s/%s", dir, de->d_name);
		n = readlink(lp, target, sizeof(target) - 1);
		if (n < 0) {
			problem(v, lp, "not a symlink");
			continue;
		}
		target[n] = 0;
		if (sscanf(target, "../%4095[^/]/diff%n", id, &(int){ 0 }) != 1 || strchr(id, '.') ||
		    strlen(target) != strlen(id) + 8) {
			problem(v, lp, "points to %s, not ../<id>/diff", target);
			continue;
		}
		snprintf(linkf, sizeof(linkf), "%s/%s/link", v->overlay, id);
		if (value(v, linkf, name, sizeof(name), false) != 0)
			problem(v, lp, "dangling: %s/%s has no link file", v->overlay, id);
		else if (strcmp(name, de->d_name) != 0)
			problem(v, lp, "%s names %s, not this link", linkf, name);
	}
	closedir(d);
}

/* layerdb/mounts/<container>: a container's layers. */
static void check_mounts(struct v *v)
{
	char dir[PATH_MAX + 16];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/mounts", v->layerdb);
	d = opendir(dir);
	if (!d)
		return; /* none yet */
	while ((de = readdir(d))) {
		char m[PATH_MAX + 300], p[PATH_MAX + 400], mid[128], iid[160], want[160], od[PATH_MAX * 2];
		struct ovl_digest parent;

		if (de->d_name[0] == '.')
			continue;
		snprintf(m, sizeof(m), "%s/%s", dir, de->d_name);
		snprintf(p, sizeof(p), "%s/mount-id", m);
		if (value(v, p, mid, sizeof(mid), true) == 0) {
			if (!*mid || strchr(mid, '/') || mid[0] == '.') {
				problem(v, p, "'%s' is not a layer directory name", mid);
			} else {
				ovl_strset_add(v->referenced, mid, 1, NULL);
				snprintf(od, sizeof(od), "%s/%s", v->overlay, mid);
				if (!is_dir(od))
					problem(v, od, "missing: the mount-id of container %s", de->d_name);
				snprintf(p, sizeof(p), "%s/init-id", m);
				snprintf(want, sizeof(want), "%s-init", mid);
				if (value(v, p, iid, sizeof(iid), false) == 0) {
					if (strcmp(iid, want) != 0)
						problem(v, p, "is %s, not %s", iid, want);
					ovl_strset_add(v->referenced, iid, 1, NULL);
					snprintf(od, sizeof(od), "%s/%s", v->overlay, iid);
					if (!is_dir(od))
						problem(v, od, "missing: the init layer of container %s", de->d_name);
				}
			}
		}
		snprintf(p, sizeof(p), "%s/parent", m);
		if (digest_value(v, p, &parent, false) == 0 && !find_layer(v, &parent))
			problem(v, p, "names an image layer that is not registered");
	}
	closedir(d);
}

/* overlay2/<id>: every layer dir is some layer's or container's. */
static void check_overlay_dirs(struct v *v)
{
	DIR *d = opendir(v->overlay);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char p[PATH_MAX + 300];

		if (de->d_name[0] == '.' || strcmp(de->d_name, "l") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", v->overlay, de->d_name);
		if (strcmp(de->d_name, "backingFsBlockDev") == 0) {
			/* Docker's handle for xfs project quotas: a block device node. */
			struct stat st;

			if (lstat(p, &st) || !S_ISBLK(st.st_mode))
				problem(v, p, "Docker keeps a block device here (for xfs quotas), not this");
			continue;
		}
		if (!is_dir(p))
			problem(v, p, "not a layer directory");
		else if (!ovl_strset_get(v->referenced, de->d_name, NULL))
			problem(v, p, "no layer and no container uses it (left over?)");
	}
	closedir(d);
}

/* imagedb/content/sha256/<id>: the config's digest and its layers. */
static void check_images(struct v *v)
{
	char dir[PATH_MAX + 32];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/content/sha256", v->imagedb);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char p[PATH_MAX + 300], want[OVL_DIGEST_STRLEN];
		char *data = NULL;
		size_t len = 0;
		struct ovl_digest id;
		json_t *cfg, *ids;
		json_error_t je;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (!is_hex64(de->d_name)) {
			problem(v, p, "not an image: the name must be 64 lowercase hex digits");
			continue;
		}
		if (ovl_read_file(p, &data, &len, 64u << 20)) {
			problem(v, p, "unreadable image config");
			continue;
		}
		ovl_image_id(data, len, &id);
		ovl_digest_hex(&id, want);
		if (strcmp(want, de->d_name) != 0)
			problem(v, p, "its content hashes to %s, not its name", want);
		cfg = json_loadb(data, len, 0, &je);
		free(data);
		if (!cfg) {
			problem(v, p, "not JSON: line %d: %s", je.line, je.text);
			continue;
		}
		ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
		if (!json_is_array(ids)) {
			problem(v, p, "no rootfs.diff_ids array");
		} else {
			struct ovl_digest chain = { { 0 } }, diff;
			size_t i;
			json_t *x;

			json_array_foreach(ids, i, x) {
				if (!json_is_string(x) || ovl_digest_parse(json_string_value(x), &diff)) {
					problem(v, p, "rootfs.diff_ids[%zu] is not a sha256 digest", i);
					break;
				}
				ovl_chain_id(i ? &chain : NULL, &diff, &chain);
				if (!find_layer(v, &chain)) {
					char c[OVL_DIGEST_STRLEN];

					ovl_digest_format(&chain, c);
					problem(v, p, "layer %zu (ChainID %s) is not registered", i, c);
					break;
				}
			}
		}
		json_decref(cfg);
	}
	closedir(d);
}

/* repositories.json: every tag names an image there is. */
static void check_repositories(struct v *v)
{
	char p[PATH_MAX + 64];
	json_t *root, *repos, *tags, *idv;
	json_error_t je;
	const char *repo, *tag;

	snprintf(p, sizeof(p), "%s/image/overlay2/repositories.json", v->root);
	if (access(p, F_OK))
		return;
	root = json_load_file(p, 0, &je);
	if (!root) {
		problem(v, p, "not JSON: line %d: %s", je.line, je.text);
		return;
	}
	repos = json_object_get(root, "Repositories");
	if (!json_is_object(repos)) {
		problem(v, p, "no \"Repositories\" object");
		json_decref(root);
		return;
	}
	json_object_foreach(repos, repo, tags) {
		if (!json_is_object(tags)) {
			problem(v, p, "repository %s is not an object of tags", repo);
			continue;
		}
		json_object_foreach(tags, tag, idv) {
			struct ovl_digest id;
			char hex[65], img[PATH_MAX + 200];

			if (!json_is_string(idv) || ovl_digest_parse(json_string_value(idv), &id)) {
				problem(v, p, "%s is not an image ID", tag);
				continue;
			}
			ovl_digest_hex(&id, hex);
			snprintf(img, sizeof(img), "%s/content/sha256/%s", v->imagedb, hex);
			if (access(img, F_OK))
				problem(v, p, "%s names image %s, which is not in imagedb", tag, hex);
		}
	}
	json_decref(root);
}

/*
 * The modes dockerd 20.10 (since 20.10.9) gives the store's own dirs and
 * files, whatever the umask; each is owned by the data root's owner. "*"
 * is one name; a layer's diff/ is not here (its mode is the layer's).
 */
static const struct {
	const char *pattern;
	char type;			/* 'd' or 'f' */
	mode_t mode;
} modes[] = {
	{ "", 'd', 0710 },
	{ "overlay2", 'd', 0710 },
	{ "overlay2/l", 'd', 0700 },
	{ "overlay2/*", 'd', 0710 },
	{ "overlay2/*/link", 'f', 0644 },
	{ "overlay2/*/lower", 'f', 0644 },
	{ "overlay2/*/committed", 'f', 0600 },
	{ "overlay2/*/work", 'd', 0700 },
	{ "image", 'd', 0700 },
	{ "image/overlay2", 'd', 0700 },
	{ "image/overlay2/repositories.json", 'f', 0600 },
	{ "image/overlay2/layerdb", 'd', 0700 },
	{ "image/overlay2/layerdb/sha256", 'd', 0755 },
	{ "image/overlay2/layerdb/sha256/*", 'd', 0700 },
	{ "image/overlay2/layerdb/sha256/*/*", 'f', 0644 },
	{ "image/overlay2/layerdb/tmp", 'd', 0755 },
	{ "image/overlay2/layerdb/mounts", 'd', 0755 },
	{ "image/overlay2/layerdb/mounts/*", 'd', 0755 },
	{ "image/overlay2/layerdb/mounts/*/*", 'f', 0644 },
	{ "image/overlay2/imagedb", 'd', 0700 },
	{ "image/overlay2/imagedb/content", 'd', 0700 },
	{ "image/overlay2/imagedb/content/sha256", 'd', 0700 },
	{ "image/overlay2/imagedb/content/sha256/*", 'f', 0600 },
	{ "image/overlay2/imagedb/metadata", 'd', 0700 },
	{ "image/overlay2/imagedb/metadata/sha256", 'd', 0700 },
	{ "image/overlay2/imagedb/metadata/sha256/*", 'd', 0700 },
	{ "image/overlay2/imagedb/metadata/sha256/*/*", 'f', 0600 },
};

static void check_mode(struct v *v, const char *path, char type, mode_t want, uid_t owner)
{
	struct stat st;

	if (lstat(path, &st))
		return; /* not made yet (dockerd makes some on first use); the other checks say what is missing */
	if (type == 'd' ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return; /* reported by the checks of what it should be */
	if ((st.st_mode & 07777) != want)
		problem(v, path, "mode %04o; dockerd makes it %04o", (unsigned int)(st.st_mode & 07777),
			(unsigned int)want);
	if (st.st_uid != owner)
		problem(v, path, "owned by uid %u; the data root, and everything dockerd makes in it, by uid %u",
			(unsigned int)st.st_uid, (unsigned int)owner);
}

/* Expand one pattern below base (rest: what is left of it) and check what it names. */
static void walk_modes(struct v *v, const char *base, const char *rest, char type, mode_t want, uid_t owner)
{
	const char *slash = strchr(rest, '/');
	size_t k = slash ? (size_t)(slash - rest) : strlen(rest);
	char p[PATH_MAX];

	if (!*rest) {
		check_mode(v, base, type, want, owner);
		return;
	}
	if (k == 1 && rest[0] == '*') {
		DIR *d = opendir(base);
		struct dirent *de;

		if (!d)
			return;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			/* overlay2/ holds l/ and xfs' quota handle besides the layer dirs */
			if (strcmp(base, v->overlay) == 0 &&
			    (strcmp(de->d_name, "l") == 0 || strcmp(de->d_name, "backingFsBlockDev") == 0))
				continue;
			if (snprintf(p, sizeof(p), "%s/%s", base, de->d_name) >= (int)sizeof(p))
				continue;
			walk_modes(v, p, slash ? slash + 1 : "", type, want, owner);
		}
		closedir(d);
		return;
	}
	if (snprintf(p, sizeof(p), "%s/%.*s", base, (int)k, rest) >= (int)sizeof(p))
		return;
	walk_modes(v, p, slash ? slash + 1 : "", type, want, owner);
}

static void check_modes(struct v *v)
{
	struct stat st;

	if (stat(v->root, &st))
		return;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		walk_modes(v, v->root, modes[i].pattern, modes[i].type, modes[i].mode, st.st_uid);
}

/* imagedb/metadata/sha256/<id>: of an image there is; lastUpdated a Go RFC 3339 time, parent an image. */
static void check_image_metadata(struct v *v)
{
	char dir[PATH_MAX + 32];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/metadata/sha256", v->imagedb);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char m[PATH_MAX + 100], p[PATH_MAX + 200], img[PATH_MAX + 200], buf[128];
		struct ovl_digest parent;

		if (de->d_name[0] == '.')
			continue;
		snprintf(m, sizeof(m), "%s/%s", dir, de->d_name);
		snprintf(img, sizeof(img), "%s/content/sha256/%s", v->imagedb, de->d_name);
		if (!is_hex64(de->d_name) || access(img, F_OK)) {
			problem(v, m, "metadata of no image in imagedb/content (left over?)");
			continue;
		}
		snprintf(p, sizeof(p), "%s/lastUpdated", m);
		if (value(v, p, buf, sizeof(buf), false) == 0) {
			/* 2006-01-02T15:04:05[.fraction](Z|+hh:mm|-hh:mm) */
			struct tm tm;
			const char *end = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);

			if (end && *end == '.') {
				size_t f = strspn(end + 1, "0123456789");

				end = f >= 1 && f <= 9 ? end + 1 + f : NULL;
			}
			if (!end || !(strcmp(end, "Z") == 0 ||
				      ((end[0] == '+' || end[0] == '-') && strlen(end) == 6 && isdigit((unsigned char)end[1]) &&
				       isdigit((unsigned char)end[2]) && end[3] == ':' && isdigit((unsigned char)end[4]) &&
				       isdigit((unsigned char)end[5]))))
				problem(v, p, "'%.40s' is not an RFC 3339 time as dockerd writes it", buf);
		}
		snprintf(p, sizeof(p), "%s/parent", m);
		if (digest_value(v, p, &parent, false) == 0) {
			char hex[65];

			ovl_digest_hex(&parent, hex);
			snprintf(img, sizeof(img), "%s/content/sha256/%s", v->imagedb, hex);
			if (access(img, F_OK))
				problem(v, p, "names image %.12s, which is not in imagedb", hex);
		}
	}
	closedir(d);
}

int ovl_store_verify(const char *root, unsigned int flags, ovl_verify_report_fn report, void *arg,
		     size_t *problems, struct ovl_err *err)
{
	struct v v = { .root = root, .flags = flags, .report = report, .arg = arg };

	*problems = 0;
	if (ovl_fmt(v.overlay, sizeof(v.overlay), "%s/overlay2", root) ||
	    ovl_fmt(v.layerdb, sizeof(v.layerdb), "%s/image/overlay2/layerdb", root) ||
	    ovl_fmt(v.imagedb, sizeof(v.imagedb), "%s/image/overlay2/imagedb", root))
		return ovl_err_set(err, ENAMETOOLONG, "%s: path too long", root);
	if (!is_dir(root))
		return ovl_err_set(err, ENOENT, "%s: not a directory", root);
	if (!is_dir(v.overlay) || !is_dir(v.layerdb))
		return ovl_err_set(err, ENOENT, "%s: no overlay2/ or image/overlay2/layerdb/: not a Docker "
				   "overlay2 store", root);
	v.referenced = ovl_strset_new();
	if (!v.referenced)
		return ovl_err_set(err, ENOMEM, "out of memory");
	read_layerdb(&v);
	check_layers(&v);
	check_links(&v);
	check_mounts(&v);
	check_overlay_dirs(&v);
	check_images(&v);
	check_repositories(&v);
	check_image_metadata(&v);
	check_modes(&v);
	free(v.layers);
	ovl_strset_free(v.referenced);
	*problems = v.problems;
	return 0;
}
