// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/report/tables.c - the run's result tables (ovl_table_row()):
 * results/<run-id>/<table>.txt, and files of their own for names with an
 * extension.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovl-common.h"
#include "result.h"

/*
 * The tables cases wrote (ovl_table_row()): results/<run>/<table>.txt, the
 * rows in the order of the cases, each distinct row once (a header that
 * every filesystem's run repeats is written once, first).
 */
void ovl_report_tables(const struct ovl_run_result *res, const char *run_dir)
{
	char **names = NULL, **seen = NULL;
	size_t nnames = 0, nseen = 0;

	for (size_t i = 0; i < res->ncases; i++)
		for (size_t k = 0; k < res->cases[i].nrows; k++) {
			const char *row = res->cases[i].rows[k];
			size_t tl = strcspn(row, "\t");
			char name[128];
			bool known = false;

			snprintf(name, sizeof(name), "%.*s", (int)tl, row);
			for (size_t j = 0; j < nnames; j++)
				known |= strcmp(names[j], name) == 0;
			if (!known)
				ovl_strv_push(&names, &nnames, name);
		}
	for (size_t j = 0; j < nnames; j++) {
		char path[PATH_MAX + 256];
		FILE *f;

		/* a name with an extension (e.g. x.svg) is a file of its own: its rows as they are */
		bool raw = strchr(names[j], '.') != NULL;

		snprintf(path, sizeof(path), raw ? "%s/%s" : "%s/%s.txt", run_dir, names[j]);
		f = fopen(path, "we");
		if (!f) {
			fprintf(stderr, "ovlconform: cannot write %s: %s\n", path, strerror(errno));
			continue;
		}
		for (size_t i = 0; i < res->ncases; i++)
			for (size_t k = 0; k < res->cases[i].nrows; k++) {
				const char *row = res->cases[i].rows[k];
				size_t tl = strcspn(row, "\t");
				bool dup = false;

				if (tl != strlen(names[j]) || strncmp(row, names[j], tl) != 0)
					continue;
				for (size_t d = 0; d < nseen && !raw; d++)
					dup |= strcmp(seen[d], row) == 0;
				if (dup)
					continue;
				if (!raw)
					ovl_strv_push(&seen, &nseen, row);
				fprintf(f, "%s\n", row + tl + 1);
			}
		fclose(f);
		printf("# table %s: %s\n", names[j], path);
	}
	ovl_strv_free(names, nnames);
	ovl_strv_free(seen, nseen);
}
