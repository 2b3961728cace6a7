/* test_pool.c — the request pool against the real test server: JSON
 * POSTs to chat-completions and TEI endpoints, retries with backoff,
 * Retry-After, timeouts, resets, body caps, credentials kept out of every
 * message, event-loop stepping, and a concurrency benchmark. */
#include <cjson/cJSON.h>
#include <sys/resource.h>

#include "assay/net.h"
#include "server.h"
#include "unit.h"

/* What a callback saw, for the checks. */
typedef struct outcome {
	bool called;
	int calls;
	long status;
	int attempts;
	int code;
	double elapsed_ms;
	int64_t done_at_ns;
	char msg[1024];
	char body[4096];
} outcome;

static void record(void *ud, const net_response *r)
{
	outcome *o = ud;
	o->called = true;
	o->calls++;
	o->status = r->status;
	o->attempts = r->attempts;
	o->code = r->err.code;
	o->elapsed_ms = r->elapsed_ms;
	o->done_at_ns = assay_mono_ns();
	snprintf(o->msg, sizeof o->msg, "%s", r->err.code ? r->err.msg : "");
	snprintf(o->body, sizeof o->body, "%.*s", (int)(r->body.len < 4000 ? r->body.len : 4000),
		 r->body.data ? r->body.data : "");
}

static const char *CHAT = "{\"model\":\"judge\",\"messages\":[{\"role\":\"system\",\"content\":"
			  "\"Rate the caption.\"},{\"role\":\"user\",\"content\":\"a red bus\"}]}";

/* Runs one request to path with options o; fills out. */
static void one(const net_options *o, const char *method, const char *path, const char *body,
		outcome *out)
{
	assay_error err = {0};
	net_pool *p = net_pool_new(o, 4, &err);
	CHECK(p != NULL);
	if (!p)
		return;
	net_request rq = {.method = method, .url = url("%s", path), .body = body, .done = record};
	CHECK_INT(net_pool_submit(p, &rq, out, &err), 0);
	CHECK_INT(net_pool_run(p, 30000, &err), 0);
	CHECK_INT(out->calls, 1);
	net_pool_free(p);
}

TEST(pool_chat_completion)
{
	outcome o = {0};
	one(NULL, NULL, "/v1/chat/completions", CHAT, &o);
	CHECK_INT(o.code, 0);
	CHECK_INT(o.status, 200);
	CHECK_INT(o.attempts, 1);
	cJSON *j = cJSON_Parse(o.body);
	cJSON *content = cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0),
				    "message"),
		"content");
	CHECK(cJSON_IsString(content));
	if (cJSON_IsString(content)) {
		cJSON *verdict = cJSON_Parse(content->valuestring);
		CHECK(cJSON_IsNumber(cJSON_GetObjectItem(verdict, "score")));
		cJSON_Delete(verdict);
	}
	cJSON_Delete(j);
	/* TEI classifier shape */
	outcome t = {0};
	one(NULL, NULL, "/predict", "{\"inputs\":\"a red bus\"}", &t);
	CHECK_INT(t.status, 200);
	CHECK_CONTAINS(t.body, "\"label\"");
	/* GET when there is no body; other methods when asked */
	outcome g = {0};
	one(NULL, NULL, "/gen?bytes=10", NULL, &g);
	CHECK_STR(g.body, "00000000ij");
	outcome d = {0};
	one(NULL, "DELETE", "/v1/chat/completions", NULL, &d);
	CHECK_INT(d.status, 405);
	CHECK_CONTAINS(d.msg, "HTTP 405");
}

