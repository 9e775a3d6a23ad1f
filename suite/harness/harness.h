/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/harness/harness.h - everything a case sees.
 *
 * A case is one file suite/cases/NNNN-slug.c: a doc comment saying what it
 * checks and why, a run function, and ONE descriptor at the end:
 *
 *   static void run(struct ovl_ctx *ctx)
 *   {
 *           ovl_mount_union(ctx, NULL);
 *           ovl_check_union(ctx, "merged view after mount");
 *           ...
 *   }
 *
 *   OVL_CASE(
 *           .number = 1,
 *           .slug = "same-name-a-wins",
 *           .purpose = "a name in A, B and C shows A's file",
 *           .tags = "precedence",
 *           .needs_root = true,
 *           .fixture = "precedence/same-name.tree",
 *           .run = run,
 *   );
 *
 * The runner does the rest: it checks the descriptor, skips with a reason
 * (CONF) when a need is not met, builds the backing filesystem, forks the
 * case into its own process group, mount and PID namespaces, materializes
 * the fixture's [A] [B] [C] [upper] trees into the layer dirs, enforces the
 * timeout, checks the kernel log, taint and leftover mounts afterwards, and
 * reports. A case never calls mount(2) itself: ovl_mount_union() goes
 * through the target under test.
 *
 * Every ovl_check_*() is one subtest: it records PASS or FAIL with a name
 * and carries on. ovl_brok()/ovl_conf() and the SAFE_*() wrappers end the
 * case at once. A case that makes no check at all is BROK.
 */
#ifndef OVL_HARNESS_H
#define OVL_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ovl-model.h"
#include "outcome.h"

struct ovl_ctx;

/* Backing filesystems, as a mask for .fs (0 means all). */
#define OVL_FS_TMPFS	0x1u
#define OVL_FS_EXT4	0x2u
#define OVL_FS_XFS	0x4u
#define OVL_FS_BTRFS	0x8u
#define OVL_FS_ALL	0xfu

/*
 * One variant of a case: the same body under other mount options (or
 * another fixture), with a stable number and slug of its own, so one file
 * serves what would otherwise be near-identical files. Fields left NULL
 * are the case's. The runner runs each variant as a case of its own.
 */
struct ovl_variant {
	unsigned int number;		/* stable, never reused */
	const char *slug;
	const char *purpose;
	const char *tags;
	const char *fixture;
	const char *mount_options;
	const char *needs_features;
	long arg;			/* for the body: ovl_variant_arg() */
};

struct ovl_case {
	unsigned int number;		/* stable, never reused; matches the file name */
	const char *slug;		/* what it checks, [a-z0-9-]; matches the file name */
	const char *purpose;		/* one line */
	const char *tags;		/* comma-separated, from the list in descriptor.c */
	bool needs_root;		/* CAP_SYS_ADMIN and friends (any case that mounts) */
	unsigned int fs;		/* OVL_FS_* mask of backing filesystems; 0: all */
	unsigned int lowers;		/* lower layers A, B, C...: 1..3; 0 means 3 */
	bool no_upper;			/* mount lowers only (read-only union) */
	const char *fixture;		/* file under fixtures/, trees [A] [B] [C] [upper] */
	const char *mount_options;	/* extra options for every union mount, e.g. "index=on" */
	const char *needs_features;	/* overlay options tried by a test mount first */
	const char *needs_kconfig;	/* comma-separated CONFIG_X or CONFIG_X=y|m */
	/*
	 * Kernel releases the kernel target must be in ("6.7-"), for a
	 * feature a config option does not show: a gate on the release, never
	 * on watching the feature.
	 */
	const char *needs_kernel;
	/*
	 * Kernel features by name (ovl_kernel_features() in ovl-host.h: "overlay-lowerdir-plus"),
	 * comma-separated: CONF on a release before the one that brought each,
	 * for every target that is the kernel's overlayfs. Prefer this to
	 * needs_kernel: the reason then cites the release and the commit.
	 */
	const char *needs_kernel_features;
	/*
	 * The case sets user.* xattrs in its operations (a fixture that has
	 * them says so itself): CONF on a backing filesystem that has none on
	 * this kernel (tmpfs before 6.6).
	 */
	bool needs_user_xattrs;
	/*
	 * Programs the case runs, comma-separated names ("btrfs,mkfs.ext4"):
	 * CONF when one is not installed; ovl_program() gives the path.
	 */
	const char *needs_programs;
	unsigned int timeout;		/* seconds; 0 means 30 */
	/*
	 * Runs with no other case at once (ovlconform run -j): the case reads
	 * the kernel log of its own mounts (ovl_last_mount_klog()), which other
	 * cases' mounts would add to.
	 */
	bool alone;
	/*
	 * Variants, ended by one with number 0: the case then names its file
	 * (NNNN-slug.c, NNNN the first variant's number) and runs only as its
	 * variants.
	 */
	const struct ovl_variant *variants;
	void (*run)(struct ovl_ctx *ctx);
	const char *file;		/* filled in by OVL_CASE */
	/* Filled in by the runner for a variant: the case it comes from, and which. */
	const struct ovl_case *base;
	const struct ovl_variant *variant;
};

