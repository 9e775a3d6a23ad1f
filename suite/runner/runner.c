// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner.c - running a selection of cases on each backing filesystem.
 *
 * Isolation: the runner itself moves into a private mount namespace, so the
 * backing filesystems it mounts are invisible outside and are released if
 * it is killed (their loop devices auto-clear). Each case runs in a child
 * in its own process group that enters new mount and PID namespaces (with
 * a /proc of its own); the case body runs under a reaper that is PID 1
 * there, so when it ends, everything it started ends too, and every mount
 * it made goes with its namespace. Both levels die
 * with the runner (PR_SET_PDEATHSIG). After each case the runner looks for
 * a leftover mount, a process still holding the case's namespace, new
 * WARN/BUG lines in the kernel log and a changed taint.
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

static volatile sig_atomic_t stop_signal;

/* How long a case may take to die after SIGKILL before the runner gives up on it. */
#define KILL_GRACE_S 10

static void on_stop(int sig)
{
	stop_signal = sig;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- results bookkeeping --------------------------------------------------- */

static void strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return;
	*v = nv;
	if ((nv[*n] = strdup(s)))
		(*n)++;
}

void ovl_case_result_free(struct ovl_case_result *r)
{
	for (size_t i = 0; i < r->nchecks; i++) {
		free(r->checks[i].name);
		ovl_strv_free(r->checks[i].diag, r->checks[i].ndiag);
	}
	free(r->checks);
	ovl_strv_free(r->diag, r->ndiag);
	ovl_strv_free(r->rows, r->nrows);
}

/*
 * The tables cases wrote (ovl_table_row()): results/<run>/<table>.txt, the
 * rows in the order of the cases, each distinct row once (a header that
 * every filesystem's run repeats is written once, first).
 */
static void write_tables(const struct ovl_run_result *res, const char *run_dir)
{
	char **names = NULL, **seen = NULL;
	size_t nnames = 0, nseen = 0;

	for (size_t i = 0; i < res->ncases; i++)
		for (size_t k = 0; k < res->cases[i].nrows; k++) {
			const char *row = res->cases[i].rows[k];
			size_t tl = strcspn(row, "\t");
			char name[128];
			bool known = false;

			snprintf(name, sizeof(name), "%.*s", (int)tl, row);
			for (size_t j = 0; j < nnames; j++)
				known |= strcmp(names[j], name) == 0;
			if (!known)
				strv_push(&names, &nnames, name);
		}
	for (size_t j = 0; j < nnames; j++) {
		char path[PATH_MAX + 256];
		FILE *f;

		/* a name with an extension (e.g. x.svg) is a file of its own: its rows as they are */
		bool raw = strchr(names[j], '.') != NULL;

		snprintf(path, sizeof(path), raw ? "%s/%s" : "%s/%s.txt", run_dir, names[j]);
		f = fopen(path, "we");
		if (!f) {
			fprintf(stderr, "ovlconform: cannot write %s: %s\n", path, strerror(errno));
			continue;
		}
		for (size_t i = 0; i < res->ncases; i++)
			for (size_t k = 0; k < res->cases[i].nrows; k++) {
				const char *row = res->cases[i].rows[k];
				size_t tl = strcspn(row, "\t");
				bool dup = false;

				if (tl != strlen(names[j]) || strncmp(row, names[j], tl) != 0)
					continue;
				for (size_t d = 0; d < nseen && !raw; d++)
					dup |= strcmp(seen[d], row) == 0;
				if (dup)
					continue;
				if (!raw)
					strv_push(&seen, &nseen, row);
				fprintf(f, "%s\n", row + tl + 1);
			}
		fclose(f);
		printf("# table %s: %s\n", names[j], path);
	}
	ovl_strv_free(names, nnames);
	ovl_strv_free(seen, nseen);
}

