/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/runner/descriptor.h - the case registry: finding the descriptors the build
 * linked in, checking them, and selecting cases by number, slug or tag.
 */
#ifndef OVL_DESCRIPTOR_H
#define OVL_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "harness.h"
#include "ovl-host.h"

/* The controlled list of tags, NULL-terminated. */
extern const char *const ovl_known_tags[];
/* Overlay mount options a case may name in needs_features / mount_options. */
extern const char *const ovl_known_features[];

#define OVL_TIMEOUT_DEFAULT 30u
#define OVL_TIMEOUT_MAX 3600u

/* All cases linked into this binary, sorted by number. */
size_t ovl_cases_all(const struct ovl_case *const **out);

/*
 * Check one descriptor on its own (fixtures_dir NULL skips the fixture
 * checks). Returns 0, or -EINVAL with the first problem in why, which names
 * the case file.
 */
int ovl_case_validate(const struct ovl_case *c, const char *fixtures_dir, char *why, size_t len);

/* Check a set: each descriptor, plus unique numbers and slugs. 0 or -EINVAL. */
int ovl_cases_validate(const struct ovl_case *const *cases, size_t n, const char *fixtures_dir,
		       char *why, size_t len);

/* "0001-same-name-a-wins" */
void ovl_case_id(const struct ovl_case *c, char *buf, size_t len);
bool ovl_case_has_tag(const struct ovl_case *c, const char *tag);
/*
 * The kernel config a case needs on a target, as one expression
 * ("(OVERLAY_FS) & (CONFIG_X)"); "" when neither asks for anything.
 */
struct ovl_target;
void ovl_case_kconfig_expr(const struct ovl_case *c, const struct ovl_target *t, char *buf, size_t len);

/*
 * Does a selector pick case c? A selector is a number ("1", "0001"), an id
 * ("0001-slug"), a slug, or a tag. -EINVAL when sel matches no form at all
 * (an unknown tag), for a clear error.
 */
bool ovl_case_selected(const struct ovl_case *c, const char *sel);
bool ovl_selector_valid(const char *sel, const struct ovl_case *const *cases, size_t n);

/*
 * Does case c set user.* xattrs: its needs_user_xattrs, or any entry of
 * its fixture (under fixtures_dir) with one. 0, or -EINVAL with why when
 * the fixture cannot be read.
 */
int ovl_case_user_xattrs(const struct ovl_case *c, const char *fixtures_dir, bool *uses, char *why, size_t len);

#endif
