/* net.h — the one HTTP client (libcurl multi): streamed downloads for
 * import, streamed uploads for export, and a pool of concurrent JSON
 * requests with timeouts, retries with backoff and jitter, Retry-After and
 * body caps for the remote scorers. Credentials never appear in messages. */
#ifndef ASSAY_NET_H
#define ASSAY_NET_H

#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

/* Zero-initialise and set what differs; every 0 means the default. */
typedef struct net_options {
	long connect_timeout_ms;  /* 0: 10 s */
	long timeout_ms;          /* whole attempt; 0: 60 s for pool requests, none for streams */
	long stall_timeout_ms;    /* streams and uploads: no byte moving for this long is an
				     error (time the caller spends between calls does not count);
				     0: 60 s */
	int max_attempts;         /* 0: 4 (pool requests and stream starts; 1 = no retry) */
	long backoff_base_ms;     /* 0: 250 ms, doubled per attempt, full jitter */
	long backoff_max_ms;      /* 0: 8 s */
	long retry_after_max_ms;  /* 0: 60 s: a server asking to wait longer is an error */
	size_t max_body;          /* 0: 8 MiB: a larger pool response is an error */
	bool insecure;            /* skip TLS certificate verification */
	const char *bearer;       /* the API key; sent, never put in a message */
	const char *key_header;   /* NULL: "Authorization: Bearer KEY"; else "KEY_HEADER: KEY"
				     (e.g. "x-api-key") */
	const atomic_int *cancel; /* streams: once it is set, a read waiting for data ends
				     with ASSAY_EINTR within 100 ms; NULL: never */
	const volatile sig_atomic_t *stop; /* streams: the same for a signal handler's flag
					      (opening, retry waits and reads) */
} net_options;

/* curl_global_init / cleanup; call once from main, before any thread. */
int net_global_init(assay_error *err);
void net_global_cleanup(void);

/* ---- Streaming download (import) ----------------------------------------- */

typedef struct net_stream net_stream;

/* Starts a GET of url and waits for the first bytes of the body. A non-2xx
 * answer is an error carrying the status and the start of the server's
 * message; connection failures, 5xx and 429 are retried first (blocking:
 * this is for the command line). Memory stays bounded (256 KiB): the
 * transfer pauses while the reader is behind. Returns NULL on error; free
 * with net_stream_close. */
net_stream *net_stream_open(const char *url, const net_options *opt, assay_error *err);
/* Reads up to cap bytes into buf; *got == 0 with ASSAY_OK means the body is
 * complete. A connection that breaks off is an error naming the bytes read. */
int net_stream_read(net_stream *st, char *buf, size_t cap, size_t *got, assay_error *err);
/* Content-Length when the server sent one for an unencoded body, else -1. */
int64_t net_stream_length(const net_stream *st);
/* The answer's Content-Type as sent ("image/png; charset=x"), or NULL when
 * it had none; valid until net_stream_close. */
const char *net_stream_content_type(const net_stream *st);
/* Where the i-th redirect followed to reach the answer led (0-based), fit
 * to show; NULL past the last. Same-scheme http(s) redirects are followed,
 * at most 5; another scheme or a sixth is an error naming the Location. */
const char *net_stream_redirect(const net_stream *st, int i);
/* Bytes of body handed to the reader so far. */
int64_t net_stream_received(const net_stream *st);
/* The most bytes ever held in the stream's buffer (a memory bound check). */
size_t net_stream_max_buffered(const net_stream *st);
void net_stream_close(net_stream *st);

/* ---- Streaming upload (export --to) --------------------------------------- */

typedef struct net_upload net_upload;

/* Starts a PUT or POST of a body of unknown length (chunked). bearer, when
 * not NULL, overrides opt->bearer. Returns NULL on error; end with exactly
 * one of net_upload_finish or net_upload_abort. */
net_upload *net_upload_open(const char *url, const char *method, const char *content_type,
			    const char *bearer, const net_options *opt, assay_error *err);
