// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A target for the harness tests only (ovlconform-selftest): the kernel's
 * overlayfs, but the option "index=on" never reaches it, and the mount
 * succeeds as if it had. A target that silently drops an option it was
 * given must FAIL every case that asked for it (the mount's options check),
 * never pass by the rules of what it did, nor CONF.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovl-common.h"
#include "target.h"

static int drops_mount(const struct ovl_union_spec *spec, char *why, size_t len)
{
	struct ovl_union_spec s = *spec;
	struct ovl_buf b = OVL_BUF_INIT;
	char *copy = spec->options ? strdup(spec->options) : NULL, *tok, *save = NULL;
	int r;

	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, "index=on") != 0)
			ovl_buf_printf(&b, "%s%s", b.len ? "," : "", tok);
	s.options = b.data ? b.data : "";
	r = ovl_target_kernel.mount(&s, why, len);
	ovl_buf_free(&b);
	free(copy);
	return r;
}

static int drops_probe(char *why, size_t len)
{
	return ovl_target_kernel.probe(why, len);
}

static const struct ovl_target drops_index = {
	.name = "kernel-drops-index",
	.what = "the kernel's overlayfs with index=on silently left out (a harness test)",
	.needs_kconfig = "OVERLAY_FS",
	.probe = drops_probe,
	.mount = drops_mount,
	.umount = ovl_kernel_umount,
	.implementation = "kernel",
	.fstype = "overlay",
	.options_in_mountinfo = true,
	.param = ovl_overlay_param,
};

const struct ovl_target *const ovl_extra_targets[] = { &drops_index, NULL };
