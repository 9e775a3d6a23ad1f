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

#include "kconfig.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_gzip),
		cmocka_unit_test(test_missing_and_empty),
	};

	return cmocka_run_group_tests_name("lib/kconfig", tests, NULL, NULL);
}
