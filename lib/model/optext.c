// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/optext.c - operations as text, one per line (see ovl-model.h):
 * what a reproducer holds, so a sequence found by the explorer can be read
 * back, shrunk, replayed and kept as a case.
 */
#define _GNU_SOURCE
#include "ovl-model.h"
#include "ovl-common.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const kind_names[] = {
	[OVL_OP_READ] = "read",		[OVL_OP_STAT] = "stat",		[OVL_OP_READDIR] = "readdir",
	[OVL_OP_READLINK] = "readlink", [OVL_OP_ACCESS] = "access",	[OVL_OP_WRITE] = "write",
	[OVL_OP_TRUNCATE] = "truncate", [OVL_OP_CHMOD] = "chmod",	[OVL_OP_CHOWN] = "chown",
	[OVL_OP_UTIMES] = "utimes",	[OVL_OP_SETXATTR] = "setxattr", [OVL_OP_REMOVEXATTR] = "removexattr",
	[OVL_OP_UNLINK] = "unlink",	[OVL_OP_RMDIR] = "rmdir",	[OVL_OP_MKDIR] = "mkdir",
	[OVL_OP_RENAME] = "rename",	[OVL_OP_LINK] = "link",		[OVL_OP_SYMLINK] = "symlink",
	[OVL_OP_MKNOD] = "mknod",
};
#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

struct bitname {
	const char *name;
	int bit;
};

static const struct bitname open_bits[] = { { "O_APPEND", O_APPEND }, { "O_TRUNC", O_TRUNC }, { "O_CREAT", O_CREAT }, { "O_EXCL", O_EXCL } };
static const struct bitname rename_bits[] = { { "RENAME_NOREPLACE", RENAME_NOREPLACE }, { "RENAME_EXCHANGE", RENAME_EXCHANGE },
		    { "RENAME_WHITEOUT", RENAME_WHITEOUT } };

static const struct {
	const char *name;
	mode_t fmt;
} node_types[] = { { "fifo", S_IFIFO }, { "sock", S_IFSOCK }, { "chr", S_IFCHR }, { "blk", S_IFBLK } };

/* A value: bare when it is plain, else "quoted" with C escapes. */
static void put_value(struct ovl_buf *b, const unsigned char *s, size_t n)
{
	bool bare = n > 0;

	for (size_t i = 0; i < n && bare; i++)
		bare = isgraph(s[i]) && s[i] != '"' && s[i] != '\\' && s[i] != '=';
	if (bare) {
		ovl_buf_printf(b, "%.*s", (int)n, (const char *)s);
		return;
	}
	ovl_buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '\n')
			ovl_buf_puts(b, "\\n");
		else if (c == '\t')
			ovl_buf_puts(b, "\\t");
		else if (c == '"' || c == '\\')
			ovl_buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			ovl_buf_printf(b, "\\x%02x", c);
		else
			ovl_buf_putc(b, (char)c);
	}
	ovl_buf_putc(b, '"');
}

static void put_bits(struct ovl_buf *b, const char *key, int flags, const char *base, int base_mask,
		     const struct bitname *t, size_t n)
{
	bool any = false;

	ovl_buf_printf(b, " %s=", key);
	if (base) {
		ovl_buf_puts(b, base);
		any = true;
	}
	flags &= ~base_mask;
	for (size_t i = 0; i < n; i++)
		if (flags & t[i].bit) {
			ovl_buf_printf(b, "%s%s", any ? "|" : "", t[i].name);
			any = true;
			flags &= ~t[i].bit;
		}
	if (flags || !any)
		ovl_buf_printf(b, "%s%#x", any ? "|" : "", (unsigned int)flags);
}

