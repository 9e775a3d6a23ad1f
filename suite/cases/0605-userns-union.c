// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An unprivileged union: the case enters a user namespace of its own (uids
 * and gids 0-65535 there are 100000-165535 on disk, as a rootless engine's
 * subordinate ids) and mounts overlay there as that namespace's root, with
 * userxattr (overlayfs.rst; since 5.11).
 *  - The options that need trusted.* xattrs are refused at mount:
 *    redirect_dir=on and follow, metacopy=on; redirect_dir=off too where
 *    redirect_always_follow makes it follow (the module's parameter, as
 *    overlayfs.rst says).
 *  - Whiteouts are 0/0 char devices and opaque dirs carry
 *    user.overlay.opaque; every operation is checked against the model,
 *    which reads the layers' user.overlay.* marks and sees owners from the
 *    namespace.
 *  - An inode whose owner the namespace cannot map is never copied up
 *    (CVE-2023-0386: a setuid file of host root's copied up by a user
 *    namespace): the write fails with EOVERFLOW and leaves nothing in the
 *    upper or work dir; a file under a dir owned so fails the same way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "ovl-common.h"
#include "target.h"

/* Host ids 100000.. are 0.. in the namespace: the first 65536 subordinate ids. */
#define NS_BASE 100000U
#define NS_COUNT 65536U

/*
 * Move this process into a user namespace and a mount namespace it owns,
 * as that namespace's root. A child left outside writes the maps (a
 * process cannot map ids other than its own from inside).
 */
