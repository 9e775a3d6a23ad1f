// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/targets/fuse.c - fuse-overlayfs as the mount program.
 *
 * A union is one fuse-overlayfs process, run in the foreground (-f) as a
 * child of the process that mounts, in the case's PID and mount
 * namespaces: when the case ends however it ends (done, timed out, the
 * runner killed), the namespaces go and take the process and its mount
 * with them. Unmounting waits for the process to exit and says how it
 * did: one that lingers is killed and the unmount fails, one that crashed
 * fails it too.
 *
 * Options. fuse-overlayfs takes lowerdir, upperdir, workdir and its own
 * options; of overlay's feature options it takes only redirect_dir=off
 * ("fuse-overlayfs only supports redirect_dir=off"), and it prints
 * "unknown argument ignored: X" for any option it does not know and
 * mounts without it. An option asked for with the value fuse-overlayfs
 * documents as what it does (index=off, metacopy=off, nfs_export=off,
 * xino=off, redirect_dir=nofollow: the parameters below) is left off its
 * command line; any other is passed, and one it ignores counts as refused
 * (the mount is undone): the case is CONF by fuse-overlayfs's own words,
 * never run under options it does not have.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "ovl-host.h"
#include "ovl-common.h"
#include "target.h"

#define FUSE_PROGRAM "fuse-overlayfs"
/* How long a mount may take to appear, and its process to exit after unmounting. */
#define FUSE_MOUNT_WAIT_MS 15000
#define FUSE_EXIT_WAIT_MS 5000
#define FUSE_MAX_MOUNTS 32

/* The unions this process mounted: their merged dir, process and its captured stderr. */
static struct fuse_mount {
	char merged[4096];
	pid_t pid;
	int log_fd;
} mounts[FUSE_MAX_MOUNTS];
static size_t nmounts;

/* --target-opt, for every mount of the run (set in the runner before cases fork). */
static char *target_options;

/*
 * What fuse-overlayfs 1.10 does in place of overlay's module parameters
 * (its man page and main.c): no redirects made or followed, no index, no
 * metacopy, no NFS export; its inode numbers are its own (no xino).
 */
static int fuse_param(const char *name)
{
	static const char *const off[] = { "redirect_dir", "redirect_always_follow", "index", "xino_auto",
					   "metacopy", "nfs_export" };

	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		if (strcmp(name, off[i]) == 0)
			return 0;
	return -ENOENT;
}

/* An overlay option whose value is what fuse-overlayfs does anyway (its command line leaves it off). */
static bool is_own_behaviour(const char *opt)
{
	static const char *const same[] = { "index=off", "metacopy=off", "nfs_export=off", "xino=off",
					    "redirect_dir=nofollow" };

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		if (strcmp(opt, same[i]) == 0)
			return true;
	return false;
}

/* fuse-overlayfs's own options (1.10's ovl_opts and what it passes to FUSE), for --target-opt. */
static bool is_fuse_option(const char *opt)
{
	static const char *const known[] = { "squash_to_root", "squash_to_uid", "squash_to_gid", "static_nlink",
					     "noacl", "xattr_permissions", "fast_ino", "threaded", "fsync",
					     "writeback", "noxattrs", "timeout", "uidmapping", "gidmapping",
					     "plugins", "volatile", "context", "xino", "debug" };
	size_t k = strcspn(opt, "=");

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i]) == k && strncmp(known[i], opt, k) == 0)
			return true;
	return false;
}

static int fuse_set_target_options(const char *options, char *why, size_t len)
{
	char *copy = strdup(options), *tok, *save = NULL;

	if (!copy) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!is_fuse_option(tok)) {
			snprintf(why, len, "'%s' is no fuse-overlayfs option (fuse-overlayfs(1): squash_to_root, "
				 "squash_to_uid=, squash_to_gid=, static_nlink, noacl, uidmapping=, gidmapping=, "
				 "fast_ino=, threaded=, fsync=, writeback=, noxattrs=, xattr_permissions=, timeout=, "
				 "plugins=, volatile, xino= where the version has it)", tok);
			free(copy);
			return -EINVAL;
		}
	free(copy);
	free(target_options);
	target_options = *options ? strdup(options) : NULL;
	return 0;
}

