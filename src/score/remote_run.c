/* remote_run.c — a remote scorer over the store: pages of samples feed a
 * request pool (never more than a few pages ahead), answers come back in
 * any order and are written in transactions, cached by (configuration,
 * text), and a failure is recorded for its sample while the run goes on. */
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"
#include "run_int.h"
#include "score_int.h"

/* One answer waiting to be written. */
typedef struct answer {
	int64_t sample_id;
	uint64_t text_hash;
	double value; /* NAN: failed */
	bool from_cache;
	char reason[SCORE_REASON_MAX];
	char detail[SCORE_DETAIL_MAX];
} answer;

typedef struct remote_run {
	run_ctx *r;
	enum score_id id;
	const score_remote *cfg;
	char version[32];
	uint64_t config_hash;
	bool json_format; /* still asking for response_format */
	net_pool *pool;
	answer *done;
	size_t n_done, cap_done;
	int64_t in_flight;
	int rc; /* a write error stops the run */
	assay_error *err;
	struct remote_req *live; /* requests not answered, freed if the pool drops them */
} remote_run;

/* A request in flight. */
typedef struct remote_req {
	remote_run *rr;
	int64_t sample_id;
	uint64_t text_hash;
	char *user; /* llm-judge: the rendered prompt (for a resubmit) */
	bool json_format;
	struct remote_req *prev, *next;
} remote_req;

static void live_add(remote_run *rr, remote_req *q)
{
	q->prev = NULL;
	q->next = rr->live;
	if (rr->live)
		rr->live->prev = q;
	rr->live = q;
}

static void live_free(remote_run *rr, remote_req *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		rr->live = q->next;
	if (q->next)
		q->next->prev = q->prev;
	free(q->user);
	free(q);
}

static answer *new_answer(remote_run *rr)
{
	if (ASSAY_GROW(rr->done, rr->n_done + 1, rr->cap_done, 256) < 0)
		return NULL;
	return memset(&rr->done[rr->n_done++], 0, sizeof(answer));
}

static int submit(remote_run *rr, remote_req *q, const char *body, assay_error *err);

/* A 400 naming response_format: the server does not support it. */
static bool format_refused(const remote_req *q, const net_response *resp)
{
	return q->json_format && resp->status == 400 && resp->body.data &&
	       strstr(resp->body.data, "response_format");
}

static void on_answer(void *ud, const net_response *resp)
{
	remote_req *q = ud;
	remote_run *rr = q->rr;
	rr->in_flight--;
	if (format_refused(q, resp)) {
		rr->json_format = false;
		abuf body = {0};
		assay_error e = {0};
		q->json_format = false;
		if (score_judge_body(rr->cfg, NULL, q->user, false, &body) == 0 &&
		    submit(rr, q, body.data, &e) == 0) {
			abuf_free(&body);
			return;
		}
		abuf_free(&body);
	}
	answer *a = new_answer(rr);
	const char *name = score_defs[rr->id].name;
	if (!a) {
		rr->rc = assay_fail(rr->err, ASSAY_ENOMEM, "out of memory");
	} else {
		a->sample_id = q->sample_id;
		a->text_hash = q->text_hash;
		a->value = NAN;
		assay_error e = resp->err;
		double v = NAN;
		char why[160] = "";
		const char *b = resp->body.data ? resp->body.data : "";
		if (e.code == 0 && rr->id == SCORE_LLM_JUDGE)
			score_judge_parse(b, resp->body.len, &v, why, sizeof why, &e);
		else if (e.code == 0 &&
			 score_classifier_parse(b, resp->body.len, rr->cfg->label, &v, &e) == 0 &&
			 rr->cfg->label_bad)
			v = 1 - v;
		if (e.code == 0 && rr->id == SCORE_CLASSIFIER && !(v >= 0 && v <= 1))
			assay_fail(&e, ASSAY_EFORMAT, "label score %g outside [0, 1]", v);
		if (e.code == 0) {
			a->value = v;
			if (rr->id == SCORE_LLM_JUDGE)
				snprintf(a->reason, sizeof a->reason, "%s: %.2f: %s", name, v, why);
			else
				snprintf(a->reason, sizeof a->reason, "%s: %.2f %s \"%s\"", name, v,
					 rr->cfg->label_bad ? "not" : "for", rr->cfg->label);
		} else {
			/* Messages from the pool carry no credentials; excerpts of
			 * answers are redacted once more against the key. */
			char msg[160];
			net_excerpt(e.msg, strlen(e.msg), rr->cfg->net.bearer, msg, sizeof msg);
			snprintf(a->reason, sizeof a->reason, "%s: failed: %s", name, msg);
		}
		snprintf(a->detail, sizeof a->detail,
			 "{\"status\":%ld,\"attempts\":%d,\"ms\":%.0f}", resp->status,
			 resp->attempts, resp->elapsed_ms);
	}
	live_free(rr, q);
}

