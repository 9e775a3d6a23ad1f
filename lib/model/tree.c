// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/model/tree.c - in-memory layer trees: entries, canonical order,
 * lookup, insert and remove; content fill and hashing; escaping.
 */
#define _GNU_SOURCE
#include "ovl-model.h"
#include "ovl-common.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
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
#include "tree-private.h"

/* ---- entries and trees ------------------------------------------------ */

static const char *const ftype_names[] = {
	[OVL_FT_DIR] = "dir",	[OVL_FT_REG] = "file",	  [OVL_FT_LNK] = "symlink",
	[OVL_FT_FIFO] = "fifo", [OVL_FT_SOCK] = "sock",	  [OVL_FT_CHR] = "chr",
	[OVL_FT_BLK] = "blk",	[OVL_FT_WHITEOUT] = "whiteout", [OVL_FT_HARDLINK] = "hardlink",
};

const char *ovl_layer_format(struct ovl_layer l, char *buf, size_t len)
{
	if (ovl_layer_is(l, OVL_LAYER_UPPER))
		snprintf(buf, len, "upper");
	else if (ovl_layer_is_lower(l))
		snprintf(buf, len, "lower %zu", ovl_layer_lower_index(l));
	else
		snprintf(buf, len, "none");
	return buf;
}

const char *ovl_ftype_name(enum ovl_ftype type)
{
	if ((size_t)type < sizeof(ftype_names) / sizeof(ftype_names[0]))
		return ftype_names[type];
	return "?";
}

int tree_ftype_from_name(const char *s, enum ovl_ftype *out)
{
	for (size_t i = 0; i < sizeof(ftype_names) / sizeof(ftype_names[0]); i++)
		if (strcmp(s, ftype_names[i]) == 0) {
			*out = (enum ovl_ftype)i;
			return 0;
		}
	return -EINVAL;
}

/*
 * File data in trees is shared, not copied: a model's view, its upper
 * tree and every copy of an entry point into one buffer with a count
 * (a 64 MiB fixture file used to be copied at each view of the model).
 * Nothing writes into data once it is in a tree.
 */
struct tree_blob {
	size_t refs;
	unsigned char *bytes;		/* malloc'd */
};

int tree_data_adopt(struct ovl_entry *e, void *bytes, size_t len)
{
	struct tree_blob *b = malloc(sizeof(*b));

	if (!b) {
		free(bytes);
		return -ENOMEM;
	}
	b->refs = 1;
	b->bytes = bytes;
	e->data = b->bytes;
	e->data_len = len;
	e->data_ref = b;
	return 0;
}

int tree_data_set(struct ovl_entry *e, const void *bytes, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, bytes, len);
	return tree_data_adopt(e, copy, len);
}

void tree_data_drop(struct ovl_entry *e)
{
	struct tree_blob *b = e->data_ref;

	if (b) {
		if (--b->refs == 0) {
			free(b->bytes);
			free(b);
		}
	} else {
		free(e->data);
	}
	e->data = NULL;
	e->data_ref = NULL;
}

static uint64_t tree_counter;

void tree_touch(struct ovl_tree *t)
{
	t->gen = __atomic_add_fetch(&tree_counter, 1, __ATOMIC_RELAXED);
}

uint64_t tree_gen(const struct ovl_tree *t)
{
	return t ? t->gen : 0;
}

void tree_entry_clear(struct ovl_entry *e)
{
	free(e->path);
	tree_data_drop(e);
	free(e->target);
	free(e->layer_path);
	free(e->data_path);
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
	dst->data_ref = NULL;
	dst->target = NULL;
	dst->layer_path = NULL;
	dst->data_path = NULL;
	dst->xattrs = NULL;
	dst->nxattrs = 0;
	dst->path = strdup(path);
	if (!dst->path)
		goto nomem;
	if (src->data && src->data_ref && src->data == ((struct tree_blob *)src->data_ref)->bytes) {
		((struct tree_blob *)src->data_ref)->refs++;
		dst->data = src->data;
		dst->data_ref = src->data_ref;
	} else if (src->data && tree_data_set(dst, src->data, src->data_len)) {
		goto nomem;
	}
	if (src->target && !(dst->target = strdup(src->target)))
		goto nomem;
	if (src->layer_path && !(dst->layer_path = strdup(src->layer_path)))
		goto nomem;
	if (src->data_path && !(dst->data_path = strdup(src->data_path)))
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
	tree_entry_clear(dst);
	return -ENOMEM;
}

struct ovl_tree *ovl_tree_new(void)
{
	struct ovl_tree *t = calloc(1, sizeof(*t));

	if (t) {
		t->refcount = 1;
		tree_touch(t);
	}
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
		tree_entry_clear(&t->v[i]);
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
bool tree_path_valid(const char *p)
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

int tree_insert(struct ovl_tree *t, size_t at, const struct ovl_entry *e, const char *path)
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
	tree_touch(t);
	return 0;
}

