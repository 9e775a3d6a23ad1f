// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/tree.c - in-memory layer trees, the fixture format, materialize,
 * scan, canonical dump and diff. See tree.h for the formats.
 */
#define _GNU_SOURCE
#include "tree.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <openssl/evp.h>

#define OVL_XATTR_OPAQUE	"trusted.overlay.opaque"
#define OVL_XATTR_WHITEOUT	"trusted.overlay.whiteout"
#define OVL_XATTR_PREFIX	"trusted.overlay."

/*
 * The largest size= a fixture may give. A fuzz build (OVL_FUZZING) keeps
 * it small so that the fuzzer spends its time on the parser, not on
 * hashing gigabytes of fill for each input.
 */
#ifdef OVL_FUZZING
#define OVL_FIXTURE_MAX_SIZE (1ULL << 20)
#else
#define OVL_FIXTURE_MAX_SIZE (4ULL << 30)
#endif

struct ovl_tree {
	int refcount;
	struct ovl_entry *v;
	size_t n, cap;
};

int ovl_err_set(struct ovl_err *err, int errnum, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return errnum > 0 ? -errnum : errnum;
}

void ovl_err_prefix(struct ovl_err *err, const char *fmt, ...)
{
	struct ovl_buf b = OVL_BUF_INIT;
	va_list ap;
	int n;
	char *s;

	if (!err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (!s)
		return;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ovl_buf_puts(&b, s);
	ovl_buf_puts(&b, err->msg);
	free(s);
	if (!b.failed) {
		size_t len = b.len < sizeof(err->msg) - 1 ? b.len : sizeof(err->msg) - 1;

		memcpy(err->msg, b.data, len);
		err->msg[len] = 0;
	}
	ovl_buf_free(&b);
}

/* ---- entries and trees ------------------------------------------------ */

static const char *const ftype_names[] = {
	[OVL_FT_DIR] = "dir",	[OVL_FT_REG] = "file",	  [OVL_FT_LNK] = "symlink",
	[OVL_FT_FIFO] = "fifo", [OVL_FT_SOCK] = "sock",	  [OVL_FT_CHR] = "chr",
	[OVL_FT_BLK] = "blk",	[OVL_FT_WHITEOUT] = "whiteout", [OVL_FT_HARDLINK] = "hardlink",
};

const char *ovl_ftype_name(enum ovl_ftype type)
{
	if ((size_t)type < sizeof(ftype_names) / sizeof(ftype_names[0]))
		return ftype_names[type];
	return "?";
}

static int ftype_from_name(const char *s, enum ovl_ftype *out)
{
	for (size_t i = 0; i < sizeof(ftype_names) / sizeof(ftype_names[0]); i++)
		if (strcmp(s, ftype_names[i]) == 0) {
			*out = (enum ovl_ftype)i;
			return 0;
		}
	return -EINVAL;
}

static void entry_clear(struct ovl_entry *e)
{
	free(e->path);
	free(e->data);
	free(e->target);
	free(e->layer_path);
	for (size_t i = 0; i < e->nxattrs; i++) {
		free(e->xattrs[i].name);
		free(e->xattrs[i].value);
	}
	free(e->xattrs);
	memset(e, 0, sizeof(*e));
}

static int entry_copy(struct ovl_entry *dst, const struct ovl_entry *src, const char *path)
{
	*dst = *src;
	dst->path = NULL;
	dst->data = NULL;
	dst->target = NULL;
	dst->layer_path = NULL;
	dst->xattrs = NULL;
	dst->nxattrs = 0;
	dst->path = strdup(path);
	if (!dst->path)
		goto nomem;
	if (src->data) {
		dst->data = malloc(src->data_len ? src->data_len : 1);
		if (!dst->data)
			goto nomem;
		memcpy(dst->data, src->data, src->data_len);
	}
	if (src->target && !(dst->target = strdup(src->target)))
		goto nomem;
	if (src->layer_path && !(dst->layer_path = strdup(src->layer_path)))
		goto nomem;
	if (src->nxattrs) {
		dst->xattrs = calloc(src->nxattrs, sizeof(*dst->xattrs));
		if (!dst->xattrs)
			goto nomem;
		for (size_t i = 0; i < src->nxattrs; i++) {
			struct ovl_xattr *x = &dst->xattrs[i];

			dst->nxattrs++;
			x->name = strdup(src->xattrs[i].name);
			x->value = malloc(src->xattrs[i].len ? src->xattrs[i].len : 1);
			if (!x->name || !x->value)
				goto nomem;
			memcpy(x->value, src->xattrs[i].value, src->xattrs[i].len);
			x->len = src->xattrs[i].len;
		}
	}
	return 0;
nomem:
	entry_clear(dst);
	return -ENOMEM;
}

struct ovl_tree *ovl_tree_new(void)
{
	struct ovl_tree *t = calloc(1, sizeof(*t));

	if (t)
		t->refcount = 1;
	return t;
}

struct ovl_tree *ovl_tree_ref(struct ovl_tree *t)
{
	if (t)
		t->refcount++;
	return t;
}

void ovl_tree_unref(struct ovl_tree *t)
{
	if (!t || --t->refcount > 0)
		return;
	for (size_t i = 0; i < t->n; i++)
		entry_clear(&t->v[i]);
	free(t->v);
	free(t);
}

size_t ovl_tree_count(const struct ovl_tree *t)
{
	return t ? t->n : 0;
}

const struct ovl_entry *ovl_tree_entry_at(const struct ovl_tree *t, size_t i)
{
	return t && i < t->n ? &t->v[i] : NULL;
}

static int path_rank(unsigned char c)
{
	return c == 0 ? 0 : c == '/' ? 1 : c + 2;
}

int ovl_path_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return path_rank(*x) - path_rank(*y);
}

bool ovl_path_is_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return strcmp(path, "/") != 0;
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

