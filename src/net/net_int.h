/* net_int.h — what the files of src/net/ share: option defaults, the
 * configured easy handle, the retry policy and error texts. */
#ifndef ASSAY_NET_INT_H
#define ASSAY_NET_INT_H

#include <curl/curl.h>

#include "assay/net.h"

#define NET_VERSION "0.1"
/* Bytes a stream or upload may hold in memory. */
#define NET_STREAM_BUF (256u << 10)
/* Bytes of an error answer kept for the message. */
#define NET_ERRBODY_MAX 1024

/* What the header callback learns about an answer. */
typedef struct net_head {
	long retry_after_ms; /* -1: none */
	bool encoded;        /* Content-Encoding other than identity */
} net_head;

/* opt with every unset field given its default. */
net_options net_defaults(const net_options *opt, bool stream);
/* A configured easy handle (timeouts, TLS, credentials, header callback
 * filling *head); *headers must be freed with curl_slist_free_all after
 * the transfer. errbuf must hold CURL_ERROR_SIZE bytes. NULL on ENOMEM. */
CURL *net_easy(const char *url, const net_options *opt, struct curl_slist **headers,
	       const char *content_type, char *errbuf, net_head *head);
/* Resets what the header callback collected, before an attempt. */
void net_head_reset(net_head *head);
/* Whether a failed attempt is worth another: connection failures,
 * timeouts, 5xx and 429. */
bool net_retryable(CURLcode rc, long status);
/* Delay before retry number attempt (1-based), with full jitter. */
long net_backoff_ms(const net_options *opt, int attempt, uint64_t *rng);
/* Fills err for a transfer that failed (curl's reason, bytes moved). */
int net_transfer_error(const char *safe_url, CURLcode rc, const char *errbuf, int64_t moved,
		       int attempts, assay_error *err);
/* Fills err for a non-2xx answer: the status and an excerpt of the body
 * with secret redacted. */
int net_http_error(const char *safe_url, long status, const abuf *body, const char *secret,
		   int attempts, assay_error *err);

/* Redirects a download follows (each announced); an upload follows none. */
#define NET_MAX_REDIRECTS 5
/* Whether status is a redirect that names a new location. */
bool net_is_redirect(long status);
/* The answer's Location, resolved against the request's URL and fit to
 * show (net_safe_url), or "(no Location)". */
void net_redirect_target(CURL *h, char *out, size_t cap);
/* Fills err for an upload answered by a redirect: the status and where
 * to, never followed (ASSAY_ENET). */
int net_redirect_error(CURL *h, const char *safe_url, long status, assay_error *err);

/* Performs what is ready on a one-transfer multi handle; sets *done and
 * *result when it ends, else waits up to wait_ms for activity. */
void net_pump(CURLM *multi, bool *done, CURLcode *result, int wait_ms);
/* Fills err for a transfer on which nothing moved for stall_ms. */
int net_stall_error(const char *safe_url, long stall_ms, int64_t moved, assay_error *err);

#endif
