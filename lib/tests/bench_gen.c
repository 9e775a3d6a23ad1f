// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench_gen DIR NFILES TOTAL_BYTES: a deterministic tree for benchmarks:
 * NFILES files of varied sizes adding up to about TOTAL_BYTES, 100 to a
 * directory, with incompressible pseudo-random content, plus /bin/busybox
 * and /bin/sh when /bin/busybox exists (so a container can run in it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovl-common.h"

static uint64_t state = 88172645463325252ULL;

static uint64_t next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

int main(int argc, char **argv)
{
	static uint64_t buf[1 << 16];
	char path[4096];
	long nfiles;
	unsigned long long total, mean, written = 0;

	if (argc != 4 || (nfiles = atol(argv[2])) <= 0 || !(total = strtoull(argv[3], NULL, 10))) {
		fprintf(stderr, "usage: bench_gen DIR NFILES TOTAL_BYTES\n");
		return 2;
	}
	mean = total / (unsigned long long)nfiles;
	for (long i = 0; i < nfiles; i++) {
		/* Sizes spread around the mean (from mean/8 to 2 mean), a few big files. */
		unsigned long long size = i % 1000 == 999 ? mean * 40 : mean / 8 + next() % (mean * 15 / 8 + 1);
		int fd;

		if (written + size > total * 11 / 10)
			size = mean / 8;
		snprintf(path, sizeof(path), "%s/d%04ld", argv[1], i / 100);
		if (i % 100 == 0 && ovl_mkdir_p(path, 0755)) {
			perror(path);
			return 1;
		}
		snprintf(path, sizeof(path), "%s/d%04ld/f%06ld", argv[1], i / 100, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		for (unsigned long long left = size; left;) {
			size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);

			for (size_t k = 0; k < (n + 7) / 8; k++)
				buf[k] = next();
			if (ovl_write_all(fd, buf, n)) {
				perror(path);
				return 1;
			}
			left -= n;
		}
		close(fd);
		written += size;
	}
	if (access("/bin/busybox", X_OK) == 0) {
		char *bb = NULL;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/bin", argv[1]);
		ovl_mkdir_p(path, 0755);
		snprintf(path, sizeof(path), "%s/bin/busybox", argv[1]);
		if (ovl_read_file("/bin/busybox", &bb, &len, 64 << 20) == 0 && ovl_write_file(path, bb, len) == 0)
			chmod(path, 0755);
		free(bb);
		snprintf(path, sizeof(path), "%s/bin/sh", argv[1]);
		symlink("busybox", path);
	}
	printf("%s: %ld files, %llu bytes\n", argv[1], nfiles, written);
	return 0;
}