TEST(pool_sends_headers_and_key)
{
	assay_error err = {0};
	net_options opt = {.bearer = "k-777", .key_header = "x-api-key"};
	net_pool *p = net_pool_new(&opt, 2, &err);
	const char *hdrs[] = {"X-Trace: t1", "Accept: application/json", NULL};
	outcome o = {0};
	net_request rq = {.url = url("/v1/chat/completions?trace=%s", uniq()),
			  .headers = hdrs, .body = CHAT, .done = record};
	net_pool_submit(p, &rq, &o, &err);
	net_pool_run(p, 10000, &err);
	net_pool_free(p);
	CHECK_INT(o.status, 200);
	/* the request log: find this request and its headers */
	abuf all = {0};
	net_stream *st = net_stream_open(url("/_control/requests%s", ""), NULL, &err);
	char buf[65536];
	size_t got;
	while (st && net_stream_read(st, buf, sizeof buf, &got, &err) == 0 && got)
		abuf_append(&all, buf, got);
	net_stream_close(st);
	cJSON *arr = cJSON_Parse(all.data), *r, *mine = NULL;
	cJSON_ArrayForEach(r, arr)
		if (strstr(cJSON_GetObjectItem(r, "path")->valuestring, rq.url + strlen(server())))
			mine = r;
	CHECK(mine != NULL);
	if (mine) {
		cJSON *h = cJSON_GetObjectItem(mine, "headers");
		CHECK_STR(cJSON_GetObjectItem(h, "x-api-key")->valuestring, "k-777");
		CHECK(cJSON_GetObjectItem(h, "Authorization") == NULL);
		CHECK_STR(cJSON_GetObjectItem(h, "X-Trace")->valuestring, "t1");
		CHECK_STR(cJSON_GetObjectItem(h, "Content-Type")->valuestring, "application/json");
		CHECK_INT(cJSON_GetObjectItem(mine, "length")->valueint, strlen(CHAT));
	}
	cJSON_Delete(arr);
	abuf_free(&all);
}

TEST(pool_retries_then_succeeds)
{
	char path[200];
	snprintf(path, sizeof path, "/v1/chat/completions?fault=500,503,reset&id=%s", uniq());
	outcome o = {0};
	one(&(net_options){.backoff_base_ms = 20}, NULL, path, CHAT, &o);
	CHECK_INT(o.code, 0);
	CHECK_INT(o.status, 200);
	CHECK_INT(o.attempts, 4);
	/* out of attempts: the last failure, with the count */
	snprintf(path, sizeof path, "/v1/chat/completions?fault=503&id=%s", uniq());
	outcome f = {0};
	one(&(net_options){.backoff_base_ms = 5, .max_attempts = 3}, NULL, path, CHAT, &f);
	CHECK_INT(f.code, ASSAY_ENET);
	CHECK_INT(f.attempts, 3);
	CHECK_CONTAINS(f.msg, "HTTP 503");
	CHECK_CONTAINS(f.msg, "(after 3 attempts)");
	/* 4xx other than 429 is final */
	outcome n = {0};
	one(NULL, NULL, "/v1/chat/completions?fault=401", CHAT, &n);
	CHECK_INT(n.attempts, 1);
	CHECK_INT(n.status, 401);
}

TEST(pool_honours_retry_after_seconds_and_date)
{
	char path[200];
	snprintf(path, sizeof path, "/v1/chat/completions?fault=429&times=1&retry_after=1&id=%s",
		 uniq());
	outcome o = {0};
	one(&(net_options){.backoff_base_ms = 1}, NULL, path, CHAT, &o);
	CHECK_INT(o.status, 200);
	CHECK_INT(o.attempts, 2);
	CHECK(o.elapsed_ms >= 1000);
	printf("# Retry-After: 1 -> answered after %.0f ms\n", o.elapsed_ms);
	/* an HTTP date two seconds ahead (whole seconds: at least one passes) */
	snprintf(path, sizeof path,
		 "/v1/chat/completions?fault=429&times=1&retry_after=2&date=1&id=%s", uniq());
	outcome d = {0};
	one(&(net_options){.backoff_base_ms = 1}, NULL, path, CHAT, &d);
	CHECK_INT(d.status, 200);
	CHECK(d.elapsed_ms >= 1000);
	printf("# Retry-After: <date +2 s> -> answered after %.0f ms\n", d.elapsed_ms);
	/* beyond the maximum: an error at once */
	outcome l = {0};
	one(&(net_options){.retry_after_max_ms = 2000}, NULL,
	    "/v1/chat/completions?fault=429&retry_after=60", CHAT, &l);
	CHECK_INT(l.code, ASSAY_ENET);
	CHECK_INT(l.attempts, 1);
	CHECK_CONTAINS(l.msg, "retry after 60 s, longer than the 2 s allowed");
}

