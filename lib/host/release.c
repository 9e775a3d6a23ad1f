// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/host/release.c - kernel releases: ranges of them ("6.6-6.18"), and the
 * features no config option shows, by the release that brought them. A case
 * or target that needs one is CONF on an older kernel, with the release and
 * the commit, decided before it runs: never by watching the feature fail
 * (which would make a broken feature look like a missing one).
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "ovl-host.h"

bool ovl_kernel_range_valid(const char *range)
{
	const char *dash = strchr(range, '-');
	unsigned int a, b;

	if (strspn(range, "0123456789.-") != strlen(range) || (dash && strchr(dash + 1, '-')))
		return false;
	if (range[0] != '-' && sscanf(range, "%u.%u", &a, &b) < 2)
		return false;
	if (dash && dash[1] && sscanf(dash + 1, "%u.%u", &a, &b) < 2)
		return false;
	return strcmp(range, "-") != 0 && *range;
}

bool ovl_kernel_in_range(const char *range, const char *release)
{
	unsigned int v[3] = { 0 }, lo[3] = { 0 }, hi[3] = { ~0u, ~0u, ~0u };
	const char *dash;
	int n;

	if (!range || !*range)
		return true;
	if (sscanf(release, "%u.%u.%u", &v[0], &v[1], &v[2]) < 2)
		return false;
	dash = strchr(range, '-');
	if (range[0] != '-' && sscanf(range, "%u.%u.%u", &lo[0], &lo[1], &lo[2]) < 2)
		return false;
	if (!dash) {
		/* one release: its whole series ("6.1": every 6.1.x) unless it names a patch level */
		n = sscanf(range, "%u.%u.%u", &hi[0], &hi[1], &hi[2]);
		if (n == 2)
			hi[2] = ~0u;
	} else if (dash[1] && (n = sscanf(dash + 1, "%u.%u.%u", &hi[0], &hi[1], &hi[2])) >= 2) {
		if (n == 2)
			hi[2] = ~0u;
	} else if (dash[1]) {
		return false;
	}
	for (int i = 0; i < 3; i++)
		if (v[i] != lo[i]) {
			if (v[i] < lo[i])
				return false;
			break;
		}
	for (int i = 0; i < 3; i++)
		if (v[i] != hi[i])
			return v[i] < hi[i];
	return true;
}

/* Sorted by name; "since" is the first mainline release that has it. */
static const struct ovl_kernel_feature features[] = {
	{ "overlay-data-only-layers", "6.5", "data-only lower layers (lowerdir=A::B)",
	  "37ebf056d6cf \"ovl: introduce data-only lower layers\"" },
	{ "overlay-fid-handles", "6.6",
	  "file handles for fanotify without nfs_export (name_to_handle_at with AT_HANDLE_FID)",
	  "16aac5ad1fa9 \"ovl: support encoding non-decodable file handles\"" },
	{ "overlay-fsconfig", "6.5", "overlayfs mounted through fsopen/fsconfig, each option its own parameter",
	  "1784fbc2ed9c \"ovl: port to new mount api\"" },
	{ "overlay-layer-fd", "6.13", "layers given as file descriptors (fsconfig FSCONFIG_SET_FD)",
	  "a08557d19ef4 \"ovl: specify layers via file descriptors\"" },
	{ "overlay-lowerdir-plus", "6.7", "lowerdir+ and datadir+ (one fsconfig parameter per layer)",
	  "24e16e385f22 \"ovl: add support for appending lowerdirs one by one\"" },
	{ "overlay-tmpfile", "6.10", "O_TMPFILE through the union (an unnamed file in the upper layer)",
	  "9a87907de359 \"ovl: implement tmpfile\"" },
	{ "overlay-uuid-null", "6.6", "uuid=null and uuid=auto (an upper without xattrs falls back to uuid=null)",
	  "b0504bfe1b8a \"ovl: add support for unique fsid per instance\"" },
	{ "overlay-verity", "6.6", "the verity= option (fs-verity digests in metacopy xattrs)",
	  "ae8cba4033bc \"ovl: Add framework for verity support\"" },
	/* 6.7 had the form with a dir marked overlay.whiteouts (bc8df7a3dc03); 6.8 made it opaque="x" */
	{ "overlay-xattr-whiteouts", "6.8",
	  "whiteouts in the xattr form in lower layers, in a dir marked overlay.opaque=\"x\"",
	  "420332b94119 \"ovl: mark xwhiteouts directory with overlay.opaque='x'\"" },
	{ "tmpfs-user-xattrs", "6.6", "user.* extended attributes on tmpfs",
	  "2daf18a7884d \"tmpfs,xattr: enable limited user extended attributes\"" },
};

const struct ovl_kernel_feature *ovl_kernel_feature(const char *name)
{
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (strcmp(features[i].name, name) == 0)
			return &features[i];
	return NULL;
}

const struct ovl_kernel_feature *ovl_kernel_features(size_t *n)
{
	*n = sizeof(features) / sizeof(features[0]);
	return features;
}

bool ovl_kernel_has_feature(const char *name, const char *release, char *why, size_t len)
{
	const struct ovl_kernel_feature *f = ovl_kernel_feature(name);
	struct utsname u;
	char range[32];

	if (!release) {
		if (uname(&u))
			return snprintf(why, len, "uname: cannot read the kernel release"), false;
		release = u.release;
	}
	if (!f) {
		snprintf(why, len, "unknown kernel feature '%s'", name);
		return false;
	}
	snprintf(range, sizeof(range), "%s-", f->since);
	if (ovl_kernel_in_range(range, release))
		return true;
	snprintf(why, len, "needs %s, which came in Linux %s (commit %s); this is %s", f->what, f->since, f->commit,
		 release);
	return false;
}

bool ovl_kernel_features_met(const char *names, const char *release, char *why, size_t len)
{
	for (const char *p = names; p && *p;) {
		size_t n = strcspn(p, ",");
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (!ovl_kernel_has_feature(name, release, why, len))
			return false;
		p += n + (p[n] == ',');
	}
	return true;
}