#define OVL_CASE_CONCAT_(a, b) a##b
#define OVL_CASE_CONCAT(a, b) OVL_CASE_CONCAT_(a, b)

/* The one descriptor of a case file; the build finds it through a linker section. */
#define OVL_CASE(...)                                                                       \
	static const struct ovl_case ovl_case_desc = { .file = __FILE__, __VA_ARGS__ };    \
	static const struct ovl_case *const OVL_CASE_CONCAT(ovl_case_ptr_, __LINE__)        \
		__attribute__((used, section("ovl_cases"), aligned(sizeof(void *)))) =      \
			&ovl_case_desc

/* ---- layers and the union mount ---------------------------------------- */

/*
 * The case's layers are struct ovl_layer (ovl-model.h), numbered as the
 * model numbers them: the upper layer, then the lowers top first. A, B
 * and C are the lowers as fixtures name them. The work and merged dirs
 * are no layers: they have functions of their own.
 */
#define OVL_LAYER_A OVL_LAYER_LOWER(0)
#define OVL_LAYER_B OVL_LAYER_LOWER(1)
#define OVL_LAYER_C OVL_LAYER_LOWER(2)

/* Absolute path of a layer dir of this case (A, B, C or upper). */
const char *ovl_layer_dir(struct ovl_ctx *ctx, struct ovl_layer layer);
/* "A", "B", "C", "upper" (as fixtures name them), or "?". */
const char *ovl_layer_name(struct ovl_layer layer);
/* Path of rel ("/etc/x" or "etc/x") inside a layer; valid until the case ends. */
const char *ovl_path(struct ovl_ctx *ctx, struct ovl_layer layer, const char *rel);
/* The union's mount point, and rel inside it. */
const char *ovl_merged_dir(struct ovl_ctx *ctx);
const char *ovl_merged_path(struct ovl_ctx *ctx, const char *rel);
/* The union's work dir, and rel inside it. */
const char *ovl_work_dir(struct ovl_ctx *ctx);
const char *ovl_work_path(struct ovl_ctx *ctx, const char *rel);
/* A file under fixtures/ (rel relative to it; an absolute rel as it is); valid until the case ends. */
const char *ovl_fixture_path(struct ovl_ctx *ctx, const char *rel);
/* The backing filesystem this run uses ("tmpfs", "ext4", ...). */
const char *ovl_backing_fs(struct ovl_ctx *ctx);

/*
 * Mount the union of this case's layers on merged through the target under
 * test, with the descriptor's mount_options plus extra (may be NULL).
 * Returns 0 or -errno; ovl_mount_union_reason() tells the kernel's reason.
 * Use SAFE_MOUNT_UNION() when the case cannot go on without it.
 */
int ovl_mount_union(struct ovl_ctx *ctx, const char *extra);
const char *ovl_mount_union_reason(struct ovl_ctx *ctx);
int ovl_umount_union(struct ovl_ctx *ctx);
/* Unmount the union and mount it again (the descriptor's options), or BROK. */
void ovl_remount_union(struct ovl_ctx *ctx);
/*
 * Mount a union of dirs the case names itself (for the mount-error cases),
 * through the target: 0 or -errno, with the reason (the kernel's words
 * included) in ovl_mount_union_reason(). upper and work may be NULL.
 * Whatever it mounts goes with the case's namespace.
 */
int ovl_mount_custom(struct ovl_ctx *ctx, const char *const *lowers, size_t nlowers, const char *upper,
		     const char *work, const char *merged, const char *options);