const char *ovl_path_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Binary search: index of path, or where it would be inserted. */
static size_t tree_search(const struct ovl_tree *t, const char *path, bool *found)
{
	size_t lo = 0, hi = t->n;

	*found = false;
	/* Trees are mostly built in canonical order: try the end first. */
	if (t->n && ovl_path_cmp(t->v[t->n - 1].path, path) < 0)
		return t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = ovl_path_cmp(t->v[mid].path, path);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int ovl_tree_find_index(const struct ovl_tree *t, const char *path, size_t *idx)
{
	bool found;
	size_t i = tree_search(t, path, &found);

	if (!found)
		return -ENOENT;
	*idx = i;
	return 0;
}

const struct ovl_entry *ovl_tree_lookup(const struct ovl_tree *t, const char *path)
{
	size_t i;

	return ovl_tree_find_index(t, path, &i) == 0 ? &t->v[i] : NULL;
}

/* A path is "/" or "/" followed by non-empty components other than . and .. */
static bool path_valid(const char *p)
{
	if (p[0] != '/')
		return false;
	if (p[1] == 0)
		return true;
	for (const char *c = p; *c;) {
		const char *s = c + 1, *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);

		if (n == 0 || n > NAME_MAX || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		c = e;
	}
	return true;
}

static int tree_insert(struct ovl_tree *t, size_t at, const struct ovl_entry *e, const char *path)
{
	struct ovl_entry copy;
	int r;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct ovl_entry *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	r = entry_copy(&copy, e, path);
	if (r)
		return r;
	memmove(&t->v[at + 1], &t->v[at], (t->n - at) * sizeof(*t->v));
	t->v[at] = copy;
	t->n++;
	return 0;
}

/* Ensure every ancestor of path exists as a directory. */
static int tree_add_parents(struct ovl_tree *t, const char *path, struct ovl_err *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return ovl_err_set(err, ENAMETOOLONG, "%s: path too long", path);
	memcpy(buf, path, len + 1);
	for (size_t i = 0; i <= len; i++) {
		bool found;
		size_t at;
		char save;

		if (i != 0 && buf[i] != '/')
			continue;
		if (i == 0) {
			save = buf[1];
			buf[1] = 0;
		} else {
			save = buf[i];
			buf[i] = 0;
		}
		if (strcmp(buf, path) != 0) {
			at = tree_search(t, buf, &found);
			if (found && t->v[at].type != OVL_FT_DIR) {
				ovl_err_set(err, ENOTDIR, "%s: parent %s is a %s, not a dir", path,
					    buf, ovl_ftype_name(t->v[at].type));
				return -ENOTDIR;
			}
			if (!found) {
				struct ovl_entry d = { .type = OVL_FT_DIR, .mode = 0755, .layer = -1 };
				int r = tree_insert(t, at, &d, buf);

				if (r)
					return ovl_err_set(err, r, "%s: out of memory", path);
			}
		}
		if (i == 0)
			buf[1] = save;
		else
			buf[i] = save;
	}
	return 0;
}

int ovl_tree_add(struct ovl_tree *t, const struct ovl_entry *e, struct ovl_err *err)
{
	bool found;
	size_t at;
	int r;

	if (!e->path || !path_valid(e->path))
		return ovl_err_set(err, EINVAL, "%s: not a valid tree path (absolute, no . or .., "
				   "no empty component)", e->path ? e->path : "(null)");
	r = tree_add_parents(t, e->path, err);
	if (r)
		return r;
	at = tree_search(t, e->path, &found);
	if (found)
		return ovl_err_set(err, EEXIST, "%s: listed twice", e->path);
	r = tree_insert(t, at, e, e->path);
	return r ? ovl_err_set(err, r, "%s: out of memory", e->path) : 0;
}

int ovl_tree_replace(struct ovl_tree *t, const char *path, const struct ovl_entry *e)
{
	struct ovl_entry copy;
	size_t i;
	int r = ovl_tree_find_index(t, path, &i);

	if (r)
		return r;
	r = entry_copy(&copy, e, path);
	if (r)
		return r;
	entry_clear(&t->v[i]);
	t->v[i] = copy;
	return 0;
}

int ovl_tree_remove(struct ovl_tree *t, const char *path)
{
	size_t i, j;
	int r = ovl_tree_find_index(t, path, &i);

	if (r)
		return r;
	for (j = i + 1; j < t->n && ovl_path_is_below(t->v[j].path, path); j++)
		;
	for (size_t k = i; k < j; k++)
		entry_clear(&t->v[k]);
	memmove(&t->v[i], &t->v[j], (t->n - j) * sizeof(*t->v));
	t->n -= j - i;
	return 0;
}

/* ---- content ------------------------------------------------------------ */

static unsigned char fill_byte(enum ovl_fill fill, uint64_t off)
{
	return fill == OVL_FILL_PATTERN ? (unsigned char)(off % 251 + 1) : 0;
}

/*
 * Fill content repeats every 251 bytes, so a chunk of a multiple of 251
 * bytes, made once, is every chunk of the file: writing or hashing a big
 * fill costs only the write or the hash.
 */
#define FILL_CHUNK (251 * 256)

static void fill_chunk(enum ovl_fill fill, unsigned char buf[FILL_CHUNK])
{
	for (size_t i = 0; i < FILL_CHUNK; i++)
		buf[i] = fill_byte(fill, i);
}

/* Digest of a fixture regular file's content (data, or size bytes of fill). */
static int entry_digest_fixture(struct ovl_entry *e)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	static unsigned char empty;
	unsigned char buf[FILL_CHUNK];
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	if (e->fill == OVL_FILL_NONE) {
		ok = ok && EVP_DigestUpdate(ctx, e->data ? e->data : &empty, e->data_len);
	} else {
		fill_chunk(e->fill, buf);
		for (uint64_t off = 0; ok && off < e->size;) {
			size_t n = e->size - off < sizeof(buf) ? (size_t)(e->size - off) : sizeof(buf);

			ok = EVP_DigestUpdate(ctx, buf, n);
			off += n;
		}
	}
	ok = ok && EVP_DigestFinal_ex(ctx, e->sha256, NULL);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -EIO;
	e->has_digest = true;
	return 0;
}

/* sha256 of everything readable from fd; size read into *size. */
static int digest_fd(int fd, unsigned char out[32], uint64_t *size)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[65536];
	uint64_t total = 0;
	int r = 0;

	if (!ctx)
		return -ENOMEM;
	if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		r = -EIO;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n)) {
			r = -EIO;
			goto out;
		}
	}
	if (!EVP_DigestFinal_ex(ctx, out, NULL))
		r = -EIO;
	*size = total;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

/* ---- escaping ------------------------------------------------------------ */

/* Append s (len bytes) escaped; quoted adds quotes and keeps spaces escaped too. */
static void esc_append(struct ovl_buf *b, const unsigned char *s, size_t len, bool quoted)
{
	if (quoted)
		ovl_buf_putc(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '\\' || c == '"')
			ovl_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			ovl_buf_puts(b, "\\n");
		else if (c == '\t')
			ovl_buf_puts(b, "\\t");
		else if (c < 0x20 || c >= 0x7f ||
			 (!quoted && (c == ' ' || c == '=' || c == '#')))
			ovl_buf_printf(b, "\\x%02x", c);
		else
			ovl_buf_putc(b, (char)c);
	}
	if (quoted)
		ovl_buf_putc(b, '"');
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Read one token from *pp: a bare run of non-space characters, or a quoted
 * string, with escapes decoded. For key=value tokens, stop_at_eq ends the
 * token at '=' (which is left in place). Returns the decoded length or -1.
 */
static ssize_t token_read(const char **pp, unsigned char *out, size_t cap, bool stop_at_eq)
{
	const char *p = *pp;
	bool quoted = *p == '"', closed = false;
	size_t n = 0;

	if (quoted)
		p++;
	while (*p) {
		int c = (unsigned char)*p;

		if (quoted && c == '"') {
			p++;
			closed = true;
			break;
		}
		if (!quoted && (isspace(c) || (stop_at_eq && c == '=')))
			break;
		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'x': {
				int h = hexval(p[1]), l = h < 0 ? -1 : hexval(p[2]);

				if (l < 0)
					return -1;
				c = h * 16 + l;
				p += 2;
				break;
			}
			default:
				return -1;
			}
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = (unsigned char)c;
		p++;
	}
	if (quoted && !closed)
		return -1; /* unterminated */
	out[n] = 0;
	*pp = p;
	return (ssize_t)n;
}

/* ---- fixture parsing ------------------------------------------------------ */

struct ovl_fixture {
	size_t n;
	char **names;
	struct ovl_tree **trees;
};

void ovl_fixture_free(struct ovl_fixture *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->names[i]);
		ovl_tree_unref(f->trees[i]);
	}
	free(f->names);
	free(f->trees);
	free(f);
}

size_t ovl_fixture_count(const struct ovl_fixture *f)
{
	return f ? f->n : 0;
}

