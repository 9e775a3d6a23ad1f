// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for lib/modelops: the model under operations, without a
 * kernel. Each test writes lower layers (a fixture) into a temporary dir,
 * opens the model on them with an empty upper dir, applies operations and
 * looks at what the model predicts: the errno, the upper layer (with
 * redirect and opaque marks) and the merged view. The suite checks the
 * same rules against the kernel; these pin them down in the library.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "ovl-model.h"
#include "ovl-common.h"

struct world {
	char root[64];
	struct ovl_model *m;
};

/*
 * Lower layers A and B from fixture text (materialized with flags), an
 * empty upper, and the model on them.
 */
static void world_open_with(struct world *w, const char *fixture, const struct ovl_model_options *opt,
			    unsigned int flags)
{
	struct ovl_fixture *f = NULL;
	struct ovl_err err = { "" };
	char up[128], a[128], b[128];
	const char *lowers[2] = { a, b };

	snprintf(w->root, sizeof(w->root), "/tmp/test_modelops.XXXXXX");
	assert_non_null(mkdtemp(w->root));
	snprintf(up, sizeof(up), "%s/upper", w->root);
	snprintf(a, sizeof(a), "%s/A", w->root);
	snprintf(b, sizeof(b), "%s/B", w->root);
	assert_int_equal(ovl_mkdir_p(up, 0755), 0);
	assert_int_equal(ovl_mkdir_p(a, 0755), 0);
	assert_int_equal(ovl_mkdir_p(b, 0755), 0);
	if (ovl_fixture_parse(fixture, "test", &f, &err))
		fail_msg("fixture: %s", err.msg);
	if (ovl_fixture_tree(f, "A") && ovl_tree_materialize(ovl_fixture_tree(f, "A"), a, flags, &err))
		fail_msg("A: %s", err.msg);
	if (ovl_fixture_tree(f, "B") && ovl_tree_materialize(ovl_fixture_tree(f, "B"), b, flags, &err))
		fail_msg("B: %s", err.msg);
	ovl_fixture_free(f);
	if (ovl_model_open(up, lowers, 2, &w->m, &err))
		fail_msg("model: %s", err.msg);
	if (opt)
		ovl_model_set_options(w->m, opt);
}

/* The same, owners left to whoever runs the tests. */
static void world_open(struct world *w, const char *fixture, const struct ovl_model_options *opt)
{
	world_open_with(w, fixture, opt, OVL_MAT_NO_OWNER);
}

static void world_close(struct world *w)
{
	ovl_model_free(w->m);
	assert_int_equal(ovl_remove_tree(w->root), 0);
}

/* Apply op; return the errno the model predicts. */
static int apply(struct world *w, struct ovl_op op)
{
	struct ovl_err err = { "" };
	int want = -1;

	if (ovl_model_apply(w->m, &op, &want, &err))
		fail_msg("apply: %s", err.msg);
	return want;
}

/* The dump line of path in the upper layer ("" when absent), without owners. */
static const char *upper_line(struct world *w, const char *path)
{
	static char line[1024];
	const struct ovl_entry *e = ovl_tree_lookup(ovl_model_upper(w->m), path);

	line[0] = 0;
	if (e)
		ovl_entry_format(e, OVL_DUMP_NO_OWNER, line, sizeof(line));
	return line;
}

/* The entry the merged view has at path (type), -1 when absent. */
static int view_type(struct world *w, const char *path)
{
	struct ovl_tree *v = NULL;
	struct ovl_err err = { "" };
	const struct ovl_entry *e;
	int t;

	if (ovl_model_view(w->m, &v, &err))
		fail_msg("view: %s", err.msg);
	e = ovl_tree_lookup(v, path);
	t = e ? (int)e->type : -1;
	ovl_tree_unref(v);
	return t;
}

static const char dirs[] = "[A]\ndir /p\ndir /p/old\nfile /p/old/f data=\"f\"\ndir /q\n"
			   "[B]\ndir /p\ndir /p/old\nfile /p/old/g data=\"g\"\n";

static void test_dir_rename_needs_redirect_dir(void **state)
{
	struct world w;

	(void)state;
	world_open(&w, dirs, NULL);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/p/old", .path2 = "/p/new" }),
			 EXDEV);
	assert_string_equal(upper_line(&w, "/p"), "");
	world_close(&w);
}

