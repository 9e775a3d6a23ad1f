// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/report/diff.c - two runs' results compared (ovlconform diff): the
 * case runs and checks whose outcome changed from the first to the second,
 * read from their summary.json. A new failure is a case run or a check that
 * is FAIL, BROK or XPASS in the second and was not (or was absent) in the
 * first; CI gates on those.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "result.h"

static bool bad(const char *o)
{
	return o && (strcmp(o, "FAIL") == 0 || strcmp(o, "BROK") == 0 || strcmp(o, "XPASS") == 0);
}

static bool good(const char *o)
{
	return o && (strcmp(o, "PASS") == 0 || strcmp(o, "XFAIL") == 0);
}

static bool skipped(const char *o)
{
	return o && strcmp(o, "CONF") == 0;
}

const char *ovl_json_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}


/* A run's summary.json (path: the file or its run dir); NULL with why. */
json_t *ovl_results_load(const char *path, char *why, size_t len)
{
	char file[4200];
	struct stat st;
	json_error_t jerr;
	json_t *root, *cases;

	if (stat(path, &st)) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/summary.json", path);
	else
		snprintf(file, sizeof(file), "%s", path);
	root = json_load_file(file, 0, &jerr);
	if (!root) {
		snprintf(why, len, "%s: not JSON: %s (line %d)", file, jerr.text, jerr.line);
		return NULL;
	}
	cases = json_object_get(root, "cases");
	if (strcmp(ovl_json_str(root, "format"), "ovlconform-results-1") != 0 || !json_is_array(cases)) {
		snprintf(why, len, "%s: not an ovlconform summary (format ovlconform-results-1 with cases)", file);
		json_decref(root);
		return NULL;
	}
	for (size_t i = 0; i < json_array_size(cases); i++) {
		json_t *c = json_array_get(cases, i);

		if (!json_is_object(c) || !json_is_string(json_object_get(c, "id")) ||
		    !json_is_string(json_object_get(c, "fs")) || !json_is_string(json_object_get(c, "outcome"))) {
			snprintf(why, len, "%s: case %zu has no id, fs or outcome", file, i);
			json_decref(root);
			return NULL;
		}
	}
	return root;
}

json_t *ovl_results_case(json_t *cases, const char *id, const char *fs)
{
	for (size_t i = 0; i < json_array_size(cases); i++) {
		json_t *c = json_array_get(cases, i);

		if (strcmp(ovl_json_str(c, "id"), id) == 0 && strcmp(ovl_json_str(c, "fs"), fs) == 0)
			return c;
	}
	return NULL;
}

static json_t *find_case(json_t *cases, json_t *like)
{
	return ovl_results_case(cases, ovl_json_str(like, "id"), ovl_json_str(like, "fs"));
}

static json_t *find_check(json_t *c, const char *name)
{
	json_t *checks = c ? json_object_get(c, "checks") : NULL;

	for (size_t i = 0; i < json_array_size(checks); i++)
		if (strcmp(ovl_json_str(json_array_get(checks, i), "name"), name) == 0)
			return json_array_get(checks, i);
	return NULL;
}

static void diagnostics(FILE *out, json_t *o, const char *indent, size_t max)
{
	json_t *d = json_object_get(o, "diagnostics");

	for (size_t i = 0; i < json_array_size(d) && i < max; i++)
		fprintf(out, "%s# %s\n", indent, json_string_value(json_array_get(d, i)) ?: "");
	if (json_array_size(d) > max)
		fprintf(out, "%s# ... %zu more\n", indent, json_array_size(d) - max);
}

/* The checks of case b (a: the same case in the first run, or NULL) whose outcome turned bad or good. */
static void check_changes(FILE *out, json_t *a, json_t *b, struct ovl_diff_counts *n, bool every)
{
	json_t *checks = json_object_get(b, "checks");

	for (size_t i = 0; i < json_array_size(checks); i++) {
		json_t *k = json_array_get(checks, i), *was = find_check(a, ovl_json_str(k, "name"));
		const char *now = ovl_json_str(k, "outcome"), *before = was ? ovl_json_str(was, "outcome") : NULL;

		if (bad(now) && !bad(before)) {
			n->new_failing_checks++;
			fprintf(out, "  check now %s (%s): %s\n", now, before ? before : "not in the first run",
				ovl_json_str(k, "name"));
			diagnostics(out, k, "    ", 8);
		} else if (bad(before) && good(now)) {
			n->fixed_checks++;
			fprintf(out, "  check now %s (was %s): %s\n", now, before, ovl_json_str(k, "name"));
		} else if (every && before && now && strcmp(before, now) != 0) {
			n->other_checks++;
			fprintf(out, "  check now %s (was %s): %s\n", now, before, ovl_json_str(k, "name"));
			if (*ovl_json_str(k, "reason"))
				fprintf(out, "    # %s\n", ovl_json_str(k, "reason"));
		}
	}
}

