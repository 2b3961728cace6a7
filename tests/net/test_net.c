/* test_net.c — the net layer against the real test server (tests/httpd.py,
 * started as a subprocess on 127.0.0.1): streamed downloads with bounded
 * memory, uploads verified byte for byte, the request pool with retries,
 * Retry-After, timeouts, resets, body caps, credentials kept out of
 * messages, and a concurrency benchmark. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "assay/net.h"
#include "server.h"
#include "unit.h"

/* Byte i of the server's generated body (see gen_bytes in httpd.py). */
static char gen_byte(int64_t i)
{
	int64_t k = i / 4096, j = i % 4096;
	if (j < 8) {
		char d[24];
		snprintf(d, sizeof d, "%08lld", (long long)(k % 100000000));
		return d[j];
	}
	return j % 64 == 63 ? '\n' : (char)('a' + j % 26);
}

/* Reads a whole stream in reads of cap bytes, checking it against the
 * generated body; returns bytes read or -1. */
static int64_t read_gen(net_stream *st, size_t cap, assay_error *err)
{
	char buf[65536];
	int64_t total = 0;
	bool same = true;
	for (;;) {
		size_t got = 0;
		if (net_stream_read(st, buf, cap, &got, err) < 0)
			return -1;
		if (got == 0)
			break;
		for (size_t i = 0; i < got && same; i++)
			same = buf[i] == gen_byte(total + (int64_t)i);
		total += (int64_t)got;
	}
	CHECK(same);
	return total;
}

/* ---- downloads -------------------------------------------------------------- */

TEST(stream_multi_megabyte_body_with_bounded_memory)
{
	assay_error err = {0};
	net_stream *st = net_stream_open(url("/gen?bytes=%s", "12000000"), NULL, &err);
	CHECK(st != NULL);
	if (!st) {
		printf("# %s\n", err.msg);
		return;
	}
	CHECK_INT(net_stream_length(st), 12000000);
	/* a slow reader: small reads while the server sends as fast as it can */
	CHECK_INT(read_gen(st, 3000, &err), 12000000);
	CHECK_INT(net_stream_received(st), 12000000);
	size_t peak = net_stream_max_buffered(st);
	printf("# 12 MB streamed; peak buffered %zu bytes\n", peak);
	CHECK(peak > 0 && peak <= 256u << 10);
	net_stream_close(st);
}

TEST(stream_chunked_and_dripped)
{
	assay_error err = {0};
	net_stream *st = net_stream_open(url("/gen?bytes=%s&chunked=1&chunk=7777", "3000000"),
					 NULL, &err);
	CHECK(st != NULL);
	if (!st)
		return;
	CHECK_INT(net_stream_length(st), -1);
	CHECK_INT(read_gen(st, 65536, &err), 3000000);
	net_stream_close(st);
	st = net_stream_open(url("/gen?bytes=%s&chunk=1000&drip=5", "20000"), NULL, &err);
	CHECK(st != NULL);
	if (st) {
		CHECK_INT(read_gen(st, 65536, &err), 20000);
		net_stream_close(st);
	}
	/* an empty body is a complete, empty stream */
	st = net_stream_open(url("/gen?bytes=%s", "0"), NULL, &err);
	CHECK(st != NULL);
	if (st) {
		CHECK_INT(read_gen(st, 100, &err), 0);
		net_stream_close(st);
	}
}

TEST(stream_http_errors_carry_the_message)
{
	assay_error err = {0};
	net_options o = {.backoff_base_ms = 5, .max_attempts = 2};
	CHECK(net_stream_open(url("/missing%s.jsonl", ""), &o, &err) == NULL);
	CHECK_INT(err.code, ASSAY_ENET);
	CHECK_CONTAINS(err.msg, "/missing.jsonl: the server answered HTTP 404: no such file: "
				"missing.jsonl");
	/* 404 is final: one attempt only */
	CHECK(!strstr(err.msg, "attempts"));
	CHECK(net_stream_open(url("/gen?fault=%s", "500"), &o, &err) == NULL);
	CHECK_CONTAINS(err.msg, "HTTP 500: {\"error\": {\"message\": \"injected HTTP 500\"}} "
				"(after 2 attempts)");
	/* no query string (it may hold a key) in the message */
	CHECK(!strstr(err.msg, "fault="));
}

