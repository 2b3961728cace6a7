/* net_int.h — what the files of src/net/ share. */
#ifndef ASSAY_NET_INT_H
#define ASSAY_NET_INT_H

#include <curl/curl.h>

#include "assay/net.h"

#define NET_VERSION "0.1"

/* opt with every unset field given its default. */
net_options net_defaults(const net_options *opt, bool stream);
/* A configured easy handle; *headers must be freed with curl_slist_free_all
 * after the transfer. errbuf must hold CURL_ERROR_SIZE bytes. */
CURL *net_easy(const char *url, const net_options *opt, struct curl_slist **headers,
	       const char *content_type, const char *bearer, char *errbuf);
void net_safe_url(const char *url, char *out, size_t cap);
void net_excerpt(const char *body, size_t len, char *out, size_t cap);
/* Delay before retry number attempt (1-based), with full jitter. */
long net_backoff_ms(const net_options *opt, int attempt, uint64_t *rng);

#endif
