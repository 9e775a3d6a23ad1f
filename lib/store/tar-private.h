/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/store/tar-private.h - what the tar files share: Docker's whiteout
 * names, the hashed input stream and the import's state.
 */
#ifndef OVL_TAR_PRIVATE_H
#define OVL_TAR_PRIVATE_H

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

/* Shared by the files of this folder only (not part of the interface). */
int tar_hashq_stop(struct hashq *q);
int tar_src_open(struct src *s, int fd);
void tar_src_close(struct src *s);
ssize_t tar_src_fill(struct src *s);
void tar_seg_advance(struct src *s, uint64_t next);
la_ssize_t tar_cb_read(struct archive *a, void *data, const void **buf);

#endif
