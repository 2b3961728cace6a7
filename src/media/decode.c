/* decode.c — the decoder child's work with libavformat/libavcodec/libswscale:
 * one open file descriptor in (never a URL: libav opens nothing itself),
 * RGBA frames scaled to the requested size out. Video frames are decoded
 * exactly: seek to the keyframe before the time, decode forward to it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "av_calls.h"
#include "media_int.h"

/* The demuxers a picture or clip may come through; nothing that follows
 * playlists or references other files (hls, concat, image2 sequences). */
#define FORMATS                                                                                    \
	"png_pipe,jpeg_pipe,webp_pipe,gif,bmp_pipe,tiff_pipe,qoi_pipe,apng,mov,mp4,"               \
	"matroska,webm,avi,mpegts,flv,ogg,ivf,mjpeg,h264,hevc"
#define IO_BUF 65536

typedef struct dec {
	int fd;
	AVFormatContext *fmt;
	AVIOContext *io;
	AVCodecContext *cc;
	AVStream *st;
	AVPacket *pkt;
	AVFrame *frame, *kept, *next;
	int64_t last_target;
	bool eof;
	struct SwsContext *sws;
	const media_request *req;
	char *reason;
	size_t cap;
} dec;

/* ffmpeg's last error line, to say what it found wrong. */
static char last_log[160];

__attribute__((format(printf, 3, 0))) static void log_keep(void *avcl, int level, const char *fmt,
							   va_list ap)
{
	if (level > AV_LOG_ERROR)
		return;
	char line[sizeof last_log];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = 0;
	for (const char *p = line; *p && n + 1 < sizeof last_log; p++)
		if (*p != '\n')
			last_log[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
	last_log[n] = '\0';
}

static int fail(dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(dec *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->reason, d->cap, fmt, ap);
	va_end(ap);
	return -1;
}

/* Whether ffmpeg's last complaint was about the picture's size (its own
 * checks run before ours can see a size it refuses to set). */
static bool size_refused(void)
{
	static const char *const phrases[] = {"Picture size", "max pixel", "image size"};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(phrases); i++)
		if (strstr(last_log, phrases[i]))
			return true;
	return false;
}

/* A libav failure in words: memory, a refused size, or damage. */
static int fail_av(dec *d, int averr, const char *what)
{
	char buf[AV_ERROR_MAX_STRING_SIZE];
	if (averr == AVERROR(ENOMEM))
		return fail(d, "out of memory while %s (limit %llu MiB)", what,
			    (unsigned long long)(d->req->limits.memory >> 20));
	if (size_refused())
		return fail(d, "picture size refused (%s)", last_log);
	if (averr == AVERROR_EOF)
		return fail(d, "truncated: it ended while %s", what);
	av_strerror(averr, buf, sizeof buf);
	if (last_log[0])
		return fail(d, "corrupt or truncated: %s while %s (%s)", buf, what, last_log);
	return fail(d, "corrupt or truncated: %s while %s", buf, what);
}

static int io_read(void *opaque, uint8_t *buf, int size)
{
	ssize_t n;
	do
		n = read(*(int *)opaque, buf, (size_t)size);
	while (n < 0 && errno == EINTR);
	return n == 0 ? AVERROR_EOF : n < 0 ? AVERROR(errno) : (int)n;
}

static int64_t io_seek(void *opaque, int64_t off, int whence)
{
	int fd = *(int *)opaque;
	struct stat sb;
	if (whence & AVSEEK_SIZE)
		return fstat(fd, &sb) == 0 ? sb.st_size : AVERROR(errno);
	off_t at = lseek(fd, off, whence & ~AVSEEK_FORCE);
	return at < 0 ? AVERROR(errno) : at;
}

/* A demuxer asking to open another file or URL is refused. */
static int io_refuse(AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
		     AVDictionary **options)
{
	return AVERROR(EPERM);
}

static int too_large(dec *d, int w, int h)
{
	const media_limits *l = &d->req->limits;
	if (w <= l->max_side && h <= l->max_side && (int64_t)w * h <= l->max_pixels)
		return 0;
	return fail(d, "too large: %dx%d (the limit is %d px a side, %lld Mpx)", w, h, l->max_side,
		    (long long)(l->max_pixels >> 20));
}

/* Every frame buffer passes here: a size over the limits is refused
 * before a byte of it is allocated. */
