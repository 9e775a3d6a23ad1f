/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/runner/matrix.h - the backing filesystems the layers live on: tmpfs, and
 * ext4, xfs and btrfs made on loop-backed image files in the run's scratch
 * directory, mounted through libmount with an auto-clearing loop device.
 * The runner lives in a private mount namespace, so a killed run releases
 * them all; the loop devices then detach themselves.
 */
#ifndef OVL_MATRIX_H
#define OVL_MATRIX_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "outcome.h"
#include "sysmount.h"

enum ovl_backing_kind {
	OVL_BACKING_TMPFS,
	OVL_BACKING_EXT4,
	OVL_BACKING_XFS,
	OVL_BACKING_BTRFS,
	OVL_NR_BACKING
};

struct ovl_backing {
	enum ovl_backing_kind kind;
	const char *name;		/* "tmpfs", "ext4", ... */
	unsigned int bit;		/* OVL_FS_* */
	char mnt[PATH_MAX];		/* where it is mounted */
	char image[PATH_MAX];		/* loop image file ("" for tmpfs) */
	char source[PATH_MAX];		/* the loop device once mounted */
	bool mounted;
	double setup_seconds;
	enum ovl_outcome outcome;	/* PASS: made; CONF: cannot be made here; BROK: broke */
	char reason[1024];
};

/* Name of a backing kind, and parsing a list ("all" or "tmpfs,xfs"): mask of 1 << kind. */
const char *ovl_backing_name(enum ovl_backing_kind kind);
int ovl_backing_parse(const char *list, unsigned int *mask, char *why, size_t len);

/*
 * Make and mount the backing filesystem under dir (its image and mount
 * point are created there). On failure b->outcome is CONF with the reason
 * when this machine cannot make it (no kernel support, no mkfs, mkfs
 * refused), BROK when something that should work broke. The log gets the
 * commands and their output.
 */
int ovl_backing_setup(struct ovl_backing *b, enum ovl_backing_kind kind, const char *dir, FILE *log);

/*
 * Unmount, check that the loop device went away (detaching it if the
 * kernel kept it) and remove the image. Returns 0 or -errno with the
 * problem in why.
 */
int ovl_backing_teardown(struct ovl_backing *b, FILE *log, char *why, size_t len);


/*
 * Detach every loop device whose backing file lies under dir; returns how
 * many were detached (or -errno). Used for a killed run's leftovers.
 */
int ovl_loop_detach_under(const char *dir, FILE *notes);

#endif
