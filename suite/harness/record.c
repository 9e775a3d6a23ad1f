// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/harness/record.c - the record protocol (record.h): written by the
 * case's side, parsed by the runner's.
 */
#include "record.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "ovl-common.h"

/* The texts are cut here, well inside OVL_REC_MAX. */
#define TEXT_MAX 3000

static bool has_word(enum ovl_rec_kind kind)
{
	return kind == OVL_REC_CHECK || kind == OVL_REC_END || kind == OVL_REC_OP || kind == OVL_REC_TABLE;
}

int ovl_rec_write(int fd, enum ovl_rec_kind kind, const char *word, const char *text)
{
	char line[OVL_REC_MAX];
	size_t n = 0;

	line[n++] = (char)kind;
	line[n++] = ' ';
	if (word && has_word(kind)) {
		for (const char *s = word; *s && n < 256; s++)
			line[n++] = *s == '\n' || *s == ' ' ? '_' : *s;
		line[n++] = ' ';
	}
	for (const char *s = text ? text : ""; *s && n < TEXT_MAX; s++)
		line[n++] = *s == '\n' ? ' ' : *s;
	line[n++] = '\n';
	return ovl_write_all(fd, line, n);
}

int ovl_rec_parse(char *line, struct ovl_rec *rec)
{
	char kind = line[0];

	if (!kind || line[1] != ' ')
		return -EINVAL;
	switch (kind) {
	case OVL_REC_CHECK:
	case OVL_REC_END:
	case OVL_REC_OP:
	case OVL_REC_TABLE: {
		char *sp = strchr(line + 2, ' ');

		if (!sp)
			return -EINVAL;
		*sp = 0;
		*rec = (struct ovl_rec){ .kind = (enum ovl_rec_kind)kind, .word = line + 2, .text = sp + 1 };
		return 0;
	}
	case OVL_REC_DIAG:
	case OVL_REC_NS:
	case OVL_REC_LEFT:
		*rec = (struct ovl_rec){ .kind = (enum ovl_rec_kind)kind, .word = "", .text = line + 2 };
		return 0;
	}
	return -EINVAL;
}
