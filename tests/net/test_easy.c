/* test_easy.c — the net layer's pure helpers: Retry-After parsing, error
 * excerpts (sanitizing, redaction), safe URLs, backoff, retry policy. */
#include "assay/net_redact.h"
#include "net_int.h"
#include "unit.h"

TEST(retry_after_seconds)
{
	CHECK_INT(net_parse_retry_after("5", 0), 5000);
	CHECK_INT(net_parse_retry_after(" 0 \r\n", 0), 0);
	CHECK_INT(net_parse_retry_after("120", 123456), 120000);
	CHECK_INT(net_parse_retry_after("5x", 0), -1);
	CHECK_INT(net_parse_retry_after("", 0), -1);
	CHECK_INT(net_parse_retry_after("soon", 0), -1);
	CHECK_INT(net_parse_retry_after("-3", 0), -1);
	/* absurd values are clamped, not overflowed */
	CHECK(net_parse_retry_after("99999999999999999999", 0) > 0);
}

TEST(retry_after_http_date)
{
	/* Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 */
	int64_t t = 1445412480LL * 1000;
	CHECK_INT(net_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", t - 3000), 3000);
	CHECK_INT(net_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", t), 0);
	/* a date in the past means now */
	CHECK_INT(net_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", t + 60000), 0);
	CHECK_INT(net_parse_retry_after("Wed, 99 Foo 2015 nonsense", t), -1);
}

TEST(excerpt_sanitizes_control_bytes)
{
	char out[256];
	const char body[] = "bad\x01\x1b[31mred\r\n\tline\x7f two  spaces";
	net_excerpt(body, sizeof body - 1, NULL, out, sizeof out);
	CHECK_STR(out, "bad [31mred line two spaces");
	for (const char *p = out; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	net_excerpt("", 0, NULL, out, sizeof out);
	CHECK_STR(out, "");
	net_excerpt("  \n\n ", 5, NULL, out, sizeof out);
	CHECK_STR(out, "");
}

TEST(excerpt_utf8)
{
	char out[256];
	/* valid multibyte kept; invalid bytes, overlongs, surrogates become '?';
	 * C1 controls become spaces */
	const char body[] = "caf\xc3\xa9 \xe2\x82\xac \xff \xc0\xaf \xed\xa0\x80 a\xc2\x85z";
	net_excerpt(body, sizeof body - 1, NULL, out, sizeof out);
	CHECK_STR(out, "caf\xc3\xa9 \xe2\x82\xac ? ?? ??? a z");
	/* a sequence cut off at the end of the input */
	net_excerpt("ok\xe2\x82", 4, NULL, out, sizeof out);
	CHECK_STR(out, "ok??");
}

TEST(excerpt_caps_length_on_a_character_boundary)
{
	char body[3000], out[512];
	for (int i = 0; i < 1000; i++)
		memcpy(body + 3 * i, "\xe2\x82\xac", 3); /* euro signs */
	net_excerpt(body, sizeof body, NULL, out, sizeof out);
	size_t n = strlen(out);
	CHECK(n <= 200 && n >= 195);
	CHECK_INT(n % 3, 0);
	/* a tiny buffer is respected */
	char tiny[8];
	net_excerpt("abcdefghijklmnop", 16, NULL, tiny, sizeof tiny);
	CHECK_STR(tiny, "abcdefg");
	char one[1];
	net_excerpt("abc", 3, NULL, one, sizeof one);
	CHECK_STR(one, "");
}

TEST(excerpt_redacts_the_secret)
{
	char out[256];
	const char *key = "sk-live-0123456789abcdef";
	const char body[] = "{\"error\": \"bad token Bearer sk-live-0123456789abcdef, and "
			    "sk-live-0123456789abcdef again\"}";
	net_excerpt(body, sizeof body - 1, key, out, sizeof out);
	CHECK(!strstr(out, "0123456789"));
	CHECK_CONTAINS(out, "Bearer [redacted], and [redacted] again");
	/* the start of a key cut off by the end of the kept text */
	const char cut[] = "token: sk-live-01234";
	net_excerpt(cut, sizeof cut - 1, key, out, sizeof out);
	CHECK_STR(out, "token: [redacted]");
	/* without a secret nothing is redacted */
	net_excerpt(cut, sizeof cut - 1, NULL, out, sizeof out);
	CHECK_STR(out, cut);
	net_excerpt(cut, sizeof cut - 1, "", out, sizeof out);
	CHECK_STR(out, cut);
	/* a key past the 200 shown bytes cannot leak either */
	char longbody[600];
	memset(longbody, 'x', sizeof longbody);
	memcpy(longbody + 195, key, strlen(key));
	net_excerpt(longbody, sizeof longbody, key, out, sizeof out);
	CHECK(!strstr(out, "sk-live"));
}

TEST(safe_url_drops_credentials_and_query)
{
	char out[512];
	net_safe_url("https://user:pw@example.com/a/b.jsonl?token=abc#frag", out, sizeof out);
	CHECK_STR(out, "https://example.com/a/b.jsonl");
	net_safe_url("http://example.com/a@b/c", out, sizeof out);
	CHECK_STR(out, "http://example.com/a@b/c");
	net_safe_url("http://h/x\x1b[2Jy", out, sizeof out);
	CHECK_STR(out, "http://h/x?[2Jy");
	net_safe_url("example.com/x?k=1", out, sizeof out);
	CHECK_STR(out, "example.com/x");
	char small[12];
	net_safe_url("http://example.com/long/path", small, sizeof small);
	CHECK_STR(small, "http://exam");
}

TEST(defaults)
{
	net_options d = net_defaults(NULL, false);
	CHECK_INT(d.connect_timeout_ms, 10000);
	CHECK_INT(d.timeout_ms, 60000);
	CHECK_INT(d.stall_timeout_ms, 60000);
	CHECK_INT(d.max_attempts, 4);
	CHECK_INT(d.max_body, 8u << 20);
	net_options s = net_defaults(&(net_options){.timeout_ms = 5, .max_attempts = 1}, true);
	CHECK_INT(s.timeout_ms, 5);
	CHECK_INT(s.max_attempts, 1);
	CHECK_INT(net_defaults(NULL, true).timeout_ms, 0);
	/* a max below the base is raised to it */
	net_options b = net_defaults(&(net_options){.backoff_base_ms = 500, .backoff_max_ms = 10},
				     false);
	CHECK_INT(b.backoff_max_ms, 500);
}

TEST(backoff_full_jitter_within_exponential_cap)
{
	net_options o = net_defaults(&(net_options){.backoff_base_ms = 100, .backoff_max_ms = 1000},
				     false);
	uint64_t rng = 12345;
	long caps[] = {100, 200, 400, 800, 1000, 1000};
	for (int attempt = 1; attempt <= 6; attempt++) {
		long lo = 1 << 30, hi = -1;
		for (int i = 0; i < 2000; i++) {
			long w = net_backoff_ms(&o, attempt, &rng);
			lo = w < lo ? w : lo;
			hi = w > hi ? w : hi;
		}
		CHECK(lo >= 0);
		CHECK(hi <= caps[attempt - 1]);
		/* spread over the whole range: jitter, not a fixed delay */
		CHECK(lo < caps[attempt - 1] / 10);
		CHECK(hi > caps[attempt - 1] * 9 / 10);
	}
}

TEST(retry_policy)
{
	CHECK(net_retryable(CURLE_OK, 500));
	CHECK(net_retryable(CURLE_OK, 503));
	CHECK(net_retryable(CURLE_OK, 429));
	CHECK(!net_retryable(CURLE_OK, 404));
	CHECK(!net_retryable(CURLE_OK, 401));
	CHECK(!net_retryable(CURLE_OK, 400));
	CHECK(!net_retryable(CURLE_OK, 200));
	CHECK(net_retryable(CURLE_COULDNT_CONNECT, 0));
	CHECK(net_retryable(CURLE_OPERATION_TIMEDOUT, 0));
	CHECK(net_retryable(CURLE_RECV_ERROR, 0));
	CHECK(!net_retryable(CURLE_PEER_FAILED_VERIFICATION, 0));
	CHECK(!net_retryable(CURLE_WRITE_ERROR, 0));
	CHECK(!net_retryable(CURLE_URL_MALFORMAT, 0));
}

TEST(error_texts)
{
	assay_error err = {0};
	abuf body = {0};
	abuf_puts(&body, "quota exceeded for key k-123456\n");
	CHECK_INT(net_http_error("http://h/x", 429, &body, "k-123456", 3, &err), ASSAY_ENET);
	CHECK_STR(err.msg,
		  "http://h/x: the server answered HTTP 429: quota exceeded for key [redacted] "
		  "(after 3 attempts)");
	abuf_reset(&body);
	net_http_error("http://h/x", 404, &body, NULL, 1, &err);
	CHECK_STR(err.msg, "http://h/x: the server answered HTTP 404");
	net_transfer_error("http://h/x", CURLE_RECV_ERROR, "", 500, 1, &err);
	CHECK_CONTAINS(err.msg, "the transfer broke off after 500 bytes");
	net_transfer_error("http://h/x", CURLE_COULDNT_CONNECT, "refused\x1b[0m", 0, 2, &err);
	CHECK_STR(err.msg, "http://h/x: refused [0m (after 2 attempts)");
	abuf_free(&body);
}

static const char *redacted(const char *s, const char *secret)
{
	static abuf out;
	abuf_reset(&out);
	CHECK_INT(net_redact(s, strlen(s), secret, &out), ASSAY_OK);
	return out.data ? out.data : "";
}

TEST(redact_keys_shapes_and_bearer)
{
	CHECK_STR(redacted("key is my-own-key-42, ok", "my-own-key-42"), "key is [redacted], ok");
	CHECK_STR(redacted("cut off: my-own-k", "my-own-key-42"), "cut off: [redacted]");
	setenv("ASSAY_EXPORT_TOKEN", "tok-0123456789", 1);
	setenv("ASSAY_API_KEY", "abc", 1); /* too short to look for */
	CHECK_STR(redacted("got tok-0123456789 and abc", NULL), "got [redacted] and abc");
	unsetenv("ASSAY_EXPORT_TOKEN");
	unsetenv("ASSAY_API_KEY");
	CHECK_STR(redacted("use sk-proj-ABCDEFGHIJKLMNOP1234.", NULL), "use [redacted].");
	CHECK_STR(redacted("ghp_0123456789abcdefghijKLMN AKIAABCDEFGHIJKLMNOP", NULL),
		  "[redacted] [redacted]");
	CHECK_STR(redacted("Authorization: Bearer abc123def456", NULL),
		  "Authorization: Bearer [redacted]");
	CHECK_STR(redacted("bearer\tXYZ0123456789", NULL), "bearer\t[redacted]");
	/* ordinary words stay */
	const char *plain[] = {"Bearer bonds pay", "a task-abcdefghijklmnopqrstuv here",
			       "sk-short", "risk-free and whisk-abcdefghijklmnopqrs",
			       "Bearer authentication required"};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(plain); i++)
		CHECK_STR(redacted(plain[i], NULL), plain[i]);
}

/* The bypasses of the configured key tried by hand, each redacted: other
 * case, split by an invisible character or a space, a part of it, its end;
 * and credentials of other shapes. */
TEST(redact_key_variants)
{
	const char *key = "sk-proj-Abc123Def456Ghi789Jkl0";
	const char *leak[] = {
		"echo SK-PROJ-ABC123DEF456GHI789JKL0 end",
		"echo sk-proj-Abc123\xe2\x80\x8b" "Def456Ghi789Jkl0 end",   /* U+200B */
		"echo sk-proj-Abc\xc2\xad" "123Def456\xef\xbb\xbfGhi789Jkl0 end", /* U+00AD, U+FEFF */
		"echo sk-proj-Abc123 Def456Ghi789Jkl0 end",
		"echo sk-proj-Abc123\xe2\x81\xa0" "Def456\xe2\x80\x8dGhi789Jkl0 end", /* U+2060, ZWJ */
		"echo xx Def456Ghi789Jk xx end",   /* 15 characters from its middle */
		"echo Ghi789Jkl0 end",              /* its end */
		"echo DEF456GHI end",
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(leak); i++) {
		const char *r = redacted(leak[i], key);
		CHECK(strstr(r, "[redacted]") && !strstr(r, "456") && !strcasestr(r, "def") &&
		      !strcasestr(r, "jkl0"));
		CHECK(!strncmp(r, "echo ", 5) && strstr(r, " end"));
		if (!strstr(r, "[redacted]") || strstr(r, "456"))
			printf("#   leaked: %s\n", r);
	}
	/* the invisible characters inside the key go with it */
	CHECK_STR(redacted("a sk-proj-Abc123\xe2\x80\x8b" "Def456Ghi789Jkl0 b", key), "a [redacted] b");
	CHECK_STR(redacted("A Sk-Proj-Abc123Def456Ghi789Jkl0.", key), "A [redacted].");
	/* short runs of its characters and ordinary text stay */
	CHECK_STR(redacted("sk-proj is Abc and 123 ok", key), "sk-proj is Abc and 123 ok");
	CHECK_STR(redacted("Authorization: Basic dXNlcjpwYXNz", NULL), "Authorization: Basic [redacted]");
	CHECK_STR(redacted("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== x", NULL), "basic [redacted] x");
	CHECK_STR(redacted("Basic authentication required", NULL), "Basic authentication required");
	CHECK_STR(redacted("t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig-_Zx9 ok", NULL),
		  "t=[redacted] ok");
	CHECK_STR(redacted("token-sk-live1234567890abcdefgh", NULL), "token-[redacted]");
	CHECK_STR(redacted("key_ghp_0123456789abcdefghijKLMN", NULL), "key_[redacted]");
	CHECK_STR(redacted("xAKIAABCDEFGHIJ123456", NULL), "x[redacted]");
	CHECK_STR(redacted("risk-free and whisk-abcdefghijklmnopqrs", NULL),
		  "risk-free and whisk-abcdefghijklmnopqrs");
}

TEST(excerpt_redacts_a_key_written_with_escapes)
{
	char out[256];
	const char body[] = "{\"error\": \"bad key sk-\\u0041BCDEFGHIJKLMNOPQRST\"}";
	net_excerpt_escaped(body, sizeof body - 1, NULL, out, sizeof out);
	CHECK(!strstr(out, "BCDEFGH"));
	CHECK_CONTAINS(out, "bad key [redacted]");
	const char split[] = "echo: zz-\\u0073ecret-\\ud83d\\ude00-9876";
	net_excerpt_escaped(split, sizeof split - 1, "zz-secret-\xf0\x9f\x98\x80-9876", out, sizeof out);
	CHECK_STR(out, "echo: [redacted]");
	const char nul[] = "a\\u0000b \\ud800 c";
	net_excerpt_escaped(nul, sizeof nul - 1, NULL, out, sizeof out);
	CHECK_STR(out, "a b c");
	/* text already decoded keeps its backslashes */
	net_excerpt(nul, sizeof nul - 1, NULL, out, sizeof out);
	CHECK_STR(out, nul);
	/* an error answer's excerpt is read with escapes */
	abuf b = {0};
	abuf_puts(&b, "{\"error\": \"key sk-\\u0041BCDEFGHIJKLMNOPQRST\"}");
	assay_error err = {0};
	net_http_error("http://h/x", 500, &b, NULL, 1, &err);
	CHECK_STR(err.msg, "http://h/x: the server answered HTTP 500: {\"error\": \"key [redacted]\"}");
	abuf_free(&b);
}

UNIT_MAIN(UNIT_CASE(redact_keys_shapes_and_bearer), UNIT_CASE(redact_key_variants), UNIT_CASE(excerpt_redacts_a_key_written_with_escapes),
	  UNIT_CASE(retry_after_seconds), UNIT_CASE(retry_after_http_date),
	  UNIT_CASE(excerpt_sanitizes_control_bytes), UNIT_CASE(excerpt_utf8),
	  UNIT_CASE(excerpt_caps_length_on_a_character_boundary),
	  UNIT_CASE(excerpt_redacts_the_secret), UNIT_CASE(safe_url_drops_credentials_and_query),
	  UNIT_CASE(defaults), UNIT_CASE(backoff_full_jitter_within_exponential_cap),
	  UNIT_CASE(retry_policy), UNIT_CASE(error_texts))
