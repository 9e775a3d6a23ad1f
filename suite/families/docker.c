// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE
#include "docker.h"
#include "ovl-store.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "ovl-common.h"

#define DOCKER_HOST "unix:///run/ovlconform-docker/docker.sock"

int ovl_docker(struct ovl_ctx *ctx, struct ovl_dockerd *d, char **out, ...)
{
	const char *argv[64], *env[3];
	char cfg[PATH_MAX + 32];
	size_t n = 0;
	va_list ap;

	argv[n++] = d->docker;
	va_start(ap, out);
	for (const char *a; n < 63 && (a = va_arg(ap, const char *));)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	snprintf(cfg, sizeof(cfg), "DOCKER_CONFIG=%s/docker-cli", ovl_case_dir(ctx));
	env[0] = "DOCKER_HOST=" DOCKER_HOST;
	env[1] = cfg;
	env[2] = NULL;
	return ovl_exec(ctx, argv, env, 120, out);
}

void ovl_dockerd_start(struct ovl_ctx *ctx, struct ovl_dockerd *d)
{
	char up[PATH_MAX + 32], work[PATH_MAX + 32], opts[3 * PATH_MAX];
	struct timespec t0, now;
	int fd;

	memset(d, 0, sizeof(*d));
	/* the descriptor names them (OVL_DOCKER_PROGRAMS): the runner made sure they are here */
	d->dockerd = ovl_program(ctx, "dockerd");
	d->docker = ovl_program(ctx, "docker");
	/*
	 * /run and /etc of this namespace only. (The case has a /proc of its own
	 * PID namespace, which containerd's shim needs for its oom_score_adj.)
	 */
	ovl_private_mount(ctx, "ovlconform-run", "/run", "tmpfs", "mode=0755,size=64m");
	snprintf(up, sizeof(up), "%s/etc-upper", ovl_case_dir(ctx));
	snprintf(work, sizeof(work), "%s/etc-work", ovl_case_dir(ctx));
	if (ovl_mkdir_p(up, 0755) || ovl_mkdir_p(work, 0755))
		ovl_brok(ctx, "mkdir %s: %s", up, strerror(errno));
	snprintf(opts, sizeof(opts), "lowerdir=/etc,upperdir=%s,workdir=%s", up, work);
	ovl_private_mount(ctx, "ovlconform-etc", "/etc", "overlay", opts);
	if (mkdir("/run/ovlconform-docker", 0700))
		ovl_brok(ctx, "mkdir /run/ovlconform-docker: %s", strerror(errno));
	snprintf(d->root, sizeof(d->root), "%s/docker", ovl_case_dir(ctx));
	snprintf(d->log, sizeof(d->log), "%s/dockerd.log", ovl_case_dir(ctx));
	fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		ovl_brok(ctx, "%s: %s", d->log, strerror(errno));
	d->pid = fork();
	if (d->pid < 0)
		ovl_brok(ctx, "fork: %s", strerror(errno));
	if (d->pid == 0) {
		const char *argv[] = { d->dockerd, "--data-root", d->root, "--exec-root",
				       "/run/ovlconform-docker/exec", "-H", DOCKER_HOST,
				       "--pidfile", "/run/ovlconform-docker/dockerd.pid", "--storage-driver",
				       "overlay2", "--bridge=none", "--iptables=false", "--ip6tables=false",
				       "--ip-forward=false", "--ip-masq=false", NULL };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int status;

		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			char *log = NULL;

			d->pid = 0;
			ovl_read_file(d->log, &log, NULL, 1 << 20);
			ovl_log(ctx, "dockerd log:\n%s", log ? log : "");
			free(log);
			ovl_brok(ctx, "dockerd exited with status 0x%x before it came up (its log is in the case log)",
				 status);
		}
		if (access("/run/ovlconform-docker/docker.sock", F_OK) == 0 &&
		    ovl_docker(ctx, d, NULL, "version", "--format", "{{.Server.Version}}", NULL) == 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 60) {
			ovl_dockerd_stop(ctx, d);
			ovl_brok(ctx, "dockerd did not answer within 60 s (log: %s)", d->log);
		}
		usleep(100000);
	}
	ovl_log(ctx, "dockerd %d up on %s, data root %s", (int)d->pid, DOCKER_HOST, d->root);
}