/* Ensure every ancestor of path exists as a directory. */
int tree_add_parents(struct ovl_tree *t, const char *path, struct ovl_err *err)
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
				struct ovl_entry d = { .type = OVL_FT_DIR, .mode = 0755, .layer = { -1 } };
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

	if (!e->path || !tree_path_valid(e->path))
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
	tree_entry_clear(&t->v[i]);
	t->v[i] = copy;
	tree_touch(t);
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
		tree_entry_clear(&t->v[k]);
	memmove(&t->v[i], &t->v[j], (t->n - j) * sizeof(*t->v));
	t->n -= j - i;
	tree_touch(t);
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

void tree_fill_chunk(enum ovl_fill fill, unsigned char buf[FILL_CHUNK])
{
	for (size_t i = 0; i < FILL_CHUNK; i++)
		buf[i] = fill_byte(fill, i);
}

/* Digest of a fixture regular file's content (data, or size bytes of fill). */
/*
 * The digest of generated content depends on its fill and size only: kept
 * for the process (and the processes it forks), as a 64 MiB fill costs
 * 40 ms of hashing at each load of its fixture.
 */
static struct fill_digest {
	enum ovl_fill fill;
	uint64_t size;
	unsigned char sha256[32];
} fill_digests[32];
static size_t nfill_digests;
static pthread_mutex_t fill_lock = PTHREAD_MUTEX_INITIALIZER;

static bool fill_digest_known(struct ovl_entry *e)
{
	bool found = false;

	pthread_mutex_lock(&fill_lock);
	for (size_t i = 0; i < nfill_digests && !found; i++)
		if (fill_digests[i].fill == e->fill && fill_digests[i].size == e->size) {
			memcpy(e->sha256, fill_digests[i].sha256, sizeof(e->sha256));
			found = true;
		}
	pthread_mutex_unlock(&fill_lock);
	return found;
}

static void fill_digest_keep(const struct ovl_entry *e)
{
	/* small fills cost nothing to hash again */
	if (e->size < (1u << 20))
		return;
	pthread_mutex_lock(&fill_lock);
	if (nfill_digests < sizeof(fill_digests) / sizeof(fill_digests[0])) {
		fill_digests[nfill_digests] = (struct fill_digest){ .fill = e->fill, .size = e->size };
		memcpy(fill_digests[nfill_digests++].sha256, e->sha256, sizeof(e->sha256));
	}
	pthread_mutex_unlock(&fill_lock);
}

int tree_entry_digest_fixture(struct ovl_entry *e)
{
	EVP_MD_CTX *ctx;
	static unsigned char empty;
	unsigned char buf[FILL_CHUNK];
	int ok;

	if (e->fill != OVL_FILL_NONE && fill_digest_known(e)) {
		e->has_digest = true;
		return 0;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	if (e->fill == OVL_FILL_NONE) {
		ok = ok && EVP_DigestUpdate(ctx, e->data ? e->data : &empty, e->data_len);
	} else {
		tree_fill_chunk(e->fill, buf);
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
	if (e->fill != OVL_FILL_NONE)
		fill_digest_keep(e);
	return 0;
}

/* sha256 of everything readable from fd; size read into *size. */
int tree_digest_fd(int fd, unsigned char out[32], uint64_t *size)
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
void tree_esc_append(struct ovl_buf *b, const unsigned char *s, size_t len, bool quoted)
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

int tree_hexval(int c)
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
ssize_t tree_token_read(const char **pp, unsigned char *out, size_t cap, bool stop_at_eq)
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
				int h = tree_hexval(p[1]), l = h < 0 ? -1 : tree_hexval(p[2]);

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

const struct ovl_entry *ovl_tree_inode_entry(const struct ovl_tree *t, const struct ovl_entry *e)
{
	return e && e->type == OVL_FT_HARDLINK && e->target ? ovl_tree_lookup(t, e->target) : e;
}

void ovl_tree_resolve(const struct ovl_tree *t, const char *path, bool follow_last, char *out, size_t len)
{
	char cur[PATH_MAX * 2], rest[PATH_MAX * 2];
	int links = 0;

	snprintf(cur, sizeof(cur), "%s", "");
	snprintf(rest, sizeof(rest), "%s", path);
	while (rest[0]) {
		char comp[NAME_MAX + 1], next[PATH_MAX * 3];
		char *r = rest;
		size_t n;
		const struct ovl_entry *e;

		while (*r == '/')
			r++;
		n = strcspn(r, "/");
		if (!n)
			break;
		snprintf(comp, sizeof(comp), "%.*s", (int)n, r);
		memmove(rest, r + n, strlen(r + n) + 1);
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			char *sl = strrchr(cur, '/');

			if (sl)
				*sl = 0;
			continue;
		}
		snprintf(next, sizeof(next), "%s/%s", cur, comp);
		e = ovl_tree_lookup(t, next);
		if (e && e->type == OVL_FT_LNK && e->target && e->target[0] != '/' && (rest[0] || follow_last) && links++ < 40) {
			char again[PATH_MAX * 3];

			snprintf(again, sizeof(again), "%s%s", e->target, rest);
			snprintf(rest, sizeof(rest), "%s", again);
			continue;
		}
		snprintf(cur, sizeof(cur), "%s", next);
	}
	snprintf(out, len, "%s", cur[0] ? cur : "/");
}
