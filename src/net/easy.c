/* easy.c — what every transfer shares: global init, option defaults, a
 * configured easy handle (timeouts, TLS, user agent, API key, header
 * callback), the retry policy, and error texts that never carry
 * credentials or raw control bytes. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/net_redact.h"
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
	if (d.timeout_ms <= 0)
		d.timeout_ms = stream ? 0 : 60000;
	if (d.stall_timeout_ms <= 0)
		d.stall_timeout_ms = 60000;
	if (d.max_attempts <= 0)
		d.max_attempts = 4;
	if (d.backoff_base_ms <= 0)
		d.backoff_base_ms = 250;
	if (d.backoff_max_ms <= 0)
		d.backoff_max_ms = 8000;
	if (d.backoff_max_ms < d.backoff_base_ms)
		d.backoff_max_ms = d.backoff_base_ms;
	if (d.retry_after_max_ms <= 0)
		d.retry_after_max_ms = 60000;
	if (d.max_body == 0)
		d.max_body = 8u << 20;
	return d;
}

void net_safe_url(const char *url, char *out, size_t cap)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	size_t hostlen = strcspn(host, "/?#");
	const char *at = memchr(host, '@', hostlen);
	if (at)
		host = at + 1;
	size_t n = strcspn(host, "?#");
	snprintf(out, cap, "%.*s%.*s", scheme ? (int)(scheme + 3 - url) : 0, url,
		 (int)(n > 300 ? 300 : n), host);
	/* Never let a control byte of a URL reach a terminal. */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if
 * invalid; *cp gets the code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];
	size_t len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3
		   : c >= 0xf0 && c < 0xf5 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	unsigned v = len == 1 ? c : c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (v < 0x800 || (v >= 0xd800 && v < 0xe000))) ||
	    (len == 4 && (v < 0x10000 || v > 0x10ffff)))
		return 0;
	*cp = v;
	return len;
}

