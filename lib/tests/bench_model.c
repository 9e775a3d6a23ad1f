// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Benchmark of lib/: build three lower layers and an upper of N entries
 * each in memory, merge them with the model, dump and diff the result.
 * Prints figures; asserts nothing about speed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ovl-model.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct ovl_tree *layer(int which, int n)
{
	struct ovl_tree *t = ovl_tree_new();

	/* In canonical order, as a scan delivers it: 100 dirs of n/100 names, overlapping between layers by a half. */
	for (int k = 0; k < n; k++) {
		char path[128];
		struct ovl_entry e = { .path = path, .type = OVL_FT_FIFO, .mode = 0644, .layer = { -1 } };
		int i = (k % (n / 100)) * 100 + k / (n / 100);

		snprintf(path, sizeof(path), "/d%03d/f%07d", k / (n / 100), i + which * n / 2);
		if (which == 0 && i % 10 == 0)
			e.type = OVL_FT_WHITEOUT, e.mode = 0;
		if (ovl_tree_add(t, &e, NULL) && !ovl_tree_lookup(t, path)) {
			fprintf(stderr, "bench: cannot add %s\n", path);
			exit(1);
		}
	}
	return t;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	struct ovl_tree *up, *lo[3], *merged = NULL;
	double t0, t1, t2, t3;
	struct rusage ru;
	FILE *null = fopen("/dev/null", "w");
	int d;

	t0 = now();
	up = layer(0, n);
	for (int i = 0; i < 3; i++)
		lo[i] = layer(i + 1, n);
	t1 = now();
	if (ovl_model_merge(up, (const struct ovl_tree *const *)lo, 3, &merged, NULL)) {
		fprintf(stderr, "bench: merge failed\n");
		return 1;
	}
	t2 = now();
	ovl_tree_dump(merged, 0, null);
	d = ovl_tree_diff(merged, lo[0], 0, null);
	t3 = now();
	getrusage(RUSAGE_SELF, &ru);
	printf("model: 4 layers x %d entries: build %.3f s, merge %.3f s (%zu merged entries, "
	       "%.0f entries/s), dump+diff %.3f s (%d differing), max RSS %ld MiB\n",
	       n, t1 - t0, t2 - t1, ovl_tree_count(merged), (double)(4 * n) / (t2 - t1), t3 - t2, d,
	       ru.ru_maxrss / 1024);
	ovl_tree_unref(merged);
	ovl_tree_unref(up);
	for (int i = 0; i < 3; i++)
		ovl_tree_unref(lo[i]);
	fclose(null);
	return 0;
}
