/* stream.c — a streamed download read like a file: one transfer on its
 * own multi handle with a bounded buffer; the transfer pauses while the
 * reader is behind, so memory stays bounded whatever the body's size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net_int.h"

struct net_stream {
	CURLM *multi;
	CURL *easy;
	struct curl_slist *hdrs;
	net_head head;
	char *buf; /* data lives at [start, start + len) */
	size_t cap, start, len, max_len;
	bool paused, done;
	CURLcode result;
	long status;
	long stall_ms;
	const atomic_int *cancel;
	const volatile sig_atomic_t *stop;
	abuf errbody;
	int64_t received;
	int redirects;                           /* followed to reach this answer */
	char hops[NET_MAX_REDIRECTS][512];       /* where each led, fit to show */
	char errbuf[CURL_ERROR_SIZE];
	char url[512];
};

static size_t stream_room(net_stream *st)
{
	if (st->start && st->start + st->len == st->cap) {
		memmove(st->buf, st->buf + st->start, st->len);
		st->start = 0;
	}
	return st->cap - st->start - st->len;
}

/* Keeps the start of an error answer, then stops the transfer: a huge
 * error page is never read to its end. */
static size_t keep_error(net_stream *st, const char *ptr, size_t n)
{
	size_t keep = NET_ERRBODY_MAX - st->errbody.len;
	abuf_append(&st->errbody, ptr, n < keep ? n : keep);
	return st->errbody.len >= NET_ERRBODY_MAX ? 0 : n;
}

static size_t stream_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	net_stream *st = ud;
	size_t n = size * nmemb;
	if (!st->status)
		curl_easy_getinfo(st->easy, CURLINFO_RESPONSE_CODE, &st->status);
	if (st->status < 200 || st->status >= 300)
		return keep_error(st, ptr, n);
	if (stream_room(st) < n) {
		if (st->len > 0 || n <= st->cap) {
			st->paused = true;
			return CURL_WRITEFUNC_PAUSE;
		}
		/* curl hands over at most what it held while paused: grow once */
		char *b = realloc(st->buf, n);
		if (!b)
			return 0;
		st->buf = b;
		st->cap = n;
		st->start = 0;
	}
	memcpy(st->buf + st->start + st->len, ptr, n);
	st->len += n;
	if (st->len > st->max_len)
		st->max_len = st->len;
	return n;
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
	free(st->buf);
	abuf_free(&st->errbody);
	free(st);
}

/* Whether the reader asked the stream to give up. */
static bool stopped(const atomic_int *cancel, const volatile sig_atomic_t *stop)
{
	return (cancel && atomic_load(cancel)) || (stop && *stop);
}

/* What stream_wait waits for (besides the end of the transfer). */
enum { UNTIL_DATA, UNTIL_STATUS, UNTIL_END };

/* Drives the transfer until data is buffered, the status is known, or it
 * ends; ASSAY_ENET when nothing moves for too long. */
static int stream_wait(net_stream *st, int until, assay_error *err)
{
	int64_t last = assay_now_ms();
	size_t seen = st->len + st->errbody.len;
	while (!st->done && !(until == UNTIL_DATA && st->len) &&
	       !(until == UNTIL_STATUS && (st->status || st->len))) {
		if (st->paused) {
			st->paused = false;
			curl_easy_pause(st->easy, CURLPAUSE_CONT);
		}
		if (stopped(st->cancel, st->stop))
			return assay_fail(err, ASSAY_EINTR, "%s: interrupted", st->url);
		/* wait for the socket only when nothing came: a transfer that
		 * filled the buffer is paused, its socket is not polled, and each
		 * refill waited the full 100 ms (2.5 MB/s) */
		size_t had = st->len + st->errbody.len;
		net_pump(st->multi, &st->done, &st->result, 0);
		if (!st->done && !st->paused && st->len + st->errbody.len == had)
			net_pump(st->multi, &st->done, &st->result, 100);
		int64_t now = assay_now_ms();
		if (st->len + st->errbody.len != seen) {
			seen = st->len + st->errbody.len;
			last = now;
		} else if (!st->done && now - last > st->stall_ms) {
			return net_stall_error(st->url, st->stall_ms, st->received, err);
		}
	}
	return ASSAY_OK;
}

