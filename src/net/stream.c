/* stream.c — a streamed download read like a file, and a streamed upload
 * written like one, each a single transfer on its own multi handle with a
 * bounded buffer: the transfer pauses while the other side is behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

#define STREAM_BUF (256u << 10)
#define ERRBODY_MAX 512

/* A bounded byte queue: data lives at [start, start + len). */
typedef struct queue {
	char *buf;
	size_t cap, start, len;
} queue;

static size_t queue_room(queue *q)
{
	if (q->start && q->start + q->len == q->cap) {
		memmove(q->buf, q->buf + q->start, q->len);
		q->start = 0;
	}
	return q->cap - q->start - q->len;
}

struct net_stream {
	CURLM *multi;
	CURL *easy;
	struct curl_slist *hdrs;
	queue q;
	bool paused, done;
	CURLcode result;
	long status;
	abuf errbody;
	int64_t received;
	char errbuf[CURL_ERROR_SIZE];
	char url[512];
};

static size_t stream_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	net_stream *st = ud;
	size_t n = size * nmemb;
	if (!st->status)
		curl_easy_getinfo(st->easy, CURLINFO_RESPONSE_CODE, &st->status);
	if (st->status >= 300) {
		size_t keep = st->errbody.len < ERRBODY_MAX ? ERRBODY_MAX - st->errbody.len : 0;
		abuf_append(&st->errbody, ptr, n < keep ? n : keep);
		return n;
	}
	if (queue_room(&st->q) < n) {
		if (st->q.len == 0 && n > st->q.cap) {
			char *b = realloc(st->q.buf, n);
			if (!b)
				return 0;
			st->q.buf = b;
			st->q.cap = n;
			st->q.start = 0;
		} else {
			st->paused = true;
			return CURL_WRITEFUNC_PAUSE;
		}
	}
	memcpy(st->q.buf + st->q.start + st->q.len, ptr, n);
	st->q.len += n;
	st->received += (int64_t)n;
	return n;
}

/* Drives the transfer a little: returns when something happened or after
 * a short wait. */
static void pump(CURLM *multi, bool *done, CURLcode *result)
{
	int running = 0;
	curl_multi_perform(multi, &running);
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(multi, &left)))
		if (m->msg == CURLMSG_DONE) {
			*done = true;
			*result = m->data.result;
		}
	if (!*done && running)
		curl_multi_poll(multi, NULL, 0, 200, NULL);
}

static int transfer_error(const char *url, CURLcode rc, const char *errbuf, int64_t got,
			  assay_error *err)
{
	const char *what = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);
	if (got > 0)
		return assay_fail(err, ASSAY_ENET, "%s: the transfer broke off after %lld bytes: %s",
				  url, (long long)got, what);
	return assay_fail(err, ASSAY_ENET, "%s: %s", url, what);
}

static int http_error(const char *url, long status, const abuf *body, assay_error *err)
{
	char ex[256];
	net_excerpt(body->data ? body->data : "", body->len, ex, sizeof ex);
	return assay_fail(err, ASSAY_ENET, "%s: the server answered HTTP %ld%s%s", url, status,
			  ex[0] ? ": " : "", ex);
}

static void stream_free(net_stream *st)
{
	if (!st)
		return;
	if (st->easy) {
		curl_multi_remove_handle(st->multi, st->easy);
		curl_easy_cleanup(st->easy);
	}
	if (st->multi)
		curl_multi_cleanup(st->multi);
	curl_slist_free_all(st->hdrs);
	free(st->q.buf);
	abuf_free(&st->errbody);
	free(st);
}

/* One attempt: returns 0 when the body is flowing, 1 when worth retrying
 * (connection failure, 5xx, 429), <0 on a final error. */
