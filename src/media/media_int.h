/* media_int.h — what the files of src/media/ share: the limits' defaults,
 * the byte format the decoder child writes (also the thumbnail cache's file
 * format), and the decoder the child runs. */
#ifndef ASSAY_MEDIA_INT_H
#define ASSAY_MEDIA_INT_H

#include <stdio.h>
#include <sys/types.h>

#include "assay/media.h"

#define MEDIA_MAX_FRAMES   64
#define MEDIA_MAX_OUT_SIDE 4096

/* req with every 0 replaced by its default and the frame range checked. */
int media_request_norm(const media_request *req, media_request *out, assay_error *err);
/* The name shown in "cannot show NAME": the last path component. */
const char *media_display_name(const char *path);

/* The decoder's output, written as: a header, then per frame a frame
 * header and w * h * 4 bytes of RGBA. All integers little-endian as the
 * host writes them (parent and child are the same program). */
#define MEDIA_WIRE_MAGIC 0x31445341u /* "ASD1" */
typedef struct media_wire_head {
	uint32_t magic;
	int32_t status;	  /* 0, else a failure whose reason follows */
	char reason[200]; /* NUL-terminated */
	uint8_t video;
	int32_t width, height, n;
	int64_t duration_ms, frames;
	char codec[32], format[32];
} media_wire_head;

typedef struct media_wire_frame {
	int32_t w, h;
	int64_t pts_ms, want_ms;
} media_wire_frame;

/* The most bytes an answer to req can take. */
size_t media_wire_max(const media_request *req);
/* Reads a decoder's answer from memory into out, checking every size
 * against req (frames no larger than asked, no more of them, nothing
 * after them). A failure the child reported is ASSAY_EFORMAT with its
 * reason; a malformed or short answer is ASSAY_EIO ("ended early"). */
int media_wire_parse(const void *buf, size_t len, const media_request *req, media_decoded *out,
		     char *reason, size_t cap);
/* Writes d (or the failure reason when d is NULL) to fd. */
int media_wire_write(int fd, const media_decoded *d, const char *reason);

/* Forks the decoder child for path (req normalised); *fd gets the
 * non-blocking read end of its pipe. Returns the pid, or < 0 with err. */
pid_t media_child_spawn(const char *path, const media_request *req, int *fd, assay_error *err);

/* The child's work: decodes the file open on fd into out (req normalised);
 * on failure fills reason (cap bytes) and returns < 0. */
int media_decode_fd(int fd, const media_request *req, media_decoded *out, char *reason, size_t cap);

/* The thumbnail cache's directory and file name for path (as source) and
 * r; false when the cache cannot serve it (not a regular file, no
 * directory). */
bool media_thumb_key(const char *path, const char *source, const media_request *r,
		     const media_thumbs *t, char *dir, size_t cap, char name[80]);
/* 1 and out filled on a hit; else 0 (a damaged or foreign file removed). */
int media_thumb_lookup(const char *dir, const char *name, const media_request *r,
		       media_decoded *out);
/* Stores d and trims the cache to max_bytes (0: 256 MiB); best effort. */
void media_thumb_store(const char *dir, const char *name, const media_decoded *d,
		       uint64_t max_bytes);

/* Lowercase hex SHA-256 of the bytes (65 bytes of out); FFmpeg's, so it
 * loads FFmpeg (av.h) if not loaded yet. */
int media_sha256_hex(const void *data, size_t len, char out[65], assay_error *err);
/* Whether dir is a directory (not a link) of this user that no one else
 * may write. */
int media_cache_dir_check(const char *dir, assay_error *err);
/* Writes len bytes to dir/name atomically (temporary file, rename). */
int media_cache_store(const char *dir, const char *name, int (*fill)(int fd, void *ud), void *ud,
		      assay_error *err);

#endif
