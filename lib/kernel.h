/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/kernel.h - what the running kernel says about itself: whether a
 * module can be used (built in, loaded, or its file installed), whether a
 * filesystem is registered, and a module parameter's value. libkmod alone
 * misreads a module built in where modules.builtin is absent (a VM
 * without /lib/modules), so /sys/module and /proc/filesystems come first.
 */
#ifndef OVL_KERNEL_H
#define OVL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Can module be used? why gets how we know ("loaded", "built in",
 * "available: /lib/modules/.../x.ko") or why not. Fits ovl_kmod_check_fn.
 */
bool ovl_kernel_module_usable(const char *module, char *why, size_t len, void *unused);
/* Is fs a filesystem type in /proc/filesystems? */
bool ovl_kernel_has_filesystem(const char *fs);
/* /sys/module/<module>/parameters/<param>, trimmed: 0, or -errno. */
int ovl_kernel_module_param(const char *module, const char *param, char *out, size_t len);

#endif
