/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/families/cross.h - layers one implementation wrote, read by another:
 * the target under test against the kernel's overlayfs (mount(2)), both ways.
 */
#ifndef OVL_FAMILY_CROSS_H
#define OVL_FAMILY_CROSS_H

#include "harness.h"

/* Who changes the union first: the target under test, or the kernel (which then hands over to the target). */
enum cross_writer { CROSS_TARGET_WRITES, CROSS_KERNEL_WRITES };
/* How the other one takes the upper dir the writer left: as its top lower layer, or as its own upper. */
enum cross_use { CROSS_AS_LOWER, CROSS_AS_UPPER };

/*
 * The writer mounts the case's union (options: the writer's mount options,
 * or NULL) and makes a fixed set of changes, each checked against the
 * model; then it unmounts and the reader mounts the upper dir it left as
 * use says, over the same lowers. The reader's merged view must be the
 * union the changes made (the model's), and as upper the reader goes on
 * changing it, each call checked against the model of those layers.
 */
void cross_case(struct ovl_ctx *ctx, enum cross_writer writer, enum cross_use use, const char *options);

#endif
