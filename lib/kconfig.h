/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/kconfig.h - reading a kernel's build configuration (plain or gzip):
 * $KCONFIG_PATH, /proc/config.gz, /lib/modules/$(uname -r)/build/.config,
 * /lib/modules/$(uname -r)/config, /boot/config-$(uname -r),
 * /lib/kernel/config-$(uname -r), in that order.
 */
#ifndef OVL_KCONFIG_H
#define OVL_KCONFIG_H

#include <stdbool.h>

#include "tree.h"

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

#endif
