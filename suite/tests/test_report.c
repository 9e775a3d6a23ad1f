// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the reporters: KTAP text against a golden rendering, the
 * JSON summary read back with jansson, the JUnit XML's structure and escaping;
 * per-check deviations and the verdict they give, read back by a KTAP reader
 * of our own that holds the output to kselftest's rules.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include <sys/utsname.h>
#include <sys/wait.h>

#include "descriptor.h"
#include "result.h"
#include "deviations.h"
#include "ovl-common.h"
#include "target.h"
#include "runner-private.h"
#include "case-private.h"

static void run_nothing(struct ovl_ctx *ctx)
{
	(void)ctx;
}

static const struct ovl_case c1 = { .number = 1, .slug = "same-name-a-wins", .purpose = "p",
				    .tags = "precedence", .run = run_nothing };
static const struct ovl_case c2 = { .number = 12, .slug = "readonly", .purpose = "p",
				    .tags = "precedence,readonly", .run = run_nothing };

static struct ovl_run_result *fake_run(void)
{
	static struct ovl_case_result cases[3];
	static struct ovl_check_result checks[2];
	static char *diag[] = { "- file /f mode=0644", "+ file /f mode=0600" };
	static struct ovl_run_result run;

	memset(&run, 0, sizeof(run));
	memset(cases, 0, sizeof(cases));
	checks[0] = (struct ovl_check_result){ .name = "after mount: merged view matches the model",
					       .outcome = OVL_FAIL, .diag = diag, .ndiag = 2 };
	checks[1] = (struct ovl_check_result){ .name = "read /f", .outcome = OVL_PASS };
	cases[0] = (struct ovl_case_result){ .c = &c1, .fs = "ext4", .outcome = OVL_FAIL,
					     .checks = checks, .nchecks = 2, .nops = 3, .seconds = 0.5,
					     .max_rss_kb = 1024 };
	snprintf(cases[0].reason, sizeof(cases[0].reason), "1 of 2 checks failed");
	snprintf(cases[0].log, sizeof(cases[0].log), "logs/ext4/0001-same-name-a-wins.log");
	cases[1] = (struct ovl_case_result){ .c = &c2, .fs = "ext4", .outcome = OVL_PASS, .seconds = 0.25,
					     .max_rss_kb = 2048 };
	cases[2] = (struct ovl_case_result){ .c = &c2, .fs = "xfs", .outcome = OVL_CONF };
	snprintf(cases[2].reason, sizeof(cases[2].reason), "mkfs.xfs not found <&> # here");
	run.cases = cases;
	run.ncases = 3;
	run.nfs = 2;
	run.fs[0] = (struct ovl_fs_result){ .name = "ext4", .outcome = OVL_PASS, .setup_seconds = 0.1 };
	run.fs[1] = (struct ovl_fs_result){ .name = "xfs", .outcome = OVL_CONF };
	snprintf(run.fs[1].reason, sizeof(run.fs[1].reason), "mkfs.xfs not found");
	snprintf(run.run_id, sizeof(run.run_id), "20261127-000000-1");
	snprintf(run.run_dir, sizeof(run.run_dir), "results/20261127-000000-1");
	snprintf(run.target, sizeof(run.target), "kernel");
	run.wall_seconds = 2.0;
	run.jobs = 2;
	run.runner_max_rss_kb = 3072;
	ovl_run_result_count(&run);
	return &run;
}

/* The whole run as KTAP (caller frees). */
static char *render(const struct ovl_run_result *run)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	ovl_ktap_begin(f, run->ncases);
	for (size_t i = 0; i < run->ncases; i++)
		ovl_ktap_case(f, i + 1, &run->cases[i]);
	ovl_ktap_end(f, run);
	fclose(f);
	return s;
}

static void test_ktap_golden(void **state)
{
	char *s = render(fake_run());

	(void)state;
	assert_string_equal(s,
		"KTAP version 1\n"
		"1..3\n"
		"  KTAP version 1\n"
		"  1..2\n"
		"  # - file /f mode=0644\n"
		"  # + file /f mode=0600\n"
		"  not ok 1 after mount: merged view matches the model\n"
		"  ok 2 read /f\n"
		"# 0001-same-name-a-wins:ext4: 1 of 2 checks failed\n"
		"# log: logs/ext4/0001-same-name-a-wins.log\n"
		"not ok 1 0001-same-name-a-wins:ext4\n"
		"ok 2 0012-readonly:ext4\n"
		"ok 3 0012-readonly:xfs # SKIP mkfs.xfs not found <&>   here\n"
		"# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0\n"
		"# wall time 2.00 s, 2 checks, 1.0 checks/s\n"
		"# ext4: 2 case runs, 3 model-checked operations, 0.75 s in cases\n"
		"# xfs: 1 case run, 0 model-checked operations, 0.00 s in cases\n"
		"# family precedence: 3 case runs, 0.75 s in cases (ext4 0.75, xfs 0.00)\n"
		"# peak memory: runner 3.0 MiB, largest case 2.0 MiB (readonly:ext4); 2 cases at once\n"
		"# results: results/20261127-000000-1\n"
		"# KTAP leaves (checks, and cases without any): 2 passed, 1 failed, 1 skipped\n"
		"# ovlconform: 1 passed, 1 failed, 1 skipped\n");
	free(s);
}

