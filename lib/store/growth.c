// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store/growth.c - a commit's entries and size, predicted and read back.
 * See ovl-store.h.
 */
#define _GNU_SOURCE
#include "ovl-store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "ovl-common.h"

void ovl_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; lines && i < n; i++)
		free(lines[i]);
	free(lines);
}

static int push(char ***v, size_t *n, char *line)
{
	char **nv;

	if (!line)
		return -ENOMEM;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv) {
		free(line);
		return -ENOMEM;
	}
	*v = nv;
	(*v)[(*n)++] = line;
	return 0;
}

static int cmp_lines(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	/* by path first (the second word), then by kind */
	int c = strcmp(strchr(x, ' ') + 1, strchr(y, ' ') + 1);

	return c ? c : strcmp(x, y);
}

static void sort_lines(char **v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_lines);
}

int ovl_commit_predict(const struct ovl_tree *upper, char ***lines, size_t *n, uint64_t *size, struct ovl_err *err)
{
	char **v = NULL, *l = NULL;
	size_t nv = 0;
	uint64_t total = 0;
	int r = 0;

	for (size_t i = 0; i < ovl_tree_count(upper) && !r; i++) {
		const struct ovl_entry *e = ovl_tree_entry_at(upper, i);

		if (strcmp(e->path, "/") == 0)
			continue;
		l = NULL;
		switch (e->type) {
		case OVL_FT_DIR:
			r = asprintf(&l, "dir %s", e->path) < 0 ? -ENOMEM : push(&v, &nv, l);
			if (!r && (e->flags & OVL_ENTRY_OPAQUE))
				r = asprintf(&l, "opaque %s", e->path) < 0 ? -ENOMEM : push(&v, &nv, l);
			break;
		case OVL_FT_REG:
			total += e->size;
			r = asprintf(&l, "file %s %llu", e->path, (unsigned long long)e->size) < 0 ? -ENOMEM
												: push(&v, &nv, l);
			break;
		case OVL_FT_LNK:
			total += strlen(e->target);
			r = asprintf(&l, "symlink %s", e->path) < 0 ? -ENOMEM : push(&v, &nv, l);
			break;
		case OVL_FT_HARDLINK:
			r = asprintf(&l, "hardlink %s %s", e->path, e->target) < 0 ? -ENOMEM : push(&v, &nv, l);
			break;
		case OVL_FT_WHITEOUT:
			r = asprintf(&l, "whiteout %s", e->path) < 0 ? -ENOMEM : push(&v, &nv, l);
			break;
		default:
			r = asprintf(&l, "other %s", e->path) < 0 ? -ENOMEM : push(&v, &nv, l);
		}
	}
	if (r) {
		ovl_lines_free(v, nv);
		return ovl_err_set(err, ENOMEM, "out of memory");
	}
	sort_lines(v, nv);
	*lines = v;
	*n = nv;
	*size = total;
	return 0;
}

/* A tar name as a path: "/" first, no "./" before, no "/" after. */
static void norm_path(char *out, size_t len, const char *name)
{
	size_t n;

	snprintf(out, len, "/%s", name[0] == '.' && name[1] == '/' ? name + 2 : name);
	n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = 0;
}

int ovl_layer_entries(int fd, char ***lines, size_t *n, struct ovl_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	char **v = NULL;
	size_t nv = 0;
	int r = 0, ar;

	if (!a)
		return ovl_err_set(err, ENOMEM, "out of memory");
	archive_read_support_format_tar(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK) {
		r = ovl_err_set(err, EINVAL, "reading the layer: %s", archive_error_string(a));
		archive_read_free(a);
		return r;
	}
	while (!r && ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN)) {
		char path[4200], hpath[4200], *slash, *l = NULL;
		const char *name = archive_entry_pathname(ae), *base;
		const char *hard = archive_entry_hardlink(ae);

		if (!name) {
			r = ovl_err_set(err, EINVAL, "reading the layer: an entry without a name");
			break;
		}
		norm_path(path, sizeof(path), name);
		if (hard)
			norm_path(hpath, sizeof(hpath), hard);
		slash = strrchr(path, '/');
		base = slash + 1;
		if (strcmp(base, ".wh..wh..opq") == 0) {
			*slash = 0;
			r = asprintf(&l, "opaque %s", *path ? path : "/") < 0 ? -ENOMEM : push(&v, &nv, l);
		} else if (strncmp(base, ".wh.", 4) == 0) {
			memmove(slash + 1, base + 4, strlen(base + 4) + 1);
			r = asprintf(&l, "whiteout %s", path) < 0 ? -ENOMEM : push(&v, &nv, l);
		} else if (hard) {
			r = asprintf(&l, "hardlink %s %s", path, hpath) < 0 ? -ENOMEM : push(&v, &nv, l);
		} else if (archive_entry_filetype(ae) == AE_IFDIR) {
			if (strcmp(path, "/") != 0)
				r = asprintf(&l, "dir %s", path) < 0 ? -ENOMEM : push(&v, &nv, l);
		} else if (archive_entry_filetype(ae) == AE_IFREG) {
			r = asprintf(&l, "file %s %lld", path, (long long)archive_entry_size(ae)) < 0 ? -ENOMEM
													 : push(&v, &nv, l);
		} else if (archive_entry_filetype(ae) == AE_IFLNK) {
			r = asprintf(&l, "symlink %s", path) < 0 ? -ENOMEM : push(&v, &nv, l);
		} else {
			r = asprintf(&l, "other %s", path) < 0 ? -ENOMEM : push(&v, &nv, l);
		}
	}
	if (!r && ar != ARCHIVE_EOF)
		r = ovl_err_set(err, EINVAL, "reading the layer: %s", archive_error_string(a));
	archive_read_free(a);
	if (r) {
		ovl_lines_free(v, nv);
		return r;
	}
	sort_lines(v, nv);
	*lines = v;
	*n = nv;
	return 0;
}
