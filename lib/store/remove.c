// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store/remove.c - deleting images, containers and layers as dockerd
 * 20.10 does (its ImageDelete, image store Delete, layer store
 * releaseLayer/deleteLayer, ReleaseRWLayer and overlay2 Remove), and the
 * store's garbage: what nothing uses, listed, and removed only when asked.
 *
 * Reference counts are not kept anywhere on disk: dockerd counts them in
 * memory when it starts, from the same files read here. A layer is held by
 * each image whose top layer it is, by each layer whose parent it is and by
 * each container layer made on it.
 */
#define _GNU_SOURCE
#include "ovl-store.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ovl-common.h"

#include "store-private.h"

static void record(ovl_store_record_fn rec, void *arg, const char *kind, const char *name)
{
	if (rec)
		rec(arg, kind, name);
}

/* ---- repositories.json ------------------------------------------------------- */

static void repos_path(const struct ovl_store *s, char *p, size_t len)
{
	snprintf(p, len, "%s/image/overlay2/repositories.json", s->root);
}

/* The tags (an empty set when there is no file yet). */
static int repos_load(struct ovl_store *s, json_t **out, struct ovl_err *err)
{
	char p[PATH_MAX + 64];
	json_error_t je;

	repos_path(s, p, sizeof(p));
	if (access(p, F_OK)) {
		*out = json_pack("{s:{}}", "Repositories");
		return *out ? 0 : ovl_err_set(err, ENOMEM, "out of memory");
	}
	*out = json_load_file(p, 0, &je);
	if (!*out)
		return ovl_err_set(err, EINVAL, "%s: line %d: %s; not touching it", p, je.line, je.text);
	if (!json_is_object(json_object_get(*out, "Repositories"))) {
		json_decref(*out);
		*out = NULL;
		return ovl_err_set(err, EINVAL, "%s: no \"Repositories\" object; not touching it", p);
	}
	return 0;
}

/* As dockerd writes it: Go's encoding of its maps, keys sorted. */
static int repos_save(struct ovl_store *s, json_t *root, struct ovl_err *err)
{
	char p[PATH_MAX + 64], *bytes = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	int r;

	if (!bytes)
		return ovl_err_set(err, ENOMEM, "out of memory");
	repos_path(s, p, sizeof(p));
	r = ovl__write_atomic(p, bytes, strlen(bytes), 0600, err);
	free(bytes);
	return r;
}

/* How many tags name the image; the first of them in first (may be NULL). */
static size_t repos_refs(json_t *root, const struct ovl_digest *id, char *first, size_t len)
{
	char want[OVL_DIGEST_STRLEN];
	const char *repo, *tag;
	json_t *tags, *v;
	size_t n = 0;

	ovl_digest_format(id, want);
	json_object_foreach(json_object_get(root, "Repositories"), repo, tags) {
		json_object_foreach(tags, tag, v) {
			if (json_is_string(v) && strcmp(json_string_value(v), want) == 0) {
				if (!n && first)
					snprintf(first, len, "%s", tag);
				n++;
			}
		}
	}
	return n;
}

/* Untag one "name:tag"; a repository left without tags goes, as in dockerd. */
static bool repos_delete(json_t *root, const char *full)
{
	json_t *repos = json_object_get(root, "Repositories");
	const char *slash = strrchr(full, '/'), *colon = strrchr(full, ':');
	char name[400];
	json_t *tags;

	if (!colon || (slash && colon < slash))
		return false;
	snprintf(name, sizeof(name), "%.*s", (int)(colon - full), full);
	tags = json_object_get(repos, name);
	if (!tags || json_object_del(tags, full))
		return false;
	if (json_object_size(tags) == 0)
		json_object_del(repos, name);
	return true;
}

/* ---- images ------------------------------------------------------------------ */

static int image_info(struct ovl_store *s, const struct ovl_digest *id, struct ovl_image_info *out,
		      struct ovl_err *err)
{
	struct ovl_digest *ids = NULL, *chains = NULL;
	char p[PATH_MAX + 200], hex[65];
	size_t n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	out->id = *id;
	if ((r = ovl_store_image_layers(s, id, &ids, &n, err)))
		return r;
	if (n) {
		chains = calloc(n, sizeof(*chains));
		r = chains ? ovl_chain_ids(ids, n, chains) : -ENOMEM;
		if (!r) {
			out->top = chains[n - 1];
			out->has_layers = true;
		}
	}
	free(ids);
	free(chains);
	if (r)
		return ovl_err_set(err, -r, "the ChainIDs of an image: %s", strerror(-r));
	ovl_digest_hex(id, hex);
	snprintf(p, sizeof(p), "%s/image/overlay2/imagedb/metadata/sha256/%s/parent", s->root, hex);
	return ovl__read_digest_opt(p, &out->parent, &out->has_parent, err);
}

