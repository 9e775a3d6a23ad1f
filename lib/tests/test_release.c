// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/tests/test_release.c - kernel release ranges and the features table
 * (lib/host/release.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ovl-host.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_ranges),
		cmocka_unit_test(test_kernel_features),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
