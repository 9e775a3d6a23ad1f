/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The operations on lower hard links that cases 0132 (index=on) and 0133
 * (index=off) both run over fixtures/hardlink/lower-links.tree: the model
 * predicts each result from the mount's index option, and the st_nlink of
 * the names that remain after each step.
 */
#ifndef OVL_FAMILY_HARDLINK_OPS_H
#define OVL_FAMILY_HARDLINK_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

/* Each step checked against the model, then the link counts it names. */
void hardlink_run(struct ovl_ctx *ctx);

#endif
