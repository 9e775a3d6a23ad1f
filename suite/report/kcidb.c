// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/report/kcidb.c - a run as KernelCI's KCIDB I/O data, schema v5.0
 * (kcidb-io: kcidb_io/schema/v05_00.py): one checkout (the kernel under
 * test, as far as the run knows it), one build (that kernel with the
 * target), one test per case run, at path ovlconform.<case>.<fs>.
 *
 * Statuses: PASS is PASS; FAIL and XPASS are FAIL; XFAIL is FAIL too (the
 * code is faulty), and each known deviation behind it is a KCIDB issue
 * (<origin>:<deviation id>, culprit: the code) with an incident linking it
 * to the test, which is how v5 says a failure is a known one; CONF is SKIP,
 * or MISS for a case an interrupted run did not get to; BROK is ERROR. The
 * rest of what the run knows goes under "misc".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include <jansson.h>

#include "result.h"

#define KCIDB_MAJOR 5
#define KCIDB_MINOR 0
#define EXCERPT_MAX 16384

static const char *status_of(const char *outcome, bool interrupted, const char *reason)
{
	if (strcmp(outcome, "PASS") == 0)
		return "PASS";
	if (strcmp(outcome, "FAIL") == 0 || strcmp(outcome, "XPASS") == 0 || strcmp(outcome, "XFAIL") == 0)
		return "FAIL";
	if (strcmp(outcome, "CONF") == 0)
		return interrupted && strstr(reason, "interrupted") ? "MISS" : "SKIP";
	return "ERROR";
}

/* Path components hold [a-zA-Z0-9_-] only. */
static void path_part(char *out, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++)
		out[n++] = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			   *s == '_' || *s == '-' ? *s : '_';
	out[n] = 0;
}

/* The checks that did not pass, with what they printed, up to KCIDB's 16 KiB. */
static json_t *excerpt(json_t *c)
{
	json_t *checks = json_object_get(c, "checks");
	char *buf = calloc(1, EXCERPT_MAX + 1);
	size_t n = 0;
	json_t *s;

	if (!buf)
		return NULL;
	if (*ovl_json_str(c, "reason"))
		n += (size_t)snprintf(buf, EXCERPT_MAX + 1, "%s\n", ovl_json_str(c, "reason"));
	for (size_t i = 0; i < json_array_size(checks) && n < EXCERPT_MAX; i++) {
		json_t *k = json_array_get(checks, i), *d = json_object_get(k, "diagnostics");
		const char *o = ovl_json_str(k, "outcome");

		if (strcmp(o, "PASS") == 0)
			continue;
		n += (size_t)snprintf(buf + n, EXCERPT_MAX + 1 - n, "%s %s\n", o, ovl_json_str(k, "name"));
		for (size_t j = 0; j < json_array_size(d) && n < EXCERPT_MAX; j++)
			n += (size_t)snprintf(buf + n, EXCERPT_MAX + 1 - n, "  %s\n", json_string_value(json_array_get(d, j)));
	}
	if (n > EXCERPT_MAX)
		n = EXCERPT_MAX;
	/* a cut never leaves half a UTF-8 character */
	while (n && ((unsigned char)buf[n - 1] & 0xc0) == 0x80)
		n--;
	if (n && ((unsigned char)buf[n - 1] & 0xc0) == 0xc0)
		n--;
	s = n ? json_stringn(buf, n) : NULL;
	free(buf);
	return s;
}

/*
 * The known deviations behind test t's XFAIL checks (their reasons: "id:
 * why (link)"): an issue each (once per document) and an incident each.
 */
static int known_issues(json_t *doc, json_t *c, const char *origin, const char *build_id, const char *test_id)
{
	json_t *checks = json_object_get(c, "checks"), *issues = json_object_get(doc, "issues"),
	       *incidents = json_object_get(doc, "incidents");

	for (size_t i = 0; i < json_array_size(checks); i++) {
		json_t *k = json_array_get(checks, i);
		const char *reason = ovl_json_str(k, "reason"), *colon = strchr(reason, ':'), *link;
		char dev[128], iid[256], inc[1024], url[1024] = "";
		bool have = false;

		if (strcmp(ovl_json_str(k, "outcome"), "XFAIL") != 0 || !colon || colon == reason)
			continue;
		snprintf(dev, sizeof(dev), "%.*s", (int)(colon - reason), reason);
		snprintf(iid, sizeof(iid), "%s:%s", origin, dev);
		snprintf(inc, sizeof(inc), "%s:%s", test_id, dev);
		for (size_t j = 0; j < json_array_size(incidents) && !have; j++)
			have = strcmp(ovl_json_str(json_array_get(incidents, j), "id"), inc) == 0;
		if (have)
			continue;
		/* the link a deviation's reason ends with, "(https://...)" */
		link = strrchr(reason, '(');
		if (link && strncmp(link, "(https://", 9) == 0 && reason[strlen(reason) - 1] == ')')
			snprintf(url, sizeof(url), "%.*s", (int)(strlen(link) - 2), link + 1);
		have = false;
		for (size_t j = 0; j < json_array_size(issues) && !have; j++)
			have = strcmp(ovl_json_str(json_array_get(issues, j), "id"), iid) == 0;
		if (!have) {
			json_t *issue = json_pack("{s:s, s:i, s:s, s:s, s:{s:b}, s:{s:s}}", "id", iid, "version", 0, "origin",
						  origin, "comment", colon + 1 + (colon[1] == ' '), "culprit", "code", 1, "misc",
						  "deviation", dev);

			if (!issue)
				return -ENOMEM;
			if (*url)
				json_object_set_new(issue, "report_url", json_string(url));
			json_array_append_new(issues, issue);
		}
		if (json_array_append_new(incidents, json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:b, s:s}", "id", inc,
							       "origin", origin, "issue_id", iid, "issue_version", 0,
							       "build_id", build_id, "test_id", test_id, "present", 1,
							       "comment", ovl_json_str(k, "name"))))
			return -ENOMEM;
	}
	return 0;
}

