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

/* path NULL: the usual places in order. -ENOENT with every place tried in err. */
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

#endif
