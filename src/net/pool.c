/* pool.c — many JSON requests in flight at once on one multi handle, with
 * per-attempt timeouts, retries with exponential backoff and full jitter,
 * Retry-After honoured, and response bodies capped. Retries wait on timers
 * inside the pool, never in a sleep, so one slow request holds up no other
 * and an event loop stays responsive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "net_int.h"

typedef struct req {
	char *method, *url, *body;
	struct curl_slist *extra; /* the caller's headers */
	void (*done)(void *ud, const net_response *resp);
	void *ud;
	int attempts;
	int64_t due_ms, first_ns;
	CURL *easy;
	struct curl_slist *hdrs;
	net_head head;
	abuf resp;
	bool too_big;
	size_t max_body;
	char errbuf[CURL_ERROR_SIZE];
	struct req *next;
} req;

/* A singly linked FIFO of requests. */
typedef struct rlist {
	req *head, *tail;
} rlist;

struct net_pool {
	CURLM *multi;
	net_options o;
	char *secret, *key_header;
	int concurrency, running, pending;
	rlist fresh;   /* submitted, not started yet, in order */
	rlist waiting; /* failed an attempt, due again at due_ms */
	rlist active;  /* on the multi handle */
	uint64_t rng;
};

static int64_t mono_ms(void)
{
	return assay_mono_ns() / 1000000;
}

static void rl_push(rlist *l, req *r)
{
	r->next = NULL;
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
}

static void rl_remove(rlist *l, req *r)
{
	req *prev = NULL;
	for (req *x = l->head; x; prev = x, x = x->next) {
		if (x != r)
			continue;
		if (prev)
			prev->next = x->next;
		else
			l->head = x->next;
		if (l->tail == x)
			l->tail = prev;
		x->next = NULL;
		return;
	}
}

static void wipe_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

net_pool *net_pool_new(const net_options *opt, int concurrency, assay_error *err)
{
	net_pool *p = calloc(1, sizeof *p);
	if (!p || !(p->multi = curl_multi_init()))
		goto nomem;
	p->o = net_defaults(opt, false);
	/* own copies: the caller's strings may not outlive the pool */
	if ((p->o.bearer && !(p->secret = assay_strdup(p->o.bearer))) ||
	    (p->o.key_header && !(p->key_header = assay_strdup(p->o.key_header))))
		goto nomem;
	p->o.bearer = p->secret;
	p->o.key_header = p->key_header;
	p->concurrency = concurrency > 0 ? concurrency : 1;
	p->rng = (uint64_t)assay_mono_ns() | 1;
	curl_multi_setopt(p->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)p->concurrency);
	curl_multi_setopt(p->multi, CURLMOPT_MAXCONNECTS, (long)p->concurrency);
	return p;
nomem:
	net_pool_free(p);
	assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return NULL;
}

static void req_free(req *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	curl_slist_free_all(r->extra);
	abuf_free(&r->resp);
	free(r->method);
	free(r->url);
	free(r->body);
	free(r);
}

static void rl_free(rlist *l, CURLM *multi)
{
	for (req *r = l->head, *nx; r; r = nx) {
		nx = r->next;
		if (multi && r->easy)
			curl_multi_remove_handle(multi, r->easy);
		req_free(r);
	}
	l->head = l->tail = NULL;
}

void net_pool_free(net_pool *p)
{
	if (!p)
		return;
	rl_free(&p->fresh, NULL);
	rl_free(&p->waiting, NULL);
	rl_free(&p->active, p->multi);
	if (p->multi)
		curl_multi_cleanup(p->multi);
	wipe_free(p->secret);
	free(p->key_header);
	free(p);
}

int net_pool_submit(net_pool *p, const net_request *in, void *ud, assay_error *err)
{
	if (!in->url || !*in->url)
		return assay_fail(err, ASSAY_EINVAL, "a request needs a URL");
	const char *method = in->method ? in->method : in->body ? "POST" : "GET";
	req *r = calloc(1, sizeof *r);
	if (!r)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	r->method = assay_strdup(method);
	r->url = assay_strdup(in->url);
	r->body = assay_strdup(in->body);
	bool ok = r->method && r->url && (r->body || !in->body);
	for (const char *const *h = in->headers; ok && h && *h; h++) {
		struct curl_slist *l = curl_slist_append(r->extra, *h);
		ok = l != NULL;
		if (l)
			r->extra = l;
	}
	if (!ok) {
		req_free(r);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	r->done = in->done;
	r->ud = ud;
	r->max_body = p->o.max_body;
	rl_push(&p->fresh, r);
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

/* The easy handle for r, made once and kept across its attempts. */
static int prepare(net_pool *p, req *r)
{
	r->easy = net_easy(r->url, &p->o, &r->hdrs, r->body ? "application/json" : NULL,
			   r->errbuf, &r->head);
	if (!r->easy)
		return ASSAY_ENOMEM;
	for (struct curl_slist *h = r->extra; h; h = h->next)
		r->hdrs = curl_slist_append(r->hdrs, h->data);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	if (r->body) {
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(r->body));
	}
	if (strcmp(r->method, r->body ? "POST" : "GET") != 0)
		curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, r->method);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, (char *)r);
	r->first_ns = assay_mono_ns();
	return ASSAY_OK;
}

/* Hands r's outcome to its callback and frees it. */
static void complete(net_pool *p, req *r, net_response *resp)
{
	resp->attempts = r->attempts;
	resp->elapsed_ms = r->first_ns ? (double)(assay_mono_ns() - r->first_ns) / 1e6 : 0;
	resp->body = r->resp;
	p->pending--;
	if (r->done)
		r->done(r->ud, resp);
	req_free(r);
}

