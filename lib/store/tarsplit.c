// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/store/tarsplit.c - writing and replaying tar-split metadata. JSON through
 * jansson, base64 through libcrypto, gzip through zlib.
 */
#define _GNU_SOURCE
#include "ovl-store.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "ovl-common.h"

struct ovl_tarsplit_writer {
	gzFile gz;
	unsigned long position;
	int error;
};

int ovl_tarsplit_writer_open(const char *path, struct ovl_tarsplit_writer **out)
{
	struct ovl_tarsplit_writer *w = calloc(1, sizeof(*w));
	int fd;

	if (!w)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	/* 0644 whatever the umask, as dockerd leaves it */
	if (fd >= 0 && fchmod(fd, 0644)) {
		int e = errno;

		close(fd);
		free(w);
		return -e;
	}
	/* Level 1: the metadata of small files is most of an import's work otherwise. */
	if (fd < 0 || !(w->gz = gzdopen(fd, "wb1"))) {
		int e = fd < 0 ? errno : ENOMEM;

		if (fd >= 0)
			close(fd);
		free(w);
		return -e;
	}
	*out = w;
	return 0;
}

/* base64 (libcrypto) into a fresh string. */
static char *b64(const void *bytes, size_t len)
{
	char *s = malloc(4 * ((len + 2) / 3) + 1);

	if (s)
		EVP_EncodeBlock((unsigned char *)s, bytes, (int)len);
	return s;
}

/*
 * One line. The lines are written directly: their only free text is the
 * name, which jansson quotes and escapes; the rest are numbers and base64.
 */
static int put_line(struct ovl_tarsplit_writer *w, const char *line)
{
	size_t n = strlen(line);

	if (!w->error && gzwrite(w->gz, line, (unsigned int)n) != (int)n)
		w->error = -EIO;
	w->position++;
	return w->error;
}

int ovl_tarsplit_segment(struct ovl_tarsplit_writer *w, const void *bytes, size_t len)
{
	char *p, *line;
	int r;

	if (!len)
		return w->error;
	p = b64(bytes, len);
	if (!p || asprintf(&line, "{\"type\":2,\"payload\":\"%s\",\"position\":%lu}\n", p,
			   w->position) < 0) {
		free(p);
		return w->error = w->error ? w->error : -ENOMEM;
	}
	r = put_line(w, line);
	free(p);
	free(line);
	return r;
}

int ovl_tarsplit_file(struct ovl_tarsplit_writer *w, const char *name, int64_t size, uint64_t crc)
{
	json_t *j = json_string(name);
	char *quoted = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL, *nm = NULL, *p = NULL, *line = NULL;
	int r = -ENOMEM;

	json_decref(j);
	if (!quoted) {
		/* not UTF-8: the raw bytes go base64 as name_raw */
		char *raw = b64(name, strlen(name));

		if (raw && asprintf(&nm, "\"name_raw\":\"%s\"", raw) < 0)
			nm = NULL;
		free(raw);
	} else if (asprintf(&nm, "\"name\":%s", quoted) < 0) {
		nm = NULL;
	}
	free(quoted);
	if (nm && size > 0) {
		unsigned char be[8];

		for (int i = 0; i < 8; i++)
			be[i] = (unsigned char)(crc >> (56 - 8 * i));
		p = b64(be, 8);
		if (p && asprintf(&line, "{\"type\":1,%s,\"size\":%lld,\"payload\":\"%s\",\"position\":%lu}\n",
				  nm, (long long)size, p, w->position) < 0)
			line = NULL;
	} else if (nm && asprintf(&line, "{\"type\":1,%s,\"payload\":null,\"position\":%lu}\n", nm,
				  w->position) < 0) {
		line = NULL;
	}
	if (line)
		r = put_line(w, line);
	else if (!w->error)
		w->error = r;
	free(nm);
	free(p);
	free(line);
	return line ? r : w->error;
}

int ovl_tarsplit_writer_close(struct ovl_tarsplit_writer *w)
{
	int r = w->error;

	if (gzclose(w->gz) != Z_OK && !r)
		r = -EIO;
	free(w);
	return r;
}

/* ---- replay ------------------------------------------------------------ */