static int stream_start(net_stream *st, const char *url, const net_options *o, assay_error *err,
			long *retry_after)
{
	st->multi = curl_multi_init();
	st->easy = net_easy(url, o, &st->hdrs, NULL, o->bearer, st->errbuf);
	if (!st->multi || !st->easy)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	curl_easy_setopt(st->easy, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(st->easy, CURLOPT_WRITEDATA, st);
	curl_multi_add_handle(st->multi, st->easy);
	while (!st->done && !st->status && st->q.len == 0)
		pump(st->multi, &st->done, &st->result);
	if (!st->status)
		curl_easy_getinfo(st->easy, CURLINFO_RESPONSE_CODE, &st->status);
	if (st->status >= 300) {
		while (!st->done)
			pump(st->multi, &st->done, &st->result);
		http_error(st->url, st->status, &st->errbody, err);
		curl_off_t ra = -1;
		curl_easy_getinfo(st->easy, CURLINFO_RETRY_AFTER, &ra);
		*retry_after = ra >= 0 ? (long)ra * 1000 : -1;
		return st->status >= 500 || st->status == 429 ? 1 : -1;
	}
	if (st->done && st->result != CURLE_OK) {
		transfer_error(st->url, st->result, st->errbuf, st->received, err);
		return st->result == CURLE_COULDNT_CONNECT || st->result == CURLE_OPERATION_TIMEDOUT ||
			       st->result == CURLE_GOT_NOTHING || st->result == CURLE_RECV_ERROR
		       ? 1
		       : -1;
	}
	return 0;
}

net_stream *net_stream_open(const char *url, const net_options *opt, assay_error *err)
{
	net_options o = net_defaults(opt, true);
	uint64_t rng = (uint64_t)assay_mono_ns() | 1;
	for (int attempt = 1;; attempt++) {
		net_stream *st = calloc(1, sizeof *st);
		if (!st || !(st->q.buf = malloc(STREAM_BUF))) {
			free(st);
			assay_fail(err, ASSAY_ENOMEM, "out of memory");
			return NULL;
		}
		st->q.cap = STREAM_BUF;
		net_safe_url(url, st->url, sizeof st->url);
		long retry_after = -1;
		int rc = stream_start(st, url, &o, err, &retry_after);
		if (rc == 0)
			return st;
		stream_free(st);
		if (rc < 0 || attempt >= o.max_attempts)
			return NULL;
		long wait = retry_after >= 0 ? retry_after : net_backoff_ms(&o, attempt, &rng);
		if (wait > o.retry_after_max_ms)
			return NULL;
		struct timespec ts = {wait / 1000, (wait % 1000) * 1000000};
		nanosleep(&ts, NULL);
	}
}

int net_stream_read(net_stream *st, char *buf, size_t cap, size_t *got, assay_error *err)
{
	*got = 0;
	while (st->q.len == 0 && !st->done) {
		if (st->paused) {
			st->paused = false;
			curl_easy_pause(st->easy, CURLPAUSE_CONT);
		}
		pump(st->multi, &st->done, &st->result);
	}
	if (st->q.len == 0) {
		if (st->result != CURLE_OK)
			return transfer_error(st->url, st->result, st->errbuf, st->received, err);
		return ASSAY_OK;
	}
	size_t n = st->q.len < cap ? st->q.len : cap;
	memcpy(buf, st->q.buf + st->q.start, n);
	st->q.start += n;
	st->q.len -= n;
	if (st->q.len == 0)
		st->q.start = 0;
	*got = n;
	return ASSAY_OK;
}

int64_t net_stream_length(const net_stream *st)
{
	curl_off_t len = -1;
	curl_easy_getinfo(st->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	return len >= 0 ? (int64_t)len : -1;
}

void net_stream_close(net_stream *st)
{
	stream_free(st);
}

/* ---- Upload ---------------------------------------------------------------- */

struct net_upload {
	CURLM *multi;
	CURL *easy;
	struct curl_slist *hdrs;
	queue q;
	bool eof, paused, done;
	CURLcode result;
	abuf resp;
	int64_t sent;
	char errbuf[CURL_ERROR_SIZE];
	char url[512];
};

static size_t upload_read(char *dst, size_t size, size_t nitems, void *ud)
{
	net_upload *up = ud;
	size_t n = size * nitems;
	if (up->q.len == 0) {
		if (up->eof)
			return 0;
		up->paused = true;
		return CURL_READFUNC_PAUSE;
	}
	if (n > up->q.len)
		n = up->q.len;
	memcpy(dst, up->q.buf + up->q.start, n);
	up->q.start += n;
	up->q.len -= n;
	if (!up->q.len)
		up->q.start = 0;
	up->sent += (int64_t)n;
	return n;
}

static size_t upload_answer(char *ptr, size_t size, size_t nmemb, void *ud)
{
	net_upload *up = ud;
	size_t n = size * nmemb;
	size_t keep = up->resp.len < 65536 ? 65536 - up->resp.len : 0;
	abuf_append(&up->resp, ptr, n < keep ? n : keep);
	return n;
}

static void upload_free(net_upload *up)
{
	if (!up)
		return;
	if (up->easy) {
		curl_multi_remove_handle(up->multi, up->easy);
		curl_easy_cleanup(up->easy);
	}
	if (up->multi)
		curl_multi_cleanup(up->multi);
	curl_slist_free_all(up->hdrs);
	free(up->q.buf);
	abuf_free(&up->resp);
	free(up);
}

net_upload *net_upload_open(const char *url, const char *method, const char *content_type,
			    const char *bearer, const net_options *opt, assay_error *err)
{
	net_options o = net_defaults(opt, true);
	net_upload *up = calloc(1, sizeof *up);
	if (!up || !(up->q.buf = malloc(STREAM_BUF))) {
		free(up);
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	up->q.cap = STREAM_BUF;
	net_safe_url(url, up->url, sizeof up->url);
	up->multi = curl_multi_init();
	up->easy = net_easy(url, &o, &up->hdrs, content_type, bearer, up->errbuf);
	if (!up->multi || !up->easy) {
		upload_free(up);
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(up->easy, CURLOPT_POST, 1L);
		up->hdrs = curl_slist_append(up->hdrs, "Transfer-Encoding: chunked");
		curl_easy_setopt(up->easy, CURLOPT_HTTPHEADER, up->hdrs);
	} else {
		curl_easy_setopt(up->easy, CURLOPT_UPLOAD, 1L);
	}
	curl_easy_setopt(up->easy, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(up->easy, CURLOPT_READDATA, up);
	curl_easy_setopt(up->easy, CURLOPT_WRITEFUNCTION, upload_answer);
	curl_easy_setopt(up->easy, CURLOPT_WRITEDATA, up);
	curl_multi_add_handle(up->multi, up->easy);
	return up;
}

static void upload_kick(net_upload *up)
{
	if (up->paused) {
		up->paused = false;
		curl_easy_pause(up->easy, CURLPAUSE_CONT);
	}
	pump(up->multi, &up->done, &up->result);
}

int net_upload_write(net_upload *up, const void *data, size_t len, assay_error *err)
{
	const char *p = data;
	while (len) {
		if (up->done) {
			long status = 0;
			curl_easy_getinfo(up->easy, CURLINFO_RESPONSE_CODE, &status);
			if (status >= 300)
				return http_error(up->url, status, &up->resp, err);
			return transfer_error(up->url, up->result, up->errbuf, up->sent, err);
		}
		size_t room = queue_room(&up->q);
		if (room == 0) {
			upload_kick(up);
			continue;
		}
		size_t n = len < room ? len : room;
		memcpy(up->q.buf + up->q.start + up->q.len, p, n);
		up->q.len += n;
		p += n;
		len -= n;
	}
	return ASSAY_OK;
}

int net_upload_finish(net_upload *up, long *status, abuf *body, assay_error *err)
{
	up->eof = true;
	while (!up->done)
		upload_kick(up);
	*status = 0;
	curl_easy_getinfo(up->easy, CURLINFO_RESPONSE_CODE, status);
	int rc = ASSAY_OK;
	if (up->result != CURLE_OK)
		rc = transfer_error(up->url, up->result, up->errbuf, up->sent, err);
	else if (*status < 200 || *status >= 300)
		rc = http_error(up->url, *status, &up->resp, err);
	else if (body)
		abuf_append(body, up->resp.data ? up->resp.data : "", up->resp.len);
	upload_free(up);
	return rc;
}

void net_upload_abort(net_upload *up)
{
	upload_free(up);
}
