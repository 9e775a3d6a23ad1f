// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests for lib/tree: fixture parsing, dump, diff, materialize, scan. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <unistd.h>

#include <cmocka.h>

#include "ovl-model.h"
#include "ovl-common.h"

static char *dump_str(const struct ovl_tree *t, unsigned int flags)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	assert_int_equal(ovl_tree_dump(t, flags, f), 0);
	fclose(f);
	return s;
}

static char *diff_str(const struct ovl_tree *a, const struct ovl_tree *b, int *ndiff)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_non_null(f);
	*ndiff = ovl_tree_diff(a, b, 0, f);
	fclose(f);
	return s;
}

static struct ovl_fixture *parse_ok(const char *text)
{
	struct ovl_fixture *f = NULL;
	struct ovl_err err = { "" };
	int r = ovl_fixture_parse(text, "test", &f, &err);

	if (r)
		fail_msg("parse failed: %s", err.msg);
	return f;
}

/* A path through symlinks lands where the links lead; a second name of an inode has its first's entry. */
static void test_resolve_and_inode_entry(void **state)
{
	struct ovl_fixture *f = parse_ok("dir /d\nfile /d/f data=x uid=7\nhardlink /h target=\"/d/f\"\n"
					 "symlink /ld target=\"d\"\nsymlink /lf target=\"ld/f\"\n"
					 "symlink /up target=\"d/../d/./f\"\nsymlink /loop target=\"loop\"\n");
	const struct ovl_tree *t = ovl_fixture_tree(f, "");
	char out[256];

	(void)state;
	ovl_tree_resolve(t, "/ld/f", false, out, sizeof(out));
	assert_string_equal(out, "/d/f");
	ovl_tree_resolve(t, "/lf", false, out, sizeof(out));
	assert_string_equal(out, "/lf");
	ovl_tree_resolve(t, "/lf", true, out, sizeof(out));
	assert_string_equal(out, "/d/f");
	ovl_tree_resolve(t, "/up", true, out, sizeof(out));
	assert_string_equal(out, "/d/f");
	ovl_tree_resolve(t, "/ld/missing", true, out, sizeof(out));
	assert_string_equal(out, "/d/missing");
	ovl_tree_resolve(t, "/loop", true, out, sizeof(out)); /* 40 links, then it stops */
	assert_string_equal(out, "/loop");
	assert_int_equal(ovl_tree_inode_entry(t, ovl_tree_lookup(t, "/h"))->uid, 7);
	assert_ptr_equal(ovl_tree_inode_entry(t, ovl_tree_lookup(t, "/d")), ovl_tree_lookup(t, "/d"));
	assert_null(ovl_tree_inode_entry(t, NULL));
	ovl_fixture_free(f);
}

static void test_parse_defaults_and_parents(void **state)
{
	(void)state;
	struct ovl_fixture *f = parse_ok("# a comment\n"
					 "file /etc/hostname data=\"box\\n\"\n"
					 "dir /var/empty mode=0700 uid=12 gid=34\n");
	struct ovl_tree *t = ovl_fixture_tree(f, "");
	const struct ovl_entry *e;

	assert_int_equal(ovl_fixture_count(f), 1);
	assert_int_equal(ovl_tree_count(t), 5); /* / /etc /etc/hostname /var /var/empty */
	e = ovl_tree_lookup(t, "/etc");
	assert_non_null(e);
	assert_int_equal(e->type, OVL_FT_DIR);
	assert_int_equal(e->mode, 0755);
	e = ovl_tree_lookup(t, "/etc/hostname");
	assert_int_equal(e->type, OVL_FT_REG);
	assert_int_equal(e->mode, 0644);
	assert_int_equal(e->size, 4);
	assert_memory_equal(e->data, "box\n", 4);
	assert_true(e->has_digest);
	e = ovl_tree_lookup(t, "/var/empty");
	assert_int_equal(e->mode, 0700);
	assert_int_equal(e->uid, 12);
	assert_int_equal(e->gid, 34);
	/* canonical order: a directory right before its subtree */
	assert_string_equal(ovl_tree_entry_at(t, 0)->path, "/");
	assert_string_equal(ovl_tree_entry_at(t, 1)->path, "/etc");
	assert_string_equal(ovl_tree_entry_at(t, 2)->path, "/etc/hostname");
	ovl_fixture_free(f);
}