TEST(stream_retries_then_succeeds)
{
	assay_error err = {0};
	net_options o = {.backoff_base_ms = 20};
	char path[200];
	snprintf(path, sizeof path, "/gen?bytes=5000&fault=503,500,reset:0&id=%s", uniq());
	net_stream *st = net_stream_open(url("%s", path), &o, &err);
	CHECK(st != NULL);
	if (!st) {
		printf("# %s\n", err.msg);
		return;
	}
	CHECK_INT(read_gen(st, 4096, &err), 5000);
	net_stream_close(st);
}

TEST(stream_honours_retry_after)
{
	assay_error err = {0};
	char path[200];
	snprintf(path, sizeof path, "/gen?bytes=100&fault=429&times=1&retry_after=1&id=%s", uniq());
	int64_t t0 = assay_mono_ns();
	net_stream *st = net_stream_open(url("%s", path), &(net_options){.backoff_base_ms = 1},
					 &err);
	double ms = ms_since(t0);
	CHECK(st != NULL);
	CHECK(ms >= 1000);
	printf("# Retry-After: 1 -> reopened after %.0f ms\n", ms);
	if (st) {
		CHECK_INT(read_gen(st, 4096, &err), 100);
		net_stream_close(st);
	}
	/* a wait beyond the allowed maximum is an error at once: well before
	 * even the maximum has passed, however slow the machine */
	t0 = assay_mono_ns();
	CHECK(net_stream_open(url("/gen?fault=429&retry_after=%s", "300"),
			      &(net_options){.retry_after_max_ms = 60000}, &err) == NULL);
	CHECK(ms_since(t0) < 20000);
	CHECK_CONTAINS(err.msg, "HTTP 429");
	CHECK_CONTAINS(err.msg, "retry after 300 s, longer than the 60 s allowed");
}

TEST(stream_stall_and_reset)
{
	assay_error err = {0};
	net_options o = {.stall_timeout_ms = 400, .max_attempts = 1};
	/* the server answers after 30 s: only the stall check ends it sooner
	 * (the bound guards against a hang, however slow the machine) */
	int64_t t0 = assay_mono_ns();
	CHECK(net_stream_open(url("/gen?fault=slow&ms=%s", "30000"), &o, &err) == NULL);
	CHECK(ms_since(t0) < 20000);
	CHECK_CONTAINS(err.msg, "nothing moved for 0.4 s");
	/* a body that stops flowing midway (for 30 s: a late reader still
	 * sees the stall after the first 1000 bytes, not after the next;
	 * without the stall check the test ends after 30 s, not 50 minutes) */
	net_stream *st = net_stream_open(url("/gen?bytes=2000&chunk=%s&drip=30000", "1000"), &o,
					 &err);
	CHECK(st != NULL);
	if (st) {
		CHECK_INT(read_gen(st, 4096, &err), -1);
		CHECK_CONTAINS(err.msg, "nothing moved for 0.4 s after 1000 bytes");
		net_stream_close(st);
	}
	/* a connection reset mid-body: the bytes before it, then an error (no
	 * stall timeout: the server waits 0.2 s before the reset, which a busy
	 * machine can stretch past any stall limit) */
	net_options r = {.max_attempts = 1};
	st = net_stream_open(url("/gen?fault=reset&bytes=%s", "10000"), &r, &err);
	CHECK(st != NULL);
	if (st) {
		CHECK_INT(read_gen(st, 4096, &err), -1);
		CHECK_INT(net_stream_received(st), 10000);
		CHECK_CONTAINS(err.msg, "the transfer broke off after 10000 bytes");
		net_stream_close(st);
	}
	/* whole-transfer timeout (alone: no stall check to race it) */
	net_options t = {.timeout_ms = 300, .max_attempts = 1};
	t0 = assay_mono_ns();
	CHECK(net_stream_open(url("/gen?fault=slow&ms=%s", "30000"), &t, &err) == NULL);
	CHECK(ms_since(t0) < 20000);
	CHECK_CONTAINS(err.msg, "imed out");
}

