/* thumbs.c — decoded thumbnails kept on disk, so a picture seen once is
 * drawn again without a decoder: one file per (source, its size and mtime,
 * the requested size and frames) in the decoder's own byte format, read
 * back with the same checks as a child's answer. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media_int.h"

#define SUFFIX ".thumb"

/* The cache file's name for this source and request. */
static void thumb_name(const char *source, const struct stat *sb, const media_request *r,
		       char out[80])
{
	abuf key = {0};
	abuf_printf(&key, "thumb-v1|%s|%lld|%lld.%09ld|%dx%d|%d+%d/%d", source,
		    (long long)sb->st_size, (long long)sb->st_mtim.tv_sec, sb->st_mtim.tv_nsec,
		    r->max_w, r->max_h, r->first, r->count, r->total);
	char hex[65];
	media_sha256_hex(key.data ? key.data : "", key.len, hex);
	abuf_free(&key);
	snprintf(out, 80, "%s%s", hex, SUFFIX);
}

/* A cached answer, checked as a child's would be; a damaged file is
 * removed. Returns 1 on a hit. */
static int lookup(const char *file, const media_request *r, media_decoded *out)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat sb;
	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 0;
	}
	char reason[256];
	int64_t t0 = assay_mono_ns();
	int rc = media_wire_read(fd, r, 0, out, reason, sizeof reason);
	close(fd);
	if (rc != ASSAY_OK) {
		media_decoded_free(out);
		unlink(file);
		return 0;
	}
	utimensat(AT_FDCWD, file, NULL, 0); /* used now: last out of the LRU */
	out->cached = true;
	out->wall_ms = (double)(assay_mono_ns() - t0) / 1e6;
	return 1;
}

static int write_decoded(int fd, void *ud)
{
	return media_wire_write(fd, ud, NULL) == 0 ? ASSAY_OK : ASSAY_EIO;
}

int media_decode_cached(const char *path, const char *source, const media_request *req,
			const char *dir, uint64_t cache_bytes, media_decoded *out, assay_error *err)
{
	media_request r;
	memset(out, 0, sizeof *out);
	int rc = media_request_norm(req, &r, err);
	if (rc < 0)
		return rc;
	char cdir[4096], name[80];
	struct stat sb;
	bool usable = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
	if (usable && dir)
		snprintf(cdir, sizeof cdir, "%s", dir);
	else if (usable)
		usable = media_cache_dir("thumbs", cdir, sizeof cdir, NULL) == 0;
	if (!usable)
		return media_decode(path, &r, out, err);
	thumb_name(source ? source : path, &sb, &r, name);
	abuf file = {0};
	if (abuf_printf(&file, "%s/%s", cdir, name) < 0)
		return media_decode(path, &r, out, err);
	if (!lookup(file.data, &r, out)) {
		rc = media_decode(path, &r, out, err);
		if (rc == 0 && media_cache_store(cdir, name, write_decoded, out, NULL) == 0)
			media_cache_trim(cdir, SUFFIX,
					 cache_bytes ? cache_bytes : (uint64_t)256 << 20, NULL);
	}
	abuf_free(&file);
	return rc;
}