TEST(pool_retry_wait_does_not_block_others)
{
	assay_error err = {0};
	net_pool *p = net_pool_new(&(net_options){.backoff_base_ms = 1}, 1, &err);
	outcome a = {0}, b = {0};
	char path[200];
	snprintf(path, sizeof path, "/v1/chat/completions?fault=429&times=1&retry_after=1&id=%s",
		 uniq());
	net_request ra = {.url = url("%s", path), .body = CHAT, .done = record};
	net_request rb = {.url = url("/v1/chat/completions%s", ""), .body = CHAT, .done = record};
	net_pool_submit(p, &ra, &a, &err);
	net_pool_submit(p, &rb, &b, &err);
	CHECK_INT(net_pool_run(p, 20000, &err), 0);
	net_pool_free(p);
	CHECK_INT(a.status, 200);
	CHECK_INT(b.status, 200);
	/* with one slot, b ran while a waited out its Retry-After: had a kept
	 * the slot through its wait, b would have been answered after it (the
	 * order proves it however slow the machine; a time limit would not) */
	CHECK(a.done_at_ns > b.done_at_ns);
	CHECK(a.elapsed_ms >= 1000);
}

TEST(pool_timeout_reset_and_cap)
{
	outcome t = {0};
	/* the answer would come after 30 s: the timeouts end both attempts
	 * long before (the bound guards against a hang) */
	one(&(net_options){.timeout_ms = 300, .max_attempts = 2, .backoff_base_ms = 1}, NULL,
	    "/v1/chat/completions?fault=slow&ms=30000", CHAT, &t);
	CHECK_INT(t.code, ASSAY_ENET);
	CHECK_INT(t.attempts, 2);
	CHECK(t.elapsed_ms < 20000);
	CHECK_CONTAINS(t.msg, "imed out");
	outcome r = {0};
	one(&(net_options){.max_attempts = 2, .backoff_base_ms = 1}, NULL,
	    "/v1/chat/completions?fault=reset", CHAT, &r);
	CHECK_INT(r.code, ASSAY_ENET);
	CHECK_INT(r.attempts, 2);
	CHECK_CONTAINS(r.msg, "(after 2 attempts)");
	/* a 16 GiB answer against a 1 MiB cap: stopped early (reading it all
	 * would take minutes, far beyond the bound), not retried */
	outcome c = {0};
	int64_t t0 = assay_mono_ns();
	one(&(net_options){.max_body = 1u << 20}, NULL,
	    "/v1/chat/completions?fault=huge&bytes=17179869184", CHAT, &c);
	CHECK_INT(c.code, ASSAY_ENET);
	CHECK_INT(c.attempts, 1);
	CHECK_CONTAINS(c.msg, "larger than the 1048576 bytes allowed");
	CHECK(ms_since(t0) < 20000);
	/* at the cap exactly is fine */
	outcome e = {0};
	one(&(net_options){.max_body = 5000}, NULL, "/gen?bytes=5000", NULL, &e);
	CHECK_INT(e.code, 0);
}