/* Four hex digits at s as a number, or -1. */
static long hex4(const char *s)
{
	long v = 0;
	for (int k = 0; k < 4; k++) {
		int c = (unsigned char)s[k], d = isdigit(c) ? c - '0'
					     : isxdigit(c) ? (c | 0x20) - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t utf8_put(unsigned cp, char *u)
{
	if (cp < 0x80)
		return u[0] = (char)cp, 1;
	if (cp < 0x800)
		return u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), 2;
	if (cp < 0x10000)
		return u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
		       u[2] = (char)(0x80 | (cp & 0x3f)), 3;
	return u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
	       u[2] = (char)(0x80 | (cp >> 6 & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), 4;
}

/* Decodes the JSON escapes of s (any text: escapes a server's JSON
 * message holds), so a key written with them is seen whole; a \u0000 or a
 * lone surrogate becomes a space. */
static int unescape(const char *s, size_t len, abuf *out)
{
	static const char esc[] = "\"\\/bfnrt", dec[] = "\"\\/\b\f\n\r\t";
	int rc = abuf_reserve(out, len);
	for (size_t i = 0; i < len && rc == 0; i++) {
		const char *e = s[i] == '\\' && i + 1 < len ? strchr(esc, s[i + 1]) : NULL;
		long cp = s[i] == '\\' && i + 5 < len && s[i + 1] == 'u' ? hex4(s + i + 2) : -1;
		if (e && *e) {
			rc = abuf_putc(out, dec[e - esc]);
			i++;
		} else if (cp >= 0) {
			i += 5;
			long lo = cp >= 0xd800 && cp < 0xdc00 && i + 6 < len && s[i + 1] == '\\' &&
					  s[i + 2] == 'u' ? hex4(s + i + 3) : -1;
			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			char u[4];
			bool ok = cp > 0 && (cp < 0xd800 || cp > 0xdfff);
			rc = ok ? abuf_append(out, u, utf8_put((unsigned)cp, u)) : abuf_putc(out, ' ');
		} else {
			rc = abuf_putc(out, s[i]);
		}
	}
	return rc;
}

/* Keeps at most ~200 bytes of text: controls become spaces, invalid UTF-8
 * '?', white space runs collapse. */
static void clean(const char *body, size_t len, char *out, size_t cap)
{
	size_t limit = cap > 201 ? 201 : cap, k = 0;
	if (limit == 0)
		return;
	for (size_t i = 0; i < len;) {
		unsigned cp = 0;
		size_t n = utf8_seq((const unsigned char *)body + i, len - i, &cp);
		const char *piece = body + i;
		size_t plen = n;
		if (n == 0) {
			piece = "?";
			plen = n = 1;
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			piece = " ";
			plen = 1;
		}
		if (k + plen + 1 > limit)
			break;
		if (!(piece[0] == ' ' && (k == 0 || out[k - 1] == ' '))) {
			memcpy(out + k, piece, plen);
			k += plen;
		}
		i += n;
	}
	while (k > 0 && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

void net_excerpt(const char *body, size_t len, const char *secret, char *out, size_t cap)
{
	/* what can reach 200 bytes of excerpt, with room for white space runs */
	size_t look = len < (64u << 10) ? len : (64u << 10);
	abuf safe = {0};
	if (cap == 0)
		return;
	if (net_redact(body, look, secret, &safe) < 0)
		snprintf(out, cap, "(not shown: out of memory)");
	else
		clean(safe.data ? safe.data : "", safe.len, out, cap);
	abuf_free(&safe);
}

void net_excerpt_escaped(const char *body, size_t len, const char *secret, char *out,
			 size_t cap)
{
	abuf plain = {0};
	if (unescape(body, len < (64u << 10) ? len : (64u << 10), &plain) < 0)
		snprintf(out, cap, "(not shown: out of memory)");
	else
		net_excerpt(plain.data ? plain.data : "", plain.len, secret, out, cap);
	abuf_free(&plain);
}

long net_parse_retry_after(const char *value, int64_t now_ms)
{
	while (*value == ' ' || *value == '\t')
		value++;
	if (isdigit((unsigned char)*value)) {
		char *end;
		long secs = strtol(value, &end, 10);
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (*end || secs < 0)
			return -1;
		return secs > 86400L * 365 ? 86400L * 365 * 1000 : secs * 1000;
	}
	time_t t = curl_getdate(value, NULL);
	if (t < 0)
		return -1;
	int64_t ms = (int64_t)t * 1000 - now_ms;
	return ms < 0 ? 0 : (long)ms;
}

void net_head_reset(net_head *head)
{
	head->retry_after_ms = -1;
	head->encoded = false;
}

/* Header lines of the answer: Retry-After and Content-Encoding. A status
 * line starts a new answer (after a redirect or a 100). */
static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
	net_head *head = ud;
	size_t len = size * n;
	char buf[256];
	if (len >= sizeof buf)
		return len;
	memcpy(buf, line, len);
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strncmp(buf, "HTTP/", 5) == 0)
		net_head_reset(head);
	else if (strncasecmp(buf, "retry-after:", 12) == 0)
		head->retry_after_ms = net_parse_retry_after(buf + 12, assay_now_ms());
	else if (strncasecmp(buf, "content-encoding:", 17) == 0)
		head->encoded = !strstr(buf + 17, "identity");
	return len;
}

/* Adds the API key header; a key with a line break is never sent. */
static void add_key(struct curl_slist **headers, const net_options *o)
{
	if (!o->bearer || !*o->bearer || strpbrk(o->bearer, "\r\n"))
		return;
	abuf line = {0};
	if (o->key_header && *o->key_header && !strpbrk(o->key_header, "\r\n:"))
		abuf_printf(&line, "%s: %s", o->key_header, o->bearer);
	else
		abuf_printf(&line, "Authorization: Bearer %s", o->bearer);
	if (line.data)
		*headers = curl_slist_append(*headers, line.data);
	/* wipe the copy: the slist keeps its own */
	if (line.data)
		memset(line.data, 0, line.len);
	abuf_free(&line);
}

CURL *net_easy(const char *url, const net_options *o, struct curl_slist **headers,
	       const char *content_type, char *errbuf, net_head *head)
{
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "assay/" NET_VERSION);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	if (o->timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	/* curl never follows a redirect by itself: an upload's body would be
	 * dropped (303: sent on as a GET) or not rewound (307); a download
	 * follows by hand, within NET_MAX_REDIRECTS, saying so (stream.c) */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	/* a custom Authorization header is not sent on to another host */
	curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	net_head_reset(head);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, head);
	*headers = NULL;
	if (content_type) {
		char line[256];
		snprintf(line, sizeof line, "Content-Type: %s", content_type);
		*headers = curl_slist_append(*headers, line);
	}
	add_key(headers, o);
	/* no 100-continue round trip before a body */
	*headers = curl_slist_append(*headers, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *headers);
	return h;
}

bool net_retryable(CURLcode rc, long status)
{
	if (rc == CURLE_OK)
		return status == 429 || status >= 500;
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
	       rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
	       rc == CURLE_PARTIAL_FILE || rc == CURLE_COULDNT_RESOLVE_HOST;
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
	return (long)((r >> 11) % (uint64_t)(cap + 1));
}

static void attempts_note(int attempts, char *out, size_t cap)
{
	if (attempts > 1)
		snprintf(out, cap, " (after %d attempts)", attempts);
	else
		out[0] = '\0';
}

int net_transfer_error(const char *safe_url, CURLcode rc, const char *errbuf, int64_t moved,
		       int attempts, assay_error *err)
{
	const char *what = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);
	char reason[256], note[48];
	net_excerpt(what, strlen(what), NULL, reason, sizeof reason);
	attempts_note(attempts, note, sizeof note);
	if (moved > 0)
		return assay_fail(err, ASSAY_ENET, "%s: the transfer broke off after %lld bytes: %s%s",
				  safe_url, (long long)moved, reason, note);
	return assay_fail(err, ASSAY_ENET, "%s: %s%s", safe_url, reason, note);
}

