/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/harness/record.h - the record protocol between a case and the
 * runner, both sides of it.
 *
 * A case runs in a process of its own; everything it reports reaches the
 * runner as records over a pipe: one line each, written with one write()
 * (so records of a case and of its reaper never interleave), at most
 * OVL_REC_MAX bytes; a newline inside a text becomes a space. The kinds:
 *
 *   C <OUTCOME> <check name>   a check (subtest): PASS or FAIL
 *   D <text>                   a diagnostic, shown in KTAP under the last
 *                              check (or under the case before any check)
 *   E <OUTCOME> <reason>       the case ended early: BROK or CONF, and why
 *   O op <what>                one operation checked against the model
 *   T <table> <row>            a row of results/<run-id>/<table>.txt
 *   N <inode>                  the case's mount namespace (the runner pins
 *                              it, to find what is left in it afterwards)
 *   L <path>                   a mount left behind in the case's namespace
 *
 * OUTCOME is a name from outcome.h. A line of another kind, or one that
 * does not parse, is ignored by the runner.
 */
#ifndef OVL_RECORD_H
#define OVL_RECORD_H

#include <stddef.h>

#define OVL_REC_MAX 4096

enum ovl_rec_kind {
	OVL_REC_CHECK = 'C',
	OVL_REC_DIAG = 'D',
	OVL_REC_END = 'E',
	OVL_REC_OP = 'O',
	OVL_REC_TABLE = 'T',
	OVL_REC_NS = 'N',
	OVL_REC_LEFT = 'L',
};

struct ovl_rec {
	enum ovl_rec_kind kind;
	const char *word;	/* OUTCOME, "op" or the table; "" for D, N and L */
	const char *text;
};

/*
 * Write one record to fd in one write(). word is NULL for D, N and L. Safe
 * in a forked child (no allocation). 0 or -errno.
 */
int ovl_rec_write(int fd, enum ovl_rec_kind kind, const char *word, const char *text);
/* Parse one line (without its newline; split in place): 0, or -EINVAL for anything else. */
int ovl_rec_parse(char *line, struct ovl_rec *rec);

#endif
