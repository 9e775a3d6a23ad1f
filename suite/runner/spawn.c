// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner/spawn.c - a case spawned into its own process group, mount
 * and PID namespaces (the body runs as PID 2 under a reaper that is PID 1
 * there; both die with the runner), and its records collected until it ends,
 * with its timeout enforced.
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

unsigned long long runner_ns_inode(pid_t pid, const char *ns)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	return stat(path, &st) ? 0 : (unsigned long long)st.st_ino;
}

/* Take one record of the case (record.h) into its result. */
static void take_record(struct ovl_case_result *r, const struct ovl_rec *rec, enum ovl_outcome *early,
			char *early_why, size_t why_len)
{
	int o;

	switch (rec->kind) {
	case OVL_REC_OP:
		r->nops++;
		return;
	case OVL_REC_TABLE: {
		/* kept as "table\trow" */
		char row[OVL_REC_MAX];

		snprintf(row, sizeof(row), "%s\t%s", rec->word, rec->text);
		ovl_strv_push(&r->rows, &r->nrows, row);
		return;
	}
	case OVL_REC_DIAG:
		if (r->nchecks)
			ovl_strv_push(&r->checks[r->nchecks - 1].diag, &r->checks[r->nchecks - 1].ndiag, rec->text);
		else
			ovl_strv_push(&r->diag, &r->ndiag, rec->text);
		return;
	case OVL_REC_CHECK:
	case OVL_REC_END:
		o = ovl_outcome_parse(rec->word);
		if (o < 0)
			return;
		if (rec->kind == OVL_REC_CHECK) {
			struct ovl_check_result *nc = realloc(r->checks, (r->nchecks + 1) * sizeof(*nc));

			if (!nc)
				return;
			r->checks = nc;
			nc[r->nchecks] = (struct ovl_check_result){ .name = strdup(rec->text), .outcome = o };
			if (nc[r->nchecks].name)
				r->nchecks++;
		} else {
			*early = (enum ovl_outcome)o;
			snprintf(early_why, why_len, "%s", rec->text);
		}
		return;
	case OVL_REC_NS:
	case OVL_REC_LEFT:
		return; /* the runner's own, taken where the pipe is read */
	}
}

/*
 * Hold the case's mount namespace open while the runner looks at it: its
 * inode number cannot be handed to another namespace meanwhile. -1 when
 * the child is gone already or the number does not match.
 */
static int pin_mntns(pid_t pid, unsigned long long want)
{
	char path[64];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) || (unsigned long long)st.st_ino != want)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Mounts left below the case's dir in this namespace: one "L path" record each. */
