// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A lower executable that is running cannot be opened for writing through
 * the union: the open fails with ETXTBSY and nothing is copied up. (The
 * kernel's overlayfs.rst lists, under non-standard behavior, that such an
 * open succeeds and copies up; 6.18 refuses it.) Once the program has
 * exited, the same open copies the file up as usual.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

static void run(struct ovl_ctx *ctx)
{
	char *bin;
	size_t len = 0;
	const char *lower = ovl_path(ctx, OVL_LAYER_A, "/prog");
	const char *merged;
	struct ovl_op write = { .kind = OVL_OP_WRITE, .path = "/prog", .flags = O_WRONLY | O_APPEND,
				.data = "", .len = 0 };
	pid_t pid;
	int fd, status, e;

	/* A copy of /bin/sleep in lower A (the layers are built before the mount). */
	bin = SAFE_READ_FILE(ctx, "/bin/sleep", &len);
	fd = SAFE_OPEN(ctx, lower, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (ovl_write_all(fd, bin, len) || fchmod(fd, 0755))
		ovl_brok(ctx, "writing %s: %s", lower, strerror(errno));
	close(fd);
	free(bin);
	SAFE_MOUNT_UNION(ctx, NULL);
	merged = ovl_merged_path(ctx, "/prog");
	pid = fork();
	if (pid == 0) {
		execl(merged, "prog", "30", (char *)NULL);
		_exit(127);
	}
	/* Wait until it runs from the union (its exe is the merged file). */
	for (int i = 0; i < 200; i++) {
		char link[64], target[4096];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0 && (target[n] = 0, strcmp(target, merged) == 0))
			break;
		usleep(10000);
	}
	fd = open(merged, O_WRONLY);
	e = errno;
	ovl_check_errno(ctx, fd, e, ETXTBSY, "open(/prog, O_WRONLY) while it runs from a lower layer");
	if (fd >= 0)
		close(fd);
	ovl_check(ctx, access(ovl_path(ctx, OVL_LAYER_UPPER, "/prog"), F_OK) != 0,
		  "nothing was copied up by the refused open");
	ovl_check_union(ctx, "while it runs");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	/* Now an ordinary copy-up, checked against the model. */
	ovl_check_op(ctx, &write);
}

OVL_CASE(
	.number = 107,
	.slug = "copy-up-running-executable",
	.purpose = "opening a running lower executable for writing fails with ETXTBSY, copying nothing",
	.tags = "copy-up",
	.needs_root = true,
	.run = run,
);
