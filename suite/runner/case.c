// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner/case.c - one case on one backing filesystem: spawned into its
 * own process group, mount and PID namespaces (the body runs as PID 2 under
 * a reaper; both die with the runner), its records collected, a timeout
 * enforced, then the verdict: its checks, the kernel's health (WARN/BUG
 * lines, taint), leftover mounts and processes, known deviations.
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

static unsigned long long ns_inode(pid_t pid, const char *ns)
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

		if (pid <= 0 || pid == getpid() || ns_inode(pid, "mnt") != (unsigned long long)ns.st_ino)
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
 * The child side. It enters new mount and PID namespaces; an init process
 * (PID 1 there) only reaps, and the case body runs as PID 2, so the case
 * sees ordinary signal semantics (PID 1 ignores signals it has no handler
 * for). When the body ends, init reports how and exits, and the kernel
 * kills whatever else the case left in its PID namespace.
 */
static void __attribute__((noreturn)) case_child(struct ovl_ctx *ctx, pid_t runner)
{
	pid_t init, body, w;
	int status = 0;
	char rec[256];

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != runner)
		_exit(1);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (unshare(CLONE_NEWNS | CLONE_NEWPID))
		child_fail(ctx->rec_fd, "unshare(CLONE_NEWNS|CLONE_NEWPID)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		child_fail(ctx->rec_fd, "making / private in the case's mount namespace");
	snprintf(rec, sizeof(rec), "%llu", ns_inode(getpid(), "mnt"));
	ovl_rec_write(ctx->rec_fd, OVL_REC_NS, NULL, rec);
	init = fork();
	if (init < 0)
		child_fail(ctx->rec_fd, "fork");
	if (init > 0) {
		while (waitpid(init, &status, 0) < 0 && errno == EINTR)
			;
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
	}
	/* PID 1 of the case's namespace, with a /proc that shows this namespace's pids. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
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
	bool fail_from_checks;		/* FAIL because checks failed (a known deviation may apply) */
};

/* Log, scratch dir, pipe; fork the case (case_child). 0, or the result says BROK. */
static int spawn_case(struct run_state *st, const struct ovl_case *c, const struct ovl_backing *b,
		      struct ovl_case_result *r, struct case_watch *w)
{
	char id[256], logpath[PATH_MAX];
	struct ovl_buf kbuf = OVL_BUF_INIT;
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
	ovl_kmsg_read(st->kmsg_fd, &kbuf); /* what came before the case is not its doing */
	ovl_buf_free(&kbuf);
	w->taint0 = ovl_kernel_taint();
	fflush(stdout);
	fflush(stderr);
	w->pid = fork();
	if (w->pid < 0) {
		runner_set_outcome(r, OVL_BROK, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (w->pid == 0) {
		close(pfd[0]);
		/* A child that outlives a killed runner must not keep its run looking alive. */
		if (st->lock_fd >= 0)
			close(st->lock_fd);
		if (st->kmsg_fd >= 0)
			close(st->kmsg_fd);
		w->ctx.rec_fd = pfd[1];
		w->ctx.log = w->log;
		case_child(&w->ctx, runner);
	}
	setpgid(w->pid, w->pid);
	close(pfd[1]);
	w->pfd = pfd[0];
	w->pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	return 0;
}

/* Take what the pipe has: whole lines as records (record.h). false at its end. */
static bool read_records(struct case_watch *w, struct ovl_case_result *r)
{
	ssize_t n = read(w->pfd, w->linebuf + w->linelen, sizeof(w->linebuf) - 1 - w->linelen);
	char *s = w->linebuf, *nl;

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
	return true;
}

/*
 * Collect the case's records until it has exited and closed the pipe; kill
 * its process group on a timeout or a stop signal, and give up on it when
 * it does not die within KILL_GRACE_S of that.
 */
static void watch_case(struct case_watch *w, struct ovl_case_result *r)
{
	double deadline = w->t0 + w->timeout;

	for (bool open_pipe = true, exited = false; open_pipe || !exited;) {
		struct pollfd p[2] = { { w->pfd, POLLIN, 0 }, { w->pidfd, POLLIN, 0 } };
		int left_ms = (int)((deadline - runner_now()) * 1000);

		if (!open_pipe)
			p[0].fd = -1;
		if (runner_stop_signal && !w->killed_at) {
			kill(-w->pid, SIGKILL);
			w->killed_at = runner_now();
			runner_set_outcome(r, OVL_BROK, "the run was interrupted by signal %d", (int)runner_stop_signal);
		}
		if (left_ms <= 0 && !w->killed_at && !exited) {
			kill(-w->pid, SIGKILL);
			w->killed_at = runner_now();
			r->timed_out = true;
			runner_set_outcome(r, OVL_FAIL, "timed out after %u s; its process group was killed", w->timeout);
		}
		if (w->killed_at && runner_now() - w->killed_at > KILL_GRACE_S) {
			/* Unkillable: stuck in the kernel. Say so and go on; teardown will tell the rest. */
			runner_set_outcome(r, OVL_FAIL, "%s; the case did not die within %d s of SIGKILL (stuck "
				    "in the kernel?)", r->timed_out ? "timed out" : "killed", KILL_GRACE_S);
			ovl_strv_push(&r->diag, &r->ndiag, r->reason);
			break;
		}
		if (poll(p, w->pidfd >= 0 ? 2 : 1, left_ms > 0 && left_ms < 200 ? left_ms : 200) < 0 &&
		    errno != EINTR) {
			runner_set_outcome(r, OVL_BROK, "poll: %s", strerror(errno));
			kill(-w->pid, SIGKILL);
			if (!w->killed_at)
				w->killed_at = runner_now();
		}
		if (open_pipe && p[0].revents)
			open_pipe = read_records(w, r);
		if (!exited && waitpid(w->pid, &w->status, WNOHANG) == w->pid)
			exited = true;
	}
	if (w->pidfd >= 0)
		close(w->pidfd);
	close(w->pfd);
	kill(-w->pid, SIGKILL); /* nothing of the case's group may outlive it */
}

/* What the case said, folded into one outcome (a runner's verdict, if any, stands). */
static void verdict_from_records(struct case_watch *w, struct ovl_case_result *r)
{
	size_t nf = 0;

	if (r->outcome != OVL_PASS)
		return;
	for (size_t i = 0; i < r->nchecks; i++)
		nf += r->checks[i].outcome == OVL_FAIL;
	if (nf) {
		runner_set_outcome(r, OVL_FAIL, "%zu of %zu checks failed", nf, r->nchecks);
		w->fail_from_checks = true;
	} else if (w->early != OVL_PASS) {
		runner_set_outcome(r, w->early, "%s", w->why);
	} else if (!WIFEXITED(w->status) || WEXITSTATUS(w->status) != 0) {
		runner_set_outcome(r, OVL_BROK, "the case process ended with status 0x%x", w->status);
	} else if (r->nchecks == 0) {
		runner_set_outcome(r, OVL_BROK, "the case made no check (a case must assert something)");
	}
}

/* The kernel's health: a WARN/BUG or a new taint fails the case, whatever its checks said. */
static void check_kernel_health(struct run_state *st, struct case_watch *w, struct ovl_case_result *r)
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
				w->fail_from_checks = false;
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
		w->fail_from_checks = false;
	}
}

