// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/tarlayer.c - unpacking layer tars into overlayfs diff dirs. See
 * tarlayer.h for what is converted and what is refused.
 */
#define _GNU_SOURCE
#include "ovl-store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "ovl-common.h"

#define WH_PREFIX "." "wh."
#define WH_META "." "wh." "." "wh."
#define WH_OPAQUE WH_META ".opq"
#define BUFSZ (1u << 17)

/* What a name of this layer is, as the import goes. */
enum seen {
	SEEN_DIR = 1,
	SEEN_IMPLIED_DIR,	/* made because a child came first */
	SEEN_REG,
	SEEN_LNK,
	SEEN_OTHER,
	SEEN_WHITEOUT,
};

/* ---- the uncompressed stream, hashed as it is read ----------------------- */

/*
 * The DiffID's sha256 runs in a thread of its own, fed copies of the
 * stream in order, so that hashing overlaps unpacking (two cores).
 */
#define HQ_SLOTS 8

struct hashq {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	unsigned char *buf[HQ_SLOTS];
	size_t len[HQ_SLOTS];
	unsigned int head, count;
	bool done, started;
	struct ovl_hasher *h;
	int error;
};

static void *hashq_main(void *arg)
{
	struct hashq *q = arg;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		unsigned int slot;

		while (!q->count && !q->done)
			pthread_cond_wait(&q->more, &q->mu);
		if (!q->count)
			break;
		slot = q->head;
		pthread_mutex_unlock(&q->mu);
		if (ovl_hasher_update(q->h, q->buf[slot], q->len[slot]))
			q->error = -EIO;
		pthread_mutex_lock(&q->mu);
		q->head = (q->head + 1) % HQ_SLOTS;
		q->count--;
		pthread_cond_signal(&q->room);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

static int hashq_start(struct hashq *q, struct ovl_hasher *h)
{
	memset(q, 0, sizeof(*q));
	q->h = h;
	for (int i = 0; i < HQ_SLOTS; i++)
		if (!(q->buf[i] = malloc(BUFSZ)))
			return -ENOMEM;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->room, NULL);
	if (pthread_create(&q->thread, NULL, hashq_main, q))
		return -EAGAIN;
	q->started = true;
	return 0;
}

static void hashq_push(struct hashq *q, const void *data, size_t len)
{
	unsigned int slot;

	pthread_mutex_lock(&q->mu);
	while (q->count == HQ_SLOTS)
		pthread_cond_wait(&q->room, &q->mu);
	slot = (q->head + q->count) % HQ_SLOTS;
	pthread_mutex_unlock(&q->mu);
	memcpy(q->buf[slot], data, len); /* the slot is not the worker's until counted */
	q->len[slot] = len;
	pthread_mutex_lock(&q->mu);
	q->count++;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
}

/* Wait for the worker to hash everything pushed; 0 or -errno. */
static int hashq_stop(struct hashq *q)
{
	if (q->started) {
		pthread_mutex_lock(&q->mu);
		q->done = true;
		pthread_cond_signal(&q->more);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thread, NULL);
		q->started = false;
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->more);
		pthread_cond_destroy(&q->room);
	}
	for (int i = 0; i < HQ_SLOTS; i++) {
		free(q->buf[i]);
		q->buf[i] = NULL;
	}
	return q->error;
}

struct src {
	int fd;
	bool gz, gz_end, eof;
	z_stream z;
	unsigned char in[BUFSZ], out[BUFSZ];
	size_t pending;			/* plain: bytes of in[] not handed out yet */
	struct ovl_hasher *h;
	struct hashq q;
	char error[256];
	/*
	 * tar-split: the raw bytes that are not file payload (headers,
	 * padding, the end of the archive) are kept here from offset seg_base
	 * until they are written as a segment; payload bytes are dropped.
	 */
	bool record;
	uint64_t pos;			/* stream offset of the next byte produced */
	unsigned char *seg;		/* kept bytes are seg[seg_off .. seg_off + seg_len) */
	size_t seg_off, seg_len, seg_cap;
	uint64_t seg_base;
};

