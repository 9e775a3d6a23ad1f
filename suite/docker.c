// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE
#include "docker.h"

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

#include "util.h"

#define DOCKER_HOST "unix:///run/ovlconform-docker/docker.sock"

static const char *first_exe(const char *const *cands)
{
	for (; *cands; cands++)
		if (access(*cands, X_OK) == 0)
			return *cands;
	return NULL;
}

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
	static const char *const dockerds[] = { "/usr/sbin/dockerd", "/usr/bin/dockerd", NULL };
	static const char *const dockers[] = { "/usr/bin/docker", "/usr/local/bin/docker", NULL };
	char up[PATH_MAX + 32], work[PATH_MAX + 32], opts[3 * PATH_MAX];
	struct timespec t0, now;
	int fd;

	memset(d, 0, sizeof(*d));
	d->dockerd = first_exe(dockerds);
	d->docker = first_exe(dockers);
	if (!d->dockerd || !d->docker)
		ovl_conf(ctx, "%s not found (Debian package docker.io)", d->dockerd ? "the docker client" : "dockerd");
	if (access("/bin/busybox", X_OK))
		ovl_conf(ctx, "/bin/busybox not found: the test image needs a static busybox (Debian "
			 "package busybox-static)");
	/*
	 * /proc of the case's own PID namespace (containerd's shim writes
	 * /proc/<its pid>/oom_score_adj), and /run and /etc of this namespace only.
	 */
	ovl_private_mount(ctx, "proc", "/proc", "proc", "nosuid,nodev,noexec");
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