char *ovl_op_format(const struct ovl_op *op)
{
	struct ovl_buf b = OVL_BUF_INIT;

	if ((size_t)op->kind >= NKINDS || !op->path)
		return NULL;
	ovl_buf_puts(&b, kind_names[op->kind]);
	ovl_buf_putc(&b, ' ');
	put_value(&b, (const unsigned char *)op->path, strlen(op->path));
	if (op->path2 && (op->kind == OVL_OP_RENAME || op->kind == OVL_OP_LINK)) {
		ovl_buf_putc(&b, ' ');
		put_value(&b, (const unsigned char *)op->path2, strlen(op->path2));
	}
	switch (op->kind) {
	case OVL_OP_WRITE: {
		int acc = op->flags & O_ACCMODE;

		put_bits(&b, "flags", op->flags, acc == O_RDWR ? "O_RDWR" : acc == O_WRONLY ? "O_WRONLY" : "O_RDONLY",
			 O_ACCMODE, open_bits, sizeof(open_bits) / sizeof(open_bits[0]));
		if (op->flags & O_CREAT)
			ovl_buf_printf(&b, " mode=%04o", (unsigned int)(op->mode & 07777));
		ovl_buf_puts(&b, " data=");
		put_value(&b, op->data, op->len);
		break;
	}
	case OVL_OP_RENAME:
		if (op->flags)
			put_bits(&b, "flags", op->flags, NULL, 0, rename_bits, sizeof(rename_bits) / sizeof(rename_bits[0]));
		break;
	case OVL_OP_TRUNCATE:
		ovl_buf_printf(&b, " size=%" PRIu64, op->size);
		break;
	case OVL_OP_CHMOD:
	case OVL_OP_MKDIR:
		ovl_buf_printf(&b, " mode=%04o", (unsigned int)(op->mode & 07777));
		break;
	case OVL_OP_CHOWN:
		ovl_buf_printf(&b, " uid=%u gid=%u", (unsigned int)op->uid, (unsigned int)op->gid);
		break;
	case OVL_OP_SETXATTR:
		ovl_buf_puts(&b, " name=");
		put_value(&b, (const unsigned char *)op->name, strlen(op->name));
		ovl_buf_puts(&b, " data=");
		put_value(&b, op->data, op->len);
		break;
	case OVL_OP_REMOVEXATTR:
		ovl_buf_puts(&b, " name=");
		put_value(&b, (const unsigned char *)op->name, strlen(op->name));
		break;
	case OVL_OP_SYMLINK:
		ovl_buf_puts(&b, " target=");
		put_value(&b, op->data, op->len);
		break;
	case OVL_OP_MKNOD:
		for (size_t i = 0; i < sizeof(node_types) / sizeof(node_types[0]); i++)
			if ((op->mode & S_IFMT) == node_types[i].fmt)
				ovl_buf_printf(&b, " type=%s", node_types[i].name);
		ovl_buf_printf(&b, " mode=%04o", (unsigned int)(op->mode & 07777));
		if (S_ISCHR(op->mode) || S_ISBLK(op->mode))
			ovl_buf_printf(&b, " dev=%u:%u", op->rdev_major, op->rdev_minor);
		break;
	default:
		break;
	}
	if (op->as_user)
		ovl_buf_printf(&b, " as=%u:%u", (unsigned int)op->as_uid, (unsigned int)op->as_gid);
	return ovl_buf_steal(&b);
}

/* One token at *s: bare up to a space (or '='), or "quoted"; unescaped into out. */
static int take_value(const char **s, unsigned char *out, size_t cap, size_t *len, bool stop_at_eq)
{
	const char *p = *s;
	size_t n = 0;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			unsigned int c = (unsigned char)*p;

			if (c == '\\') {
				p++;
				if (*p == 'n')
					c = '\n';
				else if (*p == 't')
					c = '\t';
				else if (*p == '\\' || *p == '"')
					c = (unsigned char)*p;
				else if (*p == 'x' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
					char hex[3] = { p[1], p[2], 0 };

					c = (unsigned int)strtoul(hex, NULL, 16);
					p += 2;
				} else {
					return -EINVAL;
				}
			}
			if (n + 1 >= cap)
				return -E2BIG;
			out[n++] = (unsigned char)c;
		}
		if (*p != '"')
			return -EINVAL;
		p++;
	} else {
		for (; *p && !isspace((unsigned char)*p) && !(stop_at_eq && *p == '='); p++) {
			if (n + 1 >= cap)
				return -E2BIG;
			out[n++] = (unsigned char)*p;
		}
	}
	out[n] = 0;
	*len = n;
	*s = p;
	return 0;
}

static int parse_bits(const char *v, const struct bitname *t, size_t n, const char *base_name, int *flags)
{
	char *copy = strdup(v), *tok, *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	*flags = 0;
	for (tok = strtok_r(copy, "|", &save); tok && !r; tok = strtok_r(NULL, "|", &save)) {
		bool found = false;
		char *end;

		if (base_name) {
			if (strcmp(tok, "O_RDONLY") == 0)
				found = true;
			else if (strcmp(tok, "O_WRONLY") == 0)
				*flags |= O_WRONLY, found = true;
			else if (strcmp(tok, "O_RDWR") == 0)
				*flags |= O_RDWR, found = true;
		}
		for (size_t i = 0; i < n && !found; i++)
			if (strcmp(tok, t[i].name) == 0) {
				*flags |= t[i].bit;
				found = true;
			}
		if (!found) {
			unsigned long x = strtoul(tok, &end, 0);

			if (*end || end == tok)
				r = -EINVAL;
			else
				*flags |= (int)x;
		}
	}
	free(copy);
	return r;
}

static int parse_uint(const char *v, int base, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, base);
	return !*v || *end || errno || *out > max ? -EINVAL : 0;
}