void ovl_run_result_count(struct ovl_run_result *r)
{
	memset(r->counts, 0, sizeof(r->counts));
	r->nchecks = 0;
	r->nops = 0;
	for (size_t k = 0; k < r->nfs; k++) {
		r->fs[k].ncases = 0;
		r->fs[k].nops = 0;
		r->fs[k].case_seconds = 0;
	}
	for (size_t i = 0; i < r->ncases; i++) {
		r->counts[r->cases[i].outcome]++;
		r->nchecks += r->cases[i].nchecks;
		r->nops += r->cases[i].nops;
		for (size_t k = 0; k < r->nfs; k++) {
			if (!r->fs[k].name || !r->cases[i].fs || strcmp(r->fs[k].name, r->cases[i].fs) != 0)
				continue;
			r->fs[k].ncases++;
			r->fs[k].nops += r->cases[i].nops;
			r->fs[k].case_seconds += r->cases[i].seconds;
		}
	}
}

static void __attribute__((format(printf, 3, 4)))
set_outcome(struct ovl_case_result *r, enum ovl_outcome o, const char *fmt, ...)
{
	va_list ap;

	r->outcome = o;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
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
		strv_push(&r->rows, &r->nrows, row);
		return;
	}
	case OVL_REC_DIAG:
		if (r->nchecks)
			strv_push(&r->checks[r->nchecks - 1].diag, &r->checks[r->nchecks - 1].ndiag, rec->text);
		else
			strv_push(&r->diag, &r->ndiag, rec->text);
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

/* ---- needs ---------------------------------------------------------------- */

static bool have_caps(char *why, size_t len)
{
	static const cap_value_t need[] = { CAP_SYS_ADMIN, CAP_MKNOD, CAP_CHOWN, CAP_FOWNER,
					    CAP_DAC_OVERRIDE };
	cap_t caps = cap_get_proc();
	bool ok = caps != NULL;

	for (size_t i = 0; ok && i < sizeof(need) / sizeof(need[0]); i++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(caps, need[i], CAP_EFFECTIVE, &v) || v != CAP_SET) {
			char *name = cap_to_name(need[i]);

			snprintf(why, len, "needs root: %s is not in the effective capability set",
				 name ? name : "a capability");
			cap_free(name);
			ok = false;
		}
	}
	if (!caps)
		snprintf(why, len, "cannot read capabilities: %s", strerror(errno));
	cap_free(caps);
	return ok;
}

/* Needs that the runner checks before it forks: CONF with the reason. */
static bool needs_met(const struct ovl_case *c, const struct ovl_target *target, const struct ovl_backing *b,
		      bool privileged,
		      const char *priv_why, const struct ovl_kconfig *kc, const char *kc_why,
		      enum ovl_outcome *unmet, char *why, size_t len)
{
	*unmet = OVL_CONF;
	if (c->fs && !(c->fs & b->bit)) {
		snprintf(why, len, "the case does not run on %s (its .fs mask excludes it)", b->name);
		return false;
	}
	if (c->needs_root && !privileged) {
		snprintf(why, len, "%s", priv_why);
		return false;
	}
	{
		char expr[1024], missing[1024];
		struct ovl_err err = { "" };
		bool ok = true;

		ovl_case_kconfig_expr(c, target, expr, sizeof(expr));
		/* Without a config, only what the case itself asks for is unknown (the target probes itself). */
		if (!kc && c->needs_kconfig) {
			snprintf(why, len, "needs %s, but %s", c->needs_kconfig, kc_why);
			return false;
		}
		if (kc && *expr && ovl_kconfig_eval(kc, expr, &ok, missing, sizeof(missing), &err)) {
			snprintf(why, len, "needs %s: %s", expr, err.msg);
			*unmet = OVL_BROK;
			return false;
		}
		if (!ok) {
			snprintf(why, len, "needs %s; kernel config %s: %s", expr, ovl_kconfig_source(kc), missing);
			return false;
		}
	}
	if (b->outcome != OVL_PASS) {
		ovl_fmt(why, len, "backing filesystem %s: %s", b->name, b->reason);
		*unmet = b->outcome; /* CONF: cannot be made here; BROK: it broke */
		return false;
	}
	return true;
}

/* ---- one case --------------------------------------------------------------- */

struct run_state {
	const struct ovl_run_opts *opts;
	struct ovl_run_result *res;
	int kmsg_fd;
	int lock_fd;			/* held for the run; children must not keep it */
	char run_dir[PATH_MAX];		/* results/<id> */
	char scratch[PATH_MAX];		/* scratch/run-<id> */
	size_t total, done;
};

