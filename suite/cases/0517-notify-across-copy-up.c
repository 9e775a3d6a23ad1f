// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * inotify and fanotify see the union's files, across copy-up:
 *  - an inotify watch on a lower file (IN_OPEN, IN_MODIFY, IN_ATTRIB,
 *    IN_CLOSE_WRITE) gets each event of a write that copies the file up,
 *    and the events of a later write to the upper copy, on the same watch;
 *    a watch on the merged dir gets IN_CREATE and IN_DELETE for names made
 *    and removed through the union (a lower name's removal leaves a
 *    whiteout, never seen as a name);
 *  - a fanotify mark on the union's mount (FAN_OPEN, FAN_MODIFY,
 *    FAN_CLOSE_WRITE) gets the events of a copying-up write, from this
 *    process, with a descriptor that names the file in the union (not the
 *    upper layer, where the data went).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"

static void append(struct ovl_ctx *ctx, const char *path, const char *s)
{
	int fd = SAFE_OPEN(ctx, path, O_WRONLY | O_APPEND | O_CLOEXEC, 0);

	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ovl_brok(ctx, "write %s: %s", path, strerror(errno));
	close(fd);
}

/* The inotify events waiting on fd for watch wd: their masks or'ed; names of IN_CREATE/IN_DELETE into names. */
static uint32_t drain(int fd, int wd, char *names, size_t len)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	uint32_t mask = 0;
	ssize_t n;

	if (names)
		names[0] = 0;
	while (poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 200) > 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->wd == wd) {
				mask |= ev->mask;
				if (names && ev->len && (ev->mask & (IN_CREATE | IN_DELETE))) {
					size_t l = strlen(names);

					snprintf(names + l, len - l, "%s%s:%s", l ? " " : "",
						 ev->mask & IN_CREATE ? "create" : "delete", ev->name);
				}
			}
			p += sizeof(*ev) + ev->len;
		}
	return mask;
}

static void run(struct ovl_ctx *ctx)
{
	const char *f = ovl_merged_path(ctx, "/f");
	char dir[4096], names[1024], g[4096];
	uint32_t m;
	int in, wf, wd;

	SAFE_MOUNT_UNION(ctx, NULL);
	snprintf(dir, sizeof(dir), "%s", ovl_merged_dir(ctx));
	snprintf(g, sizeof(g), "%s", ovl_merged_path(ctx, "/g"));
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (in < 0)
		ovl_brok(ctx, "inotify_init1: %s", strerror(errno));
	wf = inotify_add_watch(in, f, IN_OPEN | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE);
	wd = inotify_add_watch(in, dir, IN_CREATE | IN_DELETE);
	if (wf < 0 || wd < 0)
		ovl_brok(ctx, "inotify_add_watch: %s", strerror(errno));
	append(ctx, f, "first\n");
	ovl_check(ctx, access(ovl_path(ctx, OVL_LAYER_UPPER, "/f"), F_OK) == 0, "the write copied /f up");
	m = drain(in, wf, NULL, 0);
	ovl_check(ctx, (m & (IN_OPEN | IN_MODIFY | IN_CLOSE_WRITE)) == (IN_OPEN | IN_MODIFY | IN_CLOSE_WRITE),
		  "the watch on the lower file got IN_OPEN, IN_MODIFY and IN_CLOSE_WRITE of the copying-up write");
	ovl_diag(ctx, "mask 0x%x", m);
	append(ctx, f, "second\n");
	if (chmod(f, 0600))
		ovl_brok(ctx, "chmod: %s", strerror(errno));
	m = drain(in, wf, NULL, 0);
	ovl_check(ctx, (m & (IN_MODIFY | IN_ATTRIB)) == (IN_MODIFY | IN_ATTRIB),
		  "the same watch gets the upper copy's IN_MODIFY and IN_ATTRIB");
	ovl_diag(ctx, "mask 0x%x", m);
	close(SAFE_OPEN(ctx, ovl_merged_path(ctx, "/new"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	if (unlink(ovl_merged_path(ctx, "/b")))
		ovl_brok(ctx, "unlink /b: %s", strerror(errno));
	drain(in, wd, names, sizeof(names));
	ovl_check(ctx, strcmp(names, "create:new delete:b") == 0,
		  "the merged dir's watch got IN_CREATE of /new and IN_DELETE of the lower /b, nothing else");
	ovl_diag(ctx, "dir events: %s", names);
	close(in);

	{
		int fan = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE);
		char buf[4096] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
		char link[PATH_MAX + 1] = "";
		uint64_t mask = 0;
		bool mine = true, named = false;
		ssize_t n;

		if (fan < 0)
			ovl_brok(ctx, "fanotify_init: %s", strerror(errno));
		if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE, AT_FDCWD, dir))
			ovl_brok(ctx, "fanotify_mark on %s: %s", dir, strerror(errno));
		append(ctx, g, "fanotify\n");
		while (poll(&(struct pollfd){ .fd = fan, .events = POLLIN }, 1, 200) > 0 && (n = read(fan, buf, sizeof(buf))) > 0)
			for (struct fanotify_event_metadata *ev = (void *)buf; FAN_EVENT_OK(ev, n); ev = FAN_EVENT_NEXT(ev, n)) {
				char proc[64];
				ssize_t l;

				mask |= ev->mask;
				mine &= ev->pid == getpid();
				if (ev->fd >= 0) {
					snprintf(proc, sizeof(proc), "/proc/self/fd/%d", ev->fd);
					l = readlink(proc, link, sizeof(link) - 1);
					link[l > 0 ? l : 0] = 0;
					named |= strcmp(link, g) == 0;
					close(ev->fd);
				}
			}
		ovl_check(ctx, (mask & (FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE)) == (FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE) &&
			  mine, "fanotify on the union's mount got FAN_OPEN, FAN_MODIFY and FAN_CLOSE_WRITE of a copying-up write, from this process");
		ovl_check(ctx, named, "fanotify's descriptor names the file in the union");
		ovl_diag(ctx, "mask 0x%llx, a descriptor of %s", (unsigned long long)mask, link);
		close(fan);
	}
}

OVL_CASE(
	.number = 517,
	.slug = "notify-across-copy-up",
	.purpose = "inotify watches and fanotify mount marks see the union's files across copy-up",
	.tags = "calls,copy-up",
	.needs_root = true,
	.fixture = "calls/layers.tree",
	.run = run,
);
