// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/report/junit.c - junit.xml: one <testsuite> per backing filesystem
 * (GitLab shows it as the suite column through classname), one <testcase>
 * per case in it, so names are unique within a suite.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "descriptor.h"
#include "result.h"

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if (c < 0x20 && c != '\n' && c != '\t')
				fputc('?', f);
			else
				fputc(c, f);
		}
	}
}

int ovl_report_junit(const struct ovl_run_result *run, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ovlconform\" "
		   "time=\"%.3f\">\n", run->wall_seconds);
	for (size_t k = 0; k < run->nfs; k++) {
		const char *fs = run->fs[k].name;
		size_t tests = 0, failures = 0, errors = 0, skipped = 0;
		double t = 0;

		for (size_t i = 0; i < run->ncases; i++) {
			const struct ovl_case_result *c = &run->cases[i];

			if (strcmp(c->fs, fs))
				continue;
			tests++;
			t += c->seconds;
			failures += c->outcome == OVL_FAIL || c->outcome == OVL_XPASS;
			errors += c->outcome == OVL_BROK;
			skipped += c->outcome == OVL_CONF;
		}
		fprintf(f, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
			   "skipped=\"%zu\" time=\"%.3f\">\n", fs, tests, failures, errors, skipped, t);
		for (size_t i = 0; i < run->ncases; i++) {
			const struct ovl_case_result *c = &run->cases[i];
			char id[256];

			if (strcmp(c->fs, fs))
				continue;
			ovl_case_id(c->c, id, sizeof(id));
			fprintf(f, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\">", fs, id,
				c->seconds);
			if (c->outcome == OVL_PASS || c->outcome == OVL_XFAIL) {
				fputs("</testcase>\n", f);
				continue;
			}
			fprintf(f, "\n      <%s message=\"",
				c->outcome == OVL_CONF ? "skipped"
				: c->outcome == OVL_BROK ? "error" : "failure");
			fprintf(f, "%s: ", ovl_outcome_name(c->outcome));
			xml_text(f, c->reason);
			fputs("\">", f);
			for (size_t k2 = 0; k2 < c->nchecks; k2++) {
				const struct ovl_check_result *ch = &c->checks[k2];

				if (ch->outcome == OVL_PASS)
					continue;
				fprintf(f, "\n%s: ", ovl_outcome_name(ch->outcome));
				xml_text(f, ch->name);
				for (size_t d = 0; d < ch->ndiag; d++) {
					fputs("\n  ", f);
					xml_text(f, ch->diag[d]);
				}
			}
			if (c->log[0]) {
				fputs("\nlog: ", f);
				xml_text(f, c->log);
			}
			fprintf(f, "</%s>\n    </testcase>\n",
				c->outcome == OVL_CONF ? "skipped"
				: c->outcome == OVL_BROK ? "error" : "failure");
		}
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	return fclose(f) ? -errno : 0;
}
