/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/runner/runner-private.h - what the runner's files share.
 */
#ifndef OVL_RUNNER_PRIVATE_H
#define OVL_RUNNER_PRIVATE_H

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

/* The signal that stops the run (SIGINT, SIGTERM), or 0. */
extern volatile sig_atomic_t runner_stop_signal;

/* How long a case may take to die after SIGKILL before the runner gives up on it. */
#define KILL_GRACE_S 10

/* The state of a run, shared by its steps. */
struct run_state {
	const struct ovl_run_opts *opts;
	struct ovl_run_result *res;
	const struct ovl_case **sel;	/* the selection, in case order */
	size_t nsel;
	int kmsg_fd;
	int lock_fd;			/* held for the run; children must not keep it */
	FILE *runlog;			/* results/<id>/run.log */
	FILE *ktap;			/* the run's KTAP: stdout unless opts->ktap */
	struct ovl_devset *devs;	/* the target's known deviations */
	char devs_path[PATH_MAX];
	char target_version[128];	/* as the target reports it, or "" */
	char run_dir[PATH_MAX];		/* results/<id> */
	char scratch[PATH_MAX];		/* scratch/run-<id> */
	size_t total, done;
	bool privileged;		/* cases that need root can run */
	char priv_why[256];		/* why not */
	struct ovl_kconfig *kc;		/* the kernel config to judge by, or NULL and kc_why */
	char kc_why[1024];
	char kmsg_why[256];
	char release[256];		/* uname -r */
	double t0;
	unsigned int jobs;		/* cases at once (-j) */
	struct case_watch **running;	/* the cases running now */
	size_t nrunning;
	long taint;			/* the kernel's taint as last read */
	/* The backing filesystems mounted now, by kind: a case lets go of the others' (spawn.c). */
	const char *backing_mnts[OVL_NR_BACKING];
};

struct case_watch;
struct ovl_devset;
/* Read the kernel log and taint for the cases running now (health.c). */
void runner_read_kernel(struct run_state *st);
bool runner_klog_has_bad(const char *lines);

/* Shared by the files of this folder only (not part of the interface). */
double runner_now(void);
bool runner_have_caps(char *why, size_t len);
bool runner_needs_met(const struct ovl_case *c, const struct ovl_target *target, const struct ovl_backing *b,
		      const char *fixtures_dir,
		      bool privileged,
		      const char *priv_why, const struct ovl_kconfig *kc, const char *kc_why,
		      enum ovl_outcome *unmet, char *why, size_t len);
/* Set r's outcome and its reason. */
void runner_set_outcome(struct ovl_case_result *r, enum ovl_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
