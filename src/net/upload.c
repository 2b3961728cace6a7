/* upload.c — a streamed upload written like a file: the body of a PUT or
 * POST of unknown length goes out chunked from a bounded buffer; the read
 * callback pauses the transfer while the buffer is empty, and writes wait
 * while it is full. No thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

#define ANSWER_MAX (64u << 10)

struct net_upload {
	CURLM *multi;
	CURL *easy;
	struct curl_slist *hdrs;
	net_head head;
	char *buf; /* data lives at [start, start + len) */
	size_t cap, start, len;
	bool eof, paused, done;
	CURLcode result;
	long stall_ms;
	abuf answer;
	int64_t sent;
	char *secret;
	char errbuf[CURL_ERROR_SIZE];
	char url[512];
};

static size_t upload_read(char *dst, size_t size, size_t nitems, void *ud)
{
	net_upload *up = ud;
	size_t n = size * nitems;
	if (up->len == 0) {
		if (up->eof)
			return 0;
		up->paused = true;
		return CURL_READFUNC_PAUSE;
	}
	if (n > up->len)
		n = up->len;
	memcpy(dst, up->buf + up->start, n);
	up->start += n;
	up->len -= n;
	if (!up->len)
		up->start = 0;
	up->sent += (int64_t)n;
	return n;
}

static size_t upload_answer(char *ptr, size_t size, size_t nmemb, void *ud)
{
	net_upload *up = ud;
	size_t n = size * nmemb;
	size_t keep = up->answer.len < ANSWER_MAX ? ANSWER_MAX - up->answer.len : 0;
	abuf_append(&up->answer, ptr, n < keep ? n : keep);
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
	free(up->buf);
	abuf_free(&up->answer);
	if (up->secret) {
		memset(up->secret, 0, strlen(up->secret));
		free(up->secret);
	}
	free(up);
}