static ssize_t read_some(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Open: peek at the first bytes to tell gzip from a plain tar. */
static int src_open(struct src *s, int fd)
{
	ssize_t n;
	int r;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	r = ovl_hasher_new(&s->h);
	if (!r)
		r = hashq_start(&s->q, s->h);
	if (r)
		return r;
	n = read_some(fd, s->in, sizeof(s->in));
	if (n < 0)
		return -errno;
	if (n >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b) {
		s->gz = true;
		if (inflateInit2(&s->z, 15 + 16) != Z_OK)
			return -ENOMEM;
		s->z.next_in = s->in;
		s->z.avail_in = (uInt)n;
	} else {
		s->pending = (size_t)n;
		if (n == 0)
			s->eof = true;
	}
	return 0;
}

static void src_close(struct src *s)
{
	if (s->gz)
		inflateEnd(&s->z);
	hashq_stop(&s->q);
	ovl_hasher_free(s->h);
	free(s->seg);
}

/* Up to sizeof(out) uncompressed bytes into s->out: count, 0 at the end, -1 on error. */
static ssize_t src_fill(struct src *s)
{
	ssize_t n;

	if (!s->gz) {
		if (s->pending) {
			memcpy(s->out, s->in, s->pending);
			n = (ssize_t)s->pending;
			s->pending = 0;
		} else if (s->eof) {
			return 0;
		} else {
			n = read_some(s->fd, s->out, sizeof(s->out));
			if (n < 0) {
				snprintf(s->error, sizeof(s->error), "read: %s", strerror(errno));
				return -1;
			}
			if (n == 0)
				s->eof = true;
		}
	} else {
		s->z.next_out = s->out;
		s->z.avail_out = sizeof(s->out);
		while (s->z.avail_out == sizeof(s->out) && !s->gz_end) {
			int zr;

			if (s->z.avail_in == 0) {
				n = read_some(s->fd, s->in, sizeof(s->in));
				if (n < 0) {
					snprintf(s->error, sizeof(s->error), "read: %s", strerror(errno));
					return -1;
				}
				if (n == 0) {
					snprintf(s->error, sizeof(s->error), "gzip: the stream ends early");
					return -1;
				}
				s->z.next_in = s->in;
				s->z.avail_in = (uInt)n;
			}
			zr = inflate(&s->z, Z_NO_FLUSH);
			if (zr == Z_STREAM_END) {
				/* Another gzip member may follow (concatenated streams). */
				if (s->z.avail_in == 0) {
					n = read_some(s->fd, s->in, sizeof(s->in));
					if (n > 0) {
						s->z.next_in = s->in;
						s->z.avail_in = (uInt)n;
					}
				}
				if (s->z.avail_in == 0)
					s->gz_end = true;
				else
					inflateReset(&s->z);
			} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
				snprintf(s->error, sizeof(s->error), "gzip: corrupt data (%s)",
					 s->z.msg ? s->z.msg : "inflate failed");
				return -1;
			}
		}
		n = (ssize_t)(sizeof(s->out) - s->z.avail_out);
	}
	if (n > 0)
		hashq_push(&s->q, s->out, (size_t)n);
	if (n > 0 && s->record) {
		uint64_t from = s->seg_base + s->seg_len, end = s->pos + (uint64_t)n;

		if (from < s->pos)
			from = s->pos; /* cannot happen: chunks come in order */
		if (from < end) {
			size_t k = (size_t)(end - from);

			if (s->seg_off + s->seg_len + k > s->seg_cap && s->seg_off) {
				/* Compact only when the room runs out: moves stay rare. */
				memmove(s->seg, s->seg + s->seg_off, s->seg_len);
				s->seg_off = 0;
			}
			if (s->seg_len + k > s->seg_cap) {
				size_t cap = s->seg_cap ? s->seg_cap : 1 << 20;
				unsigned char *v;

				while (cap < s->seg_len + k)
					cap *= 2;
				v = realloc(s->seg, cap);
				if (!v) {
					snprintf(s->error, sizeof(s->error), "out of memory");
					return -1;
				}
				s->seg = v;
				s->seg_cap = cap;
			}
			memcpy(s->seg + s->seg_off + s->seg_len, s->out + (from - s->pos), k);
			s->seg_len += k;
		}
	}
	s->pos += (uint64_t)(n > 0 ? n : 0);
	return n;
}

/* Stop keeping bytes before offset next (past a segment, or a payload). */
static void seg_advance(struct src *s, uint64_t next)
{
	uint64_t have = s->seg_base + s->seg_len;

	if (next < s->seg_base)
		return; /* never backwards (callers check with seg_behind) */

	if (next >= have) {
		s->seg_len = 0;
		s->seg_off = 0;
	} else {
		size_t drop = (size_t)(next - s->seg_base);

		s->seg_off += drop;
		s->seg_len -= drop;
	}
	s->seg_base = next;
}

static la_ssize_t cb_read(struct archive *a, void *data, const void **buf)
{
	struct src *s = data;
	ssize_t n = src_fill(s);

	if (n < 0) {
		archive_set_error(a, EIO, "%s", s->error);
		return -1;
	}
	*buf = s->out;
	return n;
}

/* ---- paths ------------------------------------------------------------------ */

struct imp {
	struct archive *a;
	struct src *src;
	struct ovl_tarsplit_writer *ts;	/* NULL: no tar-split wanted */
	uint64_t crc;			/* CRC-64 of the current entry's payload */
	const char *name;		/* of the input, for messages */
	int rootfd;
	unsigned int flags;
	struct ovl_strset *seen;
	struct ovl_err *err;
	/* Directories get their mode and times last, deepest first. */
	struct dirmeta {
		char *path;
		mode_t mode;
		struct timespec mtime;
	} *dirs;
	size_t ndirs;
	/* The parent dir of the last entry, kept open: tars list a dir's entries together. */
	char cached_dir[PATH_MAX];
	int cached_fd;
};

static int __attribute__((format(printf, 3, 4)))
fail(struct imp *m, int errnum, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ovl_err_set(m->err, errnum, "%s: %s", m->name, msg);
}

