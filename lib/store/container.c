// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store/container.c - init and container layers, Docker-style mounts and
 * commits. See ovl-store.h.
 */
#define _GNU_SOURCE
#include "ovl-store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store-private.h"
#include "ovl-common.h"

static int mount_layer(struct ovl_store *s, const char *id, const char *merged, bool *relative, struct ovl_err *err);

/* mkdir -p below root (a mounted union), new dirs 0755 and root's, as idtools.MkdirAllAndChownNew. */
static int mkdir_new(const char *root, const char *rel, struct ovl_err *err)
{
	char p[PATH_MAX + 64];
	size_t k = strlen(root);

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (char *c = p + k + 1;; c++) {
		bool end = !*c;

		if (*c == '/' || end) {
			*c = 0;
			if (mkdir(p, 0755) == 0) {
				if (chmod(p, 0755) || lchown(p, 0, 0))
					return ovl_err_set(err, errno, "%s: %m", p);
			} else if (errno != EEXIST) {
				return ovl_err_set(err, errno, "%s: %m", p);
			}
			if (end)
				return 0;
			*c = '/';
		}
	}
}

/*
 * Docker's init layer, made as dockerd's initlayer.Setup makes it: in the
 * init layer's union mounted over the image, every name on the way to each
 * path is unlinked (a file, symlink or device the image has there goes; a
 * dir stays), then what is missing is made: dirs 0755, empty files 0755,
 * all root's, and the symlink /etc/mtab. So a dir the image has (its /etc)
 * is copied up into the init layer with the image's mode and owner, and a
 * non-dir in the way is whited out: the init layer depends on the image.
 */
static int fill_init(struct ovl_store *s, const char *init_id, struct ovl_err *err)
{
	static const struct {
		const char *path, *type;	/* "dir", "file", or a symlink's target */
	} init[] = {
		{ "dev/pts", "dir" }, { "dev/shm", "dir" }, { "proc", "dir" }, { "sys", "dir" },
		{ ".dockerenv", "file" }, { "etc/resolv.conf", "file" }, { "etc/hosts", "file" },
		{ "etc/hostname", "file" }, { "dev/console", "file" }, { "etc/mtab", "/proc/mounts" },
	};
	char m[PATH_MAX + 100], p[PATH_MAX + 200];
	int r = 0;

	snprintf(m, sizeof(m), "%s/%s/merged", s->overlay, init_id);
	if ((r = mount_layer(s, init_id, m, NULL, err)))
		return r;
	for (size_t i = 0; !r && i < sizeof(init) / sizeof(init[0]); i++) {
		const char *path = init[i].path, *type = init[i].type;
		struct stat st;

		/* each name on the way, the last one too: unlinked (a dir stays: EISDIR) */
		for (const char *c = path;; c++) {
			if (*c == '/' || !*c) {
				snprintf(p, sizeof(p), "%s/%.*s", m, (int)(c - path), path);
				unlink(p);
			}
			if (!*c)
				break;
		}
		snprintf(p, sizeof(p), "%s/%s", m, path);
		if (stat(p, &st) == 0)
			continue;
		if (errno != ENOENT) {
			r = ovl_err_set(err, errno, "%s: %m", p);
			break;
		}
		if (strchr(path, '/')) {
			char dir[PATH_MAX];

			snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(path, '/') - path), path);
			if ((r = mkdir_new(m, dir, err)))
				break;
		}
		if (strcmp(type, "dir") == 0) {
			r = mkdir_new(m, path, err);
		} else if (strcmp(type, "file") == 0) {
			int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);

			if (fd < 0 || fchmod(fd, 0755) || fchown(fd, 0, 0))
				r = ovl_err_set(err, errno, "%s: %m", p);
			if (fd >= 0)
				close(fd);
		} else if (symlink(type, p)) {
			r = ovl_err_set(err, errno, "%s: %m", p);
		}
	}
	if (umount2(m, 0) && !r)
		r = ovl_err_set(err, errno, "umount %s: %m", m);
	rmdir(m);
	return r;
}

static int mark_committed(struct ovl_store *s, const char *cache_id, struct ovl_err *err)
{
	char p[PATH_MAX + 128];

	snprintf(p, sizeof(p), "%s/%s/committed", s->overlay, cache_id);
	return access(p, F_OK) == 0 ? 0 : ovl__write_value(p, "", 0600, err);
}