static void test_parse_sections(void **state)
{
	(void)state;
	struct ovl_fixture *f = parse_ok("[A]\nfile /f data=a\n[B]\nfile /f data=b\nwhiteout /g\n[upper]\n");

	assert_int_equal(ovl_fixture_count(f), 3);
	assert_string_equal(ovl_fixture_name_at(f, 1), "B");
	assert_int_equal(ovl_tree_lookup(ovl_fixture_tree(f, "B"), "/g")->type, OVL_FT_WHITEOUT);
	assert_int_equal(ovl_tree_count(ovl_fixture_tree(f, "upper")), 1); /* its root */
	assert_null(ovl_fixture_tree(f, "C"));
	ovl_fixture_free(f);
}

/* The known-answer digest of "abc" (FIPS 180-2). */
static void test_digest_known_answer(void **state)
{
	(void)state;
	struct ovl_fixture *f = parse_ok("file /abc data=abc\n");
	char line[512];

	assert_int_equal(ovl_entry_format(ovl_tree_lookup(ovl_fixture_tree(f, ""), "/abc"), 0, line,
					  sizeof(line)), 0);
	assert_string_equal(line, "file /abc mode=0644 uid=0 gid=0 size=3 sha256="
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ovl_fixture_free(f);
}

/*
 * Fill content over several of the parser's chunks, ending mid-chunk: the
 * digests were computed apart (Python's hashlib over bytes i % 251 + 1, and
 * over zeros), so a wrong period or chunk boundary shows here.
 */
static void test_fill_digest_known_answer(void **state)
{
	(void)state;
	struct ovl_fixture *f = parse_ok("file /p size=200000 fill=pattern\nfile /z size=200000 fill=zero\n"
					 "file /h size=200000 fill=hole\n");
	const struct {
		const char *path, *sha;
	} want[] = {
		{ "/p", "9c1a209603b044d7298788bd371c365c7131d38aee2c08dca7545ba06095d647" },
		{ "/z", "4cbbd9be0cba685835755f827758705db5a413c5494c34262cd25946a73e7582" },
		{ "/h", "4cbbd9be0cba685835755f827758705db5a413c5494c34262cd25946a73e7582" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char line[512];

		assert_int_equal(ovl_entry_format(ovl_tree_lookup(ovl_fixture_tree(f, ""), want[i].path), 0,
						  line, sizeof(line)), 0);
		if (!strstr(line, want[i].sha))
			fail_msg("%s: want sha256=%s, got: %s", want[i].path, want[i].sha, line);
	}
	ovl_fixture_free(f);
}

static const struct {
	const char *text, *want;
} bad_fixtures[] = {
	{ "fiel /a\n", "test:1: unknown entry type 'fiel'" },
	{ "file a\n", "not a valid tree path" },
	{ "file /a/../b\n", "not a valid tree path" },
	{ "file /a//b\n", "not a valid tree path" },
	{ "file /a mode=0999\n", "mode: bad value '0999'" },
	{ "file /a\nfile /a\n", "test:2: /a: listed twice" },
	{ "file /a\nfile /a/b\n", "test:2: /a/b: parent /a is a file, not a dir" },
	{ "symlink /l target=x\nfile /l/b\n", "parent /l is a symlink" },
	{ "symlink /l\n", "target= is required for a symlink" },
	{ "file /a target=x\n", "target= is not allowed for a file" },
	{ "file /a data=\"abc\n", "bad escape, quote or length" },
	{ "file /a data=\"\\q\"\n", "bad escape" },
	{ "file /a colour=red\n", "unknown attribute 'colour'" },
	{ "dir /d data=x\n", "content applies to regular files only" },
	{ "file /f opaque\n", "opaque applies to dirs only" },
	{ "whiteout /w mode=0644\n", "a whiteout takes no metadata" },
	{ "file /a data=x size=3\n", "give data= or size=/fill=, not both" },
	{ "hardlink /h target=/nope\n", "target /nope is not a regular file" },
	{ "fifo /p dev=1:2\n", "dev= applies to chr/blk only" },
	{ "chr /c dev=1\n", "dev: bad value" },
	{ "[A]\n[A]\n", "tree [A] given twice" },
	{ "[A\n", "bad section header" },
	{ "dir /d xattr.trusted.overlay.opaque=y\n", "use the opaque/whiteout/metacopy marks" },
	{ "file /a xattr.user.k=1 xattr.user.k=2\n", "given twice" },
	{ "file /a uid=-1\n", "uid: bad value" },
	{ "file /a data=\"\n", "bad escape, quote or length" },
	{ "file /a\\x00/x\n", "a NUL in it" },
	{ "file /a mode=0600\\x00junk\n", "a NUL byte is allowed only in data=" },
	{ "file /a data=abc sha256=0000000000000000000000000000000000000000000000000000000000000000\n",
	  "sha256= does not match" },
	{ "chr /c dev=0:0\n", "chr dev=0:0 is overlayfs' whiteout" },
	{ "dir /d opaque opaque=x\n", "opaque given twice" },
	{ "file /a\nhardlink /b target=/a mode=0600\n", "a hardlink takes no metadata" },
	{ "whiteout /w form=xattr\n", "its dir / must be marked opaque=x" },
	{ "dir /d\nwhiteout /d/w form=xattr\n", "its dir /d must be marked opaque=x" },
	{ "file /a size=5000000000\n", "size: bad value" },
};

static void test_parse_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_fixtures) / sizeof(bad_fixtures[0]); i++) {
		struct ovl_fixture *f = NULL;
		struct ovl_err err = { "" };
		int r = ovl_fixture_parse(bad_fixtures[i].text, "test", &f, &err);

		if (r == 0)
			fail_msg("accepted bad fixture %zu: %s", i, bad_fixtures[i].text);
		assert_null(f);
		if (!strstr(err.msg, bad_fixtures[i].want))
			fail_msg("fixture %zu: error '%s' does not say '%s'", i, err.msg,
				 bad_fixtures[i].want);
	}
}

