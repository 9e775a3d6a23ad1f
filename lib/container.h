/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/container.h - containers in the reference store, as Docker's
 * overlay2 driver and layer store make them:
 *
 *   overlay2/<mount-id>-init/   the init layer on the image's top layer:
 *                               dirs /dev/pts /dev/shm /proc /sys, empty
 *                               /.dockerenv /etc/resolv.conf /etc/hosts
 *                               /etc/hostname /dev/console, and the symlink
 *                               /etc/mtab -> /proc/mounts
 *   overlay2/<mount-id>/        the container's layer on the init layer
 *   layerdb/mounts/<container-id>/{mount-id,init-id,parent}
 *
 * Mounting is Docker's: lowerdir of the l/ short links (absolute), upperdir
 * and workdir of the container layer, "index=off," first when the kernel
 * has that parameter; when that option string is longer than a page less
 * one byte, the lowers go relative to overlay2/ as the lower file lists them
 * and the mount is made from a process whose working directory is overlay2/.
 * This is the only place the library mounts.
 */
#ifndef OVL_CONTAINER_H
#define OVL_CONTAINER_H

#include <limits.h>

#include "store.h"

struct ovl_container_info {
	char id[65];			/* the container's ID */
	char mount_id[65];
	char init_id[80];		/* <mount-id>-init */
	struct ovl_digest parent;	/* the image's top ChainID */
	char upper[PATH_MAX];		/* overlay2/<mount-id>/diff */
	char merged[PATH_MAX];		/* overlay2/<mount-id>/merged (while mounted) */
};

int ovl_store_container_create(struct ovl_store *s, const struct ovl_digest *image_id,
			       struct ovl_container_info *out, struct ovl_err *err);
int ovl_store_container_get(struct ovl_store *s, const char *id, struct ovl_container_info *out,
			    struct ovl_err *err);
/*
 * Mount the container's union on overlay2/<mount-id>/merged, as Docker
 * does. *relative says whether the long-option fallback was taken (may be NULL).
 */
int ovl_store_container_mount(struct ovl_store *s, const char *id, bool *relative, struct ovl_err *err);
int ovl_store_container_umount(struct ovl_store *s, const char *id, struct ovl_err *err);
/*
 * Commit: the container's layer as an OCI tar, registered as a new layer on
 * the image's top layer, and a new image (tagged ref when not NULL).
 */
int ovl_store_container_commit(struct ovl_store *s, const char *id, const struct ovl_image_opts *opts,
			       const char *ref, struct ovl_digest *image_id, struct ovl_layer_info *layer,
			       struct ovl_err *err);

#endif
