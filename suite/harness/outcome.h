/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/harness/outcome.h - the outcomes of a check, a case and a run, defined once.
 * The README's "Outcomes and exit codes" section documents the same table.
 *
 *   PASS   the behaviour under test is right
 *   FAIL   the behaviour under test is wrong (this includes a timeout, a
 *          WARN/BUG in the kernel log or a new taint during the case)
 *   BROK   setup or the environment broke; nothing was learnt about the target
 *   CONF   not applicable here; the reason says exactly why
 *   XFAIL  failed as a known deviation of this target says it does
 *   XPASS  passed although a known deviation says it fails
 */
#ifndef OVL_OUTCOME_H
#define OVL_OUTCOME_H

enum ovl_outcome {
	OVL_PASS,
	OVL_FAIL,
	OVL_BROK,
	OVL_CONF,
	OVL_XFAIL,
	OVL_XPASS,
	OVL_NR_OUTCOMES
};

/* Exit codes of `ovlconform run`. */
enum ovl_exit {
	OVL_EXIT_OK = 0,	/* every case PASS, CONF or XFAIL */
	OVL_EXIT_FAIL = 1,	/* at least one FAIL or XPASS */
	OVL_EXIT_BROK = 2,	/* no FAIL, but at least one BROK */
	OVL_EXIT_USAGE = 3,	/* bad command line, invalid case descriptor, no scratch dir */
	OVL_EXIT_INTERRUPTED = 4, /* stopped by SIGINT/SIGTERM; results written so far */
};

const char *ovl_outcome_name(enum ovl_outcome o);
/* Parse "PASS", "FAIL", ... ; -1 if unknown. */
int ovl_outcome_parse(const char *s);
/* KTAP "ok" (1) or "not ok" (0). */
int ovl_outcome_ktap_ok(enum ovl_outcome o);
/* KTAP directive word ("SKIP", "XFAIL", "ERROR"...), or NULL for none. */
const char *ovl_outcome_ktap_directive(enum ovl_outcome o);
/* The worse of two outcomes, for folding checks into a case. */
enum ovl_outcome ovl_outcome_worse(enum ovl_outcome a, enum ovl_outcome b);

#endif
