// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ovl-common.h"

const char *const ovl_program_dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin",
					  "/usr/local/bin", NULL };

int ovl_find_program(const char *name, char *out, size_t len)
{
	if (!*name || strchr(name, '/'))
		return -EINVAL;
	for (const char *const *d = ovl_program_dirs; *d; d++)
		if (ovl_fmt(out, len, "%s/%s", *d, name) == 0 && access(out, X_OK) == 0)
			return 0;
	return -ENOENT;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ovl_run_program(const char *const argv[], const char *const env[], unsigned int timeout, FILE *log,
		    char **out, int *status)
{
	struct ovl_buf b = OVL_BUF_INIT;
	double t0 = now(), end = t0 + timeout;
	int pfd[2], r = 0;
	pid_t pid;

	if (out)
		*out = NULL;
	*status = 0;
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	if (log)
		fflush(log);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		for (const char *const *e = env; e && *e; e++)
			putenv((char *)*e);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		int left = (int)((end - now()) * 1000);
		char chunk[4096];
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			ovl_buf_printf(&b, "\n[killed after %u s]\n", timeout);
			r = -ETIMEDOUT;
			break;
		}
		if (poll(&p, 1, left < 200 ? left : 200) <= 0)
			continue;
		n = read(pfd[0], chunk, sizeof(chunk) - 1);
		if (n <= 0)
			break;
		chunk[n] = 0;
		if (b.len < (16u << 20))
			ovl_buf_puts(&b, chunk);
	}
	close(pfd[0]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	if (log) {
		fprintf(log, "$");
		for (const char *const *a = argv; *a; a++)
			fprintf(log, " %s", *a);
		fprintf(log, "   [%.3f s]\n%.*s%s", now() - t0, (int)(b.len > 4096 ? 4096 : b.len), b.data ? b.data : "",
			b.len > 4096 ? "\n[... cut]\n" : "");
		fflush(log);
	}
	if (out)
		*out = ovl_buf_steal(&b);
	else
		ovl_buf_free(&b);
	return r;
}
