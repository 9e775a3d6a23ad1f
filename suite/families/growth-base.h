/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The base image the growth cases 0401-0408 start from. */
#ifndef OVL_CASE_GROWTH_BASE_H
#define OVL_CASE_GROWTH_BASE_H

#include "commit-growth.h"

/* The base image: a 4 MiB file, a dir of eight 64 KiB files, a small config, a hard-linked 1 MiB pair. */
static inline void growth_base(struct ovl_ctx *ctx, const char *dir)
{
	growth_file(ctx, dir, "big", 4u << 20);
	growth_dir(ctx, dir, "cache");
	for (int i = 0; i < 8; i++) {
		char name[32];

		snprintf(name, sizeof(name), "cache/f%d", i);
		growth_file(ctx, dir, name, 64u << 10);
	}
	growth_dir(ctx, dir, "etc");
	growth_file(ctx, dir, "etc/conf", 100);
	growth_file(ctx, dir, "h1", 1u << 20);
	{
		char a[4200], b[4200];

		snprintf(a, sizeof(a), "%s/h1", dir);
		snprintf(b, sizeof(b), "%s/h2", dir);
		if (link(a, b))
			ovl_brok(ctx, "link %s: %s", b, strerror(errno));
	}
}

#endif