/* Every failure a key could leak through, with the key set. */
TEST(pool_key_never_in_messages)
{
	const char *key = "sk-SECRET-0f1e2d3c4b5a69788796a5b4";
	const char *paths[] = {
		"/v1/chat/completions?fault=echo_auth", "/v1/chat/completions?fault=500",
		"/v1/chat/completions?fault=429&retry_after=999",
		"/v1/chat/completions?fault=reset", "/v1/chat/completions?fault=huge",
		"/nope?fault=404&key=sk-SECRET-0f1e2d3c4b5a69788796a5b4",
		"/v1/chat/completions?fault=slow&ms=30000",
	};
	/* only the slow answer is meant to time out: the others get a timeout
	 * no busy machine reaches, so each fails the way it is meant to */
	net_options opt = {.bearer = key, .timeout_ms = 300, .max_attempts = 2,
			   .backoff_base_ms = 1, .max_body = 1000};
	net_options ans = opt;
	ans.timeout_ms = 30000;
	assay_error err = {0};
	net_pool *p = net_pool_new(&ans, 8, &err), *slow = net_pool_new(&opt, 1, &err);
	outcome o[ASSAY_ARRAY_LEN(paths) + 1];
	memset(o, 0, sizeof o);
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(paths); i++) {
		net_request rq = {.url = url("%s", paths[i]), .body = CHAT, .done = record};
		net_pool_submit(i + 1 < ASSAY_ARRAY_LEN(paths) ? p : slow, &rq, &o[i], &err);
	}
	net_request dead = {.url = "http://127.0.0.1:9/v1?k=sk-SECRET-0f1e2d3c4b5a69788796a5b4",
			    .body = CHAT, .done = record};
	net_pool_submit(p, &dead, &o[ASSAY_ARRAY_LEN(paths)], &err);
	CHECK_INT(net_pool_run(p, 60000, &err), 0);
	CHECK_INT(net_pool_run(slow, 60000, &err), 0);
	net_pool_free(p);
	net_pool_free(slow);
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(o); i++) {
		CHECK_INT(o[i].code, ASSAY_ENET);
		CHECK(o[i].msg[0] != '\0');
		CHECK(!strstr(o[i].msg, "SECRET"));
		CHECK(!strstr(o[i].msg, "0f1e2d3c"));
	}
	/* the server did get the key, and echoed it: it was redacted */
	CHECK_CONTAINS(o[0].msg, "Bearer [redacted]");
	CHECK_CONTAINS(o[ASSAY_ARRAY_LEN(paths) - 1].msg, "imed out");
	/* the same for a stream and an upload */
	CHECK(net_stream_open(url("/gen?fault=%s", "echo_auth"), &ans, &err) == NULL);
	CHECK_CONTAINS(err.msg, "[redacted]");
	CHECK(!strstr(err.msg, "SECRET"));
	net_upload *up = net_upload_open(url("/up?fault=%s", "echo_auth"), "PUT", NULL, NULL, &ans,
					 &err);
	long status;
	CHECK(up != NULL);
	if (up) {
		CHECK_INT(net_upload_finish(up, &status, NULL, &err), ASSAY_ENET);
		CHECK_CONTAINS(err.msg, "[redacted]");
		CHECK(!strstr(err.msg, "SECRET"));
	}
}

/* This thread's voluntary context switches so far: a call that waits (for
 * a socket, a timer) gives the CPU up itself; one only preempted does not. */
static long waits_so_far(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nvcsw : 0;
}

TEST(pool_event_loop_steps_without_blocking)
{
	assay_error err = {0};
	net_pool *p = net_pool_new(NULL, 4, &err);
	outcome o[6];
	memset(o, 0, sizeof o);
	long t;
	CHECK_INT(net_pool_timeout(p), -1);
	struct pollfd fds[64];
	CHECK_INT(net_pool_pollfds(p, fds, 64, &t), 0);
	CHECK_INT(t, -1);
	for (int i = 0; i < 6; i++) {
		net_request rq = {.url = url("/v1/chat/completions?delay=%s", "150"), .body = CHAT,
				  .done = record};
		net_pool_submit(p, &rq, &o[i], &err);
	}
	CHECK_INT(net_pool_pending(p), 6);
	int ticks = 0;
	double worst = 0, worst_waiting = 0;
	while (net_pool_pending(p) > 0 && ticks < 10000) {
		int n = net_pool_pollfds(p, fds, 64, &t);
		CHECK(n >= 0);
		CHECK(t >= 0 && t <= 100);
		poll(fds, (nfds_t)n, (int)t);
		int64_t t0 = assay_mono_ns();
		long w0 = waits_so_far();
		net_pool_step(p);
		double ms = ms_since(t0);
		worst = ms > worst ? ms : worst;
		if (waits_so_far() > w0 && ms > worst_waiting)
			worst_waiting = ms;
		ticks++;
	}
	net_pool_free(p);
	for (int i = 0; i < 6; i++)
		CHECK_INT(o[i].status, 200);
	/* two rounds of 150 ms with 4 slots: the loop kept turning meanwhile,
	 * and no step waited (a step only preempted, on a busy machine, can
	 * take as long: 148 ms was seen) */
	CHECK(ticks >= 3);
	CHECK(worst_waiting < 50);
	printf("# event loop: %d ticks, slowest step %.1f ms, slowest that waited %.1f ms\n",
	       ticks, worst, worst_waiting);
	/* a pollfd array too small is reported (answers a minute away: the
	 * three connections are still open when it is asked) */
	p = net_pool_new(NULL, 4, &err);
	net_request rq = {.url = url("/v1/chat/completions?delay=%s", "60000"), .body = CHAT,
			  .done = record};
	outcome x[3];
	memset(x, 0, sizeof x);
	for (int i = 0; i < 3; i++)
		net_pool_submit(p, &rq, &x[i], &err);
	for (int64_t end = assay_mono_ns() + 10000000000; assay_mono_ns() < end;) {
		net_pool_step(p);
		if (net_pool_pollfds(p, fds, 64, &t) >= 3)
			break;
		poll(NULL, 0, 10);
	}
	CHECK(net_pool_pollfds(p, fds, 64, &t) >= 3);
	CHECK_INT(net_pool_pollfds(p, fds, 1, &t), -1);
	/* freeing with requests in flight calls no callback */
	net_pool_free(p);
	for (int i = 0; i < 3; i++)
		CHECK(!x[i].called);
}

