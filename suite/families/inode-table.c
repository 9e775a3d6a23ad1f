// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "Inode properties" table of Documentation/filesystems/overlayfs.rst
 * and the means to check it, for cases 0201 (every cell the table
 * promises that the kernel keeps) and 0202 (the cells where kernel 6.18
 * does not keep the promise). A cell is (row, property, dir or non-dir),
 * checked over the objects of the layers make_layers() writes, at one
 * moment (before or after a copy-up, after a remount).
 */
#define _GNU_SOURCE
#include "inode-table.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

enum row { ROW_SAMEFS, ROW_XINO_OFF, ROW_XINO_ON, NROWS };
enum prop { P_PERSISTENT, P_UNIFORM_DEV, P_DINO, P_IINO, NPROPS };

/* The table: promise[row][prop][0: dir, 1: non-dir]. */
static const bool promise[NROWS][NPROPS][2] = {
	[ROW_SAMEFS] = { { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 } },
	[ROW_XINO_OFF] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 0, 1 } },
	[ROW_XINO_ON] = { { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 } },
};
static const char *const row_name[NROWS] = { "all layers on one fs", "layers on two fs, xino=off",
					     "xino=on/auto" };
static const char *const prop_name[NPROPS] = { "persistent st_ino", "uniform st_dev", "st_ino == d_ino",
					       "d_ino == i_ino" };

/* The objects looked at, relative to the merged dir. */
static const struct object {
	const char *path;
	bool dir;
} objects[] = {
	{ "", true },	  { "d", true },   { "ud", true },  { "m", true },  { "f", false },
	{ "d/g", false }, { "uf", false }, { "s", false }, { "h1", false }, { "h2", false },
};
#define NOBJ (sizeof(objects) / sizeof(objects[0]))

struct seen {
	dev_t dev;
	ino_t ino, d_ino;
	unsigned long i_ino;
	bool have_d_ino, have_i_ino;
};

/* The lower layer in lower/, the upper in upper/ (with dirs of its own and one merged). */
static void make_layers(struct ovl_ctx *ctx, const char *lower, const char *upper, const char *work)
{
	char p[4096];

	SAFE_MKDIR_P(ctx, lower);
	SAFE_MKDIR_P(ctx, upper);
	SAFE_MKDIR_P(ctx, work);
#define AT(base, rel) (snprintf(p, sizeof(p), "%s/%s", (base), (rel)), p)
	SAFE_MKDIR_P(ctx, AT(lower, "d"));
	SAFE_MKDIR_P(ctx, AT(lower, "m"));
	SAFE_WRITE_FILE(ctx, AT(lower, "f"), "lower f\n", strlen("lower f\n"));
	SAFE_WRITE_FILE(ctx, AT(lower, "d/g"), "lower g\n", strlen("lower g\n"));
	SAFE_WRITE_FILE(ctx, AT(lower, "h1"), "lower hard link\n", strlen("lower hard link\n"));
	{
		char h2[4096];

		snprintf(h2, sizeof(h2), "%s/h2", lower);
		if (link(AT(lower, "h1"), h2))
			ovl_brok(ctx, "link %s: %s", h2, strerror(errno));
	}
	if (symlink("f", AT(lower, "s")))
		ovl_brok(ctx, "symlink %s: %s", p, strerror(errno));
	SAFE_MKDIR_P(ctx, AT(upper, "ud"));
	SAFE_MKDIR_P(ctx, AT(upper, "m"));
	SAFE_WRITE_FILE(ctx, AT(upper, "uf"), "upper f\n", strlen("upper f\n"));
#undef AT
}

