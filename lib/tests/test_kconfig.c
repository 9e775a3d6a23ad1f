// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests for lib/kconfig: plain and gzip configs, requirements met or not. */
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
#include <zlib.h>

#include "ovl-host.h"

static const char config[] = "#\n# Automatically generated file\n#\nCONFIG_OVERLAY_FS=m\n"
			     "# CONFIG_OVERLAY_FS_INDEX is not set\nCONFIG_OVERLAY_FS_REDIRECT_ALWAYS_FOLLOW=y\n"
			     "CONFIG_LOCALVERSION=\"-test\"\nCONFIG_NR_CPUS=64\n";

static void check_config(const char *path)
{
	struct ovl_kconfig *kc = NULL;
	struct ovl_err err = { "" };
	const char *have = "x";

	if (ovl_kconfig_load(path, &kc, &err))
		fail_msg("load %s: %s", path, err.msg);
	assert_string_equal(ovl_kconfig_source(kc), path);
	assert_string_equal(ovl_kconfig_get(kc, "CONFIG_OVERLAY_FS"), "m");
	assert_string_equal(ovl_kconfig_get(kc, "CONFIG_NR_CPUS"), "64");
	assert_null(ovl_kconfig_get(kc, "CONFIG_OVERLAY_FS_INDEX"));
	assert_true(ovl_kconfig_met(kc, "CONFIG_OVERLAY_FS", &have));
	assert_string_equal(have, "m");
	assert_true(ovl_kconfig_met(kc, "CONFIG_OVERLAY_FS=m", NULL));
	assert_false(ovl_kconfig_met(kc, "CONFIG_OVERLAY_FS=y", NULL));
	assert_false(ovl_kconfig_met(kc, "CONFIG_OVERLAY_FS_INDEX", &have));
	assert_null(have);
	assert_true(ovl_kconfig_met(kc, "CONFIG_OVERLAY_FS_REDIRECT_ALWAYS_FOLLOW=y", NULL));
	ovl_kconfig_free(kc);
}

static void test_plain_and_gzip(void **state)
{
	char plain[] = "/tmp/ovl-kconfig-XXXXXX", gz[64];
	int fd = mkstemp(plain);
	gzFile g;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, config, strlen(config)), (ssize_t)strlen(config));
	close(fd);
	snprintf(gz, sizeof(gz), "%s.gz", plain);
	g = gzopen(gz, "wb");
	assert_non_null(g);
	assert_int_equal(gzwrite(g, config, (unsigned int)strlen(config)), (int)strlen(config));
	gzclose(g);
	check_config(plain);
	check_config(gz);
	unlink(plain);
	unlink(gz);
}

