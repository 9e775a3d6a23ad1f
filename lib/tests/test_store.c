// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for lib/store and lib/verify: a store built from the public
 * vectors has Docker's layout and digests; a failed or repeated import
 * leaves nothing behind; verify finds nothing in a good store and finds
 * each of many corruptions, one at a time, naming the path.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mount.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <sys/sysmacros.h>

#include "ovl-store.h"
#include "ovl-model.h"
#include "ovl-common.h"

#define EMPTY_TAR "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
#define SMALL_CHAIN "sha256:9bebc5281c45ebd3d5549456a3242424e7fe4cb0e0d7e60f4fdbf0c38d47f4d6"

static char tmp[] = "/tmp/ovl-store-test.XXXXXX";
static char emptytar[300], smalltar[300];

static int setup(void **state)
{
	static const char zeros[1024];
	int fd;

	(void)state;
	if (!mkdtemp(tmp))
		return -1;
	snprintf(emptytar, sizeof(emptytar), "%s/empty.tar", tmp);
	fd = open(emptytar, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, zeros, sizeof(zeros)) != sizeof(zeros))
		return -1;
	close(fd);
	snprintf(smalltar, sizeof(smalltar), "%s/vectors/small-layer.tar",
		 getenv("OVL_FIXTURES") ? getenv("OVL_FIXTURES") : "fixtures");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return ovl_remove_tree(tmp);
}

static void import(struct ovl_store *s, const char *tar, const struct ovl_digest *parent,
		   struct ovl_layer_info *li)
{
	struct ovl_err err = { "" };
	int fd = open(tar, O_RDONLY);

	assert_true(fd >= 0);
	if (ovl_store_layer_import(s, parent, fd, tar, li, &err))
		fail_msg("import %s: %s", tar, err.msg);
	close(fd);
}

/* A store with the empty-tar base and the small layer on it. */
static struct ovl_store *build(const char *name, struct ovl_layer_info *base, struct ovl_layer_info *child)
{
	char root[512];
	struct ovl_store *s = NULL;
	struct ovl_err err = { "" };

	snprintf(root, sizeof(root), "%s/%s", tmp, name);
	ovl_remove_tree(root);
	if (ovl_store_open(root, OVL_STORE_CREATE, &s, &err))
		fail_msg("open: %s", err.msg);
	import(s, emptytar, NULL, base);
	import(s, smalltar, &base->chain_id, child);
	return s;
}

static char *slurp(const char *fmt, ...)
{
	char path[1024], *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ovl_read_file(path, &s, NULL, 1 << 20))
		fail_msg("cannot read %s", path);
	return s;
}

static int count_entries(const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	DIR *d;
	int n = 0;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	d = opendir(path);
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 2;
}

