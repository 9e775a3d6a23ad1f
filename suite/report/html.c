// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/report/html.c - one static HTML page of one or more runs (their
 * summary.json): a matrix of case x (run, filesystem) with one colour per
 * outcome and the counts; each cell opens its case run's checks, the
 * diagnostics (tree differences) of those that did not pass, the reason,
 * and its log (linked, and its tail inline where the case did not pass);
 * the runs' kernels, targets, options and ids on top, their plots (the SVG
 * tables a run writes) inline. No network, no external script or font: a
 * few lines of inline script open the cell a URL's #fragment names.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ovl-common.h"
#include "result.h"

/* What of a log goes inline: its last bytes. */
#define LOG_TAIL 16384

static const char *const outcomes[] = { "PASS", "FAIL", "XFAIL", "XPASS", "CONF", "BROK" };
#define NOUT (sizeof(outcomes) / sizeof(outcomes[0]))

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* An id attribute's text: [A-Za-z0-9-] kept, the rest '-'. */
static void idpart(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ? *s
		      : '-', f);
}

struct run {
	const char *dir;
	char rel[PATH_MAX];	/* the run dir as the page links to it */
	json_t *j;
};

struct row {
	const char *id;
	long number;
};

static int by_case(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->number != y->number ? (x->number < y->number ? -1 : 1) : strcmp(x->id, y->id);
}

/* dir as seen from the dir holding out: relative where both resolve, else absolute. */
static void relative_to(const char *dir, const char *out, char *buf, size_t len)
{
	char a[PATH_MAX], b[PATH_MAX], o[PATH_MAX];
	char *slash;
	size_t common = 0, i;

	snprintf(o, sizeof(o), "%s", out);
	slash = strrchr(o, '/');
	if (slash)
		*slash = 0;
	if (!realpath(dir, a) || !realpath(slash ? (*o ? o : "/") : ".", b)) {
		snprintf(buf, len, "%s", dir);
		return;
	}
	for (i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i] == '/')
			common = i;
	if ((!a[i] || a[i] == '/') && !b[i])
		common = i;
	buf[0] = 0;
	for (const char *p = b + common; *p; p++)
		if (*p == '/')
			strncat(buf, "../", len - strlen(buf) - 1);
	strncat(buf, a[common] == '/' ? a + common + 1 : a + common, len - strlen(buf) - 1);
	if (!*buf)
		snprintf(buf, len, ".");
}