const char *ovl_fixture_name_at(const struct ovl_fixture *f, size_t i)
{
	return f && i < f->n ? f->names[i] : NULL;
}

struct ovl_tree *ovl_fixture_tree(const struct ovl_fixture *f, const char *name)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (strcmp(f->names[i], name) == 0)
			return f->trees[i];
	return NULL;
}

static int fixture_add_tree(struct ovl_fixture *f, const char *name)
{
	char **names = realloc(f->names, (f->n + 1) * sizeof(*names));
	struct ovl_tree **trees;

	if (!names)
		return -ENOMEM;
	f->names = names;
	trees = realloc(f->trees, (f->n + 1) * sizeof(*trees));
	if (!trees)
		return -ENOMEM;
	f->trees = trees;
	f->names[f->n] = strdup(name);
	f->trees[f->n] = ovl_tree_new();
	/* Every tree has its root, even one with no entries. */
	if (f->trees[f->n] && tree_add_parents(f->trees[f->n], "/.", NULL)) {
		ovl_tree_unref(f->trees[f->n]);
		f->trees[f->n] = NULL;
	}
	if (!f->names[f->n] || !f->trees[f->n]) {
		free(f->names[f->n]);
		ovl_tree_unref(f->trees[f->n]);
		return -ENOMEM;
	}
	f->n++;
	return 0;
}

