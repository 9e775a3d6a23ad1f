// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of known deviations as data (suite/runner/deviations.c): a
 * bad file is an error naming the path, the entry and the problem; a
 * failing check is XFAIL only when the deviations covering it explain
 * every diagnostic line it printed (a changed entry's "- " and "+ " lines
 * as one "~ PATH: -field +field" line); a deviation that covered checks
 * but showed in none of them makes them XPASS; other cases, filesystems,
 * kernels and versions are untouched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "deviations.h"
#include "descriptor.h"
#include "ovl-common.h"

static void run_nothing(struct ovl_ctx *ctx)
{
	(void)ctx;
}

static const struct ovl_case case_a = { .number = 101, .slug = "copy-up", .purpose = "p", .run = run_nothing,
					.file = "suite/cases/0101-copy-up.c" };
static const struct ovl_case case_b = { .number = 102, .slug = "other", .purpose = "p", .run = run_nothing,
					.file = "suite/cases/0102-other.c" };
static const struct ovl_case *const cases[] = { &case_a, &case_b };

static char path[] = "/tmp/ovl-devs.XXXXXX";

static struct ovl_devset *load_text(const char *text, char *why, size_t len)
{
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct ovl_devset *s;

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	s = ovl_deviations_load(path, "port", false, cases, 2, why, len);
	unlink(path);
	strcpy(path, "/tmp/ovl-devs.XXXXXX");
	return s;
}

#define ENTRY(extra) "{\"target\":\"port\",\"deviations\":[{\"id\":\"d1\",\"cases\":[\"0101-copy-up\"]," \
		     "\"checks\":\"after *: upper*\",\"observed\":[\"~ *: +xattr.user.port.origin=*\"]," \
		     "\"why\":\"the port keeps its own origin xattr\"" extra "}]}"

static void bad(const char *text, const char *want)
{
	char why[1024] = "";
	struct ovl_devset *s = load_text(text, why, sizeof(why));

	if (s || !strstr(why, want))
		fail_msg("expected an error with \"%s\", got %s: %s", want, s ? "a set" : "an error", why);
	assert_non_null(strstr(why, "/tmp/ovl-devs."));
}

static void test_bad_files(void **state)
{
	(void)state;
	bad("{", "line");
	bad("{\"target\":\"other\",\"deviations\":[]}", "\"target\" is \"other\", not port");
	bad("{\"target\":\"port\"}", "\"deviations\" must be an array");
	bad(ENTRY(",\"fs\":[\"zfs\"]"), "deviation d1: unknown filesystem \"zfs\"");
	bad(ENTRY(",\"kernels\":\"6.x\""), "kernels \"6.x\" is no range");
	bad(ENTRY(",\"versions\":\"one\""), "versions \"one\" is no range");
	bad(ENTRY(",\"link\":\"http://x\""), "must be an https:// address");
	bad(ENTRY(",\"colour\":1"), "unknown key \"colour\"");
	bad(ENTRY(",\"intermittent\":\"yes\""), "\"intermittent\" must be true or false");
	bad("{\"target\":\"port\",\"deviations\":[{\"id\":\"d\",\"cases\":[\"0999-none\"],\"checks\":\"a*\","
	    "\"observed\":[],\"why\":\"long enough reason\"}]}", "no case 0999-none");
	bad("{\"target\":\"port\",\"deviations\":[{\"id\":\"d\",\"cases\":[\"0101-copy-up\"],\"checks\":\"*\","
	    "\"observed\":[],\"why\":\"long enough reason\"}]}", "never all of them");
	bad("{\"target\":\"port\",\"deviations\":[{\"id\":\"d\",\"cases\":[\"0101-copy-up\"],\"checks\":\"a*\","
	    "\"why\":\"long enough reason\"}]}", "\"observed\" must list");
	bad("{\"target\":\"port\",\"deviations\":[{\"id\":\"d\",\"cases\":[\"0101-copy-up\"],\"checks\":\"a*\","
	    "\"observed\":[],\"why\":\"short\"}]}", "\"why\" must say");
	bad("{\"target\":\"port\",\"deviations\":[{\"id\":\"d\",\"cases\":[\"0101-copy-up\"],\"checks\":\"a*\","
	    "\"observed\":[],\"why\":\"long enough reason\"},{\"id\":\"d\",\"cases\":[\"0101-copy-up\"],"
	    "\"checks\":\"b*\",\"observed\":[],\"why\":\"long enough reason\"}]}", "two deviations are called d");
}