static void test_json_reads_back(void **state)
{
	char path[] = "/tmp/ovl-json-XXXXXX";
	int fd = mkstemp(path);
	json_error_t jerr;
	json_t *root, *cases, *c0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ovl_report_json(fake_run(), path), 0);
	root = json_load_file(path, 0, &jerr);
	unlink(path);
	if (!root)
		fail_msg("summary.json does not parse: %s", jerr.text);
	assert_string_equal(json_string_value(json_object_get(root, "format")), "ovlconform-results-1");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "totals"), "FAIL")), 1);
	cases = json_object_get(root, "cases");
	assert_int_equal(json_array_size(cases), 3);
	c0 = json_array_get(cases, 0);
	assert_string_equal(json_string_value(json_object_get(c0, "id")), "0001-same-name-a-wins");
	assert_string_equal(json_string_value(json_object_get(c0, "outcome")), "FAIL");
	assert_int_equal(json_array_size(json_object_get(c0, "checks")), 2);
	assert_int_equal(json_integer_value(json_object_get(c0, "operations")), 3);
	assert_int_equal(json_integer_value(json_object_get(root, "operations")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(root, "filesystems"), 0),
							    "operations")), 3);
	{
		json_t *check0 = json_array_get(json_object_get(c0, "checks"), 0);
		json_t *diag = json_object_get(check0, "diagnostics");

		assert_string_equal(json_string_value(json_array_get(diag, 1)), "+ file /f mode=0600");
	}
	{
		json_t *prec = json_object_get(json_object_get(root, "families"), "precedence");

		assert_int_equal(json_integer_value(json_object_get(prec, "runs")), 3);
		assert_true(json_real_value(json_object_get(json_object_get(prec, "by_fs"), "ext4")) == 0.75);
		assert_int_equal(json_integer_value(json_object_get(c0, "max_rss_kb")), 1024);
		assert_int_equal(json_integer_value(json_object_get(root, "jobs")), 2);
		assert_int_equal(json_integer_value(json_object_get(root, "runner_max_rss_kb")), 3072);
	}
	json_decref(root);
}

static void test_junit_structure(void **state)
{
	char path[] = "/tmp/ovl-junit-XXXXXX";
	int fd = mkstemp(path);
	char *s = NULL;

	(void)state;
	close(fd);
	assert_int_equal(ovl_report_junit(fake_run(), path), 0);
	assert_int_equal(ovl_read_file(path, &s, NULL, 1 << 20), 0);
	unlink(path);
	assert_non_null(strstr(s, "<testsuite name=\"ext4\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\""));
	assert_non_null(strstr(s, "<testsuite name=\"xfs\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\""));
	assert_non_null(strstr(s, "<testcase classname=\"ext4\" name=\"0001-same-name-a-wins\""));
	assert_non_null(strstr(s, "<failure message=\"FAIL: 1 of 2 checks failed\">"));
	assert_non_null(strstr(s, "mkfs.xfs not found &lt;&amp;&gt;"));
	assert_null(strstr(s, "<&>"));
	free(s);
}

/*
 * A KTAP reader, as kselftest and the kernel's parser read results: every
 * result line at any depth, by indentation; a line is a success when it says
 * "ok" (SKIP and XFAIL included), a failure when it says "not ok". Counts the
 * top-level results as our summary does, and fails the test on a line that
 * breaks the rules (an XFAIL or SKIP on a "not ok" line, a plan that does not
 * match the results under it).
 */
struct ktap_counts {
	size_t ok, not_ok, skip, xfail, nested_not_ok, nested_xfail;
	size_t leaf_pass, leaf_fail, leaf_skip;	/* as the kernel's kunit_parser.py counts */
};

