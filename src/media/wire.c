/* wire.c — the bytes between the decoder child and its parent (and in the
 * thumbnail cache): written whole by the child, read by the parent with a
 * deadline and every size checked against what was asked, so a confused
 * or hostile child can neither stall nor overflow its parent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "av_calls.h"
#include "media_int.h"

int media_request_norm(const media_request *req, media_request *out, assay_error *err)
{
	media_request r = req ? *req : (media_request){0};
	media_limits *l = &r.limits;
	r.max_w = r.max_w > 0 ? r.max_w : 320;
	r.max_h = r.max_h > 0 ? r.max_h : 240;
	if (r.total == 0 && r.count == 0 && r.first == 0) {
		r.total = 1;
		r.count = 1;
	}
	if (r.max_w > MEDIA_MAX_OUT_SIDE || r.max_h > MEDIA_MAX_OUT_SIDE)
		return assay_fail(err, ASSAY_EINVAL, "thumbnail size %dx%d over %d px a side",
				  r.max_w, r.max_h, MEDIA_MAX_OUT_SIDE);
	if (r.count < 1 || r.count > MEDIA_MAX_FRAMES || r.first < 0 || r.total < 1 ||
	    r.first + r.count > r.total)
		return assay_fail(err, ASSAY_EINVAL,
				  "frames %d..%d of %d: expected 1 to %d frames within the total",
				  r.first, r.first + r.count - 1, r.total, MEDIA_MAX_FRAMES);
	if ((int64_t)r.max_w * r.max_h * r.count > (int64_t)16 << 20)
		return assay_fail(err, ASSAY_EINVAL, "%d frames of %dx%d: over 16 Mpx in all",
				  r.count, r.max_w, r.max_h);
	l->memory = l->memory ? l->memory : (uint64_t)512 << 20;
	l->cpu_seconds = l->cpu_seconds > 0 ? l->cpu_seconds : 10;
	l->timeout_ms = l->timeout_ms > 0 ? l->timeout_ms : 5000;
	l->max_side = l->max_side > 0 ? l->max_side : 16384;
	l->max_pixels = l->max_pixels > 0 ? l->max_pixels : (int64_t)64 << 20;
	*out = r;
	return ASSAY_OK;
}

const char *media_display_name(const char *path)
{
	const char *end = path + strlen(path);
	while (end > path && end[-1] == '/')
		end--;
	const char *slash = end;
	while (slash > path && slash[-1] != '/')
		slash--;
	return *slash ? slash : path;
}

size_t media_wire_max(const media_request *req)
{
	return sizeof(media_wire_head) + (size_t)req->count * (sizeof(media_wire_frame) +
							       (size_t)req->max_w * req->max_h * 4);
}

/* The unread part of an answer. */
typedef struct cursor {
	const uint8_t *p;
	size_t left;
} cursor;

static bool take(cursor *c, void *dst, size_t n)
{
	if (c->left < n)
		return false;
	memcpy(dst, c->p, n);
	c->p += n;
	c->left -= n;
	return true;
}

static int wire_fail(char *reason, size_t cap, const char *why)
{
	snprintf(reason, cap, "%s", why);
	return ASSAY_EIO;
}

/* Checks a frame header against the request. */
static bool frame_fits(const media_wire_frame *f, const media_request *req)
{
	return f->w >= 1 && f->h >= 1 && f->w <= req->max_w && f->h <= req->max_h;
}

static void head_info(const media_wire_head *h, media_info *info)
{
	*info = (media_info){.video = h->video != 0,
			     .width = h->width,
			     .height = h->height,
			     .duration_ms = h->duration_ms,
			     .frames = h->frames};
	memcpy(info->codec, h->codec, sizeof h->codec);
	memcpy(info->format, h->format, sizeof h->format);
}

