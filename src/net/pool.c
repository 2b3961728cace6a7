/* pool.c — many JSON POSTs in flight at once on one multi handle, with
 * per-attempt timeouts, retries with exponential backoff and full jitter,
 * Retry-After honoured, and response bodies capped. Retries wait on timers
 * inside the pool, so one slow request never holds up the others. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

typedef struct req {
	char *url;
	char *body;
	void (*done)(void *ud, const net_response *resp);
	void *ud;
	int attempts;
	int64_t due_ms;
	CURL *easy;
	struct curl_slist *hdrs;
	abuf resp;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
	size_t max_body;
	struct req *next;
} req;

struct net_pool {
	CURLM *multi;
	net_options o;
	int concurrency, running, pending;
	req *head, *tail; /* waiting to start (or to retry), in order of arrival */
	req *active;      /* running */
	uint64_t rng;
};

net_pool *net_pool_new(const net_options *opt, int concurrency, assay_error *err)
{
	net_pool *p = calloc(1, sizeof *p);
	if (!p || !(p->multi = curl_multi_init())) {
		free(p);
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	p->o = net_defaults(opt, false);
	p->concurrency = concurrency > 0 ? concurrency : 1;
	p->rng = (uint64_t)assay_mono_ns() | 1;
	curl_multi_setopt(p->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)p->concurrency);
	return p;
}

static void req_free(req *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	abuf_free(&r->resp);
	free(r->url);
	free(r->body);
	free(r);
}

void net_pool_free(net_pool *p)
{
	if (!p)
		return;
	for (req *r = p->head, *nx; r; r = nx) {
		nx = r->next;
		req_free(r);
	}
	for (req *r = p->active, *nx; r; r = nx) {
		nx = r->next;
		curl_multi_remove_handle(p->multi, r->easy);
		req_free(r);
	}
	curl_multi_cleanup(p->multi);
	free(p);
}

static void enqueue(net_pool *p, req *r)
{
	r->next = NULL;
	if (p->tail)
		p->tail->next = r;
	else
		p->head = r;
	p->tail = r;
}

int net_pool_submit(net_pool *p, const net_request *in, assay_error *err)
{
	req *r = calloc(1, sizeof *r);
	if (!r || !(r->url = assay_strdup(in->url)) || !(r->body = assay_strdup(in->body))) {
		if (r)
			free(r->url);
		free(r);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	r->done = in->done;
	r->ud = in->ud;
	r->max_body = p->o.max_body;
	enqueue(p, r);
	p->pending++;
	return ASSAY_OK;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	req *r = ud;
	size_t n = size * nmemb;
	if (r->resp.len + n > r->max_body) {
		r->too_big = true;
		return 0; /* aborts the transfer */
	}
	return abuf_append(&r->resp, ptr, n) < 0 ? 0 : n;
}

static int start(net_pool *p, req *r)
{
	abuf_reset(&r->resp);
	r->too_big = false;
	r->errbuf[0] = '\0';
	if (r->easy) {
		curl_easy_cleanup(r->easy);
		curl_slist_free_all(r->hdrs);
	}
	r->easy = net_easy(r->url, &p->o, &r->hdrs, "application/json", p->o.bearer, r->errbuf);
	if (!r->easy)
		return ASSAY_ENOMEM;
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->body));
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, (char *)r);
	r->attempts++;
	p->running++;
	r->next = p->active;
	p->active = r;
	curl_multi_add_handle(p->multi, r->easy);
	return ASSAY_OK;
}

/* Starts queued requests that are due while there are free slots. */
static void start_due(net_pool *p, int64_t now)
{
	req **link = &p->head, *prev = NULL;
	while (*link && p->running < p->concurrency) {
		req *r = *link;
		if (r->due_ms > now) {
			prev = r;
			link = &r->next;
			continue;
		}
		*link = r->next;
		if (p->tail == r)
			p->tail = prev;
		r->next = NULL;
		if (start(p, r) < 0) {
			net_response resp = {.attempts = r->attempts, .code = ASSAY_ENOMEM};
			snprintf(resp.error, sizeof resp.error, "out of memory");
			p->pending--;
			if (r->done)
				r->done(r->ud, &resp);
			req_free(r);
		}
	}
}