TEST(stream_connection_refused)
{
	/* a port nothing listens on: bind one, then close it */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	bind(s, (struct sockaddr *)&a, sizeof a);
	getsockname(s, (struct sockaddr *)&a, &len);
	close(s);
	char u[64];
	snprintf(u, sizeof u, "http://127.0.0.1:%d/x", ntohs(a.sin_port));
	assay_error err = {0};
	CHECK(net_stream_open(u, &(net_options){.max_attempts = 3, .backoff_base_ms = 5}, &err) ==
	      NULL);
	CHECK_INT(err.code, ASSAY_ENET);
	CHECK_CONTAINS(err.msg, "onnect");
	CHECK_CONTAINS(err.msg, "(after 3 attempts)");
}

/* ---- uploads ---------------------------------------------------------------- */

/* Fetches a stored upload back from the server into out. */
static int fetch(const char *u, abuf *out)
{
	assay_error err = {0};
	net_stream *st = net_stream_open(u, NULL, &err);
	if (!st)
		return -1;
	char buf[65536];
	size_t got;
	while (net_stream_read(st, buf, sizeof buf, &got, &err) == 0 && got)
		abuf_append(out, buf, got);
	net_stream_close(st);
	return err.code;
}

/* Uploads n pseudo-random bytes (NULs included) in uneven writes; checks
 * the server got exactly them. */
static void upload_roundtrip(const char *method, long want_status, size_t n)
{
	char *data = malloc(n);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		data[i] = (char)(x >> 24);
	}
	const char *name = uniq();
	char *u = url("/up/%s.jsonl", name);
	assay_error err = {0};
	net_upload *up = net_upload_open(u, method, "application/x-ndjson", "tok-123", NULL, &err);
	CHECK(up != NULL);
	if (!up) {
		free(data);
		return;
	}
	size_t off = 0, step = 1;
	while (off < n && err.code == 0) {
		size_t k = step < n - off ? step : n - off;
		CHECK_INT(net_upload_write(up, data + off, k, &err), 0);
		off += k;
		step = step * 7 % 100003 + 1;
	}
	CHECK_INT(net_upload_sent(up) <= (int64_t)n, 1);
	long status = 0;
	abuf body = {0};
	CHECK_INT(net_upload_finish(up, &status, &body, &err), 0);
	CHECK_INT(status, want_status);
	char want[64];
	snprintf(want, sizeof want, "\"received\": %zu", n);
	CHECK_CONTAINS(body.data, want);
	abuf back = {0};
	CHECK_INT(fetch(url("/_uploads/up/%s.jsonl", name), &back), 0);
	CHECK_INT(back.len, n);
	CHECK(back.len == n && (n == 0 || memcmp(back.data, data, n) == 0));
	abuf_free(&back);
	abuf_free(&body);
	free(data);
}

TEST(upload_put_and_post_byte_identical)
{
	upload_roundtrip("PUT", 201, 5u << 20);
	upload_roundtrip("POST", 200, 3000001);
	upload_roundtrip("PUT", 201, 0);
	upload_roundtrip("POST", 200, 1);
}

