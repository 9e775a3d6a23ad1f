/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An upper layer on a filesystem without d_type (ext4 made without the
 * filetype feature, xfs with ftype=0), for cases 0212 and 0213: what the
 * kernel does with it, asserted exactly, and Docker's refusal in Docker's
 * words. The filesystem image lives in the case's dir on the backing fs
 * under test, on a loop device that goes with the case.
 */
#ifndef OVL_FAMILY_NODTYPE_H
#define OVL_FAMILY_NODTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

/*
 * Make the image with mkfs (argv, image last), mount it, and run the
 * checks; mount_conf: CONF (with the kernel's answer) when this kernel
 * cannot mount such a filesystem at all.
 */
void nodtype_case(struct ovl_ctx *ctx, const char *fstype, const char *const *mkfs,
				const char *docker_msg);

#endif
