// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE
#include "docker.h"
#include "ovl-store.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <poll.h>
#include <dirent.h>
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

#define DOCKER_SOCK "/run/ovlconform-docker/docker.sock"
#define DOCKER_HOST "unix://" DOCKER_SOCK

int ovl_docker_argv(struct ovl_ctx *ctx, struct ovl_dockerd *d, char **out, const char *const *args)
{
	const char *argv[64], *env[3];
	char cfg[PATH_MAX + 32];
	size_t n = 0;

	argv[n++] = d->docker;
	for (; n < 63 && args[n - 1]; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	snprintf(cfg, sizeof(cfg), "DOCKER_CONFIG=%s/docker-cli", ovl_case_dir(ctx));
	env[0] = "DOCKER_HOST=" DOCKER_HOST;
	env[1] = cfg;
	env[2] = NULL;
	return ovl_exec(ctx, argv, env, 120, out);
}

int ovl_docker(struct ovl_ctx *ctx, struct ovl_dockerd *d, char **out, ...)
{
	const char *args[64];
	size_t n = 0;
	va_list ap;

	va_start(ap, out);
	for (const char *a; n < 63 && (a = va_arg(ap, const char *));)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	return ovl_docker_argv(ctx, d, out, args);
}

int ovl_docker_parallel(struct ovl_ctx *ctx, struct ovl_dockerd *d, size_t n, const char *const *const *cmds)
{
	pid_t pids[64];
	int first = 0;

	if (n > 64)
		ovl_brok(ctx, "ovl_docker_parallel: %zu commands, at most 64", n);
	fflush(NULL); /* nothing buffered twice */
	for (size_t i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			ovl_brok(ctx, "fork: %s", strerror(errno));
		if (pids[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			_exit(ovl_docker_argv(ctx, d, NULL, cmds[i]) & 0xff);
		}
	}
	for (size_t i = 0; i < n; i++) {
		int status = 0;

		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!first)
			first = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	return first;
}

/* The daemon answers GET /_ping on its socket (a bare HTTP/1.0 exchange: cheaper than the client). */
static bool dockerd_answers(char *server, size_t len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static const char req[] = "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
	char buf[2048];
	size_t got = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = false;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", DOCKER_SOCK);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && ovl_write_all(fd, req, sizeof(req) - 1) == 0) {
		struct pollfd p = { fd, POLLIN, 0 };

		while (got < sizeof(buf) - 1 && poll(&p, 1, 1000) > 0) {
			ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
		buf[got] = 0;
		ok = strncmp(buf, "HTTP/1.", 7) == 0 && strstr(buf, " 200 ") && strstr(buf, "\r\n\r\nOK");
		if (ok) {
			const char *v = strstr(buf, "\r\nServer: ");

			snprintf(server, len, "%.*s", v ? (int)strcspn(v + 10, "\r") : 1, v ? v + 10 : "?");
		}
	}
	close(fd);
	return ok;
}

void ovl_dockerd_start(struct ovl_ctx *ctx, struct ovl_dockerd *d)
{
	ovl_dockerd_start_at(ctx, d, NULL);
}

void ovl_dockerd_start_at(struct ovl_ctx *ctx, struct ovl_dockerd *d, const char *root)
{
	static bool ns_ready;	/* this case process's /run and /etc are set up (a second dockerd reuses them) */
	char server[128] = "";
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
	if (!ns_ready) {
		ovl_private_mount(ctx, "ovlconform-run", "/run", "tmpfs", "mode=0755,size=64m");
		snprintf(up, sizeof(up), "%s/etc-upper", ovl_case_dir(ctx));
		snprintf(work, sizeof(work), "%s/etc-work", ovl_case_dir(ctx));
		if (ovl_mkdir_p(up, 0755) || ovl_mkdir_p(work, 0755))
			ovl_brok(ctx, "mkdir %s: %s", up, strerror(errno));
		snprintf(opts, sizeof(opts), "lowerdir=/etc,upperdir=%s,workdir=%s", up, work);
		ovl_private_mount(ctx, "ovlconform-etc", "/etc", "overlay", opts);
		ns_ready = true;
	} else if (ovl_remove_tree("/run/ovlconform-docker") && errno != ENOENT) {
		/* the last dockerd's exec root, pid file and socket */
		ovl_brok(ctx, "removing /run/ovlconform-docker: %s", strerror(errno));
	}
	if (mkdir("/run/ovlconform-docker", 0700))
		ovl_brok(ctx, "mkdir /run/ovlconform-docker: %s", strerror(errno));
	if (root)
		snprintf(d->root, sizeof(d->root), "%s", root);
	else
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
		if (dockerd_answers(server, sizeof(server)))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 60) {
			ovl_dockerd_stop(ctx, d);
			ovl_brok(ctx, "dockerd did not answer within 60 s (log: %s)", d->log);
		}
		usleep(20000);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	ovl_log(ctx, "dockerd %d (%s) up on %s after %.2f s, data root %s", (int)d->pid, server, DOCKER_HOST,
		(double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9, d->root);
}

/* The containerd dockerd started (its child of that name), or 0. */
static pid_t containerd_of(pid_t dockerd)
{
	char path[64], *s = NULL;
	pid_t found = 0;
	DIR *dir;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)dockerd, (int)dockerd);
	if (ovl_read_file(path, &s, NULL, 1 << 16) == 0) {
		for (char *t = strtok(s, " \n"); t && !found; t = strtok(NULL, " \n")) {
			char comm[64] = "", *c = NULL;

			snprintf(path, sizeof(path), "/proc/%s/comm", t);
			if (ovl_read_file(path, &c, NULL, 64) == 0) {
				snprintf(comm, sizeof(comm), "%.*s", (int)strcspn(c, "\n"), c);
				free(c);
			}
			if (strcmp(comm, "containerd") == 0)
				found = (pid_t)atoi(t);
		}
		free(s);
		return found;
	}
	/* no children file (CONFIG_PROC_CHILDREN): look through /proc */
	dir = opendir("/proc");
	while (dir && !found && (de = readdir(dir))) {
		char *st = NULL, *p;

		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (atoi(de->d_name) <= 0 || ovl_read_file(path, &st, NULL, 4096))
			continue;
		/* pid (comm) state ppid ... */
		p = strrchr(st, ')');
		if (p && strstr(st, "(containerd)") && atoi(p + 3) == (int)dockerd)
			found = (pid_t)atoi(de->d_name);
		free(st);
	}
	if (dir)
		closedir(dir);
	return found;
}

