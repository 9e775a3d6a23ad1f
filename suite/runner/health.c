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

/* The kernel's health: a WARN/BUG or a new taint fails the case, whatever its checks said. */
void runner_check_kernel_health(struct run_state *st, struct case_watch *w, struct ovl_case_result *r)
{
	struct ovl_buf kbuf = OVL_BUF_INIT;

	ovl_kmsg_read(st->kmsg_fd, &kbuf);
	if (kbuf.data && *kbuf.data) {
		char *save = NULL;
		bool bad = false;

		fprintf(w->log, "--- kernel log during the case\n%s", kbuf.data);
		for (char *l = strtok_r(kbuf.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			if (!ovl_kmsg_is_bad(l))
				continue;
			ovl_strv_push(&r->diag, &r->ndiag, l);
			if (!bad) {
				runner_set_outcome(r, OVL_FAIL, "the kernel logged: %s", l);
			}
			bad = true;
		}
	}
	ovl_buf_free(&kbuf);
	if (w->taint0 >= 0 && ovl_kernel_taint() != w->taint0) {
		char d[128];

		snprintf(d, sizeof(d), "kernel taint changed from %ld to %ld", w->taint0, ovl_kernel_taint());
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
