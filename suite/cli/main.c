// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/cli/main.c - the ovlconform command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "descriptor.h"
#include "matrix.h"
#include "runner.h"
#include "result.h"
#include "kconfig_cmd.h"
#include "store_cmd.h"
#include "target.h"
#include "explore.h"

#define DEFAULT_SCRATCH "/var/tmp/ovlconform"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ovlconform run [options] [CASE|TAG ...]   run cases (default: all)\n"
		"       ovlconform list [--format F] [--tags]     list the cases (F: text, markdown, json)\n"
		"       ovlconform cleanup [--scratch DIR]        remove what killed runs left\n"
		"       ovlconform kconfig [--config FILE]        what the kernel was built with, and which\n"
		"                                                 cases that rules out (ovlconform kconfig --help)\n"
		"       ovlconform store VERB ...                 Docker's overlay2 store: import, export,\n"
		"                                                 ls, verify (ovlconform store --help)\n"
		"       ovlconform explore [options]              random fixtures and operations against the\n"
		"                                                 model; a divergence is shrunk to a reproducer\n"
		"       ovlconform replay FILE [options]          run a reproducer, every check shown\n"
		"       ovlconform kernels RESULTS...            runs on several kernels side by side (Markdown);\n"
		"                                                 exit 1 on a difference no deviation explains\n"
		"       ovlconform diff RESULTS_A RESULTS_B       what changed from one run to another (result\n"
		"                                                 dirs or their summary.json); exit 1 on a new\n"
		"                                                 failure\n"
		"       ovlconform report RESULTS... -o FILE      one HTML page of several runs (a matrix of\n"
		"                                                 case x run x filesystem; each run also writes\n"
		"                                                 its own index.html)\n"
		"       ovlconform kcidb RESULTS -o FILE          a run as KernelCI KCIDB data (schema v5.0)\n"
		"\n"
		"run options:\n"
		"  --fs LIST          backing filesystems: tmpfs,ext4,xfs,btrfs or all (default all)\n"
		"  --target NAME      what to test (default kernel; see ovlconform list --targets)\n"
		"  --target-opt OPTS  the target's own options, comma-separated, for every mount\n"
		"                     (fuse-overlayfs: squash_to_root, static_nlink, noacl...)\n"
		"  --compare NAME     run the selection on target NAME too, then print the checks\n"
		"                     whose outcomes differ (NAME's KTAP goes to its ktap.txt)\n"
		"  --deviations FILE  the target's known deviations (default:\n"
		"                     FIXTURES/deviations/TARGET.json; none when it is absent)\n"
		"  --results DIR      results go to DIR/<run-id>/ (default ./results)\n"
		"  --kcidb FILE       also write the run as KernelCI KCIDB data (I/O schema v5.0)\n"
		"  --kcidb-origin O   its origin ([a-z0-9_]+, default ovlconform)\n"
		"  --kcidb-log-url U  where the results dir is published: each test's log_url\n"
		"  --scratch DIR      scratch space (default $OVLCONFORM_SCRATCH or " DEFAULT_SCRATCH ")\n"
		"  --fixtures DIR     layer fixtures (default: $OVLCONFORM_FIXTURES, the installed\n"
		"                     share/ovlconform/fixtures, or the checkout's fixtures/)\n"
		"  --kconfig FILE     judge cases' kernel needs by this config (default: the running\n"
		"                     kernel's: $KCONFIG_PATH, /proc/config.gz, /boot/config-...)\n"
		"  --timeout-mult N   multiply every case timeout by N (slow VMs)\n"
		"  -j, --jobs N       run N cases at once (default: the CPUs this process may use);\n"
		"                     the output is a serial run's, in case order\n"
		"  --no-progress      no progress line on a terminal\n"
		"\n"
		"explore options (and the run options):\n"
		"  --seconds N        explore for N seconds on each filesystem (default 60)\n"
		"  --trials N         or stop after N trials (with --seconds, whichever comes first)\n"
		"  --seed S           the seed of trial 0 (default 1); a trial is a function of both\n"
		"  --options OPTS     mount every trial with OPTS (default: a random set each trial)\n"
		"  --lowers MIN-MAX   lower layers per trial (default 1-5)\n"
		"  --steps N          operations per trial, at most (default 40)\n"
		"  --no-users         no operations as an unprivileged uid\n"
		"  --out DIR          reproducers go to DIR (default RESULTS/explore)\n"
		"\n"
		"KTAP goes to stdout. Exit codes: 0 all PASS/CONF/XFAIL, 1 a FAIL or XPASS,\n"
		"2 a BROK without FAIL, 3 usage or descriptor error, 4 interrupted.\n");
}