int ovl_store_container_create(struct ovl_store *s, const struct ovl_digest *image_id,
			       struct ovl_container_info *out, struct ovl_err *err)
{
	struct ovl_digest *ids = NULL, *chains = NULL;
	struct ovl_layer_info top;
	char ilink[LINK_LEN + 1], clink[LINK_LEN + 1], idir[PATH_MAX], ilp[PATH_MAX], cdir[PATH_MAX];
	char clp[PATH_MAX], mdir[PATH_MAX + 80], tmp[PATH_MAX + 80], p[PATH_MAX + 200];
	char v[OVL_DIGEST_STRLEN];
	size_t n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	*idir = *cdir = *ilp = *clp = *tmp = 0;
	r = ovl_store_image_layers(s, image_id, &ids, &n, err);
	if (r)
		return r;
	if (!n) {
		free(ids);
		return ovl_err_set(err, EINVAL, "the image has no layers");
	}
	chains = calloc(n, sizeof(*chains));
	r = chains ? ovl_chain_ids(ids, n, chains) : -ENOMEM;
	if (r) {
		free(ids);
		free(chains);
		return ovl_err_set(err, r, "computing the image's ChainIDs: %s", strerror(-r));
	}
	out->parent = chains[n - 1];
	free(ids);
	free(chains);
	r = ovl_store_layer_get(s, &out->parent, &top, err);
	if (r)
		return r;
	if ((r = ovl__random_id(out->id)) || (r = ovl__random_id(out->mount_id)))
		return ovl_err_set(err, r, "getrandom: %s", strerror(-r));
	snprintf(out->init_id, sizeof(out->init_id), "%s-init", out->mount_id);
	/* The init layer on the image's top, the container's layer on the init layer. */
	r = ovl__new_layer_dir(s, out->init_id, top.cache_id, top.link, ilink, idir, sizeof(idir), ilp,
			       sizeof(ilp), err);
	if (r)
		return r;
	if ((r = fill_init(s, out->init_id, err)) || (r = mark_committed(s, top.cache_id, err)))
		goto fail;
	r = ovl__new_layer_dir(s, out->mount_id, out->init_id, ilink, clink, cdir, sizeof(cdir), clp,
			       sizeof(clp), err);
	if (r || (r = mark_committed(s, out->init_id, err)))
		goto fail;
	/* layerdb/mounts/<id>/, written aside and renamed whole. */
	snprintf(tmp, sizeof(tmp), "%s/tmp/mount-XXXXXX", s->layerdb);
	if (!mkdtemp(tmp)) {
		r = ovl_err_set(err, errno, "%s: %m", tmp);
		*tmp = 0;
		goto fail;
	}
	ovl_digest_format(&out->parent, v);
	snprintf(p, sizeof(p), "%s/mount-id", tmp);
	if ((r = ovl__write_value(p, out->mount_id, 0644, err)))
		goto fail;
	snprintf(p, sizeof(p), "%s/init-id", tmp);
	if ((r = ovl__write_value(p, out->init_id, 0644, err)))
		goto fail;
	snprintf(p, sizeof(p), "%s/parent", tmp);
	if ((r = ovl__write_value(p, v, 0644, err)))
		goto fail;
	snprintf(mdir, sizeof(mdir), "%s/mounts/%s", s->layerdb, out->id);
	if (chmod(tmp, 0755) || rename(tmp, mdir)) {
		r = ovl_err_set(err, errno, "rename %s %s: %m", tmp, mdir);
		goto fail;
	}
	snprintf(out->upper, sizeof(out->upper), "%s/diff", cdir);
	snprintf(out->merged, sizeof(out->merged), "%s/merged", cdir);
	return 0;
fail:
	if (*tmp)
		ovl_remove_tree(tmp);
	if (*cdir)
		ovl_remove_tree(cdir);
	if (*clp)
		unlink(clp);
	if (*idir)
		ovl_remove_tree(idir);
	if (*ilp)
		unlink(ilp);
	return r;
}

int ovl_store_container_get(struct ovl_store *s, const char *id, struct ovl_container_info *out,
			    struct ovl_err *err)
{
	char m[PATH_MAX + 128], p[PATH_MAX + 200], v[128];
	int r;

	memset(out, 0, sizeof(*out));
	if (!*id || strchr(id, '/') || id[0] == '.' || strlen(id) >= sizeof(out->id))
		return ovl_err_set(err, EINVAL, "'%s' is not a container ID", id);
	snprintf(out->id, sizeof(out->id), "%s", id);
	snprintf(m, sizeof(m), "%s/mounts/%s", s->layerdb, id);
	snprintf(p, sizeof(p), "%s/mount-id", m);
	if ((r = ovl__read_value(p, out->mount_id, sizeof(out->mount_id), err)))
		return r;
	if (!*out->mount_id || strchr(out->mount_id, '/') || out->mount_id[0] == '.')
		return ovl_err_set(err, EINVAL, "%s: not a layer directory name", p);
	snprintf(p, sizeof(p), "%s/init-id", m);
	if ((r = ovl__read_value(p, out->init_id, sizeof(out->init_id), err)))
		return r;
	snprintf(p, sizeof(p), "%s/parent", m);
	if ((r = ovl__read_value(p, v, sizeof(v), err)))
		return r;
	if (ovl_digest_parse(v, &out->parent))
		return ovl_err_set(err, EINVAL, "%s: not a digest", p);
	snprintf(out->upper, sizeof(out->upper), "%s/%s/diff", s->overlay, out->mount_id);
	snprintf(out->merged, sizeof(out->merged), "%s/%s/merged", s->overlay, out->mount_id);
	return 0;
}