static void test_dir_rename_redirects(void **state)
{
	struct ovl_model_options opt = { .redirect_dir = true };
	struct world w;

	(void)state;
	world_open(&w, dirs, &opt);
	/* within its dir: the old name; the old name whited out */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/p/old", .path2 = "/p/new" }), 0);
	assert_string_equal(upper_line(&w, "/p/new"),
			    "dir /p/new mode=0755 xattr.trusted.overlay.redirect=\"old\"");
	assert_string_equal(upper_line(&w, "/p/old"), "whiteout /p/old");
	assert_int_equal(view_type(&w, "/p/new/f"), OVL_FT_REG);
	assert_int_equal(view_type(&w, "/p/new/g"), OVL_FT_REG);
	/* out of it: the absolute path of its lowers, built from its own redirect */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/p/new", .path2 = "/q/moved" }),
			 0);
	assert_string_equal(upper_line(&w, "/q/moved"),
			    "dir /q/moved mode=0755 xattr.trusted.overlay.redirect=\"/p/old\"");
	/* an absolute redirect is kept by the next move */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/q/moved", .path2 = "/top" }), 0);
	assert_string_equal(upper_line(&w, "/top"), "dir /top mode=0755 xattr.trusted.overlay.redirect=\"/p/old\"");
	assert_int_equal(view_type(&w, "/top/g"), OVL_FT_REG);
	/* a pure upper dir moving into a merge dir turns opaque */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_MKDIR, .path = "/top/fresh", .mode = 0755 }), 0);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/top/fresh", .path2 = "/p/fresh" }),
			 0);
	assert_string_equal(upper_line(&w, "/p/fresh"), "dir /p/fresh mode=0755 opaque");
	world_close(&w);
}

static void test_new_dirs_opaque_without_offline_changes(void **state)
{
	struct ovl_model_options opt = { .no_offline_changes = true };
	struct world w;

	(void)state;
	world_open(&w, dirs, NULL);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_MKDIR, .path = "/p/d", .mode = 0755 }), 0);
	assert_string_equal(upper_line(&w, "/p/d"), "dir /p/d mode=0755");
	world_close(&w);
	world_open(&w, dirs, &opt);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_MKDIR, .path = "/p/d", .mode = 0755 }), 0);
	assert_string_equal(upper_line(&w, "/p/d"), "dir /p/d mode=0755 opaque");
	/* in a pure upper dir: no mark */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_MKDIR, .path = "/p/d/e", .mode = 0755 }), 0);
	assert_string_equal(upper_line(&w, "/p/d/e"), "dir /p/d/e mode=0755");
	world_close(&w);
}

static const char links[] = "[A]\nfile /h1 data=\"lower\"\nhardlink /h2 target=\"/h1\"\nhardlink /h3 target=\"/h1\"\n"
			    "hardlink /h4 target=\"/h1\"\n";

static void test_index_joins_lower_hard_links(void **state)
{
	struct ovl_model_options on = { .index = true };
	struct ovl_err err = { "" };
	unsigned long n = 0;
	struct world w;

	(void)state;
	/* index=off: the copy-up breaks the link; the others keep the lower count */
	world_open(&w, links, NULL);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_WRITE, .path = "/h1", .flags = O_WRONLY | O_APPEND,
						     .data = "+", .len = 1 }), 0);
	assert_int_equal(view_type(&w, "/h2"), OVL_FT_REG);
	assert_int_equal(ovl_model_nlink(w.m, "/h1", &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ovl_model_nlink(w.m, "/h2", &n, &err), 0);
	assert_int_equal(n, 4);
	world_close(&w);
	/* index=on: every name shows the copied inode */
	world_open(&w, links, &on);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_WRITE, .path = "/h1", .flags = O_WRONLY | O_APPEND,
						     .data = "+", .len = 1 }), 0);
	assert_int_equal(view_type(&w, "/h2"), OVL_FT_HARDLINK);
	assert_string_equal(upper_line(&w, "/h2"), "");
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_UNLINK, .path = "/h3" }), 0);
	assert_int_equal(ovl_model_nlink(w.m, "/h2", &n, &err), 0);
	assert_int_equal(n, 3);
	/* a later copy-up of another name links it to the same upper inode */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_CHMOD, .path = "/h2", .mode = 0600 }), 0);
	assert_string_equal(upper_line(&w, "/h2"), "hardlink /h2 target=\"/h1\"");
	/* nor does an exchange of a lower-only name with an upper name of the inode: no copy-up */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/h4", .path2 = "/h2",
						     .flags = RENAME_EXCHANGE }), 0);
	assert_string_equal(upper_line(&w, "/h4"), "");
	/* rename between two names of the inode does nothing */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/h2", .path2 = "/h1" }), 0);
	assert_string_equal(upper_line(&w, "/h2"), "hardlink /h2 target=\"/h1\"");
	world_close(&w);
}

