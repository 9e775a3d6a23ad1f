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

/* Deviations name kernel releases as ranges; a release of uname -r is in them or not. */
static void test_kernel_ranges(void **state)
{
	static const struct {
		const char *range, *release;
		bool in;
	} t[] = {
		{ "6.18", "6.18.44-fc-v1045", true },	{ "6.18", "6.19.0", false },	{ "6.18", "6.1.0", false },
		{ "6.6-6.18", "6.6.0", true },		{ "6.6-6.18", "6.18.99", true }, { "6.6-6.18", "6.19", false },
		{ "6.6-6.18", "6.5.13", false },	{ "6.18-", "7.0.0-rc1", true },	{ "6.18-", "6.17.9", false },
		{ "-6.12", "6.12.7", true },		{ "-6.12", "6.13.0", false },	{ "5.15.100-6.1", "5.15.99", false },
		{ "5.15.100-6.1", "5.15.100", true },	{ NULL, "6.1.0", true },	{ "6.1", "garbage", false },
	};
	static const char *const bad[] = { "6", "6.x", "6.1-6.2-6.3", "-", "6.1-x", "", "6.1 ", "a.b" };

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (ovl_kernel_in_range(t[i].range, t[i].release) != t[i].in)
			fail_msg("%s in %s: expected %s", t[i].release, t[i].range ? t[i].range : "(any)",
				 t[i].in ? "yes" : "no");
		if (t[i].range)
			assert_true(ovl_kernel_range_valid(t[i].range));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ovl_kernel_range_valid(bad[i]))
			fail_msg("'%s' taken for a kernel range", bad[i]);
}

/*
 * Features by release: each in the table has a release and a commit; the
 * gate says no before that release, yes from it on, and names both.
 */
static void test_kernel_features(void **state)
{
	const struct ovl_kernel_feature *all;
	char why[512];
	size_t n;

	(void)state;
	all = ovl_kernel_features(&n);
	assert_true(n >= 6);
	for (size_t i = 0; i < n; i++) {
		char range[32];

		snprintf(range, sizeof(range), "%s-", all[i].since);
		assert_true(ovl_kernel_range_valid(range));
		assert_true(strlen(all[i].commit) > 14 && strchr(all[i].commit, '"'));
		assert_ptr_equal(ovl_kernel_feature(all[i].name), &all[i]);
		if (i)
			assert_true(strcmp(all[i - 1].name, all[i].name) < 0);
	}
	assert_false(ovl_kernel_has_feature("overlay-lowerdir-plus", "6.1.0-57-amd64", why, sizeof(why)));
	assert_non_null(strstr(why, "came in Linux 6.7 (commit "));
	assert_non_null(strstr(why, "this is 6.1.0-57-amd64"));
	assert_false(ovl_kernel_has_feature("overlay-lowerdir-plus", "6.6.12", why, sizeof(why)));
	assert_true(ovl_kernel_has_feature("overlay-lowerdir-plus", "6.7.0", why, sizeof(why)));
	assert_true(ovl_kernel_has_feature("tmpfs-user-xattrs", "6.12.118+deb12-amd64", why, sizeof(why)));
	assert_false(ovl_kernel_has_feature("tmpfs-user-xattrs", "6.5.9", why, sizeof(why)));
	assert_false(ovl_kernel_has_feature("no-such-feature", "9.9", why, sizeof(why)));
	assert_non_null(strstr(why, "unknown kernel feature 'no-such-feature'"));
	assert_true(ovl_kernel_features_met("overlay-data-only-layers,overlay-xattr-whiteouts", "6.8.1", why, sizeof(why)));
	assert_false(ovl_kernel_features_met("overlay-data-only-layers,overlay-xattr-whiteouts", "6.7.9", why,
					     sizeof(why)));
	assert_non_null(strstr(why, "Linux 6.8"));
	assert_true(ovl_kernel_features_met(NULL, "6.1", why, sizeof(why)));
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
		cmocka_unit_test(test_kernel_ranges),
		cmocka_unit_test(test_kernel_features),
		cmocka_unit_test(test_user_xattrs),
		cmocka_unit_test(test_set_duplicates),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_has_tag),
	};

	return cmocka_run_group_tests_name("suite/descriptor", tests, make_fixtures, remove_fixtures);
}