int media_wire_parse(const void *buf, size_t len, const media_request *req, media_decoded *out,
		     char *reason, size_t cap)
{
	cursor c = {buf, len};
	media_wire_head h;
	memset(out, 0, sizeof *out);
	if (!take(&c, &h, sizeof h))
		return wire_fail(reason, cap, "ended early");
	if (h.magic != MEDIA_WIRE_MAGIC)
		return wire_fail(reason, cap, "bad header");
	h.reason[sizeof h.reason - 1] = h.codec[sizeof h.codec - 1] = '\0';
	h.format[sizeof h.format - 1] = '\0';
	if (h.status != 0) {
		snprintf(reason, cap, "%s", h.reason);
		return ASSAY_EFORMAT;
	}
	if (h.n < 1 || h.n > req->count)
		return wire_fail(reason, cap, "bad frame count");
	head_info(&h, &out->info);
	out->frames = calloc((size_t)h.n, sizeof *out->frames);
	if (!out->frames)
		return wire_fail(reason, cap, "out of memory");
	for (int i = 0; i < h.n; i++) {
		media_wire_frame f;
		if (!take(&c, &f, sizeof f))
			return wire_fail(reason, cap, "ended early");
		if (!frame_fits(&f, req))
			return wire_fail(reason, cap, "bad frame size");
		size_t bytes = (size_t)f.w * f.h * 4;
		media_frame *m = &out->frames[i];
		*m = (media_frame){.w = f.w, .h = f.h, .pts_ms = f.pts_ms, .want_ms = f.want_ms};
		if (c.left < bytes)
			return wire_fail(reason, cap, "ended early");
		m->rgba = malloc(bytes);
		if (!m->rgba)
			return wire_fail(reason, cap, "out of memory");
		out->n = i + 1;
		take(&c, m->rgba, bytes);
	}
	return c.left ? wire_fail(reason, cap, "bad length") : ASSAY_OK;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ASSAY_EIO;
		p += n;
		len -= (size_t)n;
	}
	return ASSAY_OK;
}

int media_wire_write(int fd, const media_decoded *d, const char *reason)
{
	media_wire_head h;
	memset(&h, 0, sizeof h);
	h.magic = MEDIA_WIRE_MAGIC;
	if (!d) {
		h.status = -1;
		snprintf(h.reason, sizeof h.reason, "%s", reason ? reason : "failed");
		return write_full(fd, &h, sizeof h);
	}
	h.video = d->info.video;
	h.width = d->info.width;
	h.height = d->info.height;
	h.n = d->n;
	h.duration_ms = d->info.duration_ms;
	h.frames = d->info.frames;
	memcpy(h.codec, d->info.codec, sizeof h.codec);
	memcpy(h.format, d->info.format, sizeof h.format);
	int rc = write_full(fd, &h, sizeof h);
	for (int i = 0; rc == 0 && i < d->n; i++) {
		const media_frame *m = &d->frames[i];
		media_wire_frame f = {
		    .w = m->w, .h = m->h, .pts_ms = m->pts_ms, .want_ms = m->want_ms};
		rc = write_full(fd, &f, sizeof f);
		if (rc == 0)
			rc = write_full(fd, m->rgba, (size_t)m->w * m->h * 4);
	}
	return rc;
}

void media_decoded_free(media_decoded *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->n; i++)
		free(d->frames[i].rgba);
	free(d->frames);
	d->frames = NULL;
	d->n = 0;
}

int media_sha256_hex(const void *data, size_t len, char out[65], assay_error *err)
{
	uint8_t sum[32];
	int rc = media_av_load(err);
	if (rc < 0)
		return rc;
	struct AVSHA *sha = av_sha_alloc();
	if (!sha || av_sha_init(sha, 256) < 0) {
		av_free(sha);
		return assay_fail(err, ASSAY_ENOMEM, "sha-256: out of memory");
	}
	av_sha_update(sha, data, len);
	av_sha_final(sha, sum);
	av_free(sha);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
	return ASSAY_OK;
}
