// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Five cycles of deleting a 4 MiB file and restoring it, each step in a
 * container of its own committed in turn (as a Dockerfile's RUN lines
 * do): every delete commits a whiteout (0 bytes), every restore the whole
 * file again, so the image grows by 4 MiB a cycle though its content ends
 * as it began. Each commit is checked against the library's prediction
 * from the model's upper layer; the sizes go to the growth table and to a
 * plot, results/<run-id>/commit-cycles-<fs>.svg.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commit-growth.h"

#define CYCLES 5

static void plot(struct ovl_ctx *ctx, const uint64_t *sizes, int n)
{
	char name[64];
	const int w = 640, h = 360, left = 70, bottom = 40, top = 30, right = 20;
	double max = 0;

	snprintf(name, sizeof(name), "commit-cycles-%s.svg", ovl_backing_fs(ctx));
	for (int i = 0; i < n; i++)
		max = (double)sizes[i] > max ? (double)sizes[i] : max;
	max = max / (1 << 20) + 2;
	ovl_table_row(ctx, name, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
			       "font-family=\"sans-serif\" font-size=\"12\">", w, h);
	ovl_table_row(ctx, name, "<text x=\"%d\" y=\"18\">Image size after each commit: delete and restore a "
			       "4 MiB file, %d cycles (%s)</text>", left, CYCLES, ovl_backing_fs(ctx));
	ovl_table_row(ctx, name, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>", left, h - bottom,
		      w - right, h - bottom);
	ovl_table_row(ctx, name, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>", left, top, left,
		      h - bottom);
	ovl_table_row(ctx, name, "<text x=\"%d\" y=\"%d\">commits</text>", w / 2, h - 8);
	ovl_table_row(ctx, name, "<text x=\"8\" y=\"%d\">MiB</text>", top + 10);
	for (int mib = 0; mib <= (int)max; mib += 4)
		ovl_table_row(ctx, name, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>", left - 6,
			      h - bottom - (double)mib / max * (h - bottom - top) + 4, mib);
	{
		struct ovl_buf pts = OVL_BUF_INIT;

		for (int i = 0; i < n; i++)
			ovl_buf_printf(&pts, "%.1f,%.1f ", left + (double)i / (n - 1) * (w - left - right),
				       h - bottom - (double)sizes[i] / (1 << 20) / max * (h - bottom - top));
		ovl_table_row(ctx, name, "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" points=\"%s\"/>",
			      pts.data ? pts.data : "");
		ovl_buf_free(&pts);
	}
	for (int i = 0; i < n; i++)
		ovl_table_row(ctx, name, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#c0392b\"/>",
			      left + (double)i / (n - 1) * (w - left - right),
			      h - bottom - (double)sizes[i] / (1 << 20) / max * (h - bottom - top));
	ovl_table_row(ctx, name, "</svg>");
}

static void run(struct ovl_ctx *ctx)
{
	static char content[4u << 20];
	const struct ovl_op del = { .kind = OVL_OP_UNLINK, .path = "/big" };
	const struct ovl_op restore = { .kind = OVL_OP_WRITE, .path = "/big", .flags = O_WRONLY | O_CREAT | O_TRUNC,
					.mode = 0644, .data = content, .len = sizeof(content) };
	uint64_t sizes[2 * CYCLES + 1], start;
	struct growth g;
	char what[64];

	for (size_t i = 0; i < sizeof(content); i++)
		content[i] = (char)('a' + i % 23); /* the same bytes growth_file() wrote */
	growth_open(ctx, &g, growth_base);
	start = sizes[0] = g.image_size;
	for (int c = 0; c < CYCLES; c++) {
		growth_container(ctx, &g, NULL);
		ovl_check_op(ctx, &del);
		snprintf(what, sizeof(what), "cycle %d: delete the 4 MiB file", c + 1);
		ovl_check(ctx, growth_commit(ctx, &g, what, 0) == 0, "%s adds nothing", what);
		sizes[2 * c + 1] = g.image_size;
		growth_container(ctx, &g, NULL);
		ovl_check_op(ctx, &restore);
		snprintf(what, sizeof(what), "cycle %d: restore it", c + 1);
		ovl_check(ctx, growth_commit(ctx, &g, what, sizeof(content)) == sizeof(content), "%s adds 4 MiB", what);
		sizes[2 * c + 2] = g.image_size;
	}
	ovl_check(ctx, g.image_size == start + (uint64_t)CYCLES * sizeof(content),
		  "after %d cycles the image grew by %d x 4 MiB (%llu bytes), its content as it began", CYCLES, CYCLES,
		  (unsigned long long)(g.image_size - start));
	plot(ctx, sizes, 2 * CYCLES + 1);
	growth_close(&g);
}

OVL_CASE(
	.number = 408,
	.slug = "commit-delete-restore-cycles",
	.purpose = "each cycle of deleting and restoring a file grows the image by the file's size",
	.tags = "docker-growth",
	.needs_root = true,
	.timeout = 300,
	.run = run,
);
