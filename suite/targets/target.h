/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/targets/target.h - the one interface through which a union is mounted.
 *
 * A target is what is under test: the kernel's overlayfs through mount(2)
 * (targets/kernel.c), and later the new mount API, fuse-overlayfs or
 * another engine's driver. Cases never mount; they ask the harness, which
 * asks the target of the run. Every function returns 0 or -errno and puts
 * the reason in why.
 */
#ifndef OVL_TARGET_H
#define OVL_TARGET_H

#include <stddef.h>

/* Lowers a union spec holds (a case's own union three, the explorer five, a commit cycle many). */
#define OVL_MAX_LOWERS 128

struct ovl_union_spec {
	const char *lowers[OVL_MAX_LOWERS];	/* top to bottom */
	size_t nlowers;
	const char *upper, *work;		/* both NULL: a read-only union */
	const char *merged;
	const char *options;			/* extra comma-separated options, or NULL */
};

struct ovl_target {
	const char *name;
	const char *what;
	/* The kernel config this target needs (an expression, lib/kconfig.h), or NULL. */
	const char *needs_kconfig;
	/* Usable on this machine? (-errno and why when not: the run says CONF.) */
	int (*probe)(char *why, size_t len);
	int (*mount)(const struct ovl_union_spec *spec, char *why, size_t len);
	int (*umount)(const char *merged, char *why, size_t len);
	/*
	 * Optional: mount with any number of lowers through the new mount API,
	 * one "lowerdir+" each (-EOPNOTSUPP where the target or kernel lacks it).
	 */
	int (*mount_lowers_plus)(const char *const *lowers, size_t nlowers, const char *upper, const char *work,
				 const char *merged, char *why, size_t len);
};

extern const struct ovl_target ovl_target_kernel;

/* NULL-terminated list of targets built in. */
extern const struct ovl_target *const ovl_targets[];
const struct ovl_target *ovl_target_find(const char *name);

#endif
