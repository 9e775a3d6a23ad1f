// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner/health.c - after a case: the kernel's health (new WARN/BUG
 * lines in its log, a changed taint) and nothing of the case left behind
 * (no mount under its dir or in its namespace, no process holding it).
 */
#define _GNU_SOURCE
#include "runner.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/capability.h>
#include "descriptor.h"
#include "ovl-host.h"
#include "kmsg.h"
#include "record.h"
#include "matrix.h"
#include "result.h"
#include "ovl-common.h"
#include "runner-private.h"
#include "case-private.h"

/* Processes (other than the runner) in the pinned mount namespace nsfd; killed. */
static int kill_ns_holders(int nsfd, char *what, size_t len)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	struct stat ns;
	int n = 0;

	*what = 0;
	if (!d || fstat(nsfd, &ns)) {
		if (d)
			closedir(d);
		return 0;
	}
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);
		char comm[64] = "?", path[64], *s = NULL;

		if (pid <= 0 || pid == getpid() || runner_ns_inode(pid, "mnt") != (unsigned long long)ns.st_ino)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		if (ovl_read_file(path, &s, NULL, 64) == 0) {
			snprintf(comm, sizeof(comm), "%.*s", (int)strcspn(s, "\n"), s);
			free(s);
		}
		kill(pid, SIGKILL);
		if (n++ == 0)
			snprintf(what, len, "pid %d (%s)", (int)pid, comm);
	}
	closedir(d);
	return n;
}

/*
 * Read the kernel log and taint now, for every case running: with -j N a
 * line cannot be put down to one of them, and so counts against each (and
 * says who else ran). Lines while no case runs are nobody's (run.log).
 */
void runner_read_kernel(struct run_state *st)
{
	struct ovl_buf kbuf = OVL_BUF_INIT;
	long taint = ovl_kernel_taint();
	char others[512];
	size_t used = 0;

	ovl_kmsg_read(st->kmsg_fd, &kbuf);
	if (kbuf.data && *kbuf.data && st->nrunning == 0)
		fprintf(st->runlog, "kernel log between cases:\n%s", kbuf.data);
	*others = 0;
	for (size_t i = 0; i < st->nrunning && used < sizeof(others); i++)
		used += (size_t)snprintf(others + used, sizeof(others) - used, "%s%s:%s", i ? ", " : "",
					 st->running[i]->ctx.c->slug, st->running[i]->ctx.fs);
	for (size_t i = 0; i < st->nrunning; i++) {
		struct case_watch *w = st->running[i];

		if (kbuf.data && *kbuf.data) {
			ovl_buf_puts(&w->klog, kbuf.data);
			if (st->nrunning > 1 && !*w->klog_others &&
			    runner_klog_has_bad(kbuf.data))
				snprintf(w->klog_others, sizeof(w->klog_others), "%s", others);
		}
		if (taint != st->taint)
			w->taint_to = taint;
	}
	st->taint = taint;
	ovl_buf_free(&kbuf);
}

bool runner_klog_has_bad(const char *lines)
{
	char *copy = strdup(lines), *save = NULL;
	bool bad = false;

	for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l && !bad; l = strtok_r(NULL, "\n", &save))
		bad = ovl_kmsg_is_bad(l);
	free(copy);
	return bad;
}

/* The kernel's health: a WARN/BUG or a new taint fails the case, whatever its checks said. */
void runner_check_kernel_health(struct run_state *st, struct case_watch *w, struct ovl_case_result *r)
{
	(void)st;
	if (w->klog.data && *w->klog.data) {
		char *save = NULL;
		bool bad = false;

		fprintf(w->log, "--- kernel log during the case\n%s", w->klog.data);
		for (char *l = strtok_r(w->klog.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			if (!ovl_kmsg_is_bad(l))
				continue;
			ovl_strv_push(&r->diag, &r->ndiag, l);
			if (!bad) {
				runner_set_outcome(r, OVL_FAIL, "the kernel logged: %s", l);
			}
			bad = true;
		}
		if (bad && *w->klog_others) {
			char d[640];

			snprintf(d, sizeof(d), "logged while these cases ran at once (-j), any of which may be its cause: %s",
				 w->klog_others);
			ovl_strv_push(&r->diag, &r->ndiag, d);
		}
	}
	if (w->taint0 >= 0 && w->taint_to != w->taint0) {
		char d[128];

		snprintf(d, sizeof(d), "kernel taint changed from %ld to %ld", w->taint0, w->taint_to);
		ovl_strv_push(&r->diag, &r->ndiag, d);
		runner_set_outcome(r, OVL_FAIL, "%s", d);
	}
}

/* Nothing of the case may be left: no mount under its dir, no process in its namespace. */
void runner_check_leftovers(struct case_watch *w, struct ovl_case_result *r)
{
	char **left = NULL;
	size_t nleft = 0;

	if (ovl_mounts_under(w->ctx.root, &left, &nleft) == 0 && nleft) {
		char d[PATH_MAX + 64];

		snprintf(d, sizeof(d), "left mounted after the case: %s", left[0]);
		ovl_strv_push(&r->diag, &r->ndiag, d);
		for (size_t i = 0; i < nleft; i++)
			umount2(left[i], MNT_DETACH);
		if (r->outcome == OVL_PASS)
			runner_set_outcome(r, OVL_BROK, "%s", d);
	}
	ovl_strv_free(left, nleft);
	for (size_t i = 0; i < w->nleft_in_ns; i++) {
		char d[PATH_MAX + 64];

		snprintf(d, sizeof(d), "still mounted in the case's namespace when it ended: %s",
			 w->left_in_ns[i]);
		ovl_strv_push(&r->diag, &r->ndiag, d);
		if (r->outcome == OVL_PASS)
			runner_set_outcome(r, OVL_BROK, "%s", d);
	}
	if (w->nsfd >= 0) {
		char who[128], d[256];
		int n = kill_ns_holders(w->nsfd, who, sizeof(who));

		close(w->nsfd); /* unpinned: the namespace and its mounts can go runner_now */
		w->nsfd = -1;
		if (n) {
			snprintf(d, sizeof(d), "%d process%s outlived the case in its mount namespace, "
				 "first %s; killed", n, n == 1 ? "" : "es", who);
			ovl_strv_push(&r->diag, &r->ndiag, d);
			if (r->outcome == OVL_PASS)
				runner_set_outcome(r, OVL_BROK, "%s", d);
		}
	}
}
