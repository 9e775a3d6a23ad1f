/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/targets/target.h - the one interface through which a union is mounted.
 *
 * A target is what is under test: the kernel's overlayfs through mount(2)
 * (targets/kernel.c) or through the new mount API (targets/fsconfig.c),
 * fuse-overlayfs (targets/fuse.c), later another engine's driver. Cases
 * never mount; they ask the harness, which asks the target of the run.
 * Every function returns 0 or -errno and puts the reason in why.
 *
 * What the harness expects of a union comes from the case and, for what
 * the case leaves unsaid, from the target's own defaults (param): the
 * kernel's module parameters, or what a port's documentation says it
 * does. Never from watching the target.
 */
#ifndef OVL_TARGET_H
#define OVL_TARGET_H

#include <stdbool.h>
#include <stddef.h>

/* Lowers a union spec holds (a case's own union three, the explorer five, a commit cycle many). */
#define OVL_MAX_LOWERS 128

struct ovl_union_spec {
	const char *lowers[OVL_MAX_LOWERS];	/* top to bottom */
	size_t nlowers;
	const char *upper, *work;		/* both NULL: a read-only union */
	const char *merged;
	const char *options;			/* extra comma-separated options, or NULL */
	/* Data-only lower layers, below the lowers (lowerdir=A::D, or datadir+), top to bottom. */
	const char *datas[OVL_MAX_LOWERS];
	size_t ndatas;
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
	/*
	 * Optional: change a mounted union: read-only or read-write, with
	 * options (may be NULL) given the way the target gives them on a
	 * remount. -EOPNOTSUPP where it has none.
	 */
	int (*remount)(const char *merged, bool readonly, const char *options, char *why, size_t len);
	/*
	 * Whose behaviour it tests, naming its known deviations' data file
	 * (fixtures/deviations/<implementation>.json): the kernel targets
	 * share "kernel"; NULL: the target's name.
	 */
	const char *implementation;
	/* The filesystem type its unions show in mountinfo ("overlay"). */
	const char *fstype;
	/*
	 * Whether mountinfo lists the overlay options in force (the kernel's
	 * does, leaving out those at their default); when not, the harness
	 * takes param()'s word for the options a mount was not asked for.
	 */
	bool options_in_mountinfo;
	/* How mountinfo lists its lower layers: "lowerdir" (NULL: so) or "lowerdir+" (once per layer). */
	const char *lowers_option;
	/*
	 * What stands for overlay's module parameter name ("redirect_dir",
	 * "redirect_always_follow", "index", "xino_auto", "metacopy",
	 * "nfs_export"): 1 (Y), 0 (N) or -errno when it cannot be known.
	 */
	int (*param)(const char *name);
	/*
	 * Optional: the target's own options (ovlconform run --target-opt),
	 * comma-separated, for every mount of the run; -EINVAL and why when
	 * the target takes none of that form.
	 */
	int (*set_target_options)(const char *options, char *why, size_t len);
	/* Optional: its version as it reports it ("1.10"), for deviations that name versions. */
	int (*version)(char *out, size_t len);
	/* What it can do, one line each, for ovlconform list --targets. */
	const char *const *capabilities;
};

extern const struct ovl_target ovl_target_kernel;
extern const struct ovl_target ovl_target_kernel_fsconfig;
extern const struct ovl_target ovl_target_fuse_overlayfs;

/*
 * A union through fsopen/fsconfig/fsmount/move_mount: a lowerdir+ per
 * lower, a datadir+ per data-only layer, each option a parameter of its
 * own. -EOPNOTSUPP where the kernel has no lowerdir+.
 */
int ovl_fsconfig_mount(const char *const *lowers, size_t nlowers, const char *const *datas, size_t ndatas,
		       const char *upper, const char *work, const char *options, const char *merged, char *why,
		       size_t len);

/* The kernel targets' unmount (libmount) and lowerdir+ mount (ovl_fsconfig_mount without options). */
int ovl_fsconfig_remount(const char *merged, bool readonly, const char *options, char *why, size_t len);
int ovl_kernel_umount(const char *merged, char *why, size_t len);
int ovl_kernel_mount_lowers_plus(const char *const *lowers, size_t nlowers, const char *upper, const char *work,
				 const char *merged, char *why, size_t len);

/* Overlay's module parameter name, Y or N: 1, 0, or -errno (the kernel targets' param). */
int ovl_overlay_param(const char *name);

/* NULL-terminated list of targets built in. */
extern const struct ovl_target *const ovl_targets[];
const struct ovl_target *ovl_target_find(const char *name);

#endif
