// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for lib/tarlayer: the public small-layer vector, DiffIDs of
 * plain and gzip streams, whiteout and opaque conversion, Docker's size
 * rule, and every hostile tar of fixtures/tars/ refused with its error,
 * leaving the diff dir empty and nothing written beside it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <stdbool.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#include <zlib.h>

#include "ovl-store.h"
#include "ovl-common.h"

static char tmp[] = "/tmp/ovl-tarlayer-test.XXXXXX";

static const char *fixtures(void)
{
	return getenv("OVL_FIXTURES") ? getenv("OVL_FIXTURES") : "fixtures";
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return ovl_remove_tree(tmp);
}

/* A fresh empty diff dir under tmp. */
static const char *fresh(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	ovl_remove_tree(path);
	if (ovl_mkdir_p(path, 0755))
		fail_msg("mkdir %s: %s", path, strerror(errno));
	return path;
}

static char *dump_of(const char *dir)
{
	struct ovl_tree *t = NULL;
	struct ovl_err err = { "" };
	char *s = NULL;
	size_t n = 0;
	FILE *f;

	if (ovl_tree_scan(dir, 0, &t, &err))
		fail_msg("scan: %s", err.msg);
	f = open_memstream(&s, &n);
	ovl_tree_dump(t, 0, f);
	fclose(f);
	ovl_tree_unref(t);
	return s;
}

static void assert_digest_str(const struct ovl_digest *d, const char *want)
{
	char s[OVL_DIGEST_STRLEN];

	ovl_digest_format(d, s);
	assert_string_equal(s, want);
}

static const struct ovl_import_opts *mflags(void)
{
	static struct ovl_import_opts o;

	o.flags = geteuid() == 0 ? 0 : OVL_IMPORT_NO_OWNER;
	return &o;
}

static void test_small_layer_vector(void **state)
{
	char tar[512];
	struct ovl_import_result res;
	struct ovl_err err = { "" };
	const char *diff = fresh("small");
	char *d;

	(void)state;
	if (geteuid() != 0)
		skip(); /* the layer holds a whiteout: mknod 0/0 needs root */
	snprintf(tar, sizeof(tar), "%s/vectors/small-layer.tar", fixtures());
	if (ovl_layer_import_file(tar, diff, NULL, &res, &err))
		fail_msg("import: %s", err.msg);
	assert_digest_str(&res.diff_id, "sha256:590b0b2a98fe3cde78b72eed6b717817a168adc3186e133eff626a56db7577d3");
	assert_int_equal(res.tar_bytes, 3072);
	assert_int_equal(res.size, 6);
	assert_int_equal(res.entries, 3);
	assert_false(res.gzip);
	d = dump_of(diff);
	assert_string_equal(d, "dir / mode=0755 uid=0 gid=0\n"
			       "dir /etc mode=0755 uid=0 gid=0\n"
			       "file /etc/hostname mode=0644 uid=0 gid=0 size=6 "
			       "sha256=5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\n"
			       "whiteout /etc/old.conf\n");
	free(d);
}

/* Gzip the file src into dst with zlib. */
static void gzip_file(const char *src, const char *dst)
{
	char *data = NULL;
	size_t len = 0;
	gzFile g;

	assert_int_equal(ovl_read_file(src, &data, &len, 1 << 24), 0);
	g = gzopen(dst, "wb9");
	assert_non_null(g);
	assert_int_equal(gzwrite(g, data, (unsigned int)len), (int)len);
	gzclose(g);
	free(data);
}

static void test_gzip_gives_the_uncompressed_diff_id(void **state)
{
	char tar[512], gz[512];
	struct ovl_import_result res;
	struct ovl_err err = { "" };

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(tar, sizeof(tar), "%s/vectors/small-layer.tar", fixtures());
	snprintf(gz, sizeof(gz), "%s/small-layer.tar.gz", tmp);
	gzip_file(tar, gz);
	if (ovl_layer_import_file(gz, fresh("gz"), NULL, &res, &err))
		fail_msg("import: %s", err.msg);
	assert_true(res.gzip);
	assert_int_equal(res.tar_bytes, 3072);
	assert_digest_str(&res.diff_id, "sha256:590b0b2a98fe3cde78b72eed6b717817a168adc3186e133eff626a56db7577d3");
}

static void write_bytes(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(ovl_write_all(fd, buf, len), 0);
	close(fd);
}