static int fuse_probe(char *why, size_t len)
{
	char path[4096];
	int r = ovl_kernel_fs_available("fuse", why, len);

	if (r)
		return r;
	if (access("/dev/fuse", R_OK | W_OK)) {
		r = -errno;
		snprintf(why, len, "/dev/fuse: %s", strerror(errno));
		return r;
	}
	if (ovl_find_program(FUSE_PROGRAM, path, sizeof(path))) {
		snprintf(why, len, "%s is not installed (Debian: apt-get install fuse-overlayfs)", FUSE_PROGRAM);
		return -ENOENT;
	}
	return 0;
}

/* What the process wrote to stderr (its log memfd), as one line per line, into out. */
static void read_log(int fd, char *out, size_t len)
{
	ssize_t n = pread(fd, out, len - 1, 0);

	out[n > 0 ? n : 0] = 0;
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = 0;
}

/*
 * Out of log, the "unknown argument ignored: X" lines for options we did not
 * pass (fuse-overlayfs adds lazytime to its own FUSE options, then says it
 * ignores it), so that a refusal reads as fuse-overlayfs's own words.
 */
static void drop_own_noise(char *log, const char *passed)
{
	static const char said[] = "unknown argument ignored: ";
	char *line = log;

	while (line && *line) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		bool ours = false;

		if (strncmp(line, said, strlen(said)) == 0 && passed) {
			const char *opt = line + strlen(said);
			size_t k = n - strlen(said);

			for (const char *p = passed; *p && !ours; p += strcspn(p, ",") + (p[strcspn(p, ",")] ? 1 : 0))
				ours = strcspn(p, ",") == k && strncmp(p, opt, k) == 0;
		}
		if (strncmp(line, said, strlen(said)) == 0 && !ours) {
			memmove(line, nl ? nl + 1 : line + n, strlen(nl ? nl + 1 : line + n) + 1);
			continue;
		}
		line = nl ? nl + 1 : NULL;
	}
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void describe_status(int status, char *out, size_t len)
{
	if (WIFEXITED(status))
		snprintf(out, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, len, "was killed by signal %d (%s)%s", WTERMSIG(status), strsignal(WTERMSIG(status)),
			 WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(out, len, "ended with status 0x%x", status);
}

/* Wait up to ms for pid to end: 0 and *status, or -ETIMEDOUT. */
static int wait_exit(pid_t pid, int ms, int *status)
{
	long end = now_ms() + ms;

	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(2000);
	}
}

/* The command line's -o: layers, the options it takes, --target-opt. Paths with ':' or ',' it cannot take. */
static int build_options(const struct ovl_union_spec *s, struct ovl_buf *o, struct ovl_buf *passed, char *why,
			 size_t len)
{
	const char *paths[OVL_MAX_LOWERS + 2];
	size_t n = 0;

	for (size_t i = 0; i < s->nlowers; i++)
		paths[n++] = s->lowers[i];
	if (s->upper) {
		paths[n++] = s->upper;
		paths[n++] = s->work;
	}
	for (size_t i = 0; i < n; i++)
		if (strpbrk(paths[i], ":,")) {
			snprintf(why, len, "fuse-overlayfs cannot take the layer path %s (':' and ',' split its options)",
				 paths[i]);
			return -EINVAL;
		}
	ovl_buf_puts(o, "lowerdir=");
	for (size_t i = 0; i < s->nlowers; i++)
		ovl_buf_printf(o, "%s%s", i ? ":" : "", s->lowers[i]);
	if (s->upper)
		ovl_buf_printf(o, ",upperdir=%s,workdir=%s", s->upper, s->work);
	if (s->options && *s->options) {
		char *copy = strdup(s->options), *tok, *save = NULL;

		for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
			if (is_own_behaviour(tok))
				continue;
			ovl_buf_printf(o, ",%s", tok);
			ovl_buf_printf(passed, "%s%s", passed->len ? "," : "", tok);
		}
		free(copy);
	}
	if (target_options)
		ovl_buf_printf(o, ",%s", target_options);
	return 0;
}

