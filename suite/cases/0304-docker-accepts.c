// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store accepts what Docker accepts, and lays it down as Docker does.
 * Layers of shapes real images carry, each imported by a real dockerd
 * (`docker import`, its overlay2 driver's ApplyDiff) and by the reference
 * store (ovl_layer_import_file()):
 *  - a whiteout and an entry of the same name in one layer (".wh.x" first);
 *  - a character device node (dev/null, 1:3), as old base images carry;
 *  - a name with a ".." component that stays inside the root ("a/../b");
 *  - a whiteout entry with data in it;
 * and beside them an entry then its whiteout, a block device, and a name
 * whose ".." leads out of the root (which both must refuse).
 * Both must accept or both refuse; where both accept, the layer's diff dir
 * Docker wrote and ours are the same tree (types, modes, owners, xattrs,
 * content, whiteouts and opaque marks).
 */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "docker.h"
#include "harness.h"
#include "ovl-common.h"
#include "ovl-model.h"
#include "ovl-store.h"

/* What the store must do: what dockerd does, or refuse whatever dockerd does (a name out of the root). */
enum want { AS_DOCKERD, REFUSE };

struct ent {
	const char *name;
	mode_t type;		/* S_IFREG, S_IFDIR, S_IFCHR, S_IFBLK */
	const char *data;	/* regular files */
	unsigned int major, minor;
};

static const struct shape {
	const char *slug, *what;
	struct ent ents[6];
	enum want want;
} shapes[] = {
	{ "same-layer-whiteout", "a whiteout and an entry of the same name in one layer",
	  { { ".wh.x", S_IFREG, "" }, { "x", S_IFREG, "the entry\n" }, { "keep", S_IFREG, "kept\n" } } },
	{ "char-device", "a character device node (dev/null, 1:3)",
	  { { "dev", S_IFDIR }, { "dev/null", S_IFCHR, NULL, 1, 3 }, { "etc", S_IFDIR },
	    { "etc/hostname", S_IFREG, "box\n" } } },
	{ "dotdot-inside", "a name with a .. component that stays inside the root",
	  { { "a", S_IFDIR }, { "a/../b", S_IFREG, "b\n" }, { "c", S_IFREG, "c\n" } } },
	{ "whiteout-with-data", "a whiteout entry with data in it",
	  { { ".wh.y", S_IFREG, "junk in a whiteout\n" }, { "z", S_IFREG, "z\n" } } },
	{ "entry-then-whiteout", "an entry, then a whiteout of it, in one layer",
	  { { "x", S_IFREG, "the entry\n" }, { ".wh.x", S_IFREG, "" }, { "keep", S_IFREG, "kept\n" } } },
	{ "block-device", "a block device node (8:0)",
	  { { "dev", S_IFDIR }, { "dev/sda", S_IFBLK, NULL, 8, 0 } } },
	/* dockerd unpacks in a chroot, which clamps the name at the root; the store refuses it */
	{ "dotdot-escape", "a name whose .. leads out of the root",
	  { { "a", S_IFDIR }, { "a/../../evil", S_IFREG, "out\n" } }, REFUSE },
};

static void write_tar(struct ovl_ctx *ctx, const char *path, const struct ent *ents)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	if (!a || !e || archive_write_set_format_pax_restricted(a) || archive_write_open_filename(a, path))
		ovl_brok(ctx, "writing %s: %s", path, a ? archive_error_string(a) : "out of memory");
	for (const struct ent *t = ents; t->name; t++) {
		size_t len = t->data ? strlen(t->data) : 0;

		archive_entry_clear(e);
		archive_entry_set_pathname(e, t->name);
		archive_entry_set_filetype(e, t->type == S_IFDIR ? AE_IFDIR : t->type == S_IFCHR ? AE_IFCHR
					   : t->type == S_IFBLK ? AE_IFBLK : AE_IFREG);
		archive_entry_set_perm(e, t->type == S_IFDIR ? 0755 : t->type == S_IFREG ? 0644 : 0660);
		archive_entry_set_mtime(e, 1700000000, 0);
		if (t->type == S_IFCHR || t->type == S_IFBLK)
			archive_entry_set_rdev(e, makedev(t->major, t->minor));
		if (t->type == S_IFREG)
			archive_entry_set_size(e, (la_int64_t)len);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    (len && archive_write_data(a, t->data, len) != (la_ssize_t)len))
			ovl_brok(ctx, "writing %s, entry %s: %s", path, t->name, archive_error_string(a));
	}
	archive_entry_free(e);
	if (archive_write_close(a) != ARCHIVE_OK)
		ovl_brok(ctx, "closing %s: %s", path, archive_error_string(a));
	archive_write_free(a);
}