static void test_rename_error_order(void **state)
{
	struct world w;

	(void)state;
	world_open(&w, dirs, NULL);
	/* RENAME_NOREPLACE onto itself: EEXIST before anything else */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/p", .path2 = "/p",
						     .flags = RENAME_NOREPLACE }), EEXIST);
	/* into itself: EINVAL; onto an ancestor: ENOTEMPTY, before the types */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/p", .path2 = "/p/old/x" }),
			 EINVAL);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/p/old/f", .path2 = "/p" }),
			 ENOTEMPTY);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/p/old/f", .path2 = "/q" }),
			 EISDIR);
	assert_string_equal(upper_line(&w, "/p"), "");
	world_close(&w);
}

static void test_symlinks_among_parents(void **state)
{
	struct world w;

	(void)state;
	world_open(&w, "[A]\ndir /d\nfile /d/f data=\"f\"\nsymlink /l target=\"d\"\nsymlink /loop target=\"loop/x\"\n",
		   NULL);
	/* through a link to a dir: the file it leads to comes up, the link stays below */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_TRUNCATE, .path = "/l/f", .size = 0 }), 0);
	assert_string_equal(upper_line(&w, "/d/f"),
			    "file /d/f mode=0644 size=0 sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_string_equal(upper_line(&w, "/l"), "");
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_STAT, .path = "/loop/y" }), ELOOP);
	world_close(&w);
}

/*
 * The merged view is made once per state of the model: asked twice, the
 * same tree; after any operation that changes the upper layer or the index,
 * a new one that shows the change; a failed operation keeps it.
 */
static void test_view_follows_every_change(void **state)
{
	struct world w;
	struct ovl_tree *v1 = NULL, *v2 = NULL, *v3 = NULL;
	struct ovl_err err = { "" };
	const struct ovl_model_options opt = { .index = true };

	(void)state;
	world_open(&w, "[A]\nfile /f data=\"a\"\nhardlink /g target=/f\n", &opt);
	assert_int_equal(ovl_model_view(w.m, &v1, &err), 0);
	assert_int_equal(ovl_model_view(w.m, &v2, &err), 0);
	assert_ptr_equal(v1, v2);
	ovl_tree_unref(v2);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_UNLINK, .path = "/nothing" }), ENOENT);
	assert_int_equal(ovl_model_view(w.m, &v2, &err), 0);
	assert_ptr_equal(v1, v2);
	ovl_tree_unref(v2);
	/* a copy-up through the index: the new view shows the upper file under both names */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_WRITE, .path = "/f", .flags = O_WRONLY | O_APPEND,
						 .data = "b", .len = 1 }), 0);
	assert_int_equal(ovl_model_view(w.m, &v2, &err), 0);
	assert_ptr_not_equal(v1, v2);
	assert_int_equal(ovl_tree_lookup(v1, "/f")->size, 1);
	assert_int_equal(ovl_tree_lookup(v2, "/f")->size, 2);
	/* and a rename after it */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/g", .path2 = "/h" }), 0);
	assert_int_equal(ovl_model_view(w.m, &v3, &err), 0);
	assert_ptr_not_equal(v2, v3);
	assert_null(ovl_tree_lookup(v3, "/g"));
	assert_non_null(ovl_tree_lookup(v3, "/h"));
	/* the views handed out before stay as they were */
	assert_non_null(ovl_tree_lookup(v2, "/g"));
	ovl_tree_unref(v1);
	ovl_tree_unref(v2);
	ovl_tree_unref(v3);
	world_close(&w);
}

/* The view's digest of path as hex's first 16 digits ("" when absent or unknown). */
static const char *view_sha(struct world *w, const char *path)
{
	static char hex[17];
	struct ovl_tree *v = NULL;
	struct ovl_err err = { "" };
	const struct ovl_entry *e;

	hex[0] = 0;
	if (ovl_model_view(w->m, &v, &err))
		fail_msg("view: %s", err.msg);
	e = ovl_tree_lookup(v, path);
	for (int i = 0; e && e->has_digest && i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", e->sha256[i]);
	ovl_tree_unref(v);
	return hex;
}

static const char meta[] = "[A]\ndir /d\nfile /d/f data=\"abc\"\nfile /g data=\"abc\"\n[B]\n";

static void test_metacopy(void **state)
{
	struct ovl_model_options opt = { .redirect_dir = true, .metacopy = true, .no_offline_changes = true };
	struct world w;

	(void)state;
	world_open(&w, meta, &opt);
	/* a chmod brings the metadata alone: a hole of the size, the mark; the data still reads from below */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_CHMOD, .path = "/d/f", .mode = 0600 }), 0);
	assert_string_equal(upper_line(&w, "/d/f"),
			    "file /d/f mode=0600 metacopy size=3 "
			    "sha256=709e80c88487a2411e1ee4dfb9f22a861492d20c4765150c0c794abd70f8147c fill=hole");
	assert_string_equal(view_sha(&w, "/d/f"), "ba7816bf8f01cfea");
	/* a move gives it a redirect to its data: absolute out of its dir */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_RENAME, .path = "/d/f", .path2 = "/moved" }), 0);
	assert_non_null(strstr(upper_line(&w, "/moved"), "metacopy size=3"));
	assert_non_null(strstr(upper_line(&w, "/moved"), "xattr.trusted.overlay.redirect=\"/d/f\""));
	assert_string_equal(view_sha(&w, "/moved"), "ba7816bf8f01cfea");
	/* the first write brings the data up from where the redirect leads, and drops the mark */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_WRITE, .path = "/moved", .flags = O_WRONLY | O_APPEND,
						    .data = "d", .len = 1 }), 0);
	assert_null(strstr(upper_line(&w, "/moved"), "metacopy"));
	assert_string_equal(view_sha(&w, "/moved"), "88d4266fd4e6338d");	/* sha256("abcd") */
	/* a link of a metacopy file: an absolute redirect first */
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_UTIMES, .path = "/g" }), 0);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_LINK, .path = "/g", .path2 = "/g2" }), 0);
	assert_non_null(strstr(upper_line(&w, "/g"), "xattr.trusted.overlay.redirect=\"/g\""));
	world_close(&w);
}