static int submit(remote_run *rr, remote_req *q, const char *body, assay_error *err)
{
	net_request req = {.url = rr->cfg->endpoint, .body = body, .done = on_answer};
	int rc = net_pool_submit(rr->pool, &req, q, err);
	if (rc == 0)
		rr->in_flight++;
	return rc;
}

/* Writes the answers gathered so far in one transaction. */
static int flush(remote_run *rr, assay_error *err)
{
	if (rr->n_done == 0)
		return rr->rc;
	store *s = rr->r->s;
	int rc = store_begin(s, err);
	double threshold = rr->r->cfg.threshold[rr->id];
	for (size_t i = 0; i < rr->n_done && rc == 0; i++) {
		answer *a = &rr->done[i];
		bool flagged = !isnan(a->value) && a->value < threshold;
		store_score_row row = {.sample_id = a->sample_id,
				       .scorer = score_defs[rr->id].name,
				       .version = rr->version,
				       .value = a->value,
				       .flagged = flagged,
				       .reason = a->reason,
				       .detail = a->detail};
		rc = store_score_put(s, &row, err);
		if (rc == 0 && !a->from_cache && !isnan(a->value))
			rc = store_score_cache_put(s, rr->config_hash, a->text_hash, a->value,
						   a->reason, err);
		score_run_result *res = rr->r->res;
		res->scored[rr->id]++;
		res->flagged[rr->id] += flagged;
		res->failed[rr->id] += isnan(a->value);
		if (isnan(a->value) && !res->failure[rr->id][0])
			snprintf(res->failure[rr->id], sizeof res->failure[rr->id], "%s", a->reason);
		res->cached[rr->id] += a->from_cache;
	}
	/* The answers' samples get their combined score in the same transaction. */
	int64_t *ids = rc == 0 ? malloc(rr->n_done * sizeof *ids) : NULL;
	if (rc == 0 && !ids)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < rr->n_done; i++)
		ids[i] = rr->done[i].sample_id;
	if (rc == 0)
		rc = run_combine_unsorted(rr->r, ids, rr->n_done, err);
	free(ids);
	if (rc == 0)
		rc = store_commit(s, err);
	else
		store_rollback(s);
	rr->n_done = 0;
	return rc;
}

/* The text a request sends, and its cache key. */
static int request_text(remote_run *rr, const store_score_item *it, abuf *text)
{
	if (rr->id == SCORE_CLASSIFIER) {
		/* a pair is sent as the context, a NUL, the text: one cache key */
		int rc = 0;
		if (rr->cfg->pairs && it->context) {
			rc |= score_context_text(it->context, it->context_len, text);
			rc |= abuf_putc(text, '\0');
		}
		return rc | abuf_append(text, it->text, it->text_len);
	}
	const char *tmpl = rr->cfg->prompt ? rr->cfg->prompt : score_default_rubric;
	return score_render_prompt_ctx(tmpl, it->text, it->text_len, it->record, it->record_len,
				       it->context, it->context_len, text);
}

