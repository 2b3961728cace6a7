/* net.h — the one HTTP client (libcurl multi): streamed downloads for
 * import, streamed uploads for export, and a pool of concurrent JSON
 * requests with timeouts, retries with backoff and jitter, Retry-After and
 * body caps for the remote scorers. Credentials never appear in messages. */
#ifndef ASSAY_NET_H
#define ASSAY_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

typedef struct net_options {
	long connect_timeout_ms;  /* 0: 10 s */
	long timeout_ms;          /* whole attempt; 0: 60 s for requests, none for streams */
	int max_attempts;         /* 0: 4 (requests and stream/upload starts) */
	long backoff_base_ms;     /* 0: 250 ms, doubled per attempt, full jitter */
	long backoff_max_ms;      /* 0: 8 s */
	long retry_after_max_ms;  /* 0: 60 s: a longer Retry-After is an error */
	size_t max_body;          /* 0: 8 MiB: a larger response is an error */
	bool insecure;            /* skip TLS certificate verification */
	const char *bearer;       /* Authorization: Bearer ...; never printed */
} net_options;

/* curl_global_init / cleanup; call once from main. */
int net_global_init(assay_error *err);
void net_global_cleanup(void);

/* ---- Streaming download (import) ----------------------------------------- */

typedef struct net_stream net_stream;

/* Starts a GET of url and waits for the status line: a non-2xx answer is an
 * error carrying the status and the start of the server's message. Memory
 * stays bounded: the transfer pauses while the reader is behind. */
net_stream *net_stream_open(const char *url, const net_options *opt, assay_error *err);
/* Reads up to cap bytes; *got == 0 means the body is complete. */
int net_stream_read(net_stream *st, char *buf, size_t cap, size_t *got, assay_error *err);
/* Content-Length when the server sent one, else -1. */
int64_t net_stream_length(const net_stream *st);
void net_stream_close(net_stream *st);

/* ---- Streaming upload (export --to) --------------------------------------- */

typedef struct net_upload net_upload;

/* Starts a PUT or POST of a body of unknown length (chunked). */
net_upload *net_upload_open(const char *url, const char *method, const char *content_type,
			    const char *bearer, const net_options *opt, assay_error *err);
int net_upload_write(net_upload *up, const void *data, size_t len, assay_error *err);
/* Ends the body and waits for the answer; a non-2xx status is an error with
 * the server's message. Frees up. */
int net_upload_finish(net_upload *up, long *status, abuf *body, assay_error *err);
void net_upload_abort(net_upload *up);

/* ---- Request pool (remote scorers, suggestions) --------------------------- */

typedef struct net_response {
	long status;          /* 0 when no answer arrived */
	abuf body;            /* owned by the pool; valid during the callback */
	int attempts;
	int code;             /* ASSAY_OK, or the failure */
	char error[512];      /* the failure, without credentials */
} net_response;

typedef struct net_request {
	const char *url;
	const char *body;     /* JSON, POSTed; copied at submit */
	void (*done)(void *ud, const net_response *resp);
	void *ud;
} net_request;

typedef struct net_pool net_pool;

net_pool *net_pool_new(const net_options *opt, int concurrency, assay_error *err);
void net_pool_free(net_pool *p);
/* Queues a request; it starts when a slot is free. */
int net_pool_submit(net_pool *p, const net_request *req, assay_error *err);
/* Runs until every queued request is done (or timeout_ms passes, if > 0). */
int net_pool_run(net_pool *p, long timeout_ms, assay_error *err);
/* Non-blocking step for an event loop: performs what is ready, calls done
 * callbacks; returns the number of requests still pending. */
int net_pool_step(net_pool *p);
/* How long an event loop may sleep before the next net_pool_step (ms). */
long net_pool_timeout(net_pool *p);
/* Requests queued, running or waiting to retry. */
int net_pool_pending(const net_pool *p);

/* Parses a Retry-After value (seconds or an HTTP date) into milliseconds
 * from now_ms; -1 when unparseable. */
long net_parse_retry_after(const char *value, int64_t now_ms);

#endif
