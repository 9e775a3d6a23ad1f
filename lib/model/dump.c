// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/dump.c - the canonical dump of a tree and the difference
 * between two trees.
 */
#define _GNU_SOURCE
#include "ovl-model.h"
#include "ovl-common.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "tree-private.h"

/* ---- canonical dump ------------------------------------------------------ */

static void format_into(struct ovl_buf *b, const struct ovl_entry *e, unsigned int flags)
{
	bool owner = !(flags & OVL_DUMP_NO_OWNER);

	ovl_buf_printf(b, "%s ", ovl_ftype_name(e->type));
	tree_esc_append(b, (const unsigned char *)e->path, strlen(e->path), false);
	switch (e->type) {
	case OVL_FT_WHITEOUT:
		if (e->flags & OVL_ENTRY_XATTR_FORM)
			ovl_buf_puts(b, " form=xattr");
		if (e->flags & OVL_ENTRY_REFUSED)
			ovl_buf_puts(b, " refused");
		goto xattrs;
	case OVL_FT_HARDLINK:
		ovl_buf_puts(b, " target=");
		tree_esc_append(b, (const unsigned char *)e->target, strlen(e->target), true);
		goto layer;
	case OVL_FT_LNK:
		break;
	default:
		ovl_buf_printf(b, " mode=%04o", (unsigned int)e->mode);
	}
	if (owner)
		ovl_buf_printf(b, " uid=%u gid=%u", (unsigned int)e->uid, (unsigned int)e->gid);
	switch (e->type) {
	case OVL_FT_DIR:
		if (e->flags & OVL_ENTRY_OPAQUE)
			ovl_buf_puts(b, " opaque");
		if (e->flags & OVL_ENTRY_XWHITEOUTS)
			ovl_buf_puts(b, " opaque=x");
		break;
	case OVL_FT_REG:
		if (e->flags & OVL_ENTRY_METACOPY)
			ovl_buf_puts(b, " metacopy");
		ovl_buf_printf(b, " size=%llu", (unsigned long long)e->size);
		if (e->has_digest) {
			ovl_buf_puts(b, " sha256=");
			for (int i = 0; i < 32; i++)
				ovl_buf_printf(b, "%02x", e->sha256[i]);
		}
		/* a file that is all hole (no data extent: SEEK_DATA finds none) */
		if (e->fill == OVL_FILL_HOLE && e->size)
			ovl_buf_puts(b, " fill=hole");
		break;
	case OVL_FT_LNK:
		ovl_buf_puts(b, " target=");
		tree_esc_append(b, (const unsigned char *)e->target, strlen(e->target), true);
		break;
	case OVL_FT_CHR:
	case OVL_FT_BLK:
		ovl_buf_printf(b, " dev=%u:%u", e->rdev_major, e->rdev_minor);
		break;
	default:
		break;
	}
xattrs:
	for (size_t i = 0; i < e->nxattrs; i++) {
		const struct ovl_xattr *x = &e->xattrs[i];

		if ((flags & OVL_DUMP_NO_OVL_XATTRS) &&
		    strncmp(x->name, OVL_XATTR_PREFIX, strlen(OVL_XATTR_PREFIX)) == 0 &&
		    strcmp(x->name, OVL_XATTR_PREFIX "redirect") != 0)
			continue;
		ovl_buf_puts(b, " xattr.");
		tree_esc_append(b, (const unsigned char *)x->name, strlen(x->name), false);
		ovl_buf_putc(b, '=');
		tree_esc_append(b, x->value, x->len, true);
	}
layer:
	if ((flags & OVL_DUMP_LAYER) && e->layer.n >= 0) {
		char name[32];

		ovl_buf_printf(b, "  # layer %s", ovl_layer_format(e->layer, name, sizeof(name)));
	}
}

int ovl_entry_format(const struct ovl_entry *e, unsigned int flags, char *buf, size_t len)
{
	struct ovl_buf b = OVL_BUF_INIT;
	int r;

	format_into(&b, e, flags);
	r = b.failed ? -ENOMEM : 0;
	if (len) {
		size_t n = b.len < len - 1 ? b.len : len - 1;

		if (b.data)
			memcpy(buf, b.data, n);
		buf[n] = 0;
		if (!r && b.len >= len)
			r = -ENOSPC;
	}
	ovl_buf_free(&b);
	return r;
}

/* Format into a freshly allocated string (NULL on ENOMEM). */
static char *entry_line(const struct ovl_entry *e, unsigned int flags)
{
	struct ovl_buf b = OVL_BUF_INIT;

	format_into(&b, e, flags);
	return ovl_buf_steal(&b);
}

int ovl_tree_dump(const struct ovl_tree *t, unsigned int flags, FILE *out)
{
	for (size_t i = 0; i < t->n; i++) {
		char *line = entry_line(&t->v[i], flags);

		if (!line)
			return -ENOMEM;
		fprintf(out, "%s\n", line);
		free(line);
	}
	return ferror(out) ? -EIO : 0;
}

int ovl_tree_diff(const struct ovl_tree *expected, const struct ovl_tree *actual,
		  unsigned int flags, FILE *out)
{
	size_t i = 0, j = 0;
	int ndiff = 0;
	unsigned int cmpflags = flags & ~OVL_DUMP_LAYER;

	while (i < expected->n || j < actual->n) {
		const struct ovl_entry *a = i < expected->n ? &expected->v[i] : NULL;
		const struct ovl_entry *b = j < actual->n ? &actual->v[j] : NULL;
		int c = !a ? 1 : !b ? -1 : ovl_path_cmp(a->path, b->path);
		char *la = NULL, *lb = NULL;

		if (c <= 0 && !(la = entry_line(a, cmpflags)))
			return -ENOMEM;
		if (c >= 0 && !(lb = entry_line(b, cmpflags))) {
			free(la);
			return -ENOMEM;
		}
		/*
		 * A name lookup refuses (EPERM) on one side, absent on the other:
		 * equal. overlayfs lists such a name, or drops it where its readdir
		 * looks names up for their inode numbers (xino, impure dirs).
		 */
		if (c != 0 && ((c < 0 && (a->flags & OVL_ENTRY_REFUSED)) || (c > 0 && (b->flags & OVL_ENTRY_REFUSED)))) {
			free(la);
			free(lb);
			if (c < 0)
				i++;
			else
				j++;
			continue;
		}
		if (c != 0 || strcmp(la, lb) != 0) {
			ndiff++;
			if (la) {
				char *shown = entry_line(a, flags);

				fprintf(out, "- %s\n", shown ? shown : la);
				free(shown);
			}
			if (lb)
				fprintf(out, "+ %s\n", lb);
		}
		free(la);
		free(lb);
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	return ferror(out) ? -EIO : ndiff;
}
