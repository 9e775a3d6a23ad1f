// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/runner/run.c - a run: the selection, its dirs and lock, what the
 * machine allows, each backing filesystem with the selection on it, the
 * reports and the exit code.
 *
 * Isolation: the runner itself moves into a private mount namespace, so the
 * backing filesystems it mounts are invisible outside and are released if
 * it is killed (their loop devices auto-clear).
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
#include "case-private.h"
#include "deviations.h"

volatile sig_atomic_t runner_stop_signal;

static void on_stop(int sig)
{
	runner_stop_signal = sig;
}

double runner_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

/* The cases the selectors name (none: all but the harness's own), in case order. */
static int select_cases(struct run_state *st)
{
	const struct ovl_run_opts *opts = st->opts;
	const struct ovl_case *const *all;
	size_t nall = ovl_cases_all(&all);
	char why[2048];

	if (opts->nextra) {
		/* a command's own cases (explore, replay): made by the program, not case files */
		st->sel = calloc(opts->nextra, sizeof(*st->sel));
		if (!st->sel)
			return -ENOMEM;
		for (size_t i = 0; i < opts->nextra; i++)
			st->sel[st->nsel++] = opts->extra_cases[i];
		return 0;
	}
	if (ovl_cases_validate(all, nall, opts->fixtures_dir, why, sizeof(why))) {
		fprintf(stderr, "ovlconform: invalid case descriptor: %s\n", why);
		return -EINVAL;
	}
	for (size_t i = 0; i < opts->nselectors; i++)
		if (!ovl_selector_valid(opts->selectors[i], all, nall)) {
			fprintf(stderr, "ovlconform: '%s' names no case, slug or tag (see ovlconform list)\n",
				opts->selectors[i]);
			return -EINVAL;
		}
	st->sel = calloc(nall ? nall : 1, sizeof(*st->sel));
	if (!st->sel)
		return -ENOMEM;
	for (size_t i = 0; i < nall; i++) {
		bool pick = opts->nselectors == 0 && !ovl_case_has_tag(all[i], "harness");

		for (size_t k = 0; k < opts->nselectors && !pick; k++)
			pick = ovl_case_selected(all[i], opts->selectors[k]);
		if (pick)
			st->sel[st->nsel++] = all[i];
	}
	return 0;
}

/*
 * The run's id and where it works: the scratch dir (stale runs cleaned,
 * this run's dir locked), results/<id>/ with run.log and logs/<fs>/, and
 * results/latest. 0, or -errno with the reason on stderr.
 */