static void test_metacopy_off_copies_data(void **state)
{
	struct world w;

	(void)state;
	world_open(&w, meta, NULL);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_CHMOD, .path = "/d/f", .mode = 0600 }), 0);
	assert_string_equal(upper_line(&w, "/d/f"),
			    "file /d/f mode=0600 size=3 "
			    "sha256=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	world_close(&w);
}

static void test_setgid_dir_group(void **state)
{
	struct world w;

	(void)state;
	world_open(&w, "[A]\ndir /sg mode=02777 gid=100\n[B]\n", NULL);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_MKDIR, .path = "/sg/sub", .mode = 0755, .as_user = true,
						    .as_uid = 4242, .as_gid = 4242 }), 0);
	{
		const struct ovl_entry *e = ovl_tree_lookup(ovl_model_upper(w.m), "/sg/sub");
		char p[128];
		struct stat st;

		/* the dir's group as materialized (its own, or the tester's when not root) */
		snprintf(p, sizeof(p), "%s/A/sg", w.root);
		assert_int_equal(stat(p, &st), 0);
		assert_non_null(e);
		assert_int_equal(e->gid, st.st_gid);
		assert_int_not_equal(e->gid, 4242);
		assert_int_equal(e->uid, 4242);
		assert_true(e->mode & S_ISGID);
	}
	world_close(&w);
}

/*
 * A user namespace's view (4242 standing for the overflow id): an inode it
 * cannot map is not copied up (EOVERFLOW), nor is a dir so owned on the way
 * to a file it can; root there is not its owner (chmod EPERM).
 */
static void test_userns_unmapped(void **state)
{
	struct ovl_model_options opt = { .userns = true, .overflow_uid = 4242, .overflow_gid = 4242 };
	struct world w;

	(void)state;
	if (geteuid() != 0)
		skip(); /* the fixture's owners need chown */
	world_open_with(&w,
		   "[A]\nfile /hs mode=04777 uid=4242 gid=4242 data=\"s\"\ndir /hd mode=0777 uid=4242 gid=4242\n"
		   "file /hd/mine mode=0666 data=\"m\"\nfile /f data=\"f\"\n[B]\n",
		   &opt, 0);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_WRITE, .path = "/hs", .flags = O_WRONLY | O_APPEND,
						    .data = "x", .len = 1 }), EOVERFLOW);
	assert_string_equal(upper_line(&w, "/hs"), "");
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_CHMOD, .path = "/hs", .mode = 0777 }), EPERM);
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_UTIMES, .path = "/hd/mine" }), EOVERFLOW);
	assert_string_equal(upper_line(&w, "/hd"), "");
	assert_int_equal(apply(&w, (struct ovl_op){ .kind = OVL_OP_UTIMES, .path = "/f" }), 0);
	assert_string_not_equal(upper_line(&w, "/f"), "");
	world_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir_rename_needs_redirect_dir),
		cmocka_unit_test(test_view_follows_every_change),
		cmocka_unit_test(test_dir_rename_redirects),
		cmocka_unit_test(test_new_dirs_opaque_without_offline_changes),
		cmocka_unit_test(test_index_joins_lower_hard_links),
		cmocka_unit_test(test_rename_error_order),
		cmocka_unit_test(test_symlinks_among_parents),
		cmocka_unit_test(test_metacopy),
		cmocka_unit_test(test_metacopy_off_copies_data),
		cmocka_unit_test(test_setgid_dir_group),
		cmocka_unit_test(test_userns_unmapped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