int net_http_error(const char *safe_url, long status, const abuf *body, const char *secret,
		   int attempts, assay_error *err)
{
	char ex[256], note[48];
	net_excerpt_escaped(body->data ? body->data : "", body->len, secret, ex, sizeof ex);
	attempts_note(attempts, note, sizeof note);
	return assay_fail(err, ASSAY_ENET, "%s: the server answered HTTP %ld%s%s%s", safe_url,
			  status, ex[0] ? ": " : "", ex, note);
}

void net_pump(CURLM *multi, bool *done, CURLcode *result, int wait_ms)
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
	if (!*done && running && wait_ms > 0)
		curl_multi_poll(multi, NULL, 0, wait_ms, NULL);
}

int net_stall_error(const char *safe_url, long stall_ms, int64_t moved, assay_error *err)
{
	return assay_fail(err, ASSAY_ENET, "%s: nothing moved for %.1f s after %lld bytes; giving up",
			  safe_url, stall_ms / 1000.0, (long long)moved);
}

bool net_is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 ||
	       status == 308;
}

void net_redirect_target(CURL *h, char *out, size_t cap)
{
	char *loc = NULL;
	curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc);
	if (loc)
		net_safe_url(loc, out, cap);
	else
		snprintf(out, cap, "(no Location)");
}

int net_redirect_error(CURL *h, const char *safe_url, long status, assay_error *err)
{
	char to[512];
	net_redirect_target(h, to, sizeof to);
	return assay_fail(err, ASSAY_ENET, "%s: the server answered HTTP %ld, a redirect to %s; "
			  "an upload is never sent on to another address (give --to that "
			  "address if it is the right one); nothing was delivered",
			  safe_url, status, to);
}