/* base64 to bytes; -1 when it is not strictly base64 (no whitespace, padding at the end only). */
static ssize_t unb64(const char *s, unsigned char **out)
{
	size_t len = strlen(s), pad = 0;
	int n;

	*out = NULL;
	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '=' && i >= len - 2) {
			pad++;
			continue;
		}
		if (pad || !(isalnum((unsigned char)c) || c == '+' || c == '/'))
			return -1;
	}
	*out = malloc(len / 4 * 3 + 3);
	if (!*out)
		return -1;
	n = EVP_DecodeBlock(*out, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return (ssize_t)((size_t)n - pad);
}

struct sink {
	int fd;
	struct ovl_hasher *h;
};

static int emit(struct sink *k, const void *buf, size_t len)
{
	int r = ovl_hasher_update(k->h, buf, len);

	if (!r && k->fd >= 0)
		r = ovl_write_all(k->fd, buf, len);
	return r;
}

static int file_payload(int rootfd, const char *diffdir, const char *name, int64_t size,
			const unsigned char *crcbe, struct sink *k, struct ovl_err *err)
{
	char rel[PATH_MAX];
	unsigned char buf[1 << 16];
	uint64_t crc = 0, want = 0;
	int64_t left = size;
	int fd, r = ovl_clean_tar_name(name, rel, sizeof(rel), false);

	if (!r && !*rel)
		r = -EINVAL;
	if (r)
		return ovl_err_set(err, EINVAL, "%s: tar-split names '%s', not a path inside the layer",
				   diffdir, name);
	/* O_NONBLOCK: a FIFO of that name must not hang the export; it is refused below. */
	fd = ovl_openat_beneath(rootfd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return ovl_err_set(err, -fd, "%s/%s: %s", diffdir, rel, strerror(-fd));
	{
		struct stat st;

		if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			close(fd);
			return ovl_err_set(err, EINVAL, "%s/%s: not a regular file, but tar-split gives it "
					   "%lld bytes", diffdir, rel, (long long)size);
		}
	}
	while (left > 0) {
		ssize_t n = read(fd, buf, left < (int64_t)sizeof(buf) ? (size_t)left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = ovl_err_set(err, n < 0 ? errno : EIO, "%s/%s: %s", diffdir, rel,
					n < 0 ? strerror(errno) : "shorter than its tar entry says");
			break;
		}
		crc = ovl_crc64_iso(crc, buf, (size_t)n);
		r = emit(k, buf, (size_t)n);
		if (r) {
			ovl_err_set(err, r, "writing the stream: %s", strerror(-r));
			break;
		}
		left -= n;
	}
	close(fd);
	if (r)
		return r;
	for (int i = 0; i < 8; i++)
		want = want << 8 | crcbe[i];
	if (crc != want)
		return ovl_err_set(err, EIO, "%s/%s: content differs from what was imported (CRC-64 "
				   "%016llx, tar-split says %016llx)", diffdir, rel, (unsigned long long)crc,
				   (unsigned long long)want);
	return 0;
}