/* Sets up the handle for a chunked body from upload_read. */
static int upload_setup(net_upload *up, const char *url, const char *method,
			const char *content_type, const net_options *o)
{
	up->multi = curl_multi_init();
	up->easy = net_easy(url, o, &up->hdrs, content_type, up->errbuf, &up->head);
	if (!up->multi || !up->easy)
		return ASSAY_ENOMEM;
	if (strcmp(method, "PUT") == 0) {
		curl_easy_setopt(up->easy, CURLOPT_UPLOAD, 1L);
	} else {
		curl_easy_setopt(up->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(up->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(up->easy, CURLOPT_CUSTOMREQUEST, method);
		up->hdrs = curl_slist_append(up->hdrs, "Transfer-Encoding: chunked");
		curl_easy_setopt(up->easy, CURLOPT_HTTPHEADER, up->hdrs);
	}
	curl_easy_setopt(up->easy, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(up->easy, CURLOPT_READDATA, up);
	curl_easy_setopt(up->easy, CURLOPT_WRITEFUNCTION, upload_answer);
	curl_easy_setopt(up->easy, CURLOPT_WRITEDATA, up);
	curl_multi_add_handle(up->multi, up->easy);
	return ASSAY_OK;
}

net_upload *net_upload_open(const char *url, const char *method, const char *content_type,
			    const char *bearer, const net_options *opt, assay_error *err)
{
	net_options o = net_defaults(opt, true);
	if (bearer)
		o.bearer = bearer;
	if (!method || (strcmp(method, "PUT") && strcmp(method, "POST") && strcmp(method, "PATCH"))) {
		assay_fail(err, ASSAY_EINVAL, "upload method must be PUT, POST or PATCH, not %s",
			   method ? method : "(none)");
		return NULL;
	}
	net_upload *up = calloc(1, sizeof *up);
	if (!up || !(up->buf = malloc(NET_STREAM_BUF)) ||
	    (o.bearer && !(up->secret = assay_strdup(o.bearer)))) {
		upload_free(up);
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	up->cap = NET_STREAM_BUF;
	up->stall_ms = o.stall_timeout_ms;
	net_safe_url(url, up->url, sizeof up->url);
	if (upload_setup(up, url, method, content_type, &o) < 0) {
		upload_free(up);
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	return up;
}

/* Lets the transfer move: resumes a paused read, performs, then waits up
 * to wait_ms for the sockets. */
static void upload_kick(net_upload *up, int wait_ms)
{
	if (up->paused) {
		up->paused = false;
		curl_easy_pause(up->easy, CURLPAUSE_CONT);
	}
	net_pump(up->multi, &up->done, &up->result, wait_ms);
}

/* The error for a transfer that ended before the body was complete. */
static int upload_ended(net_upload *up, assay_error *err)
{
	long status = 0;
	curl_easy_getinfo(up->easy, CURLINFO_RESPONSE_CODE, &status);
	if (net_is_redirect(status))
		return net_redirect_error(up->easy, up->url, status, err);
	if (status >= 300 || (status && status < 200))
		return net_http_error(up->url, status, &up->answer, up->secret, 1, err);
	if (up->result == CURLE_OK)
		return assay_fail(err, ASSAY_ENET,
				  "%s: the server answered HTTP %ld before the upload was complete",
				  up->url, status);
	return net_transfer_error(up->url, up->result, up->errbuf, up->sent, 1, err);
}

/* Drives the transfer until room in the buffer (or the end, when
 * until_done); an error when nothing moves for the stall timeout. */
static int upload_drive(net_upload *up, bool until_done, assay_error *err)
{
	int64_t last = assay_now_ms(), seen = up->sent + (int64_t)up->answer.len;
	while (!up->done && (until_done || up->len == up->cap)) {
		upload_kick(up, 100);
		int64_t now = assay_now_ms(), moved = up->sent + (int64_t)up->answer.len;
		if (moved != seen) {
			seen = moved;
			last = now;
		} else if (!up->done && now - last > up->stall_ms) {
			return net_stall_error(up->url, up->stall_ms, up->sent, err);
		}
	}
	return ASSAY_OK;
}

int net_upload_write(net_upload *up, const void *data, size_t len, assay_error *err)
{
	const char *p = data;
	while (len) {
		if (up->done)
			return upload_ended(up, err);
		if (up->start && up->start + up->len == up->cap) {
			memmove(up->buf, up->buf + up->start, up->len);
			up->start = 0;
		}
		size_t room = up->cap - up->start - up->len;
		if (room == 0) {
			int rc = upload_drive(up, false, err);
			if (rc < 0)
				return rc;
			continue;
		}
		size_t n = len < room ? len : room;
		memcpy(up->buf + up->start + up->len, p, n);
		up->len += n;
		p += n;
		len -= n;
	}
	/* let what is buffered start moving without waiting */
	if (up->paused)
		upload_kick(up, 0);
	return ASSAY_OK;
}

int net_upload_finish(net_upload *up, long *status, abuf *body, assay_error *err)
{
	up->eof = true;
	*status = 0;
	int rc = upload_drive(up, true, err);
	if (rc == ASSAY_OK) {
		curl_easy_getinfo(up->easy, CURLINFO_RESPONSE_CODE, status);
		if (net_is_redirect(*status))
			rc = net_redirect_error(up->easy, up->url, *status, err);
		else if (up->result != CURLE_OK)
			rc = net_transfer_error(up->url, up->result, up->errbuf, up->sent, 1, err);
		else if (*status < 200 || *status >= 300)
			rc = net_http_error(up->url, *status, &up->answer, up->secret, 1, err);
		else if (body)
			rc = abuf_append(body, up->answer.data ? up->answer.data : "", up->answer.len);
		if (rc == ASSAY_ENOMEM)
			assay_fail(err, rc, "out of memory");
	}
	upload_free(up);
	return rc;
}

void net_upload_abort(net_upload *up)
{
	upload_free(up);
}

int64_t net_upload_sent(const net_upload *up)
{
	return up->sent;
}