/* The empty tar, and the same with the trailing zeros GNU tar pads to 10 KiB. */
static void test_empty_tars(void **state)
{
	static unsigned char zeros[10240];
	char path[512];
	struct ovl_import_result res;
	struct ovl_err err = { "" };
	struct ovl_digest want;

	(void)state;
	snprintf(path, sizeof(path), "%s/empty.tar", tmp);
	write_bytes(path, zeros, 1024);
	if (ovl_layer_import_file(path, fresh("empty"), mflags(), &res, &err))
		fail_msg("import: %s", err.msg);
	assert_digest_str(&res.diff_id, "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");
	assert_int_equal(res.size, 0);
	write_bytes(path, zeros, sizeof(zeros));
	if (ovl_layer_import_file(path, fresh("empty2"), mflags(), &res, &err))
		fail_msg("import: %s", err.msg);
	ovl_digest_bytes(zeros, sizeof(zeros), &want);
	assert_true(ovl_digest_equal(&res.diff_id, &want));
	assert_int_equal(res.tar_bytes, sizeof(zeros));
}

/* Write a tar with libarchive: entries given as type, name, content or link target (device numbers). */
struct tentry {
	mode_t type;
	const char *name, *data, *link;
	mode_t mode;
	unsigned int major, minor;
};

static void make_tar(const char *path, const struct tentry *v, size_t n)
{
	struct archive *a = archive_write_new();

	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = v[i].data ? strlen(v[i].data) : 0;

		archive_entry_set_pathname(e, v[i].name);
		archive_entry_set_filetype(e, v[i].type);
		archive_entry_set_perm(e, v[i].mode ? v[i].mode : v[i].type == AE_IFDIR ? 0755 : 0644);
		archive_entry_set_mtime(e, 1700000000, 0);
		if (v[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, v[i].link);
		if (v[i].type == AE_IFCHR || v[i].type == AE_IFBLK)
			archive_entry_set_rdev(e, makedev(v[i].major, v[i].minor));
		if (v[i].type == AE_IFREG && v[i].link) {
			archive_entry_set_hardlink(e, v[i].link);
			len = 0;
		}
		archive_entry_set_size(e, (la_int64_t)len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, v[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
}

static void test_conversions_and_size(void **state)
{
	static const struct tentry v[] = {
		{ AE_IFDIR, "d/", NULL, NULL, 0750 },
		{ AE_IFREG, "d/.wh..wh..opq", "", NULL, 0 },
		{ AE_IFREG, "d/f", "12345", NULL, 0600 },
		{ AE_IFREG, "d/g", NULL, "d/f", 0640 },
		{ AE_IFREG, "d/.wh.gone", "", NULL, 0 },
		{ AE_IFLNK, "ln", NULL, "d/f", 0777 },
		{ AE_IFIFO, "p", NULL, NULL, 0640 },
		{ AE_IFREG, "x/y/implied", "yz", NULL, 0 },
		{ AE_IFDIR, ".wh..wh.plnk/", NULL, NULL, 0 },
	};
	char path[512];
	struct ovl_import_result res;
	struct ovl_err err = { "" };
	const char *diff = fresh("conv");
	char *d;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(path, sizeof(path), "%s/conv.tar", tmp);
	make_tar(path, v, sizeof(v) / sizeof(v[0]));
	if (ovl_layer_import_file(path, diff, NULL, &res, &err))
		fail_msg("import: %s", err.msg);
	d = dump_of(diff);
	assert_string_equal(d,
		"dir / mode=0755 uid=0 gid=0\n"
		"dir /d mode=0750 uid=0 gid=0 opaque\n"
		/* 0640: the hard link's header, the last of the inode, as Docker applies it */
		"file /d/f mode=0640 uid=0 gid=0 size=5 "
		"sha256=5994471abb01112afcc18159f6cc74b4f511b99806da59b3caf5a9c173cacfc5\n"
		"hardlink /d/g target=\"/d/f\"\n"
		"whiteout /d/gone\n"
		"symlink /ln uid=0 gid=0 target=\"d/f\"\n"
		"fifo /p mode=0640 uid=0 gid=0\n"
		"dir /x mode=0755 uid=0 gid=0\n"
		"dir /x/y mode=0755 uid=0 gid=0\n"
		"file /x/y/implied mode=0644 uid=0 gid=0 size=2 "
		"sha256=68d617d6d2ee5715af77d9795566cfaba9a43a33d14cbbc95831c507c935bad1\n");
	free(d);
	/* 5 (d/f, its hard link once) + 3 (the symlink's target "d/f") + 2 */
	assert_int_equal(res.size, 10);
}

/*
 * What Docker takes (suite/cases/0304-docker-accepts.c watches dockerd do
 * it): a whiteout then an entry of its name (the entry stays), a whiteout
 * with data (the whiteout, no data), a ".." that stays inside the root
 * (cleaned away), device nodes (kept).
 */
static void test_takes_what_docker_takes(void **state)
{
	static const struct tentry v[] = {
		{ AE_IFREG, ".wh.x", "", NULL, 0 },
		{ AE_IFREG, "x", "entry\n", NULL, 0 },
		{ AE_IFREG, ".wh.y", "junk in a whiteout\n", NULL, 0 },
		{ AE_IFDIR, "a/", NULL, NULL, 0 },
		{ AE_IFREG, "a/../b", "b\n", NULL, 0 },
		{ AE_IFDIR, "dev/", NULL, NULL, 0 },
	};
	char path[512];
	struct ovl_import_result res;
	struct ovl_err err = { "" };
	char diff[512], devdir[512], *d;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(diff, sizeof(diff), "%s", fresh("docker-takes"));
	snprintf(devdir, sizeof(devdir), "%s", fresh("docker-takes-dev"));
	snprintf(path, sizeof(path), "%s/docker-takes.tar", tmp);
	make_tar(path, v, sizeof(v) / sizeof(v[0]));
	{
		static const struct tentry devs[] = {
			{ AE_IFCHR, "dev/null", NULL, NULL, 0666, 1, 3 },
			{ AE_IFBLK, "dev/sda", NULL, NULL, 0666, 8, 0 },
		};
		char path2[600];

		snprintf(path2, sizeof(path2), "%s/docker-takes-dev.tar", tmp);
		make_tar(path2, devs, sizeof(devs) / sizeof(devs[0]));
		if (ovl_layer_import_file(path2, devdir, NULL, &res, &err))
			fail_msg("import of device nodes: %s", err.msg);
		d = dump_of(devdir);
		assert_non_null(strstr(d, "chr /dev/null mode=0666 uid=0 gid=0 dev=1:3\n"));
		assert_non_null(strstr(d, "blk /dev/sda mode=0666 uid=0 gid=0 dev=8:0\n"));
		free(d);
	}
	/* strict: each of them refused, naming the entry */
	{
		static const struct ovl_import_opts strict = { .flags = OVL_IMPORT_STRICT };
		char devtar[600];

		assert_int_equal(ovl_layer_import_file(path, diff, &strict, &res, &err), -EEXIST);
		assert_non_null(strstr(err.msg, "x: the layer also whites this name out (strict"));
		snprintf(devtar, sizeof(devtar), "%s/docker-takes-dev.tar", tmp);
		assert_int_equal(ovl_layer_import_file(devtar, fresh("docker-takes-strict"), &strict, &res, &err), -EPERM);
		assert_non_null(strstr(err.msg, "dev/null: a device node (1:3) (strict"));
	}
	if (ovl_layer_import_file(path, diff, NULL, &res, &err))
		fail_msg("import: %s", err.msg);
	d = dump_of(diff);
	assert_string_equal(d,
		"dir / mode=0755 uid=0 gid=0\n"
		"dir /a mode=0755 uid=0 gid=0\n"
		"file /b mode=0644 uid=0 gid=0 size=2 "
		"sha256=0263829989b6fd954f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f\n"
		"dir /dev mode=0755 uid=0 gid=0\n"
		"file /x mode=0644 uid=0 gid=0 size=6 "
		"sha256=6e1c1326f48d0c74e7f089ddbb0fad5f3a3848f234f7ba0235d1ca29edbbb2cb\n"
		"whiteout /y\n");
	free(d);
}

static void test_hostile_fixtures(void **state)
{
	char dir[512];
	DIR *d;
	struct dirent *de;
	int n = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tars", fixtures());
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		char tar[1024], errf[1100], *want = NULL, *left;
		struct ovl_import_result res;
		struct ovl_err err = { "" };
		const char *diff;
		DIR *check;
		struct dirent *dent;
		int r, count = 0;

		if (strncmp(de->d_name, "should-fail-", 12) != 0 || strstr(de->d_name, ".err"))
			continue;
		snprintf(tar, sizeof(tar), "%s/%s", dir, de->d_name);
		snprintf(errf, sizeof(errf), "%s.err", tar);
		if (ovl_read_file(errf, &want, NULL, 4096))
			fail_msg("%s has no .err file", tar);
		want[strcspn(want, "\n")] = 0;
		diff = fresh("hostile/diff");
		r = ovl_layer_import_file(tar, diff, mflags(), &res, &err);
		if (r == 0)
			fail_msg("%s was accepted", de->d_name);
		/* The message names the input first; the reason must follow, not match the name. */
		if (strncmp(err.msg, tar, strlen(tar)) != 0 || !strstr(err.msg + strlen(tar), want))
			fail_msg("%s: error '%s' does not say '%s' after the file name", de->d_name, err.msg,
				 want);
		/* The diff dir is empty again, and nothing appeared beside it. */
		check = opendir(diff);
		while (check && (dent = readdir(check)))
			if (++count > 2)
				fail_msg("%s: %s/%s is left after the failed import", de->d_name, diff,
					 dent->d_name);
		if (check)
			closedir(check);
		snprintf(errf, sizeof(errf), "%s/hostile", tmp);
		check = opendir(errf);
		count = 0;
		while (check && readdir(check))
			count++;
		closedir(check);
		assert_int_equal(count, 3); /* ., .. and diff */
		left = want;
		free(left);
		n++;
	}
	closedir(d);
	assert_true(n >= 20);
}

static void test_refuses_a_non_empty_dir(void **state)
{
	char path[512];
	struct ovl_import_result res;
	struct ovl_err err = { "" };
	const char *diff = fresh("nonempty");

	(void)state;
	snprintf(path, sizeof(path), "%s/keep", diff);
	write_bytes(path, "k", 1);
	snprintf(path, sizeof(path), "%s/vectors/small-layer.tar", fixtures());
	assert_int_equal(ovl_layer_import_file(path, diff, mflags(), &res, &err), -ENOTEMPTY);
	assert_non_null(strstr(err.msg, "the diff dir is not empty"));
	snprintf(path, sizeof(path), "%s/keep", diff);
	assert_int_equal(access(path, F_OK), 0);
}

/* Import with tar-split, export, and compare with the original stream byte for byte. */
static void roundtrip(const char *tar, const char *tag, const struct ovl_digest *want_id)
{
	char ts[512], out[512], diffname[64];
	struct ovl_import_opts o = { .flags = mflags()->flags, .tarsplit = ts };
	struct ovl_import_result res;
	struct ovl_err err = { "" };
	struct ovl_digest again;
	uint64_t bytes = 0;
	char *orig = NULL, *back = NULL;
	size_t lo = 0, lb = 0;
	const char *diff;
	int fd;

	snprintf(diffname, sizeof(diffname), "rt-%s/diff", tag);
	diff = fresh(diffname);
	snprintf(ts, sizeof(ts), "%s/rt-%s/tar-split.json.gz", tmp, tag);
	snprintf(out, sizeof(out), "%s/rt-%s/out.tar", tmp, tag);
	unlink(ts);
	if (ovl_layer_import_file(tar, diff, &o, &res, &err))
		fail_msg("%s: import: %s", tag, err.msg);
	if (want_id)
		assert_true(ovl_digest_equal(&res.diff_id, want_id));
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	if (ovl_layer_export(diff, ts, fd, &again, &bytes, &err))
		fail_msg("%s: export: %s", tag, err.msg);
	close(fd);
	assert_true(ovl_digest_equal(&again, &res.diff_id));
	assert_int_equal(bytes, res.tar_bytes);
	assert_int_equal(ovl_read_file(out, &back, &lb, 1 << 26), 0);
	if (!res.gzip) {
		assert_int_equal(ovl_read_file(tar, &orig, &lo, 1 << 26), 0);
		assert_int_equal(lo, lb);
		assert_memory_equal(orig, back, lo);
	}
	free(orig);
	free(back);
}

static void test_export_gives_the_stream_back(void **state)
{
	char tar[512], gz[512];
	struct ovl_digest want;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(tar, sizeof(tar), "%s/vectors/small-layer.tar", fixtures());
	ovl_digest_parse("sha256:590b0b2a98fe3cde78b72eed6b717817a168adc3186e133eff626a56db7577d3", &want);
	roundtrip(tar, "small", &want);
	snprintf(gz, sizeof(gz), "%s/small-layer.tar.gz", tmp);
	gzip_file(tar, gz);
	roundtrip(gz, "small-gz", &want);
}

/* Every tar format libarchive writes, long names, a multi-chunk file, trailing garbage. */
static void test_export_all_formats(void **state)
{
	static const int formats[] = { ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FORMAT_TAR_GNUTAR,
				       ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE };
	char longname[220], longtarget[300];
	char *big = malloc(700000);

	(void)state;
	for (size_t i = 0; i < 700000; i++)
		big[i] = (char)(i * 7 + i / 1000);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	memcpy(longname, "deep/", 5);
	memset(longtarget, 't', sizeof(longtarget) - 1);
	longtarget[sizeof(longtarget) - 1] = 0;
	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		char path[512], tag[32];
		struct archive *a = archive_write_new();
		bool ustar = formats[f] == ARCHIVE_FORMAT_TAR_USTAR;
		FILE *fp;

		snprintf(path, sizeof(path), "%s/fmt%zu.tar", tmp, f);
		archive_write_set_format(a, formats[f]);
		assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
		for (int k = 0; k < 6; k++) {
			struct archive_entry *e = archive_entry_new();
			const char *names[] = { "deep/", ustar ? "deep/short" : longname, "big", "empty",
						"ln", "hl" };
			size_t len = k == 1 ? 5 : k == 2 ? 700000 : 0;

			archive_entry_set_pathname(e, names[k]);
			archive_entry_set_filetype(e, k == 0 ? AE_IFDIR : k == 4 ? AE_IFLNK : AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_mtime(e, 1700000000 + k, 0);
			if (k == 4)
				archive_entry_set_symlink(e, ustar ? "big" : longtarget);
			if (k == 5)
				archive_entry_set_hardlink(e, "big");
			archive_entry_set_size(e, (la_int64_t)len);
			assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
			if (len)
				assert_int_equal(archive_write_data(a, k == 1 ? "12345" : big, len), (la_ssize_t)len);
			archive_entry_free(e);
		}
		archive_write_close(a);
		archive_write_free(a);
		/* Trailing bytes after the end of the archive count in the DiffID (3 MiB: several segments). */
		fp = fopen(path, "ab");
		for (int k = 0; k < 3; k++)
			fwrite(big, 1, 1 << 20 > 700000 ? 700000 : 1 << 20, fp);
		fwrite("tail", 1, 4, fp);
		fclose(fp);
		snprintf(tag, sizeof(tag), "fmt%zu", f);
		roundtrip(path, tag, NULL);
	}
	free(big);
}

/* A changed or shortened file, or a broken tar-split, is found, never exported silently. */
static void test_export_detects_changes(void **state)
{
	char tar[512], ts[512], f[512];
	struct ovl_import_opts o = { .tarsplit = ts };
	struct ovl_import_result res;
	struct ovl_err err = { "" };
	struct ovl_digest d;
	const char *diff = fresh("chg/diff");
	gzFile g;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(tar, sizeof(tar), "%s/vectors/small-layer.tar", fixtures());
	snprintf(ts, sizeof(ts), "%s/chg/ts.json.gz", tmp);
	if (ovl_layer_import_file(tar, diff, &o, &res, &err))
		fail_msg("import: %s", err.msg);
	snprintf(f, sizeof(f), "%s/etc/hostname", diff);
	write_bytes(f, "HELLO\n", 6);
	assert_int_equal(ovl_layer_export(diff, ts, -1, &d, NULL, &err), -EIO);
	assert_non_null(strstr(err.msg, "etc/hostname: content differs from what was imported"));
	write_bytes(f, "hel", 3);
	assert_int_not_equal(ovl_layer_export(diff, ts, -1, &d, NULL, &err), 0);
	assert_non_null(strstr(err.msg, "etc/hostname: shorter than its tar entry says"));
	write_bytes(f, "hello\n", 6);
	assert_int_equal(ovl_layer_export(diff, ts, -1, &d, NULL, &err), 0);
	assert_true(ovl_digest_equal(&d, &res.diff_id));
	/* Hostile tar-split content (a FIFO must not hang the export). */
	snprintf(f, sizeof(f), "%s/fifo", diff);
	assert_int_equal(mkfifo(f, 0644), 0);
	static const char *const bad[][2] = {
		/* cleaned as Docker cleans names: it stays inside the layer */
		{ "{\"type\":1,\"name\":\"../../etc/passwd\",\"size\":5,\"payload\":\"AAAAAAAAAAA=\",\"position\":0}\n",
		  "chg/diff/etc/passwd: No such file or directory" },
		{ "{\"type\":1,\"name\":\"fifo\",\"size\":5,\"payload\":\"AAAAAAAAAAA=\",\"position\":0}\n",
		  "chg/diff/fifo: not a regular file" },
		{ "{\"type\":2,\"payload\":\"AA A\",\"position\":0}\n", "segment payload is not base64" },
		{ "{\"type\":2,\"payload\":\"AAAA\",\"position\":3}\n", "position 3 out of order" },
		{ "{\"type\":2,\"payload\":\"!!!\",\"position\":0}\n", "segment payload is not base64" },
		{ "{\"type\":7,\"position\":0}\n", "unknown entry type 7" },
		{ "not json\n", "line 1: not a tar-split entry" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unlink(ts);
		g = gzopen(ts, "wb");
		gzputs(g, bad[i][0]);
		gzclose(g);
		if (ovl_layer_export(diff, ts, -1, &d, NULL, &err) == 0)
			fail_msg("accepted tar-split %zu", i);
		if (!strstr(err.msg, bad[i][1]))
			fail_msg("tar-split %zu: '%s' does not say '%s'", i, err.msg, bad[i][1]);
	}
}

/* Commit a diff dir back to a tar: importing that tar gives the same tree. */
/* A layer with each kind of entry: an opaque dir, a whiteout, a hard link, a symlink, a fifo, implied parents. */
static const struct tentry every_kind[] = {
	{ AE_IFDIR, "d/", NULL, NULL, 0750 },
	{ AE_IFREG, "d/.wh..wh..opq", "", NULL, 0 },
	{ AE_IFREG, "d/f", "12345", NULL, 0600 },
	{ AE_IFREG, "d/g", NULL, "d/f", 0 },
	{ AE_IFREG, "d/.wh.gone", "", NULL, 0 },
	{ AE_IFLNK, "ln", NULL, "d/f", 0777 },
	{ AE_IFIFO, "p", NULL, NULL, 0640 },
	{ AE_IFREG, "x/y/z", "yz", NULL, 0 },
};

static void test_commit_roundtrip(void **state)
{
	char path[512], out[512];
	struct ovl_import_result res, res2;
	struct ovl_err err = { "" };
	struct ovl_digest id;
	uint64_t bytes = 0;
	const char *a, *b;
	char *da, *db;
	struct archive *ar;
	struct archive_entry *e;
	int fd, saw_opq = 0, saw_wh = 0, saw_link = 0;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(path, sizeof(path), "%s/c.tar", tmp);
	make_tar(path, every_kind, sizeof(every_kind) / sizeof(every_kind[0]));
	a = strdup(fresh("commit-a"));
	if (ovl_layer_import_file(path, a, NULL, &res, &err))
		fail_msg("import: %s", err.msg);
	/* user xattrs stay behind, file capabilities travel */
	snprintf(out, sizeof(out), "%s/d/f", a);
	assert_int_equal(setxattr(out, "user.dropped", "x", 1, 0), 0);
	snprintf(out, sizeof(out), "%s/out.tar", tmp);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ovl_layer_commit(a, fd, &id, &bytes, &err))
		fail_msg("commit: %s", err.msg);
	close(fd);
	ar = archive_read_new();
	archive_read_support_format_tar(ar);
	assert_int_equal(archive_read_open_filename(ar, out, 10240), ARCHIVE_OK);
	while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(e);

		saw_opq += strcmp(n, "d/.wh..wh..opq") == 0;
		saw_wh += strcmp(n, "d/.wh.gone") == 0 && archive_entry_perm(e) == 0600;
		saw_link += strcmp(n, "d/g") == 0 && archive_entry_hardlink(e) &&
			    strcmp(archive_entry_hardlink(e), "d/f") == 0;
		assert_int_equal(archive_entry_xattr_count(e), 0);
	}
	archive_read_free(ar);
	assert_int_equal(saw_opq, 1);
	assert_int_equal(saw_wh, 1);
	assert_int_equal(saw_link, 1);
	b = fresh("commit-b");
	if (ovl_layer_import_file(out, b, NULL, &res2, &err))
		fail_msg("re-import: %s", err.msg);
	assert_true(ovl_digest_equal(&res2.diff_id, &id));
	assert_int_equal(res2.tar_bytes, bytes);
	da = dump_of(a);
	db = dump_of(b);
	/* The same tree, but for the user xattr that did not travel. */
	{
		char *x = strstr(da, " xattr.user.dropped=\"x\"");

		assert_non_null(x);
		memmove(x, x + strlen(" xattr.user.dropped=\"x\""), strlen(x) - strlen(" xattr.user.dropped=\"x\"") + 1);
	}
	assert_string_equal(da, db);
	free(da);
	free(db);
	free((char *)a);
}

/* A layer tar read back as a tree: the same dump as the scan of the dir it was imported into. */
static void test_tar_tree_is_the_layer(void **state)
{
	static const struct tentry bad[] = { { AE_IFREG, "../escape", "x", NULL, 0 } };
	static const struct tentry chr00[] = { { AE_IFCHR, "wh", NULL, NULL, 0 } };
	static const struct tentry linkdir[] = { { AE_IFDIR, "d/", NULL, NULL, 0 }, { AE_IFREG, "h", NULL, "d", 0 } };
	char path[512];
	struct ovl_import_result res;
	struct ovl_err err = { "" };
	struct ovl_tree *fromtar = NULL, *scanned = NULL;
	const struct ovl_entry *e;
	char *diff = NULL;
	size_t dl = 0;
	FILE *f;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/tree.tar", tmp);
	make_tar(path, every_kind, sizeof(every_kind) / sizeof(every_kind[0]));
	fd = open(path, O_RDONLY);
	if (ovl_layer_tar_tree(fd, &fromtar, &err))
		fail_msg("tar tree: %s", err.msg);
	close(fd);
	e = ovl_tree_lookup(fromtar, "/d");
	assert_non_null(e);
	assert_true(e->flags & OVL_ENTRY_OPAQUE);
	assert_int_equal(e->mode, 0750);
	assert_int_equal(ovl_tree_lookup(fromtar, "/d/gone")->type, OVL_FT_WHITEOUT);
	assert_string_equal(ovl_tree_lookup(fromtar, "/d/g")->target, "/d/f");
	assert_int_equal(ovl_tree_lookup(fromtar, "/d/f")->size, 5);
	assert_null(ovl_tree_lookup(fromtar, "/d/.wh.gone"));
	if (geteuid() == 0) {
		/* imported for real, the dir holds the same tree */
		char *dir = strdup(fresh("tree"));

		if (ovl_layer_import_file(path, dir, NULL, &res, &err))
			fail_msg("import: %s", err.msg);
		if (ovl_tree_scan(dir, OVL_SCAN_UPPER, &scanned, &err))
			fail_msg("scan: %s", err.msg);
		free(dir);
		f = open_memstream(&diff, &dl);
		if (ovl_tree_diff(scanned, fromtar, 0, f)) {
			fclose(f);
			fail_msg("the tar's tree differs from the imported dir:\n%s", diff);
		}
		fclose(f);
		free(diff);
		ovl_tree_unref(scanned);
	}
	ovl_tree_unref(fromtar);
	/* refused, each with the entry named: a name outside the layer, overlay's 0/0 device, a link to a dir */
	make_tar(path, bad, 1);
	fd = open(path, O_RDONLY);
	assert_int_not_equal(ovl_layer_tar_tree(fd, &fromtar, &err), 0);
	assert_non_null(strstr(err.msg, "../escape"));
	close(fd);
	make_tar(path, chr00, 1);
	fd = open(path, O_RDONLY);
	assert_int_not_equal(ovl_layer_tar_tree(fd, &fromtar, &err), 0);
	assert_non_null(strstr(err.msg, "wh: a 0/0 char device"));
	close(fd);
	make_tar(path, linkdir, 2);
	fd = open(path, O_RDONLY);
	assert_int_not_equal(ovl_layer_tar_tree(fd, &fromtar, &err), 0);
	assert_non_null(strstr(err.msg, "h: hard link to d"));
	close(fd);
}

/* A hard link's header sets its xattrs on the inode both names share, over the ones it has (Docker's unpack). */
static void test_hardlink_header_xattrs(void **state)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	struct ovl_tree *t = NULL;
	const struct ovl_entry *f;
	struct ovl_err err = { "" };
	struct ovl_import_opts o = { .flags = geteuid() ? OVL_IMPORT_NO_OWNER : 0 };
	struct ovl_import_result res;
	char path[512], diff[512], p[600], v[16];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/hlx.tar", tmp);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	archive_entry_set_pathname(e, "f");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_xattr_add_entry(e, "user.a", "1", 1);
	archive_entry_xattr_add_entry(e, "user.b", "old", 3);
	archive_entry_set_size(e, 2);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, "x\n", 2), 2);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "g");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_hardlink(e, "f");
	archive_entry_xattr_add_entry(e, "user.c", "3", 1);
	archive_entry_xattr_add_entry(e, "user.b", "new", 3);
	archive_entry_set_size(e, 0);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);

	fd = open(path, O_RDONLY);
	if (ovl_layer_tar_tree(fd, &t, &err))
		fail_msg("tar tree: %s", err.msg);
	close(fd);
	f = ovl_tree_lookup(t, "/f");
	assert_non_null(f);
	assert_int_equal(f->mode, 0600);
	assert_int_equal(f->nxattrs, 3);
	assert_string_equal(f->xattrs[0].name, "user.a");
	assert_string_equal(f->xattrs[1].name, "user.b");
	assert_memory_equal(f->xattrs[1].value, "new", 3);
	assert_string_equal(f->xattrs[2].name, "user.c");
	assert_int_equal(ovl_tree_lookup(t, "/g")->nxattrs, 0);
	ovl_tree_unref(t);
	/* the import lays down the same */
	snprintf(diff, sizeof(diff), "%s/hlx-diff", tmp);
	assert_int_equal(mkdir(diff, 0755), 0);
	if (ovl_layer_import_file(path, diff, &o, &res, &err))
		fail_msg("import: %s", err.msg);
	snprintf(p, sizeof(p), "%s/g", diff);
	memset(v, 0, sizeof(v));
	if (lgetxattr(p, "user.b", v, sizeof(v)) < 0) {
		if (errno == ENOTSUP)
			skip(); /* no user xattrs where the test runs */
		fail_msg("lgetxattr %s: %s", p, strerror(errno));
	}
	assert_string_equal(v, "new");
	assert_int_equal(lgetxattr(p, "user.a", v, sizeof(v)), 1);
	assert_int_equal(lgetxattr(p, "user.c", v, sizeof(v)), 1);
}

