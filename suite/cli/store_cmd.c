// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * suite/cli/store_cmd.c - `ovlconform store <verb>`: the reference layer store
 * (lib/store, lib/verify) on the command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outcome.h"
#include "ovl-store.h"
#include "store_cmd.h"

#define DEFAULT_ROOT "/var/lib/docker"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ovlconform store import --root DIR [--parent CHAINID] [--strict] TAR|-\n"
		"       ovlconform store export --root DIR [-o FILE] CHAINID\n"
		"       ovlconform store image  --root DIR [--cmd ARG]... [--tag NAME[:TAG]] CHAINID\n"
		"       ovlconform store tag    --root DIR IMAGE NAME[:TAG]\n"
		"       ovlconform store create --root DIR IMAGE          (prints the container ID)\n"
		"       ovlconform store mount  --root DIR CONTAINER      (prints where; in this mount namespace)\n"
		"       ovlconform store umount --root DIR CONTAINER\n"
		"       ovlconform store commit --root DIR [--tag NAME[:TAG]] CONTAINER\n"
		"       ovlconform store rmi    --root DIR [--force] [--no-prune] IMAGE...\n"
		"       ovlconform store rm     --root DIR CONTAINER...\n"
		"       ovlconform store gc     --root DIR [--remove]\n"
		"       ovlconform store ls     [--root DIR]\n"
		"       ovlconform store verify [--root DIR] [--deep]\n"
		"\n"
		"IMAGE is an image ID (sha256:<hex>, or a unique prefix of its hex) or a tag.\n"
		"rmi and rm delete as dockerd does (reference counts through tags, child images,\n"
		"containers and parent layers) and print dockerd's Untagged:/Deleted: lines. gc lists\n"
		"what nothing uses (deletions cut short, uncommitted writes, layers of gone\n"
		"containers, unused layers, stray layer dirs and short links); --remove removes it.\n"
		"\n"
		"DIR is a Docker data root (default " DEFAULT_ROOT " for ls and verify, which\n"
		"only read). import creates the store when it does not exist; it takes what Docker\n"
		"takes, and with --strict refuses, naming the entry, what Docker takes but is risky\n"
		"(device nodes, whiteouts with data, names with '..', a whiteout then its name). Exit: 0 done (verify:\n"
		"no problem; gc: nothing found or all removed), 1 verify found problems (gc: garbage\n"
		"left in place), 3 usage, 2 the command failed.\n");
}

static void print_problem(void *arg, const char *path, const char *reason)
{
	(void)arg;
	printf("%s: %s\n", path, reason);
}

static void print_record(void *arg, const char *kind, const char *name)
{
	(void)arg;
	printf("%s: %s\n", kind, name);
}

static void print_layer(const struct ovl_layer_info *l)
{
	char c[OVL_DIGEST_STRLEN], d[OVL_DIGEST_STRLEN], p[OVL_DIGEST_STRLEN] = "-";

	ovl_digest_format(&l->chain_id, c);
	ovl_digest_format(&l->diff_id, d);
	if (l->has_parent)
		ovl_digest_format(&l->parent, p);
	printf("%s %s %10llu %s %s %s\n", c, d, (unsigned long long)l->size, l->cache_id, l->link, p);
}