/*
 * fixtures/: $OVLCONFORM_FIXTURES; else, for the runner make install put in
 * BINDIR, DATADIR/fixtures; else (a staged or moved install)
 * <bindir>/../share/ovlconform/fixtures; else the first fixtures/ found
 * going up from the directory holding the binary (build/ovlconform,
 * build/check/...) in a checkout; else ./fixtures.
 */
static void default_fixtures(char *out, size_t len)
{
	char exe[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (getenv("OVLCONFORM_FIXTURES")) {
		snprintf(out, len, "%s", getenv("OVLCONFORM_FIXTURES"));
		return;
	}
	snprintf(out, len, "fixtures");
	if (n <= 0)
		return;
	exe[n] = 0;
	dir = dirname(exe);
#ifdef OVL_DATADIR
	{
		/* the installed runner: its data where make install put it */
		char bindir[PATH_MAX], here[PATH_MAX];
		struct stat st;

		if (realpath(OVL_BINDIR, bindir) && realpath(dir, here) && strcmp(bindir, here) == 0 &&
		    stat(OVL_DATADIR "/fixtures", &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(out, len, "%s", OVL_DATADIR "/fixtures");
			return;
		}
	}
#endif
	{
		char cand[PATH_MAX + 64], real[PATH_MAX];
		struct stat st;

		snprintf(cand, sizeof(cand), "%s/../share/ovlconform/fixtures", dir);
		if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode) && realpath(cand, real)) {
			snprintf(out, len, "%s", real);
			return;
		}
	}
	for (int up = 0; up < 4; up++) {
		char cand[PATH_MAX + 64];
		struct stat st;

		snprintf(cand, sizeof(cand), "%s/fixtures", dir);
		if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(out, len, "%s", cand);
			return;
		}
		if (strcmp(dir, "/") == 0)
			break;
		dir = dirname(dir);
	}
}

/* The backing filesystems a case runs on, as text ("all" or "ext4, xfs"). */
static void fs_list(const struct ovl_case *c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	if (!c->fs || (c->fs & OVL_FS_ALL) == OVL_FS_ALL) {
		snprintf(buf, len, "all");
		return;
	}
	for (int k = 0; k < OVL_NR_BACKING; k++)
		if (c->fs & (1u << k))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ", " : "",
					      ovl_backing_name(k));
}

/* A markdown table cell: '|' escaped, on one line. */
static void md_cell(const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", stdout);
		else
			putchar(*s == '\n' ? ' ' : *s);
	}
}

static json_t *json_list(const char *items)
{
	json_t *a = json_array();

	for (const char *p = items; p && *p;) {
		const char *e = strchrnul(p, ',');

		json_array_append_new(a, json_stringn(p, (size_t)(e - p)));
		p = *e ? e + 1 : e;
	}
	return a;
}