static int parse_uint(const char *s, int base, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int xattr_add(struct ovl_entry *e, const char *name, const unsigned char *val, size_t len)
{
	struct ovl_xattr *v;
	size_t at = 0;

	while (at < e->nxattrs && strcmp(e->xattrs[at].name, name) < 0)
		at++;
	if (at < e->nxattrs && strcmp(e->xattrs[at].name, name) == 0)
		return -EEXIST;
	v = realloc(e->xattrs, (e->nxattrs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	e->xattrs = v;
	memmove(&v[at + 1], &v[at], (e->nxattrs - at) * sizeof(*v));
	v[at].name = strdup(name);
	v[at].value = malloc(len ? len : 1);
	if (!v[at].name || !v[at].value) {
		free(v[at].name);
		free(v[at].value);
		memmove(&v[at], &v[at + 1], (e->nxattrs - at) * sizeof(*v));
		return -ENOMEM;
	}
	memcpy(v[at].value, val, len);
	v[at].len = len;
	e->nxattrs++;
	return 0;
}

static void xattr_del(struct ovl_entry *e, size_t at)
{
	free(e->xattrs[at].name);
	free(e->xattrs[at].value);
	memmove(&e->xattrs[at], &e->xattrs[at + 1], (e->nxattrs - at - 1) * sizeof(*e->xattrs));
	e->nxattrs--;
}

#define TOKEN_MAX 65536

/* Parse the attributes after "type path" into e. */
static int parse_attrs(const char *p, struct ovl_entry *e, bool *has_size, const char *where,
		       struct ovl_err *err)
{
	unsigned char *key = malloc(TOKEN_MAX), *val = malloc(TOKEN_MAX);
	int r = 0;

	if (!key || !val) {
		r = ovl_err_set(err, ENOMEM, "%s: out of memory", where);
		goto out;
	}
	for (;;) {
		unsigned long long u;
		ssize_t vlen = -1, klen;
		const char *k;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			break;
		klen = token_read(&p, key, TOKEN_MAX, true);
		if (klen < 0) {
			r = ovl_err_set(err, EINVAL, "%s: bad escape or quote in attribute", where);
			goto out;
		}
		k = (const char *)key;
		if (*p == '=') {
			p++;
			vlen = token_read(&p, val, TOKEN_MAX, false);
			if (vlen < 0) {
				r = ovl_err_set(err, EINVAL, "%s: %s: bad escape, quote or length in value",
						where, k);
				goto out;
			}
		}
		if (*p && !isspace((unsigned char)*p)) {
			r = ovl_err_set(err, EINVAL, "%s: %s: junk after value", where, k);
			goto out;
		}
		/* A NUL byte may stand in content and xattr values, nowhere else. */
		if (klen == 0 || strlen(k) != (size_t)klen ||
		    (vlen > 0 && strcmp(k, "data") != 0 && strncmp(k, "xattr.", 6) != 0 &&
		     memchr(val, 0, (size_t)vlen))) {
			r = ovl_err_set(err, EINVAL, "%s: %s: a NUL byte is allowed only in data= and "
					"xattr values", where, k);
			goto out;
		}
#define NEED_VALUE()                                                                          \
	do {                                                                                   \
		if (vlen < 0) {                                                                \
			r = ovl_err_set(err, EINVAL, "%s: %s needs a value (%s=...)", where, k, k); \
			goto out;                                                              \
		}                                                                              \
	} while (0)
#define BAD_VALUE()                                                                            \
	do {                                                                                    \
		r = ovl_err_set(err, EINVAL, "%s: %s: bad value '%s'", where, k, (char *)val);  \
		goto out;                                                                       \
	} while (0)
		if (strcmp(k, "mode") == 0) {
			NEED_VALUE();
			if (parse_uint((char *)val, 8, 07777, &u))
				BAD_VALUE();
			e->mode = (mode_t)u;
		} else if (strcmp(k, "uid") == 0 || strcmp(k, "gid") == 0) {
			NEED_VALUE();
			if (parse_uint((char *)val, 10, 0xfffffffeULL, &u))
				BAD_VALUE();
			if (k[0] == 'u')
				e->uid = (uid_t)u;
			else
				e->gid = (gid_t)u;
		} else if (strcmp(k, "data") == 0) {
			NEED_VALUE();
			free(e->data);
			e->data = malloc((size_t)vlen + 1);
			if (!e->data) {
				r = ovl_err_set(err, ENOMEM, "%s: out of memory", where);
				goto out;
			}
			memcpy(e->data, val, (size_t)vlen);
			e->data_len = (size_t)vlen;
		} else if (strcmp(k, "size") == 0) {
			NEED_VALUE();
			if (parse_uint((char *)val, 10, OVL_FIXTURE_MAX_SIZE, &u))
				BAD_VALUE();
			e->size = u;
			*has_size = true;
		} else if (strcmp(k, "fill") == 0) {
			NEED_VALUE();
			if (strcmp((char *)val, "zero") == 0)
				e->fill = OVL_FILL_ZERO;
			else if (strcmp((char *)val, "pattern") == 0)
				e->fill = OVL_FILL_PATTERN;
			else if (strcmp((char *)val, "hole") == 0)
				e->fill = OVL_FILL_HOLE;
			else
				BAD_VALUE();
		} else if (strcmp(k, "sha256") == 0) {
			NEED_VALUE();
			if (vlen != 64)
				BAD_VALUE();
			for (int i = 0; i < 32; i++) {
				int h = hexval(val[2 * i]), l = hexval(val[2 * i + 1]);

				if (h < 0 || l < 0 || isupper(val[2 * i]) || isupper(val[2 * i + 1]))
					BAD_VALUE();
				e->sha256[i] = (unsigned char)(h * 16 + l);
			}
			e->has_digest = true;
		} else if (strcmp(k, "target") == 0) {
			NEED_VALUE();
			/* a second target= replaces the first; a bad one leaves none behind to free twice */
			free(e->target);
			e->target = NULL;
			if (vlen == 0 || memchr(val, 0, (size_t)vlen))
				BAD_VALUE();
			e->target = strdup((char *)val);
			if (!e->target) {
				r = ovl_err_set(err, ENOMEM, "%s: out of memory", where);
				goto out;
			}
		} else if (strcmp(k, "dev") == 0) {
			char *colon;
			unsigned long long ma, mi;

			NEED_VALUE();
			colon = strchr((char *)val, ':');
			if (!colon)
				BAD_VALUE();
			*colon = 0;
			if (parse_uint((char *)val, 10, 0xfff, &ma) ||
			    parse_uint(colon + 1, 10, 0xfffff, &mi)) {
				*colon = ':';
				BAD_VALUE();
			}
			e->rdev_major = (unsigned int)ma;
			e->rdev_minor = (unsigned int)mi;
		} else if (strcmp(k, "opaque") == 0) {
			if (e->flags & (OVL_ENTRY_OPAQUE | OVL_ENTRY_XWHITEOUTS)) {
				r = ovl_err_set(err, EINVAL, "%s: opaque given twice", where);
				goto out;
			}
			if (vlen < 0 || strcmp((char *)val, "y") == 0)
				e->flags |= OVL_ENTRY_OPAQUE;
			else if (strcmp((char *)val, "x") == 0)
				e->flags |= OVL_ENTRY_XWHITEOUTS;
			else
				BAD_VALUE();
		} else if (strcmp(k, "form") == 0) {
			NEED_VALUE();
			if (strcmp((char *)val, "xattr") == 0)
				e->flags |= OVL_ENTRY_XATTR_FORM;
			else if (strcmp((char *)val, "chr") != 0)
				BAD_VALUE();
		} else if (strncmp(k, "xattr.", 6) == 0 && k[6]) {
			NEED_VALUE();
			if (strncmp(k + 6, OVL_XATTR_PREFIX, strlen(OVL_XATTR_PREFIX)) == 0 &&
			    (strcmp(k + 6, OVL_XATTR_OPAQUE) == 0 || strcmp(k + 6, OVL_XATTR_WHITEOUT) == 0)) {
				r = ovl_err_set(err, EINVAL, "%s: %s: use the opaque/whiteout marks, not the raw xattr",
						where, k);
				goto out;
			}
			r = xattr_add(e, k + 6, val, (size_t)vlen);
			if (r) {
				ovl_err_set(err, r, "%s: %s: %s", where, k,
					    r == -EEXIST ? "given twice" : "out of memory");
				goto out;
			}
		} else {
			r = ovl_err_set(err, EINVAL, "%s: unknown attribute '%s'", where, k);
			goto out;
		}
#undef NEED_VALUE
#undef BAD_VALUE
	}
out:
	free(key);
	free(val);
	return r;
}

/* Check that the attributes given make sense for the type. */
static int entry_check(struct ovl_entry *e, bool has_size, const char *where, struct ovl_err *err)
{
	bool is_dev = e->type == OVL_FT_CHR || e->type == OVL_FT_BLK;

	if ((e->flags & (OVL_ENTRY_OPAQUE | OVL_ENTRY_XWHITEOUTS)) && e->type != OVL_FT_DIR)
		return ovl_err_set(err, EINVAL, "%s: opaque applies to dirs only", where);
	if ((e->flags & OVL_ENTRY_XATTR_FORM) && e->type != OVL_FT_WHITEOUT)
		return ovl_err_set(err, EINVAL, "%s: form= applies to whiteouts only", where);
	if ((e->type == OVL_FT_LNK || e->type == OVL_FT_HARDLINK) != (e->target != NULL))
		return ovl_err_set(err, EINVAL, "%s: target= is %s for a %s", where,
				   e->target ? "not allowed" : "required", ovl_ftype_name(e->type));
	if (e->type == OVL_FT_HARDLINK && !path_valid(e->target))
		return ovl_err_set(err, EINVAL, "%s: hardlink target '%s' is not an absolute tree path",
				   where, e->target);
	if (!is_dev && (e->rdev_major || e->rdev_minor))
		return ovl_err_set(err, EINVAL, "%s: dev= applies to chr/blk only", where);
	if (e->type == OVL_FT_REG) {
		unsigned char given[32];
		bool check = e->has_digest;

		if (e->data && (e->fill != OVL_FILL_NONE || (has_size && e->size != e->data_len)))
			return ovl_err_set(err, EINVAL, "%s: give data= or size=/fill=, not both", where);
		if (e->data)
			e->size = e->data_len;
		else if (has_size && e->fill == OVL_FILL_NONE && !e->has_digest)
			e->fill = OVL_FILL_ZERO;
		if (check && !e->data && e->fill == OVL_FILL_NONE && e->size > 0) {
			/* A dump line: content known by digest only; it cannot be materialized. */
			e->flags |= OVL_ENTRY_DIGEST_ONLY;
		} else {
			int r;

			memcpy(given, e->sha256, sizeof(given));
			r = entry_digest_fixture(e);
			if (r)
				return ovl_err_set(err, r, "%s: cannot digest content", where);
			if (check && memcmp(given, e->sha256, sizeof(given)) != 0)
				return ovl_err_set(err, EINVAL, "%s: sha256= does not match the content given",
						   where);
		}
	}
	if (e->type == OVL_FT_CHR && e->rdev_major == 0 && e->rdev_minor == 0)
		return ovl_err_set(err, EINVAL, "%s: chr dev=0:0 is overlayfs' whiteout; write 'whiteout'",
				   where);
	if (e->type == OVL_FT_HARDLINK && (e->mode || e->uid || e->gid || e->nxattrs))
		return ovl_err_set(err, EINVAL, "%s: a hardlink takes no metadata (its target has it)",
				   where);
	if (e->type != OVL_FT_REG && (e->data || has_size || e->fill || e->has_digest))
		return ovl_err_set(err, EINVAL, "%s: content applies to regular files only", where);
	if (e->type == OVL_FT_WHITEOUT &&
	    (e->mode || e->uid || e->gid || e->nxattrs))
		return ovl_err_set(err, EINVAL, "%s: a whiteout takes no metadata", where);
	return 0;
}

/*
 * The canonical form of a hard-link group, as a scan sees it: the name
 * first in canonical order is the file, every other name links to it.
 */
static int canonical_hardlinks(struct ovl_tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct ovl_entry *h = &t->v[i], file, link = { .type = OVL_FT_HARDLINK, .layer = -1 };
		char *old_target, *first;
		size_t ti;
		int r;

		if (h->type != OVL_FT_HARDLINK || ovl_path_cmp(h->path, h->target) > 0)
			continue;
		/* h sorts before its target: h becomes the file, the others link to h. */
		old_target = strdup(h->target);
		first = strdup(h->path);
		if (!old_target || !first || ovl_tree_find_index(t, old_target, &ti)) {
			free(old_target);
			free(first);
			return old_target && first ? -EINVAL : -ENOMEM;
		}
		file = t->v[ti];
		r = ovl_tree_replace(t, first, &file);
		link.target = first;
		if (!r)
			r = ovl_tree_replace(t, old_target, &link);
		for (size_t k = 0; k < t->n && !r; k++)
			if (t->v[k].type == OVL_FT_HARDLINK && strcmp(t->v[k].target, old_target) == 0 &&
			    strcmp(t->v[k].path, first) != 0)
				r = ovl_tree_replace(t, t->v[k].path, &link);
		free(old_target);
		free(first);
		if (r)
			return r;
	}
	return 0;
}

static void strip_comment_newline(char *line)
{
	size_t n = strlen(line);

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
}

int ovl_fixture_parse(const char *text, const char *origin, struct ovl_fixture **out,
		      struct ovl_err *err)
{
	struct ovl_fixture *f = calloc(1, sizeof(*f));
	struct ovl_tree *cur = NULL;
	const char *p = text;
	unsigned int lineno = 0;
	bool root_given = false;
	int r = 0;

	if (!f)
		return ovl_err_set(err, ENOMEM, "%s: out of memory", origin);
	while (*p) {
		const char *nl = strchrnul(p, '\n');
		size_t len = (size_t)(nl - p);
		char *line = strndup(p, len), *s;
		char where[PATH_MAX + 64], word[32];
		unsigned char *path = NULL;
		struct ovl_entry e = { .layer = -1 };
		bool has_size = false;
		size_t wl = 0;
		ssize_t plen;

		p = *nl ? nl + 1 : nl;
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", origin, lineno);
		if (!line) {
			r = ovl_err_set(err, ENOMEM, "%s: out of memory", where);
			goto fail;
		}
		strip_comment_newline(line);
		s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#') {
			free(line);
			continue;
		}
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (!end || end == s + 1 || end[1]) {
				free(line);
				r = ovl_err_set(err, EINVAL, "%s: bad section header (want [name])", where);
				goto fail;
			}
			*end = 0;
			if (ovl_fixture_tree(f, s + 1)) {
				r = ovl_err_set(err, EEXIST, "%s: tree [%s] given twice", where, s + 1);
				free(line);
				goto fail;
			}
			r = fixture_add_tree(f, s + 1);
			cur = r ? NULL : f->trees[f->n - 1];
			root_given = false;
			free(line);
			if (r) {
				ovl_err_set(err, r, "%s: out of memory", where);
				goto fail;
			}
			continue;
		}
		while (s[wl] && !isspace((unsigned char)s[wl]) && wl < sizeof(word) - 1) {
			word[wl] = s[wl];
			wl++;
		}
		word[wl] = 0;
		if (ftype_from_name(word, &e.type)) {
			r = ovl_err_set(err, EINVAL, "%s: unknown entry type '%s'", where, word);
			free(line);
			goto fail;
		}
		s += wl;
		while (isspace((unsigned char)*s))
			s++;
		path = malloc(PATH_MAX);
		if (!path || *s == '"' || (plen = token_read((const char **)&s, path, PATH_MAX, false)) <= 0 ||
		    strlen((char *)path) != (size_t)plen) {
			r = ovl_err_set(err, EINVAL, "%s: missing or badly escaped path (or a NUL in it)", where);
			free(path);
			free(line);
			goto fail;
		}
		snprintf(where, sizeof(where), "%s:%u: %s", origin, lineno, (char *)path);
		e.mode = e.type == OVL_FT_DIR ? 0755 : e.type == OVL_FT_LNK ? 0777 : 0644;
		if (e.type == OVL_FT_WHITEOUT || e.type == OVL_FT_HARDLINK)
			e.mode = 0;
		e.path = (char *)path;
		r = parse_attrs(s, &e, &has_size, where, err);
		if (!r)
			r = entry_check(&e, has_size, where, err);
		if (!r && !cur) {
			if (f->n) {
				r = ovl_err_set(err, EINVAL, "%s: entry before the first [tree]", where);
			} else {
				r = fixture_add_tree(f, "");
				cur = r ? NULL : f->trees[0];
				if (r)
					ovl_err_set(err, r, "%s: out of memory", where);
			}
		}
		if (!r && strcmp(e.path, "/") == 0 && e.type == OVL_FT_DIR && !root_given) {
			/* The root is implied; an explicit "dir /" sets its metadata. */
			root_given = true;
			r = ovl_tree_replace(cur, "/", &e);
			if (r)
				ovl_err_set(err, r, "%s: out of memory", where);
		} else if (!r) {
			r = ovl_tree_add(cur, &e, err);
			if (r)
				ovl_err_prefix(err, "%s:%u: ", origin, lineno);
		}
		entry_clear(&e);
		free(line);
		if (r)
			goto fail;
	}
	/*
	 * Hardlinks must name a regular file of the same tree; xattr-form
	 * whiteouts count as whiteouts only in a dir marked opaque=x.
	 */
	for (size_t i = 0; i < f->n; i++) {
		for (size_t j = 0; j < f->trees[i]->n; j++) {
			const struct ovl_entry *h = &f->trees[i]->v[j], *t;

			if (h->type == OVL_FT_WHITEOUT && (h->flags & OVL_ENTRY_XATTR_FORM)) {
				char parent[PATH_MAX];
				const char *slash = strrchr(h->path, '/');

				snprintf(parent, sizeof(parent), "%.*s", slash == h->path ? 1 : (int)(slash - h->path),
					 h->path);
				t = ovl_tree_lookup(f->trees[i], parent);
				if (!t || !(t->flags & OVL_ENTRY_XWHITEOUTS)) {
					r = ovl_err_set(err, EINVAL, "%s: whiteout %s form=xattr: its dir %s must "
							"be marked opaque=x", origin, h->path, parent);
					goto fail;
				}
			}
			if (h->type != OVL_FT_HARDLINK)
				continue;
			t = ovl_tree_lookup(f->trees[i], h->target);
			if (!t || t->type != OVL_FT_REG) {
				r = ovl_err_set(err, EINVAL, "%s: hardlink %s: target %s is not a regular "
						"file of the same tree", origin, h->path, h->target);
				goto fail;
			}
		}
	}
	for (size_t i = 0; i < f->n && !r; i++)
		r = canonical_hardlinks(f->trees[i]);
	if (r) {
		ovl_err_set(err, r, "%s: out of memory", origin);
		goto fail;
	}
	if (f->n == 0 && (r = fixture_add_tree(f, "")))
		goto fail;
	*out = f;
	return 0;
fail:
	ovl_fixture_free(f);
	return r;
}