void ovl_container_dirs_free(struct ovl_container_dirs *d)
{
	if (!d)
		return;
	ovl_strv_free(d->lowers, d->nlowers);
	d->lowers = NULL;
	d->nlowers = 0;
}

int ovl_store_container_dirs(struct ovl_store *s, const char *id, struct ovl_container_dirs *out,
			     struct ovl_err *err)
{
	struct ovl_container_info c;
	struct ovl_layer_info li;
	struct ovl_digest chain;
	char dir[PATH_MAX + 8];
	int r = ovl_store_container_get(s, id, &c, err);

	*out = (struct ovl_container_dirs){ .lowers = NULL };
	if (r)
		return r;
	if (ovl_fmt(out->upper, sizeof(out->upper), "%s/%s/diff", s->overlay, c.mount_id) ||
	    ovl_fmt(out->work, sizeof(out->work), "%s/%s/work", s->overlay, c.mount_id) ||
	    ovl_fmt(dir, sizeof(dir), "%s/%s/diff", s->overlay, c.init_id))
		return ovl_err_set(err, ENAMETOOLONG, "%s: the store's paths are too long", s->overlay);
	r = ovl_strv_push(&out->lowers, &out->nlowers, dir);
	if (r)
		r = ovl_err_set(err, r, "out of memory");
	/* init layer + at most MAX_DEPTH image layers, as Docker allows */
	for (chain = c.parent; !r;) {
		r = ovl_store_layer_get(s, &chain, &li, err);
		if (r)
			break;
		if (out->nlowers > MAX_DEPTH) {
			r = ovl_err_set(err, ELOOP, "container %s: more than %d layers below it", id, MAX_DEPTH);
			break;
		}
		if (ovl_store_layer_dir(s, li.cache_id, dir, sizeof(dir) - 5) ||
		    ovl_fmt(dir + strlen(dir), 6, "/diff")) {
			r = ovl_err_set(err, ENAMETOOLONG, "%s: the store's paths are too long", s->overlay);
			break;
		}
		r = ovl_strv_push(&out->lowers, &out->nlowers, dir);
		if (r)
			r = ovl_err_set(err, r, "out of memory");
		if (!li.has_parent)
			break;
		chain = li.parent;
	}
	if (r)
		ovl_container_dirs_free(out);
	return r;
}

/*
 * Mount layer id's union (its lower file's layers under its diff) on merged,
 * as Docker's driver Get() does. *relative says whether the long-option
 * fallback was taken (may be NULL).
 */
static int mount_layer(struct ovl_store *s, const char *id, const char *merged, bool *relative, struct ovl_err *err)
{
	struct ovl_buf o = OVL_BUF_INIT;
	char lowerf[PATH_MAX + 128], *lower = NULL, *opts;
	long page = sysconf(_SC_PAGESIZE);
	bool rel = false;
	int r = 0, status = 0;
	pid_t pid;

	snprintf(lowerf, sizeof(lowerf), "%s/%s/lower", s->overlay, id);
	if ((r = ovl_read_file(lowerf, &lower, NULL, 1 << 16)))
		return ovl_err_set(err, r, "%s: %s", lowerf, strerror(-r));
	if (access("/sys/module/overlay/parameters/index", F_OK) == 0)
		ovl_buf_puts(&o, "index=off,");
	ovl_buf_puts(&o, "lowerdir=");
	for (char *l = lower, *e; *l; l = *e ? e + 1 : e) {
		e = strchrnul(l, ':');
		ovl_buf_printf(&o, "%s%s/%.*s", l == lower ? "" : ":", s->overlay, (int)(e - l), l);
	}
	ovl_buf_printf(&o, ",upperdir=%s/%s/diff,workdir=%s/%s/work", s->overlay, id, s->overlay, id);
	if (o.len > (size_t)page - 1) {
		/* Docker's fallback: the same, relative to overlay2/. */
		ovl_buf_free(&o);
		if (access("/sys/module/overlay/parameters/index", F_OK) == 0)
			ovl_buf_puts(&o, "index=off,");
		ovl_buf_printf(&o, "lowerdir=%s,upperdir=%s/diff,workdir=%s/work", lower, id, id);
		rel = true;
		if (o.len > (size_t)page - 1) {
			free(lower);
			ovl_buf_free(&o);
			return ovl_err_set(err, E2BIG, "cannot mount layer, mount label too large");
		}
	}
	free(lower);
	opts = ovl_buf_steal(&o);
	if (!opts)
		return ovl_err_set(err, ENOMEM, "out of memory");
	if (mkdir(merged, 0700) && errno != EEXIST) {
		r = ovl_err_set(err, errno, "%s: %m", merged);
		free(opts);
		return r;
	}
	/* In a child, so that the working directory of the caller stays. */
	pid = fork();
	if (pid == 0) {
		if (chdir(s->overlay) || mount("overlay", merged, "overlay", 0, opts))
			_exit(errno ? errno : 1);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		int e = pid < 0 ? errno : WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;

		r = ovl_err_set(err, e, "mount -t overlay -o %s overlay %s: %s", opts, merged, strerror(e));
		rmdir(merged);
	}
	free(opts);
	if (!r && relative)
		*relative = rel;
	return r;
}