/* pid is running (not gone, not a zombie). */
static bool pid_alive(pid_t pid)
{
	char path[64], *st = NULL, *p;
	bool alive;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (ovl_read_file(path, &st, NULL, 4096))
		return false;
	p = strrchr(st, ')');
	alive = p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	free(st);
	return alive;
}

static bool shutdown_logged(const struct ovl_dockerd *d)
{
	char *log = NULL;
	bool done;

	if (ovl_read_file(d->log, &log, NULL, 64u << 20))
		return false;
	done = strstr(log, "Daemon shutdown complete") != NULL;
	free(log);
	return done;
}

void ovl_dockerd_stop(struct ovl_ctx *ctx, struct ovl_dockerd *d)
{
	struct timespec t0, now;
	int status;

	pid_t ctrd;

	if (d->pid <= 0)
		return;
	ctrd = containerd_of(d->pid);
	kill(d->pid, SIGTERM);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			break;
		/*
		 * Once its own shutdown is complete and its containerd has
		 * exited, dockerd only retries the containerd socket for a
		 * second before it exits: nothing is left to write.
		 */
		if (ctrd > 0 && !pid_alive(ctrd) && shutdown_logged(d)) {
			ovl_log(ctx, "dockerd %d: shutdown complete, containerd %d gone: SIGKILL", (int)d->pid, (int)ctrd);
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 30) {
			ovl_log(ctx, "dockerd %d ignored SIGTERM for 30 s: SIGKILL", (int)d->pid);
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			break;
		}
		usleep(10000);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	ovl_log(ctx, "dockerd %d stopped (status 0x%x) after %.2f s", (int)d->pid, status,
		(double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9);
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
	if (*tar && access(tar, F_OK) == 0)
		return tar; /* made already, by an earlier call of this case */
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
