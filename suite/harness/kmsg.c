// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE
#include "kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ovl_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int ovl_kmsg_read(int fd, struct ovl_buf *out)
{
	char rec[8192];
	int n = 0;

	if (fd < 0)
		return -EBADF;
	for (;;) {
		ssize_t len = read(fd, rec, sizeof(rec) - 1);
		char *msg, *nl;

		if (len < 0 && errno == EPIPE)
			continue; /* records were overwritten; go on with the next */
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return errno == EAGAIN ? n : -errno;
		rec[len] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		ovl_buf_puts(out, msg);
		ovl_buf_putc(out, '\n');
		n++;
	}
}

bool ovl_kmsg_is_bad(const char *line)
{
	static const char *const marks[] = {
		"WARNING:", "BUG:", "kernel BUG", "Oops", "Call Trace:", "general protection fault",
		"UBSAN:", "KASAN:", "list_add corruption", "list_del corruption", "refcount_t:",
		"INFO: task", "stack-protector:", "Kernel panic", NULL,
	};

	for (const char *const *m = marks; *m; m++)
		if (strstr(line, *m))
			return true;
	return false;
}

long ovl_kernel_taint(void)
{
	char *s = NULL;
	long v;

	if (ovl_read_file("/proc/sys/kernel/tainted", &s, NULL, 64))
		return -1;
	v = strtol(s, NULL, 10);
	free(s);
	return v;
}