static unsigned long long ns_inode(pid_t pid, const char *ns)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	return stat(path, &st) ? 0 : (unsigned long long)st.st_ino;
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

static void run_case(struct run_state *st, const struct ovl_case *c, const struct ovl_backing *b,
		     struct ovl_case_result *r)
{
	struct ovl_ctx ctx = { .c = c, .target = st->opts->target, .fs = b->name,
			       .fixtures_dir = st->opts->fixtures_dir, .kmsg_fd = -1 };
	char id[256], logpath[PATH_MAX], why[1024] = "", linebuf[8192];
	size_t linelen = 0;
	enum ovl_outcome early = OVL_PASS;
	double t0 = now(), deadline;
	struct ovl_buf kbuf = OVL_BUF_INIT;
	int pfd[2], pidfd, status = 0;
	long taint0;
	pid_t pid, runner = getpid();
	int nsfd = -1;
	bool fail_from_checks = false;
	double killed_at = 0;
	char **left_in_ns = NULL;
	size_t nleft_in_ns = 0;
	FILE *log;
	char **left = NULL;
	size_t nleft = 0;
	unsigned int timeout = (unsigned int)((c->timeout ? c->timeout : OVL_TIMEOUT_DEFAULT) *
					      st->opts->timeout_mult);

	ovl_case_id(c, id, sizeof(id));
	ovl_fmt(r->log, sizeof(r->log), "logs/%s/%s.log", b->name, id);
	ovl_fmt(logpath, sizeof(logpath), "%s/%s", st->run_dir, r->log);
	log = fopen(logpath, "w");
	if (!log) {
		set_outcome(r, OVL_BROK, "cannot write the case log %s: %s", logpath, strerror(errno));
		return;
	}
	setvbuf(log, NULL, _IOLBF, 0);
	fprintf(log, "case %s on %s, target %s\npurpose: %s\n", id, b->name, st->opts->target->name,
		c->purpose);
	if (ovl_fmt(ctx.root, sizeof(ctx.root), "%s/%s", b->mnt, id) || mkdir(ctx.root, 0755)) {
		set_outcome(r, OVL_BROK, "mkdir %s: %s", ctx.root, strerror(errno ? errno : ENAMETOOLONG));
		fclose(log);
		return;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		set_outcome(r, OVL_BROK, "pipe: %s", strerror(errno));
		fclose(log);
		return;
	}
	ovl_kmsg_read(st->kmsg_fd, &kbuf); /* what came before the case is not its doing */
	ovl_buf_free(&kbuf);
	taint0 = ovl_kernel_taint();
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		set_outcome(r, OVL_BROK, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		fclose(log);
		return;
	}
	if (pid == 0) {
		close(pfd[0]);
		/* A child that outlives a killed runner must not keep its run looking alive. */
		if (st->lock_fd >= 0)
			close(st->lock_fd);
		if (st->kmsg_fd >= 0)
			close(st->kmsg_fd);
		ctx.rec_fd = pfd[1];
		ctx.log = log;
		case_child(&ctx, runner);
	}
	setpgid(pid, pid);
	close(pfd[1]);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	deadline = t0 + timeout;
	for (bool open_pipe = true, exited = false; open_pipe || !exited;) {
		struct pollfd p[2] = { { pfd[0], POLLIN, 0 }, { pidfd, POLLIN, 0 } };
		int left_ms = (int)((deadline - now()) * 1000);

		if (stop_signal && !killed_at) {
			kill(-pid, SIGKILL);
			killed_at = now();
			set_outcome(r, OVL_BROK, "the run was interrupted by signal %d", (int)stop_signal);
		}
		if (left_ms <= 0 && !killed_at && !exited) {
			kill(-pid, SIGKILL);
			killed_at = now();
			r->timed_out = true;
			set_outcome(r, OVL_FAIL, "timed out after %u s; its process group was killed",
				    timeout);
		}
		if (killed_at && now() - killed_at > KILL_GRACE_S) {
			/* Unkillable: stuck in the kernel. Say so and go on; teardown will tell the rest. */
			set_outcome(r, OVL_FAIL, "%s; the case did not die within %d s of SIGKILL (stuck "
				    "in the kernel?)", r->timed_out ? "timed out" : "killed", KILL_GRACE_S);
			strv_push(&r->diag, &r->ndiag, r->reason);
			break;
		}
		if (poll(p, pidfd >= 0 ? 2 : 1, left_ms > 0 && left_ms < 200 ? left_ms : 200) < 0 &&
		    errno != EINTR) {
			set_outcome(r, OVL_BROK, "poll: %s", strerror(errno));
			kill(-pid, SIGKILL);
			if (!killed_at)
				killed_at = now();
		}
		if (open_pipe && p[0].revents) {
			ssize_t n = read(pfd[0], linebuf + linelen, sizeof(linebuf) - 1 - linelen);

			if (n <= 0) {
				open_pipe = false;
			} else {
				char *s = linebuf, *nl;

				linelen += (size_t)n;
				linebuf[linelen] = 0;
				while ((nl = strchr(s, '\n'))) {
					struct ovl_rec rec;

					*nl = 0;
					if (ovl_rec_parse(s, &rec) == 0) {
						if (rec.kind == OVL_REC_NS && nsfd < 0)
							nsfd = pin_mntns(pid, strtoull(rec.text, NULL, 10));
						else if (rec.kind == OVL_REC_LEFT)
							strv_push(&left_in_ns, &nleft_in_ns, rec.text);
						else
							take_record(r, &rec, &early, why, sizeof(why));
					}
					s = nl + 1;
				}
				linelen = strlen(s);
				memmove(linebuf, s, linelen + 1);
				if (linelen == sizeof(linebuf) - 1)
					linelen = 0; /* an overlong record: drop it */
			}
		}
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
		if (!open_pipe)
			p[0].fd = -1;
	}
	if (pidfd >= 0)
		close(pidfd);
	close(pfd[0]);
	kill(-pid, SIGKILL); /* nothing of the case's group may outlive it */
	r->seconds = now() - t0;