/* One tar-split line: a segment's bytes, or a file's content from the diff dir. */
static int replay_line(const char *p, size_t plen, unsigned long line, int rootfd, const char *diffdir,
		       const char *tarsplit, struct sink *k, struct ovl_err *err)
{
	json_t *o, *pl;
	json_error_t je;
	json_int_t type, pos;
	int r = 0;

	o = json_loadb(p, plen, 0, &je);
	if (!o || json_unpack(o, "{s:I, s:I}", "type", &type, "position", &pos)) {
		r = ovl_err_set(err, EINVAL, "%s: line %lu: not a tar-split entry (%s)", tarsplit, line,
				o ? "type or position missing" : je.text);
		json_decref(o);
		return r;
	}
	if (pos != (json_int_t)(line - 1))
		r = ovl_err_set(err, EINVAL, "%s: line %lu: position %lld out of order", tarsplit, line,
				(long long)pos);
	pl = json_object_get(o, "payload");
	if (!r && type == 2) {
		unsigned char *raw = NULL;
		ssize_t len = json_is_string(pl) ? unb64(json_string_value(pl), &raw) : -1;

		if (len < 0)
			r = ovl_err_set(err, EINVAL, "%s: line %lu: segment payload is not base64", tarsplit, line);
		else if ((r = emit(k, raw, (size_t)len)))
			ovl_err_set(err, r, "writing the stream: %s", strerror(-r));
		free(raw);
	} else if (!r && type == 1) {
		json_int_t size = json_integer_value(json_object_get(o, "size"));
		const char *name = json_string_value(json_object_get(o, "name"));
		unsigned char *crc = NULL, *rawname = NULL;
		char *nm = NULL;

		if (!name && json_is_string(json_object_get(o, "name_raw"))) {
			ssize_t l = unb64(json_string_value(json_object_get(o, "name_raw")), &rawname);

			if (l > 0 && !memchr(rawname, 0, (size_t)l) && (nm = strndup((char *)rawname, (size_t)l)))
				name = nm;
		}
		if (!name || size < 0)
			r = ovl_err_set(err, EINVAL, "%s: line %lu: a file entry without a name or size", tarsplit,
					line);
		else if (size > 0 && (!json_is_string(pl) || unb64(json_string_value(pl), &crc) != 8))
			r = ovl_err_set(err, EINVAL, "%s: line %lu: %s: the payload is not a CRC-64", tarsplit,
					line, name);
		else if (size > 0)
			r = file_payload(rootfd, diffdir, name, size, crc, k, err);
		free(crc);
		free(rawname);
		free(nm);
	} else if (!r) {
		r = ovl_err_set(err, EINVAL, "%s: line %lu: unknown entry type %lld", tarsplit, line,
				(long long)type);
	}
	json_decref(o);
	return r;
}

int ovl_layer_export(const char *diffdir, const char *tarsplit, int outfd, struct ovl_digest *diff_id,
		     uint64_t *bytes, struct ovl_err *err)
{
	struct sink k = { .fd = outfd };
	gzFile gz = gzopen(tarsplit, "rb");
	struct ovl_buf text = OVL_BUF_INIT;
	char chunk[65537];
	int rootfd = -1, n, r = 0;
	unsigned long line = 0;

	if (!gz)
		return ovl_err_set(err, errno ? errno : ENOMEM, "%s: cannot open: %m", tarsplit);
	rootfd = open(diffdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || ovl_hasher_new(&k.h)) {
		r = ovl_err_set(err, rootfd < 0 ? errno : ENOMEM, "%s: cannot open: %m", diffdir);
		goto out;
	}
	/* Line by line: a layer of many files has a long tar-split, kept out of memory. */
	for (bool eof = false; !r;) {
		char *nl;

		while (!eof && !(text.data && (nl = memchr(text.data, '\n', text.len)))) {
			n = gzread(gz, chunk, sizeof(chunk) - 1);
			if (n < 0) {
				r = ovl_err_set(err, EINVAL, "%s: not a readable gzip stream", tarsplit);
				goto out;
			}
			if (n == 0) {
				eof = true;
				break;
			}
			if (memchr(chunk, 0, (size_t)n)) {
				r = ovl_err_set(err, EINVAL, "%s: holds a NUL byte: not tar-split JSON", tarsplit);
				goto out;
			}
			chunk[n] = 0;
			ovl_buf_puts(&text, chunk);
			if (text.failed || text.len > (64u << 20)) {
				r = ovl_err_set(err, EINVAL, "%s: a line over 64 MiB", tarsplit);
				goto out;
			}
		}
		if (!text.len)
			break;
		nl = memchr(text.data, '\n', text.len);
		line++;
		r = replay_line(text.data, nl ? (size_t)(nl - text.data) : text.len, line, rootfd, diffdir,
				tarsplit, &k, err);
		if (nl) {
			size_t rest = text.len - (size_t)(nl + 1 - text.data);

			memmove(text.data, nl + 1, rest + 1);
			text.len = rest;
		} else {
			text.len = 0;
		}
	}
	if (!r && (r = ovl_hasher_final(k.h, diff_id)) == 0 && bytes)
		*bytes = ovl_hasher_length(k.h);
out:
	gzclose(gz);
	ovl_hasher_free(k.h);
	if (rootfd >= 0)
		close(rootfd);
	ovl_buf_free(&text);
	return r;
}