int ovl_store_container_mount(struct ovl_store *s, const char *id, bool *relative, struct ovl_err *err)
{
	struct ovl_container_info c;
	int r = ovl_store_container_get(s, id, &c, err);

	return r ? r : mount_layer(s, c.mount_id, c.merged, relative, err);
}

int ovl_store_container_umount(struct ovl_store *s, const char *id, struct ovl_err *err)
{
	struct ovl_container_info c;
	int r = ovl_store_container_get(s, id, &c, err);

	if (r)
		return r;
	if (umount2(c.merged, 0))
		return ovl_err_set(err, errno, "umount %s: %m", c.merged);
	/* merged exists only while mounted, as in Docker. */
	rmdir(c.merged);
	return 0;
}

int ovl_store_container_commit(struct ovl_store *s, const char *id, const struct ovl_image_opts *opts,
			       const char *ref, struct ovl_digest *image_id, struct ovl_layer_info *layer,
			       struct ovl_err *err)
{
	struct ovl_container_info c;
	char tmp[PATH_MAX + 64];
	struct ovl_digest d;
	int fd, r = ovl_store_container_get(s, id, &c, err);

	if (r)
		return r;
	/* The layer tar goes through a file beside the layerdb, then in as any layer. */
	snprintf(tmp, sizeof(tmp), "%s/tmp/commit-XXXXXX", s->layerdb);
	fd = mkstemp(tmp);
	if (fd < 0)
		return ovl_err_set(err, errno, "%s: %m", tmp);
	if (ovl_store_commits_naive(s)) {
		/* as Docker on this kernel: the changes against the image's view (over its init layer) */
		struct ovl_container_dirs cd = { 0 };
		char stage[PATH_MAX + 64];

		snprintf(stage, sizeof(stage), "%s.stage", tmp);
		r = ovl_store_container_dirs(s, id, &cd, err);
		if (!r)
			r = ovl_layer_commit_naive(cd.upper, (const char *const *)cd.lowers, cd.nlowers, stage, fd, &d, NULL,
						   err);
		ovl_container_dirs_free(&cd);
	} else {
		r = ovl_layer_commit(c.upper, fd, &d, NULL, err);
	}
	if (!r && lseek(fd, 0, SEEK_SET) < 0)
		r = ovl_err_set(err, errno, "%s: %m", tmp);
	if (!r)
		r = ovl_store_layer_import(s, &c.parent, fd, tmp, layer, err);
	close(fd);
	unlink(tmp);
	if (!r) {
		/* docker commit records the container's image as the new one's parent */
		struct ovl_image_opts o = opts ? *opts : (struct ovl_image_opts){ 0 };
		struct ovl_image_info *is = NULL;
		struct ovl_digest parent;
		size_t ni = 0, hits = 0;

		if (!o.parent && ovl_store_images(s, &is, &ni, NULL) == 0) {
			for (size_t i = 0; i < ni; i++)
				if (is[i].has_layers && ovl_digest_equal(&is[i].top, &c.parent) && hits++ == 0)
					parent = is[i].id;
			if (hits == 1)
				o.parent = &parent;
		}
		free(is);
		r = ovl_store_image_create(s, &layer->chain_id, &o, image_id, err);
	}
	if (!r && ref)
		r = ovl_store_tag(s, ref, image_id, err);
	return r;
}

void ovl_store_set_diff_mode(struct ovl_store *s, enum ovl_diff_mode mode)
{
	s->diff_mode = mode;
}

bool ovl_store_commits_naive(const struct ovl_store *s)
{
	return s->diff_mode == OVL_DIFF_NAIVE || (s->diff_mode == OVL_DIFF_AUTO && ovl_store_naive_diff(NULL, 0));
}
