// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/report/kernels.c - runs on several kernels side by side (ovlconform
 * kernels, scripts/vm matrix): case x filesystem rows, one outcome column
 * per kernel, and for every row whose outcomes differ, why each differing
 * cell is what it is, from the run's own results: a CONF's or BROK's reason
 * (the release gate, the missing module...), the known deviation behind an
 * XFAIL or XPASS check (kernel.json: per check, per kernel range, with its
 * source), or, for a FAIL, its first failing check and what it printed:
 * a FAIL is never explained away here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "result.h"


static json_t *find_case(json_t *run, const char *id, const char *fs)
{
	return ovl_results_case(json_object_get(run, "cases"), id, fs);
}

/* Markdown cells hold no '|' or newline. */
static void cell(FILE *out, const char *s, size_t max)
{
	size_t n = 0;

	for (; *s && n < max; s++, n++)
		fputs(*s == '|' ? "\\|" : *s == '\n' ? " " : (char[2]){ *s, 0 }, out);
	if (*s)
		fputs("...", out);
}

/* Why case run c has its outcome: one line, into buf. */
static void explain(json_t *c, char *buf, size_t len)
{
	const char *o = ovl_json_str(c, "outcome");
	json_t *checks = json_object_get(c, "checks");

	if (strcmp(o, "FAIL") == 0 || strcmp(o, "XFAIL") == 0 || strcmp(o, "XPASS") == 0) {
		/* the first check with the case's outcome: its deviation, or what it printed */
		for (size_t i = 0; i < json_array_size(checks); i++) {
			json_t *k = json_array_get(checks, i), *d = json_object_get(k, "diagnostics");

			if (strcmp(ovl_json_str(k, "outcome"), o) != 0)
				continue;
			/* a check's name may hold a whole mount command: the why must not be cut off behind it */
			const char *name = ovl_json_str(k, "name");
			int nl = strlen(name) > 100 ? 100 : (int)strlen(name);
			const char *more = strlen(name) > 100 ? "..." : "";

			if (*ovl_json_str(k, "reason")) {
				char also[512] = "";
				size_t others = 0, n = 0;

				/* the other checks with this outcome, each other deviation named once, first */
				for (size_t j = i + 1; j < json_array_size(checks); j++) {
					json_t *o2 = json_array_get(checks, j);
					const char *r2 = ovl_json_str(o2, "reason");
					int idl = (int)strcspn(r2, ":");
					char id[112];

					if (strcmp(ovl_json_str(o2, "outcome"), o) != 0)
						continue;
					others++;
					snprintf(id, sizeof(id), "%.*s", idl < 100 ? idl : 100, r2);
					if (*id && strncmp(ovl_json_str(k, "reason"), id, strlen(id)) != 0 && !strstr(also, id) &&
					    n < sizeof(also))
						n += (size_t)snprintf(also + n, sizeof(also) - n, "%s%s", n ? ", " : "", id);
				}
				if (others)
					snprintf(buf, len, "%zu checks (%s%s): %.*s%s: %s", others + 1, *also ? "also " : "",
						 *also ? also : "the same deviation", nl, name, more, ovl_json_str(k, "reason"));
				else
					snprintf(buf, len, "%.*s%s: %s", nl, name, more, ovl_json_str(k, "reason"));
			} else
				snprintf(buf, len, "unexplained: %.*s%s%s%s", nl, name, more, json_array_size(d) ? ": " : "",
					 json_array_size(d) ? json_string_value(json_array_get(d, 0)) : "");
			return;
		}
	}
	if (strcmp(o, "PASS") == 0)
		buf[0] = 0;
	else
		snprintf(buf, len, "%s", *ovl_json_str(c, "reason") ? ovl_json_str(c, "reason") : "(no reason given)");
}

struct row {
	const char *id, *fs;
	int number;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	static const char *const order[] = { "tmpfs", "ext4", "xfs", "btrfs" };
	int fx = 4, fy = 4;

	if (x->number != y->number)
		return x->number - y->number;
	if (strcmp(x->id, y->id))
		return strcmp(x->id, y->id);
	for (int i = 0; i < 4; i++) {
		if (strcmp(x->fs, order[i]) == 0)
			fx = i;
		if (strcmp(y->fs, order[i]) == 0)
			fy = i;
	}
	return fx != fy ? fx - fy : strcmp(x->fs, y->fs);
}

