// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/main.c - the ovlconform command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "descriptor.h"
#include "matrix.h"
#include "runner.h"
#include "kconfig_cmd.h"
#include "store_cmd.h"
#include "target.h"

#define DEFAULT_SCRATCH "/var/tmp/ovlconform"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ovlconform run [options] [CASE|TAG ...]   run cases (default: all)\n"
		"       ovlconform list [--tags]                  list the cases\n"
		"       ovlconform cleanup [--scratch DIR]        remove what killed runs left\n"
		"       ovlconform kconfig [--config FILE]        what the kernel was built with, and which\n"
		"                                                 cases that rules out (ovlconform kconfig --help)\n"
		"       ovlconform store VERB ...                 Docker's overlay2 store: import, export,\n"
		"                                                 ls, verify (ovlconform store --help)\n"
		"\n"
		"run options:\n"
		"  --fs LIST          backing filesystems: tmpfs,ext4,xfs,btrfs or all (default all)\n"
		"  --target NAME      what to test (default kernel; see ovlconform list --targets)\n"
		"  --results DIR      results go to DIR/<run-id>/ (default ./results)\n"
		"  --scratch DIR      scratch space (default $OVLCONFORM_SCRATCH or " DEFAULT_SCRATCH ")\n"
		"  --fixtures DIR     layer fixtures (default: fixtures/ beside the build dir)\n"
		"  --kconfig FILE     judge cases' kernel needs by this config (default: the running\n"
		"                     kernel's: $KCONFIG_PATH, /proc/config.gz, /boot/config-...)\n"
		"  --timeout-mult N   multiply every case timeout by N (slow VMs)\n"
		"  --no-progress      no progress line on a terminal\n"
		"\n"
		"KTAP goes to stdout. Exit codes: 0 all PASS/CONF/XFAIL, 1 a FAIL or XPASS,\n"
		"2 a BROK without FAIL, 3 usage or descriptor error, 4 interrupted.\n");
}

/*
 * fixtures/: $OVLCONFORM_FIXTURES, else the first fixtures/ found going up
 * from the directory holding the binary (build/ovlconform, build/check/...).
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

static int cmd_list(int argc, char **argv)
{
	const struct ovl_case *const *all;
	size_t n = ovl_cases_all(&all);
	char why[2048], fixtures[PATH_MAX];

	if (argc > 1 && strcmp(argv[1], "--targets") == 0) {
		for (const struct ovl_target *const *t = ovl_targets; *t; t++)
			printf("%-16s %s\n", (*t)->name, (*t)->what);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--tags") == 0) {
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
	for (size_t i = 0; i < n; i++) {
		char id[256];

		ovl_case_id(all[i], id, sizeof(id));
		printf("%-36s %-22s %s\n", id, all[i]->tags, all[i]->purpose);
	}
	return 0;
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ovl_run_opts o = { .target = &ovl_target_kernel, .results_dir = "results",
				  .timeout_mult = 1.0 };
	char fixtures[PATH_MAX], why[256];
	const char *cmd;
	int c;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? OVL_EXIT_USAGE : 0;
	}
	cmd = argv[1];
	if (strcmp(cmd, "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (strcmp(cmd, "store") == 0)
		return ovl_store_main(argc - 1, argv + 1);
	if (strcmp(cmd, "kconfig") == 0) {
		default_fixtures(fixtures, sizeof(fixtures));
		return ovl_kconfig_main(argc - 1, argv + 1, fixtures);
	}
	if (strcmp(cmd, "run") != 0 && strcmp(cmd, "cleanup") != 0) {
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
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
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
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return OVL_EXIT_USAGE;
		}
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
	o.selectors = argv + optind;
	o.nselectors = (size_t)(argc - optind);
	return ovl_run(&o);
}