/* The inode number inotify shows for path (the overlay inode's i_ino). */
static bool inotify_ino(const char *path, unsigned long *ino)
{
	int fd = inotify_init1(IN_CLOEXEC), wd;
	char fdinfo[64], line[512];
	FILE *f;
	bool found = false;

	if (fd < 0)
		return false;
	wd = inotify_add_watch(fd, path, IN_ATTRIB | IN_DONT_FOLLOW);
	snprintf(fdinfo, sizeof(fdinfo), "/proc/self/fdinfo/%d", fd);
	f = wd >= 0 ? fopen(fdinfo, "re") : NULL;
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *at = strstr(line, " ino:");

		found = strncmp(line, "inotify", 7) == 0 && at && sscanf(at + 5, "%lx", ino) == 1;
	}
	if (f)
		fclose(f);
	close(fd);
	return found;
}

static void observe(struct ovl_ctx *ctx, const char *merged, struct seen *s)
{
	for (size_t i = 0; i < NOBJ; i++) {
		char path[4096], parent[4096];
		const char *name = strrchr(objects[i].path, '/') ? strrchr(objects[i].path, '/') + 1 : objects[i].path;
		struct stat st;
		DIR *d;
		struct dirent *de;

		snprintf(path, sizeof(path), "%s/%s", merged, objects[i].path);
		if (lstat(path, &st))
			ovl_brok(ctx, "lstat %s: %s", path, strerror(errno));
		memset(&s[i], 0, sizeof(s[i]));
		s[i].dev = st.st_dev;
		s[i].ino = st.st_ino;
		s[i].have_i_ino = inotify_ino(path, &s[i].i_ino);
		if (!*objects[i].path)
			continue; /* the root has no entry in a dir of the union */
		snprintf(parent, sizeof(parent), "%s/%.*s", merged, (int)(name - objects[i].path), objects[i].path);
		d = opendir(parent);
		while (d && (de = readdir(d)))
			if (strcmp(de->d_name, name) == 0) {
				s[i].d_ino = de->d_ino;
				s[i].have_d_ino = true;
			}
		if (d)
			closedir(d);
	}
}

/*
 * The promised cells kernel 6.18 does not keep (case 0202 shows them):
 *  - layers on two filesystems, xino=off: once a non-dir is copied up,
 *    readdir's d_ino is the upper inode's number while lstat keeps the
 *    origin's st_ino (and inotify's i_ino), after a remount too;
 *  - index=off: a copied-up lower hard link gets an inode of its own, but
 *    the cached overlay inode keeps the old i_ino until it is evicted.
 */
static bool known_broken(enum row row, enum prop prop, size_t obj, bool index, const char *when)
{
	const char *path = objects[obj].path;
	bool copied = strcmp(path, "f") == 0 || strcmp(path, "d/g") == 0 || strcmp(path, "h1") == 0;

	if (row == ROW_XINO_OFF && (prop == P_DINO || prop == P_IINO) && copied && strcmp(when, "") != 0)
		return true;
	return !index && prop == P_IINO && strcmp(path, "h1") == 0 && strcmp(when, "after copy-up") == 0;
}

/*
 * One check of a property over the objects for which the row promises it
 * (cells: the ones kernel 6.18 keeps, or only the ones it does not). a is
 * what is seen now, b before (for persistence), root the merged root now.
 */