	/* What the case said, folded. */
	if (r->outcome == OVL_PASS) {
		bool failed = false;

		for (size_t i = 0; i < r->nchecks; i++)
			failed |= r->checks[i].outcome == OVL_FAIL;
		if (failed) {
			size_t nf = 0;

			for (size_t i = 0; i < r->nchecks; i++)
				nf += r->checks[i].outcome == OVL_FAIL;
			set_outcome(r, OVL_FAIL, "%zu of %zu checks failed", nf, r->nchecks);
			fail_from_checks = true;
		} else if (early != OVL_PASS) {
			set_outcome(r, early, "%s", why);
		} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			set_outcome(r, OVL_BROK, "the case process ended with status 0x%x", status);
		} else if (r->nchecks == 0) {
			set_outcome(r, OVL_BROK, "the case made no check (a case must assert something)");
		}
	}

	/* The kernel's health: a WARN/BUG or a new taint fails the case, whatever its checks said. */
	ovl_kmsg_read(st->kmsg_fd, &kbuf);
	if (kbuf.data && *kbuf.data) {
		char *save = NULL;
		bool bad = false;

		fprintf(log, "--- kernel log during the case\n%s", kbuf.data);
		for (char *l = strtok_r(kbuf.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			if (!ovl_kmsg_is_bad(l))
				continue;
			strv_push(&r->diag, &r->ndiag, l);
			if (!bad) {
				set_outcome(r, OVL_FAIL, "the kernel logged: %s", l);
				fail_from_checks = false;
			}
			bad = true;
		}
	}
	ovl_buf_free(&kbuf);
	if (taint0 >= 0 && ovl_kernel_taint() != taint0) {
		char d[128];

		snprintf(d, sizeof(d), "kernel taint changed from %ld to %ld", taint0, ovl_kernel_taint());
		strv_push(&r->diag, &r->ndiag, d);
		set_outcome(r, OVL_FAIL, "%s", d);
		fail_from_checks = false;
	}

	/* Nothing of the case may be left: no mount under its dir, no process in its namespace. */
	if (ovl_mounts_under(ctx.root, &left, &nleft) == 0 && nleft) {
		char d[PATH_MAX + 64];

		snprintf(d, sizeof(d), "left mounted after the case: %s", left[0]);
		strv_push(&r->diag, &r->ndiag, d);
		for (size_t i = 0; i < nleft; i++)
			umount2(left[i], MNT_DETACH);
		if (r->outcome == OVL_PASS)
			set_outcome(r, OVL_BROK, "%s", d);
	}
	ovl_strv_free(left, nleft);
	for (size_t i = 0; i < nleft_in_ns; i++) {
		char d[PATH_MAX + 64];

		snprintf(d, sizeof(d), "still mounted in the case's namespace when it ended: %s",
			 left_in_ns[i]);
		strv_push(&r->diag, &r->ndiag, d);
		if (r->outcome == OVL_PASS)
			set_outcome(r, OVL_BROK, "%s", d);
	}
	ovl_strv_free(left_in_ns, nleft_in_ns);
	if (nsfd >= 0) {
		char who[128], d[256];
		int n = kill_ns_holders(nsfd, who, sizeof(who));

		close(nsfd); /* unpinned: the namespace and its mounts can go now */
		if (n) {
			snprintf(d, sizeof(d), "%d process%s outlived the case in its mount namespace, "
				 "first %s; killed", n, n == 1 ? "" : "es", who);
			strv_push(&r->diag, &r->ndiag, d);
			if (r->outcome == OVL_PASS)
				set_outcome(r, OVL_BROK, "%s", d);
		}
	}

	/* Known deviations of this target turn FAIL into XFAIL and PASS into XPASS. */
	for (const struct ovl_deviation *d = c->deviations; d && d->target; d++) {
		if (strcmp(d->target, st->opts->target->name) != 0)
			continue;
		/* A timeout or a kernel warning is never the known deviation. */
		if (r->outcome == OVL_FAIL && fail_from_checks)
			set_outcome(r, OVL_XFAIL, "known deviation of %s: %s", d->target, d->reason);
		else if (r->outcome == OVL_PASS)
			set_outcome(r, OVL_XPASS, "passed, though a known deviation of %s says: %s",
				    d->target, d->reason);
	}
	fprintf(log, "--- outcome: %s%s%s (%.3f s, %zu checks)\n", ovl_outcome_name(r->outcome),
		r->reason[0] ? ": " : "", r->reason, r->seconds, r->nchecks);
	fclose(log);
	/* The case's layers are no longer needed; the filesystem goes after its cases. */
	ovl_remove_tree(ctx.root);
}