static void report_leftover_mounts(struct ovl_ctx *ctx)
{
	char **left = NULL;
	size_t n = 0;

	if (ovl_mounts_under(ctx->root, &left, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		ovl_rec_write(ctx->rec_fd, OVL_REC_LEFT, NULL, left[i]);
	}
	ovl_strv_free(left, n);
}

static void __attribute__((noreturn)) child_fail(int fd, const char *what)
{
	char why[512];

	snprintf(why, sizeof(why), "%s: %s", what, strerror(errno));
	ovl_rec_write(fd, OVL_REC_END, ovl_outcome_name(OVL_BROK), why);
	_exit(1);
}

/*
 * The child side, made by clone() in new mount and PID namespaces: it is
 * PID 1 there, an init that only reaps; the case body runs as PID 2, so the
 * case sees ordinary signal semantics (PID 1 ignores signals it has no
 * handler for). When the body ends, init reports how and exits, and the
 * kernel kills whatever else the case left in its PID namespace.
 */
static void __attribute__((noreturn)) case_child(struct ovl_ctx *ctx, pid_t runner, const char *const *others,
						 size_t nothers)
{
	pid_t body, w;
	int status = 0;
	char rec[256];

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != 0 && getppid() != runner)
		_exit(1);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		child_fail(ctx->rec_fd, "making / private in the case's mount namespace");
	/*
	 * The copy of the other backing filesystems in this namespace would keep
	 * them mounted (and their loop devices attached) after the runner tears
	 * one down while this case runs: let go of them here.
	 */
	for (size_t i = 0; i < nothers; i++)
		if (others[i])
			umount2(others[i], MNT_DETACH);
	{
		struct stat ns;

		/* /proc is still the runner's until ours is mounted: self, not a pid */
		snprintf(rec, sizeof(rec), "%llu",
			 stat("/proc/self/ns/mnt", &ns) ? 0ULL : (unsigned long long)ns.st_ino);
	}
	ovl_rec_write(ctx->rec_fd, OVL_REC_NS, NULL, rec);
	/* a /proc that shows this namespace's pids */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		child_fail(ctx->rec_fd, "mounting /proc for the case's PID namespace");
	body = fork();
	if (body < 0)
		child_fail(ctx->rec_fd, "fork");
	if (body == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (chdir(ctx->root))
			child_fail(ctx->rec_fd, "chdir to the case dir");
		ovl_ctx_run_case(ctx);
	}
	while ((w = wait(&status)) != body)
		if (w < 0 && errno != EINTR)
			_exit(1);
	/* The harness unmounts what it mounted; anything still here is a leftover. */
	if (WIFEXITED(status))
		report_leftover_mounts(ctx);
	if (WIFSIGNALED(status)) {
		snprintf(rec, sizeof(rec), "the case process was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
		ovl_rec_write(ctx->rec_fd, OVL_REC_END, ovl_outcome_name(OVL_BROK), rec);
		_exit(1);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/* Close every fd from 3 on but a and b. */
static void close_all_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 3)
		close_range(3, (unsigned int)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned int)lo + 1, (unsigned int)hi - 1, 0);
	close_range((unsigned int)hi + 1, ~0U, 0);
}

/* Log, scratch dir, pipe; fork the case (case_child). 0, or the result says BROK. */
int runner_spawn_case(struct run_state *st, const struct ovl_case *c, const struct ovl_backing *b,
		      struct ovl_case_result *r, struct case_watch *w)
{
	char id[256], logpath[PATH_MAX];
	int pfd[2];
	pid_t runner = getpid();

	ovl_case_id(c, id, sizeof(id));
	ovl_fmt(r->log, sizeof(r->log), "logs/%s/%s.log", b->name, id);
	ovl_fmt(logpath, sizeof(logpath), "%s/%s", st->run_dir, r->log);
	w->log = fopen(logpath, "w");
	if (!w->log) {
		runner_set_outcome(r, OVL_BROK, "cannot write the case log %s: %s", logpath, strerror(errno));
		return -1;
	}
	setvbuf(w->log, NULL, _IOLBF, 0);
	fprintf(w->log, "case %s on %s, target %s\npurpose: %s\n", id, b->name, st->opts->target->name,
		c->purpose);
	if (ovl_fmt(w->ctx.root, sizeof(w->ctx.root), "%s/%s", b->mnt, id) || mkdir(w->ctx.root, 0755)) {
		runner_set_outcome(r, OVL_BROK, "mkdir %s: %s", w->ctx.root, strerror(errno ? errno : ENAMETOOLONG));
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		runner_set_outcome(r, OVL_BROK, "pipe: %s", strerror(errno));
		return -1;
	}
	/* what came before the case is the doing of those running then (runner_read_kernel) */
	runner_read_kernel(st);
	w->taint0 = w->taint_to = st->taint;
	w->fs_bit = b->bit;
	fflush(NULL);
	fflush(stderr);
	/* fork(), straight into the case's own mount and PID namespaces */
	w->pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWNS | CLONE_NEWPID | SIGCHLD), NULL, NULL, NULL, 0UL);
	if (w->pid < 0) {
		runner_set_outcome(r, OVL_BROK, "clone(CLONE_NEWNS|CLONE_NEWPID): %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (w->pid == 0) {
		/*
		 * Only stdio, its records pipe and its log: not the run's lock (a
		 * child that outlives a killed runner must not keep its run looking
		 * alive), nor what the runner holds of the other cases running (a
		 * pinned mount namespace would keep their filesystem busy).
		 */
		close_all_but(pfd[1], fileno(w->log));
		w->ctx.rec_fd = pfd[1];
		w->ctx.log = w->log;
		{
			const char *others[OVL_NR_BACKING];
			size_t n = 0;

			for (int k = 0; k < OVL_NR_BACKING; k++)
				if (st->backing_mnts[k] && strcmp(st->backing_mnts[k], b->mnt) != 0)
					others[n++] = st->backing_mnts[k];
			case_child(&w->ctx, runner, others, n);
		}
	}
	setpgid(w->pid, w->pid);
	close(pfd[1]);
	w->pfd = pfd[0];
	/* the runner reads several cases' pipes in turn: never wait on one */
	fcntl(w->pfd, F_SETFL, fcntl(w->pfd, F_GETFL) | O_NONBLOCK);
	w->open_pipe = true;
	w->pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	return 0;
}