static json_t *json_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *case_json(const struct ovl_case *c)
{
	char id[256];
	json_t *o = json_object(), *fs = json_array();

	ovl_case_id(c, id, sizeof(id));
	for (int k = 0; k < OVL_NR_BACKING; k++)
		if (!c->fs || (c->fs & (1u << k)))
			json_array_append_new(fs, json_string(ovl_backing_name(k)));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "number", json_integer(c->number));
	json_object_set_new(o, "slug", json_string(c->slug));
	json_object_set_new(o, "purpose", json_string(c->purpose));
	json_object_set_new(o, "tags", json_list(c->tags));
	json_object_set_new(o, "filesystems", fs);
	json_object_set_new(o, "needs_root", json_boolean(c->needs_root));
	json_object_set_new(o, "lowers", json_integer(c->lowers ? c->lowers : 3));
	json_object_set_new(o, "no_upper", json_boolean(c->no_upper));
	json_object_set_new(o, "fixture", json_str(c->fixture));
	json_object_set_new(o, "mount_options", json_str(c->mount_options));
	json_object_set_new(o, "needs_features", json_list(c->needs_features));
	json_object_set_new(o, "needs_kconfig", json_str(c->needs_kconfig));
	json_object_set_new(o, "needs_programs", json_list(c->needs_programs));
	json_object_set_new(o, "timeout", json_integer(c->timeout ? c->timeout : OVL_TIMEOUT_DEFAULT));
	json_object_set_new(o, "file", json_string(c->file));
	json_object_set_new(o, "variant_of", c->base ? json_integer(c->base->number) : json_null());
	return o;
}

static int list_cases(const struct ovl_case *const *all, size_t n, const char *format)
{
	if (strcmp(format, "text") == 0) {
		int wid = 0, wtag = 0;
		char id[256];

		/* columns as wide as their widest entry */
		for (size_t i = 0; i < n; i++) {
			ovl_case_id(all[i], id, sizeof(id));
			wid = (int)strlen(id) > wid ? (int)strlen(id) : wid;
			wtag = (int)strlen(all[i]->tags) > wtag ? (int)strlen(all[i]->tags) : wtag;
		}
		for (size_t i = 0; i < n; i++) {
			ovl_case_id(all[i], id, sizeof(id));
			printf("%-*s %-*s %s\n", wid, id, wtag, all[i]->tags, all[i]->purpose);
		}
	} else if (strcmp(format, "markdown") == 0) {
		/* The README's case table (make check compares the two). */
		printf("| case | what it checks | tags | filesystems |\n|---|---|---|---|\n");
		for (size_t i = 0; i < n; i++) {
			char id[256], fs[128];

			if (ovl_case_has_tag(all[i], "harness"))
				continue;
			ovl_case_id(all[i], id, sizeof(id));
			fs_list(all[i], fs, sizeof(fs));
			printf("| `%s` | ", id);
			md_cell(all[i]->purpose);
			printf(" | %s | %s |\n", all[i]->tags, fs);
		}
	} else if (strcmp(format, "json") == 0) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, case_json(all[i]));
		json_dumpf(a, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(a);
	} else {
		fprintf(stderr, "ovlconform list: --format is text, markdown or json, not '%s'\n", format);
		return OVL_EXIT_USAGE;
	}
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "targets", no_argument, NULL, 'T' },
		{ "tags", no_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ovl_case *const *all;
	size_t n = ovl_cases_all(&all);
	char why[2048], fixtures[PATH_MAX];
	const char *format = "text";
	bool tags = false, targets = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'T': targets = true; break;
		case 't': tags = true; break;
		case 'f': format = optarg; break;
		case 'h':
			printf("usage: ovlconform list [--format text|markdown|json] [--tags] [--targets]\n");
			return 0;
		default:
			fprintf(stderr, "usage: ovlconform list [--format text|markdown|json] [--tags] [--targets]\n");
			return OVL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ovlconform list: unexpected argument '%s'\n", argv[optind]);
		return OVL_EXIT_USAGE;
	}
	if (targets) {
		for (const struct ovl_target *const *t = ovl_targets; *t; t++) {
			char pwhy[512] = "";
			int r = (*t)->probe(pwhy, sizeof(pwhy));

			printf("%s: %s\n", (*t)->name, (*t)->what);
			printf("  here: %s%s\n", r ? "not usable: " : "usable", r ? pwhy : "");
			for (const char *const *cap = (*t)->capabilities; cap && *cap; cap++)
				printf("  - %s\n", *cap);
		}
		return 0;
	}
	if (tags) {
		for (const char *const *t = ovl_known_tags; *t; t++) {
			size_t k = 0;

			for (size_t i = 0; i < n; i++)
				k += ovl_case_has_tag(all[i], *t);
			printf("%-14s %zu case%s\n", *t, k, k == 1 ? "" : "s");
		}
		return 0;
	}
	default_fixtures(fixtures, sizeof(fixtures));
	if (ovl_cases_validate(all, n, fixtures, why, sizeof(why))) {
		fprintf(stderr, "ovlconform: invalid case descriptor: %s\n", why);
		return OVL_EXIT_USAGE;
	}
	return list_cases(all, n, format);
}