/* ---- scratch state ------------------------------------------------------------ */

int ovl_scratch_clean_stale(const char *root, FILE *notes)
{
	DIR *d = opendir(root);
	struct dirent *de;
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char dir[PATH_MAX], lock[PATH_MAX + 8];
		char **mnts = NULL;
		size_t nm = 0;
		int fd, r;

		if (strncmp(de->d_name, "run-", 4) != 0)
			continue;
		if (ovl_fmt(dir, sizeof(dir), "%s/%s", root, de->d_name))
			continue;
		snprintf(lock, sizeof(lock), "%s/lock", dir);
		fd = open(lock, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB)) {
			close(fd); /* a live run holds it */
			continue;
		}
		if (fd < 0) {
			struct stat st;

			/* No lock yet: a run that is just starting, unless it is old. */
			if (stat(dir, &st) || time(NULL) - st.st_mtime < 60)
				continue;
		}
		/* Mounts first (deepest first), then loop devices, then the files. */
		if (ovl_mounts_under(dir, &mnts, &nm) == 0)
			for (size_t i = 0; i < nm; i++) {
				int u = umount2(mnts[i], MNT_DETACH);

				fprintf(notes, "ovlconform: stale mount %s: %s\n", mnts[i],
					u ? strerror(errno) : "unmounted");
			}
		ovl_strv_free(mnts, nm);
		ovl_loop_detach_under(dir, notes);
		r = ovl_remove_tree(dir);
		fprintf(notes, "ovlconform: removed stale scratch state %s%s%s\n", dir, r ? ": " : "",
			r ? strerror(-r) : "");
		if (fd >= 0)
			close(fd);
		n++;
	}
	closedir(d);
	return n;
}