int ovl_store_images(struct ovl_store *s, struct ovl_image_info **v, size_t *n, struct ovl_err *err)
{
	char dir[PATH_MAX + 64];
	struct dirent **names = NULL;
	int k, r = 0;

	*v = NULL;
	*n = 0;
	snprintf(dir, sizeof(dir), "%s/image/overlay2/imagedb/content/sha256", s->root);
	k = scandir(dir, &names, NULL, alphasort);
	if (k < 0)
		return ovl_err_set(err, errno, "%s: %m", dir);
	*v = calloc((size_t)k + 1, sizeof(**v));
	if (!*v)
		r = ovl_err_set(err, ENOMEM, "out of memory");
	for (int i = 0; i < k; i++) {
		char id[80];
		struct ovl_digest d;

		snprintf(id, sizeof(id), "sha256:%.70s", names[i]->d_name);
		if (!r && strlen(names[i]->d_name) == 64 && ovl_digest_parse(id, &d) == 0 &&
		    (r = image_info(s, &d, &(*v)[*n], err)) == 0)
			(*n)++;
		free(names[i]);
	}
	free(names);
	if (r) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return r;
}

/* ---- containers -------------------------------------------------------------- */

struct cont {
	char id[65];
	struct ovl_container_info info;
	struct ovl_digest image;	/* from containers/<id>/config.v2.json, when Docker made it */
	bool has_image;
	bool running;			/* its union is mounted */
};

