/* SPDX-License-Identifier: GPL-2.0-or-later */
/* suite/kmsg.h - reading what the kernel logged since a point, and its taint. */
#ifndef OVL_KMSG_H
#define OVL_KMSG_H

#include <stdbool.h>

#include "ovl-common.h"

/* Open /dev/kmsg positioned at its end: an fd, or -errno. */
int ovl_kmsg_open(void);
/* Append the message of every record logged since the last call, one per line. */
int ovl_kmsg_read(int fd, struct ovl_buf *out);
/* A line that means the kernel warned or oopsed (WARNING:, BUG:, Oops, ...). */
bool ovl_kmsg_is_bad(const char *line);
/* /proc/sys/kernel/tainted, or -1 when unreadable. */
long ovl_kernel_taint(void);

#endif