static void ktap_read(const char *text, struct ktap_counts *c)
{
	size_t plan[8] = { 0 }, seen[8] = { 0 }, bad_below[8] = { 0 };
	const char *p = text;

	memset(c, 0, sizeof(*c));
	while (*p) {
		size_t len = strcspn(p, "\n"), ind = strspn(p, " ");
		const char *l = p + ind;
		size_t depth = ind / 2, n;
		bool ok = strncmp(l, "ok ", 3) == 0, bad = strncmp(l, "not ok ", 7) == 0;
		char line[2048];

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		assert_true(depth < 8);
		assert_int_equal(ind % 2, 0);
		if (sscanf(l, "1..%zu", &n) == 1) {
			plan[depth] = n;
			seen[depth] = 0;
		} else if (ok || bad) {
			const char *dir = strstr(line, " # ");

			seen[depth]++;
			/* a result closes the level below it: its plan must have been met */
			if (plan[depth + 1] && seen[depth + 1] != plan[depth + 1])
				fail_msg("'%s': %zu results under a plan of %zu", line, seen[depth + 1], plan[depth + 1]);
			/* leaves: a result with results under it counts them, and itself only as a failure over passes */
			if (seen[depth + 1]) {
				if (bad && !bad_below[depth + 1])
					c->leaf_fail++;
			} else if (dir && strncmp(dir, " # SKIP", 7) == 0) {
				c->leaf_skip++;
			} else if (ok) {
				c->leaf_pass++;
			} else {
				c->leaf_fail++;
			}
			if (bad || bad_below[depth + 1])
				bad_below[depth]++;
			plan[depth + 1] = seen[depth + 1] = bad_below[depth + 1] = 0;
			if (dir && (strncmp(dir, " # XFAIL", 8) == 0 || strncmp(dir, " # SKIP", 7) == 0) && bad)
				fail_msg("'%s': an expected failure or a skip on a 'not ok' line reads as a failure", line);
			if (depth == 0) {
				c->ok += ok;
				c->not_ok += bad;
				c->skip += ok && dir && strncmp(dir, " # SKIP", 7) == 0;
				c->xfail += ok && dir && strncmp(dir, " # XFAIL", 8) == 0;
			} else {
				c->nested_not_ok += bad;
				c->nested_xfail += ok && dir && strncmp(dir, " # XFAIL", 8) == 0;
			}
		}
		p += len + (p[len] == '\n');
	}
	if (plan[0] && seen[0] != plan[0])
		fail_msg("%zu results under the top plan of %zu", seen[0], plan[0]);
}

/* A case result with checks named and judged as given, the deviations applied, then the verdict. */
static void judge(const struct ovl_devset *devs, const struct ovl_case *c, const char *const *names,
		  const enum ovl_outcome *o, size_t n, struct ovl_case_result *r, struct ovl_check_result *checks)
{
	struct case_watch w;

	memset(&w, 0, sizeof(w));
	memset(r, 0, sizeof(*r));
	w.early = OVL_PASS;
	w.status = 0; /* exited 0 */
	for (size_t i = 0; i < n; i++)
		checks[i] = (struct ovl_check_result){ .name = (char *)names[i], .outcome = o[i] };
	*r = (struct ovl_case_result){ .c = c, .fs = "tmpfs", .outcome = OVL_PASS, .checks = checks, .nchecks = n };
	ovl_deviations_apply(devs, "0202-inode", OVL_FS_TMPFS, "6.18.3", NULL, r);
	runner_verdict_from_records(&w, r);
}

/*
 * Known deviations are per check: a failing check a deviation covers is
 * XFAIL, one that showed nowhere in the case makes its checks XPASS, any
 * other failure FAILs the case; the filters (filesystem, kernel range)
 * hold; and KTAP shows every XFAIL as an "ok ... # XFAIL" line, at both
 * levels, so that a run whose only failures are known reads as a pass
 * with our own totals. (The data file itself: test_deviations.c.)
 */
