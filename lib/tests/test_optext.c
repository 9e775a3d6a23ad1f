// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Operations as text: every kind written and read back to the same
 * operation (and the same line), and malformed lines refused with the line
 * and the reason named.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "ovl-model.h"

static void same_op(const struct ovl_op *a, const struct ovl_op *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->path, b->path);
	if (a->path2 || b->path2)
		assert_string_equal(a->path2, b->path2);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->len, b->len);
	if (a->len)
		assert_memory_equal(a->data, b->data, a->len);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	if (a->name || b->name)
		assert_string_equal(a->name, b->name);
	assert_int_equal(a->rdev_major, b->rdev_major);
	assert_int_equal(a->rdev_minor, b->rdev_minor);
	assert_int_equal(a->as_user, b->as_user);
	assert_int_equal(a->as_uid, b->as_uid);
	assert_int_equal(a->as_gid, b->as_gid);
}

static void test_round_trip(void **state)
{
	static const unsigned char bin[] = { 's', 't', 'e', 'p', ' ', '"', '\\', '\n', 0, 0xff };
	const struct ovl_op ops[] = {
		{ .kind = OVL_OP_WRITE, .path = "/m/a", .flags = O_WRONLY | O_APPEND, .data = "step 3\n", .len = 7 },
		{ .kind = OVL_OP_WRITE, .path = "/n1", .flags = O_WRONLY | O_CREAT, .mode = 0644, .data = "x", .len = 1 },
		{ .kind = OVL_OP_WRITE, .path = "/bin", .flags = O_RDWR | O_TRUNC, .data = bin, .len = sizeof(bin) },
		{ .kind = OVL_OP_WRITE, .path = "/e", .flags = O_WRONLY, .data = "", .len = 0 },
		{ .kind = OVL_OP_TRUNCATE, .path = "/f", .size = 3 },
		{ .kind = OVL_OP_CHMOD, .path = "/d", .mode = 04755 },
		{ .kind = OVL_OP_CHOWN, .path = "/f", .uid = 1, .gid = 2 },
		{ .kind = OVL_OP_UTIMES, .path = "/f" },
		{ .kind = OVL_OP_SETXATTR, .path = "/f", .name = "user.k", .data = "v w", .len = 3 },
		{ .kind = OVL_OP_REMOVEXATTR, .path = "/f", .name = "user.k" },
		{ .kind = OVL_OP_UNLINK, .path = "/a b" },
		{ .kind = OVL_OP_RMDIR, .path = "/d" },
		{ .kind = OVL_OP_MKDIR, .path = "/d", .mode = 0755 },
		{ .kind = OVL_OP_RENAME, .path = "/a", .path2 = "/b", .flags = RENAME_NOREPLACE },
		{ .kind = OVL_OP_RENAME, .path = "/a", .path2 = "/b", .flags = RENAME_EXCHANGE },
		{ .kind = OVL_OP_RENAME, .path = "/a", .path2 = "/b" },
		{ .kind = OVL_OP_LINK, .path = "/a", .path2 = "/d/b" },
		{ .kind = OVL_OP_SYMLINK, .path = "/l", .data = "m/a", .len = 3 },
		{ .kind = OVL_OP_MKNOD, .path = "/p", .mode = S_IFIFO | 0640 },
		{ .kind = OVL_OP_MKNOD, .path = "/c", .mode = S_IFCHR | 0600, .rdev_major = 1, .rdev_minor = 3 },
		{ .kind = OVL_OP_READ, .path = "/f" },
		{ .kind = OVL_OP_STAT, .path = "/f" },
		{ .kind = OVL_OP_READDIR, .path = "/" },
		{ .kind = OVL_OP_READLINK, .path = "/l" },
		{ .kind = OVL_OP_ACCESS, .path = "/f", .as_user = true, .as_uid = 1000, .as_gid = 1001 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct ovl_op_text *t = calloc(1, sizeof(*t));
		struct ovl_err err = { "" };
		char *line = ovl_op_format(&ops[i]), *again;

		assert_non_null(t);
		assert_non_null(line);
		if (ovl_op_parse(line, t, &err))
			fail_msg("'%s' does not read back: %s", line, err.msg);
		same_op(&ops[i], &t->op);
		again = ovl_op_format(&t->op);
		assert_string_equal(line, again);
		free(again);
		free(line);
		free(t);
	}
}

static void test_bad_lines(void **state)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "frobnicate /f", "no operation 'frobnicate'" },
		{ "unlink f", "must be absolute" },
		{ "rename /a", "needs a second absolute path" },
		{ "chmod /f mode=999", "mode=999: bad value" },
		{ "write /f data=x", "write needs flags=" },
		{ "write /f flags=O_BOGUS data=x", "flags=O_BOGUS: bad value" },
		{ "setxattr /f data=v", "needs name=" },
		{ "unlink /f colour=blue", "unknown key 'colour'" },
		{ "write /f flags=O_WRONLY data=\"open", "data: bad value" },
		{ "mknod /c type=pipe", "type=pipe: bad value" },
		{ "access /f as=1000", "as=1000: bad value" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ovl_op_text *t = calloc(1, sizeof(*t));
		struct ovl_err err = { "" };

		assert_non_null(t);
		if (ovl_op_parse(bad[i].line, t, &err) == 0)
			fail_msg("'%s' was taken", bad[i].line);
		if (!strstr(err.msg, bad[i].why) || !strstr(err.msg, bad[i].line))
			fail_msg("'%s': the error '%s' does not say '%s' and name the line", bad[i].line, err.msg,
				 bad[i].why);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