/* An absolute form of path (made from the cwd when relative). */
static void absolute(const char *path, char *out, size_t len)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		snprintf(out, len, "%s", path);
	else
		snprintf(out, len, "%s/%s", cwd, path);
}

/*
 * ovlconform explore / replay: one case of the program's own, run on each
 * filesystem of the run like any case (namespaces, timeout, cleanup, KTAP).
 */
static int explore_cmd(const char *cmd, struct ovl_run_opts *o, const char *out_dir, int nargs, char **args)
{
	static struct ovl_case c = { .needs_root = true, .tags = "explore", .file = __FILE__ };
	static const struct ovl_case *const cases[] = { &c };
	struct stat st;

	if (strcmp(cmd, "replay") == 0) {
		if (nargs != 1) {
			fprintf(stderr, "ovlconform: replay wants one reproducer file\n");
			return OVL_EXIT_USAGE;
		}
		if (stat(args[0], &st) || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "ovlconform: replay: %s: %s\n", args[0], errno ? strerror(errno) : "not a file");
			return OVL_EXIT_USAGE;
		}
		absolute(args[0], ovl_explore.replay_file, sizeof(ovl_explore.replay_file));
		c.number = 9991;
		c.slug = "replay";
		c.purpose = "a reproducer, every operation checked against the model";
		c.timeout = 600;
		c.run = replay_case_run;
	} else {
		char rd[PATH_MAX];

		if (nargs) {
			fprintf(stderr, "ovlconform: explore takes no case names ('%s')\n", args[0]);
			return OVL_EXIT_USAGE;
		}
		if (!ovl_explore.seconds && !ovl_explore.trials)
			ovl_explore.seconds = 60;
		absolute(o->results_dir, rd, sizeof(rd));
		if (out_dir)
			absolute(out_dir, ovl_explore.out_dir, sizeof(ovl_explore.out_dir));
		else
			snprintf(ovl_explore.out_dir, sizeof(ovl_explore.out_dir), "%s/explore", rd);
		c.number = 9990;
		c.slug = "explore";
		c.purpose = "random fixtures and operations against the model until they diverge";
		/* the time asked for, and as long again for shrinking a divergence (at least 10 minutes) */
		c.timeout = ovl_explore.seconds * 2 + (unsigned int)(ovl_explore.trials * 4) + 600;
		c.run = explore_case_run;
	}
	o->extra_cases = cases;
	o->nextra = 1;
	return ovl_run(o);
}

/*
 * ovlconform diff A B: the case runs and checks whose outcome changed from
 * run A to run B. Exit 1 when something fails in B that did not in A (a case
 * run or a check), 0 when not, 3 when a result cannot be read.
 */