static void check_prop(struct ovl_ctx *ctx, const char *cfg, enum row row, enum prop prop, bool index,
			      enum cells cells, const struct seen *a, const struct seen *b, const struct seen *root,
			      const char *when)
{
	char bad[2048] = "";
	size_t n = 0, looked = 0;

	for (size_t i = 0; i < NOBJ; i++) {
		bool ok = true;
		unsigned long x = 0, y = 0;

		if (!promise[row][prop][!objects[i].dir] ||
		    known_broken(row, prop, i, index, when) != (cells == CELLS_BROKEN))
			continue;
		switch (prop) {
		case P_PERSISTENT:
			/* with index=off a copy-up breaks a hard link: h1 becomes an inode of its own */
			if (!index && strcmp(objects[i].path, "h1") == 0 && strcmp(when, "across copy-up") == 0)
				continue;
			x = (unsigned long)b[i].ino;
			y = (unsigned long)a[i].ino;
			break;
		case P_UNIFORM_DEV:
			x = (unsigned long)root->dev;
			y = (unsigned long)a[i].dev;
			break;
		case P_DINO:
			if (!a[i].have_d_ino)
				continue;
			x = (unsigned long)a[i].ino;
			y = (unsigned long)a[i].d_ino;
			break;
		case P_IINO:
			if (!a[i].have_d_ino || !a[i].have_i_ino)
				continue;
			x = (unsigned long)a[i].d_ino;
			y = a[i].i_ino;
			break;
		default:
			break;
		}
		ok = x == y;
		looked++;
		if (!ok)
			n += (size_t)snprintf(bad + n, n < sizeof(bad) ? sizeof(bad) - n : 0, "%s%s (%lu, %lu) ",
					      *objects[i].path ? "/" : "/.", objects[i].path, x, y);
	}
	if (!looked)
		return;
	ovl_check(ctx, !*bad, "%s (%s): %s%s%s", cfg, row_name[row], prop_name[prop], *when ? " " : "", when);
	if (*bad)
		ovl_diag(ctx, "not for %s", bad);
}