/* docker save's archive: the DiffIDs of its layer.tar files in manifest order. */
static void test_image_archive_layers(void **state)
{
	static const struct tentry v[] = {
		{ AE_IFREG, "manifest.json", "[{\"Config\":\"c.json\",\"Layers\":[\"bbb/layer.tar\",\"aaa/layer.tar\"]}]", NULL, 0 },
		{ AE_IFREG, "aaa/layer.tar", "A", NULL, 0 },
		{ AE_IFREG, "bbb/layer.tar", "BB", NULL, 0 },
	};
	static const struct tentry oci[] = {
		{ AE_IFREG, "oci-layout", "{}", NULL, 0 },
		{ AE_IFREG, "blobs/sha256/aa", "A", NULL, 0 },
		{ AE_IFREG, "manifest.json", "[{\"Layers\":[\"blobs/sha256/aa\"]}]", NULL, 0 },
	};
	static const struct tentry missing[] = {
		{ AE_IFREG, "manifest.json", "[{\"Layers\":[\"zzz/layer.tar\"]}]", NULL, 0 },
	};
	/* docker save writes a layer of a DiffID it wrote already as a symlink to the first */
	static const struct tentry linked[] = {
		{ AE_IFREG, "aaa/layer.tar", "A", NULL, 0 },
		{ AE_IFLNK, "ccc/layer.tar", NULL, "../aaa/layer.tar", 0 },
		{ AE_IFREG, "bbb/layer.tar", "BB", NULL, 0 },
		{ AE_IFREG, "manifest.json", "[{\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\",\"ccc/layer.tar\"]}]",
		  NULL, 0 },
	};
	static const struct tentry escaping[] = {
		{ AE_IFLNK, "ccc/layer.tar", NULL, "../../aaa/layer.tar", 0 },
		{ AE_IFREG, "manifest.json", "[{\"Layers\":[\"ccc/layer.tar\"]}]", NULL, 0 },
	};
	struct ovl_digest d[4], a, b;
	struct ovl_err err = { "" };
	char path[512];
	size_t n = 0;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/save.tar", tmp);
	make_tar(path, v, sizeof(v) / sizeof(v[0]));
	fd = open(path, O_RDONLY);
	if (ovl_image_archive_layers(fd, d, 4, &n, &err))
		fail_msg("image archive: %s", err.msg);
	close(fd);
	assert_int_equal(n, 2);
	ovl_digest_bytes("BB", 2, &b);
	ovl_digest_bytes("A", 1, &a);
	assert_true(ovl_digest_equal(&d[0], &b));
	assert_true(ovl_digest_equal(&d[1], &a));
	/* an OCI layout (Docker 25 and later), the manifest after the blob */
	make_tar(path, oci, sizeof(oci) / sizeof(oci[0]));
	fd = open(path, O_RDONLY);
	if (ovl_image_archive_layers(fd, d, 4, &n, &err))
		fail_msg("OCI image archive: %s", err.msg);
	close(fd);
	assert_int_equal(n, 1);
	assert_true(ovl_digest_equal(&d[0], &a));
	make_tar(path, missing, 1);
	fd = open(path, O_RDONLY);
	assert_int_not_equal(ovl_image_archive_layers(fd, d, 4, &n, &err), 0);
	assert_non_null(strstr(err.msg, "zzz/layer.tar"));
	close(fd);
	make_tar(path, linked, sizeof(linked) / sizeof(linked[0]));
	fd = open(path, O_RDONLY);
	if (ovl_image_archive_layers(fd, d, 4, &n, &err))
		fail_msg("image archive with a linked layer: %s", err.msg);
	close(fd);
	assert_int_equal(n, 3);
	assert_true(ovl_digest_equal(&d[0], &a));
	assert_true(ovl_digest_equal(&d[1], &b));
	assert_true(ovl_digest_equal(&d[2], &a));
	make_tar(path, escaping, sizeof(escaping) / sizeof(escaping[0]));
	fd = open(path, O_RDONLY);
	assert_int_not_equal(ovl_image_archive_layers(fd, d, 4, &n, &err), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_layer_vector),
		cmocka_unit_test(test_gzip_gives_the_uncompressed_diff_id),
		cmocka_unit_test(test_empty_tars),
		cmocka_unit_test(test_conversions_and_size),
		cmocka_unit_test(test_takes_what_docker_takes),
		cmocka_unit_test(test_hostile_fixtures),
		cmocka_unit_test(test_refuses_a_non_empty_dir),
		cmocka_unit_test(test_export_gives_the_stream_back),
		cmocka_unit_test(test_export_all_formats),
		cmocka_unit_test(test_export_detects_changes),
		cmocka_unit_test(test_commit_roundtrip),
		cmocka_unit_test(test_tar_tree_is_the_layer),
		cmocka_unit_test(test_image_archive_layers),
		cmocka_unit_test(test_hardlink_header_xattrs),
	};

	return cmocka_run_group_tests_name("lib/tarlayer", tests, setup, teardown);
}