static void test_dump_golden_and_roundtrip(void **state)
{
	(void)state;
	const char *text = "dir /d mode=0750 uid=1 gid=2 opaque xattr.user.note=\"two words\"\n"
			   "symlink /d/ln target=\"../f\"\n"
			   "file /f\\x20x size=5 fill=zero\n"
			   "chr /null dev=1:3 mode=0666\n"
			   "whiteout /gone\n";
	const char *want =
		"dir / mode=0755 uid=0 gid=0\n"
		"dir /d mode=0750 uid=1 gid=2 opaque xattr.user.note=\"two words\"\n"
		"symlink /d/ln uid=0 gid=0 target=\"../f\"\n"
		"file /f\\x20x mode=0644 uid=0 gid=0 size=5 "
		"sha256=8855508aade16ec573d21e6a485dfd0a7624085c1a14b5ecdd6485de0c6839a4\n"
		"whiteout /gone\n"
		"chr /null mode=0666 uid=0 gid=0 dev=1:3\n";
	struct ovl_fixture *f = parse_ok(text), *g;
	char *d1 = dump_str(ovl_fixture_tree(f, ""), 0), *d2;

	assert_string_equal(d1, want);
	/* A dump is itself a fixture that dumps the same. */
	g = parse_ok(d1);
	d2 = dump_str(ovl_fixture_tree(g, ""), 0);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	ovl_fixture_free(f);
	ovl_fixture_free(g);
}

static void test_diff_shows_only_differences(void **state)
{
	(void)state;
	struct ovl_fixture *a = parse_ok("file /same data=x\nfile /changed data=old\nfile /gone\n");
	struct ovl_fixture *b = parse_ok("file /same data=x\nfile /changed data=new\nfifo /new\n");
	int n = -1;
	char *d = diff_str(ovl_fixture_tree(a, ""), ovl_fixture_tree(b, ""), &n);

	assert_int_equal(n, 3);
	assert_null(strstr(d, "/same"));
	assert_non_null(strstr(d, "- file /changed mode=0644 uid=0 gid=0 size=3"));
	assert_non_null(strstr(d, "+ file /changed mode=0644 uid=0 gid=0 size=3"));
	assert_non_null(strstr(d, "- file /gone"));
	assert_non_null(strstr(d, "+ fifo /new"));
	free(d);
	d = diff_str(ovl_fixture_tree(a, ""), ovl_fixture_tree(a, ""), &n);
	assert_int_equal(n, 0);
	assert_string_equal(d, "");
	free(d);
	ovl_fixture_free(a);
	ovl_fixture_free(b);
}

