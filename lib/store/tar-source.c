// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store/tar-source.c - a layer tar's input: plain or gzip, read in
 * segments for tar-split, the uncompressed stream hashed (the DiffID) in a
 * thread of its own as it is read.
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
#include "tar-private.h"

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
int tar_hashq_stop(struct hashq *q)
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

static ssize_t read_some(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Open: peek at the first bytes to tell gzip from a plain tar. */
int tar_src_open(struct src *s, int fd)
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

void tar_src_close(struct src *s)
{
	if (s->gz)
		inflateEnd(&s->z);
	tar_hashq_stop(&s->q);
	ovl_hasher_free(s->h);
	free(s->seg);
}

/* Up to sizeof(out) uncompressed bytes into s->out: count, 0 at the end, -1 on error. */
ssize_t tar_src_fill(struct src *s)
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
void tar_seg_advance(struct src *s, uint64_t next)
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

la_ssize_t tar_cb_read(struct archive *a, void *data, const void **buf)
{
	struct src *s = data;
	ssize_t n = tar_src_fill(s);

	if (n < 0) {
		archive_set_error(a, EIO, "%s", s->error);
		return -1;
	}
	*buf = s->out;
	return n;
}
