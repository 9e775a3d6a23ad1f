// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store/tar-read.c - tars read back for comparison: a layer tar as a
 * layer tree (so two layers compare as canonical dumps, ovl_tree_diff()),
 * and the layers of an image archive as `docker save` writes it (legacy
 * <id>/layer.tar entries, or an OCI layout's blobs/sha256/).
 */
#define _GNU_SOURCE
#include "ovl-store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "ovl-common.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

static struct archive *tar_open(int fd, struct ovl_err *err, const char *what)
{
	struct archive *a = archive_read_new();

	if (!a) {
		ovl_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	archive_read_support_format_tar(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK) {
		ovl_err_set(err, EINVAL, "reading %s: %s", what, archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* sha256 and length of the current entry's data. */
static int hash_data(struct archive *a, struct ovl_digest *d, uint64_t *len)
{
	struct ovl_hasher *h = NULL;
	const void *buf;
	size_t n;
	la_int64_t off;
	int ar, r = ovl_hasher_new(&h);

	if (r)
		return r;
	while ((ar = archive_read_data_block(a, &buf, &n, &off)) == ARCHIVE_OK)
		ovl_hasher_update(h, buf, n);
	if (ar != ARCHIVE_EOF)
		r = -EIO;
	if (!r && len)
		*len = ovl_hasher_length(h);
	if (!r)
		r = ovl_hasher_final(h, d);
	ovl_hasher_free(h);
	return r;
}

/* "/a/b" from a tar name ("./a/b", "a/b/", "/a/b"): 0, or -EINVAL for ".." or a name too long. */
static int tree_path(const char *name, char *out, size_t len)
{
	char clean[4096];
	int r = ovl_clean_tar_name(name, clean, sizeof(clean), true);

	if (r)
		return r;
	return ovl_fmt(out, len, "/%s", clean);
}

/* Add e, or replace an entry made for a child that came first (keeping its opaque mark). */
static int put(struct ovl_tree *t, struct ovl_entry *e, struct ovl_err *err)
{
	const struct ovl_entry *old = ovl_tree_lookup(t, e->path);

	if (!old)
		return ovl_tree_add(t, e, err);
	if (old->type != OVL_FT_DIR || e->type != OVL_FT_DIR)
		return ovl_err_set(err, EEXIST, "%s: listed twice", e->path);
	e->flags |= old->flags & OVL_ENTRY_OPAQUE;
	return ovl_tree_replace(t, e->path, e);
}

/* Sorted by name, as trees keep them (a handful per entry: insertion sort). */
static void sort_xattrs(struct ovl_xattr *x, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && strcmp(x[k - 1].name, x[k].name) > 0; k--) {
			struct ovl_xattr tmp = x[k];

			x[k] = x[k - 1];
			x[k - 1] = tmp;
		}
}

static int entry_xattrs(struct archive_entry *ae, struct ovl_entry *e)
{
	const char *name;
	const void *val;
	size_t len, n = (size_t)archive_entry_xattr_reset(ae);

	if (!n)
		return 0;
	e->xattrs = calloc(n, sizeof(*e->xattrs));
	if (!e->xattrs)
		return -ENOMEM;
	while (archive_entry_xattr_next(ae, &name, &val, &len) == ARCHIVE_OK && e->nxattrs < n) {
		struct ovl_xattr *x = &e->xattrs[e->nxattrs];
		bool again = false;

		/* as the import says: a layer's whiteouts and opaque dirs are entries, never xattrs */
		if (strncmp(name, "trusted.overlay.", 16) == 0)
			return -EPERM;
		/* a pax header may give one twice (LIBARCHIVE.xattr and SCHILY.xattr): the last one is it */
		for (size_t k = 0; k < e->nxattrs && !again; k++)
			if (strcmp(e->xattrs[k].name, name) == 0) {
				x = &e->xattrs[k];
				free(x->name);
				free(x->value);
				again = true;
			}
		x->name = strdup(name);
		x->value = malloc(len ? len : 1);
		if (!x->name || !x->value) {
			free(x->name);
			free(x->value);
			x->name = NULL;
			x->value = NULL;
			x->len = 0;
			return -ENOMEM;
		}
		memcpy(x->value, val, len);
		x->len = len;
		e->nxattrs += !again;
	}
	sort_xattrs(e->xattrs, e->nxattrs);
	return 0;
}

static void entry_free(struct ovl_entry *e)
{
	for (size_t i = 0; i < e->nxattrs; i++) {
		free(e->xattrs[i].name);
		free(e->xattrs[i].value);
	}
	free(e->xattrs);
}

/* One tar entry into the tree: whiteouts and opaque markers as the upper dir holds them. */
static int one_entry(struct ovl_tree *t, struct archive *a, struct archive_entry *ae, struct ovl_err *err)
{
	const char *name = archive_entry_pathname(ae), *hard = archive_entry_hardlink(ae), *base;
	char path[4200], target[4200];
	struct ovl_entry e = { .path = path, .mode = archive_entry_perm(ae) & 07777, .uid = (uid_t)archive_entry_uid(ae),
			       .gid = (gid_t)archive_entry_gid(ae), .layer = { -1 } };
	mode_t type = archive_entry_filetype(ae);
	int r;

	if (!name || tree_path(name, path, sizeof(path)))
		return ovl_err_set(err, EINVAL, "a tar entry named '%s': not a path inside the layer",
				   name ? name : "(none)");
	base = strrchr(path, '/') + 1;
	if (strcmp(base, WH_OPAQUE) == 0) {
		struct ovl_entry d = { .type = OVL_FT_DIR, .mode = 0755, .layer = { -1 } };
		const struct ovl_entry *old;

		path[base - path > 1 ? base - path - 1 : 1] = 0;
		old = ovl_tree_lookup(t, path);
		if (old)
			d = *old;
		d.path = path;
		d.flags |= OVL_ENTRY_OPAQUE;
		return old ? ovl_tree_replace(t, path, &d) : ovl_tree_add(t, &d, err);
	}
	if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0) {
		memmove((char *)base, base + strlen(WH_PREFIX), strlen(base + strlen(WH_PREFIX)) + 1);
		if (!*base)
			return ovl_err_set(err, EINVAL, "%s: a whiteout without a name", name);
		e.type = OVL_FT_WHITEOUT;
		e.mode = 0;
		return put(t, &e, err);
	}
	if (hard) {
		if (tree_path(hard, target, sizeof(target)))
			return ovl_err_set(err, EINVAL, "%s: hard link to '%s', not a path inside the layer", name, hard);
		/* as in any tar: to a regular file that came before it */
		if (!ovl_tree_lookup(t, target) || ovl_tree_lookup(t, target)->type != OVL_FT_REG)
			return ovl_err_set(err, EINVAL, "%s: hard link to %s, which is no regular file before it in the layer",
					   name, hard);
		/*
		 * The link's header says the metadata of the inode both names
		 * share (Docker's unpack, the import): mode, owner, and its
		 * xattrs set on top of the ones the inode has.
		 */
		{
			struct ovl_entry u = *ovl_tree_lookup(t, target);
			struct ovl_xattr *merged = NULL;

			r = entry_xattrs(ae, &e);
			if (r == -EPERM)
				return ovl_err_set(err, EPERM, "%s: carries overlayfs' own xattr (trusted.overlay.*)", name);
			if (!r && e.nxattrs) {
				merged = calloc(u.nxattrs + e.nxattrs, sizeof(*merged));
				if (!merged) {
					r = -ENOMEM;
				} else {
					size_t n = u.nxattrs;

					memcpy(merged, u.xattrs, u.nxattrs * sizeof(*merged));
					for (size_t i = 0; i < e.nxattrs; i++) {
						size_t k = 0;

						while (k < n && strcmp(merged[k].name, e.xattrs[i].name))
							k++;
						merged[k] = e.xattrs[i];
						n += k == n;
					}
					sort_xattrs(merged, n);
					u.xattrs = merged;
					u.nxattrs = n;
				}
			}
			u.mode = e.mode;
			u.uid = e.uid;
			u.gid = e.gid;
			if (!r)
				r = ovl_tree_replace(t, target, &u);
			free(merged);
			entry_free(&e);
			e.xattrs = NULL;
			e.nxattrs = 0;
			if (r)
				return ovl_err_set(err, -r, "%s: out of memory", name);
		}
		e.type = OVL_FT_HARDLINK;
		e.target = target;
		return put(t, &e, err);
	}
	switch (type) {
	case AE_IFDIR:
		e.type = OVL_FT_DIR;
		break;
	case AE_IFREG: {
		struct ovl_digest d;

		e.type = OVL_FT_REG;
		r = hash_data(a, &d, &e.size);
		if (r)
			return ovl_err_set(err, -r, "%s: reading its data: %s", name, archive_error_string(a));
		memcpy(e.sha256, d.b, sizeof(e.sha256));
		e.has_digest = true;
		e.flags |= OVL_ENTRY_DIGEST_ONLY;
		break;
	}
	case AE_IFLNK:
		e.type = OVL_FT_LNK;
		e.target = (char *)archive_entry_symlink(ae);
		break;
	case AE_IFIFO:
		e.type = OVL_FT_FIFO;
		break;
	case AE_IFSOCK:
		e.type = OVL_FT_SOCK;
		break;
	case AE_IFCHR:
	case AE_IFBLK:
		e.type = type == AE_IFCHR ? OVL_FT_CHR : OVL_FT_BLK;
		e.rdev_major = (unsigned int)archive_entry_rdevmajor(ae);
		e.rdev_minor = (unsigned int)archive_entry_rdevminor(ae);
		if (type == AE_IFCHR && !e.rdev_major && !e.rdev_minor)
			return ovl_err_set(err, EINVAL, "%s: a 0/0 char device, overlayfs' whiteout, which a layer tar "
					   "writes as .wh.<name>", name);
		break;
	default:
		return ovl_err_set(err, EINVAL, "%s: a tar entry of type 0%o", name, (unsigned int)type);
	}
	r = entry_xattrs(ae, &e);
	if (!r)
		r = put(t, &e, err);
	else if (r == -EPERM)
		r = ovl_err_set(err, EPERM, "%s: carries overlayfs' own xattr (trusted.overlay.*)", name);
	else
		r = ovl_err_set(err, -r, "%s: out of memory", name);
	entry_free(&e);
	return r;
}

int ovl_layer_tar_tree(int fd, struct ovl_tree **out, struct ovl_err *err)
{
	struct archive *a = tar_open(fd, err, "the layer");
	struct archive_entry *ae;
	struct ovl_tree *t = ovl_tree_new();
	int r = a && t ? 0 : -ENOMEM, ar = ARCHIVE_OK;

	if (!a) {
		ovl_tree_unref(t);
		return -EINVAL;
	}
	if (r)
		ovl_err_set(err, ENOMEM, "out of memory");
	while (!r && ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN))
		r = one_entry(t, a, ae, err);
	if (!r && ar != ARCHIVE_EOF)
		r = ovl_err_set(err, EINVAL, "reading the layer: %s", archive_error_string(a));
	archive_read_free(a);
	if (r) {
		ovl_tree_unref(t);
		return r;
	}
	*out = t;
	return 0;
}

/*
 * The archive name a symlink entry points to: its target taken relative to
 * the entry's dir, "." and ".." resolved; -EINVAL when it leaves the archive.
 */
static int link_target(const char *name, const char *target, char *out, size_t len)
{
	char buf[2 * PATH_MAX], *save = NULL;
	size_t o = 0;

	if (target[0] == '/')
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%.*s%s", (int)(strrchr(name, '/') ? strrchr(name, '/') - name + 1 : 0), name, target);
	*out = 0;
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			char *slash;

			if (!o)
				return -EINVAL;
			slash = strrchr(out, '/');
			o = slash ? (size_t)(slash - out) : 0;
			out[o] = 0;
			continue;
		}
		if (o + strlen(c) + 2 > len)
			return -ENAMETOOLONG;
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "/" : "", c);
	}
	return o ? 0 : -EINVAL;
}