/* Open the dir holding rel (never leaving the root), its last component in *base. */
static int open_parent(struct imp *m, const char *rel, const char **base)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(rel, '/');

	*base = slash ? slash + 1 : rel;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 0, rel);
	return ovl_openat_beneath(m->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/*
 * The dir holding rel, borrowed from a one-entry cache (do not close it);
 * opened like open_parent(). Names are unique in a layer and dirs are never
 * replaced during an import, so a cached fd stays the right dir.
 */
static int cached_parent(struct imp *m, const char *rel, const char **base)
{
	const char *slash = strrchr(rel, '/');
	size_t n = slash ? (size_t)(slash - rel) : 0;
	int fd;

	*base = slash ? slash + 1 : rel;
	if (m->cached_fd >= 0 && strlen(m->cached_dir) == n && strncmp(m->cached_dir, rel, n) == 0)
		return m->cached_fd;
	fd = open_parent(m, rel, base);
	if (fd < 0)
		return fd;
	if (m->cached_fd >= 0)
		close(m->cached_fd);
	m->cached_fd = fd;
	snprintf(m->cached_dir, sizeof(m->cached_dir), "%.*s", (int)n, rel);
	return fd;
}

/* Every ancestor of rel must be a directory of this layer; missing ones are made. */
static int ensure_parents(struct imp *m, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", rel);
	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		int tag = 0, r;

		*s = 0;
		if (ovl_strset_get(m->seen, p, &tag)) {
			if (tag == SEEN_LNK)
				return fail(m, EINVAL, "%s: its parent %s is a symlink", rel, p);
			if (tag == SEEN_WHITEOUT)
				return fail(m, EINVAL, "%s: its parent %s is whited out in this layer", rel, p);
			if (tag != SEEN_DIR && tag != SEEN_IMPLIED_DIR)
				return fail(m, ENOTDIR, "%s: its parent %s is not a directory", rel, p);
		} else {
			const char *base;
			int pfd = open_parent(m, p, &base);

			if (pfd < 0)
				return fail(m, -pfd, "%s: opening the parent of %s: %s", rel, p, strerror(-pfd));
			r = mkdirat(pfd, base, 0755) ? -errno : 0;
			if (!r && !(m->flags & OVL_IMPORT_NO_OWNER))
				r = fchownat(pfd, base, 0, 0, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
			close(pfd);
			if (r)
				return fail(m, -r, "%s: making its parent %s: %s", rel, p, strerror(-r));
			r = ovl_strset_add(m->seen, p, SEEN_IMPLIED_DIR, NULL);
			if (r)
				return fail(m, -r, "%s: out of memory", rel);
		}
		*s = '/';
	}
	return 0;
}

/* Record a name of this layer; a second entry of one name is refused. */
static int claim(struct imp *m, const char *rel, enum seen what, const char *shown)
{
	int tag = 0, r = ovl_strset_add(m->seen, rel, what, &tag);

	if (r == -EEXIST && tag == SEEN_IMPLIED_DIR && what == SEEN_DIR)
		return ovl_strset_set(m->seen, rel, SEEN_DIR);
	if (r == -EEXIST && what == SEEN_WHITEOUT)
		return fail(m, EEXIST, "%s: whiteout of %s, a name this layer also has", shown, rel);
	if (r == -EEXIST && tag == SEEN_WHITEOUT)
		return fail(m, EEXIST, "%s: the layer also whites this name out", shown);
	if (r == -EEXIST)
		return fail(m, EEXIST, "%s: the name appears twice in the layer", shown);
	if (r)
		return fail(m, -r, "%s: out of memory", shown);
	return 0;
}

static int set_xattrs(struct imp *m, struct archive_entry *e, int fd, int pfd, const char *base,
		      const char *rel)
{
	const char *xname;
	const void *value;
	size_t size;
	char proc[64 + NAME_MAX];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", pfd, base);
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xname, &value, &size) == ARCHIVE_OK) {
		int r;

		if (strncmp(xname, "trusted.overlay.", 16) == 0)
			return fail(m, EPERM, "%s: carries %s, overlayfs' own xattr", rel, xname);
		r = fd >= 0 ? fsetxattr(fd, xname, value, size, 0) : lsetxattr(proc, xname, value, size, 0);
		if (r)
			return fail(m, errno, "%s: setting xattr %s: %s", rel, xname, strerror(errno));
	}
	return 0;
}

/* The kept bytes up to offset end become one tar-split segment. */
static int put_segment(struct imp *m, uint64_t end)
{
	struct src *s = m->src;
	size_t len = end > s->seg_base ? (size_t)(end - s->seg_base) : 0;
	int r;

	if (end < s->seg_base)
		return fail(m, EINVAL, "the stream goes back to offset %llu after %llu: an entry's size "
			    "does not match its data", (unsigned long long)end,
			    (unsigned long long)s->seg_base);
	if (!m->ts) {
		seg_advance(s, end);
		return 0;
	}
	if (len > s->seg_len)
		return fail(m, EIO, "tar-split: the stream bytes up to %llu were not kept",
			    (unsigned long long)end);
	r = ovl_tarsplit_segment(m->ts, s->seg + s->seg_off, len);
	seg_advance(s, end);
	return r ? fail(m, -r, "writing tar-split: %s", strerror(-r)) : 0;
}

/* A one-line reason for a libarchive header error. */
static const char *header_problem(const char *msg)
{
	if (msg && strstr(msg, "Truncated"))
		return "the stream is truncated";
	if (msg && strstr(msg, "Damaged"))
		return "damaged tar header";
	if (msg && strstr(msg, "Unrecognized archive format"))
		return "not a tar archive";
	if (msg && strstr(msg, "gzip"))
		return "the gzip stream is broken";
	return "cannot read the next tar header";
}