/* The first option of passed that the log says fuse-overlayfs ignored, into out; false if none. */
static bool ignored_option(const char *passed, const char *log, char *out, size_t len)
{
	static const char said[] = "unknown argument ignored: ";
	char *copy = passed ? strdup(passed) : NULL, *tok, *save = NULL;
	bool found = false;

	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !found; tok = strtok_r(NULL, ",", &save))
		for (const char *p = strstr(log, said); p && !found; p = strstr(p + 1, said)) {
			const char *v = p + strlen(said);
			size_t k = strlen(tok);

			if (strncmp(v, tok, k) == 0 && (v[k] == '\n' || v[k] == 0)) {
				snprintf(out, len, "%s", tok);
				found = true;
			}
		}
	free(copy);
	return found;
}

static int fuse_mount(const struct ovl_union_spec *s, char *why, size_t len)
{
	struct ovl_buf o = OVL_BUF_INIT, passed = OVL_BUF_INIT;
	char prog[4096], log[4096], opt[512];
	struct stat before, now;
	int logfd = -1, r, status;
	pid_t pid;
	long end;

	*why = 0;
	if (s->ndatas) {
		snprintf(why, len, "fuse-overlayfs has no data-only layers (lowerdir=A::D)");
		return -EOPNOTSUPP;
	}
	if (nmounts == FUSE_MAX_MOUNTS) {
		snprintf(why, len, "more than %d fuse-overlayfs unions at once in one process", FUSE_MAX_MOUNTS);
		return -EMFILE;
	}
	if (ovl_find_program(FUSE_PROGRAM, prog, sizeof(prog))) {
		snprintf(why, len, "%s is not installed", FUSE_PROGRAM);
		return -ENOENT;
	}
	if (stat(s->merged, &before)) {
		r = -errno;
		snprintf(why, len, "stat %s: %s", s->merged, strerror(errno));
		return r;
	}
	r = build_options(s, &o, &passed, why, len);
	if (!r && (logfd = memfd_create("fuse-overlayfs-log", MFD_CLOEXEC)) < 0) {
		r = -errno;
		snprintf(why, len, "memfd_create: %s", strerror(errno));
	}
	if (r)
		goto out;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		snprintf(why, len, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
			_exit(126);
		execl(prog, FUSE_PROGRAM, "-f", "-o", o.data, s->merged, (char *)NULL);
		_exit(127);
	}
	/* mounted once the merged dir is another filesystem; or the process ended */
	end = now_ms() + FUSE_MOUNT_WAIT_MS;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid) {
			char how[128];

			describe_status(status, how, sizeof(how));
			read_log(logfd, log, sizeof(log));
			drop_own_noise(log, passed.data);
			snprintf(why, len, "%s %s before the union was mounted: %s", FUSE_PROGRAM, how,
				 *log ? log : "(it printed nothing)");
			r = -EINVAL;
			goto out;
		}
		if (stat(s->merged, &now) == 0 && now.st_dev != before.st_dev)
			break;
		if (now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			umount2(s->merged, MNT_DETACH);
			snprintf(why, len, "no union on %s %d s after starting %s (killed)", s->merged,
				 FUSE_MOUNT_WAIT_MS / 1000, FUSE_PROGRAM);
			r = -ETIMEDOUT;
			goto out;
		}
		usleep(1000);
	}
	mounts[nmounts] = (struct fuse_mount){ .pid = pid, .log_fd = logfd };
	snprintf(mounts[nmounts].merged, sizeof(mounts[0].merged), "%s", s->merged);
	nmounts++;
	logfd = -1;
	read_log(mounts[nmounts - 1].log_fd, log, sizeof(log));
	if (ignored_option(passed.data, log, opt, sizeof(opt))) {
		char ignore[1024];

		ovl_target_fuse_overlayfs.umount(s->merged, ignore, sizeof(ignore));
		snprintf(why, len, "%s has no option %s: it printed \"unknown argument ignored: %s\" and would run "
			 "without it", FUSE_PROGRAM, opt, opt);
		r = -EINVAL;
	}
