// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for lib/model: each case is a fixture of layers ([upper], [A],
 * [B], [C]; A is the topmost lower) and the merged view the model must give,
 * as a canonical dump annotated with the layer each entry came from
 * (0 = upper, 1 = A, 2 = B, 3 = C).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ovl-model.h"

struct model_case {
	const char *name, *layers, *want;
	struct ovl_merge_options opt;	/* a mount's options; zero: ovl_model_merge()'s */
};

static const struct model_case cases[] = {
	{ "uppermost name wins",
	  "[upper]\n[A]\nfile /f data=A\n[B]\nfile /f data=B\n[C]\nfile /f data=C\nfile /c data=C\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "file /c mode=0644 uid=0 gid=0 size=1 sha256=6b23c0d5f35d1b11f9b683f0b0a617355deb11277d91ae091d399c655b87940d  # layer lower 2\n"
	  "file /f mode=0644 uid=0 gid=0 size=1 sha256=559aead08264d5795d3909718cdd05abd49572e84fe55590eef31a88a08fdffd  # layer lower 0\n" },
	{ "upper beats every lower",
	  "[upper]\nfile /f data=U mode=0600\n[A]\nfile /f data=A\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "file /f mode=0600 uid=0 gid=0 size=1 sha256=a25513c7e0f6eaa80a3337ee18081b9e2ed09e00af8531c8f7bb2542764027e7  # layer upper\n" },
	{ "directories merge, top dir's metadata",
	  "[upper]\n[A]\ndir /d mode=0700\nfifo /d/a\n[B]\ndir /d mode=0755\nfifo /d/b\n[C]\nfifo /d/c\nfifo /d/a\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "dir /d mode=0700 uid=0 gid=0  # layer lower 0\n"
	  "fifo /d/a mode=0644 uid=0 gid=0  # layer lower 0\n"
	  "fifo /d/b mode=0644 uid=0 gid=0  # layer lower 1\n"
	  "fifo /d/c mode=0644 uid=0 gid=0  # layer lower 2\n" },
	{ "opaque dir hides the layers below it, not above",
	  "[upper]\nfifo /d/u\n[A]\nfifo /d/a\n[B]\ndir /d opaque\nfifo /d/b\n[C]\nfifo /d/c\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "dir /d mode=0755 uid=0 gid=0  # layer upper\n"
	  "fifo /d/a mode=0644 uid=0 gid=0  # layer lower 0\n"
	  "fifo /d/b mode=0644 uid=0 gid=0  # layer lower 1\n"
	  "fifo /d/u mode=0644 uid=0 gid=0  # layer upper\n" },
	{ "whiteout hides the name everywhere below and never shows",
	  "[upper]\nwhiteout /f\n[A]\nfifo /g\nwhiteout /d\n[B]\nfifo /f\n[C]\nfifo /f\nfifo /d/x\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "fifo /g mode=0644 uid=0 gid=0  # layer lower 0\n" },
	{ "file above a dir hides the whole dir",
	  "[upper]\n[A]\nsymlink /d target=x\n[B]\nfifo /d/b\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "symlink /d uid=0 gid=0 target=\"x\"  # layer lower 0\n" },
	{ "dir above a file hides the file and anything below it",
	  "[upper]\n[A]\nfifo /d/a\n[B]\nfifo /d\n[C]\nfifo /d/c\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "dir /d mode=0755 uid=0 gid=0  # layer lower 0\n"
	  "fifo /d/a mode=0644 uid=0 gid=0  # layer lower 0\n" },
	{ "a symlink wins over a file of its target's name, and is not followed",
	  "[upper]\n[A]\nsymlink /l target=/t\n[B]\nfifo /l\nfifo /t\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "symlink /l uid=0 gid=0 target=\"/t\"  # layer lower 0\n"
	  "fifo /t mode=0644 uid=0 gid=0  # layer lower 1\n" },
	{ "xattr-form whiteout in a lower, user xattrs kept, overlay marks hidden",
	  "[upper]\n[A]\ndir /x opaque=x\nwhiteout /x/w form=xattr\nfifo /x/k xattr.user.a=1 xattr.trusted.overlay.origin=z\n"
	  "[B]\nfifo /x/w\nfifo /x/v\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "dir /x mode=0755 uid=0 gid=0  # layer lower 0\n"
	  "fifo /x/k mode=0644 uid=0 gid=0 xattr.user.a=\"1\"  # layer lower 0\n"
	  "fifo /x/v mode=0644 uid=0 gid=0  # layer lower 1\n" },
	{ "no upper: lowers only, top lower's root",
	  "[A]\ndir / mode=0711\nfifo /a\n[B]\nfifo /b\n",
	  "dir / mode=0711 uid=0 gid=0  # layer lower 0\n"
	  "fifo /a mode=0644 uid=0 gid=0  # layer lower 0\n"
	  "fifo /b mode=0644 uid=0 gid=0  # layer lower 1\n" },
	{ "nested merge stops at a whiteout in a middle layer",
	  "[upper]\nfifo /d/e/u\n[A]\nwhiteout /d/e\n[B]\nfifo /d/e/b\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "dir /d mode=0755 uid=0 gid=0  # layer upper\n"
	  "dir /d/e mode=0755 uid=0 gid=0  # layer upper\n"
	  "fifo /d/e/u mode=0644 uid=0 gid=0  # layer upper\n" },
	{ "a hard link whose first name is hidden shows as a file, without overlay xattrs",
	  "[upper]\nwhiteout /a\n[A]\nfile /a data=x xattr.trusted.overlay.origin=o xattr.user.k=v\n"
	  "hardlink /b target=/a\nhardlink /c target=/a\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "file /b mode=0644 uid=0 gid=0 size=1 sha256=2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 xattr.user.k=\"v\"  # layer lower 0\n"
	  "hardlink /c target=\"/b\"  # layer lower 0\n" },
	{ "an xattr whiteout in the upper layer is just an empty file",
	  "[upper]\ndir /x opaque=x\nwhiteout /x/w form=xattr\n[A]\nfifo /x/w\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "dir /x mode=0755 uid=0 gid=0  # layer upper\n"
	  "file /x/w mode=0644 uid=0 gid=0 size=0 sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  # layer upper\n" },
	{ "an absolute redirect finds the lowers at the old path, not the new name",
	  "[upper]\ndir /new xattr.trusted.overlay.redirect=\"/old\"\nwhiteout /old\n"
	  "[A]\ndir /old\nfifo /old/a\n[B]\ndir /old\nfifo /old/b\n[C]\ndir /new\nfifo /new/c\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "dir /new mode=0755 uid=0 gid=0  # layer upper\n"
	  "fifo /new/a mode=0644 uid=0 gid=0  # layer lower 0\n"
	  "fifo /new/b mode=0644 uid=0 gid=0  # layer lower 1\n" },
	{ "a relative redirect replaces the name within the parent's layers",
	  "[upper]\ndir /p\ndir /p/n xattr.trusted.overlay.redirect=\"o\"\nwhiteout /p/o\n"
	  "[A]\ndir /p\ndir /p/o\nfifo /p/o/x\ndir /p/n\nfifo /p/n/not-merged\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "dir /p mode=0755 uid=0 gid=0  # layer upper\n"
	  "dir /p/n mode=0755 uid=0 gid=0  # layer upper\n"
	  "fifo /p/n/x mode=0644 uid=0 gid=0  # layer lower 0\n" },
	{ "a lower layer's own redirect is followed on down",
	  "[A]\ndir /m xattr.trusted.overlay.redirect=\"/orig\"\nfifo /m/a\n"
	  "[B]\ndir /m\nfifo /m/hidden\n[C]\ndir /orig\nfifo /orig/c\n",
	  "dir / mode=0755 uid=0 gid=0  # layer lower 0\n"
	  "dir /m mode=0755 uid=0 gid=0  # layer lower 0\n"
	  "fifo /m/a mode=0644 uid=0 gid=0  # layer lower 0\n"
	  "fifo /m/c mode=0644 uid=0 gid=0  # layer lower 2\n"
	  "dir /orig mode=0755 uid=0 gid=0  # layer lower 2\n"
	  "fifo /orig/c mode=0644 uid=0 gid=0  # layer lower 2\n" },
	{ "a redirect chain: relative after absolute replaces the last component (B's /a/b is skipped)",
	  "[upper]\ndir /x xattr.trusted.overlay.redirect=\"/a/b\"\n"
	  "[A]\ndir /a\ndir /a/b xattr.trusted.overlay.redirect=\"c\"\nfifo /a/b/one\n"
	  "[B]\ndir /a\ndir /a/c\nfifo /a/c/two\ndir /a/b\nfifo /a/b/skipped\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "dir /a mode=0755 uid=0 gid=0  # layer lower 0\n"
	  "dir /a/b mode=0755 uid=0 gid=0  # layer lower 0\n"
	  "fifo /a/b/one mode=0644 uid=0 gid=0  # layer lower 0\n"
	  "fifo /a/b/two mode=0644 uid=0 gid=0  # layer lower 1\n"
	  "dir /a/c mode=0755 uid=0 gid=0  # layer lower 1\n"
	  "fifo /a/c/two mode=0644 uid=0 gid=0  # layer lower 1\n"
	  "dir /x mode=0755 uid=0 gid=0  # layer upper\n"
	  "fifo /x/one mode=0644 uid=0 gid=0  # layer lower 0\n"
	  "fifo /x/two mode=0644 uid=0 gid=0  # layer lower 1\n" },
	{ "nofollow: a dir whose merge needs its redirect is refused, the redirect's target shows as itself",
	  "[A]\ndir /m xattr.trusted.overlay.redirect=\"/orig\"\nfifo /m/a\n[B]\ndir /orig\nfifo /orig/b\n",
	  "dir / mode=0755 uid=0 gid=0  # layer lower 0\n"
	  "whiteout /m refused  # layer lower 0\n"
	  "dir /orig mode=0755 uid=0 gid=0  # layer lower 1\n"
	  "fifo /orig/b mode=0644 uid=0 gid=0  # layer lower 1\n",
	  { .nofollow = true } },
	{ "nofollow: a redirect in the last layer of a dir's stack is never needed, so not refused",
	  "[A]\nfifo /x\n[B]\ndir /m xattr.trusted.overlay.redirect=\"/orig\"\nfifo /m/b\n",
	  "dir / mode=0755 uid=0 gid=0  # layer lower 0\n"
	  "dir /m mode=0755 uid=0 gid=0  # layer lower 1\n"
	  "fifo /m/b mode=0644 uid=0 gid=0  # layer lower 1\n"
	  "fifo /x mode=0644 uid=0 gid=0  # layer lower 0\n",
	  { .nofollow = true } },
	{ "a metacopy file shows its own metadata and the data of the file below",
	  "[upper]\nfile /f size=3 fill=hole metacopy mode=0600 uid=7\n[A]\nfile /f data=abc\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "file /f mode=0600 uid=7 gid=0 size=3 sha256=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  # layer upper\n" },
	{ "a metacopy file passes the search on through a metacopy file below, and its redirect",
	  "[upper]\nfile /f size=3 fill=hole metacopy\n[A]\nfile /f size=3 fill=hole metacopy "
	  "xattr.trusted.overlay.redirect=\"/o\"\n[B]\nfile /f data=not\nfile /o data=abc\n",
	  "dir / mode=0755 uid=0 gid=0  # layer upper\n"
	  "file /f mode=0644 uid=0 gid=0 size=3 sha256=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  # layer upper\n"
	  "file /o mode=0644 uid=0 gid=0 size=3 sha256=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  # layer lower 1\n" },
	{ "a data-only layer shows no name; a metacopy file's absolute redirect reads from it",
	  "[A]\nfile /etc/m size=3 fill=hole metacopy xattr.trusted.overlay.redirect=\"/ab/cd\"\n"
	  "[B]\nfile /ab/cd data=abc\nfile /visible data=no\n",
	  "dir / mode=0755 uid=0 gid=0  # layer lower 0\n"
	  "dir /etc mode=0755 uid=0 gid=0  # layer lower 0\n"
	  "file /etc/m mode=0644 uid=0 gid=0 size=3 sha256=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  # layer lower 0\n",
	  { .ndata = 1 } },
	{ "hardlinked names in one lower stay linked",
	  "[A]\nfile /a data=x\nhardlink /b target=/a\n",
	  "dir / mode=0755 uid=0 gid=0  # layer lower 0\n"
	  "file /a mode=0644 uid=0 gid=0 size=1 sha256=2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  # layer lower 0\n"
	  "hardlink /b target=\"/a\"  # layer lower 0\n" },
};

static void run_case(const struct model_case *c)
{
	struct ovl_fixture *f = NULL;
	struct ovl_err err = { "" };
	const struct ovl_tree *lowers[3];
	struct ovl_tree *merged = NULL;
	size_t n = 0;
	char *got = NULL;
	size_t len = 0;
	FILE *out;

	if (ovl_fixture_parse(c->layers, c->name, &f, &err))
		fail_msg("%s: %s", c->name, err.msg);
	for (const char *const *l = (const char *const[]){ "A", "B", "C", NULL }; *l; l++)
		if (ovl_fixture_tree(f, *l))
			lowers[n++] = ovl_fixture_tree(f, *l);
	if (ovl_model_merge_opts(ovl_fixture_tree(f, "upper"), lowers, n, &c->opt, &merged, &err))
		fail_msg("%s: merge: %s", c->name, err.msg);
	out = open_memstream(&got, &len);
	ovl_tree_dump(merged, OVL_DUMP_LAYER, out);
	fclose(out);
	if (strcmp(got, c->want) != 0)
		fail_msg("model case '%s'\n--- want\n%s--- got\n%s", c->name, c->want, got);
	free(got);
	ovl_tree_unref(merged);
	ovl_fixture_free(f);
}

static void test_model_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

static void test_model_rejects_bad_layers(void **state)
{
	(void)state;
	struct ovl_tree *empty = ovl_tree_new(), *out = NULL;
	struct ovl_err err = { "" };

	assert_int_equal(ovl_model_merge(NULL, NULL, 0, &out, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "0 lower layers"));
	/* A layer tree with no root directory is not a layer. */
	assert_int_equal(ovl_model_merge(NULL, (const struct ovl_tree *const[]){ empty }, 1, &out, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "layer lower 0 has no root directory"));
	assert_null(out);
	ovl_tree_unref(empty);
}

/* Merge the fixture's [A] [B] (and [upper]) with opt: the result, the tree in *out. */
static int merge_text(const char *text, const struct ovl_merge_options *opt, struct ovl_tree **out, struct ovl_err *err)
{
	struct ovl_fixture *f = NULL;
	const struct ovl_tree *lowers[2];
	int r;

	if (ovl_fixture_parse(text, "test", &f, err))
		fail_msg("parse: %s", err->msg);
	lowers[0] = ovl_fixture_tree(f, "A");
	lowers[1] = ovl_fixture_tree(f, "B");
	r = ovl_model_merge_opts(ovl_fixture_tree(f, "upper"), lowers, lowers[1] ? 2 : 1, opt, out, err);
	ovl_fixture_free(f);
	return r;
}

static void test_metacopy_without_data(void **state)
{
	struct ovl_tree *out = NULL;
	struct ovl_err err = { "" };

	(void)state;
	/* nothing below: the kernel's lookup fails, and so does the model's view */
	assert_int_equal(merge_text("[upper]\nfile /f size=3 fill=hole metacopy\n[A]\nfifo /g\n", NULL, &out, &err), -EIO);
	assert_non_null(strstr(err.msg, "/f is a metacopy file with no data below it"));
	assert_null(out);
	/* a relative redirect never reaches into a data-only layer */
	assert_int_equal(merge_text("[A]\nfile /f size=3 fill=hole metacopy xattr.trusted.overlay.redirect=\"g\"\n"
				    "[B]\nfile /g data=abc\n",
				    &(struct ovl_merge_options){ .ndata = 1 }, &out, &err),
			 -EIO);
	/* every lower data-only: refused */
	assert_int_equal(merge_text("[A]\nfifo /a\n", &(struct ovl_merge_options){ .ndata = 1 }, &out, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "data-only"));
}

static void test_marks_in_fixtures(void **state)
{
	struct ovl_fixture *f = NULL;
	struct ovl_err err = { "" };
	char *got = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	assert_int_equal(ovl_fixture_parse("dir /d metacopy\n", "t", &f, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "metacopy applies to regular files only"));
	assert_int_equal(ovl_fixture_parse("file /f xattr.trusted.overlay.metacopy=\"\"\n", "t", &f, &err), -EINVAL);
	assert_int_equal(ovl_fixture_parse("fifo /p refused\n", "t", &f, &err), -EINVAL);
	/* a dump reads back as the same tree */
	assert_int_equal(ovl_fixture_parse("file /f size=4 fill=hole metacopy\nwhiteout /w refused\n", "t", &f, &err), 0);
	out = open_memstream(&got, &len);
	ovl_tree_dump(ovl_fixture_tree(f, ""), 0, out);
	fclose(out);
	assert_non_null(strstr(got, "file /f mode=0644 uid=0 gid=0 metacopy size=4"));
	assert_non_null(strstr(got, "whiteout /w refused"));
	free(got);
	ovl_fixture_free(f);
}

static void test_refused_equals_absent(void **state)
{
	struct ovl_fixture *a = NULL, *b = NULL;
	struct ovl_err err = { "" };
	FILE *devnull = fopen("/dev/null", "w");

	(void)state;
	assert_int_equal(ovl_fixture_parse("fifo /p\nwhiteout /r refused\n", "a", &a, &err), 0);
	assert_int_equal(ovl_fixture_parse("fifo /p\n", "b", &b, &err), 0);
	assert_int_equal(ovl_tree_diff(ovl_fixture_tree(a, ""), ovl_fixture_tree(b, ""), 0, devnull), 0);
	assert_int_equal(ovl_tree_diff(ovl_fixture_tree(b, ""), ovl_fixture_tree(a, ""), 0, devnull), 0);
	ovl_fixture_free(b);
	/* a plain whiteout (a name lookup does not find) is not the same as nothing */
	assert_int_equal(ovl_fixture_parse("fifo /p\nwhiteout /r\n", "b", &b, &err), 0);
	assert_int_equal(ovl_tree_diff(ovl_fixture_tree(b, ""), ovl_fixture_tree(a, ""), 0, devnull), 1);
	fclose(devnull);
	ovl_fixture_free(a);
	ovl_fixture_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_cases),
		cmocka_unit_test(test_model_rejects_bad_layers),
		cmocka_unit_test(test_metacopy_without_data),
		cmocka_unit_test(test_marks_in_fixtures),
		cmocka_unit_test(test_refused_equals_absent),
	};

	return cmocka_run_group_tests_name("lib/model", tests, NULL, NULL);
}