int ovl_results_compare(const char *first, const char *second, bool every, FILE *out, struct ovl_diff_counts *n,
			char *why, size_t len)
{
	json_t *ra = ovl_results_load(first, why, len), *rb = ra ? ovl_results_load(second, why, len) : NULL, *ca, *cb;

	memset(n, 0, sizeof(*n));
	if (!ra || !rb) {
		json_decref(ra);
		return -EINVAL;
	}
	ca = json_object_get(ra, "cases");
	cb = json_object_get(rb, "cases");
	for (size_t i = 0; i < json_array_size(cb); i++) {
		json_t *b = json_array_get(cb, i), *a = find_case(ca, b);
		const char *now = ovl_json_str(b, "outcome"), *before = a ? ovl_json_str(a, "outcome") : NULL;
		size_t checks_before = n->new_failing_checks;

		if (bad(now) && !bad(before)) {
			n->new_failures++;
			fprintf(out, "new failure: %s:%s: %s -> %s: %s\n", ovl_json_str(b, "id"), ovl_json_str(b, "fs"),
				before ? before : "(not in the first run)", now, ovl_json_str(b, "reason"));
			diagnostics(out, b, "  ", 4);
			check_changes(out, a, b, n, every);
		} else if (bad(before) && good(now)) {
			n->fixed++;
			fprintf(out, "fixed: %s:%s: %s -> %s\n", ovl_json_str(b, "id"), ovl_json_str(b, "fs"), before, now);
			check_changes(out, a, b, n, every);
		} else if (skipped(now) && before && !skipped(before)) {
			n->newly_skipped++;
			fprintf(out, "newly skipped: %s:%s: %s -> CONF: %s\n", ovl_json_str(b, "id"), ovl_json_str(b, "fs"), before,
				ovl_json_str(b, "reason"));
		} else if (skipped(before) && !skipped(now) && !bad(now)) {
			n->newly_run++;
			fprintf(out, "newly run: %s:%s: CONF -> %s\n", ovl_json_str(b, "id"), ovl_json_str(b, "fs"), now);
		} else if (!a) {
			n->added++;
			fprintf(out, "new: %s:%s: %s\n", ovl_json_str(b, "id"), ovl_json_str(b, "fs"), now);
		} else {
			/*
			 * The same outcome (or skipped both times): a check that newly
			 * fails is a new failure all the same, one newly passing is fixed.
			 */
			size_t fixed_before = n->fixed_checks, other_before = n->other_checks;
			FILE *mem;
			char *buf = NULL;
			size_t blen = 0;

			mem = open_memstream(&buf, &blen);
			if (mem) {
				check_changes(mem, a, b, n, every);
				fclose(mem);
			}
			if (n->new_failing_checks > checks_before)
				fprintf(out, "new failing checks: %s:%s: %s -> %s\n%s", ovl_json_str(b, "id"), ovl_json_str(b, "fs"), before,
					now, buf ? buf : "");
			else if (n->fixed_checks > fixed_before)
				fprintf(out, "fixed checks: %s:%s: %s -> %s\n%s", ovl_json_str(b, "id"), ovl_json_str(b, "fs"), before, now,
					buf ? buf : "");
			else if (n->other_checks > other_before || (every && before && now && strcmp(before, now)))
				fprintf(out, "changed: %s:%s: %s -> %s: %s\n%s", ovl_json_str(b, "id"), ovl_json_str(b, "fs"), before, now,
					ovl_json_str(b, "reason"), buf ? buf : "");
			free(buf);
		}
	}
	for (size_t i = 0; i < json_array_size(ca); i++) {
		json_t *a = json_array_get(ca, i);

		if (!find_case(cb, a)) {
			n->gone++;
			fprintf(out, "gone: %s:%s (was %s)\n", ovl_json_str(a, "id"), ovl_json_str(a, "fs"), ovl_json_str(a, "outcome"));
		}
	}
	fprintf(out, "# diff %s (%s) -> %s (%s): %zu new failure%s, %zu newly failing check%s, %zu fixed, %zu fixed "
		"check%s, %zu newly skipped, %zu newly run, %zu new, %zu gone%s\n",
		first, ovl_json_str(ra, "run_id"), second, ovl_json_str(rb, "run_id"), n->new_failures,
		n->new_failures == 1 ? "" : "s",
		n->new_failing_checks, n->new_failing_checks == 1 ? "" : "s", n->fixed, n->fixed_checks,
		n->fixed_checks == 1 ? "" : "s", n->newly_skipped, n->newly_run, n->added, n->gone,
		every ? (n->other_checks ? ", and the other checks whose outcome changed" : ", no other check changed") : "");
	json_decref(ra);
	json_decref(rb);
	return 0;
}

int ovl_results_diff(const char *first, const char *second, FILE *out, struct ovl_diff_counts *n, char *why,
		     size_t len)
{
	return ovl_results_compare(first, second, false, out, n, why, len);
}
