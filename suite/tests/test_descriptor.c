// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the case registry: a contradictory descriptor is the
 * runner's error, with a message naming the file and the problem; selection
 * by number, id, slug and tag.
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

#include "descriptor.h"

static void run_nothing(struct ovl_ctx *ctx)
{
	(void)ctx;
}

static const struct ovl_case good = {
	.number = 42,
	.slug = "some-check",
	.purpose = "checks something",
	.tags = "precedence,readdir",
	.needs_root = true,
	.run = run_nothing,
	.file = "suite/cases/0042-some-check.c",
};

static char fixtures[] = "/tmp/ovl-desc-fixtures.XXXXXX";

static int make_fixtures(void **state)
{
	FILE *f;
	char path[256];

	(void)state;
	if (!mkdtemp(fixtures))
		return -1;
	snprintf(path, sizeof(path), "%s/abc.tree", fixtures);
	f = fopen(path, "w");
	fputs("[A]\nfile /a\n[B]\n[C]\nfile /c\n[upper]\nfile /u\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/bad.tree", fixtures);
	f = fopen(path, "w");
	fputs("[A]\nfiel /a\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/userx.tree", fixtures);
	f = fopen(path, "w");
	fputs("[A]\nfile /a xattr.trusted.t=\"1\"\n[B]\n[C]\ndir /d xattr.user.k=\"v\"\n", f);
	fclose(f);
	return 0;
}

static int remove_fixtures(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fixtures);
	return system(cmd);
}

static void expect_invalid(const struct ovl_case *c, const char *want)
{
	char why[2048] = "";

	if (ovl_case_validate(c, fixtures, why, sizeof(why)) == 0)
		fail_msg("accepted a descriptor that should say: %s", want);
	if (!strstr(why, want))
		fail_msg("error '%s' does not say '%s'", why, want);
	if (c->file && !strstr(why, c->file))
		fail_msg("error '%s' does not name the file %s", why, c->file);
}

static void test_good_descriptor(void **state)
{
	char why[256] = "";
	struct ovl_case c = good;

	(void)state;
	assert_int_equal(ovl_case_validate(&c, fixtures, why, sizeof(why)), 0);
	c.fixture = "abc.tree";
	assert_int_equal(ovl_case_validate(&c, fixtures, why, sizeof(why)), 0);
}

static void test_contradictions(void **state)
{
	struct ovl_case c;

	(void)state;
#define BAD(field_assign, msg) do { c = good; field_assign; expect_invalid(&c, msg); } while (0)
	BAD(c.number = 0, "number 0 is not in 1..9999");
	BAD(c.number = 43, "must be named 0043-some-check.c");
	BAD(c.slug = "Some_Check", "may hold only a-z, 0-9 and '-'");
	BAD(c.purpose = "two\nlines", "purpose must be one line");
	BAD(c.purpose = "has # in it", "purpose must be one line without '#'");
	BAD(c.tags = "precedence,speling", "tag 'speling' is not in the controlled list");
	BAD(c.tags = "", "no tags");
	BAD(c.run = NULL, "no run function");
	BAD(c.fs = 0x100, "name no backing filesystem");
	BAD(c.timeout = 99999, "over the 3600 s limit");
	BAD(c.lowers = 5, "lowers=5");
	BAD((c.no_upper = true, c.lowers = 1), "a union without upper needs two lowers");
	BAD((c.needs_root = false, c.fixture = "abc.tree"), "says needs_root = false");
	BAD(c.mount_options = "index=on,colour=blue", "names 'colour=blue'");
	BAD(c.needs_features = "bogus", "names 'bogus'");
	BAD((c.no_upper = true, c.needs_features = "index=on"), "only an upper layer has");
	BAD(c.needs_kconfig = "overlay_fs", "is not an expression of CONFIG_ symbols: 'overlay_fs'");
	BAD(c.needs_kconfig = "CONFIG_OVERLAY_FS=q", "is not an expression of CONFIG_ symbols");
	BAD(c.needs_kconfig = "OVERLAY_FS & (EXT4_FS", "')' expected");
	BAD((c.no_upper = true, c.fixture = "abc.tree"), "no_upper, but fixture abc.tree has an [upper] tree");
	BAD((c.lowers = 2, c.fixture = "abc.tree"), "has a tree [C]; with lowers=2");
	BAD(c.fixture = "missing.tree", "cannot read fixture");
	BAD(c.fixture = "bad.tree", "unknown entry type 'fiel'");
	BAD(c.fixture = "../abc.tree", "must be a relative path inside fixtures/");
	BAD(c.needs_programs = "btrfs,/sbin/mkfs.ext4", "needs_programs item '/sbin/mkfs.ext4' is not a program name");
	BAD(c.needs_programs = "mkfs ext4", "is not a program name");
	BAD(c.needs_kernel = "6.7+", "needs_kernel \"6.7+\" is no release range");
	BAD(c.needs_kernel_features = "overlay-lowerdir-plus,lowerdir-minus", "names 'lowerdir-minus', which");
#undef BAD
}