/* The twelve mounts, each looked at before and after copy-ups and after a remount. */
void inode_matrix(struct ovl_ctx *ctx, enum cells cells)
{
	static const char *const xinos[] = { "off", "auto", "on" };
	static const char *const indexes[] = { "off", "on" };
	const char *merged = ovl_merged_dir(ctx);
	char other[4096];
	int combo = 0;

	snprintf(other, sizeof(other), "%s/otherfs", ovl_case_dir(ctx));
	SAFE_MKDIR_P(ctx, other);
	ovl_private_mount(ctx, "ovlconform-otherfs", other, "tmpfs", "mode=0755");
	for (int same = 1; same >= 0; same--)
		for (size_t x = 0; x < 3; x++)
			for (size_t k = 0; k < 2; k++) {
				char base[4096], lower[4200], upper[4200], work[4200], opts[128], cfg[128];
				const char *lowers[1] = { lower }, *xv = NULL;
				struct seen before[NOBJ], after[NOBJ], again[NOBJ];
				bool shown;
				enum row row;
				char p[4300];

				combo++;
				snprintf(cfg, sizeof(cfg), "%s, xino=%s, index=%s", same ? "one fs" : "two fs", xinos[x],
					 indexes[k]);
				snprintf(base, sizeof(base), "%s/c%d", ovl_case_dir(ctx), combo);
				SAFE_MKDIR_P(ctx, base);
				if (same)
					snprintf(lower, sizeof(lower), "%s/lower", base);
				else
					snprintf(lower, sizeof(lower), "%s/lower%d", other, combo);
				snprintf(upper, sizeof(upper), "%s/upper", base);
				snprintf(work, sizeof(work), "%s/work", base);
				make_layers(ctx, lower, upper, work);
				snprintf(opts, sizeof(opts), "xino=%s,index=%s", xinos[x], indexes[k]);
				if (ovl_mount_custom(ctx, lowers, 1, upper, work, merged, opts)) {
					ovl_check(ctx, false, "%s: mount", cfg);
					ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
					continue;
				}
				if (ovl_mount_option_effective(ctx, "xino", &xv, &shown))
					ovl_brok(ctx, "%s: xino in force: unknown", cfg);
				row = same ? ROW_SAMEFS : strcmp(xv, "off") == 0 ? ROW_XINO_OFF : ROW_XINO_ON;
				ovl_log(ctx, "%s: xino in force %s: row '%s'", cfg, xv, row_name[row]);
				observe(ctx, merged, before);
				/* always: dirs have the overlay's st_dev; (st_dev, st_ino) unique but for h1/h2 */
				if (cells == CELLS_KEPT) {
					bool ok = true, alone = true;

					for (size_t i = 0; i < NOBJ; i++) {
						ok &= !objects[i].dir || before[i].dev == before[0].dev;
						for (size_t j = i + 1; j < NOBJ; j++) {
							bool links = strncmp(objects[i].path, "h", 1) == 0 &&
								     strncmp(objects[j].path, "h", 1) == 0;

							if (links)
								continue;
							alone &= before[i].ino != before[j].ino ||
								 before[i].dev != before[j].dev;
						}
					}
					ovl_check(ctx, ok, "%s: every dir reports the overlay's st_dev", cfg);
					ovl_check(ctx, alone, "%s: st_ino is unique together with st_dev", cfg);
					if (row != ROW_XINO_OFF) {
						bool uniq = true;

						for (size_t i = 0; i < NOBJ; i++)
							for (size_t j = i + 1; j < NOBJ; j++)
								uniq &= before[i].ino != before[j].ino ||
									(objects[i].path[0] == 'h' && objects[j].path[0] == 'h');
						ovl_check(ctx, uniq, "%s: st_ino alone is unique (st_dev is uniform)", cfg);
					}
				}
				check_prop(ctx, cfg, row, P_UNIFORM_DEV, k == 1, cells, before, NULL, &before[0], "");
				check_prop(ctx, cfg, row, P_DINO, k == 1, cells, before, NULL, &before[0], "");
				check_prop(ctx, cfg, row, P_IINO, k == 1, cells, before, NULL, &before[0], "");
				/* copy-ups: a lower file, one deep, a lower dir, a hard link */
				for (const char *const *c = (const char *const[]){ "f", "d/g", "d", "h1", NULL }; *c; c++) {
					snprintf(p, sizeof(p), "%s/%s", merged, *c);
					if (chmod(p, strcmp(*c, "d") == 0 ? 0750 : 0640))
						ovl_brok(ctx, "chmod %s: %s", p, strerror(errno));
				}
				observe(ctx, merged, after);
				check_prop(ctx, cfg, row, P_PERSISTENT, k == 1, cells, after, before, &before[0], "across copy-up");
				check_prop(ctx, cfg, row, P_UNIFORM_DEV, k == 1, cells, after, NULL, &after[0], "after copy-up");
				check_prop(ctx, cfg, row, P_DINO, k == 1, cells, after, NULL, &after[0], "after copy-up");
				check_prop(ctx, cfg, row, P_IINO, k == 1, cells, after, NULL, &after[0], "after copy-up");
				if (k == 1 && cells == CELLS_KEPT)
					if (!ovl_check(ctx, after[8].ino == after[9].ino && after[8].dev == after[9].dev,
						       "%s: a copied-up lower hard link keeps one st_ino for its names", cfg))
						ovl_diag(ctx, "h1 %lu:%lu, h2 %lu:%lu", (unsigned long)after[8].dev,
							 (unsigned long)after[8].ino, (unsigned long)after[9].dev,
							 (unsigned long)after[9].ino);
				ovl_umount_path(ctx, merged);
				if (ovl_mount_custom(ctx, lowers, 1, upper, work, merged, opts)) {
					ovl_check(ctx, false, "%s: mount again", cfg);
					ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
					continue;
				}
				observe(ctx, merged, again);
				check_prop(ctx, cfg, row, P_PERSISTENT, k == 1, cells, again, after, &again[0], "across a remount");
				check_prop(ctx, cfg, row, P_UNIFORM_DEV, k == 1, cells, again, NULL, &again[0], "after a remount");
				check_prop(ctx, cfg, row, P_DINO, k == 1, cells, again, NULL, &again[0], "after a remount");
				check_prop(ctx, cfg, row, P_IINO, k == 1, cells, again, NULL, &again[0], "after a remount");
				if (k == 1 && cells == CELLS_KEPT)
					ovl_check(ctx, again[8].ino == again[9].ino,
						  "%s: after a remount the hard link still has one st_ino", cfg);
				ovl_umount_path(ctx, merged);
			}
	ovl_umount_path(ctx, other);
}