int ovl_fixture_load(const char *file, struct ovl_fixture **out, struct ovl_err *err)
{
	char *text = NULL;
	size_t len;
	int r = ovl_read_file(file, &text, &len, 16u << 20);

	if (r)
		return ovl_err_set(err, r, "%s: cannot read fixture: %s", file, strerror(-r));
	if (memchr(text, 0, len)) {
		free(text);
		return ovl_err_set(err, EINVAL, "%s: fixture holds a NUL byte", file);
	}
	r = ovl_fixture_parse(text, file, out, err);
	free(text);
	return r;
}

/* ---- canonical dump ------------------------------------------------------ */

static void format_into(struct ovl_buf *b, const struct ovl_entry *e, unsigned int flags)
{
	bool owner = !(flags & OVL_DUMP_NO_OWNER);

	ovl_buf_printf(b, "%s ", ovl_ftype_name(e->type));
	esc_append(b, (const unsigned char *)e->path, strlen(e->path), false);
	switch (e->type) {
	case OVL_FT_WHITEOUT:
		if (e->flags & OVL_ENTRY_XATTR_FORM)
			ovl_buf_puts(b, " form=xattr");
		goto xattrs;
	case OVL_FT_HARDLINK:
		ovl_buf_puts(b, " target=");
		esc_append(b, (const unsigned char *)e->target, strlen(e->target), true);
		goto layer;
	case OVL_FT_LNK:
		break;
	default:
		ovl_buf_printf(b, " mode=%04o", (unsigned int)e->mode);
	}
	if (owner)
		ovl_buf_printf(b, " uid=%u gid=%u", (unsigned int)e->uid, (unsigned int)e->gid);
	switch (e->type) {
	case OVL_FT_DIR:
		if (e->flags & OVL_ENTRY_OPAQUE)
			ovl_buf_puts(b, " opaque");
		if (e->flags & OVL_ENTRY_XWHITEOUTS)
			ovl_buf_puts(b, " opaque=x");
		break;
	case OVL_FT_REG:
		ovl_buf_printf(b, " size=%llu", (unsigned long long)e->size);
		if (e->has_digest) {
			ovl_buf_puts(b, " sha256=");
			for (int i = 0; i < 32; i++)
				ovl_buf_printf(b, "%02x", e->sha256[i]);
		}
		break;
	case OVL_FT_LNK:
		ovl_buf_puts(b, " target=");
		esc_append(b, (const unsigned char *)e->target, strlen(e->target), true);
		break;
	case OVL_FT_CHR:
	case OVL_FT_BLK:
		ovl_buf_printf(b, " dev=%u:%u", e->rdev_major, e->rdev_minor);
		break;
	default:
		break;
	}
xattrs:
	for (size_t i = 0; i < e->nxattrs; i++) {
		const struct ovl_xattr *x = &e->xattrs[i];

		if ((flags & OVL_DUMP_NO_OVL_XATTRS) &&
		    strncmp(x->name, OVL_XATTR_PREFIX, strlen(OVL_XATTR_PREFIX)) == 0 &&
		    strcmp(x->name, OVL_XATTR_PREFIX "redirect") != 0)
			continue;
		ovl_buf_puts(b, " xattr.");
		esc_append(b, (const unsigned char *)x->name, strlen(x->name), false);
		ovl_buf_putc(b, '=');
		esc_append(b, x->value, x->len, true);
	}
layer:
	if ((flags & OVL_DUMP_LAYER) && e->layer >= 0)
		ovl_buf_printf(b, "  # layer %d", e->layer);
}

