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

bool media_thumb_key(const char *path, const char *source, const media_request *r,
		     const media_thumbs *t, char *dir, size_t cap, char name[80])
{
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return false;
	if (t->dir && ((size_t)snprintf(dir, cap, "%s", t->dir) >= cap ||
		       media_cache_dir_check(dir, NULL) != 0))
		return false;
	if (!t->dir && media_cache_dir("thumbs", dir, cap, NULL) != 0)
		return false;
	abuf key = {0};
	if (abuf_printf(&key, "thumb-v1|%s|%lld|%lld.%09ld|%dx%d|%d+%d/%d", source ? source : path,
			(long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
			r->max_w, r->max_h, r->first, r->count, r->total) < 0)
		return false;
	char hex[65];
	int rc = media_sha256_hex(key.data, key.len, hex, NULL);
	abuf_free(&key);
	if (rc < 0)
		return false;
	snprintf(name, 80, "%s%s", hex, SUFFIX);
	return true;
}

/* The whole file if it is a regular one of at most max bytes. */
static void *slurp(const char *file, size_t max, size_t *len)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat sb;
	void *buf = NULL;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size <= max &&
	    (buf = malloc(sb.st_size ? (size_t)sb.st_size : 1)) != NULL) {
		*len = 0;
		while (*len < (size_t)sb.st_size) {
			ssize_t n = read(fd, (char *)buf + *len, (size_t)sb.st_size - *len);
			if (n <= 0)
				break;
			*len += (size_t)n;
		}
	}
	close(fd);
	return buf;
}

int media_thumb_lookup(const char *dir, const char *name, const media_request *r,
		       media_decoded *out)
{
	char file[4200], reason[256];
	snprintf(file, sizeof file, "%s/%s", dir, name);
	size_t len = 0;
	void *buf = slurp(file, media_wire_max(r), &len);
	int rc = buf ? media_wire_parse(buf, len, r, out, reason, sizeof reason) : ASSAY_EIO;
	free(buf);
	if (rc != ASSAY_OK) {
		media_decoded_free(out);
		if (access(file, F_OK) == 0)
			unlink(file); /* damaged, or not ours */
		return 0;
	}
	utimensat(AT_FDCWD, file, NULL, 0); /* used now: last out of the LRU */
	out->cached = true;
	return 1;
}

static int write_decoded(int fd, void *ud)
{
	return media_wire_write(fd, ud, NULL) == 0 ? ASSAY_OK : ASSAY_EIO;
}

void media_thumb_store(const char *dir, const char *name, const media_decoded *d,
		       uint64_t max_bytes)
{
	if (media_cache_store(dir, name, write_decoded, (void *)d, NULL) == 0)
		media_cache_trim(dir, SUFFIX, max_bytes ? max_bytes : (uint64_t)256 << 20, NULL);
}
