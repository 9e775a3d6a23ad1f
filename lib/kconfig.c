// SPDX-License-Identifier: LGPL-2.1-or-later
#define _GNU_SOURCE
#include "kconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <zlib.h>

#include "util.h"

struct ovl_kconfig {
	char *source;
	char **sym, **val;
	size_t n;
};

void ovl_kconfig_free(struct ovl_kconfig *kc)
{
	if (!kc)
		return;
	for (size_t i = 0; i < kc->n; i++) {
		free(kc->sym[i]);
		free(kc->val[i]);
	}
	free(kc->sym);
	free(kc->val);
	free(kc->source);
	free(kc);
}

/* Read a file through zlib, which reads plain files unchanged. */
static int read_gz(const char *path, char **out)
{
	gzFile f = gzopen(path, "rb");
	struct ovl_buf b = OVL_BUF_INIT;
	char chunk[65536];
	int n;

	if (!f)
		return errno ? -errno : -ENOMEM;
	while ((n = gzread(f, chunk, sizeof(chunk) - 1)) > 0) {
		chunk[n] = 0;
		ovl_buf_puts(&b, chunk);
	}
	gzclose(f);
	if (n < 0 || b.failed) {
		ovl_buf_free(&b);
		return n < 0 ? -EIO : -ENOMEM;
	}
	*out = ovl_buf_steal(&b);
	return *out ? 0 : -ENOMEM;
}

static int parse(struct ovl_kconfig *kc, char *text)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		char **ns, **nv;

		if (strncmp(line, "CONFIG_", 7) != 0 || !eq)
			continue;
		*eq = 0;
		ns = realloc(kc->sym, (kc->n + 1) * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		kc->sym = ns;
		nv = realloc(kc->val, (kc->n + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		kc->val = nv;
		kc->sym[kc->n] = strdup(line);
		kc->val[kc->n] = strdup(eq + 1);
		if (!kc->sym[kc->n] || !kc->val[kc->n]) {
			free(kc->sym[kc->n]);
			free(kc->val[kc->n]);
			return -ENOMEM;
		}
		kc->n++;
	}
	return 0;
}

int ovl_kconfig_load(const char *path, struct ovl_kconfig **out, struct ovl_err *err)
{
	struct utsname u;
	char places[6][512];
	size_t np = 0;
	struct ovl_buf tried = OVL_BUF_INIT;
	int r = -ENOENT;

	uname(&u);
	if (path) {
		snprintf(places[np++], sizeof(places[0]), "%s", path);
	} else {
		if (getenv("KCONFIG_PATH"))
			snprintf(places[np++], sizeof(places[0]), "%s", getenv("KCONFIG_PATH"));
		snprintf(places[np++], sizeof(places[0]), "/proc/config.gz");
		snprintf(places[np++], sizeof(places[0]), "/lib/modules/%s/build/.config", u.release);
		snprintf(places[np++], sizeof(places[0]), "/lib/modules/%s/config", u.release);
		snprintf(places[np++], sizeof(places[0]), "/boot/config-%s", u.release);
		snprintf(places[np++], sizeof(places[0]), "/lib/kernel/config-%s", u.release);
	}
	for (size_t i = 0; i < np; i++) {
		struct ovl_kconfig *kc;
		char *text = NULL;

		r = read_gz(places[i], &text);
		if (r) {
			ovl_buf_printf(&tried, "%s%s: %s", tried.len ? "; " : "", places[i], strerror(-r));
			continue;
		}
		kc = calloc(1, sizeof(*kc));
		if (!kc || !(kc->source = strdup(places[i])) || parse(kc, text)) {
			free(text);
			ovl_kconfig_free(kc);
			ovl_buf_free(&tried);
			return ovl_err_set(err, ENOMEM, "kernel config: out of memory");
		}
		free(text);
		if (kc->n == 0) {
			ovl_buf_printf(&tried, "%s%s: no CONFIG_ line", tried.len ? "; " : "", places[i]);
			ovl_kconfig_free(kc);
			r = -EINVAL;
			continue;
		}
		ovl_buf_free(&tried);
		*out = kc;
		return 0;
	}
	ovl_err_set(err, r, "no kernel config found (%s)", tried.data ? tried.data : "");
	ovl_buf_free(&tried);
	return r;
}

const char *ovl_kconfig_source(const struct ovl_kconfig *kc)
{
	return kc->source;
}

const char *ovl_kconfig_get(const struct ovl_kconfig *kc, const char *sym)
{
	for (size_t i = 0; i < kc->n; i++)
		if (strcmp(kc->sym[i], sym) == 0)
			return kc->val[i];
	return NULL;
}

bool ovl_kconfig_met(const struct ovl_kconfig *kc, const char *req, const char **have)
{
	char sym[256];
	const char *eq = strchr(req, '='), *v;
	size_t n = eq ? (size_t)(eq - req) : strlen(req);

	if (n >= sizeof(sym))
		return false;
	memcpy(sym, req, n);
	sym[n] = 0;
	v = ovl_kconfig_get(kc, sym);
	if (have)
		*have = v;
	if (!v)
		return false;
	if (eq)
		return strcmp(v, eq + 1) == 0;
	return strcmp(v, "y") == 0 || strcmp(v, "m") == 0;
}