static void test_deviations_per_check(void **state)
{
	static const char json[] =
		"{\"target\":\"kernel\",\"deviations\":["
		"{\"id\":\"doc\",\"cases\":[\"0202-inode\"],\"checks\":\"two fs, *: d_ino == i_ino*\","
		"\"kernels\":\"6.18\",\"observed\":[],\"why\":\"doc says so, at length\"},"
		"{\"id\":\"e4\",\"cases\":[\"0202-inode\"],\"checks\":\"ext4 only*\",\"fs\":[\"ext4\"],"
		"\"observed\":[],\"why\":\"ext4 does it this way\"},"
		"{\"id\":\"old\",\"cases\":[\"0202-inode\"],\"checks\":\"old kernels*\",\"kernels\":\"-6.1\","
		"\"observed\":[],\"why\":\"fixed since then, long ago\"}]}";
	struct ovl_case c = { .number = 202, .slug = "inode", .purpose = "p", .tags = "inode", .run = run_nothing };
	const struct ovl_case *all[] = { &c };
	const char *names[] = { "after mount: merged view matches the model", "two fs, xino=off: d_ino == i_ino after copy-up",
				"two fs, xino=on: d_ino == i_ino after a remount", "ext4 only: a rule", "old kernels: a rule" };
	struct ovl_check_result checks[5];
	struct ovl_case_result r;
	struct ktap_counts k;
	struct ovl_devset *devs;
	char *s = NULL, path[] = "/tmp/ovl-report-devs.XXXXXX", why[512];
	size_t n = 0;
	FILE *f;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, sizeof(json) - 1), (ssize_t)(sizeof(json) - 1));
	close(fd);
	devs = ovl_deviations_load(path, "kernel", false, all, 1, why, sizeof(why));
	unlink(path);
	if (!devs)
		fail_msg("%s", why);
	/* only covered checks fail: XFAIL, each check XFAIL with the reason */
	judge(devs, &c, names, (const enum ovl_outcome[]){ OVL_PASS, OVL_FAIL, OVL_FAIL, OVL_PASS, OVL_PASS }, 5, &r,
	      checks);
	assert_int_equal(r.outcome, OVL_XFAIL);
	assert_int_equal(checks[1].outcome, OVL_XFAIL);
	assert_int_equal(checks[2].outcome, OVL_XFAIL);
	assert_string_equal(checks[1].reason, "doc: doc says so, at length");
	assert_int_equal(checks[0].outcome, OVL_PASS);
	/* the ext4 deviation does not cover tmpfs, the kernel range excludes this kernel */
	assert_int_equal(checks[3].outcome, OVL_PASS);
	assert_int_equal(checks[4].outcome, OVL_PASS);
	assert_null(checks[0].reason);
	f = open_memstream(&s, &n);
	ovl_ktap_begin(f, 1);
	ovl_ktap_case(f, 1, &r);
	fclose(f);
	ktap_read(s, &k);
	assert_int_equal(k.not_ok, 0);
	assert_int_equal(k.nested_not_ok, 0);
	assert_int_equal(k.ok, 1);
	assert_int_equal(k.xfail, 1);
	assert_int_equal(k.nested_xfail, 2);
	assert_non_null(strstr(s, "  ok 2 two fs, xino=off: d_ino == i_ino after copy-up # XFAIL doc: doc says so, at length\n"));
	free(s);

	/* a failure no deviation covers FAILs the case, whatever else is known */
	judge(devs, &c, names, (const enum ovl_outcome[]){ OVL_FAIL, OVL_FAIL, OVL_PASS, OVL_PASS, OVL_PASS }, 5, &r,
	      checks);
	assert_int_equal(r.outcome, OVL_FAIL);
	assert_int_equal(checks[0].outcome, OVL_FAIL);
	/* shown once in the case: the check that passes beside it stays PASS */
	judge(devs, &c, names, (const enum ovl_outcome[]){ OVL_PASS, OVL_FAIL, OVL_PASS, OVL_PASS, OVL_PASS }, 5, &r,
	      checks);
	assert_int_equal(r.outcome, OVL_XFAIL);
	assert_int_equal(checks[2].outcome, OVL_PASS);
	/* gone: every check it covers passes, XPASS, and so is the case */
	judge(devs, &c, names, (const enum ovl_outcome[]){ OVL_PASS, OVL_PASS, OVL_PASS, OVL_PASS, OVL_PASS }, 5, &r,
	      checks);
	assert_int_equal(r.outcome, OVL_XPASS);
	assert_int_equal(checks[1].outcome, OVL_XPASS);
	assert_int_equal(checks[2].outcome, OVL_XPASS);
	assert_non_null(strstr(r.reason, "2 checks passed that a known deviation says fail"));
	/* nothing covered runs: PASS */
	judge(devs, &c, names, (const enum ovl_outcome[]){ OVL_PASS, OVL_PASS, OVL_PASS, OVL_PASS, OVL_PASS }, 1, &r,
	      checks);
	assert_int_equal(r.outcome, OVL_PASS);
	/* an early end is never a known deviation */
	{
		struct case_watch w;

		memset(&w, 0, sizeof(w));
		w.early = OVL_BROK;
		snprintf(w.why, sizeof(w.why), "mount failed");
		for (size_t i = 0; i < 2; i++)
			checks[i] = (struct ovl_check_result){ .name = (char *)names[i], .outcome = i ? OVL_FAIL : OVL_PASS };
		r = (struct ovl_case_result){ .c = &c, .fs = "tmpfs", .outcome = OVL_PASS, .checks = checks, .nchecks = 2 };
		ovl_deviations_apply(devs, "0202-inode", OVL_FS_TMPFS, "6.18.3", NULL, &r);
		runner_verdict_from_records(&w, &r);
		assert_int_equal(r.outcome, OVL_BROK);
	}
	ovl_deviations_free(devs);
}

/* The golden run read back: totals as our summary line gives them. */
static void test_ktap_reader_totals(void **state)
{
	struct ovl_run_result *run = fake_run();
	struct ktap_counts k;
	char *s = render(run);

	(void)state;
	ktap_read(s, &k);
	/* "# ovlconform: 1 passed, 1 failed, 1 skipped" */
	assert_int_equal(k.ok - k.skip, 1);
	assert_int_equal(k.not_ok, 1);
	assert_int_equal(k.skip, 1);
	assert_non_null(strstr(s, "# ovlconform: 1 passed, 1 failed, 1 skipped\n"));
	{
		size_t lp, lf, ls;

		ovl_ktap_leaves(run, &lp, &lf, &ls);
		assert_int_equal(k.leaf_pass, lp);
		assert_int_equal(k.leaf_fail, lf);
		assert_int_equal(k.leaf_skip, ls);
	}
	free(s);
}

/*
 * test_report FILE: read a real run's KTAP (ovlconform's stdout) as the
 * kernel's parser would: the rules hold, and its totals are the run's own
 * summary lines (cases, and leaves). Prints one line; exit 0 or 1.
 */