static int cmd_diff(int argc, char **argv)
{
	struct ovl_diff_counts n;
	char why[4400];

	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		fprintf(stderr, "usage: ovlconform diff RESULTS_A RESULTS_B\n"
				"  RESULTS: a run's results dir (results/<run-id>, results/latest) or its summary.json\n");
		return OVL_EXIT_USAGE;
	}
	if (ovl_results_diff(argv[1], argv[2], stdout, &n, why, sizeof(why))) {
		fprintf(stderr, "ovlconform diff: %s\n", why);
		return OVL_EXIT_USAGE;
	}
	return n.new_failures || n.new_failing_checks ? OVL_EXIT_FAIL : OVL_EXIT_OK;
}

/*
 * ovlconform report RESULTS... -o FILE: one HTML page of several runs
 * (other filesystems, targets, kernels from scripts/vm). Exit 3 when a
 * result cannot be read or the page not written.
 */
static int cmd_report(int argc, char **argv)
{
	const char *out = NULL, **dirs = calloc((size_t)argc, sizeof(*dirs));
	size_t n = 0;
	char why[4400];

	if (!dirs)
		return OVL_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--out") == 0) && i + 1 < argc)
			out = argv[++i];
		else if (argv[i][0] != '-')
			dirs[n++] = argv[i];
		else
			n = 0, i = argc;
	}
	if (!out || !n) {
		fprintf(stderr, "usage: ovlconform report RESULTS... -o FILE.html\n"
				"  RESULTS: a run's results dir (results/<run-id>; scripts/vm's too)\n");
		free(dirs);
		return OVL_EXIT_USAGE;
	}
	if (ovl_report_html(dirs, n, out, why, sizeof(why))) {
		fprintf(stderr, "ovlconform report: %s\n", why);
		free(dirs);
		return OVL_EXIT_USAGE;
	}
	printf("ovlconform report: %zu run%s in %s\n", n, n == 1 ? "" : "s", out);
	free(dirs);
	return OVL_EXIT_OK;
}

/*
 * ovlconform kcidb RESULTS -o FILE [--origin O] [--log-url U]: a run's
 * results (one of scripts/vm's too) as KCIDB data. Exit 3 when the result
 * cannot be read or the file not written.
 */
static int cmd_kcidb(int argc, char **argv)
{
	const char *out = NULL, *origin = "ovlconform", *url = NULL, *dir = NULL;
	char why[4400];

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--out") == 0) && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--origin") == 0 && i + 1 < argc)
			origin = argv[++i];
		else if (strcmp(argv[i], "--log-url") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else
			out = NULL, i = argc;
	}
	if (!out || !dir) {
		fprintf(stderr, "usage: ovlconform kcidb RESULTS -o FILE.json [--origin O] [--log-url URL]\n");
		return OVL_EXIT_USAGE;
	}
	if (ovl_report_kcidb(dir, out, origin, url, why, sizeof(why))) {
		fprintf(stderr, "ovlconform kcidb: %s\n", why);
		return OVL_EXIT_USAGE;
	}
	return OVL_EXIT_OK;
}

/*
 * ovlconform kernels RUN...: the runs of one selection on several kernels
 * (scripts/vm matrix makes them) side by side, in Markdown. Exit 1 when a
 * row differs and one of its cells is a FAIL no known deviation explains,
 * or a BROK; 3 when a result cannot be read.
 */
static int cmd_kernels(int argc, char **argv)
{
	struct ovl_kernels_counts n;
	char why[4400];

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: ovlconform kernels RESULTS...\n"
				"  RESULTS: a run's results dir (results/<run-id>) or its summary.json, one per kernel\n");
		return OVL_EXIT_USAGE;
	}
	if (ovl_results_kernels((const char *const *)argv + 1, (size_t)argc - 1, stdout, &n, why, sizeof(why))) {
		fprintf(stderr, "ovlconform kernels: %s\n", why);
		return OVL_EXIT_USAGE;
	}
	fprintf(stderr, "ovlconform kernels: %zu case runs, %zu differ, %zu differing cells unexplained\n", n.rows,
		n.differing, n.unexplained);
	return n.unexplained ? OVL_EXIT_FAIL : OVL_EXIT_OK;
}