static void log_tail(FILE *f, const char *path)
{
	FILE *in = fopen(path, "r");
	char buf[4096];
	size_t n;
	long size;

	if (!in) {
		fputs("<p class=\"muted\">(the log is not there)</p>", f);
		return;
	}
	fseek(in, 0, SEEK_END);
	size = ftell(in);
	if (size > LOG_TAIL) {
		fseek(in, size - LOG_TAIL, SEEK_SET);
		fprintf(f, "<p class=\"muted\">the last %d of %ld bytes</p>", LOG_TAIL, size);
	} else {
		fseek(in, 0, SEEK_SET);
	}
	fputs("<pre class=\"log\">", f);
	while ((n = fread(buf, 1, sizeof(buf) - 1, in)) > 0) {
		buf[n] = 0;
		for (size_t i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		esc(f, buf);
	}
	fputs("</pre>", f);
	fclose(in);
}

static void cell(FILE *f, const struct run *r, size_t ri, const char *fs, const char *id, json_t *c)
{
	const char *o = c ? ovl_json_str(c, "outcome") : "";
	json_t *checks = c ? json_object_get(c, "checks") : NULL, *diag = c ? json_object_get(c, "diagnostics") : NULL;
	size_t n = json_array_size(checks), failed = 0;
	char log[PATH_MAX * 2];

	if (!c) {
		fputs("<td class=\"none\" title=\"not run\"></td>", f);
		return;
	}
	for (size_t i = 0; i < n; i++)
		failed += strcmp(ovl_json_str(json_array_get(checks, i), "outcome"), "PASS") != 0;
	fprintf(f, "<td class=\"o-%s\" id=\"c-", o);
	idpart(f, id);
	fprintf(f, "-%zu-", ri);
	idpart(f, fs);
	fprintf(f, "\"><details><summary>%s</summary><div class=\"pop\"><h3>", o);
	esc(f, id);
	fputs(" on ", f);
	esc(f, fs);
	fprintf(f, " (run %zu)</h3>", ri + 1);
	if (*ovl_json_str(c, "reason")) {
		fputs("<p class=\"reason\">", f);
		esc(f, ovl_json_str(c, "reason"));
		fputs("</p>", f);
	}
	fprintf(f, "<p class=\"muted\">%zu checks, %zu not passed; %.2f s; %lld model-checked operations</p>", n, failed,
		json_real_value(json_object_get(c, "seconds")),
		(long long)json_integer_value(json_object_get(c, "operations")));
	for (size_t i = 0; i < json_array_size(diag); i++) {
		if (!i)
			fputs("<pre class=\"diag\">", f);
		esc(f, json_string_value(json_array_get(diag, i)));
		fputs(i + 1 == json_array_size(diag) ? "</pre>" : "\n", f);
	}
	if (n)
		fputs("<ol class=\"checks\">", f);
	for (size_t i = 0; i < n; i++) {
		json_t *k = json_array_get(checks, i), *d = json_object_get(k, "diagnostics");
		const char *ko = ovl_json_str(k, "outcome");

		fprintf(f, "<li class=\"k-%s\"><b>%s</b> ", ko, ko);
		esc(f, ovl_json_str(k, "name"));
		if (*ovl_json_str(k, "reason")) {
			fputs("<div class=\"reason\">", f);
			esc(f, ovl_json_str(k, "reason"));
			fputs("</div>", f);
		}
		if (strcmp(ko, "PASS") != 0 && json_array_size(d)) {
			fputs("<pre class=\"diff\">", f);
			for (size_t j = 0; j < json_array_size(d); j++) {
				const char *line = json_string_value(json_array_get(d, j));

				fprintf(f, "<span class=\"%s\">", line && *line == '-' ? "minus" : line && *line == '+' ? "plus" : "ctx");
				esc(f, line);
				fputs("</span>\n", f);
			}
			fputs("</pre>", f);
		}
		fputs("</li>", f);
	}
	if (n)
		fputs("</ol>", f);
	if (*ovl_json_str(c, "log")) {
		fputs("<p><a href=\"", f);
		esc(f, r->rel);
		fputc('/', f);
		esc(f, ovl_json_str(c, "log"));
		fputs("\">the case's log</a></p>", f);
		if (strcmp(o, "FAIL") == 0 || strcmp(o, "BROK") == 0 || strcmp(o, "XPASS") == 0) {
			snprintf(log, sizeof(log), "%s/%s", r->dir, ovl_json_str(c, "log"));
			log_tail(f, log);
		}
	}
	fputs("</div></details></td>", f);
}

/* The SVG tables a run wrote (commit-growth plots...), inline. */
static void plots(FILE *f, const struct run *r, size_t ri)
{
	struct dirent **names = NULL;
	int n = scandir(r->dir, &names, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t l = strlen(name);
		char path[PATH_MAX * 2], *svg = NULL;
		size_t len = 0;

		if (l > 4 && strcmp(name + l - 4, ".svg") == 0) {
			snprintf(path, sizeof(path), "%s/%s", r->dir, name);
			/* the run's own drawings; anything with a script in it stays out */
			if (ovl_read_file(path, &svg, &len, 4 << 20) == 0 && !strstr(svg, "<script")) {
				fprintf(f, "<figure><figcaption>run %zu: ", ri + 1);
				esc(f, name);
				fputs("</figcaption>", f);
				fwrite(svg, 1, len, f);
				fputs("</figure>\n", f);
			}
			free(svg);
		}
		free(names[i]);
	}
	free(names);
}

static const char style[] =
	"body{font:14px/1.4 sans-serif;margin:1em;color:#222}"
	"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 4px;vertical-align:top}"
	"th{background:#f4f4f4;text-align:left}.matrix td{min-width:4.5em;text-align:center}"
	".o-PASS{background:#c8e6c9}.o-FAIL{background:#ef9a9a}.o-XFAIL{background:#ffe082}"
	".o-XPASS{background:#ce93d8}.o-CONF{background:#e0e0e0}.o-BROK{background:#8d1c1c;color:#fff}"
	".none{background:#fff}.k-FAIL,.k-XPASS{color:#b71c1c}.k-XFAIL{color:#8d6e00}"
	"details>summary{cursor:pointer}details[open]>.pop{position:absolute;z-index:2;left:1em;right:1em;"
	"background:#fff;color:#222;border:2px solid #555;padding:.5em;text-align:left;max-height:70vh;overflow:auto}"
	".muted{color:#666}.reason{color:#5d4037}pre{white-space:pre-wrap;margin:.2em 0}"
	".diff .minus{color:#b71c1c}.diff .plus{color:#1b5e20}pre.log{background:#fafafa;font-size:12px}"
	".counts td{text-align:right}figure{margin:1em 0}";

/* Open the cell the #fragment names (a link, a test): nothing else runs. */
static const char script[] =
	"function ovlOpen(){var h=decodeURIComponent(location.hash.slice(1));if(!h)return;"
	"var e=document.getElementById(h);if(!e)return;var d=e.querySelector('details');"
	"if(d)d.open=true;e.scrollIntoView({block:'nearest'});}"
	"window.addEventListener('hashchange',ovlOpen);ovlOpen();";

static int write_page(FILE *f, struct run *runs, size_t nruns, struct row *rows, size_t nrows)
{
	size_t total[NOUT] = { 0 };

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<title>ovlconform: %zu run%s</title><style>%s</style></head><body>\n", nruns, nruns == 1 ? "" : "s",
		style);
	fputs("<h1>ovlconform results</h1>\n<table class=\"runs\"><tr><th>run</th><th>id</th><th>started</th>"
	      "<th>kernel</th><th>target</th><th>options</th><th>wall</th><th>outcomes</th></tr>\n", f);
	for (size_t ri = 0; ri < nruns; ri++) {
		json_t *j = runs[ri].j, *t = json_object_get(j, "totals");

		fprintf(f, "<tr id=\"run-%zu\"><td>%zu</td><td>", ri + 1, ri + 1);
		esc(f, ovl_json_str(j, "run_id"));
		fputs("</td><td>", f);
		esc(f, ovl_json_str(j, "started"));
		fputs("</td><td>", f);
		esc(f, ovl_json_str(j, "kernel"));
		fputs("</td><td>", f);
		esc(f, ovl_json_str(j, "target"));
		if (*ovl_json_str(j, "target_version")) {
			fputc(' ', f);
			esc(f, ovl_json_str(j, "target_version"));
		}
		fputs("</td><td>", f);
		esc(f, *ovl_json_str(j, "target_options") ? ovl_json_str(j, "target_options") : "(none)");
		fprintf(f, "</td><td>%.0f s</td><td>", json_real_value(json_object_get(j, "wall_seconds")));
		for (size_t o = 0; o < NOUT; o++) {
			json_int_t v = json_integer_value(json_object_get(t, outcomes[o]));

			total[o] += (size_t)v;
			fprintf(f, "%s%s %lld", o ? ", " : "", outcomes[o], (long long)v);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p class=\"counts\" id=\"totals\">all runs:", f);
	for (size_t o = 0; o < NOUT; o++)
		fprintf(f, " <span class=\"o-%s\">%s %zu</span>", outcomes[o], outcomes[o], total[o]);
	fputs("</p>\n<table class=\"matrix\"><thead><tr><th rowspan=\"2\">case</th>", f);
	for (size_t ri = 0; ri < nruns; ri++) {
		json_t *fss = json_object_get(runs[ri].j, "filesystems");
		char rel[64];

		snprintf(rel, sizeof(rel), "%s", ovl_json_str(runs[ri].j, "kernel"));
		rel[strcspn(rel, " ")] = 0;
		fprintf(f, "<th colspan=\"%zu\">run %zu: ", json_array_size(fss) ? json_array_size(fss) : 1, ri + 1);
		esc(f, ovl_json_str(runs[ri].j, "target"));
		fputs(" on ", f);
		esc(f, rel);
		fputs("</th>", f);
	}
	fputs("</tr><tr>", f);
	for (size_t ri = 0; ri < nruns; ri++) {
		json_t *fss = json_object_get(runs[ri].j, "filesystems");

		for (size_t k = 0; k < json_array_size(fss); k++) {
			fputs("<th>", f);
			esc(f, ovl_json_str(json_array_get(fss, k), "name"));
			fputs("</th>", f);
		}
		if (!json_array_size(fss))
			fputs("<th>-</th>", f);
	}
	fputs("</tr></thead><tbody>\n", f);
	for (size_t i = 0; i < nrows; i++) {
		fputs("<tr id=\"case-", f);
		idpart(f, rows[i].id);
		fputs("\"><th>", f);
		esc(f, rows[i].id);
		fputs("</th>", f);
		for (size_t ri = 0; ri < nruns; ri++) {
			json_t *fss = json_object_get(runs[ri].j, "filesystems"), *cases = json_object_get(runs[ri].j, "cases");

			for (size_t k = 0; k < json_array_size(fss); k++) {
				const char *fs = ovl_json_str(json_array_get(fss, k), "name");

				cell(f, &runs[ri], ri, fs, rows[i].id, ovl_results_case(cases, rows[i].id, fs));
			}
			if (!json_array_size(fss))
				fputs("<td class=\"none\"></td>", f);
		}
		fputs("</tr>\n", f);
	}
	/* the counts of each column */
	fputs("</tbody><tfoot>", f);
	for (size_t o = 0; o < NOUT; o++) {
		fprintf(f, "<tr class=\"counts\"><th class=\"o-%s\">%s</th>", outcomes[o], outcomes[o]);
		for (size_t ri = 0; ri < nruns; ri++) {
			json_t *fss = json_object_get(runs[ri].j, "filesystems"), *cases = json_object_get(runs[ri].j, "cases");

			for (size_t k = 0; k < json_array_size(fss); k++) {
				const char *fs = ovl_json_str(json_array_get(fss, k), "name");
				size_t count = 0;

				for (size_t c = 0; c < json_array_size(cases); c++) {
					json_t *cr = json_array_get(cases, c);

					count += strcmp(ovl_json_str(cr, "fs"), fs) == 0 &&
						 strcmp(ovl_json_str(cr, "outcome"), outcomes[o]) == 0;
				}
				fprintf(f, "<td>%zu</td>", count);
			}
			if (!json_array_size(fss))
				fputs("<td></td>", f);
		}
		fputs("</tr>", f);
	}
	fputs("</tfoot></table>\n", f);
	for (size_t ri = 0; ri < nruns; ri++)
		plots(f, &runs[ri], ri);
	fprintf(f, "<script>%s</script>\n</body></html>\n", script);
	return ferror(f) ? -EIO : 0;
}

int ovl_report_html(const char *const *dirs, size_t ndirs, const char *out, char *why, size_t len)
{
	struct run *runs = calloc(ndirs ? ndirs : 1, sizeof(*runs));
	struct row *rows = NULL;
	size_t nrows = 0, cap = 0;
	char tmp[PATH_MAX + 8];
	FILE *f = NULL;
	int r = 0;

	if (!runs)
		return -ENOMEM;
	for (size_t i = 0; i < ndirs && !r; i++) {
		json_t *cases;

		runs[i].dir = dirs[i];
		if (!(runs[i].j = ovl_results_load(dirs[i], why, len))) {
			r = -EINVAL;
			break;
		}
		relative_to(dirs[i], out, runs[i].rel, sizeof(runs[i].rel));
		cases = json_object_get(runs[i].j, "cases");
		for (size_t c = 0; c < json_array_size(cases) && !r; c++) {
			json_t *cr = json_array_get(cases, c);
			const char *id = ovl_json_str(cr, "id");
			bool seen = false;

			for (size_t k = 0; k < nrows && !seen; k++)
				seen = strcmp(rows[k].id, id) == 0;
			if (seen)
				continue;
			if (nrows == cap) {
				struct row *nr = realloc(rows, (cap = cap ? cap * 2 : 256) * sizeof(*rows));

				if (!nr) {
					r = -ENOMEM;
					break;
				}
				rows = nr;
			}
			rows[nrows++] = (struct row){ id, (long)json_integer_value(json_object_get(cr, "number")) };
		}
	}
	if (!r) {
		qsort(rows, nrows, sizeof(*rows), by_case);
		snprintf(tmp, sizeof(tmp), "%s.tmp", out);
		f = fopen(tmp, "w");
		if (!f) {
			r = -errno;
			snprintf(why, len, "cannot write %s: %s", tmp, strerror(errno));
		} else {
			r = write_page(f, runs, ndirs, rows, nrows);
			if (fclose(f) && !r)
				r = -errno;
			if (!r && rename(tmp, out))
				r = -errno;
			if (r) {
				snprintf(why, len, "writing %s: %s", out, strerror(-r));
				unlink(tmp);
			}
		}
	}
	for (size_t i = 0; i < ndirs; i++)
		json_decref(runs[i].j);
	free(runs);
	free(rows);
	return r;
}
