/* easy.c — what every transfer shares: global init, a configured easy
 * handle (timeouts, TLS, user agent, bearer token), error messages that
 * never carry credentials, and Retry-After parsing. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

int net_global_init(assay_error *err)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		return assay_fail(err, ASSAY_ENET, "cannot initialise libcurl: %s",
				  curl_easy_strerror(rc));
	return ASSAY_OK;
}

void net_global_cleanup(void)
{
	curl_global_cleanup();
}

net_options net_defaults(const net_options *o, bool stream)
{
	net_options d = o ? *o : (net_options){0};
	if (d.connect_timeout_ms <= 0)
		d.connect_timeout_ms = 10000;
	if (d.timeout_ms <= 0 && !stream)
		d.timeout_ms = 60000;
	if (d.max_attempts <= 0)
		d.max_attempts = 4;
	if (d.backoff_base_ms <= 0)
		d.backoff_base_ms = 250;
	if (d.backoff_max_ms <= 0)
		d.backoff_max_ms = 8000;
	if (d.retry_after_max_ms <= 0)
		d.retry_after_max_ms = 60000;
	if (d.max_body == 0)
		d.max_body = 8u << 20;
	return d;
}

/* The URL as it may be shown: user information and query removed. */
void net_safe_url(const char *url, char *out, size_t cap)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *at = strchr(host, '@');
	const char *slash = strchr(host, '/');
	if (at && (!slash || at < slash))
		host = at + 1;
	size_t n = strcspn(host, "?#");
	snprintf(out, cap, "%.*s%.*s", scheme ? (int)(scheme + 3 - url) : 0, url,
		 (int)(n > 300 ? 300 : n), host);
	/* Never let a control byte of a URL reach a terminal. */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

CURL *net_easy(const char *url, const net_options *o, struct curl_slist **headers,
	       const char *content_type, const char *bearer, char *errbuf)
{
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "assay/" NET_VERSION);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	if (o->timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	*headers = NULL;
	char line[4200];
	if (content_type) {
		snprintf(line, sizeof line, "Content-Type: %s", content_type);
		*headers = curl_slist_append(*headers, line);
	}
	if (bearer && *bearer && strlen(bearer) < 4000 && !strpbrk(bearer, "\r\n")) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", bearer);
		*headers = curl_slist_append(*headers, line);
		/* Never follow a redirect to another host with the token. */
		curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
	}
	*headers = curl_slist_append(*headers, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *headers);
	return h;
}

/* The start of a server's message, made printable, for error texts. */
void net_excerpt(const char *body, size_t len, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < len && k + 1 < cap && k < 200; i++) {
		unsigned char c = (unsigned char)body[i];
		out[k++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	while (k > 0 && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

long net_parse_retry_after(const char *value, int64_t now_ms)
{
	while (*value == ' ' || *value == '\t')
		value++;
	if (isdigit((unsigned char)*value)) {
		char *end;
		long secs = strtol(value, &end, 10);
		while (*end == ' ' || *end == '\r' || *end == '\n')
			end++;
		return *end ? -1 : secs * 1000;
	}
	time_t t = curl_getdate(value, NULL);
	if (t < 0)
		return -1;
	int64_t ms = (int64_t)t * 1000 - now_ms;
	return ms < 0 ? 0 : (long)ms;
}

long net_backoff_ms(const net_options *o, int attempt, uint64_t *rng)
{
	long cap = o->backoff_base_ms;
	for (int i = 1; i < attempt && cap < o->backoff_max_ms; i++)
		cap *= 2;
	if (cap > o->backoff_max_ms)
		cap = o->backoff_max_ms;
	/* full jitter: uniform in [0, cap] (xorshift64*) */
	*rng ^= *rng >> 12;
	*rng ^= *rng << 25;
	*rng ^= *rng >> 27;
	uint64_t r = *rng * 2685821657736338717ull;
	return (long)(r % (uint64_t)(cap + 1));
}