static void count_done(void *ud, const net_response *r)
{
	int *n = ud;
	if (r->err.code == 0 && r->status == 200 && r->body.len > 0)
		n[0]++;
	else
		n[1]++;
}

TEST(pool_benchmark_1000_requests_concurrency_32)
{
	assay_error err = {0};
	net_pool *p = net_pool_new(NULL, 32, &err);
	int counts[2] = {0, 0};
	net_request rq = {.url = url("/v1/chat/completions?delay=%s", "50"), .body = CHAT,
			  .done = count_done};
	for (int i = 0; i < 1000; i++)
		CHECK_INT(net_pool_submit(p, &rq, counts, &err), 0);
	int64_t t0 = assay_mono_ns();
	CHECK_INT(net_pool_run(p, 120000, &err), 0);
	double ms = ms_since(t0);
	net_pool_free(p);
	CHECK_INT(counts[0], 1000);
	CHECK_INT(counts[1], 0);
	printf("# pool: 1000 requests, 50 ms server delay, concurrency 32: %.0f ms "
	       "(%.0f requests/s; serial would take 50000 ms, ideal 1600 ms)\n",
	       ms, 1000 / (ms / 1000));
}

TEST(pool_rejects_bad_requests)
{
	assay_error err = {0};
	net_pool *p = net_pool_new(NULL, 0, &err);
	CHECK(p != NULL);
	net_request rq = {.url = "", .done = record};
	CHECK_INT(net_pool_submit(p, &rq, NULL, &err), ASSAY_EINVAL);
	CHECK_INT(net_pool_pending(p), 0);
	/* a malformed URL fails at once, through the callback */
	outcome o = {0};
	net_request bad = {.url = "notascheme://x", .done = record};
	CHECK_INT(net_pool_submit(p, &bad, &o, &err), 0);
	CHECK_INT(net_pool_run(p, 5000, &err), 0);
	CHECK_INT(o.code, ASSAY_ENET);
	CHECK_INT(o.attempts, 1);
	net_pool_free(p);
	net_pool_free(NULL);
}

NET_TEST_MAIN(UNIT_CASE(pool_chat_completion), UNIT_CASE(pool_sends_headers_and_key),
	      UNIT_CASE(pool_retries_then_succeeds),
	      UNIT_CASE(pool_honours_retry_after_seconds_and_date),
	      UNIT_CASE(pool_retry_wait_does_not_block_others),
	      UNIT_CASE(pool_timeout_reset_and_cap), UNIT_CASE(pool_key_never_in_messages),
	      UNIT_CASE(pool_event_loop_steps_without_blocking),
	      UNIT_CASE(pool_benchmark_1000_requests_concurrency_32),
	      UNIT_CASE(pool_rejects_bad_requests))