static int write_data(struct imp *m, int fd, const char *rel, int64_t size)
{
	const void *buf;
	size_t len;
	la_int64_t off, end = 0;
	int r;

	while ((r = archive_read_data_block(m->a, &buf, &len, &off)) == ARCHIVE_OK) {
		const char *p = buf;

		m->crc = ovl_crc64_iso(m->crc, buf, len);
		if (off + (la_int64_t)len > end)
			end = off + (la_int64_t)len;
		while (len) {
			ssize_t n = pwrite(fd, p, len, (off_t)off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return fail(m, errno, "%s: writing: %s", rel, strerror(errno));
			p += n;
			len -= (size_t)n;
			off += n;
		}
	}
	if (r != ARCHIVE_EOF)
		return fail(m, EIO, "%s: reading its data: %s (%s)", rel,
			    header_problem(archive_error_string(m->a)), archive_error_string(m->a));
	/*
	 * Sparse entries are refused, so the data must be exactly the size the
	 * header gives: a pax GNU.sparse.* size that disagrees is refused here.
	 */
	if (end != size)
		return fail(m, EINVAL, "%s: its header says %lld bytes, its data holds %lld", rel,
			    (long long)size, (long long)end);
	return 0;
}

static int one_entry(struct imp *m, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname_utf8(e) ? archive_entry_pathname_utf8(e)
							   : archive_entry_pathname(e);
	char rel[PATH_MAX], target[PATH_MAX];
	const char *base, *hard = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e), perm = archive_entry_perm(e) & 07777;
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	struct timespec times[2];
	bool owner = !(m->flags & OVL_IMPORT_NO_OWNER);
	int pfd = -1, fd = -1, r = 0;

	if (!raw || !*raw)
		return fail(m, EINVAL, "an entry without a name");
	r = ovl_clean_tar_name(raw, rel, sizeof(rel), true);
	if (r)
		return fail(m, -r, "%s: a name with '..' or an absolute path", raw);
	times[0].tv_sec = times[1].tv_sec = archive_entry_mtime(e);
	times[0].tv_nsec = times[1].tv_nsec = archive_entry_mtime_nsec(e);
	base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;

	/* aufs metadata (.wh..wh.plnk and friends) anywhere in the name: skipped, as Docker does. */
	if (strstr(rel, WH_META) && strcmp(base, WH_OPAQUE) != 0) {
		bool meta = false;

		for (const char *c = rel; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
			meta |= strncmp(c, WH_META, strlen(WH_META)) == 0;
		if (meta && archive_entry_size(e) > 0)
			return fail(m, EINVAL, "%s: aufs metadata with content; it cannot be kept", rel);
		if (meta)
			return 0;
	}
	if (archive_entry_sparse_count(e) > 0)
		return fail(m, EINVAL, "%s: a sparse entry; it could not be exported byte for byte", rel);
	if (archive_entry_size(e) > 0 && (type != AE_IFREG || hard ||
					  strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0))
		return fail(m, EINVAL, "%s: carries %lld bytes of data, which a %s does not keep", rel,
			    (long long)archive_entry_size(e), hard ? "hard link" : type != AE_IFREG
			    ? "non-regular file" : "whiteout");
	if (*rel == 0) {
		/* "./": the layer's root; its metadata is applied with the dirs. */
		if (type != AE_IFDIR)
			return fail(m, EINVAL, "%s: the layer's root is not a directory", raw);
		goto dir_meta;
	}
	if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0) {
		const char *victim = base + strlen(WH_PREFIX);
		char vpath[PATH_MAX];

		if (strcmp(base, WH_OPAQUE) == 0) {
			char dir[PATH_MAX];

			r = ensure_parents(m, rel);
			if (r)
				return r;
			snprintf(dir, sizeof(dir), "%.*s", base == rel ? 0 : (int)(base - rel - 1), rel);
			fd = ovl_openat_beneath(m->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				return fail(m, -fd, "%s: opening its dir: %s", rel, strerror(-fd));
			r = fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) ? -errno : 0;
			close(fd);
			if (r)
				return fail(m, -r, "%s: marking its dir opaque: %s", rel, strerror(-r));
			return 0;
		}
		if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
			return fail(m, EINVAL, "%s: a whiteout without a name", rel);
		snprintf(vpath, sizeof(vpath), "%.*s%s", (int)(base - rel), rel, victim);
		r = ensure_parents(m, vpath);
		if (!r)
			r = claim(m, vpath, SEEN_WHITEOUT, rel);
		if (r)
			return r;
		pfd = cached_parent(m, vpath, &base);
		if (pfd < 0)
			return fail(m, -pfd, "%s: opening its dir: %s", rel, strerror(-pfd));
		r = mknodat(pfd, base, S_IFCHR | 0000, makedev(0, 0)) ? -errno : 0;
		if (!r && owner)
			r = fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
		if (r)
			return fail(m, -r, "%s: making the whiteout %s: %s", rel, vpath, strerror(-r));
		return 0;
	}

	if (type == AE_IFCHR || type == AE_IFBLK)
		return fail(m, EPERM, "%s: a device node (%u:%u); layers here may not carry them", rel,
			    (unsigned int)archive_entry_rdevmajor(e), (unsigned int)archive_entry_rdevminor(e));
	if (type == AE_IFSOCK)
		return fail(m, EPERM, "%s: a socket", rel);
	r = ensure_parents(m, rel);
	if (r)
		return r;
	if (hard) {
		const char *tbase;
		int tag = 0, tpfd;

		r = ovl_clean_tar_name(hard, target, sizeof(target), true);
		if (r || !*target)
			return fail(m, EINVAL, "%s: hard link to '%s', a name with '..' or an absolute path",
				    rel, hard);
		if (!ovl_strset_get(m->seen, target, &tag) || tag != SEEN_REG)
			return fail(m, EINVAL, "%s: hard link to %s, which is not a regular file earlier "
				    "in this layer", rel, target);
		r = claim(m, rel, SEEN_REG, rel);
		if (r)
			return r;
		pfd = open_parent(m, rel, &base);
		tpfd = open_parent(m, target, &tbase);
		if (pfd < 0 || tpfd < 0)
			r = pfd < 0 ? pfd : tpfd;
		else if (linkat(tpfd, tbase, pfd, base, 0))
			r = -errno;
		if (tpfd >= 0)
			close(tpfd);
		if (pfd >= 0)
			close(pfd);
		return r ? fail(m, -r, "%s: linking to %s: %s", rel, target, strerror(-r)) : 0;
	}
	r = claim(m, rel, type == AE_IFDIR ? SEEN_DIR : type == AE_IFREG ? SEEN_REG
			  : type == AE_IFLNK ? SEEN_LNK : SEEN_OTHER, rel);
	if (r)
		return r;
	pfd = cached_parent(m, rel, &base);
	if (pfd < 0)
		return fail(m, -pfd, "%s: opening its dir: %s", rel, strerror(-pfd));
	switch (type) {
	case AE_IFDIR:
		if (mkdirat(pfd, base, 0700) && errno != EEXIST) {
			r = fail(m, errno, "%s: mkdir: %s", rel, strerror(errno));
			break;
		}
		fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = fail(m, errno, "%s: open: %s", rel, strerror(errno));
			break;
		}
		if (owner && fchown(fd, uid, gid)) {
			r = fail(m, errno, "%s: chown: %s", rel, strerror(errno));
			break;
		}
		r = set_xattrs(m, e, fd, pfd, base, rel);
		break;
	case AE_IFREG:
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			r = fail(m, errno, "%s: create: %s", rel, strerror(errno));
			break;
		}
		r = write_data(m, fd, rel, archive_entry_size(e));
		if (!r && owner && fchown(fd, uid, gid))
			r = fail(m, errno, "%s: chown: %s", rel, strerror(errno));
		if (!r)
			r = set_xattrs(m, e, fd, pfd, base, rel);
		if (!r && (fchmod(fd, perm) || futimens(fd, times)))
			r = fail(m, errno, "%s: chmod/utimes: %s", rel, strerror(errno));
		break;
	case AE_IFLNK: {
		const char *t = archive_entry_symlink_utf8(e) ? archive_entry_symlink_utf8(e)
							       : archive_entry_symlink(e);

		if (!t || !*t || symlinkat(t, pfd, base)) {
			r = fail(m, t && *t ? errno : EINVAL, "%s: symlink: %s", rel,
				 t && *t ? strerror(errno) : "no target");
			break;
		}
		if (owner && fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW))
			r = fail(m, errno, "%s: chown: %s", rel, strerror(errno));
		if (!r)
			r = set_xattrs(m, e, -1, pfd, base, rel);
		if (!r && utimensat(pfd, base, times, AT_SYMLINK_NOFOLLOW))
			r = fail(m, errno, "%s: utimes: %s", rel, strerror(errno));
		break;
	}
	case AE_IFIFO:
		if (mknodat(pfd, base, S_IFIFO | 0600, 0)) {
			r = fail(m, errno, "%s: mkfifo: %s", rel, strerror(errno));
			break;
		}
		if (owner && fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW))
			r = fail(m, errno, "%s: chown: %s", rel, strerror(errno));
		if (!r)
			r = set_xattrs(m, e, -1, pfd, base, rel);
		if (!r && (fchmodat(pfd, base, perm, 0) || utimensat(pfd, base, times, AT_SYMLINK_NOFOLLOW)))
			r = fail(m, errno, "%s: chmod/utimes: %s", rel, strerror(errno));
		break;
	default:
		r = fail(m, EINVAL, "%s: an entry of unknown type 0%o", rel, (unsigned int)type);
	}
	if (fd >= 0)
		close(fd);
	if (r || type != AE_IFDIR)
		return r;