/* Take what the pipe has now: whole lines as records (record.h). false at its end. */
static bool read_records(struct case_watch *w, struct ovl_case_result *r)
{
	for (;;) {
		ssize_t n = read(w->pfd, w->linebuf + w->linelen, sizeof(w->linebuf) - 1 - w->linelen);
		char *s = w->linebuf, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false;
	w->linelen += (size_t)n;
	w->linebuf[w->linelen] = 0;
	while ((nl = strchr(s, '\n'))) {
		struct ovl_rec rec;

		*nl = 0;
		if (ovl_rec_parse(s, &rec) == 0) {
			if (rec.kind == OVL_REC_NS && w->nsfd < 0)
				w->nsfd = pin_mntns(w->pid, strtoull(rec.text, NULL, 10));
			else if (rec.kind == OVL_REC_LEFT)
				ovl_strv_push(&w->left_in_ns, &w->nleft_in_ns, rec.text);
			else
				take_record(r, &rec, &w->early, w->why, sizeof(w->why));
		}
		s = nl + 1;
	}
	w->linelen = strlen(s);
	memmove(w->linebuf, s, w->linelen + 1);
	if (w->linelen == sizeof(w->linebuf) - 1)
		w->linelen = 0; /* an overlong record: drop it */
	}
}

int runner_watch_pollfds(const struct case_watch *w, struct pollfd *p)
{
	int n = 0;

	if (w->open_pipe)
		p[n++] = (struct pollfd){ w->pfd, POLLIN, 0 };
	if (w->pidfd >= 0 && !w->exited)
		p[n++] = (struct pollfd){ w->pidfd, POLLIN, 0 };
	return n;
}

/*
 * One step of watching a case: its records, its exit; kill its process
 * group on a timeout or a stop signal, and give up on it when it does not
 * die within KILL_GRACE_S of that.
 */
bool runner_watch_step(struct case_watch *w, struct ovl_case_result *r)
{
	double now = runner_now();

	if (runner_stop_signal && !w->killed_at && !w->exited) {
		kill(-w->pid, SIGKILL);
		w->killed_at = now;
		runner_set_outcome(r, OVL_BROK, "the run was interrupted by signal %d", (int)runner_stop_signal);
	}
	if (now >= w->t0 + w->timeout && !w->killed_at && !w->exited) {
		kill(-w->pid, SIGKILL);
		w->killed_at = now;
		r->timed_out = true;
		runner_set_outcome(r, OVL_FAIL, "timed out after %u s; its process group was killed", w->timeout);
	}
	if (w->killed_at && now - w->killed_at > KILL_GRACE_S) {
		/* Unkillable: stuck in the kernel. Say so and go on; teardown will tell the rest. */
		runner_set_outcome(r, OVL_FAIL, "%s; the case did not die within %d s of SIGKILL (stuck "
			    "in the kernel?)", r->timed_out ? "timed out" : "killed", KILL_GRACE_S);
		ovl_strv_push(&r->diag, &r->ndiag, r->reason);
	} else {
		if (w->open_pipe)
			w->open_pipe = read_records(w, r);
		if (!w->exited && wait4(w->pid, &w->status, WNOHANG, &w->ru) == w->pid)
			w->exited = true;
		if (w->open_pipe || !w->exited)
			return false;
	}
	if (w->pidfd >= 0)
		close(w->pidfd);
	w->pidfd = -1;
	close(w->pfd);
	kill(-w->pid, SIGKILL); /* nothing of the case's group may outlive it */
	return true;
}