TEST(upload_sends_content_type_and_token)
{
	assay_error err = {0};
	net_upload *up = net_upload_open(url("/up/headers-%s", uniq()), "PUT",
					 "application/x-ndjson", "tok-abc", NULL, &err);
	CHECK(up != NULL);
	if (!up)
		return;
	net_upload_write(up, "{}\n", 3, &err);
	long status;
	CHECK_INT(net_upload_finish(up, &status, NULL, &err), 0);
	abuf log = {0};
	CHECK_INT(fetch(url("/_control/requests%s", ""), &log), 0);
	cJSON *all = cJSON_Parse(log.data);
	cJSON *last = NULL, *r;
	cJSON_ArrayForEach(r, all)
		if (strcmp(cJSON_GetObjectItem(r, "method")->valuestring, "PUT") == 0)
			last = r;
	CHECK(last != NULL);
	if (last) {
		cJSON *h = cJSON_GetObjectItem(last, "headers");
		CHECK_STR(cJSON_GetObjectItem(h, "Content-Type")->valuestring,
			  "application/x-ndjson");
		CHECK_STR(cJSON_GetObjectItem(h, "Authorization")->valuestring, "Bearer tok-abc");
		CHECK_INT(cJSON_GetObjectItem(last, "length")->valueint, 3);
	}
	cJSON_Delete(all);
	abuf_free(&log);
}

TEST(upload_errors)
{
	assay_error err = {0};
	net_upload *up = net_upload_open(url("/up/x?fault=%s", "401"), "PUT", "text/plain", NULL,
					 NULL, &err);
	CHECK(up != NULL);
	if (!up)
		return;
	CHECK_INT(net_upload_write(up, "hello", 5, &err), 0);
	long status = 0;
	CHECK_INT(net_upload_finish(up, &status, NULL, &err), ASSAY_ENET);
	CHECK_INT(status, 401);
	CHECK_CONTAINS(err.msg, "HTTP 401: {\"error\": {\"message\": \"injected HTTP 401\"}}");
	/* an answer before the body is read: the writes fail, they do not hang */
	up = net_upload_open(url("/up/x?fault=%s", "early"), "PUT", NULL, NULL,
			     &(net_options){.stall_timeout_ms = 5000}, &err);
	CHECK(up != NULL);
	if (up) {
		static char chunk[1 << 16];
		int rc = 0;
		for (int i = 0; i < 400 && rc == 0; i++)
			rc = net_upload_write(up, chunk, sizeof chunk, &err);
		if (rc == 0)
			rc = net_upload_finish(up, &status, NULL, &err);
		else
			net_upload_abort(up);
		CHECK_INT(rc, ASSAY_ENET);
		CHECK(!strstr(err.msg, "nothing moved"));
		printf("# early answer: %s\n", err.msg);
	}
	/* nothing listening */
	up = net_upload_open("http://127.0.0.1:9/x", "POST", NULL, NULL, NULL, &err);
	CHECK(up != NULL);
	if (up) {
		CHECK_INT(net_upload_finish(up, &status, NULL, &err), ASSAY_ENET);
		CHECK_CONTAINS(err.msg, "127.0.0.1:9/x");
	}
	CHECK(net_upload_open(url("/x%s", ""), "GET", NULL, NULL, NULL, &err) == NULL);
	CHECK_INT(err.code, ASSAY_EINVAL);
	/* an abort mid-body frees everything */
	up = net_upload_open(url("/up/abort%s", ""), "PUT", NULL, NULL, NULL, &err);
	CHECK(up != NULL);
	if (up) {
		net_upload_write(up, "partial", 7, &err);
		net_upload_abort(up);
	}
}

NET_TEST_MAIN(UNIT_CASE(stream_multi_megabyte_body_with_bounded_memory),
	      UNIT_CASE(stream_chunked_and_dripped), UNIT_CASE(stream_http_errors_carry_the_message),
	      UNIT_CASE(stream_retries_then_succeeds), UNIT_CASE(stream_honours_retry_after),
	      UNIT_CASE(stream_stall_and_reset), UNIT_CASE(stream_connection_refused),
	      UNIT_CASE(upload_put_and_post_byte_identical),
	      UNIT_CASE(upload_sends_content_type_and_token), UNIT_CASE(upload_errors))
