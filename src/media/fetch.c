/* fetch.c — http(s) media through net/ into the download cache: one file
 * per URL, named by the URL's SHA-256, written whole or not at all; the
 * answer's size, time and Content-Type are checked on the way in. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay/net.h"
#include "media_int.h"

#define SUFFIX ".media"

typedef struct fetch {
	net_stream *st;
	size_t max_bytes;
	int64_t deadline_ns;
	long timeout_ms;
	assay_error *err;
} fetch;

/* Image, video and unlabelled binary answers are taken; an HTML login
 * page or a JSON error served with 200 is not. */
static bool media_type(const char *ct)
{
	if (!ct || !ct[0])
		return true;
	static const char *const ok[] = {"image/", "video/", "application/octet-stream",
					 "binary/octet-stream", "application/mp4"};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(ok); i++)
		if (strncasecmp(ct, ok[i], strlen(ok[i])) == 0)
			return true;
	return false;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies the body into fd, within the size cap and the deadline. */
static int fill(int fd, void *ud)
{
	fetch *f = ud;
	char buf[65536];
	size_t total = 0;
	for (;;) {
		if (assay_mono_ns() > f->deadline_ns)
			return assay_fail(f->err, ASSAY_ENET, "no complete answer within %ld ms",
					  f->timeout_ms);
		size_t got = 0;
		int rc = net_stream_read(f->st, buf, sizeof buf, &got, f->err);
		if (rc < 0)
			return rc;
		if (got == 0)
			return total ? ASSAY_OK : assay_fail(f->err, ASSAY_ENET, "empty answer");
		total += got;
		if (total > f->max_bytes)
			return assay_fail(f->err, ASSAY_ENET, "larger than %zu MiB",
					  f->max_bytes >> 20);
		if (write_all(fd, buf, got) != 0)
			return assay_fail(f->err, ASSAY_EIO, "writing the cache: %s",
					  strerror(errno));
	}
}

/* Downloads url into dir/name. */
static int download(const char *url, const media_fetch_options *o, const char *dir,
		    const char *name, assay_error *err)
{
	long timeout = o->timeout_ms > 0 ? o->timeout_ms : 20000;
	net_options no = {.connect_timeout_ms = ASSAY_MIN(timeout, 10000),
			  .timeout_ms = timeout,
			  .stall_timeout_ms = timeout,
			  .max_attempts = 1, /* the timeout bounds the whole fetch */
			  .insecure = o->insecure};
	fetch f = {.max_bytes = o->max_bytes ? o->max_bytes : (size_t)64 << 20,
		   .deadline_ns = assay_mono_ns() + (int64_t)timeout * 1000000,
		   .timeout_ms = timeout,
		   .err = err};
	f.st = net_stream_open(url, &no, err);
	if (!f.st)
		return err ? err->code : ASSAY_ENET;
	const char *ct = net_stream_content_type(f.st);
	int64_t len = net_stream_length(f.st);
	int rc;
	if (!media_type(ct))
		rc = assay_fail(err, ASSAY_ENET, "not an image or video (Content-Type: %.80s)", ct);
	else if (len > (int64_t)f.max_bytes)
		rc = assay_fail(err, ASSAY_ENET, "larger than %zu MiB (%lld bytes)",
				f.max_bytes >> 20, (long long)len);
	else
		rc = media_cache_store(dir, name, fill, &f, err);
	net_stream_close(f.st);
	return rc;
}

int media_fetch(const char *url, const media_fetch_options *opt, char **path, assay_error *err)
{
	media_fetch_options o = opt ? *opt : (media_fetch_options){0};
	char dir[4096], name[80], safe[512], hex[65];
	*path = NULL;
	net_safe_url(url, safe, sizeof safe);
	const char *shown = media_display_name(safe);
	int rc = ASSAY_OK;
	if (o.cache_dir) {
		snprintf(dir, sizeof dir, "%s", o.cache_dir);
		rc = media_cache_dir_check(dir, err);
	} else
		rc = media_cache_dir("media", dir, sizeof dir, err);
	if (rc < 0) {
		assay_error_prefix(err, "cannot show %s", shown);
		return rc;
	}
	if ((rc = media_sha256_hex(url, strlen(url), hex, err)) < 0) {
		assay_error_prefix(err, "cannot show %s", shown);
		return rc;
	}
	snprintf(name, sizeof name, "%s%s", hex, SUFFIX);
	abuf full = {0};
	if (abuf_printf(&full, "%s/%s", dir, name) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "cannot show %s: out of memory", shown);
	struct stat sb;
	if (lstat(full.data, &sb) == 0 && S_ISREG(sb.st_mode)) {
		utimensat(AT_FDCWD, full.data, NULL, 0); /* used now: last out of the LRU */
	} else if (o.cached_only) {
		rc = assay_fail(err, ASSAY_ENOTFOUND, "not downloaded yet");
	} else {
		rc = download(url, &o, dir, name, err);
		if (rc == 0)
			media_cache_trim(dir, SUFFIX,
					 o.cache_bytes ? o.cache_bytes : (uint64_t)512 << 20, NULL);
	}
	if (rc < 0) {
		abuf_free(&full);
		assay_error_prefix(err, "cannot show %s", shown);
		return rc;
	}
	*path = abuf_take(&full);
	return ASSAY_OK;
}