dir_meta:
	if (*rel == 0) {
		if (owner && fchown(m->rootfd, uid, gid))
			return fail(m, errno, "./: chown: %s", strerror(errno));
		r = set_xattrs(m, e, m->rootfd, -1, "", "./");
		if (r)
			return r;
	}
	{
		struct dirmeta *v = realloc(m->dirs, (m->ndirs + 1) * sizeof(*v));

		if (!v || !(v[m->ndirs].path = strdup(rel))) {
			if (v)
				m->dirs = v;
			return fail(m, ENOMEM, "%s: out of memory", rel);
		}
		m->dirs = v;
		v[m->ndirs].mode = perm;
		v[m->ndirs].mtime = times[1];
		m->ndirs++;
	}
	return 0;
}

/* Directory modes and times, deepest (last) first, once their contents are in. */
static int finish_dirs(struct imp *m)
{
	for (size_t i = m->ndirs; i-- > 0;) {
		struct dirmeta *d = &m->dirs[i];
		struct timespec t[2] = { d->mtime, d->mtime };
		int fd = ovl_openat_beneath(m->rootfd, d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return fail(m, -fd, "%s: reopening: %s", *d->path ? d->path : "./", strerror(-fd));
		if (fchmod(fd, d->mode) || futimens(fd, t)) {
			int e = errno;

			close(fd);
			return fail(m, e, "%s: chmod/utimes: %s", *d->path ? d->path : "./", strerror(e));
		}
		close(fd);
	}
	return 0;
}

/* Empty diffdir again after a failure. (A fresh open: a dup would share the read offset.) */
static void empty_dir(int rootfd)
{
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char path[64 + NAME_MAX];

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", rootfd, de->d_name);
		ovl_remove_tree(path);
	}
	closedir(d);
}