int ovl_report_kcidb(const char *results, const char *out, const char *origin, const char *log_url, char *why,
		     size_t len)
{
	json_t *run = ovl_results_load(results, why, len), *doc, *tests, *cases, *misc;
	char id[512], kernel[256], *k;
	struct utsname u;
	bool interrupted;
	int r;

	if (!run)
		return -EINVAL;
	for (const char *p = origin; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
			snprintf(why, len, "KCIDB origin '%s': only [a-z0-9_] (the schema's pattern)", origin);
			json_decref(run);
			return -EINVAL;
		}
	if (!*origin) {
		snprintf(why, len, "KCIDB origin is empty");
		json_decref(run);
		return -EINVAL;
	}
	if (uname(&u))
		snprintf(u.machine, sizeof(u.machine), "unknown");
	snprintf(kernel, sizeof(kernel), "%s", ovl_json_str(run, "kernel"));
	interrupted = json_is_true(json_object_get(run, "interrupted"));
	snprintf(id, sizeof(id), "%s:%s", origin, ovl_json_str(run, "run_id"));
	k = strchr(kernel, ' ');
	misc = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kernel", kernel, "target", ovl_json_str(run, "target"),
			 "target_version", ovl_json_str(run, "target_version"), "target_options",
			 ovl_json_str(run, "target_options"), "deviations", ovl_json_str(run, "deviations"));
	doc = json_pack("{s:{s:i, s:i}, s:[{s:s, s:s, s:s, s:b, s:s#, s:O}], s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O}],"
			" s:[], s:[], s:[]}",
			"version", "major", KCIDB_MAJOR, "minor", KCIDB_MINOR,
			"checkouts", "id", id, "origin", origin, "start_time", ovl_json_str(run, "started"), "valid", 1,
			"comment", kernel, k ? (int)(k - kernel) : (int)strlen(kernel), "misc", misc,
			"builds", "id", id, "origin", origin, "checkout_id", id, "start_time", ovl_json_str(run, "started"),
			"status", "PASS", "architecture", u.machine, "comment", kernel, "misc", misc,
			"tests", "issues", "incidents");
	if (!doc) {
		snprintf(why, len, "building the KCIDB document failed");
		json_decref(run);
		return -ENOMEM;
	}
	tests = json_object_get(doc, "tests");
	cases = json_object_get(run, "cases");
	for (size_t i = 0; i < json_array_size(cases); i++) {
		json_t *c = json_array_get(cases, i), *t, *ex;
		const char *o = ovl_json_str(c, "outcome"), *fs = ovl_json_str(c, "fs");
		char cid[128], fsid[64], tid[768], path[256], url[4600];
		const char *status = status_of(o, interrupted, ovl_json_str(c, "reason"));

		path_part(cid, sizeof(cid), ovl_json_str(c, "id"));
		path_part(fsid, sizeof(fsid), fs);
		snprintf(tid, sizeof(tid), "%s:%s:%s", id, cid, fsid);
		snprintf(path, sizeof(path), "ovlconform.%s.%s", cid, fsid);
		t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:{s:s, s:{s:s, s:s}},"
			      " s:{s:s, s:s, s:I, s:I, s:b, s:s}}",
			      "id", tid, "origin", origin, "build_id", id, "path", path, "status", status,
			      "start_time", ovl_json_str(run, "started"),
			      "duration", json_real_value(json_object_get(c, "seconds")),
			      "environment", "comment", fs, "misc", "fs", fs, "target", ovl_json_str(run, "target"),
			      "misc", "outcome", o, "reason", ovl_json_str(c, "reason"),
			      "checks", (json_int_t)json_array_size(json_object_get(c, "checks")),
			      "operations", json_integer_value(json_object_get(c, "operations")),
			      "timed_out", json_is_true(json_object_get(c, "timed_out")), "log", ovl_json_str(c, "log"));
		if (!t) {
			snprintf(why, len, "building the KCIDB test of %s failed", tid);
			r = -ENOMEM;
			goto out;
		}
		if (strcmp(status, "PASS") != 0 && strcmp(status, "SKIP") != 0 && (ex = excerpt(c)))
			json_object_set_new(t, "log_excerpt", ex);
		if (log_url && *ovl_json_str(c, "log")) {
			snprintf(url, sizeof(url), "%s/%s", log_url, ovl_json_str(c, "log"));
			json_object_set_new(t, "log_url", json_string(url));
		}
		json_array_append_new(tests, t);
		if (known_issues(doc, c, origin, id, tid)) {
			snprintf(why, len, "out of memory");
			r = -ENOMEM;
			goto out;
		}
	}
	r = json_dump_file(doc, out, JSON_INDENT(1) | JSON_SORT_KEYS) ? -EIO : 0;
	if (r)
		snprintf(why, len, "cannot write %s: %s", out, strerror(errno));
out:
	json_decref(misc);
	json_decref(doc);
	json_decref(run);
	return r;
}