int ovl_store_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "parent", required_argument, NULL, 'p' },
		{ "deep", no_argument, NULL, 'd' },
		{ "strict", no_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ "cmd", required_argument, NULL, 'c' },
		{ "tag", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "no-prune", no_argument, NULL, 'P' },
		{ "remove", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL, *verb, *output = NULL, *tag = NULL, *cmd[64];
	size_t ncmd = 0;
	struct ovl_digest parent;
	bool has_parent = false, deep = false, strict = false, force = false, no_prune = false, remove = false;
	struct ovl_store *s = NULL;
	struct ovl_err err = { "" };
	int c, r = 0;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? OVL_EXIT_USAGE : 0;
	}
	verb = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'p':
			if (ovl_digest_parse(optarg, &parent)) {
				fprintf(stderr, "ovlconform store: --parent wants sha256:<64 hex>, not '%s'\n", optarg);
				return OVL_EXIT_USAGE;
			}
			has_parent = true;
			break;
		case 'd': deep = true; break;
		case 'f': force = true; break;
		case 'P': no_prune = true; break;
		case 'R': remove = true; break;
		case 'S': strict = true; break;
		case 'o': output = optarg; break;
		case 't': tag = optarg; break;
		case 'c':
			if (ncmd >= 63) {
				fprintf(stderr, "ovlconform store: at most 63 --cmd arguments\n");
				return OVL_EXIT_USAGE;
			}
			cmd[ncmd++] = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return OVL_EXIT_USAGE;
		}
	}
	if (strcmp(verb, "verify") == 0) {
		size_t n = 0;

		if (optind != argc) {
			usage(stderr);
			return OVL_EXIT_USAGE;
		}
		root = root ? root : DEFAULT_ROOT;
		if (ovl_store_verify(root, deep ? OVL_VERIFY_DEEP : 0, print_problem, NULL, &n, &err)) {
			fprintf(stderr, "ovlconform store verify: %s\n", err.msg);
			return 2;
		}
		fprintf(stderr, "%s: %zu problem%s%s\n", root, n, n == 1 ? "" : "s",
			deep ? " (deep: every DiffID re-derived)" : "");
		return n ? 1 : 0;
	}
	if (strcmp(verb, "import") == 0) {
		struct ovl_layer_info li;
		const char *tar;
		int fd;

		if (!root || optind != argc - 1) {
			fprintf(stderr, "ovlconform store import: needs --root DIR and one TAR (or -)\n");
			return OVL_EXIT_USAGE;
		}
		tar = argv[optind];
		fd = strcmp(tar, "-") == 0 ? STDIN_FILENO : open(tar, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "ovlconform store import: %s: %s\n", tar, strerror(errno));
			return 2;
		}
		r = ovl_store_open(root, OVL_STORE_CREATE | (strict ? OVL_STORE_STRICT : 0), &s, &err);
		if (!r)
			r = ovl_store_layer_import(s, has_parent ? &parent : NULL, fd, tar, &li, &err);
		if (fd != STDIN_FILENO)
			close(fd);
		if (!r) {
			print_layer(&li);
			if (li.existed)
				fprintf(stderr, "(already registered)\n");
		}
	} else if (strcmp(verb, "export") == 0) {
		struct ovl_digest chain, d;
		char ds[OVL_DIGEST_STRLEN];
		int fd;

		if (!root || optind != argc - 1 || ovl_digest_parse(argv[optind], &chain)) {
			fprintf(stderr, "ovlconform store export: needs --root DIR and one ChainID (sha256:<hex>)\n");
			return OVL_EXIT_USAGE;
		}
		if (!output && isatty(STDOUT_FILENO)) {
			fprintf(stderr, "ovlconform store export: will not write a tar to a terminal; use -o FILE\n");
			return OVL_EXIT_USAGE;
		}
		fd = output ? open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : STDOUT_FILENO;
		if (fd < 0) {
			fprintf(stderr, "ovlconform store export: %s: %s\n", output, strerror(errno));
			return 2;
		}
		r = ovl_store_open(root, 0, &s, &err);
		if (!r)
			r = ovl_store_layer_export(s, &chain, fd, &d, &err);
		if (output)
			close(fd);
		if (!r) {
			ovl_digest_format(&d, ds);
			fprintf(stderr, "%s\n", ds);
		} else if (output) {
			unlink(output);
		}
	} else if (strcmp(verb, "image") == 0) {
		struct ovl_image_opts o = { .cmd = ncmd ? cmd : NULL };
		struct ovl_digest top, id;
		char ids[OVL_DIGEST_STRLEN];

		cmd[ncmd] = NULL;
		if (!root || optind != argc - 1 || ovl_digest_parse(argv[optind], &top)) {
			fprintf(stderr, "ovlconform store image: needs --root DIR and the top layer's ChainID\n");
			return OVL_EXIT_USAGE;
		}
		r = ovl_store_open(root, 0, &s, &err);
		if (!r)
			r = ovl_store_image_create(s, &top, &o, &id, &err);
		if (!r && tag)
			r = ovl_store_tag(s, tag, &id, &err);
		if (!r) {
			ovl_digest_format(&id, ids);
			printf("%s\n", ids);
		}
	} else if (strcmp(verb, "tag") == 0 || strcmp(verb, "create") == 0) {
		bool is_tag = strcmp(verb, "tag") == 0;
		struct ovl_digest id;

		if (!root || optind != argc - (is_tag ? 2 : 1)) {
			fprintf(stderr, "ovlconform store %s: needs --root DIR and %s\n", verb,
				is_tag ? "IMAGE NAME[:TAG]" : "IMAGE");
			return OVL_EXIT_USAGE;
		}
		r = ovl_store_open(root, 0, &s, &err);
		if (!r && ovl_digest_parse(argv[optind], &id))
			r = ovl_store_resolve(s, argv[optind], &id, &err);
		if (!r && is_tag) {
			r = ovl_store_tag(s, argv[optind + 1], &id, &err);
		} else if (!r) {
			struct ovl_container_info ci;

			r = ovl_store_container_create(s, &id, &ci, &err);
			if (!r)
				printf("%s\n", ci.id);
		}
	} else if (strcmp(verb, "mount") == 0 || strcmp(verb, "umount") == 0 ||
		   strcmp(verb, "commit") == 0) {
		if (!root || optind != argc - 1) {
			fprintf(stderr, "ovlconform store %s: needs --root DIR and a container ID\n", verb);
			return OVL_EXIT_USAGE;
		}
		r = ovl_store_open(root, 0, &s, &err);
		if (!r && verb[0] == 'm') {
			struct ovl_container_info ci;
			bool rel = false;

			r = ovl_store_container_mount(s, argv[optind], &rel, &err);
			if (!r && !ovl_store_container_get(s, argv[optind], &ci, &err))
				printf("%s%s\n", ci.merged, rel ? " (lowers given relative to overlay2/: the "
				       "options were longer than a page)" : "");
		} else if (!r && verb[0] == 'u') {
			r = ovl_store_container_umount(s, argv[optind], &err);
		} else if (!r) {
			struct ovl_digest id;
			struct ovl_layer_info li;
			char ids[OVL_DIGEST_STRLEN];

			cmd[ncmd] = NULL;
			r = ovl_store_container_commit(s, argv[optind], &(struct ovl_image_opts){
							       .cmd = ncmd ? cmd : NULL }, tag, &id, &li, &err);
			if (!r) {
				ovl_digest_format(&id, ids);
				printf("%s\n", ids);
				print_layer(&li);
			}
		}
	} else if (strcmp(verb, "rmi") == 0 || strcmp(verb, "rm") == 0) {
		if (!root || optind >= argc) {
			fprintf(stderr, "ovlconform store %s: needs --root DIR and %s\n", verb,
				verb[2] ? "an IMAGE" : "a CONTAINER");
			return OVL_EXIT_USAGE;
		}
		r = ovl_store_open(root, 0, &s, &err);
		for (int i = optind; !r && i < argc; i++) {
			if (verb[2])
				r = ovl_store_image_remove(s, argv[i], (force ? OVL_RMI_FORCE : 0) |
							   (no_prune ? OVL_RMI_NO_PRUNE : 0), print_record, NULL, &err);
			else if (!(r = ovl_store_container_remove(s, argv[i], NULL, NULL, &err)))
				printf("%s\n", argv[i]);
		}
	} else if (strcmp(verb, "gc") == 0) {
		size_t n = 0;

		if (!root || optind != argc) {
			fprintf(stderr, "ovlconform store gc: needs --root DIR (and nothing else)\n");
			return OVL_EXIT_USAGE;
		}
		r = ovl_store_open(root, 0, &s, &err);
		if (!r)
			r = ovl_store_gc(s, remove ? OVL_GC_REMOVE : 0, print_problem, NULL, &n, &err);
		if (!r) {
			fprintf(stderr, "%s: %zu unused thing%s%s\n", root, n, n == 1 ? "" : "s",
				!n ? "" : remove ? ", removed" : " (left in place: --remove removes them)");
			ovl_store_free(s);
			return n && !remove ? 1 : 0;
		}
	} else if (strcmp(verb, "ls") == 0) {
		struct ovl_layer_info *v = NULL;
		size_t n = 0;

		r = ovl_store_open(root ? root : DEFAULT_ROOT, 0, &s, &err);
		if (!r)
			r = ovl_store_layers(s, &v, &n, &err);
		for (size_t i = 0; !r && i < n; i++)
			print_layer(&v[i]);
		free(v);
	} else {
		fprintf(stderr, "ovlconform store: unknown verb '%s'\n", verb);
		usage(stderr);
		return OVL_EXIT_USAGE;
	}
	ovl_store_free(s);
	if (r) {
		fprintf(stderr, "ovlconform store %s: %s\n", verb, err.msg);
		return 2;
	}
	return 0;
}