static bool dir_is_empty(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	bool empty = true;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	while (empty && (de = readdir(d)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

int ovl_layer_import(int fd, const char *name, const char *diffdir, const struct ovl_import_opts *opts,
		     struct ovl_import_result *res, struct ovl_err *err)
{
	struct imp m = { .name = name, .flags = opts ? opts->flags : 0, .err = err, .rootfd = -1,
			 .cached_fd = -1 };
	struct src *s = calloc(1, sizeof(*s));
	struct archive_entry *e;
	char last[PATH_MAX] = "";
	uint64_t entries = 0;
	int r;

	memset(res, 0, sizeof(*res));
	if (!s)
		return ovl_err_set(err, ENOMEM, "%s: out of memory", name);
	m.rootfd = open(diffdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m.rootfd < 0) {
		r = ovl_err_set(err, errno, "%s: cannot open the diff dir: %m", diffdir);
		free(s);
		return r;
	}
	if (!dir_is_empty(m.rootfd)) {
		close(m.rootfd);
		free(s);
		return ovl_err_set(err, ENOTEMPTY, "%s: the diff dir is not empty", diffdir);
	}
	m.seen = ovl_strset_new();
	m.a = archive_read_new();
	m.src = s;
	r = src_open(s, fd);
	if (r || !m.seen || !m.a) {
		r = ovl_err_set(err, r ? r : -ENOMEM, "%s: %s", name, r ? strerror(-r) : "out of memory");
		goto out;
	}
	if (opts && opts->tarsplit) {
		r = ovl_tarsplit_writer_open(opts->tarsplit, &m.ts);
		if (r) {
			ovl_err_set(err, r, "%s: cannot create: %s", opts->tarsplit, strerror(-r));
			goto out;
		}
	}
	/* The bytes between payloads are kept (to check the end of the archive, and for tar-split). */
	s->record = true;
	archive_read_support_format_tar(m.a);
	archive_read_support_format_gnutar(m.a);
	if (archive_read_open(m.a, s, NULL, cb_read, NULL) != ARCHIVE_OK) {
		r = fail(&m, EINVAL, "%s (%s)", header_problem(archive_error_string(m.a)),
			 archive_error_string(m.a));
		goto out;
	}
	for (;;) {
		int hr = archive_read_next_header(m.a, &e);

		if (hr == ARCHIVE_EOF)
			break;
		if (hr != ARCHIVE_OK && hr != ARCHIVE_WARN) {
			const char *msg = archive_error_string(m.a);

			r = *last ? fail(&m, EINVAL, "after entry %s: %s (%s)", last, header_problem(msg), msg)
				  : fail(&m, EINVAL, "%s (%s)", header_problem(msg), msg);
			goto out;
		}
		entries++;
		{
			/* tar-split: the raw headers before this entry's data, then the entry. */
			uint64_t data_start = (uint64_t)archive_filter_bytes(m.a, 0);
			int64_t size = archive_entry_size(e);
			const char *tname = archive_entry_pathname_utf8(e) ? archive_entry_pathname_utf8(e)
									    : archive_entry_pathname(e);

			r = put_segment(&m, data_start);
			if (r)
				goto out;
			/* The payload is never kept: stop keeping before it is read. */
			seg_advance(s, data_start + (uint64_t)(size > 0 ? size : 0));
			m.crc = 0;
			r = one_entry(&m, e);
			if (r)
				goto out;
			if (m.ts && (r = ovl_tarsplit_file(m.ts, tname ? tname : "", size, m.crc))) {
				fail(&m, -r, "writing tar-split: %s", strerror(-r));
				goto out;
			}
		}
		snprintf(last, sizeof(last), "%s", archive_entry_pathname(e) ? archive_entry_pathname(e) : "?");
	}
	r = finish_dirs(&m);
	if (r)
		goto out;
	{
		/*
		 * Where the entries stop there must be a second zero block (or the
		 * end of the stream), as Go's archive/tar demands: libarchive stops
		 * at one zero block, and entries after it would be hashed but never
		 * unpacked.
		 */
		uint64_t eof = (uint64_t)archive_filter_bytes(m.a, 0);
		uint64_t stop = (s->seg_base + 511) & ~(uint64_t)511; /* where the entries stop */

		while (s->seg_base + s->seg_len < stop + 1024) {
			ssize_t n = src_fill(s);

			if (n < 0) {
				r = fail(&m, EIO, "after the last entry: %s", s->error);
				goto out;
			}
			if (n == 0)
				break;
		}
		for (uint64_t o = stop; o < stop + 1024 && o < s->seg_base + s->seg_len; o++)
			if (s->seg[s->seg_off + (o - s->seg_base)]) {
				r = fail(&m, EINVAL, "after entry %s: the end of the archive is not two zero "
					 "blocks: a damaged tar (entries would hide behind it)",
					 *last ? last : "(none)");
				goto out;
			}
		r = put_segment(&m, eof); /* the end-of-archive blocks */
		if (r)
			goto out;
	}
	/* The DiffID covers the whole stream: what follows the end-of-archive blocks too. */
	for (ssize_t n; (n = src_fill(s)) != 0;) {
		if (n < 0) {
			r = fail(&m, EIO, "after the last entry: %s", s->error);
			goto out;
		}
		while (!r && s->seg_len >= (1u << 20))
			r = put_segment(&m, s->seg_base + (1u << 20));
		if (r)
			goto out;
	}
	if (s->seg_len && (r = put_segment(&m, s->seg_base + s->seg_len)))
		goto out;
	r = hashq_stop(&s->q);
	if (!r)
		r = ovl_hasher_final(s->h, &res->diff_id);
	if (r) {
		fail(&m, -r, "sha256 failed");
		goto out;
	}
	res->tar_bytes = s->pos;
	res->entries = entries;
	res->gzip = s->gz;
	r = ovl_layer_size(diffdir, &res->size, err);
out:
	if (m.ts) {
		int cr = ovl_tarsplit_writer_close(m.ts);

		if (!r && cr)
			r = ovl_err_set(err, cr, "%s: writing: %s", opts->tarsplit, strerror(-cr));
		if (r)
			unlink(opts->tarsplit);
	}
	if (r)
		empty_dir(m.rootfd);
	if (m.a)
		archive_read_free(m.a);
	for (size_t i = 0; i < m.ndirs; i++)
		free(m.dirs[i].path);
	free(m.dirs);
	ovl_strset_free(m.seen);
	if (m.cached_fd >= 0)
		close(m.cached_fd);
	src_close(s);
	free(s);
	close(m.rootfd);
	return r;
}

int ovl_layer_import_file(const char *tar, const char *diffdir, const struct ovl_import_opts *opts,
			  struct ovl_import_result *res, struct ovl_err *err)
{
	int fd = open(tar, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return ovl_err_set(err, errno, "%s: cannot open: %m", tar);
	r = ovl_layer_import(fd, tar, diffdir, opts, res, err);
	close(fd);
	return r;
}

/* ---- Docker's size rule -------------------------------------------------------- */

static int size_walk(int dfd, struct ovl_strset *inodes, uint64_t *total, const char *root,
		     struct ovl_err *err)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(dfd);
		return ovl_err_set(err, errno, "%s: opendir: %m", root);
	}
	while (!r && (de = readdir(d))) {
		struct stat st;
		char key[64];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			r = ovl_err_set(err, errno, "%s: stat %s: %m", root, de->d_name);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			r = sub < 0 ? ovl_err_set(err, errno, "%s: open %s: %m", root, de->d_name)
				    : size_walk(sub, inodes, total, root, err);
			continue;
		}
		if (st.st_size <= 0)
			continue;
		snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		r = ovl_strset_add(inodes, key, 1, NULL);
		if (r == -EEXIST) {
			r = 0; /* another name of a counted inode */
			continue;
		}
		if (r) {
			ovl_err_set(err, r, "%s: out of memory", root);
			break;
		}
		*total += (uint64_t)st.st_size;
	}
	closedir(d);
	return r;
}

int ovl_layer_size(const char *diffdir, uint64_t *size, struct ovl_err *err)
{
	struct ovl_strset *inodes = ovl_strset_new();
	int fd = open(diffdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	*size = 0;
	if (!inodes || fd < 0) {
		r = ovl_err_set(err, fd < 0 ? errno : ENOMEM, "%s: %s", diffdir,
				fd < 0 ? strerror(errno) : "out of memory");
		if (fd >= 0)
			close(fd);
		ovl_strset_free(inodes);
		return r;
	}
	r = size_walk(fd, inodes, size, diffdir, err);
	ovl_strset_free(inodes);
	return r;
}

/* ---- commit: a directory to an OCI layer tar ---------------------------------- */

struct commit {
	struct archive *a;
	const char *root;
	struct ovl_strset *inodes;	/* "dev:ino" -> index into names */
	char **names;			/* first tar name of each multi-link inode */
	size_t nnames;
	struct ovl_hasher *h;
	int outfd;
	struct ovl_err *err;
	int werr;			/* first write error */
	unsigned char *buf;		/* file data on its way (heap: commit recurses per dir level) */
	const char *data_root;		/* a merged dir: where metacopy files' data is read (or NULL) */
};

static la_ssize_t commit_write(struct archive *a, void *data, const void *buf, size_t len)
{
	struct commit *c = data;
	int r = ovl_hasher_update(c->h, buf, len);

	if (!r && c->outfd >= 0)
		r = ovl_write_all(c->outfd, buf, len);
	if (r) {
		c->werr = r;
		archive_set_error(a, -r, "%s", strerror(-r));
		return -1;
	}
	return (la_ssize_t)len;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int commit_header(struct commit *c, struct archive_entry *e, const char *rel)
{
	if (archive_write_header(c->a, e) != ARCHIVE_OK)
		return ovl_err_set(c->err, c->werr ? -c->werr : EIO, "%s: writing its tar header: %s", rel,
				   archive_error_string(c->a));
	return 0;
}

static int commit_dir(struct commit *c, int dfd, const char *prefix);

static int commit_one(struct commit *c, int dfd, const char *name, const char *prefix)
{
	char rel[PATH_MAX], proc[64 + NAME_MAX];
	struct archive_entry *e;
	struct stat st;
	int r = 0;

	if (ovl_fmt(rel, sizeof(rel) - 1, "%s%s", prefix, name))
		return ovl_err_set(c->err, ENAMETOOLONG, "%s/%s%s: path too long for a tar name here",
				   c->root, prefix, name);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dfd, name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return ovl_err_set(c->err, errno, "%s/%s: stat: %m", c->root, rel);
	e = archive_entry_new();
	if (!e)
		return ovl_err_set(c->err, ENOMEM, "out of memory");
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		/* A whiteout: an empty .wh.<name>. */
		char wh[PATH_MAX];

		if (ovl_fmt(wh, sizeof(wh), "%s" WH_PREFIX "%s", prefix, name)) {
			archive_entry_free(e);
			return ovl_err_set(c->err, ENAMETOOLONG, "%s/%s: path too long", c->root, rel);
		}
		archive_entry_set_pathname(e, wh);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0600);
		archive_entry_set_size(e, 0);
		archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		r = commit_header(c, e, rel);
		archive_entry_free(e);
		return r;
	}
	archive_entry_copy_stat(e, &st);
	archive_entry_set_uname(e, "");
	archive_entry_set_gname(e, "");
	{
		/* Of the xattrs only file capabilities travel, as Docker does. */
		char cap[1024];
		ssize_t n = lgetxattr(proc, "security.capability", cap, sizeof(cap));

		if (n > 0)
			archive_entry_xattr_add_entry(e, "security.capability", cap, (size_t)n);
	}
	if (S_ISDIR(st.st_mode)) {
		char dirname[PATH_MAX + 1], opq[8] = "";
		int sub;

		snprintf(dirname, sizeof(dirname), "%s/", rel);
		archive_entry_set_pathname(e, dirname);
		archive_entry_set_size(e, 0);
		r = commit_header(c, e, rel);
		archive_entry_free(e);
		if (r)
			return r;
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return ovl_err_set(c->err, errno, "%s/%s: open: %m", c->root, rel);
		if (fgetxattr(sub, "trusted.overlay.opaque", opq, sizeof(opq) - 1) == 1 && opq[0] == 'y') {
			char marker[PATH_MAX + 16];

			e = archive_entry_new();
			snprintf(marker, sizeof(marker), "%s/" WH_OPAQUE, rel);
			archive_entry_set_pathname(e, marker);
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, st.st_mode & 07777);
			archive_entry_set_size(e, 0);
			archive_entry_set_mtime(e, 0, 0);
			r = commit_header(c, e, marker);
			archive_entry_free(e);
		}
		if (!r)
			r = commit_dir(c, sub, dirname);
		else
			close(sub);
		return r;
	}
	archive_entry_set_pathname(e, rel);
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		char key[64];
		int idx = (int)c->nnames;

		snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		if (ovl_strset_add(c->inodes, key, idx, &idx) == -EEXIST) {
			archive_entry_set_hardlink(e, c->names[idx]);
			archive_entry_set_size(e, 0);
			r = commit_header(c, e, rel);
			archive_entry_free(e);
			return r;
		} else {
			char **nv = realloc(c->names, (c->nnames + 1) * sizeof(*nv));

			if (!nv || !(nv[c->nnames] = strdup(rel))) {
				archive_entry_free(e);
				return ovl_err_set(c->err, ENOMEM, "out of memory");
			}
			c->names = nv;
			c->nnames++;
		}
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);

		if (n < 0) {
			archive_entry_free(e);
			return ovl_err_set(c->err, errno, "%s/%s: readlink: %m", c->root, rel);
		}
		target[n] = 0;
		archive_entry_set_symlink(e, target);
		archive_entry_set_size(e, 0);
	} else if (!S_ISREG(st.st_mode)) {
		archive_entry_set_size(e, 0);
	}
	if (S_ISSOCK(st.st_mode)) {
		archive_entry_free(e);
		return 0; /* tar cannot hold a socket; Docker leaves them out too */
	}
	r = commit_header(c, e, rel);
	archive_entry_free(e);
	if (r || !S_ISREG(st.st_mode) || st.st_size == 0)
		return r;
	{
		int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		unsigned char *buf = c->buf;
		off_t left = st.st_size;

		/* metacopy: the upper file is metadata only; its data lives below, read through the union */
		if (fd >= 0 && c->data_root && fgetxattr(fd, "trusted.overlay.metacopy", NULL, 0) >= 0) {
			char at[PATH_MAX * 2];

			close(fd);
			snprintf(at, sizeof(at), "%s/%s", c->data_root, rel);
			fd = open(at, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		}

		if (fd < 0)
			return ovl_err_set(c->err, errno, "%s/%s: open: %m", c->root, rel);
		while (left > 0 && !r) {
			ssize_t n = read(fd, buf, BUFSZ);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				r = ovl_err_set(c->err, n < 0 ? errno : EIO, "%s/%s: %s", c->root, rel,
						n < 0 ? strerror(errno) : "shrank while being committed");
			else if (archive_write_data(c->a, buf, (size_t)n) != n)
				r = ovl_err_set(c->err, EIO, "%s: writing its data: %s", rel,
						archive_error_string(c->a));
			else
				left -= n;
		}
		close(fd);
	}
	return r;
}

