/* pair_b.c — candidate b of a pair scored by the rule scorers a scoring
 * run runs (candidate a is the sample's own text, scored with the others),
 * with the pair's context and record, so the pair screen shows both
 * sides' scores. A page of pairs per transaction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "score_int.h"

#define PAIR_PAGE 256

static int score_b(run_ctx *r, int64_t id, const enum score_id *ids,
		   const store_score_want *want, size_t n, assay_error *err)
{
	store_pair p;
	bool found;
	int rc = store_pair_get(r->s, id, &p, &found, err);
	if (rc < 0 || !found)
		return rc;
	store_sample smp;
	if ((rc = store_sample_get(r->s, id, &smp, err)) < 0) {
		store_pair_free(&p);
		return rc;
	}
	store_score_item it = {.id = id,
			       .text = p.b_text,
			       .text_len = strlen(p.b_text),
			       .text_field = p.b_field,
			       .record = smp.record,
			       .record_len = strlen(smp.record),
			       .context = smp.context,
			       .context_len = smp.context ? strlen(smp.context) : 0,
			       .kind = smp.kind};
	rc = run_analyse(r, &it, err);
	for (size_t i = 0; i < n && rc == 0; i++) {
		score_result res;
		score_text_run(ids[i], &r->text, &r->cfg, &res);
		store_score_row row = {.sample_id = id,
				       .scorer = want[i].scorer,
				       .version = want[i].version,
				       .value = res.value,
				       .flagged = res.flagged,
				       .reason = res.reason,
				       .detail = res.detail};
		rc = store_pair_b_score_put(r->s, &row, err);
	}
	store_sample_free(&smp);
	store_pair_free(&p);
	return rc;
}

int run_pairs_b(run_ctx *r, const enum score_id *ids, size_t n, assay_error *err)
{
	store_score_want want[SCORE_COUNT];
	char versions[SCORE_COUNT][32];
	for (size_t i = 0; i < n; i++) {
		score_version(ids[i], &r->cfg, versions[i]);
		want[i] = (store_score_want){score_defs[ids[i]].name, versions[i]};
	}
	store_score_query q = {.batch_ids = r->o->batch_ids,
			       .n_batches = r->o->n_batches,
			       .want = want,
			       .n_want = n,
			       .rescore = r->o->rescore};
	int64_t page[PAIR_PAGE], after = 0;
	size_t got;
	int rc = ASSAY_OK;
	while (!run_stopped(r) &&
	       (rc = store_pair_b_todo(r->s, &q, &after, page, PAIR_PAGE, &got, err)) == 0 &&
	       got) {
		if ((rc = store_begin(r->s, err)) < 0)
			return rc;
		for (size_t i = 0; i < got && rc == 0; i++)
			rc = score_b(r, page[i], ids, want, n, err);
		if (rc < 0) {
			store_rollback(r->s);
			return rc;
		}
		if ((rc = store_commit(r->s, err)) < 0)
			return rc;
		run_progress(r, "candidate b", run_position(r, after), r->scope, false);
	}
	return rc;
}
