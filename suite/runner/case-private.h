/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/runner/case-private.h - what the files of one case's run share: the
 * case while it runs, and the steps over it.
 */
#ifndef OVL_CASE_PRIVATE_H
#define OVL_CASE_PRIVATE_H

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
#include <sys/resource.h>
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

/* A case while it runs, and what the runner learns of it besides its checks. */
struct case_watch {
	struct ovl_ctx ctx;
	FILE *log;
	pid_t pid;
	int pfd;			/* the read end of the records pipe */
	int pidfd;
	int nsfd;			/* the case's mount namespace, pinned (N record) */
	int status;
	long taint0;
	unsigned int timeout;
	double t0, killed_at;
	enum ovl_outcome early;		/* E record */
	char why[1024];
	char linebuf[8192];
	size_t linelen;
	char **left_in_ns;		/* L records */
	size_t nleft_in_ns;
	bool open_pipe, exited;
	struct rusage ru;		/* of the case's processes, once it exited */
	/* The kernel's health while it ran (read by the runner for the cases running then). */
	struct ovl_buf klog;		/* kernel log lines */
	char klog_others[512];		/* other cases running when a WARN/BUG line came */
	long taint_to;			/* the taint it changed to, or taint0 */
	unsigned int fs_bit;		/* its backing filesystem's OVL_FS_* bit */
	size_t job;			/* its place in the run (the KTAP number - 1) */
};

/* Shared by the files of this folder only (not part of the interface). */
/* The inode of a process's namespace ns ("mnt"), or 0. */
unsigned long long runner_ns_inode(pid_t pid, const char *ns);
int runner_spawn_case(struct run_state *st, const struct ovl_case *c, const struct ovl_backing *b,
		      struct ovl_case_result *r, struct case_watch *w);
/* The fds to poll for w (at most 2) into p; their count. */
int runner_watch_pollfds(const struct case_watch *w, struct pollfd *p);
/*
 * Take what w's pipe has, see whether it exited, enforce its timeout and a
 * stop signal. true when the case is over (its fds closed, its process
 * group killed).
 */
bool runner_watch_step(struct case_watch *w, struct ovl_case_result *r);
/* Spawn c on b (NULL: the result says why not); runner_case_finish() when runner_watch_step() says done. */
struct case_watch *runner_case_start(struct run_state *st, const struct ovl_case *c, const struct ovl_backing *b,
				     struct ovl_case_result *r);
void runner_case_finish(struct run_state *st, struct case_watch *w, struct ovl_case_result *r);
void runner_check_kernel_health(struct run_state *st, struct case_watch *w, struct ovl_case_result *r);
void runner_check_leftovers(struct case_watch *w, struct ovl_case_result *r);
void runner_verdict_from_records(struct case_watch *w, struct ovl_case_result *r);

#endif