int ovl_op_parse(const char *line, struct ovl_op_text *t, struct ovl_err *err)
{
	const char *s = line;
	char word[32];
	size_t n = 0, len;
	int r;

	memset(t, 0, sizeof(*t));
	while (isspace((unsigned char)*s))
		s++;
	while (*s && !isspace((unsigned char)*s) && n + 1 < sizeof(word))
		word[n++] = *s++;
	word[n] = 0;
	for (n = 0; n < NKINDS; n++)
		if (strcmp(word, kind_names[n]) == 0)
			break;
	if (n == NKINDS)
		return ovl_err_set(err, EINVAL, "'%s': no operation '%s'", line, word);
	t->op.kind = (enum ovl_op_kind)n;
	while (isspace((unsigned char)*s))
		s++;
	if ((r = take_value(&s, (unsigned char *)t->path, sizeof(t->path), &len, false)) || t->path[0] != '/')
		return ovl_err_set(err, EINVAL, "'%s': the path must be absolute in the merged view", line);
	t->op.path = t->path;
	while (isspace((unsigned char)*s))
		s++;
	if (t->op.kind == OVL_OP_RENAME || t->op.kind == OVL_OP_LINK) {
		if ((r = take_value(&s, (unsigned char *)t->path2, sizeof(t->path2), &len, false)) || t->path2[0] != '/')
			return ovl_err_set(err, EINVAL, "'%s': %s needs a second absolute path", line, word);
		t->op.path2 = t->path2;
	}
	if (t->op.kind == OVL_OP_MKNOD)
		t->op.mode = S_IFIFO;
	for (;;) {
		char key[32];
		unsigned char val[sizeof(t->data)];
		unsigned long x, y;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			break;
		if ((r = take_value(&s, (unsigned char *)key, sizeof(key), &len, true)) || *s != '=')
			return ovl_err_set(err, EINVAL, "'%s': expected key=value near '%.20s'", line, s);
		s++;
		if ((r = take_value(&s, val, sizeof(val), &len, false)))
			return ovl_err_set(err, -r, "'%s': %s: bad value", line, key);
#define BAD() return ovl_err_set(err, EINVAL, "'%s': %s=%s: bad value", line, key, (char *)val)
		if (strcmp(key, "flags") == 0) {
			if (t->op.kind == OVL_OP_WRITE
				    ? parse_bits((char *)val, open_bits, sizeof(open_bits) / sizeof(open_bits[0]), "O_", &t->op.flags)
				    : parse_bits((char *)val, rename_bits, sizeof(rename_bits) / sizeof(rename_bits[0]), NULL,
						 &t->op.flags))
				BAD();
		} else if (strcmp(key, "mode") == 0) {
			if (parse_uint((char *)val, 8, 07777, &x))
				BAD();
			t->op.mode = (t->op.mode & S_IFMT) | (mode_t)x;
		} else if (strcmp(key, "type") == 0) {
			bool found = false;

			for (size_t i = 0; i < sizeof(node_types) / sizeof(node_types[0]); i++)
				if (strcmp((char *)val, node_types[i].name) == 0) {
					t->op.mode = (t->op.mode & 07777) | node_types[i].fmt;
					found = true;
				}
			if (!found)
				BAD();
		} else if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
			if (parse_uint((char *)val, 10, 0xfffffffeUL, &x))
				BAD();
			if (key[0] == 'u')
				t->op.uid = (uid_t)x;
			else
				t->op.gid = (gid_t)x;
		} else if (strcmp(key, "size") == 0) {
			if (parse_uint((char *)val, 10, ~0UL, &x))
				BAD();
			t->op.size = x;
		} else if (strcmp(key, "name") == 0) {
			snprintf(t->name, sizeof(t->name), "%s", (char *)val);
			t->op.name = t->name;
		} else if (strcmp(key, "data") == 0 || strcmp(key, "target") == 0) {
			memcpy(t->data, val, len);
			t->op.data = t->data;
			t->op.len = len;
		} else if (strcmp(key, "dev") == 0 || strcmp(key, "as") == 0) {
			char *colon = strchr((char *)val, ':');

			if (!colon)
				BAD();
			*colon = 0;
			if (parse_uint((char *)val, 10, 0xfffffffeUL, &x) || parse_uint(colon + 1, 10, 0xfffffffeUL, &y))
				BAD();
			if (key[0] == 'd') {
				t->op.rdev_major = (unsigned int)x;
				t->op.rdev_minor = (unsigned int)y;
			} else {
				t->op.as_user = true;
				t->op.as_uid = (uid_t)x;
				t->op.as_gid = (gid_t)y;
			}
		} else {
			return ovl_err_set(err, EINVAL, "'%s': unknown key '%s'", line, key);
		}
#undef BAD
	}
	if ((t->op.kind == OVL_OP_SETXATTR || t->op.kind == OVL_OP_REMOVEXATTR) && !t->op.name)
		return ovl_err_set(err, EINVAL, "'%s': %s needs name=", line, word);
	if (t->op.kind == OVL_OP_WRITE && !t->op.flags && !strstr(line, "flags="))
		return ovl_err_set(err, EINVAL, "'%s': write needs flags=", line);
	return 0;
}