static void test_layout_and_digests(void **state)
{
	struct ovl_layer_info base, child, got;
	struct ovl_store *s;
	struct ovl_err err = { "" };
	char c[OVL_DIGEST_STRLEN], hex[65], *v, target[512], want[512];
	const char *root;
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	s = build("layout", &base, &child);
	root = ovl_store_root(s);
	ovl_digest_format(&base.chain_id, c);
	assert_string_equal(c, EMPTY_TAR);
	ovl_digest_format(&child.chain_id, c);
	assert_string_equal(c, SMALL_CHAIN);
	assert_int_equal(child.size, 6);
	assert_true(child.has_parent);
	/* layerdb files, byte for byte, no newlines */
	ovl_digest_hex(&child.chain_id, hex);
	v = slurp("%s/image/overlay2/layerdb/sha256/%s/diff", root, hex);
	assert_string_equal(v, "sha256:590b0b2a98fe3cde78b72eed6b717817a168adc3186e133eff626a56db7577d3");
	free(v);
	v = slurp("%s/image/overlay2/layerdb/sha256/%s/size", root, hex);
	assert_string_equal(v, "6");
	free(v);
	v = slurp("%s/image/overlay2/layerdb/sha256/%s/parent", root, hex);
	assert_string_equal(v, EMPTY_TAR);
	free(v);
	v = slurp("%s/image/overlay2/layerdb/sha256/%s/cache-id", root, hex);
	assert_string_equal(v, child.cache_id);
	assert_int_equal(strlen(v), 64);
	free(v);
	/* overlay2: link, l/ symlink, lower, work, committed in the parent */
	assert_int_equal(strlen(child.link), 26);
	assert_int_equal(strspn(child.link, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 26);
	snprintf(want, sizeof(want), "%s/overlay2/l/%s", root, child.link);
	assert_int_equal(readlink(want, target, sizeof(target)), 3 + 64 + 5);
	target[3 + 64 + 5] = 0;
	snprintf(want, sizeof(want), "../%s/diff", child.cache_id);
	assert_string_equal(target, want);
	v = slurp("%s/overlay2/%s/lower", root, child.cache_id);
	snprintf(want, sizeof(want), "l/%s", base.link);
	assert_string_equal(v, want);
	free(v);
	snprintf(want, sizeof(want), "%s/overlay2/%s/work", root, child.cache_id);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(want, sizeof(want), "%s/overlay2/%s/committed", root, base.cache_id);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(want, sizeof(want), "%s/overlay2/%s/lower", root, base.cache_id);
	assert_int_equal(access(want, F_OK), -1);
	assert_int_equal(ovl_store_layer_get(s, &child.chain_id, &got, &err), 0);
	assert_string_equal(got.link, child.link);
	ovl_store_free(s);
}

static void test_export_gives_the_diff_id(void **state)
{
	struct ovl_layer_info base, child;
	struct ovl_store *s;
	struct ovl_err err = { "" };
	struct ovl_digest d;
	char out[512], *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	s = build("export", &base, &child);
	snprintf(out, sizeof(out), "%s/out.tar", tmp);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ovl_store_layer_export(s, &child.chain_id, fd, &d, &err))
		fail_msg("export: %s", err.msg);
	close(fd);
	assert_true(ovl_digest_equal(&d, &child.diff_id));
	assert_int_equal(ovl_read_file(out, &a, &la, 1 << 20), 0);
	assert_int_equal(ovl_read_file(smalltar, &b, &lb, 1 << 20), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
	ovl_store_free(s);
}

static void test_repeated_and_failed_imports_leave_nothing(void **state)
{
	struct ovl_layer_info base, child, again;
	struct ovl_store *s;
	struct ovl_err err = { "" };
	char bad[512];
	const char *root;
	int before[4], fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	s = build("repeat", &base, &child);
	root = ovl_store_root(s);
	before[0] = count_entries("%s/overlay2", root);
	before[1] = count_entries("%s/overlay2/l", root);
	before[2] = count_entries("%s/image/overlay2/layerdb/sha256", root);
	before[3] = count_entries("%s/image/overlay2/layerdb/tmp", root);
	import(s, smalltar, &base.chain_id, &again);
	assert_true(again.existed);
	assert_string_equal(again.cache_id, child.cache_id);
	snprintf(bad, sizeof(bad), "%s/tars/should-fail-symlink-then-through.tar",
		 getenv("OVL_FIXTURES") ? getenv("OVL_FIXTURES") : "fixtures");
	fd = open(bad, O_RDONLY);
	assert_int_not_equal(ovl_store_layer_import(s, &child.chain_id, fd, bad, &again, &err), 0);
	close(fd);
	assert_non_null(strstr(err.msg, "its parent lnk is a symlink"));
	assert_int_equal(count_entries("%s/overlay2", root), before[0]);
	assert_int_equal(count_entries("%s/overlay2/l", root), before[1]);
	assert_int_equal(count_entries("%s/image/overlay2/layerdb/sha256", root), before[2]);
	assert_int_equal(count_entries("%s/image/overlay2/layerdb/tmp", root), before[3]);
	ovl_store_free(s);
}

/* ---- verify ---- */

struct found {
	char text[8192];
	size_t n;
};

static void collect(void *arg, const char *path, const char *reason)
{
	struct found *f = arg;
	size_t len = strlen(f->text);

	snprintf(f->text + len, sizeof(f->text) - len, "%s: %s\n", path, reason);
	/* warnings are reported, not counted */
	if (strncmp(reason, "warning: ", 9) != 0)
		f->n++;
}

static struct found verify(const char *root, unsigned int flags)
{
	struct found f = { "", 0 };
	size_t n = 0;
	struct ovl_err err = { "" };

	if (ovl_store_verify(root, flags, collect, &f, &n, &err))
		fail_msg("verify could not run: %s", err.msg);
	assert_int_equal(n, f.n);
	return f;
}

static void test_verify_good_store(void **state)
{
	struct ovl_layer_info base, child;
	struct ovl_store *s;
	struct found f;

	(void)state;
	if (geteuid() != 0)
		skip();
	s = build("good", &base, &child);
	f = verify(ovl_store_root(s), OVL_VERIFY_DEEP);
	if (f.n)
		fail_msg("a good store has problems:\n%s", f.text);
	ovl_store_free(s);
}

static void put(const char *content, const char *fmt, ...)
{
	char path[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	assert_int_equal(ovl_write_file(path, content, strlen(content)), 0);
}

static void rm(const char *fmt, ...)
{
	char path[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	assert_int_equal(ovl_remove_tree(path), 0);
}

enum corruption {
	NEWLINE_IN_DIFF, WRONG_SIZE, MISSING_CACHE_DIR, PARENT_REMOVED, LINK_REMOVED, LINK_RETARGETED,
	LOWER_WRONG, COMMITTED_REMOVED, UPPERCASE_DIGEST, CONTENT_CHANGED, TARSPLIT_REMOVED, STRAY_DIR,
	BAD_LAYERDB_NAME, BAD_LINK_FILE, GARBAGE_SIZE, BAD_REPOSITORIES, IMAGE_MISSING_LAYER, MODE_OPENED,
	LAYER_DIR_MODE, DELETION_CUT_SHORT, STRAY_METADATA, NR_CORRUPTIONS
};

static const char *corrupt(enum corruption c, const char *root, const struct ovl_layer_info *base,
			   const struct ovl_layer_info *child)
{
	char ch[65], db[600], ov[600], lnk[600];

	ovl_digest_hex(&child->chain_id, ch);
	snprintf(db, sizeof(db), "%s/image/overlay2/layerdb/sha256/%s", root, ch);
	snprintf(ov, sizeof(ov), "%s/overlay2/%s", root, child->cache_id);
	snprintf(lnk, sizeof(lnk), "%s/overlay2/l/%s", root, child->link);
	switch (c) {
	case NEWLINE_IN_DIFF:
		put("sha256:590b0b2a98fe3cde78b72eed6b717817a168adc3186e133eff626a56db7577d3\n", "%s/diff", db);
		return "diff: ends with a newline";
	case WRONG_SIZE:
		put("7", "%s/size", db);
		return "size says 7, the diff dir holds 6";
	case MISSING_CACHE_DIR:
		put("0000000000000000000000000000000000000000000000000000000000000000", "%s/cache-id", db);
		return "0000000000000000000000000000000000000000000000000000000000000000: missing: cache-id";
	case PARENT_REMOVED:
		rm("%s/parent", db);
		return "the ChainID from parent and diff is sha256:590b";
	case LINK_REMOVED:
		assert_int_equal(unlink(lnk), 0);
		return "missing: the short link";
	case LINK_RETARGETED:
		assert_int_equal(unlink(lnk), 0);
		assert_int_equal(symlink("../elsewhere/diff", lnk), 0);
		return "points to ../elsewhere/diff, not ../";
	case LOWER_WRONG:
		put("l/AAAAAAAAAAAAAAAAAAAAAAAAAA", "%s/lower", ov);
		return "lower: is l/AAAAAAAAAAAAAAAAAAAAAAAAAA; the parent chain gives l/";
	case COMMITTED_REMOVED:
		rm("%s/overlay2/%s/committed", root, base->cache_id);
		return "committed: missing: the layer has children";
	case UPPERCASE_DIGEST:
		put("sha256:590B0B2A98FE3CDE78B72EED6B717817A168ADC3186E133EFF626A56DB7577D3", "%s/diff", db);
		return "is not sha256:<64 lowercase hex digits>";
	case CONTENT_CHANGED:
		put("HELLO\n", "%s/diff/etc/hostname", ov);
		return "cannot reassemble the layer's tar: ";
	case TARSPLIT_REMOVED:
		rm("%s/tar-split.json.gz", db);
		return "tar-split.json.gz: missing";
	case STRAY_DIR:
		assert_int_equal(mkdir(strcat(strcpy((char[700]){ 0 }, root), "/overlay2/stray"), 0700), 0);
		return "stray: no layer and no container uses it";
	case BAD_LAYERDB_NAME:
		assert_int_equal(mkdir(strcat(strcpy((char[700]){ 0 }, root),
					      "/image/overlay2/layerdb/sha256/not-a-chain"), 0700), 0);
		return "not-a-chain: not a layer";
	case BAD_LINK_FILE:
		put("lowercase-is-not-base32-x", "%s/link", ov);
		return "is not 26 characters of base32";
	case GARBAGE_SIZE:
		put("\x01\xff\xfe", "%s/size", db);
		return "size: holds a byte 0x01 that is not printable text";
	case BAD_REPOSITORIES:
		put("{\"Repositories\": {\"x\": ", "%s/image/overlay2/repositories.json", root);
		return "repositories.json: not JSON";
	case IMAGE_MISSING_LAYER:
		/* sha256 of these bytes names the file, so only the missing layer is wrong */
		{
			const char *cfg = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
					  "1111111111111111111111111111111111111111111111111111111111111111\"]}}";
			struct ovl_digest id;
			char hex[65];

			ovl_image_id(cfg, strlen(cfg), &id);
			ovl_digest_hex(&id, hex);
			put(cfg, "%s/image/overlay2/imagedb/content/sha256/%s", root, hex);
		}
		return "layer 0 (ChainID sha256:1111111111111111111111111111111111111111111111111111111111111111) is not registered";
	case MODE_OPENED:
		assert_int_equal(chmod(db, 0755), 0);
		return "mode 0755; dockerd makes it 0700";
	case LAYER_DIR_MODE:
		/* the mode this library gave layer dirs before dockerd 20.10.24's was checked */
		assert_int_equal(chmod(ov, 0701), 0);
		return "mode 0701; dockerd makes it 0710";
	case DELETION_CUT_SHORT:
		{
			char to[700];

			snprintf(to, sizeof(to), "%s-0123-removing", db);
			assert_int_equal(rename(db, to), 0);
		}
		return "a layer deletion cut short";
	case STRAY_METADATA:
		assert_int_equal(mkdir(strcat(strcpy((char[700]){ 0 }, root), "/image/overlay2/imagedb/metadata/sha256/"
					      "2222222222222222222222222222222222222222222222222222222222222222"), 0700), 0);
		return "metadata of no image in imagedb/content";
	default:
		break;
	}
	return NULL;
}

static void test_verify_finds_each_corruption(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	for (int c = 0; c < NR_CORRUPTIONS; c++) {
		struct ovl_layer_info base, child;
		struct ovl_store *s = build("corrupt", &base, &child);
		const char *want = corrupt((enum corruption)c, ovl_store_root(s), &base, &child);
		struct found f = verify(ovl_store_root(s), OVL_VERIFY_DEEP);

		if (!f.n || !strstr(f.text, want))
			fail_msg("corruption %d: verify did not say '%s'; it said:\n%s", c, want, f.text);
		ovl_store_free(s);
	}
}

/* verify --deep warns of what Docker takes but is risky (a device node), without counting it a problem. */
static void test_verify_warns_of_device_nodes(void **state)
{
	struct ovl_layer_info base, dev;
	struct ovl_store *s;
	struct found f;
	char tar[600];
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(tar, sizeof(tar), "%s/dev.tar", tmp);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, tar), ARCHIVE_OK);
	archive_entry_set_pathname(e, "null");
	archive_entry_set_filetype(e, AE_IFCHR);
	archive_entry_set_perm(e, 0666);
	archive_entry_set_rdev(e, makedev(1, 3));
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	s = build("warn", &base, &dev);
	import(s, tar, &base.chain_id, &dev);
	f = verify(ovl_store_root(s), OVL_VERIFY_DEEP);
	assert_int_equal(f.n, 0);
	if (!strstr(f.text, "/null: warning: a char device node 1:3"))
		fail_msg("no warning of the device node:\n%s", f.text);
	f = verify(ovl_store_root(s), 0);
	assert_null(strstr(f.text, "warning"));
	ovl_store_free(s);
}

static void test_verify_refuses_what_is_no_store(void **state)
{
	struct ovl_err err = { "" };
	size_t n = 0;

	(void)state;
	assert_int_equal(ovl_store_verify("/nonexistent/docker", 0, NULL, NULL, &n, &err), -ENOENT);
	assert_int_equal(ovl_store_verify(tmp, 0, NULL, NULL, &n, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "not a Docker overlay2 store"));
}

static void test_images_and_tags(void **state)
{
	struct ovl_layer_info base, child;
	struct ovl_store *s;
	struct ovl_err err = { "" };
	struct ovl_digest img, img2, got, *ids = NULL;
	const char *cmd[] = { "/bin/sh", NULL };
	struct ovl_image_opts o = { .cmd = cmd, .created = "2026-11-27T00:00:00Z" };
	char *v, hex[65], want[400];
	size_t n = 0;
	struct ovl_digest check;

	(void)state;
	if (geteuid() != 0)
		skip();
	s = build("images", &base, &child);
	if (ovl_store_image_create(s, &child.chain_id, &o, &img, &err))
		fail_msg("image: %s", err.msg);
	ovl_digest_hex(&img, hex);
	v = slurp("%s/image/overlay2/imagedb/content/sha256/%s", ovl_store_root(s), hex);
	ovl_image_id(v, strlen(v), &check);
	assert_true(ovl_digest_equal(&check, &img));
	assert_non_null(strstr(v, "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" EMPTY_TAR "\",\"sha256:590b"));
	assert_non_null(strstr(v, "\"config\":{\"Cmd\":[\"/bin/sh\"]}"));
	free(v);
	assert_int_equal(ovl_store_image_layers(s, &img, &ids, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true(ovl_digest_equal(&ids[1], &child.diff_id));
	free(ids);
	assert_int_equal(ovl_store_tag(s, "ovlconform/t:1", &img, &err), 0);
	v = slurp("%s/image/overlay2/repositories.json", ovl_store_root(s));
	snprintf(want, sizeof(want), "{\"Repositories\":{\"ovlconform/t\":{\"ovlconform/t:1\":\"sha256:%s\"}}}", hex);
	assert_string_equal(v, want);
	free(v);
	assert_int_equal(ovl_store_resolve(s, "ovlconform/t:1", &got, &err), 0);
	assert_true(ovl_digest_equal(&got, &img));
	/* A second image; the tag moves to it, latest is the default tag. */
	o.created = "2026-11-28T00:00:00Z";
	assert_int_equal(ovl_store_image_create(s, &child.chain_id, &o, &img2, &err), 0);
	assert_false(ovl_digest_equal(&img, &img2));
	assert_int_equal(ovl_store_tag(s, "ovlconform/t:1", &img2, &err), 0);
	assert_int_equal(ovl_store_tag(s, "ovlconform/t", &img2, &err), 0);
	assert_int_equal(ovl_store_resolve(s, "ovlconform/t:1", &got, &err), 0);
	assert_true(ovl_digest_equal(&got, &img2));
	assert_int_equal(ovl_store_resolve(s, "ovlconform/t:latest", &got, &err), 0);
	assert_int_equal(ovl_store_tag(s, "Upper/Case", &img, &err), -EINVAL);
	assert_int_equal(ovl_store_tag(s, "x:bad tag", &img, &err), -EINVAL);
	assert_int_equal(ovl_store_tag(s, "nothing", &child.diff_id, &err), -ENOENT);
	ovl_store_free(s);
}

static void test_container_mount_commit(void **state)
{
	struct ovl_layer_info base, child, layer;
	struct ovl_store *s;
	struct ovl_err err = { "" };
	struct ovl_digest img, img2;
	struct ovl_container_info c;
	struct ovl_tree *t = NULL;
	char p[1024], *v;
	bool rel = true;
	struct found f;

	(void)state;
	if (geteuid() != 0)
		skip();
	s = build("container", &base, &child);
	assert_int_equal(ovl_store_image_create(s, &child.chain_id, NULL, &img, &err), 0);
	if (ovl_store_container_create(s, &img, &c, &err))
		fail_msg("create: %s", err.msg);
	/* The init layer has Docker's init files. */
	snprintf(p, sizeof(p), "%s/overlay2/%s/diff", ovl_store_root(s), c.init_id);
	assert_int_equal(ovl_tree_scan(p, 0, &t, &err), 0);
	assert_non_null(ovl_tree_lookup(t, "/.dockerenv"));
	assert_non_null(ovl_tree_lookup(t, "/dev/pts"));
	assert_string_equal(ovl_tree_lookup(t, "/etc/mtab")->target, "/proc/mounts");
	ovl_tree_unref(t);
	v = slurp("%s/image/overlay2/layerdb/mounts/%s/init-id", ovl_store_root(s), c.id);
	assert_string_equal(v, c.init_id);
	free(v);
	f = verify(ovl_store_root(s), OVL_VERIFY_DEEP);
	if (f.n)
		fail_msg("a store with a container has problems:\n%s", f.text);
	if (ovl_store_container_mount(s, c.id, &rel, &err))
		fail_msg("mount: %s", err.msg);
	assert_false(rel);
	/* Through the union: the image's file, the init layer's, then changes. */
	v = slurp("%s/etc/hostname", c.merged);
	assert_string_equal(v, ""); /* the init layer's empty /etc/hostname hides the image's */
	free(v);
	snprintf(p, sizeof(p), "%s/newfile", c.merged);
	put("new\n", "%s", p);
	snprintf(p, sizeof(p), "%s/etc/.dockerenv-not", c.merged);
	put("x", "%s", p);
	snprintf(p, sizeof(p), "%s/etc/hostname", c.merged);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(ovl_store_container_umount(s, c.id, &err), 0);
	assert_int_equal(access(c.merged, F_OK), -1);
	if (ovl_store_container_commit(s, c.id, NULL, "ovlconform/committed:1", &img2, &layer, &err))
		fail_msg("commit: %s", err.msg);
	assert_true(layer.has_parent);
	assert_true(ovl_digest_equal(&layer.parent, &child.chain_id));
	/* newfile (4) + etc/.dockerenv-not (1); the hostname whiteout counts nothing */
	assert_int_equal(layer.size, 5);
	f = verify(ovl_store_root(s), OVL_VERIFY_DEEP);
	if (f.n)
		fail_msg("after a commit the store has problems:\n%s", f.text);
	ovl_store_free(s);
}

struct records {
	char text[4096];
};

static void rec(void *arg, const char *kind, const char *name)
{
	struct records *r = arg;
	size_t len = strlen(r->text);

	snprintf(r->text + len, sizeof(r->text) - len, "%s: %.19s\n", kind, name);
}

static size_t gc(struct ovl_store *s, unsigned int flags, struct found *f)
{
	struct ovl_err err = { "" };
	size_t n = 0;

	memset(f, 0, sizeof(*f));
	if (ovl_store_gc(s, flags, collect, f, &n, &err))
		fail_msg("gc: %s", err.msg);
	assert_int_equal(n, f->n);
	return n;
}

/* docker rmi / docker rm as dockerd 20.10 does them: tags, conflicts, pruning, shared layers. */
static void test_remove_as_dockerd(void **state)
{
	struct ovl_layer_info base, child, layer;
	struct ovl_store *s;
	struct ovl_err err = { "" };
	struct ovl_digest a, b, c;
	struct ovl_container_info ct;
	struct records r;
	struct found f;
	char hex[65], want[600], ca[OVL_DIGEST_STRLEN], cc[OVL_DIGEST_STRLEN], *v;
	const char *root;

	(void)state;
	if (geteuid() != 0)
		skip();
	s = build("remove", &base, &child);
	root = ovl_store_root(s);
	assert_int_equal(ovl_store_image_create(s, &child.chain_id, &(struct ovl_image_opts){ .created = "2026-12-01T00:00:00Z" }, &a, &err), 0);
	assert_int_equal(ovl_store_image_create(s, &base.chain_id, &(struct ovl_image_opts){ .created = "2026-12-01T00:00:01Z" }, &b, &err), 0);
	assert_int_equal(ovl_store_tag(s, "a:1", &a, &err), 0);
	assert_int_equal(ovl_store_tag(s, "a:2", &a, &err), 0);
	assert_int_equal(ovl_store_tag(s, "b:1", &b, &err), 0);
	/* a tag stamps lastUpdated as dockerd's does */
	ovl_digest_hex(&a, hex);
	v = slurp("%s/image/overlay2/imagedb/metadata/sha256/%s/lastUpdated", root, hex);
	assert_true(strlen(v) >= 20 && v[4] == '-' && v[10] == 'T' && v[strlen(v) - 1] == 'Z');
	free(v);
	assert_int_equal(ovl_store_container_create(s, &a, &ct, &err), 0);
	if (ovl_store_container_commit(s, ct.id, NULL, "c:1", &c, &layer, &err))
		fail_msg("commit: %s", err.msg);
	/* docker commit records the container's image as the parent */
	ovl_digest_hex(&c, hex);
	v = slurp("%s/image/overlay2/imagedb/metadata/sha256/%s/parent", root, hex);
	ovl_digest_format(&a, ca);
	assert_string_equal(v, ca);
	free(v);

	memset(&r, 0, sizeof(r));
	assert_int_equal(ovl_store_image_remove(s, "a:1", 0, rec, &r, &err), 0);
	assert_string_equal(r.text, "Untagged: a:1\n");
	assert_int_equal(ovl_store_image_remove(s, "a:2", 0, rec, &r, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "(must force) - container"));
	assert_int_equal(ovl_store_image_remove(s, ca + 7, 0, rec, &r, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "(cannot be forced) - image has dependent child images"));
	assert_int_equal(ovl_store_image_remove(s, "nothing:1", 0, rec, &r, &err), -ENOENT);
	/* c goes with its layer; its parent a keeps its tag a:2, so it is not pruned */
	memset(&r, 0, sizeof(r));
	assert_int_equal(ovl_store_image_remove(s, "c:1", 0, rec, &r, &err), 0);
	ovl_digest_format(&c, cc);
	snprintf(want, sizeof(want), "Untagged: c:1\nDeleted: %.19s\nDeleted: sha256:", cc);
	assert_true(strncmp(r.text, want, strlen(want)) == 0);
	assert_int_equal(count_entries("%s/image/overlay2/layerdb/sha256", root), 2);
	/* the container goes; image a still holds its layers */
	memset(&r, 0, sizeof(r));
	assert_int_equal(ovl_store_container_remove(s, ct.id, rec, &r, &err), 0);
	assert_string_equal(r.text, "");
	assert_int_equal(count_entries("%s/overlay2", root), 3); /* l/, base, child */
	assert_int_equal(count_entries("%s/image/overlay2/layerdb/mounts", root), 0);
	/* by ID, with two tags: forced only */
	assert_int_equal(ovl_store_tag(s, "b:2", &b, &err), 0);
	ovl_digest_hex(&b, hex);
	assert_int_equal(ovl_store_image_remove(s, hex, 0, rec, &r, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "(must be forced) - image is referenced in multiple repositories"));
	/* the last tag of a: a goes, and child, which only a held; base stays for b */
	memset(&r, 0, sizeof(r));
	assert_int_equal(ovl_store_image_remove(s, "a:2", 0, rec, &r, &err), 0);
	snprintf(want, sizeof(want), "Untagged: a:2\nDeleted: %.19s\nDeleted: %.19s\n", ca,
		 (ovl_digest_format(&child.chain_id, cc), cc));
	assert_string_equal(r.text, want);
	assert_int_equal(count_entries("%s/image/overlay2/layerdb/sha256", root), 1);
	assert_int_equal(count_entries("%s/overlay2/l", root), 1);
	/* b by a prefix of its ID, forced: both tags, the image, the base layer */
	memset(&r, 0, sizeof(r));
	hex[12] = 0;
	assert_int_equal(ovl_store_image_remove(s, hex, OVL_RMI_FORCE, rec, &r, &err), 0);
	assert_non_null(strstr(r.text, "Untagged: b:1\n"));
	assert_non_null(strstr(r.text, "Untagged: b:2\n"));
	assert_non_null(strstr(r.text, "Deleted: sha256:5f70bf18a086\n")); /* the base's ChainID is its DiffID */
	assert_int_equal(count_entries("%s/image/overlay2/layerdb/sha256", root), 0);
	assert_int_equal(count_entries("%s/image/overlay2/imagedb/content/sha256", root), 0);
	assert_int_equal(count_entries("%s/image/overlay2/imagedb/metadata/sha256", root), 0);
	assert_int_equal(count_entries("%s/overlay2", root), 1);
	assert_int_equal(count_entries("%s/overlay2/l", root), 0);
	v = slurp("%s/image/overlay2/repositories.json", root);
	assert_string_equal(v, "{\"Repositories\":{}}");
	free(v);
	f = verify(root, OVL_VERIFY_DEEP);
	if (f.n)
		fail_msg("after the deletions the store has problems:\n%s", f.text);
	assert_int_equal(gc(s, 0, &f), 0);
	ovl_store_free(s);
}

/* store gc: lists what nothing uses and touches nothing; with OVL_GC_REMOVE removes it as dockerd would. */
static void test_gc(void **state)
{
	struct ovl_layer_info base, child;
	struct ovl_store *s;
	struct found f;
	char hex[65], p[700], q[760];
	const char *root;

	(void)state;
	if (geteuid() != 0)
		skip();
	s = build("gc", &base, &child);
	root = ovl_store_root(s);
	/* no image: child is unused (base goes with it); a stray dir, a dangling link, a write never committed */
	snprintf(p, sizeof(p), "%s/overlay2/stray", root);
	assert_int_equal(mkdir(p, 0710), 0);
	snprintf(p, sizeof(p), "%s/overlay2/l/AAAAAAAAAAAAAAAAAAAAAAAAAA", root);
	assert_int_equal(symlink("../gone/diff", p), 0);
	snprintf(p, sizeof(p), "%s/image/overlay2/layerdb/tmp/write-set-123", root);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(gc(s, 0, &f), 4);
	assert_non_null(strstr(f.text, "stray: a layer directory no layer and no container names"));
	assert_non_null(strstr(f.text, "AAAAAAAAAAAAAAAAAAAAAAAAAA: a short link no layer's link file names"));
	assert_non_null(strstr(f.text, "write-set-123: a layerdb write that was never committed"));
	assert_non_null(strstr(f.text, ": a layer no image, layer or container uses"));
	assert_int_equal(count_entries("%s/overlay2", root), 4); /* untouched: l/, base, child, stray */
	/* a deletion cut short: child's entry renamed, its dir still there */
	ovl_digest_hex(&child.chain_id, hex);
	snprintf(p, sizeof(p), "%s/image/overlay2/layerdb/sha256/%s", root, hex);
	snprintf(q, sizeof(q), "%s-ffff-removing", p);
	assert_int_equal(rename(p, q), 0);
	assert_int_equal(gc(s, 0, &f), 5); /* and base is unused now */
	assert_non_null(strstr(f.text, "-ffff-removing: a layer deletion cut short"));
	if (gc(s, OVL_GC_REMOVE, &f) != 5)
		fail_msg("gc --remove found:\n%s", f.text);
	assert_int_equal(count_entries("%s/overlay2", root), 1);
	assert_int_equal(count_entries("%s/overlay2/l", root), 0);
	assert_int_equal(count_entries("%s/image/overlay2/layerdb/sha256", root), 0);
	assert_int_equal(count_entries("%s/image/overlay2/layerdb/tmp", root), 0);
	assert_int_equal(gc(s, 0, &f), 0);
	f = verify(root, 0);
	if (f.n)
		fail_msg("after gc the store has problems:\n%s", f.text);
	ovl_store_free(s);
}

/* A container's layer dirs: upper and work of its layer, the init layer, then the image's top first. */
static void test_container_dirs(void **state)
{
	struct ovl_layer_info base, child;
	struct ovl_store *s;
	struct ovl_err err = { "" };
	struct ovl_digest img;
	struct ovl_container_info c;
	struct ovl_container_dirs d;
	char want[1024];

	(void)state;
	s = build("dirs", &base, &child);
	assert_int_equal(ovl_store_image_create(s, &child.chain_id, NULL, &img, &err), 0);
	if (ovl_store_container_create(s, &img, &c, &err))
		fail_msg("create: %s", err.msg);
	if (ovl_store_container_dirs(s, c.id, &d, &err))
		fail_msg("dirs: %s", err.msg);
	assert_int_equal(d.nlowers, 3);
	snprintf(want, sizeof(want), "%s/overlay2/%s/diff", ovl_store_root(s), c.mount_id);
	assert_string_equal(d.upper, want);
	assert_string_equal(d.upper, c.upper);
	snprintf(want, sizeof(want), "%s/overlay2/%s/work", ovl_store_root(s), c.mount_id);
	assert_string_equal(d.work, want);
	snprintf(want, sizeof(want), "%s/overlay2/%s/diff", ovl_store_root(s), c.init_id);
	assert_string_equal(d.lowers[0], want);
	snprintf(want, sizeof(want), "%s/overlay2/%s/diff", ovl_store_root(s), child.cache_id);
	assert_string_equal(d.lowers[1], want);
	snprintf(want, sizeof(want), "%s/overlay2/%s/diff", ovl_store_root(s), base.cache_id);
	assert_string_equal(d.lowers[2], want);
	ovl_container_dirs_free(&d);
	assert_null(d.lowers);
	/* an unknown container is an error naming it, and leaves nothing to free */
	assert_int_not_equal(ovl_store_container_dirs(s, "0000", &d, &err), 0);
	assert_null(d.lowers);
	ovl_store_free(s);
}

/* Over a page of lowerdir= options: Docker's relative-path fallback. */
static void test_long_lower_chain_mounts_relative(void **state)
{
	struct ovl_layer_info base, child, l;
	struct ovl_store *s;
	struct ovl_err err = { "" };
	struct ovl_digest img, top;
	struct ovl_container_info c;
	bool rel = false;
	char *v;

	(void)state;
	if (geteuid() != 0)
		skip();
	s = build("long", &base, &child);
	top = child.chain_id;
	for (int i = 0; i < 80; i++) {
		import(s, emptytar, &top, &l);
		top = l.chain_id;
	}
	assert_int_equal(ovl_store_image_create(s, &top, NULL, &img, &err), 0);
	assert_int_equal(ovl_store_container_create(s, &img, &c, &err), 0);
	if (ovl_store_container_mount(s, c.id, &rel, &err))
		fail_msg("mount: %s", err.msg);
	assert_true(rel);
	v = slurp("%s/etc/hostname", c.merged); /* the init layer's */
	free(v);
	{
		char p[1024];

		snprintf(p, sizeof(p), "%s/etc/old.conf", c.merged);
		assert_int_equal(access(p, F_OK), -1); /* whited out in the small layer */
	}
	assert_int_equal(ovl_store_container_umount(s, c.id, &err), 0);
	ovl_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_and_digests),
		cmocka_unit_test(test_export_gives_the_diff_id),
		cmocka_unit_test(test_repeated_and_failed_imports_leave_nothing),
		cmocka_unit_test(test_verify_good_store),
		cmocka_unit_test(test_verify_finds_each_corruption),
		cmocka_unit_test(test_verify_refuses_what_is_no_store),
		cmocka_unit_test(test_verify_warns_of_device_nodes),
		cmocka_unit_test(test_images_and_tags),
		cmocka_unit_test(test_container_mount_commit),
		cmocka_unit_test(test_container_dirs),
		cmocka_unit_test(test_remove_as_dockerd),
		cmocka_unit_test(test_gc),
		cmocka_unit_test(test_long_lower_chain_mounts_relative),
	};

	/* Mounts made by these tests live in a private namespace: a failed test leaves none. */
	if (geteuid() == 0 && (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)))
		return 1;
	return cmocka_run_group_tests_name("lib/store", tests, setup, teardown);
}