/* Queues len bytes, sending while the 256 KiB buffer is full. An answer
 * the server gives early (e.g. 401) is an error here. */
int net_upload_write(net_upload *up, const void *data, size_t len, assay_error *err);
/* Ends the body and waits for the answer: *status gets the HTTP status (0
 * if none), body (if not NULL) gets up to 64 KiB of the answer appended. A
 * non-2xx status is an error with the server's message. Frees up. */
int net_upload_finish(net_upload *up, long *status, abuf *body, assay_error *err);
/* Drops the transfer; frees up. */
void net_upload_abort(net_upload *up);
/* Body bytes handed to the connection so far. */
int64_t net_upload_sent(const net_upload *up);

/* ---- Request pool (remote scorers, suggestions) --------------------------- */

typedef struct net_response {
	long status;      /* last HTTP status; 0 when no answer arrived */
	abuf body;        /* the last answer's body; owned by the pool, valid during
			     the callback (steal it with abuf_take if wanted) */
	int attempts;     /* 1 + retries */
	double elapsed_ms;/* from the first start to the end, retries and waits included */
	assay_error err;  /* err.code: ASSAY_OK, or the failure (no credentials in msg) */
} net_response;

typedef struct net_request {
	const char *method;          /* NULL: POST when body is set, else GET */
	const char *url;
	const char *const *headers;  /* extra "Name: value" lines, NULL-terminated, or NULL */
	const char *body;            /* JSON, sent as application/json; NULL: none */
	/* Called once per request, from net_pool_step/net_pool_run, when it has
	 * succeeded or failed for good. May submit new requests; must not free
	 * the pool. */
	void (*done)(void *ud, const net_response *resp);
} net_request;

typedef struct net_pool net_pool;

/* A pool running at most concurrency requests at once. Free with
 * net_pool_free. */
net_pool *net_pool_new(const net_options *opt, int concurrency, assay_error *err);
/* Drops every unfinished request without calling its callback. */
void net_pool_free(net_pool *p);
/* Queues a request (its strings are copied); it starts when a slot is free.
 * ud is handed to req->done. */
int net_pool_submit(net_pool *p, const net_request *req, void *ud, assay_error *err);
/* Runs until every queued request is done: blocking, for the command line.
 * With timeout_ms > 0, gives up after that long (requests stay queued). */
int net_pool_run(net_pool *p, long timeout_ms, assay_error *err);
/* For an event loop: performs what is ready without blocking, starts due
 * retries, calls done callbacks. Returns the requests still pending. */
int net_pool_step(net_pool *p);
/* The sockets to wait on before the next net_pool_step: fills up to cap
 * entries of fds (fd, events) and returns how many (-1 if cap is too small);
 * *timeout_ms gets the longest wait allowed (at most 100 ms while requests
 * are pending, -1 when nothing is). Call net_pool_step when any is ready or
 * the wait ends. */
int net_pool_pollfds(net_pool *p, struct pollfd *fds, int cap, long *timeout_ms);
/* How long an event loop may sleep before the next net_pool_step (ms). */
long net_pool_timeout(net_pool *p);
/* Requests queued, running or waiting to retry. */
int net_pool_pending(const net_pool *p);

/* ---- Helpers (exposed for tests) ------------------------------------------ */

/* Parses a Retry-After value (seconds or an HTTP date) into milliseconds
 * from now_ms (never negative); -1 when unparseable. */
long net_parse_retry_after(const char *value, int64_t now_ms);
/* Writes to out (cap bytes) at most ~200 bytes of a server's message, fit
 * for an error text: control bytes become spaces, invalid UTF-8 becomes
 * '?', whitespace runs collapse, and every occurrence of secret (when not
 * NULL or empty) becomes "[redacted]". */
void net_excerpt(const char *body, size_t len, const char *secret, char *out, size_t cap);
/* The URL as it may be shown: user information, query and fragment
 * removed, control bytes replaced. */
void net_safe_url(const char *url, char *out, size_t cap);

#endif