static int check_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL, *line;
	size_t n = 0, cp = 0, cf = 0, cs = 0, lp = 0, lf = 0, ls = 0;
	struct ktap_counts k;

	if (!f || getdelim(&text, &n, '\0', f) < 0) {
		printf("ktap: %s: cannot read\n", path);
		return 1;
	}
	fclose(f);
	/* the reader from the first "KTAP version" on, as the kernel's does */
	line = strstr(text, "KTAP version 1\n");
	if (!line) {
		printf("ktap: %s: no KTAP\n", path);
		return 1;
	}
	ktap_read(line, &k);
	if (!strstr(text, "\n# ovlconform: ") ||
	    sscanf(strstr(text, "\n# ovlconform: ") + 1, "# ovlconform: %zu passed, %zu failed, %zu skipped", &cp, &cf, &cs) != 3 ||
	    !strstr(text, "\n# KTAP leaves") ||
	    sscanf(strchr(strstr(text, "\n# KTAP leaves") + 1, ':') + 1, " %zu passed, %zu failed, %zu skipped", &lp, &lf, &ls) != 3) {
		printf("ktap: %s: no summary lines\n", path);
		return 1;
	}
	printf("ktap: cases %zu ok (%zu skipped, %zu xfail), %zu not ok; leaves %zu passed, %zu failed, %zu skipped\n",
	       k.ok, k.skip, k.xfail, k.not_ok, k.leaf_pass, k.leaf_fail, k.leaf_skip);
	if (k.ok - k.skip != cp || k.not_ok != cf || k.skip != cs || k.leaf_pass != lp || k.leaf_fail != lf ||
	    k.leaf_skip != ls) {
		printf("ktap: the totals read differ from the run's summary (%zu/%zu/%zu cases, %zu/%zu/%zu leaves)\n", cp,
		       cf, cs, lp, lf, ls);
		return 1;
	}
	printf("ktap: %s reads as the run's own totals; %s\n", path, k.not_ok || k.leaf_fail ? "a failure" : "a pass");
	return 0;
}

/* ovl_results_diff(a, b) must succeed: its output (caller frees), counts in n. */
static char *diff_ok(const char *a, const char *b, struct ovl_diff_counts *n)
{
	char *text = NULL, why[512];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	if (ovl_results_diff(a, b, f, n, why, sizeof(why)))
		fail_msg("diff %s %s: %s", a, b, why);
	fclose(f);
	return text;
}

/*
 * Two runs' results compared: the second run has 0012 on ext4 newly failing
 * (with a failing check and its diagnostic), 0001 fixed, 0012 on xfs run
 * where it was skipped; then the same with a check that newly fails in a
 * case that failed in both; nothing when a run is compared with itself; a
 * missing or foreign file is an error naming it.
 */