/* A case sets user.* xattrs when it says so, or when an entry of any tree of its fixture has one. */
static void test_user_xattrs(void **state)
{
	struct ovl_case c = good;
	char why[512] = "";
	bool uses = true;

	(void)state;
	c.fixture = "abc.tree";
	assert_int_equal(ovl_case_user_xattrs(&c, fixtures, &uses, why, sizeof(why)), 0);
	assert_false(uses);
	c.fixture = "userx.tree";
	assert_int_equal(ovl_case_user_xattrs(&c, fixtures, &uses, why, sizeof(why)), 0);
	assert_true(uses);
	c.fixture = NULL;
	c.needs_user_xattrs = true;
	assert_int_equal(ovl_case_user_xattrs(&c, fixtures, &uses, why, sizeof(why)), 0);
	assert_true(uses);
	c.needs_user_xattrs = false;
	c.fixture = "missing.tree";
	assert_int_equal(ovl_case_user_xattrs(&c, fixtures, &uses, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "missing.tree"));
}

/* A variant is checked as a case: the file is named after the case, which takes its first variant's number. */
static void test_variants(void **state)
{
	static const struct ovl_variant vs[] = { { .number = 42, .slug = "some-check-on", .mount_options = "index=on" },
						 { .number = 43, .slug = "some-check-off" },
						 { 0 } };
	struct ovl_case base = good, v;
	char why[512] = "";

	(void)state;
	base.slug = "some-check";
	base.variants = vs;
	v = base;
	v.number = vs[1].number;
	v.slug = vs[1].slug;
	v.base = &base;
	v.variant = &vs[1];
	v.variants = NULL;
	assert_int_equal(ovl_case_validate(&v, fixtures, why, sizeof(why)), 0);
	v.mount_options = "colour=blue";
	expect_invalid(&v, "names 'colour=blue'");
	v.mount_options = NULL;
	base.number = 43; /* not the first variant's */
	expect_invalid(&v, "takes the number of its first variant (42)");
	base.number = 42;
	base.file = v.file = "suite/cases/0042-other-name.c";
	expect_invalid(&v, "must be named 0042-some-check.c");
}

static void test_set_duplicates(void **state)
{
	struct ovl_case a = good, b = good;
	const struct ovl_case *set[] = { &a, &b };
	char why[512] = "";

	(void)state;
	assert_int_equal(ovl_cases_validate(set, 2, fixtures, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "both use number 42"));
}

static void test_selection(void **state)
{
	(void)state;
	assert_true(ovl_case_selected(&good, "42"));
	assert_true(ovl_case_selected(&good, "0042"));
	assert_true(ovl_case_selected(&good, "0042-some-check"));
	assert_true(ovl_case_selected(&good, "some-check"));
	assert_true(ovl_case_selected(&good, "readdir"));
	assert_false(ovl_case_selected(&good, "41"));
	assert_false(ovl_case_selected(&good, "whiteout"));
	assert_false(ovl_case_selected(&good, "some"));
}

static void test_has_tag(void **state)
{
	(void)state;
	assert_true(ovl_case_has_tag(&good, "precedence"));
	assert_false(ovl_case_has_tag(&good, "prec"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_descriptor),
		cmocka_unit_test(test_contradictions),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_user_xattrs),
		cmocka_unit_test(test_set_duplicates),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_has_tag),
	};

	return cmocka_run_group_tests_name("suite/descriptor", tests, make_fixtures, remove_fixtures);
}