static void test_missing_file(void **state)
{
	char why[256];
	struct ovl_devset *s = ovl_deviations_load("/nonexistent/x.json", "port", true, cases, 2, why, sizeof(why));

	(void)state;
	assert_non_null(s);
	assert_int_equal(ovl_deviations_count(s), 0);
	ovl_deviations_free(s);
	assert_null(ovl_deviations_load("/nonexistent/x.json", "port", false, cases, 2, why, sizeof(why)));
	assert_non_null(strstr(why, "/nonexistent/x.json: cannot read"));
}

/* One check: name, outcome, diagnostic lines (NULL-ended). */
static void add_check(struct ovl_case_result *r, const char *name, enum ovl_outcome o, const char *const *diag)
{
	struct ovl_check_result *c;

	r->checks = realloc(r->checks, (r->nchecks + 1) * sizeof(*r->checks));
	assert_non_null(r->checks);
	c = &r->checks[r->nchecks++];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	c->outcome = o;
	for (; diag && *diag; diag++)
		ovl_strv_push(&c->diag, &c->ndiag, *diag);
}

static void free_result(struct ovl_case_result *r)
{
	for (size_t i = 0; i < r->nchecks; i++) {
		free(r->checks[i].name);
		ovl_strv_free(r->checks[i].diag, r->checks[i].ndiag);
	}
	free(r->checks);
	memset(r, 0, sizeof(*r));
}

static const char *const known[] = {
	"difference (- model, + actual):",
	"- file /a mode=0644 uid=0 gid=0 size=7 xattr.user.k=\"a b\"",
	"+ file /a mode=0644 uid=0 gid=0 size=7 xattr.user.k=\"a b\" xattr.user.port.origin=\"a\\x00\"",
	NULL,
};
static const char *const known_and_more[] = {
	"difference (- model, + actual):",
	"- file /a mode=0644 uid=0 gid=0 size=7",
	"+ file /a mode=0644 uid=0 gid=0 size=7 xattr.user.port.origin=\"a\\x00\"",
	"+ file /b mode=0644 uid=0 gid=0 size=1",
	NULL,
};
static const char *const changed_size[] = {
	"- file /a mode=0644 uid=0 gid=0 size=7",
	"+ file /a mode=0644 uid=0 gid=0 size=8 xattr.user.port.origin=\"a\\x00\"",
	NULL,
};