void ovl_dockerd_stop(struct ovl_ctx *ctx, struct ovl_dockerd *d)
{
	struct timespec t0, now;
	int status;

	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 30) {
			ovl_log(ctx, "dockerd %d ignored SIGTERM for 30 s: SIGKILL", (int)d->pid);
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			break;
		}
		usleep(50000);
	}
	ovl_log(ctx, "dockerd %d stopped (status 0x%x)", (int)d->pid, status);
	d->pid = 0;
}

/* The base image's tree: busybox as /bin/sh, a few files to change later. */
const char *ovl_docker_base_tar(struct ovl_ctx *ctx)
{
	static char tar[PATH_MAX];
	char rootfs[PATH_MAX], p[PATH_MAX + 64];
	struct ovl_digest id;
	struct ovl_err err = { "" };
	size_t len = 0;
	char *bb;
	int fd;

	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", ovl_case_dir(ctx));
	snprintf(tar, sizeof(tar), "%s/base.tar", ovl_case_dir(ctx));
	snprintf(p, sizeof(p), "%s/bin", rootfs);
	if (ovl_mkdir_p(p, 0755))
		ovl_brok(ctx, "mkdir %s: %s", p, strerror(errno));
	bb = SAFE_READ_FILE(ctx, ovl_program(ctx, "busybox"), &len);
	snprintf(p, sizeof(p), "%s/bin/busybox", rootfs);
	fd = SAFE_OPEN(ctx, p, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (ovl_write_all(fd, bb, len) || fchmod(fd, 0755))
		ovl_brok(ctx, "write %s: %s", p, strerror(errno));
	close(fd);
	free(bb);
	snprintf(p, sizeof(p), "%s/bin/sh", rootfs);
	if (symlink("busybox", p))
		ovl_brok(ctx, "symlink %s: %s", p, strerror(errno));
	for (const char *const *f = (const char *const[]){ "etc/motd", "etc/issue", "data/keep", "data/sub/f", NULL };
	     *f; f++) {
		char dir[PATH_MAX + 64];

		snprintf(p, sizeof(p), "%s/%s", rootfs, *f);
		snprintf(dir, sizeof(dir), "%s", p);
		*strrchr(dir, '/') = 0;
		if (ovl_mkdir_p(dir, 0755) || ovl_write_file(p, *f, strlen(*f)))
			ovl_brok(ctx, "write %s: %s", p, strerror(errno));
	}
	fd = SAFE_OPEN(ctx, tar, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ovl_layer_commit(rootfs, fd, &id, NULL, &err))
		ovl_brok(ctx, "making the base image's tar: %s", err.msg);
	close(fd);
	return tar;
}


/* A layer tar as the library reads it back (ovl_layer_tar_tree()), in the canonical dump. */
char *ovl_tar_listing(struct ovl_ctx *ctx, const char *tar)
{
	struct ovl_tree *t = ovl_tar_tree(ctx, tar);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || ovl_tree_dump(t, 0, f))
		ovl_brok(ctx, "dumping the entries of %s", tar);
	fclose(f);
	ovl_tree_unref(t);
	return text;
}

struct ovl_tree *ovl_tar_tree(struct ovl_ctx *ctx, const char *tar)
{
	struct ovl_err err = { "" };
	struct ovl_tree *t = NULL;
	int fd = SAFE_OPEN(ctx, tar, O_RDONLY, 0);

	if (ovl_layer_tar_tree(fd, &t, &err))
		ovl_brok(ctx, "reading %s: %s", tar, err.msg);
	close(fd);
	return t;
}

char *ovl_layer_listing(struct ovl_ctx *ctx, struct ovl_store *s, const struct ovl_digest *chain, const char *name)
{
	char tar[PATH_MAX];
	struct ovl_digest d;
	struct ovl_err err = { "" };
	int fd;

	snprintf(tar, sizeof(tar), "%s/%s.tar", ovl_case_dir(ctx), name);
	fd = SAFE_OPEN(ctx, tar, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ovl_store_layer_export(s, chain, fd, &d, &err))
		ovl_brok(ctx, "exporting the %s layer: %s", name, err.msg);
	close(fd);
	return ovl_tar_listing(ctx, tar);
}