static void test_results_diff(void **state)
{
	char a[] = "/tmp/ovl-diff-a-XXXXXX", b[] = "/tmp/ovl-diff-b-XXXXXX", why[512];
	struct ovl_run_result *run = fake_run();
	struct ovl_check_result *bad_check;
	struct ovl_diff_counts n;
	char *text;
	FILE *f;
	int fa = mkstemp(a), fb = mkstemp(b);
	static char *d[] = { "the kernel said so" };

	(void)state;
	assert_true(fa >= 0 && fb >= 0);
	close(fa);
	close(fb);
	assert_int_equal(ovl_report_json(run, a), 0);
	/* the second run: 0001 passes now, 0012 on ext4 fails a check, 0012 on xfs ran */
	run->cases[0].outcome = OVL_PASS;
	run->cases[0].checks[0].outcome = OVL_PASS;
	bad_check = calloc(1, sizeof(*bad_check));
	assert_non_null(bad_check);
	*bad_check = (struct ovl_check_result){ .name = "read /g", .outcome = OVL_FAIL, .diag = d, .ndiag = 1 };
	run->cases[1].outcome = OVL_FAIL;
	run->cases[1].checks = bad_check;
	run->cases[1].nchecks = 1;
	run->cases[2].outcome = OVL_PASS;
	assert_int_equal(ovl_report_json(run, b), 0);
	text = diff_ok(a, b, &n);
	assert_int_equal(n.new_failures, 1);
	assert_int_equal(n.new_failing_checks, 1);
	assert_int_equal(n.fixed, 1);
	assert_int_equal(n.fixed_checks, 1);
	assert_int_equal(n.newly_run, 1);
	assert_int_equal(n.newly_skipped + n.added + n.gone, 0);
	assert_non_null(strstr(text, "new failure: 0012-readonly:ext4: PASS -> FAIL"));
	assert_non_null(strstr(text, "  check now FAIL (not in the first run): read /g\n    # the kernel said so\n"));
	assert_non_null(strstr(text, "fixed: 0001-same-name-a-wins:ext4: FAIL -> PASS"));
	assert_non_null(strstr(text, "newly run: 0012-readonly:xfs: CONF -> PASS"));
	free(text);
	/* the other way round: the fixed one fails again, the newly failing one is fixed */
	text = diff_ok(b, a, &n);
	assert_int_equal(n.new_failures, 1);
	assert_int_equal(n.fixed, 1);
	assert_int_equal(n.newly_skipped, 1);
	free(text);
	/* a case failing in both runs, with one more failing check in the second: still a new failure */
	run->cases[1].checks = NULL;
	run->cases[1].nchecks = 0;
	run->cases[0].outcome = OVL_FAIL;
	run->cases[0].checks[0].outcome = OVL_FAIL;
	run->cases[0].checks[1].outcome = OVL_PASS;
	assert_int_equal(ovl_report_json(run, a), 0);
	run->cases[0].checks[1].outcome = OVL_FAIL;
	assert_int_equal(ovl_report_json(run, b), 0);
	text = diff_ok(a, b, &n);
	assert_int_equal(n.new_failures, 0);
	assert_int_equal(n.new_failing_checks, 1);
	assert_non_null(strstr(text, "new failing checks: 0001-same-name-a-wins:ext4: FAIL -> FAIL"));
	free(text);
	/* the same run twice: nothing */
	text = diff_ok(a, a, &n);
	assert_int_equal(n.new_failures + n.new_failing_checks + n.fixed + n.fixed_checks + n.newly_skipped +
				 n.newly_run + n.added + n.gone, 0);
	free(text);
	/* errors name the file */
	assert_int_equal(ovl_results_diff("/nonexistent/run", a, stdout, &n, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "/nonexistent/run"));
	f = fopen(b, "w");
	fputs("{\"format\": \"something else\"}", f);
	fclose(f);
	assert_int_equal(ovl_results_diff(a, b, stdout, &n, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not an ovlconform summary"));
	unlink(a);
	unlink(b);
	free(bad_check);
}

/*
 * Three kernels side by side: the rows that differ come with why for each
 * cell (a CONF's reason, an XFAIL check's deviation, a FAIL's first check and
 * what it printed); a FAIL without a deviation counts as unexplained, a
 * difference explained by reasons and deviations does not.
 */
static void test_results_kernels(void **state)
{
	char p[3][32] = { "/tmp/ovl-k1-XXXXXX", "/tmp/ovl-k2-XXXXXX", "/tmp/ovl-k3-XXXXXX" }, why[512];
	const char *paths[3] = { p[0], p[1], p[2] };
	struct ovl_run_result *run = fake_run();
	struct ovl_kernels_counts n;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	for (int i = 0; i < 3; i++) {
		int fd = mkstemp(p[i]);

		assert_true(fd >= 0);
		close(fd);
	}
	/* 6.1: 0001 CONF by the release; 6.12: 0001 XFAIL by a deviation; 6.18: 0001 PASS */
	run->cases[0].outcome = OVL_CONF;
	run->cases[0].nchecks = 0;
	snprintf(run->cases[0].reason, sizeof(run->cases[0].reason), "needs X, which came in Linux 6.7");
	snprintf(run->kernel, sizeof(run->kernel), "6.1.0-57-amd64 #1 SMP");
	assert_int_equal(ovl_report_json(run, p[0]), 0);
	run->cases[0].outcome = OVL_XFAIL;
	run->cases[0].nchecks = 2;
	run->cases[0].checks[0].outcome = OVL_XFAIL;
	run->cases[0].checks[0].reason = "some-finding: fixed by 0123456789ab (6.13)";
	snprintf(run->kernel, sizeof(run->kernel), "6.12.118+deb12-amd64 #1 SMP");
	assert_int_equal(ovl_report_json(run, p[1]), 0);
	run->cases[0].outcome = OVL_PASS;
	run->cases[0].checks[0].outcome = OVL_PASS;
	run->cases[0].checks[0].reason = NULL;
	snprintf(run->kernel, sizeof(run->kernel), "6.18.44");
	assert_int_equal(ovl_report_json(run, p[2]), 0);

	f = open_memstream(&text, &len);
	assert_int_equal(ovl_results_kernels(paths, 3, f, &n, why, sizeof(why)), 0);
	fclose(f);
	assert_int_equal(n.rows, 3);
	assert_int_equal(n.differing, 1);
	assert_int_equal(n.unexplained, 0);
	assert_non_null(strstr(text, "| case | fs | 6.1.0-57-amd64 | 6.12.118+deb12-amd64 | 6.18.44 |"));
	assert_non_null(strstr(text, "| 0001-same-name-a-wins | ext4 | **CONF**: needs X, which came in Linux 6.7 | "
				     "**XFAIL**: after mount: merged view matches the model: some-finding: fixed by "
				     "0123456789ab (6.13) | **PASS** |"));
	assert_non_null(strstr(text, "| 0012-readonly | xfs | CONF | CONF | CONF |"));
	free(text);

	/* two XFAIL checks with two deviations: both named, the first one's why in full */
	run->cases[0].outcome = OVL_XFAIL;
	run->cases[0].checks[0].outcome = OVL_XFAIL;
	run->cases[0].checks[0].reason = "some-finding: fixed by 0123456789ab (6.13)";
	run->cases[0].checks[1].outcome = OVL_XFAIL;
	run->cases[0].checks[1].reason = "other-finding: another commit";
	assert_int_equal(ovl_report_json(run, p[1]), 0);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_int_equal(ovl_results_kernels(paths, 3, f, &n, why, sizeof(why)), 0);
	fclose(f);
	assert_non_null(strstr(text, "**XFAIL**: 2 checks (also other-finding): after mount: merged view matches the "
				     "model: some-finding: fixed by 0123456789ab (6.13) |"));
	free(text);
	run->cases[0].checks[1].outcome = OVL_PASS;
	run->cases[0].checks[1].reason = NULL;
	run->cases[0].checks[0].reason = NULL;

	/* the same FAIL without a deviation on 6.12: unexplained, with what it printed */
	run->cases[0].outcome = OVL_FAIL;
	run->cases[0].checks[0].outcome = OVL_FAIL;
	assert_int_equal(ovl_report_json(run, p[1]), 0);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_int_equal(ovl_results_kernels(paths, 3, f, &n, why, sizeof(why)), 0);
	fclose(f);
	assert_int_equal(n.unexplained, 1);
	assert_non_null(strstr(text, "**FAIL**: unexplained: after mount: merged view matches the model: - file /f "
				     "mode=0644 |"));
	free(text);
	assert_int_equal(ovl_results_kernels((const char *[]){ p[0], "/nonexistent/run" }, 2, stdout, &n, why,
					     sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "/nonexistent/run"));
	for (int i = 0; i < 3; i++)
		unlink(p[i]);
}

/* The HTML page of two runs: every case run a cell of its outcome, a failure's difference and log inline. */
static void test_report_html(void **state)
{
	char d[2][32] = { "/tmp/ovl-h1-XXXXXX", "/tmp/ovl-h2-XXXXXX" }, p[64], out[64], why[512], *html = NULL;
	const char *dirs[2] = { d[0], d[1] };
	struct ovl_run_result *run = fake_run();
	size_t len = 0;

	(void)state;
	for (int i = 0; i < 2; i++) {
		assert_non_null(mkdtemp(d[i]));
		snprintf(p, sizeof(p), "%s/summary.json", d[i]);
		if (i == 1) {
			run->cases[0].outcome = OVL_FAIL;
			run->cases[0].checks[0].outcome = OVL_FAIL;
			snprintf(run->kernel, sizeof(run->kernel), "6.12.118+deb12-amd64 #1 SMP");
		}
		assert_int_equal(ovl_report_json(run, p), 0);
	}
	/* the failing case's log, which the page shows inline */
	snprintf(p, sizeof(p), "%s/logs/ext4", d[1]);
	assert_int_equal(ovl_mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s", d[1], run->cases[0].log);
	assert_int_equal(ovl_write_file(p, "the <log> & its end\n", 20), 0);
	snprintf(out, sizeof(out), "%s/report.html", d[0]);
	assert_int_equal(ovl_report_html(dirs, 2, out, why, sizeof(why)), 0);
	assert_int_equal(ovl_read_file(out, &html, &len, 1 << 24), 0);
	assert_non_null(strstr(html, "<!DOCTYPE html>"));
	assert_null(strstr(html, "http://"));
	assert_null(strstr(html, "https://"));
	assert_null(strstr(html, "<script src"));
	/* every case run has its cell; a run's kernel heads its columns */
	for (size_t i = 0; i < run->ncases; i++) {
		char id[256];

		snprintf(id, sizeof(id), "<tr id=\"case-%04u-%s\">", run->cases[i].c->number, run->cases[i].c->slug);
		assert_non_null(strstr(html, id));
	}
	assert_non_null(strstr(html, "on 6.12.118+deb12-amd64</th>"));
	assert_non_null(strstr(html, "id=\"c-0001-same-name-a-wins-1-ext4\"><details><summary>FAIL</summary>"));
	assert_non_null(strstr(html, "<span class=\"minus\">- file /f mode=0644</span>"));
	assert_non_null(strstr(html, "the &lt;log&gt; &amp; its end"));
	assert_non_null(strstr(html, "../"));
	free(html);
	assert_int_equal(ovl_report_html((const char *[]){ d[0], "/nonexistent/run" }, 2, out, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "/nonexistent/run"));
	for (int i = 0; i < 2; i++)
		assert_int_equal(ovl_remove_tree(d[i]), 0);
}

/* [a-zA-Z0-9_-]+ parts joined by dots (KCIDB's test path pattern). */
static bool kcidb_path_ok(const char *p)
{
	bool part = false;

	for (; *p; p++) {
		if (*p == '.') {
			if (!part)
				return false;
			part = false;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
			   *p == '-') {
			part = true;
		} else {
			return false;
		}
	}
	return part;
}

/* The KCIDB file of a run: every field and value schema v5.0 requires, statuses mapped, known issues. */
static void test_report_kcidb(void **state)
{
	char d[32] = "/tmp/ovl-kc-XXXXXX", p[64], out[64], why[512];
	struct ovl_run_result *run = fake_run();
	json_t *doc, *tests, *v;
	json_error_t jerr;
	static const char *const statuses[] = { "FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP" };
	size_t fails = 0, skips = 0, errors = 0;

	(void)state;
	assert_non_null(mkdtemp(d));
	run->cases[0].outcome = OVL_XFAIL;
	run->cases[0].checks[0].outcome = OVL_XFAIL;
	run->cases[0].checks[0].reason = "some-finding: the kernel does X (https://example.org/x)";
	run->cases[1].outcome = OVL_BROK;
	snprintf(p, sizeof(p), "%s/summary.json", d);
	assert_int_equal(ovl_report_json(run, p), 0);
	snprintf(out, sizeof(out), "%s/kcidb.json", d);
	assert_int_equal(ovl_report_kcidb(d, out, "ovlconform", "https://example.org/r", why, sizeof(why)), 0);
	doc = json_load_file(out, 0, &jerr);
	assert_non_null(doc);
	v = json_object_get(doc, "version");
	assert_int_equal(json_integer_value(json_object_get(v, "major")), 5);
	assert_int_equal(json_integer_value(json_object_get(v, "minor")), 0);
	assert_int_equal(json_object_size(v), 2);
	/* the checkout, the build on it, and every test on the build: ids "origin:..." */
	{
		json_t *co = json_array_get(json_object_get(doc, "checkouts"), 0),
		       *b = json_array_get(json_object_get(doc, "builds"), 0);
		const char *cid = json_string_value(json_object_get(co, "id"));

		assert_non_null(cid);
		assert_int_equal(strncmp(cid, "ovlconform:", 11), 0);
		assert_string_equal(json_string_value(json_object_get(co, "origin")), "ovlconform");
		assert_string_equal(json_string_value(json_object_get(b, "checkout_id")), cid);
		assert_string_equal(json_string_value(json_object_get(b, "origin")), "ovlconform");
		assert_non_null(json_string_value(json_object_get(b, "id")));
		assert_null(json_object_get(b, "waived"));
	}
	tests = json_object_get(doc, "tests");
	assert_int_equal(json_array_size(tests), run->ncases);
	for (size_t i = 0; i < json_array_size(tests); i++) {
		json_t *t = json_array_get(tests, i);
		const char *st = json_string_value(json_object_get(t, "status"));
		bool known = false;

		assert_non_null(json_string_value(json_object_get(t, "build_id")));
		assert_int_equal(strncmp(json_string_value(json_object_get(t, "id")), "ovlconform:", 11), 0);
		assert_string_equal(json_string_value(json_object_get(t, "origin")), "ovlconform");
		assert_true(kcidb_path_ok(json_string_value(json_object_get(t, "path"))));
		assert_int_equal(strncmp(json_string_value(json_object_get(t, "path")), "ovlconform.", 11), 0);
		for (size_t k = 0; k < 6; k++)
			known |= st && strcmp(st, statuses[k]) == 0;
		assert_true(known);
		assert_null(json_object_get(t, "waived"));
		fails += strcmp(st, "FAIL") == 0;
		skips += strcmp(st, "SKIP") == 0;
		errors += strcmp(st, "ERROR") == 0;
		if (json_object_get(t, "log_excerpt"))
			assert_true(strlen(json_string_value(json_object_get(t, "log_excerpt"))) <= 16384);
		/* a case run with a log has its URL under the published results dir */
		if (*json_string_value(json_object_get(json_object_get(t, "misc"), "log")))
			assert_int_equal(strncmp(json_string_value(json_object_get(t, "log_url")), "https://example.org/r/logs/",
						 27), 0);
		else
			assert_null(json_object_get(t, "log_url"));
	}
	assert_int_equal(fails, 1);	/* the XFAIL */
	assert_int_equal(errors, 1);	/* the BROK */
	assert_true(skips >= 1);	/* the fake run's CONF */
	/* the XFAIL's deviation: an issue, and an incident tying it to the test */
	{
		json_t *issue = json_array_get(json_object_get(doc, "issues"), 0),
		       *inc = json_array_get(json_object_get(doc, "incidents"), 0), *t0 = json_array_get(tests, 0);

		assert_string_equal(json_string_value(json_object_get(issue, "id")), "ovlconform:some-finding");
		assert_int_equal(json_integer_value(json_object_get(issue, "version")), 0);
		assert_string_equal(json_string_value(json_object_get(issue, "report_url")), "https://example.org/x");
		assert_true(json_is_true(json_object_get(json_object_get(issue, "culprit"), "code")));
		assert_string_equal(json_string_value(json_object_get(inc, "issue_id")), "ovlconform:some-finding");
		assert_string_equal(json_string_value(json_object_get(inc, "test_id")),
				    json_string_value(json_object_get(t0, "id")));
		assert_non_null(strstr(json_string_value(json_object_get(t0, "log_excerpt")), "- file /f mode=0644"));
	}
	json_decref(doc);
	assert_int_equal(ovl_report_kcidb(d, out, "Bad-Origin", NULL, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "Bad-Origin"));
	assert_int_equal(ovl_remove_tree(d), 0);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return check_file(argv[1]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ktap_golden),
		cmocka_unit_test(test_results_diff),
		cmocka_unit_test(test_results_kernels),
		cmocka_unit_test(test_report_html),
		cmocka_unit_test(test_report_kcidb),
		cmocka_unit_test(test_deviations_per_check),
		cmocka_unit_test(test_ktap_reader_totals),
		cmocka_unit_test(test_json_reads_back),
		cmocka_unit_test(test_junit_structure),
	};

	return cmocka_run_group_tests_name("suite/report", tests, NULL, NULL);
}