static int prepare_run_dirs(struct run_state *st)
{
	const struct ovl_run_opts *opts = st->opts;
	struct ovl_run_result *res = st->res;
	char path[PATH_MAX + 64], latest[PATH_MAX + 16];
	time_t wall = time(NULL);
	struct utsname u;

	uname(&u);
	snprintf(st->release, sizeof(st->release), "%s", u.release);
	snprintf(res->kernel, sizeof(res->kernel), "%s %s", u.release, u.version);
	snprintf(res->target, sizeof(res->target), "%s", opts->target->name);
	snprintf(res->target_options, sizeof(res->target_options), "%s",
		 opts->target_options ? opts->target_options : "");
	strftime(res->started, sizeof(res->started), "%Y-%m-%dT%H:%M:%SZ", gmtime(&wall));
	strftime(res->run_id, sizeof(res->run_id), "%Y%m%d-%H%M%S", gmtime(&wall));
	snprintf(res->run_id + strlen(res->run_id), sizeof(res->run_id) - strlen(res->run_id), "-%d%s%s",
		 (int)getpid(), opts->run_suffix ? "-" : "", opts->run_suffix ? opts->run_suffix : "");
	if (ovl_mkdir_p(opts->scratch_dir, 0711)) {
		fprintf(stderr, "ovlconform: cannot create scratch dir %s: %s\n", opts->scratch_dir,
			strerror(errno));
		return -errno;
	}
	ovl_scratch_clean_stale(opts->scratch_dir, stderr);
	/*
	 * 0711: nobody lists the run's scratch dir, but a user namespace's
	 * root (0605) must pass through it to the layers a case made for it.
	 */
	if (ovl_fmt(st->scratch, sizeof(st->scratch), "%s/run-%s", opts->scratch_dir, res->run_id) ||
	    ovl_fmt(st->run_dir, sizeof(st->run_dir), "%s/%s", opts->results_dir, res->run_id) ||
	    mkdir(st->scratch, 0711) || ovl_mkdir_p(st->run_dir, 0755)) {
		fprintf(stderr, "ovlconform: cannot create %s or %s: %s\n", st->scratch, st->run_dir,
			strerror(errno));
		return -EIO;
	}
	snprintf(res->run_dir, sizeof(res->run_dir), "%s", st->run_dir);
	if (opts->run_dir_out)
		snprintf(opts->run_dir_out, PATH_MAX, "%s", st->run_dir);
	snprintf(path, sizeof(path), "%s/lock", st->scratch);
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lock_fd < 0 || flock(st->lock_fd, LOCK_EX)) {
		fprintf(stderr, "ovlconform: cannot lock %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	snprintf(path, sizeof(path), "%s/run.log", st->run_dir);
	st->runlog = fopen(path, "w");
	if (!st->runlog) {
		fprintf(stderr, "ovlconform: cannot write %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	setvbuf(st->runlog, NULL, _IOLBF, 0);
	/* results/latest names the newest run, from its start on. */
	snprintf(latest, sizeof(latest), "%s/latest", opts->results_dir);
	unlink(latest);
	if (symlink(res->run_id, latest))
		fprintf(st->runlog, "symlink %s: %s\n", latest, strerror(errno));
	snprintf(path, sizeof(path), "%s/logs", st->run_dir);
	mkdir(path, 0755);
	for (int k = 0; k < OVL_NR_BACKING; k++) {
		snprintf(path, sizeof(path), "%s/logs/%s", st->run_dir, ovl_backing_name(k));
		if (opts->fs_mask & (1u << k))
			mkdir(path, 0755);
	}
	return 0;
}

/*
 * What the machine lets this run do: a private mount namespace for our
 * mounts (they vanish with us, whatever kills us), the stop signals, the
 * kernel log, the kernel config to judge by, the target's probe.
 */
static void prepare_environment(struct run_state *st)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct ovl_err kerr = { "" };
	char why[2048];

	st->privileged = runner_have_caps(st->priv_why, sizeof(st->priv_why));
	if (st->privileged && (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))) {
		snprintf(st->priv_why, sizeof(st->priv_why), "cannot make a private mount namespace: %s",
			 strerror(errno));
		st->privileged = false;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	st->kmsg_fd = ovl_kmsg_open();
	if (st->kmsg_fd < 0)
		snprintf(st->kmsg_why, sizeof(st->kmsg_why), "cannot read the kernel log (/dev/kmsg: %s): "
			 "WARN/BUG lines during cases go unnoticed", strerror(-st->kmsg_fd));
	if (ovl_kconfig_load(st->opts->kconfig_path, &st->kc, &kerr))
		snprintf(st->kc_why, sizeof(st->kc_why), "%s", kerr.msg);
	else
		ovl_kconfig_set_module_check(st->kc, ovl_kernel_module_usable, NULL);
	if (st->privileged && st->opts->target->probe(why, sizeof(why))) {
		snprintf(st->priv_why, sizeof(st->priv_why), "target %s is not usable here: %.200s",
			 st->opts->target->name, why);
		st->privileged = false;
	}
}

/*
 * ---- the schedule ---------------------------------------------------------
 *
 * Jobs are (filesystem, case) in KTAP order: each filesystem's cases in
 * case order, the filesystems in turn. Up to opts->jobs run at once, each in
 * its own namespaces and its own dir on its filesystem; a case that says
 * .alone runs with no other. Results are printed in job order whatever
 * order they end in, so the KTAP is a serial run's. A filesystem is made
 * before its first job starts and torn down once its last job is printed.
 */
struct fs_slot {
	struct ovl_backing b;
	struct ovl_fs_result *fr;
	size_t first, end;		/* its jobs */
	bool made;
};

struct job {
	const struct ovl_case *c;
	struct fs_slot *fs;
	struct case_watch *w;		/* while it runs */
	bool done;
};

static void make_fs(struct run_state *st, struct fs_slot *f)
{
	struct ovl_backing *b = &f->b;

	f->made = true;
	if (runner_stop_signal) {
		b->outcome = OVL_CONF;
		snprintf(b->reason, sizeof(b->reason), "not made: the run was interrupted");
	} else if (!st->privileged) {
		b->outcome = OVL_CONF;
		snprintf(b->reason, sizeof(b->reason), "%s", st->priv_why);
	} else {
		ovl_backing_setup(b, (enum ovl_backing_kind)(__builtin_ctz(b->bit)), st->scratch, st->runlog);
		if (b->mounted)
			st->backing_mnts[__builtin_ctz(b->bit)] = b->mnt;
	}
	f->fr->outcome = b->outcome;
	snprintf(f->fr->reason, sizeof(f->fr->reason), "%s", b->reason);
	f->fr->setup_seconds = b->setup_seconds;
}

static void fs_header(struct run_state *st, struct fs_slot *f)
{
	const struct ovl_backing *b = &f->b;

	if (b->outcome == OVL_PASS)
		fprintf(st->ktap, "# %s: made in %.2f s on %s\n", b->name, b->setup_seconds, *b->source ? b->source : "?");
	else
		fprintf(st->ktap, "# %s: %s: %s\n", b->name, b->outcome == OVL_CONF ? "cannot be made here" : "broke",
			b->reason);
	fflush(st->ktap);
}

static void fs_teardown(struct run_state *st, struct fs_slot *f)
{
	char twhy[1024];

	if (!f->b.mounted && !*f->b.image)
		return;
	st->backing_mnts[__builtin_ctz(f->b.bit)] = NULL;
	if (ovl_backing_teardown(&f->b, st->runlog, twhy, sizeof(twhy))) {
		snprintf(f->fr->teardown_problem, sizeof(f->fr->teardown_problem), "%s", twhy);
		fprintf(st->ktap, "# %s: teardown: %s\n", f->fr->name, twhy);
	}
}

/* Start job n: its filesystem first if need be; a case whose needs are unmet ends at once. */
static void start_job(struct run_state *st, struct job *j, size_t n)
{
	struct ovl_case_result *r = &st->res->cases[n];
	enum ovl_outcome unmet;
	char cwhy[1024];

	if (!j->fs->made && !runner_stop_signal)
		make_fs(st, j->fs);
	progress(st, j->fs->b.name, j->c);
	if (runner_stop_signal)
		runner_set_outcome(r, OVL_CONF, "not run: the run was interrupted by signal %d", (int)runner_stop_signal);
	else if (!runner_needs_met(j->c, st->opts->target, &j->fs->b, st->opts->fixtures_dir, st->privileged,
					   st->priv_why, st->kc, st->kc_why,
				   &unmet, cwhy, sizeof(cwhy)))
		runner_set_outcome(r, unmet, "%s", cwhy);
	else if ((j->w = runner_case_start(st, j->c, &j->fs->b, r)))
		st->running[st->nrunning++] = j->w;
	j->done = j->w == NULL;
}

/* Print the jobs that ended, in order, from *emitted on; tear a filesystem down after its last. */
static void emit_done(struct run_state *st, struct job *jobs, size_t *emitted)
{
	while (*emitted < st->total && jobs[*emitted].done) {
		size_t n = (*emitted)++;
		struct fs_slot *f = jobs[n].fs;
		struct ovl_case_result *r = &st->res->cases[n];

		if (n == f->first) {
			if (!f->made)
				make_fs(st, f); /* interrupted before it was needed: say so */
			fs_header(st, f);
		}
		st->done++;
		ovl_ktap_case(st->ktap, n + 1, r);
		fprintf(st->runlog, "%s %s:%s%s%s\n", ovl_outcome_name(r->outcome), f->fr->name, r->c->slug,
			r->reason[0] ? " - " : "", r->reason);
		if (n + 1 == f->end)
			fs_teardown(st, f);
	}
}

/* Wait for what the running cases do (at most 200 ms); finish those that ended. */
static void watch_running(struct run_state *st, struct job *jobs)
{
	struct pollfd p[2 * OVL_MAX_JOBS];
	nfds_t n = 0;

	for (size_t i = 0; i < st->nrunning; i++)
		n += (nfds_t)runner_watch_pollfds(st->running[i], &p[n]);
	if (poll(p, n, 200) < 0 && errno != EINTR)
		usleep(10000);
	/*
	 * The kernel log is read when a case starts or ends, not at every
	 * wakeup: between two such events the cases running are the same, so
	 * what was logged meanwhile goes to exactly those that ran then.
	 */
	for (size_t i = 0; i < st->nrunning;) {
		struct case_watch *w = st->running[i];
		struct job *j = &jobs[w->job];

		if (!runner_watch_step(w, &st->res->cases[w->job])) {
			i++;
			continue;
		}
		runner_read_kernel(st); /* its last lines are its own too */
		st->running[i] = st->running[--st->nrunning];
		runner_case_finish(st, w, &st->res->cases[w->job]);
		j->w = NULL;
		j->done = true;
	}
}

static bool running_alone(const struct run_state *st)
{
	for (size_t i = 0; i < st->nrunning; i++)
		if (st->running[i]->ctx.c->alone)
			return true;
	return false;
}

static void run_jobs(struct run_state *st, struct fs_slot *fs, size_t nfs)
{
	struct job *jobs = calloc(st->total ? st->total : 1, sizeof(*jobs));
	size_t next = 0, emitted = 0;

	st->running = calloc(st->jobs, sizeof(*st->running));
	if (!jobs || !st->running) {
		fprintf(stderr, "ovlconform: out of memory\n");
		runner_stop_signal = SIGTERM;
		free(jobs);
		free(st->running);
		st->running = NULL;
		return;
	}
	for (size_t k = 0, n = 0; k < nfs; k++) {
		fs[k].first = n;
		for (size_t i = 0; i < st->nsel; i++, n++) {
			jobs[n] = (struct job){ .c = st->sel[i], .fs = &fs[k] };
			st->res->cases[n] = (struct ovl_case_result){ .c = st->sel[i], .fs = fs[k].fr->name };
		}
		fs[k].end = n;
	}
	st->res->ncases = st->total;
	st->taint = ovl_kernel_taint();
	while (emitted < st->total) {
		/* as many as -j allows; an .alone case waits for the others and holds them back */
		while (next < st->total && st->nrunning < st->jobs && !running_alone(st) &&
		       !(jobs[next].c->alone && st->nrunning && !runner_stop_signal)) {
			start_job(st, &jobs[next], next);
			if (jobs[next].w)
				jobs[next].w->job = next;
			next++;
		}
		if (st->nrunning)
			watch_running(st, jobs);
		emit_done(st, jobs, &emitted);
		progress(st, NULL, NULL);
	}
	free(jobs);
	free(st->running);
	st->running = NULL;
}

/* The closing KTAP lines, summary.json, junit.xml and the tables; the exit code. */
static int report_run(struct run_state *st)
{
	struct ovl_run_result *res = st->res;
	char path[PATH_MAX + 64];
	int exit_code;

	struct rusage ru;

	res->interrupted = runner_stop_signal != 0;
	res->wall_seconds = runner_now() - st->t0;
	res->jobs = st->jobs;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		res->runner_max_rss_kb = ru.ru_maxrss;
	ovl_run_result_count(res);
	ovl_ktap_end(st->ktap, res);
	snprintf(path, sizeof(path), "%s/summary.json", st->run_dir);
	if (ovl_report_json(res, path))
		fprintf(stderr, "ovlconform: cannot write %s\n", path);
	snprintf(path, sizeof(path), "%s/junit.xml", st->run_dir);
	if (ovl_report_junit(res, path))
		fprintf(stderr, "ovlconform: cannot write %s: %s\n", path, strerror(errno));
	ovl_report_tables(res, st->run_dir);
	{
		const char *dirs[1] = { st->run_dir };
		char why[PATH_MAX + 128];

		snprintf(path, sizeof(path), "%s/index.html", st->run_dir);
		if (ovl_report_html(dirs, 1, path, why, sizeof(why)))
			fprintf(stderr, "ovlconform: %s\n", why);
		if (st->opts->kcidb_path &&
		    ovl_report_kcidb(st->run_dir, st->opts->kcidb_path,
				     st->opts->kcidb_origin ? st->opts->kcidb_origin : "ovlconform", st->opts->kcidb_log_url,
				     why, sizeof(why)))
			fprintf(stderr, "ovlconform: --kcidb: %s\n", why);
	}
	exit_code = res->interrupted ? OVL_EXIT_INTERRUPTED
		    : res->counts[OVL_FAIL] + res->counts[OVL_XPASS] ? OVL_EXIT_FAIL
		    : res->counts[OVL_BROK] ? OVL_EXIT_BROK : OVL_EXIT_OK;
	fprintf(st->runlog, "exit %d after %.2f s\n", exit_code, res->wall_seconds);
	return exit_code;
}

/* Whatever prepare_run_dirs() and prepare_environment() made, half-made included. */
static void run_state_free(struct run_state *st)
{
	for (size_t i = 0; i < st->res->ncases; i++)
		ovl_case_result_free(&st->res->cases[i]);
	free(st->res->cases);
	free(st->sel);
	ovl_deviations_free(st->devs);
	ovl_kconfig_free(st->kc);
	if (st->runlog)
		fclose(st->runlog);
	if (st->kmsg_fd >= 0)
		close(st->kmsg_fd);
	if (*st->scratch && st->lock_fd >= 0)
		ovl_remove_tree(st->scratch);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
}

/* The target's version, and its known deviations (a data file per target); -EINVAL with the reason on stderr. */
static int load_deviations(struct run_state *st)
{
	const struct ovl_run_opts *opts = st->opts;
	const struct ovl_case *const *all;
	size_t nall = ovl_cases_all(&all);
	const char *impl = opts->target->implementation ? opts->target->implementation : opts->target->name;
	char why[2048];

	if (opts->target->version && opts->target->version(st->target_version, sizeof(st->target_version)))
		st->target_version[0] = 0;
	snprintf(st->res->target_version, sizeof(st->res->target_version), "%s", st->target_version);

	if (opts->deviations_path)
		snprintf(st->devs_path, sizeof(st->devs_path), "%s", opts->deviations_path);
	else if (ovl_fmt(st->devs_path, sizeof(st->devs_path), "%s/deviations/%s.json", opts->fixtures_dir, impl)) {
		fprintf(stderr, "ovlconform: %s: path too long\n", opts->fixtures_dir);
		return -EINVAL;
	}
	st->devs = ovl_deviations_load(st->devs_path, impl, !opts->deviations_path, all, nall, why, sizeof(why));
	if (!st->devs) {
		fprintf(stderr, "ovlconform: known deviations: %s\n", why);
		return -EINVAL;
	}
	snprintf(st->res->deviations, sizeof(st->res->deviations), "%s", st->devs_path);
	return 0;
}

int ovl_run(const struct ovl_run_opts *opts)
{
	struct ovl_run_result res = { 0 };
	struct run_state st = { .opts = opts, .res = &res, .kmsg_fd = -1, .lock_fd = -1, .t0 = runner_now(),
				.jobs = opts->jobs ? opts->jobs : 1, .ktap = opts->ktap ? opts->ktap : stdout };
	size_t nfs = 0;
	int exit_code = OVL_EXIT_USAGE;

	if (select_cases(&st) || load_deviations(&st) || prepare_run_dirs(&st))
		goto out;
	prepare_environment(&st);
	fprintf(st.runlog, "ovlconform run %s: target %s, kernel %s, %zu cases\n", res.run_id, opts->target->name,
		res.kernel, st.nsel);
	for (int k = 0; k < OVL_NR_BACKING; k++)
		nfs += (opts->fs_mask >> k) & 1;
	st.total = nfs * st.nsel;
	res.cases = calloc(st.total ? st.total : 1, sizeof(*res.cases));
	if (!res.cases)
		goto out;
	ovl_ktap_begin(st.ktap, st.total);
	fprintf(st.ktap, "# ovlconform run %s: target %s (%s), kernel %s\n", res.run_id, opts->target->name,
		opts->target->what, st.release);
	if (*st.target_version)
		fprintf(st.ktap, "# target version: %s\n", st.target_version);
	if (opts->target_options)
		fprintf(st.ktap, "# target options: %s\n", opts->target_options);
	fprintf(st.ktap, "# known deviations: %zu, from %s\n", ovl_deviations_count(st.devs), st.devs_path);
	if (!st.privileged)
		fprintf(st.ktap, "# %s\n", st.priv_why);
	if (*st.kmsg_why) {
		fprintf(st.ktap, "# %s\n", st.kmsg_why);
		fprintf(st.runlog, "%s\n", st.kmsg_why);
	}
	{
		struct fs_slot fs[OVL_NR_BACKING] = { 0 };
		size_t n = 0;

		for (int k = 0; k < OVL_NR_BACKING; k++)
			if (opts->fs_mask & (1u << k)) {
				fs[n].fr = &res.fs[res.nfs++];
				fs[n].fr->name = fs[n].b.name = ovl_backing_name(k);
				fs[n].b.bit = 1u << k;
				fs[n].fr->outcome = OVL_CONF;
				snprintf(fs[n].fr->reason, sizeof(fs[n].fr->reason), "no case ran on it");
				n++;
			}
		if (st.total)
			run_jobs(&st, fs, n);
		else
			for (size_t k = 0; k < n; k++)
				fprintf(st.ktap, "# %s: not made: no case selected\n", fs[k].fr->name);
	}
	exit_code = report_run(&st);
out:
	run_state_free(&st);
	return exit_code;
}