int ovl_entry_format(const struct ovl_entry *e, unsigned int flags, char *buf, size_t len)
{
	struct ovl_buf b = OVL_BUF_INIT;
	int r;

	format_into(&b, e, flags);
	r = b.failed ? -ENOMEM : 0;
	if (len) {
		size_t n = b.len < len - 1 ? b.len : len - 1;

		if (b.data)
			memcpy(buf, b.data, n);
		buf[n] = 0;
		if (!r && b.len >= len)
			r = -ENOSPC;
	}
	ovl_buf_free(&b);
	return r;
}

/* Format into a freshly allocated string (NULL on ENOMEM). */
static char *entry_line(const struct ovl_entry *e, unsigned int flags)
{
	struct ovl_buf b = OVL_BUF_INIT;

	format_into(&b, e, flags);
	return ovl_buf_steal(&b);
}

int ovl_tree_dump(const struct ovl_tree *t, unsigned int flags, FILE *out)
{
	for (size_t i = 0; i < t->n; i++) {
		char *line = entry_line(&t->v[i], flags);

		if (!line)
			return -ENOMEM;
		fprintf(out, "%s\n", line);
		free(line);
	}
	return ferror(out) ? -EIO : 0;
}

int ovl_tree_diff(const struct ovl_tree *expected, const struct ovl_tree *actual,
		  unsigned int flags, FILE *out)
{
	size_t i = 0, j = 0;
	int ndiff = 0;
	unsigned int cmpflags = flags & ~OVL_DUMP_LAYER;

	while (i < expected->n || j < actual->n) {
		const struct ovl_entry *a = i < expected->n ? &expected->v[i] : NULL;
		const struct ovl_entry *b = j < actual->n ? &actual->v[j] : NULL;
		int c = !a ? 1 : !b ? -1 : ovl_path_cmp(a->path, b->path);
		char *la = NULL, *lb = NULL;

		if (c <= 0 && !(la = entry_line(a, cmpflags)))
			return -ENOMEM;
		if (c >= 0 && !(lb = entry_line(b, cmpflags))) {
			free(la);
			return -ENOMEM;
		}
		if (c != 0 || strcmp(la, lb) != 0) {
			ndiff++;
			if (la) {
				char *shown = entry_line(a, flags);

				fprintf(out, "- %s\n", shown ? shown : la);
				free(shown);
			}
			if (lb)
				fprintf(out, "+ %s\n", lb);
		}
		free(la);
		free(lb);
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	return ferror(out) ? -EIO : ndiff;
}

/* ---- materialize --------------------------------------------------------- */

/* Open the directory holding path (relative to rootfd), never leaving root. */
static int open_parent(int rootfd, const char *path, const char **name)
{
	char buf[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = (size_t)(slash - path);

	*name = slash + 1;
	if (n == 0) {
		int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);

		return fd < 0 ? -errno : fd;
	}
	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path + 1, n - 1);
	buf[n - 1] = 0;
	return ovl_openat_beneath(rootfd, buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int write_content(int fd, const struct ovl_entry *e)
{
	unsigned char buf[FILL_CHUNK];

	if (e->fill == OVL_FILL_NONE)
		return ovl_write_all(fd, e->data, e->data_len);
	if (e->fill == OVL_FILL_HOLE)
		return ftruncate(fd, (off_t)e->size) ? -errno : 0;
	fill_chunk(e->fill, buf);
	for (uint64_t off = 0; off < e->size;) {
		size_t n = e->size - off < sizeof(buf) ? (size_t)(e->size - off) : sizeof(buf);
		int r;

		r = ovl_write_all(fd, buf, n);
		if (r)
			return r;
		off += n;
	}
	return 0;
}

static int set_xattrs(int pfd, const char *name, int fd, const struct ovl_entry *e)
{
	char proc[64 + NAME_MAX];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", pfd, name);
	for (size_t i = 0; i < e->nxattrs; i++) {
		const struct ovl_xattr *x = &e->xattrs[i];
		int r = fd >= 0 ? fsetxattr(fd, x->name, x->value, x->len, 0)
				: lsetxattr(proc, x->name, x->value, x->len, 0);

		if (r)
			return -errno;
	}
	return 0;
}

static int materialize_one(int rootfd, const struct ovl_tree *t, const struct ovl_entry *e,
			   unsigned int flags, struct ovl_err *err)
{
	const char *name;
	int pfd, fd = -1, r = 0;
	const char *what = "create";

	if (strcmp(e->path, "/") == 0) {
		pfd = -1;
		fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return ovl_err_set(err, errno, "%s: dup: %m", e->path);
		goto attrs;
	}
	pfd = open_parent(rootfd, e->path, &name);
	if (pfd < 0)
		return ovl_err_set(err, pfd, "%s: cannot open parent dir: %s", e->path, strerror(-pfd));
	switch (e->type) {
	case OVL_FT_DIR:
		if (mkdirat(pfd, name, 0700))
			goto fail_errno;
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		break;
	case OVL_FT_REG:
		if (e->flags & OVL_ENTRY_DIGEST_ONLY) {
			r = -EINVAL;
			what = "content known only by its sha256 (a dump line), cannot write it";
			goto fail;
		}
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 && (r = write_content(fd, e))) {
			what = "write";
			goto fail;
		}
		break;
	case OVL_FT_LNK:
		if (symlinkat(e->target, pfd, name))
			goto fail_errno;
		break;
	case OVL_FT_FIFO:
	case OVL_FT_SOCK:
	case OVL_FT_CHR:
	case OVL_FT_BLK: {
		mode_t fmt = e->type == OVL_FT_FIFO ? S_IFIFO : e->type == OVL_FT_SOCK ? S_IFSOCK
			   : e->type == OVL_FT_CHR ? S_IFCHR : S_IFBLK;

		if (mknodat(pfd, name, fmt | 0600, makedev(e->rdev_major, e->rdev_minor)))
			goto fail_errno;
		break;
	}
	case OVL_FT_WHITEOUT:
		if (e->flags & OVL_ENTRY_XATTR_FORM) {
			fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd < 0)
				goto fail_errno;
			if (fsetxattr(fd, OVL_XATTR_WHITEOUT, "", 0, 0)) {
				what = "setxattr " OVL_XATTR_WHITEOUT;
				goto fail_errno;
			}
		} else if (mknodat(pfd, name, S_IFCHR | 0000, makedev(0, 0))) {
			what = "mknod 0/0 whiteout";
			goto fail_errno;
		}
		goto done;
	case OVL_FT_HARDLINK: {
		const char *tname;
		int tpfd = open_parent(rootfd, e->target, &tname);

		if (tpfd < 0) {
			r = tpfd;
			goto fail;
		}
		r = linkat(tpfd, tname, pfd, name, 0) ? -errno : 0;
		close(tpfd);
		what = "link";
		if (r)
			goto fail;
		goto done;
	}
	}
	if (fd < 0 && (e->type == OVL_FT_DIR || e->type == OVL_FT_REG))
		goto fail_errno;
attrs:
	if (!(flags & OVL_MAT_NO_OWNER)) {
		what = "chown";
		if (fd >= 0 ? fchown(fd, e->uid, e->gid)
			    : fchownat(pfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW))
			goto fail_errno;
	}
	what = "setxattr";
	if ((r = set_xattrs(pfd, pfd >= 0 ? name : "", fd, e)))
		goto fail;
	if (e->type == OVL_FT_DIR && (e->flags & (OVL_ENTRY_OPAQUE | OVL_ENTRY_XWHITEOUTS))) {
		const char *v = (e->flags & OVL_ENTRY_OPAQUE) ? "y" : "x";

		what = "setxattr " OVL_XATTR_OPAQUE;
		if (fsetxattr(fd, OVL_XATTR_OPAQUE, v, 1, 0))
			goto fail_errno;
	}
	/* Directory modes are set afterwards, in reverse order. */
	what = "chmod";
	if (e->type == OVL_FT_REG && fchmod(fd, e->mode))
		goto fail_errno;
	if (e->type != OVL_FT_DIR && e->type != OVL_FT_REG && e->type != OVL_FT_LNK &&
	    fchmodat(pfd, name, e->mode, 0))
		goto fail_errno;
	goto done;
fail_errno:
	r = -errno;
fail:
	ovl_err_set(err, r, "%s: %s: %s", e->path, what, strerror(-r));
done:
	(void)t;
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	return r;
}