/*
 * ovlconform run --target A --compare B: B's run first, its KTAP into its
 * results dir (ktap.txt), then A's on stdout, then the checks whose
 * outcomes differ, as A against B (ovl_results_diff with B as the first
 * run): KTAP diagnostic lines after A's. The exit code is A's run's.
 */
static int run_compare(struct ovl_run_opts *o, const struct ovl_target *other)
{
	char dir_a[PATH_MAX] = "", dir_b[PATH_MAX] = "", path[PATH_MAX + 16], why[4400];
	struct ovl_run_opts b = *o;
	struct ovl_diff_counts n;
	FILE *ktap, *diff;
	char *text = NULL;
	size_t len = 0;
	int ra, rb;

	if (other == o->target) {
		fprintf(stderr, "ovlconform: --compare %s: that is the target under test\n", other->name);
		return OVL_EXIT_USAGE;
	}
	b.target = other;
	b.target_options = NULL;
	b.run_suffix = other->name;
	b.run_dir_out = dir_b;
	b.ktap = tmpfile();
	if (!b.ktap) {
		fprintf(stderr, "ovlconform: --compare: tmpfile: %s\n", strerror(errno));
		return OVL_EXIT_USAGE;
	}
	rb = ovl_run(&b);
	if (*dir_b) {
		snprintf(path, sizeof(path), "%s/ktap.txt", dir_b);
		ktap = fopen(path, "w");
		rewind(b.ktap);
		for (int ch; ktap && (ch = getc(b.ktap)) != EOF;)
			putc(ch, ktap);
		if (ktap)
			fclose(ktap);
	}
	fclose(b.ktap);
	if (rb == OVL_EXIT_USAGE || !*dir_b) {
		fprintf(stderr, "ovlconform: --compare: the %s run did not complete (exit %d)\n", other->name, rb);
		return OVL_EXIT_USAGE;
	}
	o->run_suffix = o->target->name;
	o->run_dir_out = dir_a;
	ra = ovl_run(o);
	if (ra == OVL_EXIT_USAGE || !*dir_a)
		return ra;
	diff = open_memstream(&text, &len);
	if (!diff || ovl_results_compare(dir_b, dir_a, true, diff, &n, why, sizeof(why))) {
		if (diff)
			fclose(diff);
		free(text);
		fprintf(stderr, "ovlconform: --compare: %s\n", diff ? why : strerror(errno));
		return OVL_EXIT_USAGE;
	}
	fclose(diff);
	printf("# compare: %s (%s) against %s (%s, KTAP in its ktap.txt)\n", o->target->name, dir_a, other->name,
	       dir_b);
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		printf("# %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
	}
	free(text);
	return ra;
}