int ovl_results_kernels(const char *const *paths, size_t n, FILE *out, struct ovl_kernels_counts *counts, char *why,
			size_t len)
{
	json_t **runs = calloc(n, sizeof(*runs));
	struct row *rows = NULL;
	size_t nrows = 0, cap = 0;
	int r = 0;

	memset(counts, 0, sizeof(*counts));
	if (!runs)
		return snprintf(why, len, "out of memory"), -ENOMEM;
	for (size_t i = 0; i < n && !r; i++)
		if (!(runs[i] = ovl_results_load(paths[i], why, len)))
			r = -EINVAL;
	/* every case run of any kernel is a row */
	for (size_t i = 0; i < n && !r; i++) {
		json_t *cases = json_object_get(runs[i], "cases");

		for (size_t k = 0; k < json_array_size(cases); k++) {
			json_t *c = json_array_get(cases, k);
			bool seen = false;

			for (size_t j = 0; j < nrows && !seen; j++)
				seen = strcmp(rows[j].id, ovl_json_str(c, "id")) == 0 && strcmp(rows[j].fs, ovl_json_str(c, "fs")) == 0;
			if (seen)
				continue;
			if (nrows == cap) {
				struct row *nr = realloc(rows, (cap = cap ? 2 * cap : 256) * sizeof(*rows));

				if (!nr) {
					r = -ENOMEM;
					snprintf(why, len, "out of memory");
					break;
				}
				rows = nr;
			}
			rows[nrows++] = (struct row){ ovl_json_str(c, "id"), ovl_json_str(c, "fs"),
						      (int)json_integer_value(json_object_get(c, "number")) };
		}
	}
	if (r)
		goto out;
	qsort(rows, nrows, sizeof(*rows), row_cmp);

	fprintf(out, "# ovlconform on %zu kernel%s\n\n", n, n == 1 ? "" : "s");
	fprintf(out, "| kernel | run | target | wall s | PASS | FAIL | XFAIL | XPASS | CONF | BROK |\n");
	fprintf(out, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < n; i++) {
		json_t *t = json_object_get(runs[i], "totals");

		fprintf(out, "| ");
		cell(out, ovl_json_str(runs[i], "kernel"), 120);
		fprintf(out, " | %s | %s | %.0f |", ovl_json_str(runs[i], "run_id"), ovl_json_str(runs[i], "target"),
			json_number_value(json_object_get(runs[i], "wall_seconds")));
		for (const char *const *o = (const char *const[]){ "PASS", "FAIL", "XFAIL", "XPASS", "CONF", "BROK", NULL };
		     *o; o++)
			fprintf(out, " %lld |", (long long)json_integer_value(json_object_get(t, *o)));
		fputc('\n', out);
	}

	/* the rows whose outcomes differ, with why */
	fprintf(out, "\n## Where the kernels differ\n\n| case | fs |");
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %.*s |", (int)strcspn(ovl_json_str(runs[i], "kernel"), " "), ovl_json_str(runs[i], "kernel"));
	fputc('\n', out);
	fprintf(out, "|---|---|");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "---|");
	fputc('\n', out);
	for (size_t j = 0; j < nrows; j++) {
		const char *first = NULL;
		bool differ = false;

		for (size_t i = 0; i < n; i++) {
			json_t *c = find_case(runs[i], rows[j].id, rows[j].fs);
			const char *o = c ? ovl_json_str(c, "outcome") : "-";

			if (!first)
				first = o;
			else if (strcmp(first, o))
				differ = true;
		}
		counts->rows++;
		if (!differ)
			continue;
		counts->differing++;
		fprintf(out, "| %s | %s |", rows[j].id, rows[j].fs);
		for (size_t i = 0; i < n; i++) {
			json_t *c = find_case(runs[i], rows[j].id, rows[j].fs);
			char text[1024];

			if (!c) {
				fprintf(out, " not run |");
				continue;
			}
			explain(c, text, sizeof(text));
			fprintf(out, " **%s**%s", ovl_json_str(c, "outcome"), *text ? ": " : "");
			cell(out, text, 500);
			fprintf(out, " |");
			if (strncmp(text, "unexplained: ", 13) == 0 || strcmp(ovl_json_str(c, "outcome"), "BROK") == 0)
				counts->unexplained++;
		}
		fputc('\n', out);
	}
	if (!counts->differing)
		fprintf(out, "| (none) | |%*s\n", (int)n * 2, "");

	/* the whole table */
	fprintf(out, "\n## Every case run\n\n| case | fs |");
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %.*s |", (int)strcspn(ovl_json_str(runs[i], "kernel"), " "), ovl_json_str(runs[i], "kernel"));
	fprintf(out, "\n|---|---|");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "---|");
	fputc('\n', out);
	for (size_t j = 0; j < nrows; j++) {
		fprintf(out, "| %s | %s |", rows[j].id, rows[j].fs);
		for (size_t i = 0; i < n; i++) {
			json_t *c = find_case(runs[i], rows[j].id, rows[j].fs);

			fprintf(out, " %s |", c ? ovl_json_str(c, "outcome") : "-");
		}
		fputc('\n', out);
	}
out:
	for (size_t i = 0; i < n; i++)
		json_decref(runs[i]);
	free(runs);
	free(rows);
	return r;
}
