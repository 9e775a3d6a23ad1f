// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: any text as a fixture. A fixture that parses must dump,
 * and its dump must parse again to the same dump (the dump is canonical).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovl-model.h"

static char *dump_all(const struct ovl_fixture *f)
{
	char *s = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&s, &n);

	for (size_t i = 0; i < ovl_fixture_count(f); i++) {
		fprintf(out, "[%s]\n", *ovl_fixture_name_at(f, i) ? ovl_fixture_name_at(f, i) : "t");
		ovl_tree_dump(ovl_fixture_tree(f, ovl_fixture_name_at(f, i)), 0, out);
	}
	fclose(out);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct ovl_fixture *f = NULL, *g = NULL;
	struct ovl_err err = { "" };

	if (!text || size > 4096)
		return free(text), 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (strlen(text) == size && ovl_fixture_parse(text, "fuzz", &f, &err) == 0) {
		char *d1 = dump_all(f), *d2;

		if (ovl_fixture_parse(d1, "dump", &g, &err)) {
			fprintf(stderr, "the dump of a parsed fixture does not parse: %s\n%s", err.msg, d1);
			__builtin_trap();
		}
		d2 = dump_all(g);
		if (strcmp(d1, d2)) {
			fprintf(stderr, "dump is not canonical:\n%s---\n%s", d1, d2);
			__builtin_trap();
		}
		free(d1);
		free(d2);
		ovl_fixture_free(g);
		ovl_fixture_free(f);
	}
	free(text);
	return 0;
}