/*
 * The same with data-only layers below the lowers (top first): lowerdir=L::D
 * through mount(2), datadir+ through fsconfig, as the target gives them.
 */
int ovl_mount_custom_data(struct ovl_ctx *ctx, const char *const *lowers, size_t nlowers, const char *const *datas,
			  size_t ndatas, const char *upper, const char *work, const char *merged, const char *options);
/*
 * A union of any number of lowers (top first) through the new mount API,
 * one fsconfig "lowerdir+" each: 0, -EOPNOTSUPP where the target or kernel
 * has no lowerdir+, or -errno (reason in ovl_mount_union_reason()).
 */
int ovl_mount_lowers_plus(struct ovl_ctx *ctx, const char *const *lowers, size_t nlowers, const char *upper,
			  const char *work, const char *merged);
/*
 * Remount the case's union through the target: read-only or read-write,
 * with options (may be NULL) as the target gives them on a remount. 0,
 * -EOPNOTSUPP for a target without remount, or -errno (reason in
 * ovl_mount_union_reason()).
 */
int ovl_remount_with(struct ovl_ctx *ctx, bool readonly, const char *options);
/*
 * Sectors written so far to the block device that holds path (the source
 * of the mount it is on, from /sys/dev/block/M:m/stat), or -1 when it is
 * on none (tmpfs).
 */
long long ovl_sectors_written(const char *path);
/* Unmount what a case mounted itself (ovl_mount_custom, ovl_private_mount); BROK on failure. */
void ovl_umount_path(struct ovl_ctx *ctx, const char *target);

/*
 * A superblock option of the union mount as mountinfo shows it (read
 * through libmount): 0 and *value (static until the next call; "" for a
 * flag), -ENOENT when absent, -ENXIO when nothing is mounted on merged.
 */
int ovl_mount_option(struct ovl_ctx *ctx, const char *name, const char **value);
/*
 * Every value of a repeated option ("lowerdir+"), in order, joined with
 * ':' into out: 0, -ENOENT when there is none, -ENXIO as above.
 */
int ovl_mount_option_all(struct ovl_ctx *ctx, const char *name, char *out, size_t len);
/*
 * The option under which the target's mounts list their lower layers in
 * mountinfo: "lowerdir" (one, the layers joined with ':', as mount(2) was
 * given them), "lowerdir+" (once per layer, as fsconfig(2) was), or NULL
 * when its mountinfo shows no overlay options at all (fuse-overlayfs).
 */
const char *ovl_target_lowers_option(struct ovl_ctx *ctx);
/*
 * The implementation the harness mounts unions through: the run's target,
 * or for a while another (a family that hands layers from one to the
 * other, suite/families/cross.c). Set it back before the case ends.
 */
struct ovl_target;
const struct ovl_target *ovl_ctx_target(struct ovl_ctx *ctx);
void ovl_set_target(struct ovl_ctx *ctx, const struct ovl_target *t);
/*
 * The value an overlay option takes on the union mount. overlayfs lists in
 * mountinfo only what differs from its module defaults, so an option that
 * mountinfo omits takes the default from /sys/module/overlay/parameters
 * (index, xino via xino_auto, metacopy, nfs_export, redirect_dir via
 * redirect_dir and redirect_always_follow); a target whose mountinfo shows
 * no overlay options (fuse-overlayfs) gives the value it documents.
 * *shown says which it was. 0, or -errno (-ENOENT: neither shown nor known).
 */
int ovl_mount_option_effective(struct ovl_ctx *ctx, const char *name, const char **value,
			       bool *shown);
/*
 * Whether the union is read-only in mountinfo: 1 when the per-mount flags
 * or the superblock options say ro (an overlay without upper is a read-only
 * superblock on a read-write mount), 0, or -errno.
 */
int ovl_mount_is_readonly(struct ovl_ctx *ctx);

/* ---- checks (one subtest each) ------------------------------------------- */

/*
 * One subtest, named by fmt. Keep the name the same from run to run (no
 * inode numbers, sizes or paths of the scratch dir): deviations and
 * comparisons between runs find checks by name. What varies goes in a
 * diagnostic, ovl_diag().
 */