int ovl_tree_materialize(const struct ovl_tree *t, const char *dir, unsigned int flags,
			 struct ovl_err *err)
{
	int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (rootfd < 0)
		return ovl_err_set(err, errno, "%s: cannot open target dir: %m", dir);
	/* Hard links last: their target may sort after them. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < t->n && !r; i++) {
			if ((t->v[i].type == OVL_FT_HARDLINK) != (pass == 1))
				continue;
			r = materialize_one(rootfd, t, &t->v[i], flags, err);
			if (r)
				ovl_err_prefix(err, "%s", dir);
		}
	for (size_t i = t->n; i-- > 0 && !r;) {
		const struct ovl_entry *e = &t->v[i];
		int fd;

		if (e->type != OVL_FT_DIR)
			continue;
		fd = strcmp(e->path, "/") == 0 ? fcntl(rootfd, F_DUPFD_CLOEXEC, 0)
		     : ovl_openat_beneath(rootfd, e->path + 1, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fchmod(fd, e->mode))
			r = ovl_err_set(err, fd < 0 ? fd : errno, "%s%s: chmod %04o: %s", dir,
					e->path, (unsigned int)e->mode,
					strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			close(fd);
	}
	close(rootfd);
	return r;
}

/* ---- scan ------------------------------------------------------------------ */

static int read_xattrs(int fd, const char *path, struct ovl_entry *e)
{
	char *names = NULL;
	ssize_t len;
	int r = 0;

	for (;;) {
		len = fd >= 0 ? flistxattr(fd, NULL, 0) : llistxattr(path, NULL, 0);
		if (len <= 0) {
			int e = len < 0 && errno != ENOTSUP ? -errno : 0;

			free(names);
			return e;
		}
		free(names);
		names = malloc((size_t)len);
		if (!names)
			return -ENOMEM;
		len = fd >= 0 ? flistxattr(fd, names, (size_t)len) : llistxattr(path, names, (size_t)len);
		if (len == 0) {
			free(names);
			return 0;
		}
		if (len > 0)
			break;
		if (errno != ERANGE) {
			free(names);
			return -errno;
		}
	}
	for (char *n = names; n < names + len && !r; n += strlen(n) + 1) {
		unsigned char *val = NULL;
		ssize_t vlen;

		for (;;) {
			vlen = fd >= 0 ? fgetxattr(fd, n, NULL, 0) : lgetxattr(path, n, NULL, 0);
			if (vlen < 0)
				break;
			free(val);
			val = malloc((size_t)vlen + 1);
			if (!val) {
				r = -ENOMEM;
				break;
			}
			vlen = fd >= 0 ? fgetxattr(fd, n, val, (size_t)vlen)
				       : lgetxattr(path, n, val, (size_t)vlen);
			if (vlen >= 0 || errno != ERANGE)
				break;
		}
		if (!r && vlen < 0 && errno != ENODATA)
			r = -errno;
		if (!r && vlen >= 0)
			r = xattr_add(e, n, val, (size_t)vlen);
		free(val);
	}
	free(names);
	return r;
}

static ssize_t xattr_find(const struct ovl_entry *e, const char *name)
{
	for (size_t i = 0; i < e->nxattrs; i++)
		if (strcmp(e->xattrs[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

struct scan {
	struct ovl_tree *t;
	unsigned int flags;
	const char *root;
	struct ovl_err *err;
};

static int scan_dir(struct scan *s, int dfd, const char *path, bool parent_xwh);

static int tree_append(struct ovl_tree *t, const struct ovl_entry *e)
{
	return tree_insert(t, t->n, e, e->path);
}

static int entry_cmp(const void *a, const void *b)
{
	return ovl_path_cmp(((const struct ovl_entry *)a)->path, ((const struct ovl_entry *)b)->path);
}

/* Stat, classify and add one entry: dfd/name is tree path `path`. */
static int scan_entry(struct scan *s, int dfd, const char *name, const char *path, bool parent_xwh)
{
	struct ovl_entry e = { .layer = -1 };
	char proc[64 + NAME_MAX];
	struct stat st;
	int fd = -1, r;
	bool layer = !(s->flags & OVL_SCAN_MERGED);

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dfd, name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return ovl_err_set(s->err, errno, "%s%s: stat: %m", s->root, path);
	e.path = (char *)path;
	e.mode = st.st_mode & 07777;
	e.uid = st.st_uid;
	e.gid = st.st_gid;
	e.dev = st.st_dev;
	e.ino = st.st_ino;
	e.nlink = st.st_nlink;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR: e.type = OVL_FT_DIR; break;
	case S_IFREG: e.type = OVL_FT_REG; break;
	case S_IFLNK: e.type = OVL_FT_LNK; break;
	case S_IFIFO: e.type = OVL_FT_FIFO; break;
	case S_IFSOCK: e.type = OVL_FT_SOCK; break;
	case S_IFCHR: e.type = OVL_FT_CHR; break;
	case S_IFBLK: e.type = OVL_FT_BLK; break;
	default:
		return ovl_err_set(s->err, EINVAL, "%s%s: unknown file type", s->root, path);
	}
	if (e.type == OVL_FT_CHR || e.type == OVL_FT_BLK) {
		e.rdev_major = major(st.st_rdev);
		e.rdev_minor = minor(st.st_rdev);
	}
	if (e.type == OVL_FT_DIR || e.type == OVL_FT_REG) {
		fd = strcmp(path, "/") == 0 ? fcntl(dfd, F_DUPFD_CLOEXEC, 0)
		     : openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return ovl_err_set(s->err, errno, "%s%s: open: %m", s->root, path);
	}
	if (e.type == OVL_FT_LNK) {
		char buf[PATH_MAX];
		ssize_t n = readlinkat(dfd, name, buf, sizeof(buf) - 1);

		if (n < 0) {
			r = ovl_err_set(s->err, errno, "%s%s: readlink: %m", s->root, path);
			goto out;
		}
		buf[n] = 0;
		e.target = strdup(buf);
		if (!e.target) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (e.type == OVL_FT_REG) {
		r = digest_fd(fd, e.sha256, &e.size);
		if (r) {
			ovl_err_set(s->err, r, "%s%s: read: %s", s->root, path, strerror(-r));
			goto out;
		}
		e.has_digest = true;
	}
	r = read_xattrs(fd, strcmp(path, "/") == 0 ? s->root : proc, &e);
	if (r) {
		ovl_err_set(s->err, r, "%s%s: xattrs: %s", s->root, path, strerror(-r));
		goto out;
	}
	if (layer) {
		ssize_t x = xattr_find(&e, OVL_XATTR_OPAQUE);

		if (e.type == OVL_FT_CHR && st.st_rdev == makedev(0, 0)) {
			e.type = OVL_FT_WHITEOUT;
			e.mode = 0;
			e.uid = 0;
			e.gid = 0;
		}
		/* "x" (a dir holding xattr whiteouts) means something in lower layers only. */
		if (e.type == OVL_FT_DIR && x >= 0 && e.xattrs[x].len == 1 &&
		    (e.xattrs[x].value[0] == 'y' ||
		     (e.xattrs[x].value[0] == 'x' && !(s->flags & OVL_SCAN_UPPER)))) {
			e.flags |= e.xattrs[x].value[0] == 'y' ? OVL_ENTRY_OPAQUE : OVL_ENTRY_XWHITEOUTS;
			xattr_del(&e, (size_t)x);
		}
		x = xattr_find(&e, OVL_XATTR_WHITEOUT);
		if (parent_xwh && e.type == OVL_FT_REG && e.size == 0 && x >= 0) {
			xattr_del(&e, (size_t)x);
			e.type = OVL_FT_WHITEOUT;
			e.flags |= OVL_ENTRY_XATTR_FORM;
			e.mode = 0;
			e.uid = 0;
			e.gid = 0;
			e.has_digest = false;
		}
	}
	/* Parents come before children here; the tree is sorted once at the end. */
	r = tree_append(s->t, &e);
	if (r)
		ovl_err_set(s->err, r, "%s%s: out of memory", s->root, path);
	if (!r && e.type == OVL_FT_DIR)
		r = scan_dir(s, fd, path, (e.flags & OVL_ENTRY_XWHITEOUTS) != 0);
out:
	e.path = NULL;
	entry_clear(&e);
	if (fd >= 0)
		close(fd);
	return r;
}

static int scan_dir(struct scan *s, int dfd, const char *path, bool xwh)
{
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (fd < 0)
		return ovl_err_set(s->err, errno, "%s%s: dup: %m", s->root, path);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return ovl_err_set(s->err, errno, "%s%s: opendir: %m", s->root, path);
	}
	while (!r) {
		char child[PATH_MAX];

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				r = ovl_err_set(s->err, errno, "%s%s: readdir: %m", s->root, path);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "",
				     de->d_name) >= sizeof(child)) {
			r = ovl_err_set(s->err, ENAMETOOLONG, "%s%s/%s: path too long", s->root, path,
					de->d_name);
			break;
		}
		r = scan_entry(s, dirfd(d), de->d_name, child, xwh);
	}
	closedir(d);
	return r;
}

struct inode_ref {
	uint64_t dev, ino;
	size_t idx;
};

static int inode_ref_cmp(const void *a, const void *b)
{
	const struct inode_ref *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Names of one regular-file inode: the first in canonical order stays a
 * file, every other becomes "hardlink <path> target=<first>".
 */
static int fold_hardlinks(struct ovl_tree *t)
{
	struct inode_ref *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].type == OVL_FT_REG && t->v[i].nlink > 1)
			n++;
	if (n < 2)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].type == OVL_FT_REG && t->v[i].nlink > 1)
			v[n++] = (struct inode_ref){ t->v[i].dev, t->v[i].ino, i };
	qsort(v, n, sizeof(*v), inode_ref_cmp);
	for (size_t i = 1; i < n; i++) {
		struct ovl_entry *e = &t->v[v[i].idx];
		size_t first = i;
		char *target;

		while (first > 0 && v[first - 1].dev == v[i].dev && v[first - 1].ino == v[i].ino)
			first--;
		if (first == i)
			continue;
		target = strdup(t->v[v[first].idx].path);
		if (!target) {
			free(v);
			return -ENOMEM;
		}
		for (size_t k = 0; k < e->nxattrs; k++) {
			free(e->xattrs[k].name);
			free(e->xattrs[k].value);
		}
		free(e->xattrs);
		e->xattrs = NULL;
		e->nxattrs = 0;
		e->type = OVL_FT_HARDLINK;
		e->target = target;
		e->mode = 0;
		e->uid = 0;
		e->gid = 0;
		e->size = 0;
		e->has_digest = false;
	}
	free(v);
	return 0;
}

int ovl_tree_scan(const char *dir, unsigned int flags, struct ovl_tree **out, struct ovl_err *err)
{
	struct scan s = { .flags = flags, .root = dir, .err = err };
	int dfd, r;

	s.t = ovl_tree_new();
	if (!s.t)
		return -ENOMEM;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = ovl_err_set(err, errno, "%s: cannot open dir: %m", dir);
		goto fail;
	}
	r = scan_entry(&s, dfd, ".", "/", false);
	close(dfd);
	if (!r)
		qsort(s.t->v, s.t->n, sizeof(*s.t->v), entry_cmp);
	if (!r && (r = fold_hardlinks(s.t)))
		ovl_err_set(err, r, "%s: out of memory", dir);
	if (r)
		goto fail;
	*out = s.t;
	return 0;
fail:
	ovl_tree_unref(s.t);
	return r;
}
