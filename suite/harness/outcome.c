// SPDX-License-Identifier: GPL-2.0-or-later
#include "outcome.h"

#include <stddef.h>
#include <string.h>

static const struct {
	const char *name, *directive;
	int ok, severity;
} table[OVL_NR_OUTCOMES] = {
	[OVL_PASS] = { "PASS", NULL, 1, 0 },
	[OVL_CONF] = { "CONF", "SKIP", 1, 1 },
	[OVL_XFAIL] = { "XFAIL", "XFAIL", 1, 2 },
	[OVL_XPASS] = { "XPASS", "XPASS", 0, 3 },
	[OVL_FAIL] = { "FAIL", NULL, 0, 5 },
	[OVL_BROK] = { "BROK", "ERROR", 0, 4 },
};

const char *ovl_outcome_name(enum ovl_outcome o)
{
	return (unsigned int)o < OVL_NR_OUTCOMES ? table[o].name : "?";
}

int ovl_outcome_parse(const char *s)
{
	for (int i = 0; i < OVL_NR_OUTCOMES; i++)
		if (strcmp(s, table[i].name) == 0)
			return i;
	return -1;
}

int ovl_outcome_ktap_ok(enum ovl_outcome o)
{
	return table[o].ok;
}

const char *ovl_outcome_ktap_directive(enum ovl_outcome o)
{
	return table[o].directive;
}

enum ovl_outcome ovl_outcome_worse(enum ovl_outcome a, enum ovl_outcome b)
{
	return table[a].severity >= table[b].severity ? a : b;
}
