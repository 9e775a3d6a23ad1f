/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/model/model-private.h - what the files of the model under operations
 * share: the model's layout and the helpers each family uses.
 */
#ifndef OVL_MODEL_PRIVATE_H
#define OVL_MODEL_PRIVATE_H

#include "ovl-model.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include "ovl-common.h"
#include "tree-private.h"

struct ovl_model {
	char upper_dir[PATH_MAX];
	char **lower_dirs;
	size_t nlowers;
	struct ovl_tree *upper;		/* as it must be now; regular files carry their bytes */
	struct ovl_tree **lowers;
	struct ovl_model_options opt;
	bool copy_data;			/* the copy-up under way is for a write or truncate: with data */
	int refused;			/* the errno a copy-up refused the call with (opt.userns) */
	/*
	 * index=on: lower hard links copied up (or about to lose a name) go
	 * through the index, and every name of the lower inode then shows the
	 * one upper inode. One record per lower inode: its layer and first
	 * name there; the inode's state lives in `states` at "/<id>", and
	 * upper entries of the inode carry ino == id.
	 */
	struct idx {
		int layer;
		char *lpath;
		uint64_t id;
		unsigned long nlink;	/* the union's link count */
	} *idx;
	size_t nidx;
	struct ovl_tree *states;
	/*
	 * The last merged view, kept while the trees it was made from are
	 * unchanged (their gens, the index's size) and nobody changed it.
	 */
	struct ovl_tree *view;
	uint64_t view_gen, view_upper, view_states, *view_lowers;
	size_t view_nidx;
};

#define IDX_BASE (1ull << 62)

/* Shared by the files of this folder only (not part of the interface). */
int model_set_data(struct ovl_entry *e, const unsigned char *data, size_t len);
/* model_set_data() taking bytes (malloc'd, len of them) over instead of copying; freed on failure. */
int model_adopt_data(struct ovl_entry *e, unsigned char *bytes, size_t len);
int model_upper_put(struct ovl_model *m, const char *path, const struct ovl_entry *e, struct ovl_err *err);
int model_view_bytes(const struct ovl_model *m, const struct ovl_entry *e, char **out, size_t *len,
		      struct ovl_err *err);
void model_parent_of(char *buf, size_t len, const char *path);
int model_parent_errno(const struct ovl_tree *view, const char *path, char *parent, size_t len,
		       const struct ovl_entry **pd);
int model_resolve(const struct ovl_tree *view, const char *path, const struct ovl_entry **e);
int model_set_xattr(struct ovl_entry *v, const char *name, const void *val, size_t len, bool remove);
int model_apply_op(struct ovl_model *m, const struct ovl_op *op, int *want_errno, struct ovl_err *err);
/* In a user namespace (opt.userns): is e's owner or group one the namespace cannot map? */
bool model_unmapped_owner(const struct ovl_model *m, const struct ovl_entry *e);
bool model_lower_key(const struct ovl_model *m, const struct ovl_tree *view, const struct ovl_entry *e,
		      int *layer, const struct ovl_entry **lower);
struct idx *model_idx_by_id(const struct ovl_model *m, uint64_t id);
uint64_t model_view_id(const struct ovl_model *m, const struct ovl_tree *view, const struct ovl_entry *e);
int model_index_view(const struct ovl_model *m, struct ovl_tree *view);
int model_index_sync(struct ovl_model *m);
int model_index_id_for(struct ovl_model *m, const struct ovl_tree *view, const char *path, bool make,
			uint64_t *id, struct ovl_err *err);
int model_copy_up(struct ovl_model *m, const struct ovl_tree *view, const char *path, struct ovl_err *err);
/*
 * A change of data or metadata of an existing name. *again (caller frees)
 * when the change belongs at another name of the same inode: the caller
 * applies the call there, once it let go of its view.
 */
int model_copyup_change(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
			const struct ovl_entry *e, int *want_errno, char **again, struct ovl_err *err);
int model_lower_has(struct ovl_model *m, const char *path, bool *has, struct ovl_err *err);
int model_remove_name(struct ovl_model *m, const struct ovl_tree *view, const char *path,
		       struct ovl_err *err);
bool model_merge_or_lower(const struct ovl_tree *view, const char *path);
int model_make_node(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op, int rc,
		     int *want_errno, struct ovl_err *err);
int model_names_create_file(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
		      struct ovl_err *err);
bool model_parent_is_dir(const struct ovl_tree *view, const char *path);
int model_names_mkdir(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op, int rc,
		int *want_errno, struct ovl_err *err);
int model_names_rmdir(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
		const struct ovl_entry *e, int *want_errno, struct ovl_err *err);
int model_upper_drop(struct ovl_model *m, const char *path);
int model_rename(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
			const struct ovl_entry *e, int *want_errno, struct ovl_err *err);
int model_normalize_links(struct ovl_model *m);
int model_metacopy_link_redirect(struct ovl_model *m, const char *path);
bool model_same_inode(const struct ovl_model *m, const struct ovl_tree *view, const char *a, const char *b);
int model_link(struct ovl_model *m, const struct ovl_tree *view, const struct ovl_op *op,
		      const struct ovl_entry *e, int *want_errno, struct ovl_err *err);
bool model_may(const struct ovl_op *op, const struct ovl_entry *e, unsigned int want);
int model_permission(const struct ovl_tree *view, const struct ovl_op *op, const struct ovl_entry *e);
int model_dir_permission(const struct ovl_tree *view, const struct ovl_op *op, const char *path);

#endif
