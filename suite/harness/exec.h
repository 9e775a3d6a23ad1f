/* SPDX-License-Identifier: GPL-2.0-or-later */
/* suite/exec.h - running a helper program (mkfs, docker...) with a timeout. */
#ifndef OVL_EXEC_H
#define OVL_EXEC_H

#include <stddef.h>
#include <stdio.h>

/*
 * Run argv (argv[0] an absolute path) with env entries ("NAME=value",
 * NULL-terminated, may be NULL) added, stdin from /dev/null, stdout and
 * stderr captured into *out (NUL-terminated, caller frees; out may be
 * NULL). It dies with the caller, and is killed after timeout seconds
 * (-ETIMEDOUT). The command and its output (the first 4 KiB) go to log
 * when log is not NULL. 0 and the waitpid status in *status, or -errno.
 */
int ovl_run_program(const char *const argv[], const char *const env[], unsigned int timeout, FILE *log,
		    char **out, int *status);

/* Where programs are looked for (root's PATH may lack /sbin), in order. */
extern const char *const ovl_program_dirs[];
/* The absolute path of an installed program: 0, or -ENOENT. */
int ovl_find_program(const char *name, char *out, size_t len);

#endif