static int get_buffer(AVCodecContext *cc, AVFrame *f, int flags)
{
	dec *d = cc->opaque;
	if (too_large(d, f->width, f->height) < 0)
		return AVERROR(ERANGE);
	return avcodec_default_get_buffer2(cc, f, flags);
}

static int open_input(dec *d)
{
	unsigned char *buf = av_malloc(IO_BUF);
	d->fmt = avformat_alloc_context();
	d->io = buf ? avio_alloc_context(buf, IO_BUF, 0, &d->fd, io_read, NULL, io_seek) : NULL;
	if (!d->fmt || !d->io) {
		if (!d->io)
			av_free(buf);
		return fail(d, "out of memory");
	}
	d->fmt->pb = d->io;
	d->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
	d->fmt->io_open = io_refuse;
	AVDictionary *o = NULL;
	av_dict_set(&o, "format_whitelist", FORMATS, 0);
	int rc = avformat_open_input(&d->fmt, "", NULL, &o);
	av_dict_free(&o);
	if (rc == AVERROR_INVALIDDATA)
		return fail(d, "not an image or video (no known format in it)");
	if (rc < 0)
		return fail_av(d, rc, "reading its header");
	return 0;
}

/* Codec options: one thread (the child is one process among others) and
 * ffmpeg's own pixel limit set to ours. */
static void codec_options(dec *d, AVDictionary **o)
{
	av_dict_set(o, "threads", "1", 0);
	av_dict_set_int(o, "max_pixels", d->req->limits.max_pixels, 0);
}