static void test_tree_remove(void **state)
{
	(void)state;
	struct ovl_fixture *f = parse_ok("file /a/b/c\nfile /a/bc\nfile /ab\n");
	struct ovl_tree *t = ovl_fixture_tree(f, "");

	assert_int_equal(ovl_tree_remove(t, "/a/b"), 0);
	assert_null(ovl_tree_lookup(t, "/a/b/c"));
	assert_non_null(ovl_tree_lookup(t, "/a/bc"));
	assert_non_null(ovl_tree_lookup(t, "/ab"));
	assert_int_equal(ovl_tree_remove(t, "/a/b"), -ENOENT);
	ovl_fixture_free(f);
}

static int make_tmpdir(void **state)
{
	char tmpl[] = "/tmp/ovl-tree-test.XXXXXX";
	char *d = mkdtemp(tmpl);

	if (!d)
		return -1;
	*state = strdup(d);
	return 0;
}

static int remove_tmpdir(void **state)
{
	ovl_remove_tree(*state);
	free(*state);
	return 0;
}

/* Materialize then scan: what comes back dumps exactly as the fixture. */
static void roundtrip(const char *dir, const char *text, unsigned int mflags, unsigned int dflags)
{
	struct ovl_fixture *f = parse_ok(text);
	struct ovl_tree *t = NULL;
	struct ovl_err err = { "" };
	char *want, *got;

	if (ovl_tree_materialize(ovl_fixture_tree(f, ""), dir, mflags, &err))
		fail_msg("materialize: %s", err.msg);
	if (ovl_tree_scan(dir, 0, &t, &err))
		fail_msg("scan: %s", err.msg);
	want = dump_str(ovl_fixture_tree(f, ""), dflags);
	got = dump_str(t, dflags);
	assert_string_equal(got, want);
	free(want);
	free(got);
	ovl_tree_unref(t);
	ovl_fixture_free(f);
}

static void test_materialize_scan_unprivileged(void **state)
{
	char sub[256];

	snprintf(sub, sizeof(sub), "%s/u", (char *)*state);
	assert_int_equal(mkdir(sub, 0755), 0);
	roundtrip(sub,
		  "dir / mode=0755\n"
		  "dir /ro mode=0555\n"
		  "file /ro/inside data=\"x\"\n"
		  "file /big size=200000 fill=pattern mode=0600\n"
		  "file /sparse size=1048576 fill=hole\n"
		  "file /x data=hi xattr.user.a=\"1\" xattr.user.b=\"\\x00\\xff\"\n"
		  "symlink /ln target=\"ro/inside\"\n"
		  "hardlink /x2 target=/x\n"
		  "hardlink /a-before-its-target target=/x\n"
		  "fifo /p mode=0640\n"
		  "sock /s mode=0600\n",
		  OVL_MAT_NO_OWNER, OVL_DUMP_NO_OWNER | 0);
}

static void test_materialize_scan_privileged(void **state)
{
	char sub[256];

	if (geteuid() != 0)
		skip();
	snprintf(sub, sizeof(sub), "%s/p", (char *)*state);
	assert_int_equal(mkdir(sub, 0755), 0);
	roundtrip(sub,
		  "dir / mode=0755 uid=0 gid=0\n"
		  "dir /o opaque uid=7 gid=8\n"
		  "dir /x opaque=x\n"
		  "whiteout /x/w form=xattr\n"
		  "whiteout /w\n"
		  "chr /c dev=1:3 mode=0620 uid=5\n"
		  "blk /b dev=7:250 mode=0600\n"
		  "file /suid mode=4755 uid=1000 gid=1000 data=s\n"
		  "file /t data=t xattr.trusted.other=\"v\"\n",
		  0, 0);
}

