// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/harness/setup.c - the case's side of a run: layer dirs and paths,
 * the descriptor's features tried and confirmed, the fixture's layers
 * built, the case run; running programs for a case.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <grp.h>
#include <libmount.h>
#include <sys/capability.h>
#include "exec.h"
#include "kmsg.h"
#include "sysmount.h"
#include "descriptor.h"
#include "ovl-model.h"
#include "record.h"
#include "ctx.h"
#include "ovl-common.h"
#include "harness-private.h"

/* Dir names under the case's root, by enum ctx_dir (the fixture's tree names for the layers). */
static const char *const dir_names[OVL_NR_DIRS] = { "A", "B", "C", "upper", "work", "merged" };

/* The ctx dir of a layer, or -1 for none of the case's. */
static int dir_of_layer(struct ovl_layer layer)
{
	if (ovl_layer_is(layer, OVL_LAYER_UPPER))
		return CTX_DIR_UPPER;
	if (ovl_layer_is_lower(layer) && ovl_layer_lower_index(layer) < 3)
		return CTX_DIR_A + (int)ovl_layer_lower_index(layer);
	return -1;
}

const char *ovl_layer_name(struct ovl_layer layer)
{
	int d = dir_of_layer(layer);

	return d < 0 ? "?" : dir_names[d];
}

static const char *layer_dir(struct ovl_ctx *ctx, struct ovl_layer layer)
{
	int d = dir_of_layer(layer);
	char name[32];

	if (d < 0)
		ovl_brok(ctx, "the case has no layer %s", ovl_layer_format(layer, name, sizeof(name)));
	return ctx->dirs[d];
}

static const char *path_in(struct ovl_ctx *ctx, const char *dir, const char *rel);

const char *ovl_layer_dir(struct ovl_ctx *ctx, struct ovl_layer layer)
{
	return layer_dir(ctx, layer);
}

const char *ovl_fixture_path(struct ovl_ctx *ctx, const char *rel)
{
	return rel[0] == '/' ? path_in(ctx, "", rel) : path_in(ctx, ctx->fixtures_dir, rel);
}

const char *ovl_merged_dir(struct ovl_ctx *ctx)
{
	return ctx->dirs[CTX_DIR_MERGED];
}

const char *ovl_work_dir(struct ovl_ctx *ctx)
{
	return ctx->dirs[CTX_DIR_WORK];
}

const char *ovl_backing_fs(struct ovl_ctx *ctx)
{
	return ctx->fs;
}

/* dir/rel, kept for the whole case (the case process ends soon anyway). */
static const char *path_in(struct ovl_ctx *ctx, const char *dir, const char *rel)
{
	char buf[PATH_MAX], **v;

	while (*rel == '/')
		rel++;
	if (ovl_fmt(buf, sizeof(buf), "%s%s%s", dir, *rel ? "/" : "", rel))
		ovl_brok(ctx, "%s/%s: path too long", dir, rel);
	v = realloc(ctx->paths, (ctx->npaths + 1) * sizeof(*v));
	if (!v || !(v[ctx->npaths] = strdup(buf)))
		ovl_brok(ctx, "out of memory");
	ctx->paths = v;
	return v[ctx->npaths++];
}

const char *ovl_path(struct ovl_ctx *ctx, struct ovl_layer layer, const char *rel)
{
	return path_in(ctx, layer_dir(ctx, layer), rel);
}

const char *ovl_merged_path(struct ovl_ctx *ctx, const char *rel)
{
	return path_in(ctx, ctx->dirs[CTX_DIR_MERGED], rel);
}

const char *ovl_work_path(struct ovl_ctx *ctx, const char *rel)
{
	return path_in(ctx, ctx->dirs[CTX_DIR_WORK], rel);
}

/*
 * The options to try: needs_features, and the feature options among
 * mount_options (redirect_dir=off as much as index=on: a target that
 * refuses either cannot run the case). A new string, NULL when none.
 */
static char *features_to_confirm(const struct ovl_case *c)
{
	struct ovl_buf b = OVL_BUF_INIT;
	char *mo = c->mount_options ? strdup(c->mount_options) : NULL, *tok, *save = NULL;

	if (c->needs_features)
		ovl_buf_puts(&b, c->needs_features);
	for (tok = mo ? strtok_r(mo, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		size_t k = strcspn(tok, "=");
		bool known = false, listed = false;

		for (const char *const *f = ovl_known_features; *f; f++)
			known |= strlen(*f) == k && strncmp(*f, tok, k) == 0;
		if (c->needs_features) {
			char *nf = strdup(c->needs_features), *t2, *s2 = NULL;

			for (t2 = nf ? strtok_r(nf, ",", &s2) : NULL; t2; t2 = strtok_r(NULL, ",", &s2))
				listed |= strcmp(t2, tok) == 0;
			free(nf);
		}
		if (!known || listed)
			continue;
		if (b.len)
			ovl_buf_putc(&b, ',');
		ovl_buf_puts(&b, tok);
	}
	free(mo);
	return b.data;
}

/* Try each needed overlay option on a small test union; CONF when the mount call refuses it. */
static void check_features(struct ovl_ctx *ctx)
{
	char *list, *tok, *save = NULL;

	list = features_to_confirm(ctx->c);
	if (!list)
		return;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char base[PATH_MAX], l[PATH_MAX + 8], l2[PATH_MAX + 8], u[PATH_MAX + 8], w[PATH_MAX + 8];
		char m[PATH_MAX + 8];
		/* Two lowers: a union without upper needs at least two. */
		struct ovl_union_spec s = { .lowers = { l, l2 }, .nlowers = 2, .merged = m, .options = tok };
		char why[2048];
		int r;

		if (ovl_fmt(base, sizeof(base), "%s/probe", ctx->root))
			ovl_brok(ctx, "%s/probe: path too long", ctx->root);
		snprintf(l, sizeof(l), "%s/l", base);
		snprintf(l2, sizeof(l2), "%s/l2", base);
		snprintf(u, sizeof(u), "%s/u", base);
		snprintf(w, sizeof(w), "%s/w", base);
		snprintf(m, sizeof(m), "%s/m", base);
		if (ovl_mkdir_p(l, 0755) || ovl_mkdir_p(l2, 0755) || ovl_mkdir_p(u, 0755) || ovl_mkdir_p(w, 0755) ||
		    ovl_mkdir_p(m, 0755))
			ovl_brok(ctx, "mkdir %s/*: %s", base, strerror(errno));
		if (!ctx->c->no_upper) {
			s.upper = u;
			s.work = w;
		}
		{
			struct ovl_buf k = OVL_BUF_INIT;

			r = harness_target_mount(ctx, &s, why, sizeof(why), &k);
			ovl_buf_free(&k);
		}
		if (r)
			ovl_conf(ctx, "needs overlay option %s, which %s refused here: %s", tok,
				 ctx->target->name, why);
		ctx->target->umount(m, why, sizeof(why));
		ovl_remove_tree(base);
		/*
		 * Accepted is all a gate may know: whether it is in force is the
		 * behaviour under test, which the case's own mounts check (FAIL).
		 */
		ovl_log(ctx, "feature %s: the %s mount accepts it", tok, ctx->target->name);
	}
	free(list);
}

