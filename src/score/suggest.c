/* suggest.c — the review screen's "suggest a correction": one chat request
 * on a pool the screen steps from its event loop, so it never blocks. */
#include <stdlib.h>
#include <string.h>

#include "score_int.h"

typedef struct suggest_req {
	score_suggester *sg;
	score_suggest_fn done;
	void *ud;
	struct suggest_req *prev, *next;
} suggest_req;

struct score_suggester {
	score_remote judge; /* copies of the endpoint and model */
	suggest_req *live;  /* requests not finished */
};

score_suggester *score_suggester_new(const score_remote *judge, assay_error *err)
{
	if (!judge->endpoint || !*judge->endpoint) {
		assay_fail(err, ASSAY_EINVAL,
			   "no endpoint for suggestions (score.llm-judge.endpoint)");
		return NULL;
	}
	score_suggester *sg = calloc(1, sizeof *sg);
	if (!sg || !(sg->judge.endpoint = assay_strdup(judge->endpoint)) ||
	    (judge->model && !(sg->judge.model = assay_strdup(judge->model)))) {
		score_suggester_free(sg);
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	return sg;
}

void score_suggester_free(score_suggester *sg)
{
	if (!sg)
		return;
	while (sg->live) {
		suggest_req *r = sg->live;
		sg->live = r->next;
		free(r);
	}
	free(sg->judge.endpoint);
	free(sg->judge.model);
	free(sg);
}

static void unlink_req(suggest_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		r->sg->live = r->next;
	if (r->next)
		r->next->prev = r->prev;
}

static void on_done(void *ud, const net_response *resp)
{
	suggest_req *r = ud;
	assay_error err = resp->err;
	abuf text = {0};
	if (err.code == ASSAY_OK)
		score_suggest_parse(resp->body.data ? resp->body.data : "", resp->body.len, &text,
				    &err);
	if (err.code == ASSAY_OK)
		r->done(r->ud, text.data, text.len, NULL);
	else
		r->done(r->ud, NULL, 0, &err);
	abuf_free(&text);
	unlink_req(r);
	free(r);
}

int score_suggest_submit(score_suggester *sg, net_pool *pool, const char *text, size_t len,
			 score_suggest_fn done, void *ud, assay_error *err)
{
	abuf body = {0};
	if (score_suggest_body(&sg->judge, text, len, &body) < 0) {
		abuf_free(&body);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	suggest_req *r = calloc(1, sizeof *r);
	if (!r) {
		abuf_free(&body);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	*r = (suggest_req){.sg = sg, .done = done, .ud = ud, .next = sg->live};
	net_request req = {.url = sg->judge.endpoint, .body = body.data, .done = on_done};
	int rc = net_pool_submit(pool, &req, r, err);
	abuf_free(&body);
	if (rc < 0) {
		free(r);
		return rc;
	}
	if (sg->live)
		sg->live->prev = r;
	sg->live = r;
	return ASSAY_OK;
}
