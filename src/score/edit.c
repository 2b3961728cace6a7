/* edit.c — an edited sample's corrected text scored by the built-in text
 * scorers, kept beside the original's scores (which stay for calibration:
 * they describe what the generator wrote). The combined score of the
 * correction takes the corrected text's values for the text scorers and
 * the original's for the others (near-duplicates, remote, learned). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"
#include "run_int.h"
#include "score_int.h"

typedef struct edit_ctx {
	store *s;
	const score_config *cfg;
	score_text text;
	abuf context;
} edit_ctx;

/* The original's values for the scorers that do not read the text alone. */
static int other_values(edit_ctx *e, int64_t id, double *values, assay_error *err)
{
	store_score *v;
	size_t n;
	int rc = store_scores_get(e->s, id, &v, &n, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const score_def *d = score_find(v[i].scorer);
		if (d && d->kind != SCORE_KIND_TEXT)
			values[d - score_defs] = v[i].value;
	}
	store_scores_free(v, n);
	return ASSAY_OK;
}

static int put_scores(edit_ctx *e, const store_sample *smp, const char *text, uint64_t hash,
		      assay_error *err)
{
	store_score_item it = {.id = smp->id,
			       .text = text,
			       .text_len = strlen(text),
			       .text_field = smp->text_field,
			       .record = smp->record,
			       .record_len = strlen(smp->record),
			       .context = smp->context,
			       .context_len = smp->context ? strlen(smp->context) : 0,
			       .kind = smp->kind};
	run_ctx r = {.cfg = *e->cfg, .text = e->text, .context = e->context};
	int rc = run_analyse(&r, &it, err);
	e->text = r.text;
	e->context = r.context;
	double values[SCORE_COUNT];
	for (size_t i = 0; i < SCORE_COUNT; i++)
		values[i] = NAN;
	if (rc == 0)
		rc = other_values(e, smp->id, values, err);
	for (size_t i = 0; i < SCORE_COUNT && rc == 0; i++) {
		if (!score_defs[i].builtin || score_defs[i].kind != SCORE_KIND_TEXT)
			continue;
		score_result res;
		char version[32];
		score_text_run((enum score_id)i, &e->text, e->cfg, &res);
		score_version((enum score_id)i, e->cfg, version);
		store_score_row row = {.sample_id = smp->id,
				       .scorer = score_defs[i].name,
				       .version = version,
				       .value = res.value,
				       .flagged = res.flagged,
				       .reason = res.reason};
		rc = store_edit_score_put(e->s, &row, hash, err);
		values[i] = res.value;
	}
	if (rc == 0)
		rc = store_edit_quality_set(e->s, smp->id,
					    score_combine(values, e->cfg->weight, SCORE_COUNT), err);
	return rc;
}

/* The sample's latest correction (*text NULL: none, or its scores are
 * those of this text already) and its hash. */
static int edit_stale(edit_ctx *e, int64_t sample_id, char **text, uint64_t *hash,
		      assay_error *err)
{
	bool found, have;
	uint64_t old = 0;
	*text = NULL;
	int rc = store_edit_latest(e->s, sample_id, text, &found, err);
	if (rc < 0 || !found)
		return rc;
	*hash = text_hash64(*text, strlen(*text), 0);
	if ((rc = store_edit_scored_hash(e->s, sample_id, &old, &have, err)) < 0 ||
	    (have && old == *hash)) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

static int edit_one(edit_ctx *e, int64_t sample_id, bool *scored, assay_error *err)
{
	char *text;
	uint64_t hash = 0;
	*scored = false;
	int rc = edit_stale(e, sample_id, &text, &hash, err);
	if (rc < 0 || !text)
		return rc;
	store_sample smp;
	if ((rc = store_sample_get(e->s, sample_id, &smp, err)) == 0 && isnan(smp.quality)) {
		/* the original was never scored (import --no-score): nothing to set
		 * the correction beside */
		store_sample_free(&smp);
	} else if (rc == 0) {
		bool own = !store_in_tx(e->s);
		if (own && (rc = store_begin(e->s, err)) < 0) {
			store_sample_free(&smp);
			free(text);
			return rc;
		}
		rc = put_scores(e, &smp, text, hash, err);
		if (own && rc == 0)
			rc = store_commit(e->s, err);
		else if (own)
			store_rollback(e->s);
		*scored = rc == 0;
		store_sample_free(&smp);
	}
	free(text);
	return rc;
}

static void edit_free(edit_ctx *e)
{
	score_text_free(&e->text);
	abuf_free(&e->context);
}

int score_edit(store *s, const score_config *cfg, int64_t sample_id, bool *scored,
	       assay_error *err)
{
	edit_ctx e = {.s = s, .cfg = cfg};
	int rc = edit_one(&e, sample_id, scored, err);
	edit_free(&e);
	return rc;
}

/* The edited samples whose correction has no scores of its text yet, in
 * one read transaction (a statement of its own per sample took and let go
 * of the database's locks twice a sample: 0.6 s at 100,000 corrections). */
static int edits_stale(edit_ctx *e, int64_t **out, size_t *n_out, assay_error *err)
{
	int64_t ids[512], after = 0, *v = NULL;
	size_t got, n = 0, cap = 0;
	bool own = !store_in_tx(e->s);
	int rc = own ? store_read_begin(e->s, err) : ASSAY_OK;
	while (rc == 0 &&
	       (rc = store_edited_ids(e->s, after, ids, ASSAY_ARRAY_LEN(ids), &got, err)) == 0 &&
	       got) {
		for (size_t i = 0; i < got && rc == 0; i++) {
			char *text;
			uint64_t hash;
			if ((rc = edit_stale(e, ids[i], &text, &hash, err)) < 0 || !text)
				continue;
			free(text);
			if (ASSAY_GROW(v, n + 1, cap, 64) < 0)
				rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
			else
				v[n++] = ids[i];
		}
		after = ids[got - 1];
	}
	if (own && store_in_tx(e->s))
		store_read_end(e->s);
	*out = v;
	*n_out = n;
	return rc;
}

int score_edits_pending(store *s, const score_config *cfg, int64_t *n, assay_error *err)
{
	edit_ctx e = {.s = s, .cfg = cfg};
	int64_t *ids = NULL;
	size_t count = 0;
	*n = 0;
	int rc = edits_stale(&e, &ids, &count, err);
	for (size_t i = 0; i < count && rc == 0; i++) {
		bool scored;
		rc = edit_one(&e, ids[i], &scored, err);
		*n += scored;
	}
	free(ids);
	edit_free(&e);
	return rc;
}