static bool retryable(CURLcode rc, long status)
{
	if (rc == CURLE_OK)
		return status == 429 || status >= 500;
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
	       rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
	       rc == CURLE_PARTIAL_FILE || rc == CURLE_COULDNT_RESOLVE_HOST;
}

/* A finished attempt: retry it later, or report it. */
static void finish(net_pool *p, req *r, CURLcode rc)
{
	long status = 0;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(p->multi, r->easy);
	p->running--;
	for (req **l = &p->active; *l; l = &(*l)->next)
		if (*l == r) {
			*l = r->next;
			break;
		}
	r->next = NULL;
	net_response resp = {.status = status, .attempts = r->attempts};
	char safe[200];
	net_safe_url(r->url, safe, sizeof safe);
	if (r->too_big) {
		resp.code = ASSAY_ENET;
		snprintf(resp.error, sizeof resp.error, "%s: response larger than %zu bytes", safe,
			 r->max_body);
	} else if (rc == CURLE_OK && status >= 200 && status < 300) {
		resp.code = ASSAY_OK;
	} else {
		if (retryable(rc, status) && r->attempts < p->o.max_attempts) {
			curl_off_t ra = -1;
			curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &ra);
			long wait = net_backoff_ms(&p->o, r->attempts, &p->rng);
			if (ra >= 0 && ra * 1000 <= p->o.retry_after_max_ms)
				wait = (long)ra * 1000;
			if (ra < 0 || ra * 1000 <= p->o.retry_after_max_ms) {
				r->due_ms = assay_now_ms() + wait;
				enqueue(p, r);
				return;
			}
		}
		resp.code = ASSAY_ENET;
		if (rc != CURLE_OK) {
			snprintf(resp.error, sizeof resp.error, "%s: %.200s (after %d attempts)", safe,
				 r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc), r->attempts);
		} else {
			char ex[210];
			net_excerpt(r->resp.data ? r->resp.data : "", r->resp.len, ex, sizeof ex);
			snprintf(resp.error, sizeof resp.error, "%s: HTTP %ld%s%.200s (after %d attempts)",
				 safe, status, ex[0] ? ": " : "", ex, r->attempts);
		}
	}
	resp.body = r->resp;
	p->pending--;
	if (r->done)
		r->done(r->ud, &resp);
	req_free(r);
}

int net_pool_step(net_pool *p)
{
	start_due(p, assay_now_ms());
	int running = 0;
	curl_multi_perform(p->multi, &running);
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(p->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		req *r = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		finish(p, r, m->data.result);
	}
	start_due(p, assay_now_ms());
	return p->pending;
}

long net_pool_timeout(net_pool *p)
{
	long t = -1;
	curl_multi_timeout(p->multi, &t);
	int64_t now = assay_now_ms();
	for (req *r = p->head; r; r = r->next) {
		long due = r->due_ms > now ? (long)(r->due_ms - now) : 0;
		if (t < 0 || due < t)
			t = due;
	}
	return t < 0 || t > 100 ? 100 : t;
}

int net_pool_pending(const net_pool *p)
{
	return p->pending;
}

int net_pool_run(net_pool *p, long timeout_ms, assay_error *err)
{
	int64_t deadline = timeout_ms > 0 ? assay_now_ms() + timeout_ms : 0;
	while (net_pool_step(p) > 0) {
		if (deadline && assay_now_ms() > deadline)
			return assay_fail(err, ASSAY_ENET, "requests still pending after %ld ms",
					  timeout_ms);
		long wait = net_pool_timeout(p);
		if (wait > 0)
			curl_multi_poll(p->multi, NULL, 0, (int)wait, NULL);
	}
	return ASSAY_OK;
}