/* Entries of one dir, sorted by name (Docker walks lexically). Takes dfd. */
static int commit_dir(struct commit *c, int dfd, const char *prefix)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	if (!d) {
		close(dfd);
		return ovl_err_set(c->err, errno, "%s/%s: opendir: %m", c->root, prefix);
	}
	while ((de = readdir(d))) {
		char **nv;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		nv = realloc(names, (n + 1) * sizeof(*names));
		if (!nv || !(nv[n] = strdup(de->d_name))) {
			r = ovl_err_set(c->err, ENOMEM, "out of memory");
			names = nv ? nv : names;
			break;
		}
		names = nv;
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && !r; i++)
		r = commit_one(c, dirfd(d), names[i], prefix);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

static int layer_commit(const char *upper, const char *merged, int outfd, struct ovl_digest *diff_id,
			uint64_t *bytes, struct ovl_err *err);

int ovl_layer_commit(const char *upper, int outfd, struct ovl_digest *diff_id, uint64_t *bytes,
		     struct ovl_err *err)
{
	return layer_commit(upper, NULL, outfd, diff_id, bytes, err);
}

int ovl_layer_commit_union(const char *upper, const char *merged, int outfd, struct ovl_digest *diff_id,
			   uint64_t *bytes, struct ovl_err *err)
{
	return layer_commit(upper, merged, outfd, diff_id, bytes, err);
}

