// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/host/kernel.c - what the running kernel says about its modules and
 * filesystems. See ovl-host.h.
 */
#define _GNU_SOURCE
#include "ovl-host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libkmod.h>

#include "ovl-common.h"

bool ovl_kernel_has_filesystem(const char *fs)
{
	FILE *f = fopen("/proc/filesystems", "re");
	char line[256];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, '\t');

		name = name ? name + 1 : line;
		name[strcspn(name, "\n")] = 0;
		found = strcmp(name, fs) == 0;
	}
	fclose(f);
	return found;
}

int ovl_kernel_module_load(const char *name)
{
	struct kmod_ctx *kctx = kmod_new(NULL, NULL);
	struct kmod_list *list = NULL, *l;
	int r = -ENOENT;

	if (!kctx)
		return -ENOMEM;
	if (kmod_module_new_from_lookup(kctx, name, &list) == 0 && list) {
		kmod_list_foreach(l, list) {
			struct kmod_module *m = kmod_module_get_module(l);

			r = kmod_module_probe_insert_module(m, 0, NULL, NULL, NULL, NULL);
			kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
	}
	kmod_unref(kctx);
	return r;
}

int ovl_kernel_fs_available(const char *fstype, char *why, size_t len)
{
	int r;

	/* /proc/filesystems first: libkmod misreads built-ins without /lib/modules. */
	if (ovl_kernel_has_filesystem(fstype))
		return 0;
	r = ovl_kernel_module_load(fstype);
	if (ovl_kernel_has_filesystem(fstype))
		return 0;
	snprintf(why, len, "kernel has no %s filesystem: not in /proc/filesystems, and loading "
		 "module %s %s", fstype, fstype,
		 r == -ENOMEM ? "failed (libkmod cannot start)"
		 : r == -ENOENT ? "found no such module" : strerror(-r));
	return -ENODEV;
}

int ovl_kernel_module_param(const char *module, const char *param, char *out, size_t len)
{
	char p[512], *text = NULL;
	size_t n = 0;
	int r;

	snprintf(p, sizeof(p), "/sys/module/%s/parameters/%s", module, param);
	r = ovl_read_file(p, &text, &n, 4096);
	if (r)
		return r;
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = 0;
	snprintf(out, len, "%s", text);
	free(text);
	return 0;
}

bool ovl_kernel_module_usable(const char *module, char *why, size_t len, void *unused)
{
	struct kmod_ctx *ctx;
	struct kmod_list *list = NULL, *it;
	char p[512];
	struct stat st;
	bool ok = false;

	char name[256];

	(void)unused;
	/* /sys/module spells module names with _ for - (dm-mod is dm_mod) */
	snprintf(name, sizeof(name), "%s", module);
	for (char *c = name; *c; c++)
		if (*c == '-')
			*c = '_';
	module = name;
	snprintf(p, sizeof(p), "/sys/module/%s/initstate", module);
	if (stat(p, &st) == 0) {
		snprintf(why, len, "loaded");
		return true;
	}
	snprintf(p, sizeof(p), "/sys/module/%s", module);
	if (stat(p, &st) == 0) {
		/* a built-in module with parameters has a /sys/module dir and no initstate */
		snprintf(why, len, "built in");
		return true;
	}
	/* a filesystem module registers its type; built in, it may have no /sys/module dir */
	if (ovl_kernel_has_filesystem(module)) {
		snprintf(why, len, "registered in /proc/filesystems");
		return true;
	}
	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		snprintf(why, len, "not loaded, and libkmod cannot read this kernel's module index");
		return false;
	}
	if (kmod_module_new_from_lookup(ctx, module, &list) < 0 || !list) {
		snprintf(why, len, "not loaded, and libkmod finds no module '%s' for this kernel", module);
	} else {
		snprintf(why, len, "not loaded, and libkmod finds no file for it");
		kmod_list_foreach(it, list) {
			struct kmod_module *mod = kmod_module_get_module(it);
			const char *path = kmod_module_get_path(mod);

			int state = kmod_module_get_initstate(mod);

			if (state == KMOD_MODULE_BUILTIN) {
				snprintf(why, len, "built in (modules.builtin)");
				ok = true;
			} else if (state == KMOD_MODULE_LIVE || state == KMOD_MODULE_COMING) {
				snprintf(why, len, "loaded (libkmod)");
				ok = true;
			} else if (path && access(path, R_OK) == 0) {
				snprintf(why, len, "not loaded, available: %s", path);
				ok = true;
			}
			kmod_module_unref(mod);
			if (ok)
				break;
		}
		kmod_module_unref_list(list);
	}
	kmod_unref(ctx);
	return ok;
}