#define STREAM_REDIRECT 2

/* One attempt: 0 when the body is flowing, 1 when worth retrying (then
 * *wait_ms is the server's Retry-After or -1), STREAM_REDIRECT for a
 * redirect, <0 on a final error. */
static int stream_start(net_stream *st, const char *url, const net_options *o, int attempt,
			long *wait_ms, assay_error *err)
{
	st->multi = curl_multi_init();
	st->easy = net_easy(url, o, &st->hdrs, NULL, st->errbuf, &st->head);
	if (!st->multi || !st->easy)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	curl_easy_setopt(st->easy, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(st->easy, CURLOPT_WRITEDATA, st);
	curl_multi_add_handle(st->multi, st->easy);
	int rc = stream_wait(st, UNTIL_STATUS, err);
	if (rc < 0)
		return rc;
	if (!st->status)
		curl_easy_getinfo(st->easy, CURLINFO_RESPONSE_CODE, &st->status);
	if (net_is_redirect(st->status))
		return STREAM_REDIRECT;
	if (st->status && (st->status < 200 || st->status >= 300)) {
		/* the rest of a short error page, for the message */
		if ((rc = stream_wait(st, UNTIL_END, err)) < 0)
			return rc;
		net_http_error(st->url, st->status, &st->errbody, o->bearer, attempt, err);
		*wait_ms = st->head.retry_after_ms;
		return net_retryable(CURLE_OK, st->status) ? 1 : ASSAY_ENET;
	}
	if (st->done && st->result != CURLE_OK) {
		net_transfer_error(st->url, st->result, st->errbuf, st->received, attempt, err);
		*wait_ms = -1;
		return net_retryable(st->result, 0) ? 1 : ASSAY_ENET;
	}
	return ASSAY_OK;
}

static net_stream *stream_new(const char *url, const net_options *o)
{
	net_stream *st = calloc(1, sizeof *st);
	if (!st || !(st->buf = malloc(NET_STREAM_BUF))) {
		free(st);
		return NULL;
	}
	st->cap = NET_STREAM_BUF;
	st->stall_ms = o->stall_timeout_ms;
	st->cancel = o->cancel;
	st->stop = o->stop;
	net_safe_url(url, st->url, sizeof st->url);
	return st;
}

/* Appends to err's message why no retry follows a Retry-After. */
static void too_long(assay_error *err, long wait_ms, long max_ms)
{
	if (!err)
		return;
	size_t l = strlen(err->msg);
	snprintf(err->msg + l, sizeof err->msg - l,
		 "; it asks to retry after %ld s, longer than the %ld s allowed", wait_ms / 1000,
		 max_ms / 1000);
}

/* The length of the scheme of url ("https"), up to its "://". */
static size_t scheme_len(const char *url)
{
	const char *sep = strstr(url, "://");
	return sep ? (size_t)(sep - url) : 0;
}

/* Where the redirect answered on st leads, copied to *next: only within
 * the same scheme (https never goes on over http; file: and the rest
 * never), at most NET_MAX_REDIRECTS times (a loop ends there). */
static int redirect_next(net_stream *st, const char *from, int hops, char **next,
			 assay_error *err)
{
	char *loc = NULL, to[512];
	curl_easy_getinfo(st->easy, CURLINFO_REDIRECT_URL, &loc);
	net_redirect_target(st->easy, to, sizeof to);
	size_t n = scheme_len(from);
	if (!loc)
		return assay_fail(err, ASSAY_ENET, "%s: the server answered HTTP %ld, a redirect "
				  "without a Location", st->url, st->status);
	if (hops >= NET_MAX_REDIRECTS)
		return assay_fail(err, ASSAY_ENET, "%s: the server answered HTTP %ld, a redirect "
				  "to %s: more than %d redirects; not followed", st->url,
				  st->status, to, NET_MAX_REDIRECTS);
	if (n == 0 || scheme_len(loc) != n || strncasecmp(loc, from, n) != 0)
		return assay_fail(err, ASSAY_ENET, "%s: the server answered HTTP %ld, a redirect "
				  "to %s: another scheme than %.*s; not followed", st->url,
				  st->status, to, (int)n, from);
	if (!(*next = assay_strdup(loc)))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return ASSAY_OK;
}

net_stream *net_stream_open(const char *url, const net_options *opt, assay_error *err)
{
	net_options o = net_defaults(opt, true);
	uint64_t rng = (uint64_t)assay_mono_ns() | 1;
	char *cur = NULL, hops[NET_MAX_REDIRECTS][512];
	int redirects = 0;
	for (int attempt = 1;; attempt++) {
		net_stream *st = stream_new(cur ? cur : url, &o);
		if (!st) {
			free(cur);
			assay_fail(err, ASSAY_ENOMEM, "out of memory");
			return NULL;
		}
		long wait = -1;
		int rc = stream_start(st, cur ? cur : url, &o, attempt, &wait, err);
		if (rc == STREAM_REDIRECT) {
			char *next = NULL;
			rc = redirect_next(st, cur ? cur : url, redirects, &next, err);
			if (rc == ASSAY_OK) {
				net_redirect_target(st->easy, hops[redirects++], sizeof hops[0]);
				free(cur);
				cur = next;
				attempt = 0; /* the new address has its own attempts */
				stream_free(st);
				continue;
			}
		}
		if (rc == 0) {
			memcpy(st->hops, hops, sizeof hops[0] * (size_t)redirects);
			st->redirects = redirects;
			free(cur);
			return st;
		}
		stream_free(st);
		if (rc < 0 || attempt >= o.max_attempts) {
			free(cur);
			return NULL;
		}
		if (wait > o.retry_after_max_ms) {
			too_long(err, wait, o.retry_after_max_ms);
			free(cur);
			return NULL;
		}
		if (wait < 0)
			wait = net_backoff_ms(&o, attempt, &rng);
		/* in steps, so a stop is seen while waiting to retry */
		for (int64_t end = assay_now_ms() + wait; assay_now_ms() < end;) {
			if (stopped(o.cancel, o.stop)) {
				free(cur);
				assay_fail(err, ASSAY_EINTR, "interrupted");
				return NULL;
			}
			struct timespec ts = {0, 20 * 1000000};
			nanosleep(&ts, NULL);
		}
	}
}

int net_stream_read(net_stream *st, char *buf, size_t cap, size_t *got, assay_error *err)
{
	*got = 0;
	int rc = stream_wait(st, UNTIL_DATA, err);
	if (rc < 0)
		return rc;
	if (st->len == 0) {
		if (st->result != CURLE_OK)
			return net_transfer_error(st->url, st->result, st->errbuf, st->received, 1,
						  err);
		return ASSAY_OK;
	}
	size_t n = st->len < cap ? st->len : cap;
	memcpy(buf, st->buf + st->start, n);
	st->start += n;
	st->len -= n;
	st->received += (int64_t)n;
	if (st->len == 0)
		st->start = 0;
	*got = n;
	return ASSAY_OK;
}

int64_t net_stream_length(const net_stream *st)
{
	curl_off_t len = -1;
	if (st->head.encoded)
		return -1;
	curl_easy_getinfo(st->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	return len >= 0 ? (int64_t)len : -1;
}

const char *net_stream_content_type(const net_stream *st)
{
	char *ct = NULL;
	curl_easy_getinfo(st->easy, CURLINFO_CONTENT_TYPE, &ct);
	return ct;
}

const char *net_stream_redirect(const net_stream *st, int i)
{
	return i >= 0 && i < st->redirects ? st->hops[i] : NULL;
}

int64_t net_stream_received(const net_stream *st)
{
	return st->received;
}

size_t net_stream_max_buffered(const net_stream *st)
{
	return st->max_len;
}

void net_stream_close(net_stream *st)
{
	stream_free(st);
}