static void build_layers(struct ovl_ctx *ctx)
{
	struct ovl_fixture *f = NULL;
	struct ovl_err err = { "" };
	char path[PATH_MAX];

	for (int i = 0; i < OVL_NR_DIRS; i++) {
		if (ovl_fmt(ctx->dirs[i], sizeof(ctx->dirs[i]), "%s/%s", ctx->root, dir_names[i]))
			ovl_brok(ctx, "%s: path too long", ctx->root);
		if (mkdir(ctx->dirs[i], 0755))
			ovl_brok(ctx, "mkdir %s: %s", ctx->dirs[i], strerror(errno));
	}
	if (!ctx->c->fixture)
		return;
	snprintf(path, sizeof(path), "%s/%s", ctx->fixtures_dir, ctx->c->fixture);
	if (ovl_fixture_load(path, &f, &err))
		ovl_brok(ctx, "fixture: %s", err.msg);
	for (size_t i = 0; i < ovl_fixture_count(f); i++) {
		const char *name = ovl_fixture_name_at(f, i);
		const char *dir = NULL;

		for (int k = 0; k <= CTX_DIR_UPPER; k++)
			if (strcmp(name, dir_names[k]) == 0)
				dir = ctx->dirs[k];
		if (!dir)
			ovl_brok(ctx, "fixture %s: tree [%s] names no layer", path, name);
		if (ovl_tree_materialize(ovl_fixture_tree(f, name), dir, 0, &err))
			ovl_brok(ctx, "fixture %s [%s]: %s", path, name, err.msg);
		ovl_log(ctx, "layer %s from %s [%s]:", name, ctx->c->fixture, name);
		ovl_tree_dump(ovl_fixture_tree(f, name), 0, ctx->log);
	}
	fflush(ctx->log);
	ovl_fixture_free(f);
}

void ovl_ctx_run_case(struct ovl_ctx *ctx)
{
	umask(022);
	ctx->kmsg_fd = ovl_kmsg_open();
	build_layers(ctx);
	check_features(ctx);
	ctx->c->run(ctx);
	if (ctx->mounted)
		ovl_umount_union(ctx);
	ovl_fuse_lower_stop(ctx);
	/* the harness's checks on its behalf (options, layers) are no assertion of the case's */
	if (!ctx->own_checks)
		harness_end_brok(ctx, "the case made no check (a case must assert something)");
	/* whatever the case asserted: a union never changes its lower layers */
	harness_check_layers_as_before(ctx, false, "at the end");
	fflush(NULL);
	_exit(0);
}

/* ---- running programs ---------------------------------------------------- */

const char *ovl_case_dir(struct ovl_ctx *ctx)
{
	return ctx->root;
}

const char *ovl_case_path(struct ovl_ctx *ctx, const char *rel)
{
	return path_in(ctx, ctx->root, rel);
}

int ovl_exec(struct ovl_ctx *ctx, const char *const argv[], const char *const env[],
	     unsigned int timeout, char **out)
{
	int status = 0, r = ovl_run_program(argv, env, timeout, ctx->log, out, &status);

	if (r && r != -ETIMEDOUT)
		return r;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* name is one of the comma-separated items of list. */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *e = strchrnul(p, ',');

		if ((size_t)(e - p) == n && strncmp(p, name, n) == 0)
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

const char *ovl_program(struct ovl_ctx *ctx, const char *name)
{
	char path[PATH_MAX];

	if (!listed(ctx->c->needs_programs, name))
		ovl_brok(ctx, "program %s is not in the descriptor's needs_programs (\"%s\")", name,
			 ctx->c->needs_programs ? ctx->c->needs_programs : "");
	if (ovl_find_program(name, path, sizeof(path)))
		ovl_brok(ctx, "program %s is no longer installed", name);
	return path_in(ctx, path, "");
}

long ovl_variant_arg(struct ovl_ctx *ctx)
{
	return ctx->c->variant ? ctx->c->variant->arg : 0;
}