int ovl_image_archive_layers(int fd, struct ovl_digest *diff_ids, size_t max, size_t *n, struct ovl_err *err)
{
	struct archive *a = tar_open(fd, err, "the image archive");
	struct archive_entry *ae;
	json_t *manifest = NULL, *layers, *x;
	char **names = NULL, **links = NULL, **targets = NULL;
	struct ovl_digest *digests = NULL;
	size_t nl = 0, nlinks = 0, ntargets = 0, i;
	int r = 0, ar = ARCHIVE_OK;

	*n = 0;
	if (!a)
		return -EINVAL;
	while (!r && ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN)) {
		const char *name = archive_entry_pathname(ae);
		size_t len = name ? strlen(name) : 0;

		if (name && strcmp(name, "manifest.json") == 0) {
			struct ovl_buf b = OVL_BUF_INIT;
			const void *buf;
			size_t k;
			la_int64_t off;
			json_error_t je;

			while (archive_read_data_block(a, &buf, &k, &off) == ARCHIVE_OK)
				for (size_t c = 0; c < k; c++)
					ovl_buf_putc(&b, ((const char *)buf)[c]);
			manifest = json_loads(b.data ? b.data : "", 0, &je);
			ovl_buf_free(&b);
			if (!manifest)
				r = ovl_err_set(err, EINVAL, "manifest.json: %s", je.text);
		} else if (len && archive_entry_filetype(ae) == AE_IFLNK && archive_entry_symlink(ae)) {
			/* docker save writes a layer it wrote already (the same DiffID) as a symlink to it */
			char t[PATH_MAX];

			if (link_target(name, archive_entry_symlink(ae), t, sizeof(t)) == 0 &&
			    (ovl_strv_push(&links, &nlinks, name) || ovl_strv_push(&targets, &ntargets, t)))
				r = ovl_err_set(err, ENOMEM, "out of memory");
		} else if (len && archive_entry_filetype(ae) == AE_IFREG) {
			/* any file the manifest may name: <id>/layer.tar (Docker 20.10), blobs/sha256/<hex> (OCI) */
			struct ovl_digest *nd = realloc(digests, (nl + 1) * sizeof(*nd));

			if (nd)
				digests = nd;
			if (!nd || ovl_strv_push(&names, &nl, name))
				r = ovl_err_set(err, ENOMEM, "out of memory");
			else if (hash_data(a, &digests[nl - 1], NULL))
				r = ovl_err_set(err, EIO, "%s: %s", name, archive_error_string(a));
		}
	}
	if (!r && ar != ARCHIVE_EOF)
		r = ovl_err_set(err, EINVAL, "reading the image archive: %s", archive_error_string(a));
	archive_read_free(a);
	layers = json_object_get(json_array_get(manifest, 0), "Layers");
	if (!r && !json_is_array(layers))
		r = ovl_err_set(err, EINVAL, "manifest.json: no Layers list");
	json_array_foreach(layers, i, x) {
		const char *want = json_is_string(x) ? json_string_value(x) : "";
		bool found = false;

		/* through at most a few symlinks */
		for (int hop = 0; hop < 8; hop++) {
			size_t k;

			for (k = 0; k < nlinks && strcmp(links[k], want); k++)
				;
			if (k == nlinks)
				break;
			want = targets[k];
		}
		for (size_t k = 0; !r && k < nl && !found; k++)
			if (json_is_string(x) && strcmp(want, names[k]) == 0) {
				if (*n < max)
					diff_ids[*n] = digests[k];
				(*n)++;
				found = true;
			}
		if (!r && !found)
			r = ovl_err_set(err, EINVAL, "manifest.json names layer %s, which the archive lacks",
					json_is_string(x) ? json_string_value(x) : "(not a string)");
	}
	ovl_strv_free(names, nl);
	ovl_strv_free(links, nlinks);
	ovl_strv_free(targets, ntargets);
	free(digests);
	json_decref(manifest);
	return r;
}