bool ovl_check(struct ovl_ctx *ctx, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A diagnostic line shown under the last check (KTAP "# " line) and logged. */
void ovl_diag(struct ovl_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Compare the merged view (scanned through the mount) with the reference
 * model (ovl_model_now()). On a difference the
 * log gets both dumps and the difference, and KTAP its first lines.
 */
bool ovl_check_union(struct ovl_ctx *ctx, const char *what);

/*
 * The expected result of a call: want_errno 0 means success (ret >= 0),
 * otherwise ret < 0 with errno == want_errno. Pass the errno the call left.
 */
bool ovl_check_errno(struct ovl_ctx *ctx, long ret, int err, int want_errno, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* rel is hidden: lstat through the mount fails with ENOENT. why says what hides it. */
bool ovl_check_absent(struct ovl_ctx *ctx, const char *rel, const char *why);

/*
 * Reading rel through the merged mount gives exactly the content of rel in
 * the layer the model says wins the name (and that layer is want, unless
 * want is OVL_LAYER_NONE).
 */
bool ovl_check_reads_from(struct ovl_ctx *ctx, const char *rel, struct ovl_layer want);

/*
 * readdir of rel through the mount (rewound and read twice) lists every
 * name the model shows there exactly once, and nothing else: no
 * duplicates, no whiteout, no overlay marker.
 */
bool ovl_check_readdir(struct ovl_ctx *ctx, const char *rel);
/*
 * readdir of a merged dir across a change, as the kernel documents its
 * cache: open rel and read its first name, do op (ovl_check_op()), read on
 * without rewinding: the names must be those from before op; then
 * rewinddir: the names the model shows now. Two subtests besides op's.
 */
bool ovl_check_readdir_across(struct ovl_ctx *ctx, const char *rel, const struct ovl_op *op);

/*
 * Do op through the merged mount and check three things against the
 * model: the call's result (errno), the merged view, and the upper layer
 * (what was copied up, whiteouts and opaque marks, with their metadata;
 * overlay's own bookkeeping xattrs such as origin and impure are left to
 * targeted checks). Three subtests; a failure shows the operation, both
 * sides and the difference. The model starts from the layers as they are
 * at the first operation, so mount first.
 */
bool ovl_check_op(struct ovl_ctx *ctx, const struct ovl_op *op);
/*
 * ovl_check_op() in a sequence: *carry is the merged view the last call
 * left (NULL at first), taken as the view before this call, and becomes the
 * view after it (the caller unrefs the last). Only when nothing touched
 * the union between the two calls (reads and checks may come between).
 */
bool ovl_check_op_after(struct ovl_ctx *ctx, const struct ovl_op *op, struct ovl_tree **carry);
/*
 * Point ovl_check_op() and the model at another union, mounted by other
 * means (a container of the reference store): its merged dir, upper dir,
 * lowers (top first) and the options it was mounted with (NULL: none; the
 * model takes the module's defaults for the rest, and a check says whether
 * the mount runs with them). merged NULL: back to the case's own union.
 */
void ovl_use_union(struct ovl_ctx *ctx, const char *merged, const char *upper, const char *const *lowers,
		   size_t n, const char *options);
/* ovl_check_op() of each of n ops in turn; false if any check failed. */
bool ovl_check_ops(struct ovl_ctx *ctx, const struct ovl_op *ops, size_t n);
#define OVL_CHECK_OPS(ctx, ops) ovl_check_ops((ctx), (ops), sizeof(ops) / sizeof((ops)[0]))
/*
 * A row of a table of the run's results: results/<run-id>/<table>.txt
 * (table: [a-z0-9-]), rows in case order, each distinct row once. A name
 * with an extension ("x.svg") is a file of its own, written row by row as
 * given (rows of up to 2000 bytes).
 */
void ovl_table_row(struct ovl_ctx *ctx, const char *table, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* What the kernel logged during the last mount the case asked for (may be ""). */
const char *ovl_last_mount_klog(struct ovl_ctx *ctx);
/* lstat of rel through the mount gives the st_nlink the model predicts (after ovl_check_op). */
bool ovl_check_nlink(struct ovl_ctx *ctx, const char *rel);
/* The xattr name is set on rel in the upper dir (e.g. "trusted.overlay.origin"). */
bool ovl_check_upper_xattr(struct ovl_ctx *ctx, const char *rel, const char *name);

/*
 * The model's merged view (new reference) or BROK: of the layers as they
 * are now, or once ovl_check_op() ran, of the operations' model (which
 * also knows what index=on keeps in the work dir).
 */
struct ovl_tree *ovl_model_now(struct ovl_ctx *ctx);
/* The upper layer as the model of the operations so far predicts it (new reference) or BROK. */
struct ovl_tree *ovl_model_upper_now(struct ovl_ctx *ctx);
/* The merged view as the mount shows it (new reference) or NULL + BROK. */
struct ovl_tree *ovl_merged_now(struct ovl_ctx *ctx);

/*
 * One check: want and got compared as ovl_check_union() compares (flags as
 * ovl_tree_diff's), the difference in the log and KTAP.
 */
bool ovl_check_tree(struct ovl_ctx *ctx, const struct ovl_tree *want, const struct ovl_tree *got,
		    unsigned int flags, const char *what);
/* One check that the union ovl_check_op() uses now runs with the options the model assumes. */
void ovl_check_options_in_force(struct ovl_ctx *ctx);

/*
 * For the explorer, which makes millions of checks: between ovl_quiet(ctx,
 * true) and ovl_quiet_end() checks are counted, not reported, and the log
 * is silent; ovl_quiet_end() returns how many failed and puts the first
 * failure's name and diagnostics in first (may be NULL).
 */
void ovl_quiet(struct ovl_ctx *ctx);
unsigned int ovl_quiet_failures(const struct ovl_ctx *ctx);
unsigned int ovl_quiet_end(struct ovl_ctx *ctx, char *first, size_t len);
/*
 * Run fn(ctx, arg); an early end inside it (BROK, CONF: the model cannot
 * predict, a mount fails...) returns to here instead of ending the case:
 * 0 when fn returned, else the outcome, with the reason in why.
 */
int ovl_catch(struct ovl_ctx *ctx, void (*fn)(struct ovl_ctx *ctx, void *arg), void *arg, char *why, size_t len);

/* ---- running programs -------------------------------------------------------- */

/*
 * The absolute path of a program the descriptor's needs_programs names
 * (the runner made sure it is installed); BROK for one it does not name.
 */
const char *ovl_program(struct ovl_ctx *ctx, const char *name);

/* The arg of the variant this run is (0 for a case without variants). */
long ovl_variant_arg(struct ovl_ctx *ctx);

/*
 * Run argv (argv[0] an absolute path) with env entries ("NAME=value",
 * NULL-terminated, may be NULL) added to the environment; stdout and stderr
 * go to *out (NUL-terminated, caller frees; may be NULL) and to the case
 * log. Killed after timeout seconds. Returns the exit status (0..255),
 * 128 + signal, or -errno when it could not run.
 */
int ovl_exec(struct ovl_ctx *ctx, const char *const argv[], const char *const env[],
	     unsigned int timeout, char **out);

/*
 * For the harness's own helpers (a private dockerd, ...), never for the
 * union under test: mount in the case's private mount namespace only, so
 * nothing outside the scratch dir changes on the host. BROK on failure.
 */
void ovl_private_mount(struct ovl_ctx *ctx, const char *source, const char *target,
		       const char *fstype, const char *options);
/* The same, but 0 or -errno with why (the kernel's words too) for a mount that may fail. */
int ovl_try_private_mount(struct ovl_ctx *ctx, const char *source, const char *target, const char *fstype,
			  const char *options, char *why, size_t len);
/*
 * A lower layer that misbehaves: a FUSE filesystem served by a child of the
 * case (libfuse3), passing src through on mnt read-only, with these faults.
 */
struct ovl_fuse_faults {
	int fileattr_errno;		/* FS_IOC_GETFLAGS/FSGETXATTR answer this errno (0: no flags) */
	bool no_xattrs;			/* getxattr and listxattr answer ENOSYS */
	unsigned int dtype_extra;	/* or'ed into every readdir d_type (bits above DT_*'s four) */
	const char *eio_name;		/* a read of a file of this name answers EIO */
	unsigned int slow_ms;		/* every read answers this late */
	const char *stuck_name;		/* a read of a file of this name is never answered */
};
/*
 * Start it (one at a time); BROK when it does not come up, CONF without
 * /dev/fuse. The case stops it with ovl_fuse_lower_stop() once the union
 * over it is unmounted; the end of the case stops it on any outcome.
 */
void ovl_fuse_lower(struct ovl_ctx *ctx, const char *src, const char *mnt, const struct ovl_fuse_faults *f);
void ovl_fuse_lower_stop(struct ovl_ctx *ctx);
/*
 * The files of dir src in an image of fstype ("erofs", "squashfs", "vfat":
 * what that holds of them), name.img in the case's dir, mounted read-only
 * on the case's dir name (returned). CONF when the kernel or the image's
 * mkfs lacks; the case unmounts it (ovl_umount_path()).
 */
const char *ovl_image_layer(struct ovl_ctx *ctx, const char *fstype, const char *src, const char *name);
/* The case's own scratch dir (on the backing filesystem). */
const char *ovl_case_dir(struct ovl_ctx *ctx);
/* rel ("/x" or "x") inside the case's own dir; valid until the case ends. */
const char *ovl_case_path(struct ovl_ctx *ctx, const char *rel);

/* ---- ending a case early, logging ----------------------------------------- */

/*
 * End the case at once. BROK: setup or the environment broke; the reason
 * starts with the file and line ovl_brok() was called from, as the SAFE_*()
 * wrappers' do. CONF: the case does not apply here; say exactly why.
 */
void ovl_brok_at(struct ovl_ctx *ctx, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));
#define ovl_brok(ctx, ...) ovl_brok_at((ctx), __FILE__, __LINE__, __VA_ARGS__)
void ovl_conf(struct ovl_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
void ovl_log(struct ovl_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* SAFE_*: the call or BROK naming the call, the path, errno, file and line. */
void ovl_safe_fail(struct ovl_ctx *ctx, const char *file, int line, const char *call, int err)
	__attribute__((noreturn));

#define SAFE_MOUNT_UNION(ctx, extra)                                                           \
	do {                                                                                   \
		int ovl_r_ = ovl_mount_union((ctx), (extra));                                  \
		if (ovl_r_)                                                                    \
			ovl_brok((ctx), "mounting the union: %s",                              \
				 ovl_mount_union_reason(ctx));                                 \
	} while (0)

int ovl_safe_open(struct ovl_ctx *ctx, const char *file, int line, const char *path, int flags,
		  mode_t mode);
/* SAFE_OPEN(ctx, path, flags, mode): mode matters with O_CREAT only. */
#define SAFE_OPEN(ctx, path, flags, mode) \
	ovl_safe_open((ctx), __FILE__, __LINE__, (path), (flags), (mode_t)(mode))

/* mkdir -p (mode 0755; an existing dir is fine) or BROK. */
void ovl_safe_mkdir_p(struct ovl_ctx *ctx, const char *file, int line, const char *path);
#define SAFE_MKDIR_P(ctx, path) ovl_safe_mkdir_p((ctx), __FILE__, __LINE__, (path))
/* Write a whole file (made 0644, truncated) or BROK. */
void ovl_safe_write_file(struct ovl_ctx *ctx, const char *file, int line, const char *path, const void *buf,
			 size_t len);
#define SAFE_WRITE_FILE(ctx, path, buf, len) ovl_safe_write_file((ctx), __FILE__, __LINE__, (path), (buf), (len))

/* dir/rel ("/x/y"): a file of len bytes (in a dir that is there), or a dir, parents too, where data is NULL; or BROK. */
void ovl_safe_put(struct ovl_ctx *ctx, const char *file, int line, const char *dir, const char *rel, const void *data,
		  size_t len);
#define SAFE_PUT(ctx, dir, rel, data, len) ovl_safe_put((ctx), __FILE__, __LINE__, (dir), (rel), (data), (len))
/* A dir's tree as the model reads it (ovl_tree_scan with flags; a new reference) or BROK. */
struct ovl_tree *ovl_safe_scan(struct ovl_ctx *ctx, const char *file, int line, const char *dir, unsigned int flags);
#define SAFE_SCAN(ctx, dir, flags) ovl_safe_scan((ctx), __FILE__, __LINE__, (dir), (flags))

/* Read a whole small file (NUL-terminated, caller frees) or BROK. */
char *ovl_safe_read_file(struct ovl_ctx *ctx, const char *file, int line, const char *path,
			 size_t *len);
#define SAFE_READ_FILE(ctx, path, lenp) ovl_safe_read_file((ctx), __FILE__, __LINE__, (path), (lenp))

#endif