static void start(net_pool *p, req *r)
{
	if (!r->easy && prepare(p, r) < 0) {
		net_response resp = {0};
		assay_fail(&resp.err, ASSAY_ENOMEM, "out of memory");
		complete(p, r, &resp);
		return;
	}
	abuf_reset(&r->resp);
	r->too_big = false;
	r->errbuf[0] = '\0';
	net_head_reset(&r->head);
	r->attempts++;
	p->running++;
	rl_push(&p->active, r);
	curl_multi_add_handle(p->multi, r->easy);
}

/* Starts due retries first, then fresh requests, while slots are free. */
static void start_due(net_pool *p)
{
	int64_t now = mono_ms();
	for (req *r = p->waiting.head, *nx; r && p->running < p->concurrency; r = nx) {
		nx = r->next;
		if (r->due_ms <= now) {
			rl_remove(&p->waiting, r);
			start(p, r);
		}
	}
	while (p->fresh.head && p->running < p->concurrency) {
		req *r = p->fresh.head;
		rl_remove(&p->fresh, r);
		start(p, r);
	}
}

/* Schedules another attempt of r if the failure allows one; false when
 * the failure is final (err then says why when the server's wait is too
 * long). */
static bool retry_later(net_pool *p, req *r, CURLcode rc, long status, bool *too_long)
{
	*too_long = false;
	if (!net_retryable(rc, status) || r->attempts >= p->o.max_attempts)
		return false;
	long wait = r->head.retry_after_ms;
	if (status && wait > p->o.retry_after_max_ms) {
		*too_long = true;
		return false;
	}
	if (!status || wait < 0)
		wait = net_backoff_ms(&p->o, r->attempts, &p->rng);
	r->due_ms = mono_ms() + wait + 1; /* +1: never early by a partial ms */
	rl_push(&p->waiting, r);
	return true;
}

/* A finished attempt: retry it later, or report it. */
static void finish(net_pool *p, req *r, CURLcode rc)
{
	long status = 0;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(p->multi, r->easy);
	rl_remove(&p->active, r);
	p->running--;
	net_response resp = {.status = status};
	char safe[320];
	bool too_long = false;
	net_safe_url(r->url, safe, sizeof safe);
	if (r->too_big) {
		assay_fail(&resp.err, ASSAY_ENET, "%s: the answer is larger than the %zu bytes allowed",
			   safe, r->max_body);
	} else if (rc == CURLE_OK && status >= 200 && status < 300) {
		resp.err.code = ASSAY_OK;
	} else if (retry_later(p, r, rc, status, &too_long)) {
		return;
	} else if (rc != CURLE_OK) {
		net_transfer_error(safe, rc, r->errbuf, (int64_t)r->resp.len, r->attempts, &resp.err);
	} else {
		net_http_error(safe, status, &r->resp, p->secret, r->attempts, &resp.err);
		if (too_long) {
			size_t l = strlen(resp.err.msg);
			snprintf(resp.err.msg + l, sizeof resp.err.msg - l,
				 "; it asks to retry after %ld s, longer than the %ld s allowed",
				 r->head.retry_after_ms / 1000, p->o.retry_after_max_ms / 1000);
		}
	}
	complete(p, r, &resp);
}

int net_pool_step(net_pool *p)
{
	start_due(p);
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
	start_due(p);
	return p->pending;
}

long net_pool_timeout(net_pool *p)
{
	if (p->pending == 0)
		return -1;
	if (p->fresh.head && p->running < p->concurrency)
		return 0;
	long t = -1;
	curl_multi_timeout(p->multi, &t);
	int64_t now = mono_ms();
	for (req *r = p->waiting.head; r; r = r->next) {
		long due = r->due_ms > now ? (long)(r->due_ms - now) : 0;
		if (t < 0 || due < t)
			t = due;
	}
	return t < 0 || t > 100 ? 100 : t;
}

int net_pool_pollfds(net_pool *p, struct pollfd *fds, int cap, long *timeout_ms)
{
	fd_set rd, wr, ex;
	int maxfd = -1, n = 0;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	*timeout_ms = net_pool_timeout(p);
	if (curl_multi_fdset(p->multi, &rd, &wr, &ex, &maxfd) != CURLM_OK)
		return 0;
	for (int fd = 0; fd <= maxfd; fd++) {
		short ev = (short)((FD_ISSET(fd, &rd) ? POLLIN : 0) |
				   (FD_ISSET(fd, &wr) ? POLLOUT : 0) |
				   (FD_ISSET(fd, &ex) ? POLLPRI : 0));
		if (!ev)
			continue;
		if (n >= cap)
			return -1;
		fds[n].fd = fd;
		fds[n].events = ev;
		fds[n].revents = 0;
		n++;
	}
	return n;
}

int net_pool_pending(const net_pool *p)
{
	return p->pending;
}

int net_pool_run(net_pool *p, long timeout_ms, assay_error *err)
{
	int64_t deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
	while (net_pool_step(p) > 0) {
		if (deadline && mono_ms() > deadline)
			return assay_fail(err, ASSAY_ENET, "%d requests still pending after %ld ms",
					  p->pending, timeout_ms);
		long wait = net_pool_timeout(p);
		if (wait > 0)
			curl_multi_poll(p->multi, NULL, 0, (int)wait, NULL);
	}
	return ASSAY_OK;
}
