// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/cli/kconfig_cmd.c - `ovlconform kconfig`: what the kernel was built
 * with, what the running kernel says, and which cases that rules out.
 *
 * For each requirement of the requirement files (Kconfig-checks/NAME.req
 * beside the fixtures, or --req FILE): its verdict, each symbol with its
 * value and where it comes from (the config file; for =m, the running
 * kernel's word on the module), the default in force when the line names
 * an overlay module parameter, the reason, and the cases (on the target)
 * whose needs it leaves unmet. Exit: 0 when every required line holds, 1
 * when one does not, 3 on a usage error or an unreadable file.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor.h"
#include "harness.h"
#include "ovl-host.h"
#include "kconfig_cmd.h"
#include "matrix.h"
#include "outcome.h"
#include "target.h"
#include "ovl-common.h"

struct sym_list {
	char **v;
	size_t n;
};

static int collect_sym(const char *sym, void *arg)
{
	struct sym_list *l = arg;
	char **nv;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], sym) == 0)
			return 0;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	l->v[l->n] = strdup(sym);
	return l->v[l->n++] ? 0 : -ENOMEM;
}

/* Does the unmet list of an evaluation ("CONFIG_X (why), !CONFIG_Y (why)") name sym? */
static bool names_sym(const char *unmet, const char *sym)
{
	size_t n = strlen(sym);

	for (const char *p = strstr(unmet, sym); p; p = strstr(p + 1, sym))
		if ((p == unmet || p[-1] == ' ' || p[-1] == '!') && (p[n] == ' ' || p[n] == '='))
			return true;
	return false;
}

/* Requirement files: Kconfig-checks/ beside the fixtures dir. */
static size_t default_reqs(const char *fixtures, char ***out)
{
	char dir[PATH_MAX + 32], copy[PATH_MAX];
	struct dirent **ents = NULL;
	size_t k = 0;
	int n;

	snprintf(copy, sizeof(copy), "%s", fixtures);
	snprintf(dir, sizeof(dir), "%s/Kconfig-checks", dirname(copy));
	n = scandir(dir, &ents, NULL, alphasort);
	*out = calloc(n > 0 ? (size_t)n : 1, sizeof(**out));
	for (int i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (*out && len > 4 && strcmp(ents[i]->d_name + len - 4, ".req") == 0 &&
		    asprintf(&(*out)[k], "%s/%s", dir, ents[i]->d_name) > 0)
			k++;
		free(ents[i]);
	}
	free(ents);
	return k;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ovlconform kconfig [--config FILE] [--req FILE]... [--target NAME]\n"
		   "  --config FILE   a kernel config (plain or gzip) instead of the running kernel's\n"
		   "                  ($KCONFIG_PATH, /proc/config.gz, /boot/config-$(uname -r), ...)\n"
		   "  --req FILE      a requirement file (default: every Kconfig-checks/*.req)\n"
		   "  --target NAME   the target whose cases to judge (default kernel)\n"
		   "Exit: 0 every required line holds, 1 one does not, 3 usage or unreadable file.\n");
}

