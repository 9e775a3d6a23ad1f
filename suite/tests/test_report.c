// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the reporters: KTAP text against a golden rendering, the
 * JSON summary read back with jansson, the JUnit XML's structure and escaping.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "descriptor.h"
#include "result.h"
#include "ovl-common.h"

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
					     .checks = checks, .nchecks = 2, .nops = 3, .seconds = 0.5 };
	snprintf(cases[0].reason, sizeof(cases[0].reason), "1 of 2 checks failed");
	snprintf(cases[0].log, sizeof(cases[0].log), "logs/ext4/0001-same-name-a-wins.log");
	cases[1] = (struct ovl_case_result){ .c = &c2, .fs = "ext4", .outcome = OVL_PASS };
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
	ovl_run_result_count(&run);
	return &run;
}

static void test_ktap_golden(void **state)
{
	struct ovl_run_result *run = fake_run();
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	(void)state;
	ovl_ktap_begin(f, 3);
	for (size_t i = 0; i < run->ncases; i++)
		ovl_ktap_case(f, i + 1, &run->cases[i]);
	ovl_ktap_end(f, run);
	fclose(f);
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
		"# ext4: 2 case runs, 3 model-checked operations, 0.50 s in cases\n"
		"# xfs: 1 case run, 0 model-checked operations, 0.00 s in cases\n"
		"# results: results/20261127-000000-1\n"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ktap_golden),
		cmocka_unit_test(test_json_reads_back),
		cmocka_unit_test(test_junit_structure),
	};

	return cmocka_run_group_tests_name("suite/report", tests, NULL, NULL);
}