/* Nothing lands outside the target: a symlinked parent is refused. */
static void test_materialize_stays_beneath(void **state)
{
	char sub[256], out[256], link[300];
	struct ovl_fixture *f = parse_ok("file /esc/f data=x\n");
	struct ovl_err err = { "" };
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/b", (char *)*state);
	snprintf(out, sizeof(out), "%s/outside", (char *)*state);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(mkdir(out, 0755), 0);
	/* A hostile pre-existing symlink where the fixture wants a dir. */
	snprintf(link, sizeof(link), "%s/esc", sub);
	assert_int_equal(symlink(out, link), 0);
	assert_int_not_equal(ovl_tree_materialize(ovl_fixture_tree(f, ""), sub, OVL_MAT_NO_OWNER, &err), 0);
	assert_non_null(strstr(err.msg, "/esc"));
	snprintf(out + strlen(out), sizeof(out) - strlen(out), "/f");
	assert_int_equal(stat(out, &st), -1);
	ovl_fixture_free(f);
}

/* A parsed dump knows content by digest only: it parses, but never materializes. */
static void test_digest_only_is_not_materialized(void **state)
{
	struct ovl_fixture *f = parse_ok("file /f size=3 sha256="
					 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
	struct ovl_err err = { "" };
	char sub[256];

	snprintf(sub, sizeof(sub), "%s/d", (char *)*state);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(ovl_tree_materialize(ovl_fixture_tree(f, ""), sub, OVL_MAT_NO_OWNER, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "/f: content known only by its sha256"));
	ovl_fixture_free(f);
}

/* opaque=x and xattr whiteouts mean something in lower layers only. */
static void test_scan_upper_keeps_xattr_whiteouts_as_files(void **state)
{
	struct ovl_fixture *f = parse_ok("dir /x opaque=x\nwhiteout /x/w form=xattr\n");
	struct ovl_tree *t = NULL;
	struct ovl_err err = { "" };
	const struct ovl_entry *e;
	char sub[256];

	if (geteuid() != 0)
		skip();
	snprintf(sub, sizeof(sub), "%s/up", (char *)*state);
	assert_int_equal(mkdir(sub, 0755), 0);
	if (ovl_tree_materialize(ovl_fixture_tree(f, ""), sub, 0, &err))
		fail_msg("materialize: %s", err.msg);
	assert_int_equal(ovl_tree_scan(sub, OVL_SCAN_UPPER, &t, &err), 0);
	e = ovl_tree_lookup(t, "/x/w");
	assert_int_equal(e->type, OVL_FT_REG);
	assert_int_equal(ovl_tree_lookup(t, "/x")->flags & OVL_ENTRY_XWHITEOUTS, 0);
	ovl_tree_unref(t);
	assert_int_equal(ovl_tree_scan(sub, 0, &t, &err), 0);
	assert_int_equal(ovl_tree_lookup(t, "/x/w")->type, OVL_FT_WHITEOUT);
	ovl_tree_unref(t);
	ovl_fixture_free(f);
}

/*
 * A userxattr union's layer: with OVL_SCAN_USERXATTR its user.overlay.*
 * marks read as overlay's (an opaque dir, the bookkeeping xattrs under the
 * trusted.overlay. names the rest of the model knows, sorted); without, they
 * are ordinary xattrs.
 */
static void test_scan_userxattr_marks(void **state)
{
	struct ovl_tree *t = NULL;
	struct ovl_err err = { "" };
	const struct ovl_entry *e;
	char d[256];

	snprintf(d, sizeof(d), "%s/d", (char *)*state);
	assert_int_equal(mkdir(d, 0755), 0);
	if (setxattr(d, "user.overlay.opaque", "y", 1, 0)) {
		if (errno == ENOTSUP)
			skip();
		fail_msg("setxattr %s: %s", d, strerror(errno));
	}
	assert_int_equal(setxattr(d, "user.overlay.origin", "o", 1, 0), 0);
	assert_int_equal(setxattr(d, "user.a", "1", 1, 0), 0);
	assert_int_equal(ovl_tree_scan((char *)*state, OVL_SCAN_UPPER | OVL_SCAN_USERXATTR, &t, &err), 0);
	e = ovl_tree_lookup(t, "/d");
	assert_non_null(e);
	assert_true(e->flags & OVL_ENTRY_OPAQUE);
	assert_int_equal(e->nxattrs, 2);
	assert_string_equal(e->xattrs[0].name, "trusted.overlay.origin");
	assert_string_equal(e->xattrs[1].name, "user.a");
	ovl_tree_unref(t);
	assert_int_equal(ovl_tree_scan((char *)*state, OVL_SCAN_UPPER, &t, &err), 0);
	e = ovl_tree_lookup(t, "/d");
	assert_false(e->flags & OVL_ENTRY_OPAQUE);
	assert_int_equal(e->nxattrs, 3);
	ovl_tree_unref(t);
}

static void test_scan_missing_dir(void **state)
{
	(void)state;
	struct ovl_tree *t = NULL;
	struct ovl_err err = { "" };

	assert_int_equal(ovl_tree_scan("/nonexistent/ovl", 0, &t, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/ovl: cannot open dir"));
	assert_null(t);
}


/* Write text as path's whole content (mtime and ctime now). */
static void write_at(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const struct ovl_entry *entry(const struct ovl_tree *t, const char *path)
{
	const struct ovl_entry *e = ovl_tree_lookup(t, path);

	assert_non_null(e);
	return e;
}

/*
 * The content cache: a file read while racily clean is read again; one
 * whose ctime lay well before the read is taken from the cache while size,
 * mtime and ctime stay; any change of them reads it again; FRESH always
 * reads; verify finds content that changed under the same size and times.
 */
static void test_scan_cache(void **state)
{
	struct ovl_scan_cache *c = ovl_scan_cache_new();
	struct ovl_err err = { "" };
	struct ovl_tree *t = NULL;
	char dir[256], f1[300], f2[300], why[256];
	unsigned char d1[32];
	unsigned long n = 0;
	snprintf(dir, sizeof(dir), "%s/c", (char *)*state);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(f1, sizeof(f1), "%s/one", dir);
	snprintf(f2, sizeof(f2), "%s/two", dir);
	write_at(f1, "first");
	write_at(f2, "other");
	/* just written: racily clean, never cached */
	assert_int_equal(ovl_tree_scan_cached(dir, 0, c, &t, &err), 0);
	memcpy(d1, entry(t, "/one")->sha256, 32);
	ovl_tree_unref(t);
	assert_int_equal(ovl_tree_scan_cached(dir, 0, c, &t, &err), 0);
	ovl_tree_unref(t);
	assert_int_equal(ovl_scan_cache_hits(c), 0);
	/* 50 ms later: cached at the next read, used at the one after */
	usleep(50000);
	assert_int_equal(ovl_tree_scan_cached(dir, 0, c, &t, &err), 0);
	ovl_tree_unref(t);
	assert_int_equal(ovl_scan_cache_hits(c), 0);
	assert_int_equal(ovl_tree_scan_cached(dir, 0, c, &t, &err), 0);
	assert_int_equal(ovl_scan_cache_hits(c), 2);
	assert_memory_equal(entry(t, "/one")->sha256, d1, 32);
	ovl_tree_unref(t);
	/* FRESH reads all the same */
	assert_int_equal(ovl_tree_scan_cached(dir, OVL_SCAN_FRESH, c, &t, &err), 0);
	ovl_tree_unref(t);
	assert_int_equal(ovl_scan_cache_hits(c), 2);
	/* a write of the same size renews ctime: read again, the new digest */
	write_at(f1, "FIRST");
	assert_int_equal(ovl_tree_scan_cached(dir, 0, c, &t, &err), 0);
	assert_memory_not_equal(entry(t, "/one")->sha256, d1, 32);
	ovl_tree_unref(t);
	assert_int_equal(ovl_scan_cache_hits(c), 3); /* only /two */
	/* nothing is stale: verify agrees */
	usleep(50000);
	assert_int_equal(ovl_tree_scan_cached(dir, 0, c, &t, &err), 0);
	ovl_tree_unref(t);
	assert_int_equal(ovl_scan_cache_verify(c, dir, 0, &n, why, sizeof(why), &err), 0);
	assert_int_equal(n, 2);
	/*
	 * A file whose content changes while size, mtime and ctime do not
	 * (which POSIX rules out, and an offline change of a filesystem image
	 * does) is what verify is for: a fresh scan that differs from the
	 * cache for a file whose stat did not move is counted and named.
	 */
	assert_int_equal(ovl_tree_scan(dir, 0, &t, &err), 0);
	{
		struct ovl_tree *fresh = ovl_tree_new();
		struct ovl_entry changed = *entry(t, "/two");

		changed.data_ref = NULL;
		changed.sha256[0] ^= 0xff;
		assert_int_equal(ovl_tree_add(fresh, entry(t, "/one"), &err), 0);
		assert_int_equal(ovl_tree_add(fresh, &changed, &err), 0);
		assert_int_equal(ovl_scan_cache_compare(c, dir, fresh, &n, why, sizeof(why)), 1);
		assert_int_equal(n, 2);
		assert_string_equal(why, "/two");
		/* once its stat moved, the cache would not have been used: no complaint */
		write_at(f2, "other");
		assert_int_equal(ovl_scan_cache_compare(c, dir, fresh, &n, why, sizeof(why)), 0);
		ovl_tree_unref(fresh);
	}
	ovl_tree_unref(t);
	ovl_scan_cache_clear(c);
	assert_int_equal(ovl_scan_cache_hits(c), 0);
	ovl_scan_cache_free(c);
}

/* Copies of an entry share its data; a tree keeps it when the caller's copy goes. */
static void test_tree_data_shared(void **state)
{
	struct ovl_tree *a = ovl_tree_new(), *b = ovl_tree_new();
	struct ovl_err err = { "" };
	char *bytes = strdup("content");
	struct ovl_entry e = { .path = "/f", .type = OVL_FT_REG, .mode = 0644, .layer = { -1 }, .size = 7 };
	const struct ovl_entry *x, *y;

	(void)state;
	e.data = (unsigned char *)bytes;
	e.data_len = 7;
	assert_int_equal(ovl_tree_add(a, &e, &err), 0);
	free(bytes); /* the caller's: the tree has its own */
	x = entry(a, "/f");
	assert_non_null(x->data_ref);
	assert_int_equal(ovl_tree_add(b, x, &err), 0);
	y = entry(b, "/f");
	assert_ptr_equal(x->data, y->data);
	ovl_tree_unref(a);
	assert_memory_equal(y->data, "content", 7);
	ovl_tree_unref(b);
}

/* A tree holding immutable and append-only names still goes (the scratch dir of a case killed mid-way). */
static void test_remove_tree_with_inode_flags(void **state)
{
	char root[] = "/tmp/test_tree_flags.XXXXXX", p[128];
	int fd, fl = FS_IMMUTABLE_FL;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/d", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/d/f", root);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	fd = open(p, O_RDONLY);
	if (ioctl(fd, FS_IOC_SETFLAGS, &fl)) {
		/* no CAP_LINUX_IMMUTABLE, or a filesystem without flags: nothing to show here */
		close(fd);
		assert_int_equal(ovl_remove_tree(root), 0);
		skip();
	}
	close(fd);
	snprintf(p, sizeof(p), "%s/d", root);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	fl = FS_APPEND_FL;
	assert_int_equal(ioctl(fd, FS_IOC_SETFLAGS, &fl), 0);
	close(fd);
	assert_int_equal(ovl_remove_tree(root), 0);
	assert_int_equal(access(root, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_tree_with_inode_flags),
		cmocka_unit_test(test_parse_defaults_and_parents),
		cmocka_unit_test(test_parse_sections),
		cmocka_unit_test(test_digest_known_answer),
		cmocka_unit_test(test_fill_digest_known_answer),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_dump_golden_and_roundtrip),
		cmocka_unit_test(test_diff_shows_only_differences),
		cmocka_unit_test(test_tree_remove),
		cmocka_unit_test(test_scan_missing_dir),
		cmocka_unit_test(test_tree_data_shared),
		cmocka_unit_test_setup_teardown(test_scan_cache, make_tmpdir, remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_scan_userxattr_marks, make_tmpdir, remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_materialize_scan_unprivileged, make_tmpdir, remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_materialize_scan_privileged, make_tmpdir, remove_tmpdir),
		cmocka_unit_test(test_resolve_and_inode_entry),
		cmocka_unit_test_setup_teardown(test_materialize_stays_beneath, make_tmpdir, remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_digest_only_is_not_materialized, make_tmpdir, remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_scan_upper_keeps_xattr_whiteouts_as_files, make_tmpdir,
						remove_tmpdir),
	};

	return cmocka_run_group_tests_name("lib/tree", tests, NULL, NULL);
}