static int json_str(const char *text, size_t n, abuf *out)
{
	int rc = abuf_putc(out, '"');
	for (size_t i = 0; i < n && rc == 0; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '"' || c == '\\')
			rc = abuf_printf(out, "\\%c", c);
		else if (c < 0x20)
			rc = abuf_printf(out, "\\u%04x", c);
		else
			rc = abuf_putc(out, (char)c);
	}
	return rc ? rc : abuf_putc(out, '"');
}

/* {"inputs": TEXT} or, for a pair (context NUL text), {"inputs": [[CONTEXT, TEXT]]}. */
static int classifier_body(const char *text, size_t n, abuf *out)
{
	const char *nul = memchr(text, '\0', n);
	int rc = abuf_puts(out, "{\"inputs\":");
	if (nul) {
		rc |= abuf_puts(out, "[[");
		rc |= json_str(text, (size_t)(nul - text), out);
		rc |= abuf_putc(out, ',');
		rc |= json_str(nul + 1, n - (size_t)(nul - text) - 1, out);
		rc |= abuf_puts(out, "]]");
	} else {
		rc |= json_str(text, n, out);
	}
	return rc ? ASSAY_ENOMEM : abuf_puts(out, ",\"truncate\":true}");
}

/* One sample: from the cache, or a request. */
static int start_item(remote_run *rr, const store_score_item *it, assay_error *err)
{
	abuf text = {0}, body = {0};
	int rc = request_text(rr, it, &text);
	if (rc < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	const char *t = text.data ? text.data : "";
	uint64_t th = text_hash64(t, text.len, 0);
	bool found;
	double v;
	char *why = NULL;
	if ((rc = store_score_cache_get(rr->r->s, rr->config_hash, th, &found, &v, &why, err)) <
	    0) {
		abuf_free(&text);
		return rc;
	}
	if (found) {
		answer *a = new_answer(rr);
		if (a) {
			*a = (answer){
			    .sample_id = it->id, .text_hash = th, .value = v, .from_cache = true};
			snprintf(a->reason, sizeof a->reason, "%s", why);
			snprintf(a->detail, sizeof a->detail, "{\"cached\":true}");
		}
		free(why);
		abuf_free(&text);
		return a ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	remote_req *q = calloc(1, sizeof *q);
	if (!q) {
		abuf_free(&text);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	*q = (remote_req){
	    .rr = rr, .sample_id = it->id, .text_hash = th, .json_format = rr->json_format};
	if (rr->id == SCORE_LLM_JUDGE) {
		q->user = abuf_take(&text);
		rc = q->user ? score_judge_body(rr->cfg, NULL, q->user, q->json_format, &body)
			     : ASSAY_ENOMEM;
	} else {
		rc = classifier_body(t, text.len, &body);
	}
	live_add(rr, q);
	if (rc == 0)
		rc = submit(rr, q, body.data, err);
	else
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (rc < 0)
		live_free(rr, q);
	abuf_free(&text);
	abuf_free(&body);
	return rc;
}

/* Waits on the pool's sockets until at most `most` requests are pending. */
static void drain(remote_run *rr, int64_t most)
{
	struct pollfd fds[1100];
	while (net_pool_pending(rr->pool) > most) {
		long wait_ms;
		int n = net_pool_pollfds(rr->pool, fds, (int)ASSAY_ARRAY_LEN(fds), &wait_ms);
		if (n > 0 || wait_ms > 0)
			poll(fds, n > 0 ? (nfds_t)n : 0,
			     (int)(wait_ms < 0 || wait_ms > 100 ? 100 : wait_ms));
		net_pool_step(rr->pool);
		if (run_stopped(rr->r) || rr->n_done >= 512)
			break;
	}
}

static int check_config(const score_remote *c, enum score_id id, assay_error *err)
{
	const char *name = score_defs[id].name;
	if (!c->endpoint || !*c->endpoint)
		return assay_fail(err, ASSAY_EINVAL,
				  "%s: no endpoint (--endpoint URL or "
				  "score.%s.endpoint in the configuration)",
				  name, name);
	if (strncmp(c->endpoint, "http://", 7) && strncmp(c->endpoint, "https://", 8))
		return assay_fail(err, ASSAY_EINVAL, "%s: the endpoint must be an http(s) URL",
				  name);
	if (id == SCORE_LLM_JUDGE && (!c->model || !*c->model))
		return assay_fail(err, ASSAY_EINVAL, "llm-judge: no model (--model NAME)");
	if (id == SCORE_CLASSIFIER && (!c->label || !*c->label))
		return assay_fail(err, ASSAY_EINVAL, "classifier: no label (--label NAME)");
	return ASSAY_OK;
}

static int feed(remote_run *rr, const store_score_query *q, assay_error *err)
{
	run_ctx *r = rr->r;
	int concurrency = rr->cfg->concurrency > 0 ? rr->cfg->concurrency : 8;
	size_t page_size = (size_t)(concurrency * 4 > 256 ? concurrency * 4 : 256);
	store_score_page page = {0};
	int rc = ASSAY_OK;
	const char *name = score_defs[rr->id].name;
	for (;;) {
		if (run_stopped(r) || rr->rc < 0)
			break;
		if ((rc = store_score_page_next(r->s, q, page_size, &page, err)) < 0 || page.n == 0)
			break;
		for (size_t i = 0; i < page.n && rc == 0; i++)
			rc = start_item(rr, &page.items[i], err);
		/* Keep about two pages' worth in flight while reading on. */
		while (rc == 0 && !run_stopped(r) && net_pool_pending(rr->pool) > (int)page_size) {
			drain(rr, (int64_t)page_size);
			if ((rc = flush(rr, err)) == 0)
				run_progress(r, name, run_position(r, page.last_id), r->scope,
					     false);
		}
		if (rc == 0)
			rc = flush(rr, err);
		if (rc < 0)
			break;
		run_progress(r, name, run_position(r, page.last_id), r->scope, false);
	}
	while (rc == 0 && !run_stopped(r) && net_pool_pending(rr->pool) > 0) {
		drain(rr, 0);
		rc = flush(rr, err);
		run_progress(r, name, run_position(r, page.last_id), r->scope, false);
	}
	store_score_page_free(&page);
	return rc;
}

int run_remote(run_ctx *r, enum score_id id, assay_error *err)
{
	const score_remote *cfg = id == SCORE_LLM_JUDGE ? &r->cfg.judge : &r->cfg.classifier;
	int rc = check_config(cfg, id, err);
	if (rc < 0)
		return rc;
	remote_run rr = {.r = r,
			 .id = id,
			 .cfg = cfg,
			 .json_format = cfg->response_format,
			 .config_hash = score_remote_config_hash(id, cfg),
			 .err = err};
	score_version(id, &r->cfg, rr.version);
	rr.pool = net_pool_new(&cfg->net, cfg->concurrency > 0 ? cfg->concurrency : 8, err);
	if (!rr.pool)
		return err->code;
	store_score_want want = {score_defs[id].name, rr.version};
	store_score_query q = {.batch_ids = r->o->batch_ids,
			       .n_batches = r->o->n_batches,
			       .want = &want,
			       .n_want = 1,
			       .rescore = r->o->rescore,
			       .with_record = score_defs[id].needs & SCORE_NEEDS_RECORD,
			       .min_id = r->min_id};
	int64_t t0 = assay_mono_ns();
	rc = feed(&rr, &q, err);
	/* Stopped: keep what has arrived; requests still out are dropped. */
	if (rc == 0)
		rc = flush(&rr, err);
	net_pool_free(rr.pool);
	while (rr.live)
		live_free(&rr, rr.live);
	free(rr.done);
	r->res->seconds[id] += (double)(assay_mono_ns() - t0) / 1e9;
	return rc < 0 ? rc : rr.rc;
}