static void test_apply(void **state)
{
	char why[1024];
	struct ovl_devset *s = load_text(ENTRY(",\"fs\":[\"tmpfs\",\"xfs\"],\"kernels\":\"6.1-\",\"versions\":\"1.10\""),
					 why, sizeof(why));
	struct ovl_case_result r = { 0 };

	(void)state;
	assert_non_null(s);
	add_check(&r, "after op 1: upper dir matches the model", OVL_FAIL, known);
	add_check(&r, "after op 2: upper dir matches the model", OVL_FAIL, known_and_more);
	add_check(&r, "after op 3: upper dir matches the model", OVL_FAIL, changed_size);
	add_check(&r, "after op 4: upper dir matches the model", OVL_PASS, NULL);
	add_check(&r, "after op 4: merged view matches the model", OVL_FAIL, known);
	ovl_deviations_apply(s, "0101-copy-up", 0x1, "6.18.0", "1.10", &r);
	assert_int_equal(r.checks[0].outcome, OVL_XFAIL);
	assert_non_null(strstr(r.checks[0].reason, "d1: the port keeps its own origin xattr"));
	assert_int_equal(r.checks[1].outcome, OVL_FAIL);	/* /b: not what the deviation observed */
	assert_int_equal(r.checks[2].outcome, OVL_FAIL);	/* the size changed too */
	assert_int_equal(r.checks[3].outcome, OVL_PASS);	/* it showed elsewhere in the case */
	assert_int_equal(r.checks[4].outcome, OVL_FAIL);	/* not a check it covers */
	free_result(&r);

	/* a difference that lasts is shown once: judged where it began */
	{
		static const char *const carried[] = { "difference (- model, + actual):",
						       "... as before: 2 lines the last failed check of this kind showed",
						       NULL };

		add_check(&r, "after op 1: upper dir matches the model", OVL_FAIL, known);
		add_check(&r, "after op 2: upper dir matches the model", OVL_FAIL, carried);
		add_check(&r, "after op 3: upper dir matches the model", OVL_FAIL, changed_size);
		add_check(&r, "after op 4: upper dir matches the model", OVL_FAIL, carried);
		ovl_deviations_apply(s, "0101-copy-up", 0x1, "6.18.0", "1.10", &r);
		assert_int_equal(r.checks[1].outcome, OVL_XFAIL);
		assert_int_equal(r.checks[2].outcome, OVL_FAIL);
		assert_int_equal(r.checks[3].outcome, OVL_FAIL); /* carried from a failure no deviation explains */
		free_result(&r);
	}

	/* another case, filesystem, kernel or version: untouched */
	add_check(&r, "after op 1: upper dir matches the model", OVL_FAIL, known);
	ovl_deviations_apply(s, "0102-other", 0x1, "6.18.0", "1.10", &r);
	ovl_deviations_apply(s, "0101-copy-up", 0x2, "6.18.0", "1.10", &r);
	ovl_deviations_apply(s, "0101-copy-up", 0x1, "5.15.0", "1.10", &r);
	ovl_deviations_apply(s, "0101-copy-up", 0x1, "6.18.0", "1.13", &r);
	ovl_deviations_apply(s, "0101-copy-up", 0x1, "6.18.0", NULL, &r);
	assert_int_equal(r.checks[0].outcome, OVL_FAIL);
	free_result(&r);

	/* gone: the checks it covers passed, none showed it */
	add_check(&r, "after op 1: upper dir matches the model", OVL_PASS, NULL);
	add_check(&r, "after op 2: upper dir matches the model", OVL_PASS, NULL);
	add_check(&r, "after op 2: merged view matches the model", OVL_PASS, NULL);
	ovl_deviations_apply(s, "0101-copy-up", 0x4, "6.18.0", "1.10", &r);
	assert_int_equal(r.checks[0].outcome, OVL_XPASS);
	assert_int_equal(r.checks[1].outcome, OVL_XPASS);
	assert_int_equal(r.checks[2].outcome, OVL_PASS);
	assert_non_null(strstr(r.checks[0].reason, "d1:"));
	free_result(&r);
	ovl_deviations_free(s);

	/* intermittent: XFAIL where it shows, never XPASS where it does not */
	s = load_text(ENTRY(",\"intermittent\":true"), why, sizeof(why));
	assert_non_null(s);
	add_check(&r, "after op 1: upper dir matches the model", OVL_PASS, NULL);
	add_check(&r, "after op 2: upper dir matches the model", OVL_FAIL, known);
	ovl_deviations_apply(s, "0101-copy-up", 0x1, "6.18.0", NULL, &r);
	assert_int_equal(r.checks[0].outcome, OVL_PASS);
	assert_int_equal(r.checks[1].outcome, OVL_XFAIL);
	free_result(&r);
	r.nchecks = 0;
	add_check(&r, "after op 1: upper dir matches the model", OVL_PASS, NULL);
	ovl_deviations_apply(s, "0101-copy-up", 0x1, "6.18.0", NULL, &r);
	assert_int_equal(r.checks[0].outcome, OVL_PASS);
	free_result(&r);
	ovl_deviations_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