/* Nothing of the case may be left: no mount under its dir, no process in its namespace. */
static void check_leftovers(struct case_watch *w, struct ovl_case_result *r)
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

/* Known deviations of this target turn FAIL into XFAIL and PASS into XPASS. */
static void apply_deviations(const struct ovl_case *c, const struct ovl_target *t, const struct case_watch *w,
			     struct ovl_case_result *r)
{
	for (const struct ovl_deviation *d = c->deviations; d && d->target; d++) {
		if (strcmp(d->target, t->name) != 0)
			continue;
		/* A timeout or a kernel warning is never the known deviation. */
		if (r->outcome == OVL_FAIL && w->fail_from_checks)
			runner_set_outcome(r, OVL_XFAIL, "known deviation of %s: %s", d->target, d->reason);
		else if (r->outcome == OVL_PASS)
			runner_set_outcome(r, OVL_XPASS, "passed, though a known deviation of %s says: %s",
				    d->target, d->reason);
	}
}

/* One case on one backing filesystem: spawn, watch, judge, clean up. */
void runner_run_case(struct run_state *st, const struct ovl_case *c, const struct ovl_backing *b,
		     struct ovl_case_result *r)
{
	struct case_watch *w = calloc(1, sizeof(*w));

	if (!w) {
		runner_set_outcome(r, OVL_BROK, "out of memory");
		return;
	}
	w->ctx = (struct ovl_ctx){ .c = c, .target = st->opts->target, .fs = b->name,
				   .fixtures_dir = st->opts->fixtures_dir, .kmsg_fd = -1 };
	w->early = OVL_PASS;
	w->nsfd = -1;
	w->t0 = runner_now();
	w->timeout = (unsigned int)((c->timeout ? c->timeout : OVL_TIMEOUT_DEFAULT) * st->opts->timeout_mult);
	if (spawn_case(st, c, b, r, w) == 0) {
		watch_case(w, r);
		r->seconds = runner_now() - w->t0;
		verdict_from_records(w, r);
		check_kernel_health(st, w, r);
		check_leftovers(w, r);
		apply_deviations(c, st->opts->target, w, r);
		fprintf(w->log, "--- outcome: %s%s%s (%.3f s, %zu checks)\n", ovl_outcome_name(r->outcome),
			r->reason[0] ? ": " : "", r->reason, r->seconds, r->nchecks);
		/* The case's layers are no longer needed; the filesystem goes after its cases. */
		ovl_remove_tree(w->ctx.root);
	}
	if (w->log)
		fclose(w->log);
	ovl_strv_free(w->left_in_ns, w->nleft_in_ns);
	free(w);
}