static int find_stream(dec *d)
{
	AVDictionary **opts = av_calloc(d->fmt->nb_streams ? d->fmt->nb_streams : 1, sizeof *opts);
	if (!opts)
		return fail(d, "out of memory");
	for (unsigned i = 0; i < d->fmt->nb_streams; i++)
		codec_options(d, &opts[i]);
	int rc = avformat_find_stream_info(d->fmt, opts);
	for (unsigned i = 0; i < d->fmt->nb_streams; i++)
		av_dict_free(&opts[i]);
	av_free(opts);
	if (rc < 0)
		return fail_av(d, rc, "reading its streams");
	const AVCodec *codec = NULL;
	int k = av_find_best_stream(d->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
	if (k < 0 || !codec)
		return fail(d, k == AVERROR_DECODER_NOT_FOUND ? "no decoder for its pictures"
							      : "no picture in it");
	d->st = d->fmt->streams[k];
	return too_large(d, d->st->codecpar->width, d->st->codecpar->height);
}

static int open_codec(dec *d)
{
	const AVCodec *codec = avcodec_find_decoder(d->st->codecpar->codec_id);
	d->cc = codec ? avcodec_alloc_context3(codec) : NULL;
	d->pkt = av_packet_alloc();
	d->frame = av_frame_alloc();
	d->kept = av_frame_alloc();
	d->next = av_frame_alloc();
	if (!codec)
		return fail(d, "no decoder for its pictures");
	if (!d->cc || !d->pkt || !d->frame || !d->kept || !d->next)
		return fail(d, "out of memory");
	int rc = avcodec_parameters_to_context(d->cc, d->st->codecpar);
	if (rc < 0)
		return fail_av(d, rc, "setting up the decoder");
	d->cc->opaque = d;
	d->cc->get_buffer2 = get_buffer;
	d->cc->pkt_timebase = d->st->time_base;
	AVDictionary *o = NULL;
	codec_options(d, &o);
	rc = avcodec_open2(d->cc, codec, &o);
	av_dict_free(&o);
	return rc < 0 ? fail_av(d, rc, "opening the decoder") : 0;
}

static bool is_still(const AVFormatContext *fmt)
{
	const char *n = fmt->iformat->name;
	size_t len = strlen(n);
	return (len > 5 && strcmp(n + len - 5, "_pipe") == 0) || strcmp(n, "image2") == 0;
}

static void fill_info(dec *d, media_info *info)
{
	AVStream *st = d->st;
	memset(info, 0, sizeof *info);
	info->width = st->codecpar->width;
	info->height = st->codecpar->height;
	snprintf(info->codec, sizeof info->codec, "%s", avcodec_get_name(st->codecpar->codec_id));
	snprintf(info->format, sizeof info->format, "%s", d->fmt->iformat->name);
	info->duration_ms = -1;
	info->frames = 1;
	if (is_still(d->fmt))
		return;
	info->video = true;
	if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
		info->duration_ms =
		    av_rescale_q(st->duration, st->time_base, (AVRational){1, 1000});
	else if (d->fmt->duration != AV_NOPTS_VALUE && d->fmt->duration > 0)
		info->duration_ms = d->fmt->duration / (AV_TIME_BASE / 1000);
	AVRational rate = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
	if (st->nb_frames > 0)
		info->frames = st->nb_frames;
	else if (info->duration_ms > 0 && rate.num > 0 && rate.den > 0)
		info->frames = av_rescale(info->duration_ms, rate.num, (int64_t)rate.den * 1000);
	else
		info->frames = -1;
}

/* Takes one decoded frame (moved out of f) towards target: d->kept holds
 * the last frame not after it, d->next the first one after it. Returns 1
 * once d->kept is the frame shown at target. */
static int consider(dec *d, AVFrame *f, int64_t target)
{
	int64_t pts = f->best_effort_timestamp;
	bool after = pts != AV_NOPTS_VALUE && pts > target;
	if (after && d->kept->data[0]) {
		av_frame_unref(d->next);
		av_frame_move_ref(d->next, f);
		return 1;
	}
	av_frame_unref(d->kept);
	av_frame_move_ref(d->kept, f);
	return after || target == AV_NOPTS_VALUE;
}

/* Takes what the decoder has ready. Returns 1 when the frame shown at
 * target is found or the decoder is drained, 0 to go on, < 0 on error. */
static int take_frames(dec *d, int64_t target)
{
	for (;;) {
		int rc = avcodec_receive_frame(d->cc, d->frame);
		if (rc == AVERROR(EAGAIN))
			return 0;
		if (rc == AVERROR_EOF)
			return 1;
		if (rc < 0)
			return d->kept->data[0] ? 1 : fail_av(d, rc, "decoding");
		if (consider(d, d->frame, target))
			return 1;
	}
}

/* Whether the frame for target (not before the last one) is reached
 * sooner by decoding on from where the decoder is than by seeking: no
 * keyframe lies between the last decoded frame and target. */
static bool go_on(dec *d, int64_t target)
{
	if (!d->kept->data[0] || target == AV_NOPTS_VALUE || target < d->last_target)
		return false;
	const AVIndexEntry *e =
	    avformat_index_get_entry_from_timestamp(d->st, target, AVSEEK_FLAG_BACKWARD);
	return !e || e->timestamp <= d->kept->best_effort_timestamp;
}

/* Frames no other frame refers to and shown over a second before target
 * are not decoded at all: nothing shown at target depends on them (the
 * frame shown then is always decoded), and they are a third or more of
 * the frames between far-apart keyframes. */
static void skip_unseen(dec *d, int64_t pts, int64_t target)
{
	int64_t margin = av_rescale_q(1000, (AVRational){1, 1000}, d->st->time_base);
	bool unseen = target != AV_NOPTS_VALUE && pts != AV_NOPTS_VALUE && pts < target - margin;
	d->cc->skip_frame = unseen ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
}

/* Starts decoding afresh from the keyframe before target. */
static void restart(dec *d, int64_t target)
{
	av_frame_unref(d->kept);
	av_frame_unref(d->next);
	d->eof = false;
	if (target == AV_NOPTS_VALUE)
		return;
	if (av_seek_frame(d->fmt, d->st->index, target, AVSEEK_FLAG_BACKWARD) < 0)
		av_seek_frame(d->fmt, d->st->index, 0, AVSEEK_FLAG_BACKWARD | AVSEEK_FLAG_BYTE);
	avcodec_flush_buffers(d->cc);
}

/* Decodes the frame shown at target into d->kept: seeks to the keyframe
 * before it and decodes forward, or goes on from the previous target. */
static int decode_at(dec *d, int64_t target)
{
	int done = 0, rc = 0;
	if (!go_on(d, target)) {
		restart(d, target);
	} else if (d->next->data[0]) {
		av_frame_move_ref(d->frame, d->next);
		done = consider(d, d->frame, target);
	}
	d->last_target = target;
	while (!done) {
		if (d->eof) { /* drains what the decoder still holds */
			done = take_frames(d, target);
			break;
		}
		rc = av_read_frame(d->fmt, d->pkt);
		if (rc < 0) {
			d->eof = true;
			avcodec_send_packet(d->cc, NULL);
			continue;
		}
		if (d->pkt->stream_index == d->st->index) {
			skip_unseen(d, d->pkt->pts, target);
			rc = avcodec_send_packet(d->cc, d->pkt);
		}
		av_packet_unref(d->pkt);
		if (rc < 0 && rc != AVERROR(EAGAIN) && rc != AVERROR_INVALIDDATA)
			return fail_av(d, rc, "decoding");
		done = take_frames(d, target);
	}
	if (done < 0)
		return -1;
	if (d->kept->data[0])
		return 0;
	if (rc < 0 && rc != AVERROR_EOF)
		return fail_av(d, rc, "reading");
	if (size_refused())
		return fail(d, "picture size refused (%s)", last_log);
	return fail(d, "truncated or corrupt: no picture decoded%s%s", last_log[0] ? ": " : "",
		    last_log);
}

/* Scales d->kept into out, fitting max_w x max_h with its aspect. */
static int scale_kept(dec *d, media_frame *out)
{
	const AVFrame *f = d->kept;
	if (too_large(d, f->width, f->height) < 0)
		return -1;
	double s = ASSAY_MIN((double)d->req->max_w / f->width, (double)d->req->max_h / f->height);
	s = ASSAY_MIN(s, 1.0);
	out->w = ASSAY_MAX(1, ASSAY_MIN(d->req->max_w, (int)(f->width * s + 0.5)));
	out->h = ASSAY_MAX(1, ASSAY_MIN(d->req->max_h, (int)(f->height * s + 0.5)));
	d->sws = sws_getCachedContext(d->sws, f->width, f->height, f->format, out->w, out->h,
				      AV_PIX_FMT_RGBA, SWS_AREA, NULL, NULL, NULL);
	out->rgba = malloc((size_t)out->w * out->h * 4);
	if (!d->sws || !out->rgba)
		return fail(d, d->sws ? "out of memory" : "cannot convert its pixel format");
	uint8_t *dst[4] = {out->rgba};
	int stride[4] = {out->w * 4};
	sws_scale(d->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, stride);
	int64_t pts = f->best_effort_timestamp;
	int64_t start = d->st->start_time == AV_NOPTS_VALUE ? 0 : d->st->start_time;
	out->pts_ms = pts == AV_NOPTS_VALUE
			  ? 0
			  : av_rescale_q(pts - start, d->st->time_base, (AVRational){1, 1000});
	return 0;
}

/* The frames asked for: a still's one picture, or frames at the centres
 * of total equal parts of a video. */
static int decode_frames(dec *d, media_decoded *out)
{
	const media_request *r = d->req;
	bool timed = out->info.video && out->info.duration_ms > 0;
	int n = timed ? r->count : 1;
	out->frames = calloc((size_t)n, sizeof *out->frames);
	if (!out->frames)
		return fail(d, "out of memory");
	for (int i = 0; i < n; i++) {
		int64_t want = timed ? (2 * (int64_t)(r->first + i) + 1) * out->info.duration_ms /
					   (2 * (int64_t)r->total)
				     : 0;
		int64_t start = d->st->start_time == AV_NOPTS_VALUE ? 0 : d->st->start_time;
		int64_t target =
		    timed ? start + av_rescale_q(want, (AVRational){1, 1000}, d->st->time_base)
			  : AV_NOPTS_VALUE;
		if (decode_at(d, target) < 0 || scale_kept(d, &out->frames[i]) < 0)
			return -1;
		out->frames[i].want_ms = want;
		if (!timed)
			out->frames[i].pts_ms = 0;
		out->n = i + 1;
	}
	return 0;
}

static void dec_close(dec *d)
{
	sws_freeContext(d->sws);
	av_frame_free(&d->frame);
	av_frame_free(&d->kept);
	av_frame_free(&d->next);
	av_packet_free(&d->pkt);
	avcodec_free_context(&d->cc);
	avformat_close_input(&d->fmt);
	if (d->io)
		av_freep(&d->io->buffer);
	avio_context_free(&d->io);
}

int media_decode_fd(int fd, const media_request *req, media_decoded *out, char *reason, size_t cap)
{
	dec d = {.fd = fd, .req = req, .reason = reason, .cap = cap};
	memset(out, 0, sizeof *out);
	assay_error e = {0};
	if (media_av_load(&e) < 0) {
		snprintf(reason, cap, "%s", e.msg);
		return -1;
	}
	av_log_set_callback(log_keep);
	int rc = open_input(&d);
	if (rc == 0)
		rc = find_stream(&d);
	if (rc == 0)
		rc = open_codec(&d);
	if (rc == 0) {
		fill_info(&d, &out->info);
		rc = decode_frames(&d, out);
	}
	dec_close(&d);
	return rc;
}