static void run(struct ovl_ctx *ctx)
{
	struct ovl_dockerd d;

	ovl_dockerd_start(ctx, &d);
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *sh = &shapes[i];
		char tar[4200], diff[4200], tag[128], *out = NULL;
		struct ovl_err err = { "" };
		struct ovl_import_result res;
		int st, ours;

		snprintf(tar, sizeof(tar), "%s", ovl_case_path(ctx, sh->slug));
		strcat(tar, ".tar");
		snprintf(diff, sizeof(diff), "%s", ovl_case_path(ctx, sh->slug));
		SAFE_MKDIR_P(ctx, diff);
		write_tar(ctx, tar, sh->ents);
		snprintf(tag, sizeof(tag), "ovlconform/%s:1", sh->slug);
		st = ovl_docker(ctx, &d, &out, "import", tar, tag, NULL);
		ovl_log(ctx, "docker import of %s: status %d: %s", sh->slug, st, out ? out : "");
		free(out);
		out = NULL;
		ours = ovl_layer_import_file(tar, diff, NULL, &res, &err);
		if (sh->want == REFUSE)
			ovl_check(ctx, ours != 0 && strstr(err.msg, "out of the layer's root"),
				  "%s: the store refuses it, naming the entry (dockerd %s it)", sh->what,
				  st == 0 ? "clamps it at the root and takes" : "refuses");
		else
			ovl_check(ctx, (st == 0) == (ours == 0), "%s: the store %s it, as dockerd does", sh->what,
				  st == 0 ? "accepts" : "refuses");
		ovl_diag(ctx, "dockerd: %s; the store: %s", st == 0 ? "imported" : "refused", ours ? err.msg : "imported");
		if (st || sh->want == REFUSE)
			continue;
		/* where dockerd put the layer: the image's one layer, its overlay2 diff dir */
		st = ovl_docker(ctx, &d, &out, "image", "inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", tag, NULL);
		if (st || !out)
			ovl_brok(ctx, "docker image inspect %s: status %d", tag, st);
		out[strcspn(out, "\n")] = 0;
		{
			struct ovl_tree *want = SAFE_SCAN(ctx, out, OVL_SCAN_UPPER);
			struct ovl_tree *got = ours ? NULL : SAFE_SCAN(ctx, diff, OVL_SCAN_UPPER);

			char *dump = NULL;
			size_t dlen = 0;
			FILE *f = open_memstream(&dump, &dlen);

			if (f) {
				ovl_tree_dump(want, 0, f);
				fclose(f);
			}
			ovl_log(ctx, "dockerd's diff dir of %s (%s):\n%s", sh->slug, out, dump ? dump : "");
			free(dump);
			if (got)
				ovl_check_tree(ctx, want, got, 0, sh->what);
			ovl_tree_unref(want);
			ovl_tree_unref(got);
		}
		free(out);
	}
	ovl_dockerd_stop(ctx, &d);
}

OVL_CASE(
	.number = 304,
	.slug = "docker-accepts",
	.purpose = "layers of shapes real images carry: the store accepts what dockerd accepts and lays them down as it does",
	.tags = "docker",
	.needs_kconfig = OVL_DOCKER_KCONFIG,
	.needs_programs = OVL_DOCKER_PROGRAMS,
	.needs_root = true,
	.fs = OVL_FS_EXT4,
	.timeout = 300,
	.run = run,
);
