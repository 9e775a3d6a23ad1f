/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/verify.h - checking a whole Docker overlay2 store (a real
 * /var/lib/docker included), read-only. Every problem is reported with the
 * path it concerns and the reason; malformed files are reported, never
 * trusted. Docker itself has no such check.
 *
 * Checked: layerdb entries (ChainID recomputed from parent + diff, file
 * formats: strict sha256:<lowercase hex>, decimal size, no trailing
 * newline), their cache-id dirs, link files and l/ links both ways, lower
 * files against the parent chain, committed marks on layers with
 * children, sizes by Docker's rule, tar-split presence; container mounts
 * (mount-id, init-id, parent); image configs (ID = sha256 of the bytes,
 * rootfs.diff_ids chaining to registered layers); repositories.json tags.
 * With OVL_VERIFY_DEEP, every layer's DiffID is re-derived from its diff
 * dir and tar-split.
 */
#ifndef OVL_VERIFY_H
#define OVL_VERIFY_H

#include <stddef.h>

#include "tree.h"

#define OVL_VERIFY_DEEP 0x1u

typedef void (*ovl_verify_report_fn)(void *arg, const char *path, const char *reason);

/*
 * Check the store under root. *problems gets the number reported through
 * report. Returns 0 when the check ran (whatever it found), -errno when it
 * could not (err says why).
 */
int ovl_store_verify(const char *root, unsigned int flags, ovl_verify_report_fn report, void *arg,
		     size_t *problems, struct ovl_err *err);

#endif
