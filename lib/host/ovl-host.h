/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovl-host.h - the host library (libovlhost): its whole interface.
 *
 * What the machine offers, asked without mounting an overlay: the kernel's
 * build configuration and requirement expressions, modules and their
 * parameters, and what a backing filesystem can do (d_type, xattrs,
 * RENAME_WHITEOUT, O_TMPFILE, Docker's overlay2 verdict).
 *
 * Link: pkg-config --cflags --libs ovlhost.
 */
#ifndef OVL_HOST_H
#define OVL_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "ovl-common.h"

/*
 * == kconfig: reading a kernel's build configuration (plain or gzip):
 * $KCONFIG_PATH, /proc/config.gz, /lib/modules/$(uname -r)/build/.config,
 * /lib/modules/$(uname -r)/config, /boot/config-$(uname -r),
 * /lib/kernel/config-$(uname -r), in that order.
 */

struct ovl_kconfig;

/* path NULL: the usual places in order. On failure -errno of the last place tried, every place in err. */
int ovl_kconfig_load(const char *path, struct ovl_kconfig **out, struct ovl_err *err);
void ovl_kconfig_free(struct ovl_kconfig *kc);
/* The file it was read from. */
const char *ovl_kconfig_source(const struct ovl_kconfig *kc);
/* The value of CONFIG_X ("y", "m", "64", "\"str\""), or NULL when not set. */
const char *ovl_kconfig_get(const struct ovl_kconfig *kc, const char *sym);
/*
 * One requirement "CONFIG_X" (y or m), "CONFIG_X=y" or "CONFIG_X=m": true
 * when met; the actual value goes to *have (NULL when not set).
 */
bool ovl_kconfig_met(const struct ovl_kconfig *kc, const char *req, const char **have);

/*
 * The running kernel's word on a symbol built as a module (=m): whether
 * that module can be used here (built in, loaded, or its file present).
 * Without a check, or for a symbol without a module name, =m counts.
 */
typedef bool (*ovl_kmod_check_fn)(const char *module, char *why, size_t len, void *arg);
void ovl_kconfig_set_module_check(struct ovl_kconfig *kc, ovl_kmod_check_fn fn, void *arg);
/* The module that CONFIG_X builds (e.g. CONFIG_OVERLAY_FS: overlay); 0 or -ENOMEM. */
int ovl_kconfig_set_module(struct ovl_kconfig *kc, const char *sym, const char *module);
/* The module name set for sym, or a known default (OVERLAY_FS, EXT4_FS, ...), or NULL. */
const char *ovl_kconfig_module_of(const struct ovl_kconfig *kc, const char *sym);

/*
 * What CONFIG_X is in effect: its value ("y", "m", ...; NULL when not set
 * or, for =m, when the module check says the module is missing), and in
 * why (may be NULL) a short description ("y", "m, module overlay loaded",
 * "m, but module overlay is missing: ...", "not set").
 */
const char *ovl_kconfig_effective(const struct ovl_kconfig *kc, const char *sym, char *why, size_t len);

/*
 * Evaluate a requirement expression: symbols (with or without CONFIG_),
 * each alone (set to y or m) or with =y, =m or =n (n: not set), joined
 * with & (also written ","), | and !, grouped with ( ). *ok gets the
 * result; unmet (may be NULL) the atoms that were false, as
 * "CONFIG_X (not set)". 0, or -EINVAL for a syntax error (err says where).
 */
int ovl_kconfig_eval(const struct ovl_kconfig *kc, const char *expr, bool *ok, char *unmet, size_t len,
		     struct ovl_err *err);
/* Call fn for each symbol ("CONFIG_X") an expression names; -EINVAL on a syntax error. */
int ovl_kconfig_symbols(const char *expr, int (*fn)(const char *sym, void *arg), void *arg,
			struct ovl_err *err);

/*
 * A requirement file (Kconfig-checks/NAME.req): one requirement a line,
 *   required|optional  EXPRESSION  [module=NAME] [param=NAME]  -- reason
 * module= names the module the first symbol builds, param= the overlay
 * module parameter that gives its running default. Lines starting with #
 * are comments.
 */
struct ovl_kreq {
	unsigned int line;
	bool required;
	char *expr;
	char *module;		/* may be NULL */
	char *param;		/* may be NULL */
	char *reason;
};
int ovl_kreq_load(const char *path, struct ovl_kreq **out, size_t *n, struct ovl_err *err);
int ovl_kreq_parse(const char *text, const char *origin, struct ovl_kreq **out, size_t *n,
		   struct ovl_err *err);
void ovl_kreq_free(struct ovl_kreq *r, size_t n);


/*
 * == kernel: what the running kernel says about itself: whether a
 * module can be used (built in, loaded, or its file installed), whether a
 * filesystem is registered, and a module parameter's value. libkmod alone
 * misreads a module built in where modules.builtin is absent (a VM
 * without /lib/modules), so /sys/module and /proc/filesystems come first.
 */

/*
 * Can module be used? why gets how we know ("loaded", "built in",
 * "available: /lib/modules/.../x.ko") or why not. Fits ovl_kmod_check_fn.
 */
bool ovl_kernel_module_usable(const char *module, char *why, size_t len, void *unused);
/* Is fs a filesystem type in /proc/filesystems? */
bool ovl_kernel_has_filesystem(const char *fs);
/* Load module name (an alias too) with what it depends on: 0, -ENOENT (none such), -errno. */
int ovl_kernel_module_load(const char *name);
/* Is fstype known to the kernel (after trying to load its module)? 0, or -ENODEV with why. */
int ovl_kernel_fs_available(const char *fstype, char *why, size_t len);
/* /sys/module/<module>/parameters/<param>, trimmed: 0, or -errno. */
int ovl_kernel_module_param(const char *module, const char *param, char *out, size_t len);


/*
 * == backing: what a backing filesystem offers overlayfs and Docker's
 * overlay2 driver, found by trying it in a scratch dir: d_type in
 * readdir, trusted.* and user.* xattrs, RENAME_WHITEOUT, O_TMPFILE, and
 * the statfs magic Docker names filesystems by. And Docker's own verdict
 * on it as a backing filesystem for overlay2, with Docker's words.
 */

struct ovl_backing_info {
	unsigned long magic;		/* statfs f_type */
	const char *name;		/* Docker's name for it ("extfs", "xfs", ...), or "unknown" */
	bool d_type;			/* readdir gives the entries' types (not DT_UNKNOWN) */
	bool trusted_xattr;		/* a trusted.* xattr can be set (needs CAP_SYS_ADMIN) */
	bool user_xattr;
	bool rename_whiteout;		/* renameat2(RENAME_WHITEOUT) works */
	bool o_tmpfile;			/* open(O_TMPFILE) works */
	bool read_only;			/* the probe could not write at all (EROFS) */
};

/*
 * Probe the filesystem dir is on, in a subdir made and removed again
 * (nothing else in dir is touched). 0, or -errno with err saying what
 * failed; a read-only filesystem is 0 with read_only set.
 */
int ovl_backing_probe(const char *dir, struct ovl_backing_info *out, struct ovl_err *err);

/* Docker's name for a statfs magic ("extfs", "xfs", "btrfs", "tmpfs", ...), or NULL. */
const char *ovl_backing_fs_name(unsigned long magic);

/*
 * Docker's overlay2 checks of a backing filesystem: 0 when it would use
 * it, else -EINVAL and msg gets Docker's message: d_type missing (its
 * ErrDTypeNotSupported text, with the advice for xfs and extfs), or a
 * filesystem type overlay2 refuses (aufs, ecryptfs, nfs, overlay, zfs,
 * as Docker did by type up to 19.03).
 */
int ovl_backing_docker_check(const struct ovl_backing_info *bi, char *msg, size_t len);

/* == releases: ranges, and features by the release that brought them ==== */

/*
 * Kernel release ranges (deviations, needs_kernel): "6.6-6.18" (both ends
 * included, "6.18" meaning every 6.18.x), "6.18-" (and later), "-6.12", "6.1".
 */
bool ovl_kernel_range_valid(const char *range);
/* Whether release ("6.18.44-fc-v1045", as uname -r) is in range; NULL or "": any. */
bool ovl_kernel_in_range(const char *range, const char *release);

/*
 * Kernel features no config option shows, by the release that brought them
 * (lib/host/release.c): the gate of needs_kernel_features and of what
 * a case expects of a backing filesystem.
 */
struct ovl_kernel_feature {
	const char *name;	/* "overlay-lowerdir-plus" */
	const char *since;	/* first mainline release: "6.7" */
	const char *what;	/* "lowerdir+ and datadir+ ..." */
	const char *commit;	/* "24e16e385f22 \"ovl: ...\"" */
};
const struct ovl_kernel_feature *ovl_kernel_feature(const char *name);
const struct ovl_kernel_feature *ovl_kernel_features(size_t *n);
/*
 * Whether release (NULL: the running kernel's) has feature name; false with
 * why ("needs X, which came in Linux 6.8 (commit ...); this is 6.1.0-57")
 * when not, or when name is unknown.
 */
bool ovl_kernel_has_feature(const char *name, const char *release, char *why, size_t len);
/* The same for a comma-separated list: false at the first one missing. */
bool ovl_kernel_features_met(const char *names, const char *release, char *why, size_t len);

#endif