static void enter_userns(struct ovl_ctx *ctx)
{
	int go[2], st = 0;
	char map[64], path[64], c = 0;
	pid_t self = getpid(), pid;

	if (pipe2(go, O_CLOEXEC))
		ovl_brok(ctx, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		ovl_brok(ctx, "fork: %s", strerror(errno));
	if (pid == 0) {
		int n = snprintf(map, sizeof(map), "0 %u %u\n", NS_BASE, NS_COUNT);

		close(go[1]);
		if (read(go[0], &c, 1) != 1 || c != 'y')
			_exit(2);
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)self);
		if (ovl_write_file(path, map, (size_t)n))
			_exit(3);
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)self);
		_exit(ovl_write_file(path, map, (size_t)n) ? 4 : 0);
	}
	close(go[0]);
	c = unshare(CLONE_NEWUSER | CLONE_NEWNS) ? 'n' : 'y';
	if (c == 'n')
		ovl_log(ctx, "unshare(CLONE_NEWUSER|CLONE_NEWNS): %s", strerror(errno));
	if (write(go[1], &c, 1) != 1 || waitpid(pid, &st, 0) != pid)
		ovl_brok(ctx, "the id-map writer did not run");
	close(go[1]);
	if (c == 'n')
		ovl_conf(ctx, "no user namespace here (unshare(CLONE_NEWUSER) failed; user.max_user_namespaces?)");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		ovl_brok(ctx, "writing the user namespace's uid_map and gid_map failed (step %d)",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (setresgid(0, 0, 0) || setgroups(0, NULL) || setresuid(0, 0, 0))
		ovl_brok(ctx, "becoming the user namespace's root: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		ovl_brok(ctx, "making / private in the namespace's mount namespace: %s", strerror(errno));
	ovl_log(ctx, "in a user namespace: uid and gid 0-%u are %u-%u on disk", NS_COUNT - 1, NS_BASE,
		NS_BASE + NS_COUNT - 1);
}

/* Every dir from path up to / is searchable by others (what a namespace's root has there). */
static const char *unsearchable_ancestor(const char *path)
{
	static char p[4096];
	struct stat st;
	char *s;

	snprintf(p, sizeof(p), "%s", path);
	while ((s = strrchr(p, '/')) && s != p) {
		*s = 0;
		if (stat(p, &st) || !(st.st_mode & S_IXOTH))
			return p;
	}
	return NULL;
}

static void put(struct ovl_ctx *ctx, const char *base, const char *rel, const char *text, mode_t mode, uid_t uid)
{
	char p[4200];

	SAFE_PUT(ctx, base, rel, text, text ? strlen(text) : 0);
	snprintf(p, sizeof(p), "%s%s", base, rel);
	if (lchown(p, uid, uid) || chmod(p, mode))
		ovl_brok(ctx, "chown/chmod %s: %s", p, strerror(errno));
}

/* Mount with options in the namespace: the errno (0: it mounted, and is unmounted again). */
static int try_mount(struct ovl_ctx *ctx, const char *l, const char *u, const char *w, const char *m,
		     const char *options)
{
	int r = ovl_mount_custom(ctx, &l, 1, u, w, m, options);

	if (r == 0)
		ovl_umount_path(ctx, m);
	return r < 0 ? -r : r;
}

static void run(struct ovl_ctx *ctx)
{
	const struct ovl_target *t = ovl_ctx_target(ctx);
	const char *impl = t->implementation ? t->implementation : t->name;
	char l[4200], u[4200], w[4200], m[4200], p[4200], v[8], names[512], names0[512];
	const char *base = ovl_case_path(ctx, "/ns"), *bad;
	struct stat st;
	int r, always_follow, before = -1;

	if (strcmp(impl, "kernel") != 0)
		ovl_conf(ctx, "target %s: userxattr and the user form of the marks are the kernel's overlayfs's",
			 t->name);
	bad = unsearchable_ancestor(base);
	if (bad)
		ovl_conf(ctx, "%s is not searchable by others: a user namespace's root cannot reach the layers",
			 bad);
	snprintf(l, sizeof(l), "%s/lower", base);
	snprintf(u, sizeof(u), "%s/upper", base);
	snprintf(w, sizeof(w), "%s/work", base);
	snprintf(m, sizeof(m), "%s/merged", base);
	put(ctx, base, "", NULL, 0755, 0);
	put(ctx, base, "/lower", NULL, 0755, NS_BASE);
	put(ctx, base, "/upper", NULL, 0755, NS_BASE);
	put(ctx, base, "/work", NULL, 0755, NS_BASE);
	put(ctx, base, "/merged", NULL, 0755, NS_BASE);
	put(ctx, l, "/f", "lower f\n", 0644, NS_BASE);
	put(ctx, l, "/gone", "gone\n", 0644, NS_BASE);
	put(ctx, l, "/od", NULL, 0755, NS_BASE);
	put(ctx, l, "/od/x", "x\n", 0644, NS_BASE);
	put(ctx, l, "/dir", NULL, 0755, NS_BASE);
	put(ctx, l, "/dir/y", "y\n", 0644, NS_BASE);
	put(ctx, l, "/mapped-suid", "mine\n", 04755, NS_BASE);
	/* host root's: no mapping in the namespace (world-writable, so the open itself is allowed) */
	put(ctx, l, "/host-suid", "host root's setuid file\n", 04777, 0);
	put(ctx, l, "/host-dir", NULL, 0777, 0);
	put(ctx, l, "/host-dir/mine", "mine, in host root's dir\n", 0666, NS_BASE);
	always_follow = t->param("redirect_always_follow");

	enter_userns(ctx);

	/* the options that need trusted xattrs: refused with userxattr (fs/overlayfs/params.c) */
	r = try_mount(ctx, l, u, w, m, "userxattr,redirect_dir=on");
	ovl_check(ctx, r == EINVAL, "userxattr,redirect_dir=on is refused (EINVAL)");
	ovl_diag(ctx, "the mount: %s", r ? ovl_mount_union_reason(ctx) : "mounted");
	r = try_mount(ctx, l, u, w, m, "userxattr,redirect_dir=follow");
	ovl_check(ctx, r == EINVAL, "userxattr,redirect_dir=follow is refused (EINVAL)");
	r = try_mount(ctx, l, u, w, m, "userxattr,metacopy=on");
	ovl_check(ctx, r == EINVAL, "userxattr,metacopy=on is refused (EINVAL)");
	ovl_diag(ctx, "the mount: %s", r ? ovl_mount_union_reason(ctx) : "mounted");
	if (always_follow >= 0) {
		r = try_mount(ctx, l, u, w, m, "userxattr,redirect_dir=off");
		ovl_check(ctx, always_follow ? r == EINVAL : r == 0,
			  "userxattr,redirect_dir=off is %s (redirect_always_follow=%s makes off mean %s)",
			  always_follow ? "refused (EINVAL)" : "taken", always_follow ? "Y" : "N",
			  always_follow ? "follow" : "nofollow");
		ovl_diag(ctx, "the mount: %s", r ? strerror(r) : "mounted");
	}

	/* index=off: whether a namespace's mount can index is another matter (file handles) */
	if (ovl_mount_custom(ctx, (const char *const[]){ l }, 1, u, w, m, "userxattr,index=off")) {
		ovl_check(ctx, false, "the namespace's root mounts a userxattr union");
		ovl_diag(ctx, "%s", ovl_mount_union_reason(ctx));
		return;
	}
	ovl_use_union(ctx, m, u, (const char *const[]){ l }, 1, "userxattr,index=off");
	{
		static const struct ovl_op ops[] = {
			{ .kind = OVL_OP_UNLINK, .path = "/gone" },
			{ .kind = OVL_OP_UNLINK, .path = "/od/x" },
			{ .kind = OVL_OP_RMDIR, .path = "/od" },
			{ .kind = OVL_OP_MKDIR, .path = "/od", .mode = 0750 },
			{ .kind = OVL_OP_WRITE, .path = "/f", .flags = O_WRONLY | O_APPEND, .data = "+ns\n", .len = 4 },
			{ .kind = OVL_OP_RENAME, .path = "/dir", .path2 = "/dir2" },
			{ .kind = OVL_OP_CHMOD, .path = "/mapped-suid", .mode = 04750 },
			{ .kind = OVL_OP_WRITE, .path = "/new", .flags = O_WRONLY | O_CREAT, .mode = 0640, .data = "n\n",
			  .len = 2 },
		};
		static const struct ovl_op refused[] = {
			/* CVE-2023-0386: the owner has no mapping here; the copy-up is refused */
			{ .kind = OVL_OP_WRITE, .path = "/host-suid", .flags = O_WRONLY | O_APPEND, .data = "x", .len = 1 },
			{ .kind = OVL_OP_UTIMES, .path = "/host-suid" },
			/* the file is the namespace's, its dir is not: the dir's copy-up is refused */
			{ .kind = OVL_OP_UTIMES, .path = "/host-dir/mine" },
		};

		OVL_CHECK_OPS(ctx, ops);
		/* what the work dir holds now (a whiteout kept for reuse): the refusals add nothing */
		snprintf(p, sizeof(p), "%s/work", w);
		before = ovl_dir_names(p, names0, sizeof(names0));
		OVL_CHECK_OPS(ctx, refused);
	}
	snprintf(p, sizeof(p), "%s/gone", u);
	ovl_check(ctx, lstat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0,
		  "the whiteout is a 0/0 char device in the upper dir");
	snprintf(p, sizeof(p), "%s/od", u);
	r = (int)getxattr(p, "user.overlay.opaque", v, sizeof(v));
	ovl_check(ctx, r == 1 && v[0] == 'y', "the recreated dir is opaque by user.overlay.opaque=y");
	snprintf(p, sizeof(p), "%s/host-suid", u);
	ovl_check(ctx, lstat(p, &st) && errno == ENOENT, "the refused setuid file is not in the upper dir");
	snprintf(p, sizeof(p), "%s/host-dir", u);
	ovl_check(ctx, lstat(p, &st) && errno == ENOENT, "nor is the dir whose copy-up was refused");
	snprintf(p, sizeof(p), "%s/work", w);
	r = ovl_dir_names(p, names, sizeof(names));
	ovl_check(ctx, r >= 0 && r == before && strcmp(names, names0) == 0,
		  "the refused copy-ups leave nothing in the work dir");
	/* the names (the kept whiteout's is random) go to the log only: KTAP stays the same run to run */
	ovl_diag(ctx, "the work dir holds %d names, as many as before the refusals (%d)", r, before);
	ovl_log(ctx, "%s holds: %s (before the refusals: %s)", p, names, names0);
	snprintf(p, sizeof(p), "%s/host-suid", m);
	ovl_check(ctx, lstat(p, &st) == 0 && (st.st_mode & 07777) == 04777 && st.st_size == 24,
		  "the union still shows the lower setuid file, unchanged");
	ovl_umount_path(ctx, m);
}

OVL_CASE(
	.number = 605,
	.slug = "userns-union",
	.purpose = "a user namespace's root mounts a userxattr union: trusted-xattr features refused, user.overlay.* "
		   "marks, and no copy-up of an owner the namespace cannot map (CVE-2023-0386)",
	.tags = "perm,copy-up,whiteout,opaque",
	.needs_root = true,
	.needs_kernel = "5.11-",
	.needs_user_xattrs = true,
	.timeout = 60,
	.run = run,
);
