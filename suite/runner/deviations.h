/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/runner/deviations.h - known deviations of a target, as data: one
 * JSON file per target (fixtures/deviations/<target>.json), per check.
 *
 * A deviation names the cases and filesystems where it shows, a pattern
 * of the check names it covers, and what is observed there: patterns each
 * diagnostic line of such a failing check must match. A failing check is
 * XFAIL only when every line it printed is one the deviations covering it
 * observed (a line they do not explain leaves it FAIL: a second, unknown
 * deviation is never hidden by a known one); the reason names the
 * deviation. A deviation that covered checks of a case run but showed in
 * none of them is gone: those checks are XPASS (correct the data).
 *
 * File format:
 *   { "target": "NAME", "about": "...",
 *     "deviations": [ { "id": "short-name", "cases": ["NNNN-slug", ...],
 *       "fs": ["tmpfs", ...] (optional: all), "kernels": "6.6-" (optional),
 *       "versions": "1.10" (optional: of the target, as it reports it),
 *       "checks": "fnmatch pattern of check names (never just *)", or a list of them,
 *       "observed": ["fnmatch pattern of a diagnostic line", ...] ([]: the checks print none),
 *       "why": "the behaviour and its cause", "link": "https://..." (optional),
 *       "intermittent": true (optional: it shows in some runs only, so it is never judged gone) } ] }
 */
#ifndef OVL_DEVIATIONS_H
#define OVL_DEVIATIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "harness.h"
#include "result.h"

struct ovl_devset;

/*
 * Read path for target (the file's "target" must say so), checking every
 * entry against the cases built in: NULL and why (naming the path, the
 * entry and what is wrong) on any error. A missing file is an empty set
 * when missing_ok.
 */
struct ovl_devset *ovl_deviations_load(const char *path, const char *target, bool missing_ok,
				       const struct ovl_case *const *cases, size_t ncases, char *why, size_t len);
void ovl_deviations_free(struct ovl_devset *set);
size_t ovl_deviations_count(const struct ovl_devset *set);

/*
 * Apply set to the checks of one case run (case id, filesystem bit, the
 * kernel release, the target's version or NULL): FAIL to XFAIL, PASS to
 * XPASS as above, each with its reason ("id: why (link)").
 */
void ovl_deviations_apply(const struct ovl_devset *set, const char *case_id, unsigned int fs_bit,
			  const char *release, const char *version, struct ovl_case_result *r);

#endif