static bool mounted(const char *path)
{
	struct statx stx;

	return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) == 0 &&
	       (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int containers(struct ovl_store *s, struct cont **v, size_t *n, struct ovl_err *err)
{
	char dir[PATH_MAX + 16];
	struct dirent **names = NULL;
	int k, r = 0;

	*v = NULL;
	*n = 0;
	snprintf(dir, sizeof(dir), "%s/mounts", s->layerdb);
	k = scandir(dir, &names, NULL, alphasort);
	if (k < 0)
		return errno == ENOENT ? 0 : ovl_err_set(err, errno, "%s: %m", dir);
	*v = calloc((size_t)k + 1, sizeof(**v));
	if (!*v)
		r = ovl_err_set(err, ENOMEM, "out of memory");
	for (int i = 0; i < k; i++) {
		struct cont *c = *v ? &(*v)[*n] : NULL;
		char cfg[PATH_MAX + 200];
		json_t *j;

		if (r || names[i]->d_name[0] == '.' || strlen(names[i]->d_name) >= sizeof(c->id)) {
			free(names[i]);
			continue;
		}
		snprintf(c->id, sizeof(c->id), "%s", names[i]->d_name);
		free(names[i]);
		if ((r = ovl_store_container_get(s, c->id, &c->info, err)))
			continue;
		c->running = mounted(c->info.merged);
		snprintf(cfg, sizeof(cfg), "%s/containers/%s/config.v2.json", s->root, c->id);
		if ((j = json_load_file(cfg, 0, NULL))) {
			json_t *img = json_object_get(j, "Image");

			c->has_image = json_is_string(img) && ovl_digest_parse(json_string_value(img), &c->image) == 0;
			json_decref(j);
		}
		(*n)++;
	}
	free(names);
	if (r) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return r;
}

/*
 * Whether container c uses image img: the image dockerd recorded for it, or,
 * for a container of this library (no config of dockerd's), an image whose
 * top layer the container's layer is made on.
 */
static bool uses(const struct cont *c, const struct ovl_image_info *img)
{
	if (c->has_image)
		return ovl_digest_equal(&c->image, &img->id);
	return img->has_layers && ovl_digest_equal(&c->info.parent, &img->top);
}

/* ---- layers ------------------------------------------------------------------ */

/* overlay2's Remove(id): the l/ link its link file names, then the dir. */
static int driver_remove(struct ovl_store *s, const char *id, struct ovl_err *err)
{
	char dir[PATH_MAX + 100], p[PATH_MAX + 200], link[64];

	if (!*id || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || strcmp(id, "l") == 0)
		return ovl_err_set(err, EINVAL, "'%s' is not a layer directory name", id);
	snprintf(dir, sizeof(dir), "%s/%s", s->overlay, id);
	snprintf(p, sizeof(p), "%s/link", dir);
	if (ovl__read_value(p, link, sizeof(link), NULL) == 0 && strlen(link) == LINK_LEN &&
	    strspn(link, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == LINK_LEN) {
		snprintf(p, sizeof(p), "%s/l/%s", s->overlay, link);
		if (unlink(p) && errno != ENOENT)
			return ovl_err_set(err, errno, "%s: %m", p);
	}
	snprintf(p, sizeof(p), "%s/merged", dir);
	if (mounted(p))
		return ovl_err_set(err, EBUSY, "%s: mounted; not removing %s", p, dir);
	if (ovl_remove_tree(dir) && errno != ENOENT)
		return ovl_err_set(err, errno, "%s: %m", dir);
	return 0;
}

/* How many hold the layer: images whose top it is, layers on it, containers on it. */
static int layer_refs(struct ovl_store *s, const struct ovl_digest *chain, size_t *refs, struct ovl_err *err)
{
	struct ovl_layer_info *ls = NULL;
	struct ovl_image_info *is = NULL;
	struct cont *cs = NULL;
	size_t nl = 0, ni = 0, nc = 0;
	int r;

	*refs = 0;
	if ((r = ovl_store_layers(s, &ls, &nl, err)) || (r = ovl_store_images(s, &is, &ni, err)) ||
	    (r = containers(s, &cs, &nc, err)))
		goto out;
	for (size_t i = 0; i < nl; i++)
		*refs += ls[i].has_parent && ovl_digest_equal(&ls[i].parent, chain);
	for (size_t i = 0; i < ni; i++)
		*refs += is[i].has_layers && ovl_digest_equal(&is[i].top, chain);
	for (size_t i = 0; i < nc; i++)
		*refs += ovl_digest_equal(&cs[i].info.parent, chain);
out:
	free(ls);
	free(is);
	free(cs);
	return r;
}

/*
 * deleteLayer: the layerdb entry is renamed to <hex>-<random>-removing first,
 * so that a deletion cut short is found (dockerd's Cleanup and store gc
 * finish it), then the layer dir goes, then the renamed entry.
 */
static int delete_layer(struct ovl_store *s, const struct ovl_layer_info *l, struct ovl_err *err)
{
	char hex[65], from[PATH_MAX + 80], to[PATH_MAX + 200], rnd[65];
	int r;

	ovl_digest_hex(&l->chain_id, hex);
	snprintf(from, sizeof(from), "%s/sha256/%s", s->layerdb, hex);
	for (;;) {
		if ((r = ovl__random_id(rnd)))
			return ovl_err_set(err, -r, "getrandom: %s", strerror(-r));
		snprintf(to, sizeof(to), "%s/sha256/%s-%s-removing", s->layerdb, hex, rnd);
		if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
			break;
		if (errno != EEXIST)
			return ovl_err_set(err, errno, "rename %s %s: %m", from, to);
	}
	if ((r = driver_remove(s, l->cache_id, err)))
		return r;
	if (ovl_remove_tree(to) && errno != ENOENT)
		return ovl_err_set(err, errno, "%s: %m", to);
	return 0;
}

/* releaseLayer: while nothing holds it any more, delete the layer and go on to its parent. */
static int release(struct ovl_store *s, const struct ovl_digest *top, ovl_store_record_fn rec, void *arg,
		   struct ovl_err *err)
{
	struct ovl_digest chain = *top;

	for (;;) {
		struct ovl_layer_info l;
		char c[OVL_DIGEST_STRLEN];
		size_t refs;
		int r = ovl_store_layer_get(s, &chain, &l, err);

		if (r == -ENOENT)
			return 0;
		if (r || (r = layer_refs(s, &chain, &refs, err)))
			return r;
		if (refs)
			return 0;
		if ((r = delete_layer(s, &l, err)))
			return r;
		ovl_digest_format(&chain, c);
		record(rec, arg, "Deleted", c);
		if (!l.has_parent)
			return 0;
		chain = l.parent;
	}
}

/* ---- image deletion ------------------------------------------------------------ */

struct rmi {
	struct ovl_store *s;
	json_t *repos;
	ovl_store_record_fn rec;
	void *arg;
	struct ovl_err *err;
};

/* The image store's Delete: the children's parent marks, the metadata, the config, then the layers. */
static int image_store_delete(struct rmi *x, const struct ovl_image_info *img)
{
	struct ovl_image_info *is = NULL;
	char hex[65], p[PATH_MAX + 200], id[OVL_DIGEST_STRLEN];
	size_t ni = 0;
	int r = ovl_store_images(x->s, &is, &ni, x->err);

	if (r)
		return r;
	for (size_t i = 0; i < ni; i++)
		if (is[i].has_parent && ovl_digest_equal(&is[i].parent, &img->id)) {
			ovl_digest_hex(&is[i].id, hex);
			snprintf(p, sizeof(p), "%s/image/overlay2/imagedb/metadata/sha256/%s/parent", x->s->root, hex);
			unlink(p);
		}
	free(is);
	ovl_digest_hex(&img->id, hex);
	snprintf(p, sizeof(p), "%s/image/overlay2/imagedb/metadata/sha256/%s", x->s->root, hex);
	if (ovl_remove_tree(p) && errno != ENOENT)
		return ovl_err_set(x->err, errno, "%s: %m", p);
	snprintf(p, sizeof(p), "%s/image/overlay2/imagedb/content/sha256/%s", x->s->root, hex);
	if (unlink(p) && errno != ENOENT)
		return ovl_err_set(x->err, errno, "%s: %m", p);
	ovl_digest_format(&img->id, id);
	record(x->rec, x->arg, "Deleted", id);
	return img->has_layers ? release(x->s, &img->top, x->rec, x->arg, x->err) : 0;
}

/* dockerd's conflict kinds: hard ones cannot be forced */
enum { CHILD = 1, RUNNING = 2, REFS = 4, STOPPED = 8, HARD = CHILD | RUNNING, SOFT = REFS | STOPPED };

/* checkImageDeleteConflict: a message in msg and whether a container is behind it, or 0. */
static int conflict(struct rmi *x, const struct ovl_image_info *img, int mask, char *msg, size_t len, bool *used)
{
	struct ovl_image_info *is = NULL;
	struct cont *cs = NULL;
	size_t ni = 0, nc = 0;
	int found = 0, r;

	*used = false;
	if ((r = ovl_store_images(x->s, &is, &ni, x->err)) || (r = containers(x->s, &cs, &nc, x->err)))
		goto out;
	for (size_t i = 0; i < ni && !found && (mask & CHILD); i++)
		if (is[i].has_parent && ovl_digest_equal(&is[i].parent, &img->id)) {
			snprintf(msg, len, "image has dependent child images");
			found = CHILD;
		}
	for (size_t i = 0; i < nc && !found && (mask & RUNNING); i++)
		if (cs[i].running && uses(&cs[i], img)) {
			snprintf(msg, len, "image is being used by running container %.12s", cs[i].id);
			found = RUNNING;
			*used = true;
		}
	if (!found && (mask & REFS) && repos_refs(x->repos, &img->id, NULL, 0)) {
		snprintf(msg, len, "image is referenced in multiple repositories");
		found = REFS;
	}
	for (size_t i = 0; i < nc && !found && (mask & STOPPED); i++)
		if (!cs[i].running && uses(&cs[i], img)) {
			snprintf(msg, len, "image is being used by stopped container %.12s", cs[i].id);
			found = STOPPED;
			*used = true;
		}
out:
	free(is);
	free(cs);
	return r ? r : found;
}

static int untag_all(struct rmi *x, const struct ovl_image_info *img)
{
	char ref[400];

	while (repos_refs(x->repos, &img->id, ref, sizeof(ref))) {
		if (!repos_delete(x->repos, ref))
			return ovl_err_set(x->err, EINVAL, "repositories.json: cannot untag %s", ref);
		record(x->rec, x->arg, "Untagged", ref);
	}
	return repos_save(x->s, x->repos, x->err);
}

/* imageDeleteHelper */
static int delete_helper(struct rmi *x, const struct ovl_digest *id, bool force, bool prune, bool quiet)
{
	struct ovl_image_info img;
	char msg[200], hex[65];
	bool used;
	int c, r = image_info(x->s, id, &img, x->err);

	if (r)
		return r;
	c = conflict(x, &img, force ? HARD : HARD | SOFT, msg, sizeof(msg), &used);
	if (c < 0)
		return c;
	if (c) {
		bool dangling = !repos_refs(x->repos, id, NULL, 0) && c != CHILD;

		if (quiet && (!dangling || used))
			return 0;
		ovl_digest_hex(id, hex);
		return ovl_err_set(x->err, EBUSY, "conflict: unable to delete %.12s (%s) - %s", hex,
				   c & HARD ? "cannot be forced" : "must be forced", msg);
	}
	if ((r = untag_all(x, &img)) || (r = image_store_delete(x, &img)))
		return r;
	if (!prune || !img.has_parent)
		return 0;
	{
		char p[PATH_MAX + 200];

		/* the parent is pruned quietly, never forced */
		ovl_digest_hex(&img.parent, hex);
		snprintf(p, sizeof(p), "%s/image/overlay2/imagedb/content/sha256/%s", x->s->root, hex);
		if (access(p, F_OK))
			return 0;
	}
	return delete_helper(x, &img.parent, false, true, true);
}

/* An image ID, "sha256:<hex>" or a prefix of its hex digits that names one image. */
static int find_by_id(struct ovl_store *s, const char *ref, struct ovl_digest *out, struct ovl_err *err)
{
	const char *h = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
	struct ovl_image_info *is = NULL;
	size_t ni = 0, hits = 0, k = strlen(h);
	int r;

	if (!k || k > 64 || strspn(h, "0123456789abcdef") != k)
		return -ENOENT;
	if ((r = ovl_store_images(s, &is, &ni, err)))
		return r;
	for (size_t i = 0; i < ni; i++) {
		char hex[65];

		ovl_digest_hex(&is[i].id, hex);
		if (strncmp(hex, h, k) == 0) {
			*out = is[i].id;
			hits++;
		}
	}
	free(is);
	if (hits > 1)
		return ovl_err_set(err, EINVAL, "%s: more than one image ID starts with it", ref);
	return hits ? 0 : -ENOENT;
}

int ovl_store_image_remove(struct ovl_store *s, const char *ref, unsigned int flags, ovl_store_record_fn rec,
			   void *arg, struct ovl_err *err)
{
	struct rmi x = { .s = s, .rec = rec, .arg = arg, .err = err };
	bool force = flags & OVL_RMI_FORCE, prune = !(flags & OVL_RMI_NO_PRUNE), by_tag = false;
	struct ovl_digest id;
	char full[400];
	int r;

	if ((r = repos_load(s, &x.repos, err)))
		return r;
	/* a tag first, as dockerd resolves a name, then an ID or a prefix of one */
	if (strncmp(ref, "sha256:", 7) != 0 && ovl_store_resolve(s, ref, &id, NULL) == 0) {
		by_tag = true;
		ovl__ref_full(ref, full, sizeof(full));
	} else if ((r = find_by_id(s, ref, &id, err))) {
		json_decref(x.repos);
		return r == -ENOENT ? ovl_err_set(err, ENOENT, "No such image: %s", ref) : r;
	}
	if (by_tag) {
		struct ovl_image_info img;
		size_t n = repos_refs(x.repos, &id, NULL, 0);

		if ((r = image_info(s, &id, &img, err)))
			goto out;
		if (!force && n == 1) {
			struct cont *cs = NULL;
			size_t nc = 0;

			if ((r = containers(s, &cs, &nc, err)))
				goto out;
			for (size_t i = 0; i < nc; i++)
				if (uses(&cs[i], &img)) {
					char hex[65];

					ovl_digest_hex(&id, hex);
					r = ovl_err_set(err, EBUSY, "conflict: unable to remove repository reference \"%s\" "
							"(must force) - container %.12s is using its referenced image %.12s",
							ref, cs[i].id, hex);
					break;
				}
			free(cs);
			if (r)
				goto out;
		}
		if (!repos_delete(x.repos, full)) {
			r = ovl_err_set(err, ENOENT, "No such image: %s", ref);
			goto out;
		}
		if ((r = repos_save(s, x.repos, err)))
			goto out;
		record(rec, arg, "Untagged", full);
		if (repos_refs(x.repos, &id, NULL, 0))
			goto out;
		r = delete_helper(&x, &id, force, prune, true);
	} else {
		/* one tag at most: it goes with the image, once nothing else is in the way */
		if (repos_refs(x.repos, &id, NULL, 0) == 1) {
			struct ovl_image_info img;
			char msg[200], hex[65];
			bool used;
			int c;

			if ((r = image_info(s, &id, &img, err)))
				goto out;
			c = conflict(&x, &img, force ? HARD : HARD | STOPPED, msg, sizeof(msg), &used);
			if (c < 0) {
				r = c;
				goto out;
			}
			if (c) {
				ovl_digest_hex(&id, hex);
				r = ovl_err_set(err, EBUSY, "conflict: unable to delete %.12s (%s) - %s", hex,
						c & HARD ? "cannot be forced" : "must be forced", msg);
				goto out;
			}
			if ((r = untag_all(&x, &img)))
				goto out;
		}
		r = delete_helper(&x, &id, force, prune, false);
	}
out:
	json_decref(x.repos);
	return r;
}

/* ---- container deletion ---------------------------------------------------------- */

/* ReleaseRWLayer: the container's layer, its init layer, its mount entry, then its image's layers. */
static int container_remove(struct ovl_store *s, const struct ovl_container_info *c, ovl_store_record_fn rec,
			    void *arg, struct ovl_err *err)
{
	char p[PATH_MAX + 200];
	int r;

	if (mounted(c->merged))
		return ovl_err_set(err, EBUSY, "%s: container %.12s is mounted (running); unmount it first", c->merged,
				   c->id);
	if ((r = driver_remove(s, c->mount_id, err)) || (*c->init_id && (r = driver_remove(s, c->init_id, err))))
		return r;
	snprintf(p, sizeof(p), "%s/mounts/%s", s->layerdb, c->id);
	if (ovl_remove_tree(p) && errno != ENOENT)
		return ovl_err_set(err, errno, "%s: %m", p);
	/* dockerd's own record of the container, when dockerd made it */
	snprintf(p, sizeof(p), "%s/containers/%s", s->root, c->id);
	if (ovl_remove_tree(p) && errno != ENOENT)
		return ovl_err_set(err, errno, "%s: %m", p);
	return release(s, &c->parent, rec, arg, err);
}

int ovl_store_container_remove(struct ovl_store *s, const char *id, ovl_store_record_fn rec, void *arg,
			       struct ovl_err *err)
{
	struct ovl_container_info c;
	int r = ovl_store_container_get(s, id, &c, err);

	return r ? r : container_remove(s, &c, rec, arg, err);
}

/* ---- garbage ----------------------------------------------------------------------- */

struct gc {
	struct ovl_store *s;
	bool remove;
	ovl_store_gc_fn report;
	void *arg;
	size_t found;
	struct ovl_err *err;
	struct ovl_strset *pending;	/* layer dirs of deletions cut short, found already */
};

static void found(struct gc *g, const char *path, const char *what)
{
	g->found++;
	if (g->report)
		g->report(g->arg, path, what);
}

/* Report path; with OVL_GC_REMOVE remove it, whole. */
static int garbage(struct gc *g, const char *path, const char *what)
{
	found(g, path, what);
	if (g->remove && ovl_remove_tree(path) && errno != ENOENT)
		return ovl_err_set(g->err, errno, "%s: %m", path);
	return 0;
}

/* fn on each name in dir but "." and "..", in order (a dir that is not there has none); stops at an error. */
static int each_name(struct gc *g, const char *dir, int (*fn)(struct gc *, const char *, const char *))
{
	struct dirent **names = NULL;
	int k = scandir(dir, &names, NULL, alphasort), r = 0;

	if (k < 0)
		return errno == ENOENT ? 0 : ovl_err_set(g->err, errno, "%s: %m", dir);
	for (int i = 0; i < k; i++) {
		if (!r && strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
			r = fn(g, dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return r;
}

/* layerdb/sha256/<hex>-<id>-removing: a deletion cut short; finished as dockerd's Cleanup finishes it. */
static int removing_one(struct gc *g, const char *dir, const char *n)
{
	size_t len = strlen(n);
	char p[PATH_MAX + 300], cid[PATH_MAX + 320], cache[128];
	int r = 0;

	if (len <= 9 || strcmp(n + len - 9, "-removing") != 0)
		return 0;
	snprintf(p, sizeof(p), "%s/%s", dir, n);
	found(g, p, "a layer deletion cut short (its layerdb entry renamed, not yet removed)");
	snprintf(cid, sizeof(cid), "%s/cache-id", p);
	if (ovl__read_value(cid, cache, sizeof(cache), NULL))
		*cache = 0;
	if (!g->remove) {
		if (*cache)
			ovl_strset_add(g->pending, cache, 1, NULL); /* its dir and link: part of this */
		return 0;
	}
	if (*cache && (r = driver_remove(g->s, cache, g->err)) == -EINVAL)
		r = 0; /* a broken cache-id names no dir to remove */
	if (!r && ovl_remove_tree(p) && errno != ENOENT)
		r = ovl_err_set(g->err, errno, "%s: %m", p);
	return r;
}

/* layerdb/tmp/<any>: a write set of an import or a mount that never got renamed into place. */
static int tmp_one(struct gc *g, const char *dir, const char *n)
{
	char p[PATH_MAX + 300];

	snprintf(p, sizeof(p), "%s/%s", dir, n);
	return garbage(g, p, "a layerdb write that was never committed");
}

static int gc_removing(struct gc *g)
{
	char dir[PATH_MAX + 16];

	snprintf(dir, sizeof(dir), "%s/sha256", g->s->layerdb);
	return each_name(g, dir, removing_one);
}

static int gc_tmp(struct gc *g)
{
	char dir[PATH_MAX + 16];

	snprintf(dir, sizeof(dir), "%s/tmp", g->s->layerdb);
	return each_name(g, dir, tmp_one);
}

/*
 * Container layers of containers that are gone: where dockerd keeps its
 * containers (<root>/containers/), a mount entry without its container.
 */
static int gc_mounts(struct gc *g)
{
	struct cont *cs = NULL;
	size_t nc = 0;
	char cdir[PATH_MAX + 32];
	int r;

	snprintf(cdir, sizeof(cdir), "%s/containers", g->s->root);
	if (access(cdir, F_OK))
		return 0; /* a store of this library's: its containers are its mount entries */
	if ((r = containers(g->s, &cs, &nc, g->err)))
		return r;
	for (size_t i = 0; i < nc && !r; i++) {
		char p[PATH_MAX + 200], m[PATH_MAX + 100];

		snprintf(p, sizeof(p), "%s/%s", cdir, cs[i].id);
		if (access(p, F_OK) == 0)
			continue;
		snprintf(m, sizeof(m), "%s/mounts/%s", g->s->layerdb, cs[i].id);
		found(g, m, "the layers of a container that is gone");
		if (g->remove)
			r = container_remove(g->s, &cs[i].info, NULL, NULL, g->err);
	}
	free(cs);
	return r;
}

/* Layers nothing holds: no image's top, no layer's parent, no container's. dockerd keeps them for ever. */
static int gc_layers(struct gc *g)
{
	for (;;) {
		struct ovl_layer_info *ls = NULL;
		size_t nl = 0, refs = 0, i;
		int r = ovl_store_layers(g->s, &ls, &nl, g->err);

		if (r)
			return r;
		for (i = 0; i < nl; i++) {
			if ((r = layer_refs(g->s, &ls[i].chain_id, &refs, g->err)))
				break;
			if (!refs)
				break;
		}
		if (r || i == nl) {
			free(ls);
			return r;
		}
		{
			char p[PATH_MAX + 100], hex[65];

			ovl_digest_hex(&ls[i].chain_id, hex);
			snprintf(p, sizeof(p), "%s/sha256/%s", g->s->layerdb, hex);
			found(g, p, "a layer no image, layer or container uses");
		}
		if (!g->remove) {
			/* list the rest without removing: count each once */
			for (size_t j = i + 1; j < nl; j++) {
				char p[PATH_MAX + 100], hex[65];

				if ((r = layer_refs(g->s, &ls[j].chain_id, &refs, g->err)))
					break;
				if (refs)
					continue;
				ovl_digest_hex(&ls[j].chain_id, hex);
				snprintf(p, sizeof(p), "%s/sha256/%s", g->s->layerdb, hex);
				found(g, p, "a layer no image, layer or container uses");
			}
			free(ls);
			return r;
		}
		r = release(g->s, &ls[i].chain_id, NULL, NULL, g->err);
		free(ls);
		if (r)
			return r;
	}
}

/* overlay2/<id> no layer or container names, and l/ links to nothing or to no layer's link. */
static int gc_dirs(struct gc *g)
{
	struct ovl_strset *used = ovl_strset_new(), *links = ovl_strset_new();
	struct ovl_layer_info *ls = NULL;
	struct cont *cs = NULL;
	size_t nl = 0, nc = 0;
	struct dirent **names = NULL;
	char dir[PATH_MAX + 8];
	int k, r;

	if (!used || !links) {
		r = ovl_err_set(g->err, ENOMEM, "out of memory");
		goto out;
	}
	if ((r = ovl_store_layers(g->s, &ls, &nl, g->err)) || (r = containers(g->s, &cs, &nc, g->err)))
		goto out;
	for (size_t i = 0; i < nl; i++)
		ovl_strset_add(used, ls[i].cache_id, 1, NULL);
	for (size_t i = 0; i < nc; i++) {
		ovl_strset_add(used, cs[i].info.mount_id, 1, NULL);
		if (*cs[i].info.init_id)
			ovl_strset_add(used, cs[i].info.init_id, 1, NULL);
	}
	k = scandir(g->s->overlay, &names, NULL, alphasort);
	if (k < 0) {
		r = ovl_err_set(g->err, errno, "%s: %m", g->s->overlay);
		goto out;
	}
	for (int i = 0; i < k; i++) {
		const char *n = names[i]->d_name;
		char p[PATH_MAX + 300], link[64];
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", g->s->overlay, n);
		if (!r && n[0] != '.' && strcmp(n, "l") && lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (!ovl_strset_get(used, n, NULL) && !ovl_strset_get(g->pending, n, NULL)) {
				found(g, p, "a layer directory no layer and no container names");
				if (g->remove)
					r = driver_remove(g->s, n, g->err);
			} else {
				snprintf(p, sizeof(p), "%s/%s/link", g->s->overlay, n);
				if (ovl__read_value(p, link, sizeof(link), NULL) == 0)
					ovl_strset_add(links, link, 1, NULL);
			}
		}
		free(names[i]);
	}
	free(names);
	snprintf(dir, sizeof(dir), "%s/l", g->s->overlay);
	k = r ? 0 : scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < k; i++) {
		const char *n = names[i]->d_name;
		char p[PATH_MAX + 100];
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", dir, n);
		if (!r && n[0] != '.' && (!ovl_strset_get(links, n, NULL) || stat(p, &st))) {
			found(g, p, ovl_strset_get(links, n, NULL) ? "a short link to nothing"
			      : "a short link no layer's link file names");
			if (g->remove && unlink(p) && errno != ENOENT)
				r = ovl_err_set(g->err, errno, "%s: %m", p);
		}
		free(names[i]);
	}
	free(names);
out:
	ovl_strset_free(used);
	ovl_strset_free(links);
	free(ls);
	free(cs);
	return r;
}

/* imagedb/metadata/sha256/<id> of an image whose config is gone. */
static int metadata_one(struct gc *g, const char *dir, const char *n)
{
	char p[PATH_MAX + 300], c[PATH_MAX + 300];

	snprintf(c, sizeof(c), "%s/image/overlay2/imagedb/content/sha256/%s", g->s->root, n);
	if (n[0] == '.' || access(c, F_OK) == 0)
		return 0;
	snprintf(p, sizeof(p), "%s/%s", dir, n);
	return garbage(g, p, "the metadata of an image that is gone");
}

static int gc_metadata(struct gc *g)
{
	char dir[PATH_MAX + 64];

	snprintf(dir, sizeof(dir), "%s/image/overlay2/imagedb/metadata/sha256", g->s->root);
	return each_name(g, dir, metadata_one);
}

int ovl_store_gc(struct ovl_store *s, unsigned int flags, ovl_store_gc_fn report, void *arg, size_t *n,
		 struct ovl_err *err)
{
	struct gc g = { .s = s, .remove = flags & OVL_GC_REMOVE, .report = report, .arg = arg, .err = err };
	int r;

	*n = 0;
	if (!(g.pending = ovl_strset_new()))
		return ovl_err_set(err, ENOMEM, "out of memory");
	/* in this order: what goes first frees what the later passes would find */
	if (!(r = gc_removing(&g)) && !(r = gc_tmp(&g)) && !(r = gc_mounts(&g)) && !(r = gc_layers(&g)) &&
	    !(r = gc_dirs(&g)))
		r = gc_metadata(&g);
	ovl_strset_free(g.pending);
	*n = g.found;
	return r;
}
