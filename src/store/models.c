/* models.c — the learned models: every version kept, the newest in use.
 * A model is written in one statement, so a killed `learn` leaves the
 * previous version whole. */
#include "store_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The decisions in their key's order (sample first): as long as the
 * verdicts, not the samples. The same text on both engines. */
static const dbi_query q_decided_count = {
    "decided_count",
    "SELECT count(*) FROM (SELECT DISTINCT d.sample_id FROM decisions d"
    " WHERE d.verdict <> 'skipped'"
    " AND d.annotator_id NOT IN (SELECT id FROM annotators"
    "   WHERE substr(name, 1, length('" STORE_AUTO_PREFIX "')) = '" STORE_AUTO_PREFIX "')) AS v",
    NULL};

int store_decided_count(store *s, int64_t *n, assay_error *err)
{
	*n = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_decided_count, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "counting the decided samples");
	if (rc == DBI_ROW)
		*n = dbi_col_i64(st, 0);
	dbi_reset(st);
	return rc == DBI_ROW ? ASSAY_OK
	       : rc < 0      ? rc
			     : assay_fail(err, ASSAY_EDB, "counting the decided samples: no count");
}

/* The newest version's out-of-fold ROC AUC, as `learn` measured it (the
 * figure its info holds), without its bytes. */
static const dbi_query q_model_oof = {
    "model_oof",
    "SELECT id, json_extract(info, '$.out_of_fold_auc.auc') FROM models"
    " WHERE name = ?1 ORDER BY id DESC LIMIT 1",
    "SELECT id, (info::json -> 'out_of_fold_auc' ->> 'auc')::float8 FROM models"
    " WHERE name = $1 ORDER BY id DESC LIMIT 1"};

int store_model_oof_auc(store *s, const char *name, int64_t *version, double *auc,
			assay_error *err)
{
	*version = 0;
	*auc = NAN;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_model_oof, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, name, -1);
	int rc = dbi_step(st, err, "reading the model's figures");
	if (rc == DBI_ROW) {
		*version = dbi_col_i64(st, 0);
		if (!dbi_col_null(st, 1))
			*auc = dbi_col_f64(st, 1);
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

void store_model_free(store_model *m)
{
	if (!m)
		return;
	free(m->info);
	free(m->bytes);
	*m = (store_model){0};
}

static const dbi_query q_model_put = {
    "model_put",
    "INSERT INTO models (name, created_at, n_rejected, n_kept, info, model)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
    NULL};

int store_model_put(store *s, const char *name, const store_model *m, int64_t *version,
		    assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_model_put, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, name, -1);
	dbi_bind_i64(st, 2, m->created_at);
	dbi_bind_i64(st, 3, m->n_rejected);
	dbi_bind_i64(st, 4, m->n_kept);
	dbi_bind_text(st, 5, m->info ? m->info : "{}", -1);
	dbi_bind_blob(st, 6, m->bytes, m->len);
	int rc = dbi_step(st, err, "storing the model");
	if (rc == DBI_ROW && version)
		*version = dbi_col_i64(st, 0);
	dbi_reset(st);
	return rc == DBI_ROW ? ASSAY_OK
	       : rc < 0      ? rc
			     : assay_fail(err, ASSAY_EDB, "storing the model: no id returned");
}

static const dbi_query q_model_latest = {
    "model_latest",
    "SELECT id, created_at, n_rejected, n_kept, info, model FROM models"
    " WHERE name = ?1 ORDER BY id DESC LIMIT 1",
    NULL};

int store_model_latest(store *s, const char *name, store_model *out, bool *found,
		       assay_error *err)
{
	*out = (store_model){0};
	*found = false;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_model_latest, err);
	if (!st)
		return err->code;
	dbi_bind_text(st, 1, name, -1);
	int rc = dbi_step(st, err, "reading the model");
	if (rc != DBI_ROW) {
		dbi_reset(st);
		return rc;
	}
	out->version = dbi_col_i64(st, 0);
	out->created_at = dbi_col_i64(st, 1);
	out->n_rejected = dbi_col_i64(st, 2);
	out->n_kept = dbi_col_i64(st, 3);
	out->info = store_dcol_str(st, 4);
	const void *blob = dbi_col_blob(st, 5, &out->len);
	out->bytes = malloc(out->len ? out->len : 1);
	if (out->bytes && out->len)
		memcpy(out->bytes, blob, out->len);
	dbi_reset(st);
	if (!out->info || !out->bytes) {
		store_model_free(out);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory reading the model");
	}
	*found = true;
	return ASSAY_OK;
}
