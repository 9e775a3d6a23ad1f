// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * File locks live on the union's inode, which a copy-up does not change
 * (overlayfs.rst, "Inode properties": the union's st_ino, which
 * /proc/locks shows, stays the same):
 *  - flock(LOCK_EX) held on a descriptor of a lower file opened read-only;
 *    a chmod copies the file up; another process opening the (now upper)
 *    file and asking flock(LOCK_EX|LOCK_NB) gets EWOULDBLOCK, and gets the
 *    lock once the first one lets go;
 *  - a POSIX read lock (F_SETLK, F_RDLCK) on a read-only descriptor of a
 *    lower file; another process opens it read-write (a copy-up) and asks
 *    for a write lock: EAGAIN, and F_GETLK names the holder's pid;
 *  - /proc/locks lists the locks under the inode number the union shows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

/* Run fn(path) in a child; its exit status (an errno, or 0), 255 when it did not end well. */
static int in_child(struct ovl_ctx *ctx, int (*fn)(const char *path, pid_t holder), const char *path, pid_t holder)
{
	pid_t pid = fork();
	int st = 0;

	if (pid < 0)
		ovl_brok(ctx, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(fn(path, holder));
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 255;
	return WEXITSTATUS(st);
}

static int try_flock(const char *path, pid_t holder)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	(void)holder;
	if (fd < 0)
		return 200;
	return flock(fd, LOCK_EX | LOCK_NB) ? errno : 0;
}

static int try_posix(const char *path, pid_t holder)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int e;

	if (fd < 0)
		return 200;
	e = fcntl(fd, F_SETLK, &fl) ? errno : 0;
	if (e == EAGAIN || e == EACCES) {
		struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

		/* the conflict must be the holder's lock */
		if (fcntl(fd, F_GETLK, &q) || q.l_type != F_RDLCK || q.l_pid != holder)
			return 201;
	}
	return e;
}

/* Does /proc/locks list a lock on inode ino? */
static bool proc_locks_has(unsigned long long ino)
{
	char *s = NULL, pat[64];
	bool r;

	if (ovl_read_file("/proc/locks", &s, NULL, 1 << 20))
		return false;
	snprintf(pat, sizeof(pat), ":%llu ", ino);
	r = strstr(s, pat) != NULL;
	free(s);
	return r;
}

static void run(struct ovl_ctx *ctx)
{
	const char *f = ovl_merged_path(ctx, "/f");
	char g[4096];
	struct stat st;
	int fd, e;

	SAFE_MOUNT_UNION(ctx, NULL);
	snprintf(g, sizeof(g), "%s", ovl_merged_path(ctx, "/g"));

	fd = SAFE_OPEN(ctx, f, O_RDONLY | O_CLOEXEC, 0);
	ovl_check(ctx, flock(fd, LOCK_EX) == 0, "flock(LOCK_EX) on a read-only descriptor of a lower file");
	if (chmod(f, 0640))
		ovl_brok(ctx, "chmod /f: %s", strerror(errno));
	ovl_check(ctx, access(ovl_path(ctx, OVL_LAYER_UPPER, "/f"), F_OK) == 0, "the chmod copied /f up");
	e = in_child(ctx, try_flock, f, getpid());
	ovl_check(ctx, e == EWOULDBLOCK, "after the copy-up another process's flock(LOCK_EX|LOCK_NB) is EWOULDBLOCK");
	ovl_diag(ctx, "child: %s", e == 0 ? "got the lock" : e < 200 ? strerror(e) : "failed to open");
	ovl_check(ctx, fstat(fd, &st) == 0 && proc_locks_has((unsigned long long)st.st_ino),
		  "/proc/locks lists the flock under the union's inode number");
	flock(fd, LOCK_UN);
	e = in_child(ctx, try_flock, f, getpid());
	ovl_check(ctx, e == 0, "once let go, the other process gets the flock");
	close(fd);

	fd = SAFE_OPEN(ctx, g, O_RDONLY | O_CLOEXEC, 0);
	{
		struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };

		ovl_check(ctx, fcntl(fd, F_SETLK, &fl) == 0, "a POSIX read lock on a read-only descriptor of a lower file");
	}
	e = in_child(ctx, try_posix, g, getpid());
	ovl_check(ctx, e == EAGAIN || e == EACCES,
		  "another process that opens it read-write (a copy-up) cannot take a write lock, and F_GETLK names the holder");
	ovl_diag(ctx, "child: %s", e == 0 ? "got the lock" : e == 201 ? "F_GETLK did not name the holder" :
				  e < 200 ? strerror(e) : "failed to open");
	ovl_check(ctx, access(ovl_path(ctx, OVL_LAYER_UPPER, "/g"), F_OK) == 0, "the read-write open copied /g up");
	close(fd);
	e = in_child(ctx, try_posix, g, getpid());
	ovl_check(ctx, e == 0, "once the holder's descriptor is closed, the write lock is granted");
}

OVL_CASE(
	.number = 516,
	.slug = "locks-across-copy-up",
	.purpose = "flock and POSIX locks held on a lower file still conflict after a copy-up",
	.tags = "calls,copy-up",
	.needs_root = true,
	.fixture = "calls/layers.tree",
	.run = run,
);
