/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite/families/docker.h - a private Docker daemon for the cases tagged "docker".
 *
 * It runs inside the case's own mount and PID namespaces, so it dies with
 * the case whatever happens: data root in the case dir on the backing
 * filesystem under test, exec root and socket on a tmpfs mounted over /run
 * in the case's namespace only (the case has a /proc of its PID namespace), /etc made copy-on-write there (dockerd
 * writes /etc/docker/key.json), no networking (--bridge=none
 * --iptables=false --ip6tables=false). Stopped by its pid.
 */
#ifndef OVL_DOCKER_H
#define OVL_DOCKER_H

#include <limits.h>
#include <sys/types.h>

#include "harness.h"

/* What the kernel needs for the private dockerd (the docker cases' .needs_kconfig). */
/* The programs they run: Debian's docker.io, and a static busybox (busybox-static) for the test image. */
#define OVL_DOCKER_PROGRAMS "dockerd,docker,busybox"
#define OVL_DOCKER_KCONFIG "NAMESPACES & NET_NS & PID_NS & CGROUPS & VETH & BRIDGE"

struct ovl_dockerd {
	pid_t pid;
	char root[PATH_MAX];		/* --data-root */
	char log[PATH_MAX];
	const char *dockerd, *docker;	/* binaries */
};

/* Start it: CONF when dockerd, the docker client or busybox-static is missing; BROK when it does not come up. */
void ovl_dockerd_start(struct ovl_ctx *ctx, struct ovl_dockerd *d);
/* The same on another data root (root; NULL: <case dir>/docker). A case can start one after another. */
void ovl_dockerd_start_at(struct ovl_ctx *ctx, struct ovl_dockerd *d, const char *root);
/*
 * SIGTERM by pid, wait up to 30 s, then SIGKILL; once it logged its
 * shutdown complete and its containerd is gone, SIGKILL at once (it would
 * only retry containerd's socket for a second).
 */
void ovl_dockerd_stop(struct ovl_ctx *ctx, struct ovl_dockerd *d);
/* Run the docker client with args (NULL-terminated): its exit status; output in *out if non-NULL. */
int ovl_docker(struct ovl_ctx *ctx, struct ovl_dockerd *d, char **out, ...) __attribute__((sentinel));
/* The same with args as an array (NULL-terminated). */
int ovl_docker_argv(struct ovl_ctx *ctx, struct ovl_dockerd *d, char **out, const char *const *args);
/* n docker commands (each args as for ovl_docker_argv) at once: 0 when all exit 0, else the first status. */
int ovl_docker_parallel(struct ovl_ctx *ctx, struct ovl_dockerd *d, size_t n, const char *const *const *cmds);

/*
 * The base image the docker cases start from, as a layer tar in the case
 * dir: /bin/busybox (static) with /bin/sh linked to it, /etc/motd,
 * /etc/issue, /data/keep, /data/sub/f.
 */
const char *ovl_docker_base_tar(struct ovl_ctx *ctx);
/* A layer tar's entries as the canonical dump of the tree the library reads from it (caller frees). */
char *ovl_tar_listing(struct ovl_ctx *ctx, const char *tar);
/* The same as a layer tree (new reference), or BROK. */
struct ovl_tree *ovl_tar_tree(struct ovl_ctx *ctx, const char *tar);
/* The listing of a registered layer of the store (exported to <case dir>/<name>.tar); BROK on error. */
struct ovl_store;
struct ovl_digest;
char *ovl_layer_listing(struct ovl_ctx *ctx, struct ovl_store *s, const struct ovl_digest *chain, const char *name);

#endif