out:
	if (logfd >= 0)
		close(logfd);
	ovl_buf_free(&o);
	ovl_buf_free(&passed);
	return r;
}

static int fuse_umount(const char *merged, char *why, size_t len)
{
	size_t i;
	int status, r = 0, w;
	char how[128], log[2048];

	*why = 0;
	for (i = 0; i < nmounts && strcmp(mounts[i].merged, merged) != 0; i++)
		;
	if (umount2(merged, 0)) {
		r = -errno;
		snprintf(why, len, "umount %s: %s", merged, strerror(errno));
		/* its process gone (crashed): the mount is dead; let go of it, and say so below */
		if (errno != ENOTCONN || i == nmounts)
			return r;
		umount2(merged, MNT_DETACH);
	}
	if (i == nmounts)
		return 0; /* mounted by another process: it waits for its own */
	w = wait_exit(mounts[i].pid, FUSE_EXIT_WAIT_MS, &status);
	read_log(mounts[i].log_fd, log, sizeof(log));
	drop_own_noise(log, NULL);
	if (w == -ETIMEDOUT) {
		kill(mounts[i].pid, SIGKILL);
		waitpid(mounts[i].pid, &status, 0);
		snprintf(why, len, "%s still ran %d s after %s was unmounted (killed)", FUSE_PROGRAM,
			 FUSE_EXIT_WAIT_MS / 1000, merged);
		r = -ETIMEDOUT;
	} else if (w == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		describe_status(status, how, sizeof(how));
		snprintf(why, len, "%s %s serving %s%s%s", FUSE_PROGRAM, how, merged, *log ? ": " : "", log);
		r = -EIO;
	}
	close(mounts[i].log_fd);
	mounts[i] = mounts[--nmounts];
	return r;
}

/* "fuse-overlayfs: version 1.10" from fuse-overlayfs --version: "1.10". */
static int fuse_version(char *out, size_t len)
{
	char prog[4096], *text = NULL;
	const char *v;
	int status, r;

	if (ovl_find_program(FUSE_PROGRAM, prog, sizeof(prog)))
		return -ENOENT;
	r = ovl_run_program((const char *const[]){ prog, "--version", NULL }, NULL, 10, NULL, &text, &status);
	v = r == 0 && text ? strstr(text, "fuse-overlayfs: version ") : NULL;
	if (v)
		snprintf(out, len, "%.*s", (int)strcspn(v + 24, " \n"), v + 24);
	free(text);
	return v ? 0 : r ? r : -ENOENT;
}

static const char *const fuse_can[] = {
	"lower and upper layers as fuse-overlayfs -o lowerdir=,upperdir=,workdir= (no data-only layers)",
	"overlay options: redirect_dir=off only; index, metacopy, nfs_export, xino, userxattr and the "
	"rest are refused (CONF) unless asked with the value it behaves as",
	"its defaults, from its documentation: redirect_dir=nofollow, index=off, metacopy=off, nfs_export=off, "
	"xino=off; mountinfo shows no overlay options",
	"--target-opt: its own options (squash_to_root, static_nlink, noacl, fast_ino=1, xino= where it has it...)",
	"each union one fuse-overlayfs -f process: gone, with its mount, when the case ends, times out or is killed",
	NULL,
};

const struct ovl_target ovl_target_fuse_overlayfs = {
	.name = "fuse-overlayfs",
	.what = "fuse-overlayfs (FUSE), the rootless engines' overlay",
	.needs_kconfig = "FUSE_FS",
	.probe = fuse_probe,
	.mount = fuse_mount,
	.umount = fuse_umount,
	.fstype = "fuse.fuse-overlayfs",
	.options_in_mountinfo = false,
	.param = fuse_param,
	.set_target_options = fuse_set_target_options,
	.version = fuse_version,
	.capabilities = fuse_can,
};