static void test_missing_and_empty(void **state)
{
	struct ovl_kconfig *kc = NULL;
	struct ovl_err err = { "" };

	(void)state;
	assert_int_equal(ovl_kconfig_load("/nonexistent/config", &kc, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/config: No such file or directory"));
	assert_int_equal(ovl_kconfig_load("/dev/null", &kc, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "/dev/null: no CONFIG_ line"));
	assert_null(kc);
}

/* Evaluate expr on kc: 1 true, 0 false (unmet into buf), -1 syntax error. */
static int eval(const struct ovl_kconfig *kc, const char *expr, char *unmet, size_t len)
{
	struct ovl_err err = { "" };
	bool ok = false;

	if (ovl_kconfig_eval(kc, expr, &ok, unmet, len, &err))
		return -1;
	return ok;
}

/* A fake running kernel: only the module "here" can be used. */
static bool fake_modules(const char *module, char *why, size_t len, void *arg)
{
	(void)arg;
	snprintf(why, len, strcmp(module, "here") == 0 ? "loaded" : "no such module file");
	return strcmp(module, "here") == 0;
}

static void test_expressions(void **state)
{
	struct ovl_kconfig *kc = NULL;
	struct ovl_err err = { "" };
	char unmet[512];

	(void)state;
	if (ovl_kconfig_load("fixtures/kconfig/overlay-module.config", &kc, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(eval(kc, "OVERLAY_FS", unmet, sizeof(unmet)), 1);
	assert_int_equal(eval(kc, "CONFIG_OVERLAY_FS=m & OVERLAY_FS_INDEX=y", unmet, sizeof(unmet)), 1);
	assert_int_equal(eval(kc, "OVERLAY_FS=y", unmet, sizeof(unmet)), 0);
	assert_string_equal(unmet, "CONFIG_OVERLAY_FS=y (m)");
	/* not set, =n, and ! */
	assert_int_equal(eval(kc, "POSIX_MQUEUE=n & OVERLAY_FS_METACOPY=n & !OVERLAY_FS_DEBUG", unmet, sizeof(unmet)), 1);
	assert_int_equal(eval(kc, "!OVERLAY_FS_INDEX", unmet, sizeof(unmet)), 0);
	assert_string_equal(unmet, "!CONFIG_OVERLAY_FS_INDEX (y)");
	/* | holds when one side does; its unmet atoms are named only when none does */
	assert_int_equal(eval(kc, "CGROUP_DEVICE | CGROUP_BPF", unmet, sizeof(unmet)), 1);
	assert_string_equal(unmet, "");
	assert_int_equal(eval(kc, "(CGROUP_DEVICE | POSIX_MQUEUE) & KEYS, EXT4_FS", unmet, sizeof(unmet)), 0);
	assert_string_equal(unmet, "CONFIG_CGROUP_DEVICE (not set), CONFIG_POSIX_MQUEUE (not set)");
	/* under !, only the atoms the result rests on: not A of a false A & B */
	assert_int_equal(eval(kc, "!(OVERLAY_FS_INDEX & POSIX_MQUEUE | EXT4_FS)", unmet, sizeof(unmet)), 0);
	assert_string_equal(unmet, "!CONFIG_EXT4_FS (y)");
	assert_int_equal(eval(kc, "!(OVERLAY_FS_INDEX & POSIX_MQUEUE) & POSIX_MQUEUE", unmet, sizeof(unmet)), 0);
	assert_string_equal(unmet, "CONFIG_POSIX_MQUEUE (not set)");
	/* nesting is bounded */
	{
		char deep[200];

		memset(deep, '(', 70);
		snprintf(deep + 70, sizeof(deep) - 70, "OVERLAY_FS");
		assert_int_equal(ovl_kconfig_eval(kc, deep, NULL, NULL, 0, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "nested more than 64 deep"));
	}
	/* syntax errors say where */
	assert_int_equal(eval(kc, "OVERLAY_FS &", unmet, sizeof(unmet)), -1);
	assert_int_equal(eval(kc, "(OVERLAY_FS", unmet, sizeof(unmet)), -1);
	assert_int_equal(eval(kc, "OVERLAY_FS=q", unmet, sizeof(unmet)), -1);
	assert_int_equal(eval(kc, "overlay_fs", unmet, sizeof(unmet)), -1);
	assert_int_equal(ovl_kconfig_eval(kc, "A B", NULL, NULL, 0, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "at 2"));
	ovl_kconfig_free(kc);
}

static void test_modules_that_are_missing(void **state)
{
	struct ovl_kconfig *kc = NULL;
	struct ovl_err err = { "" };
	char why[512], unmet[512];

	(void)state;
	if (ovl_kconfig_load("fixtures/kconfig/overlay-module.config", &kc, &err))
		fail_msg("%s", err.msg);
	/* no check: =m counts as there */
	assert_string_equal(ovl_kconfig_effective(kc, "OVERLAY_FS", why, sizeof(why)), "m");
	ovl_kconfig_set_module_check(kc, fake_modules, NULL);
	/* the default module name of CONFIG_OVERLAY_FS is overlay, which the fake kernel lacks */
	assert_string_equal(ovl_kconfig_module_of(kc, "OVERLAY_FS"), "overlay");
	assert_null(ovl_kconfig_effective(kc, "OVERLAY_FS", why, sizeof(why)));
	assert_string_equal(why, "m, but module overlay is missing: no such module file");
	assert_int_equal(eval(kc, "OVERLAY_FS", unmet, sizeof(unmet)), 0);
	assert_int_equal(ovl_kconfig_set_module(kc, "CONFIG_OVERLAY_FS", "here"), 0);
	assert_string_equal(ovl_kconfig_effective(kc, "OVERLAY_FS", why, sizeof(why)), "m");
	assert_string_equal(why, "m, module here loaded");
	/* a =y symbol never asks the running kernel */
	assert_string_equal(ovl_kconfig_effective(kc, "EXT4_FS", why, sizeof(why)), "y");
	ovl_kconfig_free(kc);
}

static void test_requirement_files(void **state)
{
	static const char *const bad[][2] = {
		{ "required OVERLAY_FS\n", "no ' -- reason'" },
		{ "maybe OVERLAY_FS -- why\n", "not required or optional" },
		{ "required -- why\n", "no expression" },
		{ "required OVERLAY_FS & -- why\n", "expected" },
		{ "required OVERLAY_FS --  \n", "an empty reason" },
	};
	struct ovl_kreq *r = NULL;
	struct ovl_err err = { "" };
	size_t n = 0;

	(void)state;
	assert_int_equal(ovl_kreq_parse("# comment\n\nrequired  OVERLAY_FS  module=overlay -- the fs itself\n"
					"optional OVERLAY_FS_INDEX param=index -- index=on by default\n",
					"t.req", &r, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true(r[0].required);
	assert_string_equal(r[0].expr, "OVERLAY_FS");
	assert_string_equal(r[0].module, "overlay");
	assert_string_equal(r[0].reason, "the fs itself");
	assert_int_equal(r[0].line, 3);
	assert_false(r[1].required);
	assert_string_equal(r[1].param, "index");
	ovl_kreq_free(r, n);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = 0;
		assert_int_equal(ovl_kreq_parse(bad[i][0], "bad.req", &r, &n, &err), -EINVAL);
		if (!strstr(err.msg, bad[i][1]) || !strstr(err.msg, "bad.req:1"))
			fail_msg("'%s': error '%s' does not say '%s'", bad[i][0], err.msg, bad[i][1]);
	}
	/* the shipped files parse */
	for (const char *const *f = (const char *const[]){ "Kconfig-checks/overlayfs.req",
							   "Kconfig-checks/docker-overlay2.req", NULL }; *f; f++) {
		if (ovl_kreq_load(*f, &r, &n, &err))
			fail_msg("%s", err.msg);
		assert_true(n > 5);
		ovl_kreq_free(r, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_gzip),
		cmocka_unit_test(test_missing_and_empty),
		cmocka_unit_test(test_expressions),
		cmocka_unit_test(test_modules_that_are_missing),
		cmocka_unit_test(test_requirement_files),
	};

	return cmocka_run_group_tests_name("lib/kconfig", tests, NULL, NULL);
}
