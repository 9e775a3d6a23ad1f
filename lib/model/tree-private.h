/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/model/tree-private.h - what the tree files share: the tree's layout,
 * overlay's xattr names, content fill and hashing, escaping.
 */
#ifndef OVL_TREE_PRIVATE_H
#define OVL_TREE_PRIVATE_H

#include "ovl-model.h"
#include "ovl-common.h"
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
#define OVL_XATTR_METACOPY	"trusted.overlay.metacopy"
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
	uint64_t gen;			/* new from a run-wide counter at each change: equal gens, same tree */
};

#define FILL_CHUNK (251 * 256)

/* Shared by the files of this folder only (not part of the interface). */
int tree_ftype_from_name(const char *s, enum ovl_ftype *out);
void tree_entry_clear(struct ovl_entry *e);
/* The tree changed (every change in place must say so: the model's view cache goes by it). */
void tree_touch(struct ovl_tree *t);
uint64_t tree_gen(const struct ovl_tree *t);
/* Give e its own shared copy of these bytes as data (data_ref set); -ENOMEM. */
int tree_data_set(struct ovl_entry *e, const void *bytes, size_t len);
/* The same with bytes (malloc'd) taken over, not copied; freed on failure. */
int tree_data_adopt(struct ovl_entry *e, void *bytes, size_t len);
/* Let go of e's data: the shared buffer's reference, or the caller's malloc'd bytes. */
void tree_data_drop(struct ovl_entry *e);
bool tree_path_valid(const char *p);
int tree_insert(struct ovl_tree *t, size_t at, const struct ovl_entry *e, const char *path);
int tree_add_parents(struct ovl_tree *t, const char *path, struct ovl_err *err);
void tree_fill_chunk(enum ovl_fill fill, unsigned char buf[FILL_CHUNK]);
int tree_entry_digest_fixture(struct ovl_entry *e);
int tree_digest_fd(int fd, unsigned char out[32], uint64_t *size);
void tree_esc_append(struct ovl_buf *b, const unsigned char *s, size_t len, bool quoted);
int tree_hexval(int c);
ssize_t tree_token_read(const char **pp, unsigned char *out, size_t cap, bool stop_at_eq);
int tree_xattr_add(struct ovl_entry *e, const char *name, const unsigned char *val, size_t len);
void tree_xattr_del(struct ovl_entry *e, size_t at);

#endif