int ovl_kconfig_main(int argc, char **argv, const char *fixtures)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "req", required_argument, NULL, 'r' },
		{ "target", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ovl_target *target = &ovl_target_kernel;
	const struct ovl_case *const *all = NULL;
	size_t nall = ovl_cases_all(&all), nreqfiles = 0, unmet_required = 0;
	const char *config = NULL;
	char **reqfiles = NULL;
	struct ovl_kconfig *kc = NULL;
	struct ovl_err err = { "" };
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'r': {
			char **nv = realloc(reqfiles, (nreqfiles + 1) * sizeof(*nv));

			if (nv)
				reqfiles = nv;
			if (!nv || !(nv[nreqfiles] = strdup(optarg))) {
				rc = OVL_EXIT_USAGE;
				goto out;
			}
			nreqfiles++;
			break;
		}
		case 't':
			target = ovl_target_find(optarg);
			if (!target) {
				fprintf(stderr, "ovlconform kconfig: unknown target '%s'\n", optarg);
				rc = OVL_EXIT_USAGE;
				goto out;
			}
			break;
		case 'h': usage(stdout); goto out;
		default: usage(stderr); rc = OVL_EXIT_USAGE; goto out;
		}
	}
	if (!nreqfiles)
		nreqfiles = default_reqs(fixtures, &reqfiles);
	if (!nreqfiles) {
		fprintf(stderr, "ovlconform kconfig: no requirement files (Kconfig-checks/*.req beside %s)\n",
			fixtures);
		rc = OVL_EXIT_USAGE;
		goto out;
	}
	if (ovl_kconfig_load(config, &kc, &err)) {
		fprintf(stderr, "ovlconform kconfig: %s\n", err.msg);
		rc = OVL_EXIT_USAGE;
		goto out;
	}
	ovl_kconfig_set_module_check(kc, ovl_kernel_module_usable, NULL);
	printf("kernel config: %s\n", ovl_kconfig_source(kc));
	printf("overlay in the running kernel: %s\n",
	       ovl_kernel_has_filesystem("overlay") ? "yes (/proc/filesystems)" : "no (not in /proc/filesystems)");
	for (size_t f = 0; f < nreqfiles && !rc; f++) {
		struct ovl_kreq *reqs = NULL;
		size_t nreq = 0;

		if (ovl_kreq_load(reqfiles[f], &reqs, &nreq, &err)) {
			fprintf(stderr, "ovlconform kconfig: %s\n", err.msg);
			rc = OVL_EXIT_USAGE;
			break;
		}
		/* module names first: they decide what =m means for every line */
		for (size_t i = 0; i < nreq; i++) {
			struct sym_list syms = { 0 };

			if (reqs[i].module && ovl_kconfig_symbols(reqs[i].expr, collect_sym, &syms, &err) == 0 && syms.n)
				ovl_kconfig_set_module(kc, syms.v[0], reqs[i].module);
			ovl_strv_free(syms.v, syms.n);
		}
		printf("\n%s\n", reqfiles[f]);
		for (size_t i = 0; i < nreq; i++) {
			const struct ovl_kreq *q = &reqs[i];
			struct sym_list syms = { 0 };
			char unmet[2048];
			bool ok = false;
			size_t nout = 0;

			if (ovl_kconfig_eval(kc, q->expr, &ok, unmet, sizeof(unmet), &err) ||
			    ovl_kconfig_symbols(q->expr, collect_sym, &syms, &err)) {
				fprintf(stderr, "ovlconform kconfig: %s:%u: %s\n", reqfiles[f], q->line, err.msg);
				rc = OVL_EXIT_USAGE;
				ovl_strv_free(syms.v, syms.n);
				break;
			}
			unmet_required += q->required && !ok;
			printf("%-8s %-8s %s\n", ok ? "ok" : q->required ? "MISSING" : "absent",
			       q->required ? "required" : "optional", q->expr);
			for (size_t k = 0; k < syms.n; k++) {
				char why[600];

				ovl_kconfig_effective(kc, syms.v[k], why, sizeof(why));
				printf("                  %s: %s\n", syms.v[k], why);
			}
			if (q->param) {
				char val[64];
				const char *mod = q->module ? q->module : "overlay";

				if (ovl_kernel_module_param(mod, q->param, val, sizeof(val)) == 0)
					printf("                  running default: %s=%s (/sys/module/%s/parameters)\n",
					       q->param, val, mod);
				else
					printf("                  running default: unknown (no /sys/module/%s/parameters/%s)\n",
					       mod, q->param);
			}
			printf("                  why: %s\n", q->reason);
			/* the cases whose needs this line's symbols leave unmet (a dozen named, then a count) */
			for (size_t ci = 0; ci < nall; ci++) {
				char expr[4096], cu[8192], id[256];
				bool cok = true;

				ovl_case_kconfig_expr(all[ci], target, expr, sizeof(expr));
				if (!*expr || ovl_kconfig_eval(kc, expr, &cok, cu, sizeof(cu), &err) || cok)
					continue;
				for (size_t k = 0; k < syms.n; k++)
					if (names_sym(cu, syms.v[k])) {
						ovl_case_id(all[ci], id, sizeof(id));
						if (nout < 12)
							printf("%s%s", nout ? ", " : "                  rules out: ", id);
						nout++;
						break;
					}
			}
			if (nout > 12)
				printf(" and %zu more", nout - 12);
			if (nout)
				printf(" (%zu of %zu cases%s)\n", nout, nall, nout == nall ? ": all of them" : "");
			ovl_strv_free(syms.v, syms.n);
		}
		ovl_kreq_free(reqs, nreq);
	}
	if (!rc) {
		printf("\n%zu required line%s not met\n", unmet_required, unmet_required == 1 ? "" : "s");
		rc = unmet_required ? 1 : 0;
	}
out:
	ovl_kconfig_free(kc);
	ovl_strv_free(reqfiles, nreqfiles);
	return rc;
}