static int layer_commit(const char *upper, const char *merged, int outfd, struct ovl_digest *diff_id,
			uint64_t *bytes, struct ovl_err *err)
{
	struct commit c = { .root = upper, .outfd = outfd, .err = err, .data_root = merged };
	int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return ovl_err_set(err, errno, "%s: cannot open: %m", upper);
	c.inodes = ovl_strset_new();
	c.a = archive_write_new();
	c.buf = malloc(BUFSZ);
	if (!c.inodes || !c.a || !c.buf || ovl_hasher_new(&c.h)) {
		close(fd);
		r = ovl_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	/* ustar where it fits, pax where it must (long names, big ids, xattrs), as Go's writer. */
	archive_write_set_format_pax_restricted(c.a);
	archive_write_set_bytes_per_block(c.a, 0); /* no padding to 10 KiB: end after the two zero blocks */
	if (archive_write_open(c.a, &c, NULL, commit_write, NULL) != ARCHIVE_OK) {
		close(fd);
		r = ovl_err_set(err, EIO, "%s: %s", upper, archive_error_string(c.a));
		goto out;
	}
	r = commit_dir(&c, fd, "");
	if (archive_write_close(c.a) != ARCHIVE_OK && !r)
		r = ovl_err_set(err, c.werr ? -c.werr : EIO, "finishing the tar: %s", archive_error_string(c.a));
	struct ovl_digest unused;

	if (!r && (r = ovl_hasher_final(c.h, diff_id ? diff_id : &unused)) == 0 && bytes)
		*bytes = ovl_hasher_length(c.h);
out:
	if (c.a)
		archive_write_free(c.a);
	for (size_t i = 0; i < c.nnames; i++)
		free(c.names[i]);
	free(c.names);
	ovl_strset_free(c.inodes);
	ovl_hasher_free(c.h);
	free(c.buf);
	return r;
}