/* The CPUs this process may run on (its affinity mask), at most OVL_MAX_JOBS. */
static unsigned int default_jobs(void)
{
	cpu_set_t set;
	int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : (int)sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > OVL_MAX_JOBS ? OVL_MAX_JOBS : (unsigned int)n;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fs", required_argument, NULL, 'f' },
		{ "target", required_argument, NULL, 't' },
		{ "results", required_argument, NULL, 'r' },
		{ "scratch", required_argument, NULL, 's' },
		{ "fixtures", required_argument, NULL, 'x' },
		{ "kconfig", required_argument, NULL, 'k' },
		{ "timeout-mult", required_argument, NULL, 'm' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "target-opt", required_argument, NULL, 'O' },
		{ "compare", required_argument, NULL, 'C' },
		{ "deviations", required_argument, NULL, 'D' },
		{ "seconds", required_argument, NULL, 1000 },
		{ "trials", required_argument, NULL, 1001 },
		{ "seed", required_argument, NULL, 1002 },
		{ "options", required_argument, NULL, 1003 },
		{ "lowers", required_argument, NULL, 1004 },
		{ "steps", required_argument, NULL, 1005 },
		{ "no-users", no_argument, NULL, 1006 },
		{ "out", required_argument, NULL, 1007 },
		{ "kcidb", required_argument, NULL, 1008 },
		{ "kcidb-origin", required_argument, NULL, 1009 },
		{ "kcidb-log-url", required_argument, NULL, 1010 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ovl_run_opts o = { .target = &ovl_target_kernel, .results_dir = "results",
				  .timeout_mult = 1.0 };
	char fixtures[PATH_MAX], why[512];
	const char *cmd, *out_dir = NULL, *target_opt = NULL;
	const struct ovl_target *compare = NULL;
	bool explore, explore_opts = false;
	int c;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? OVL_EXIT_USAGE : 0;
	}
	cmd = argv[1];
	if (strcmp(cmd, "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (strcmp(cmd, "kernels") == 0)
		return cmd_kernels(argc - 1, argv + 1);
	if (strcmp(cmd, "diff") == 0)
		return cmd_diff(argc - 1, argv + 1);
	if (strcmp(cmd, "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (strcmp(cmd, "kcidb") == 0)
		return cmd_kcidb(argc - 1, argv + 1);
	if (strcmp(cmd, "store") == 0)
		return ovl_store_main(argc - 1, argv + 1);
	if (strcmp(cmd, "kconfig") == 0) {
		default_fixtures(fixtures, sizeof(fixtures));
		return ovl_kconfig_main(argc - 1, argv + 1, fixtures);
	}
	explore = strcmp(cmd, "explore") == 0 || strcmp(cmd, "replay") == 0;
	if (strcmp(cmd, "run") != 0 && strcmp(cmd, "cleanup") != 0 && !explore) {
		fprintf(stderr, "ovlconform: unknown command '%s'\n", cmd);
		usage(stderr);
		return OVL_EXIT_USAGE;
	}
	o.scratch_dir = getenv("OVLCONFORM_SCRATCH") ? getenv("OVLCONFORM_SCRATCH") : DEFAULT_SCRATCH;
	o.fs_mask = (1u << OVL_NR_BACKING) - 1;
	o.progress = isatty(STDERR_FILENO);
	default_fixtures(fixtures, sizeof(fixtures));
	o.fixtures_dir = fixtures;
	optind = 2;
	o.jobs = default_jobs();
	while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (ovl_backing_parse(optarg, &o.fs_mask, why, sizeof(why))) {
				fprintf(stderr, "ovlconform: --fs: %s\n", why);
				return OVL_EXIT_USAGE;
			}
			break;
		case 't':
			o.target = ovl_target_find(optarg);
			if (!o.target) {
				fprintf(stderr, "ovlconform: unknown target '%s' (ovlconform list --targets)\n",
					optarg);
				return OVL_EXIT_USAGE;
			}
			break;
		case 'O': target_opt = optarg; break;
		case 'D': o.deviations_path = optarg; break;
		case 'C':
			compare = ovl_target_find(optarg);
			if (!compare) {
				fprintf(stderr, "ovlconform: --compare: unknown target '%s' (ovlconform list --targets)\n",
					optarg);
				return OVL_EXIT_USAGE;
			}
			break;
		case 'r': o.results_dir = optarg; break;
		case 's': o.scratch_dir = optarg; break;
		case 'x': o.fixtures_dir = optarg; break;
		case 'k': o.kconfig_path = optarg; break;
		case 'm':
			o.timeout_mult = strtod(optarg, NULL);
			if (o.timeout_mult <= 0 || o.timeout_mult > 100) {
				fprintf(stderr, "ovlconform: --timeout-mult wants a number in (0, 100]\n");
				return OVL_EXIT_USAGE;
			}
			break;
		case 'P': o.progress = false; break;
		case 'j': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (!*optarg || *end || v < 1 || v > OVL_MAX_JOBS) {
				fprintf(stderr, "ovlconform: --jobs wants a number from 1 to %d\n", OVL_MAX_JOBS);
				return OVL_EXIT_USAGE;
			}
			o.jobs = (unsigned int)v;
			break;
		}
		case 1000: case 1001: case 1002: case 1005: {
			char *end;
			unsigned long long v = strtoull(optarg, &end, 0);

			if (!*optarg || *end || (c == 1005 && (v < 1 || v > 100000)) || (c == 1000 && v > 86400 * 7)) {
				fprintf(stderr, "ovlconform: --%s wants a number%s\n", c == 1000 ? "seconds" : c == 1001 ? "trials" : c == 1002 ? "seed" : "steps", c == 1005 ? " from 1 to 100000" : "");
				return OVL_EXIT_USAGE;
			}
			if (c == 1000)
				ovl_explore.seconds = (unsigned int)v;
			else if (c == 1001)
				ovl_explore.trials = (unsigned long)v;
			else if (c == 1002)
				ovl_explore.seed = v;
			else
				ovl_explore.max_steps = (unsigned int)v;
			explore_opts = true;
			break;
		}
		case 1003: ovl_explore.options = optarg; explore_opts = true; break;
		case 1004: {
			unsigned int lo = 0, hi = 0;
			int n = sscanf(optarg, "%u-%u", &lo, &hi);

			if (n == 1)
				hi = lo;
			if (n < 1 || lo < 1 || hi > 5 || lo > hi) {
				fprintf(stderr, "ovlconform: --lowers wants MIN-MAX within 1-5\n");
				return OVL_EXIT_USAGE;
			}
			ovl_explore.min_lowers = lo;
			ovl_explore.max_lowers = hi;
			explore_opts = true;
			break;
		}
		case 1006: ovl_explore.no_users = true; explore_opts = true; break;
		case 1007: out_dir = optarg; explore_opts = true; break;
		case 1008: o.kcidb_path = optarg; break;
		case 1009: o.kcidb_origin = optarg; break;
		case 1010: o.kcidb_log_url = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return OVL_EXIT_USAGE;
		}
	}
	{
		/* cases run in their own dirs: a relative fixtures dir would name nothing there */
		static char absfix[PATH_MAX];

		if (o.fixtures_dir && o.fixtures_dir[0] != '/' && realpath(o.fixtures_dir, absfix))
			o.fixtures_dir = absfix;
	}
	if (strcmp(cmd, "cleanup") == 0) {
		int n = ovl_scratch_clean_stale(o.scratch_dir, stderr);

		if (n < 0) {
			fprintf(stderr, "ovlconform: %s: %s\n", o.scratch_dir, strerror(-n));
			return OVL_EXIT_USAGE;
		}
		printf("removed %d stale run%s from %s\n", n, n == 1 ? "" : "s", o.scratch_dir);
		return 0;
	}
	if (explore_opts && strcmp(cmd, "explore") != 0) {
		fprintf(stderr, "ovlconform: explore options are for ovlconform explore\n");
		return OVL_EXIT_USAGE;
	}
	if (target_opt) {
		if (!o.target->set_target_options) {
			fprintf(stderr, "ovlconform: --target-opt: target %s takes no options of its own\n", o.target->name);
			return OVL_EXIT_USAGE;
		}
		if (o.target->set_target_options(target_opt, why, sizeof(why))) {
			fprintf(stderr, "ovlconform: --target-opt for %s: %s\n", o.target->name, why);
			return OVL_EXIT_USAGE;
		}
		o.target_options = target_opt;
	}
	if (compare && strcmp(cmd, "run") != 0) {
		fprintf(stderr, "ovlconform: --compare is for ovlconform run\n");
		return OVL_EXIT_USAGE;
	}
	if (explore)
		return explore_cmd(cmd, &o, out_dir, argc - optind, argv + optind);
	o.selectors = argv + optind;
	o.nselectors = (size_t)(argc - optind);
	if (compare)
		return run_compare(&o, compare);
	return ovl_run(&o);
}