/* ---- the run ------------------------------------------------------------------ */

static void progress(struct run_state *st, const char *fs, const struct ovl_case *c)
{
	char id[256];

	if (!st->opts->progress)
		return;
	if (!c) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	ovl_case_id(c, id, sizeof(id));
	fprintf(stderr, "\r\033[K[%zu/%zu] %s %s", st->done + 1, st->total, fs, id);
	fflush(stderr);
}

int ovl_run(const struct ovl_run_opts *opts)
{
	const struct ovl_case *const *all;
	const struct ovl_case **sel = NULL;
	size_t nall = ovl_cases_all(&all), nsel = 0;
	struct ovl_run_result res = { 0 };
	struct run_state st = { .opts = opts, .res = &res, .kmsg_fd = -1, .lock_fd = -1 };
	char why[2048], priv_why[256] = "", kc_why[1024] = "", kmsg_why[256] = "";
	char path[PATH_MAX + 64];
	struct ovl_kconfig *kc = NULL;
	struct ovl_err kerr = { "" };
	bool privileged;
	int lockfd = -1, exit_code;
	double t0 = now();
	struct utsname u;
	time_t wall = time(NULL);
	FILE *runlog;
	struct sigaction sa = { .sa_handler = on_stop };

	if (ovl_cases_validate(all, nall, opts->fixtures_dir, why, sizeof(why))) {
		fprintf(stderr, "ovlconform: invalid case descriptor: %s\n", why);
		return OVL_EXIT_USAGE;
	}
	for (size_t i = 0; i < opts->nselectors; i++)
		if (!ovl_selector_valid(opts->selectors[i], all, nall)) {
			fprintf(stderr, "ovlconform: '%s' names no case, slug or tag (see ovlconform list)\n",
				opts->selectors[i]);
			return OVL_EXIT_USAGE;
		}
	sel = calloc(nall ? nall : 1, sizeof(*sel));
	if (!sel)
		return OVL_EXIT_USAGE;
	for (size_t i = 0; i < nall; i++) {
		bool pick = opts->nselectors == 0 && !ovl_case_has_tag(all[i], "harness");

		for (size_t k = 0; k < opts->nselectors && !pick; k++)
			pick = ovl_case_selected(all[i], opts->selectors[k]);
		if (pick)
			sel[nsel++] = all[i];
	}

	/* Where we work and where results go. */
	uname(&u);
	snprintf(res.kernel, sizeof(res.kernel), "%s %s", u.release, u.version);
	snprintf(res.target, sizeof(res.target), "%s", opts->target->name);
	strftime(res.started, sizeof(res.started), "%Y-%m-%dT%H:%M:%SZ", gmtime(&wall));
	strftime(res.run_id, sizeof(res.run_id), "%Y%m%d-%H%M%S", gmtime(&wall));
	snprintf(res.run_id + strlen(res.run_id), sizeof(res.run_id) - strlen(res.run_id), "-%d",
		 (int)getpid());
	privileged = have_caps(priv_why, sizeof(priv_why));
	if (ovl_mkdir_p(opts->scratch_dir, 0700)) {
		fprintf(stderr, "ovlconform: cannot create scratch dir %s: %s\n", opts->scratch_dir,
			strerror(errno));
		free(sel);
		return OVL_EXIT_USAGE;
	}
	ovl_scratch_clean_stale(opts->scratch_dir, stderr);
	if (ovl_fmt(st.scratch, sizeof(st.scratch), "%s/run-%s", opts->scratch_dir, res.run_id) ||
	    ovl_fmt(st.run_dir, sizeof(st.run_dir), "%s/%s", opts->results_dir, res.run_id) ||
	    mkdir(st.scratch, 0700) || ovl_mkdir_p(st.run_dir, 0755)) {
		fprintf(stderr, "ovlconform: cannot create %s or %s: %s\n", st.scratch, st.run_dir,
			strerror(errno));
		free(sel);
		return OVL_EXIT_USAGE;
	}
	snprintf(res.run_dir, sizeof(res.run_dir), "%s", st.run_dir);
	snprintf(path, sizeof(path), "%s/lock", st.scratch);
	lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	st.lock_fd = lockfd;
	if (lockfd < 0 || flock(lockfd, LOCK_EX)) {
		fprintf(stderr, "ovlconform: cannot lock %s: %s\n", path, strerror(errno));
		free(sel);
		return OVL_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/run.log", st.run_dir);
	runlog = fopen(path, "w");
	if (!runlog) {
		fprintf(stderr, "ovlconform: cannot write %s: %s\n", path, strerror(errno));
		free(sel);
		return OVL_EXIT_USAGE;
	}
	setvbuf(runlog, NULL, _IOLBF, 0);
	{
		/* results/latest names the newest run, from its start on. */
		char latest[PATH_MAX + 16];

		snprintf(latest, sizeof(latest), "%s/latest", opts->results_dir);
		unlink(latest);
		if (symlink(res.run_id, latest))
			fprintf(runlog, "symlink %s: %s\n", latest, strerror(errno));
	}
	{
		char logs[PATH_MAX + 8];

		snprintf(logs, sizeof(logs), "%s/logs", st.run_dir);
		mkdir(logs, 0755);
		for (int k = 0; k < OVL_NR_BACKING; k++) {
			char fsl[PATH_MAX + 32];

			snprintf(fsl, sizeof(fsl), "%s/%s", logs, ovl_backing_name(k));
			if (opts->fs_mask & (1u << k))
				mkdir(fsl, 0755);
		}
	}

	/* Our mounts live in our own namespace: they vanish with us, whatever kills us. */
	if (privileged && (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))) {
		snprintf(priv_why, sizeof(priv_why), "cannot make a private mount namespace: %s",
			 strerror(errno));
		privileged = false;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	st.kmsg_fd = ovl_kmsg_open();
	if (st.kmsg_fd < 0)
		snprintf(kmsg_why, sizeof(kmsg_why), "cannot read the kernel log (/dev/kmsg: %s): "
			 "WARN/BUG lines during cases go unnoticed", strerror(-st.kmsg_fd));
	if (ovl_kconfig_load(opts->kconfig_path, &kc, &kerr))
		snprintf(kc_why, sizeof(kc_why), "%s", kerr.msg);
	else
		ovl_kconfig_set_module_check(kc, ovl_kernel_module_usable, NULL);
	if (privileged && opts->target->probe(why, sizeof(why))) {
		snprintf(priv_why, sizeof(priv_why), "target %s is not usable here: %.200s",
			 opts->target->name, why);
		privileged = false;
	}
	fprintf(runlog, "ovlconform run %s: target %s, kernel %s, %zu cases\n", res.run_id,
		opts->target->name, res.kernel, nsel);

	{
		size_t nfs = 0;

		for (int k = 0; k < OVL_NR_BACKING; k++)
			nfs += (opts->fs_mask >> k) & 1;
		st.total = nfs * nsel;
		res.cases = calloc(st.total ? st.total : 1, sizeof(*res.cases));
		if (!res.cases) {
			free(sel);
			return OVL_EXIT_USAGE;
		}
	}
	ovl_ktap_begin(stdout, st.total);
	fprintf(stdout, "# ovlconform run %s: target %s (%s), kernel %s\n", res.run_id,
		opts->target->name, opts->target->what, u.release);
	if (!privileged)
		fprintf(stdout, "# %s\n", priv_why);
	if (*kmsg_why) {
		fprintf(stdout, "# %s\n", kmsg_why);
		fprintf(runlog, "%s\n", kmsg_why);
	}

	for (int k = 0; k < OVL_NR_BACKING; k++) {
		struct ovl_backing b = { 0 };
		struct ovl_fs_result *fr;

		if (!(opts->fs_mask & (1u << k)))
			continue;
		fr = &res.fs[res.nfs++];
		fr->name = ovl_backing_name(k);
		if (stop_signal) {
			fr->outcome = OVL_CONF;
			snprintf(fr->reason, sizeof(fr->reason), "not made: the run was interrupted");
			b.outcome = OVL_CONF;
			snprintf(b.reason, sizeof(b.reason), "%s", fr->reason);
			b.name = fr->name;
			b.bit = 1u << k;
		} else if (!privileged) {
			b.outcome = OVL_CONF;
			b.name = fr->name;
			b.bit = 1u << k;
			snprintf(b.reason, sizeof(b.reason), "%s", priv_why);
		} else if (nsel) {
			ovl_backing_setup(&b, (enum ovl_backing_kind)k, st.scratch, runlog);
		} else {
			b.name = fr->name;
			b.outcome = OVL_CONF;
		}
		fr->outcome = b.outcome;
		snprintf(fr->reason, sizeof(fr->reason), "%s", b.reason);
		fr->setup_seconds = b.setup_seconds;
		if (b.outcome == OVL_PASS)
			fprintf(stdout, "# %s: made in %.2f s on %s\n", b.name, b.setup_seconds,
				*b.source ? b.source : "?");
		else
			fprintf(stdout, "# %s: %s: %s\n", b.name,
				b.outcome == OVL_CONF ? "cannot be made here" : "broke", b.reason);
		fflush(stdout);
		for (size_t i = 0; i < nsel; i++) {
			struct ovl_case_result *r = &res.cases[res.ncases++];
			enum ovl_outcome unmet;
			char cwhy[1024];

			r->c = sel[i];
			r->fs = fr->name;
			progress(&st, fr->name, sel[i]);
			if (stop_signal) {
				set_outcome(r, OVL_CONF, "not run: the run was interrupted by signal %d",
					    (int)stop_signal);
			} else if (!needs_met(sel[i], opts->target, &b, privileged, priv_why, kc, kc_why, &unmet, cwhy,
					      sizeof(cwhy))) {
				set_outcome(r, unmet, "%s", cwhy);
			} else {
				run_case(&st, sel[i], &b, r);
			}
			st.done++;
			progress(&st, NULL, NULL);
			ovl_ktap_case(stdout, res.ncases, r);
			fprintf(runlog, "%s %s:%s%s%s\n", ovl_outcome_name(r->outcome), fr->name,
				sel[i]->slug, r->reason[0] ? " - " : "", r->reason);
		}
		if (b.mounted || *b.image) {
			char twhy[1024];

			if (ovl_backing_teardown(&b, runlog, twhy, sizeof(twhy))) {
				snprintf(fr->teardown_problem, sizeof(fr->teardown_problem), "%s", twhy);
				fprintf(stdout, "# %s: teardown: %s\n", fr->name, twhy);
			}
		}
	}
	res.interrupted = stop_signal != 0;
	res.wall_seconds = now() - t0;
	ovl_run_result_count(&res);
	ovl_ktap_end(stdout, &res);
	snprintf(path, sizeof(path), "%s/summary.json", st.run_dir);
	if (ovl_report_json(&res, path))
		fprintf(stderr, "ovlconform: cannot write %s\n", path);
	snprintf(path, sizeof(path), "%s/junit.xml", st.run_dir);
	if (ovl_report_junit(&res, path))
		fprintf(stderr, "ovlconform: cannot write %s: %s\n", path, strerror(errno));
	write_tables(&res, st.run_dir);

	exit_code = res.interrupted ? OVL_EXIT_INTERRUPTED
		    : res.counts[OVL_FAIL] + res.counts[OVL_XPASS] ? OVL_EXIT_FAIL
		    : res.counts[OVL_BROK] ? OVL_EXIT_BROK : OVL_EXIT_OK;
	fprintf(runlog, "exit %d after %.2f s\n", exit_code, res.wall_seconds);
	fclose(runlog);
	for (size_t i = 0; i < res.ncases; i++)
		ovl_case_result_free(&res.cases[i]);
	free(res.cases);
	free(sel);
	ovl_kconfig_free(kc);
	if (st.kmsg_fd >= 0)
		close(st.kmsg_fd);
	ovl_remove_tree(st.scratch);
	close(lockfd);
	return exit_code;
}
