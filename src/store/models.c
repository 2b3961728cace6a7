/* models.c — the learned models: every version kept, the newest in use.
 * A model is written in one statement, so a killed `learn` leaves the
 * previous version whole. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

int store_decided_count(store *s, int64_t *n, assay_error *err)
{
	static const char sql_decided_count[] =
		/* the decisions in their key's order (sample first): as long as
		 * the verdicts, not the samples */
		"SELECT count(*) FROM (SELECT DISTINCT d.sample_id FROM decisions d"
		" WHERE d.verdict <> 'skipped'"
		" AND d.annotator_id NOT IN (SELECT id FROM annotators"
		"   WHERE substr(name, 1, length('" STORE_AUTO_PREFIX "')) = '" STORE_AUTO_PREFIX "'))";
	sqlite3_stmt *st = store_stmt(s, sql_decided_count, err);
	if (!st)
		return err->code;
	int rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ASSAY_OK : store_sqlerr(s, rc, err, "counting the decided samples");
}

void store_model_free(store_model *m)
{
	if (!m)
		return;
	free(m->info);
	free(m->bytes);
	*m = (store_model){0};
}

int store_model_put(store *s, const char *name, const store_model *m, int64_t *version,
		    assay_error *err)
{
	static const char sql_model_put[] =
		"INSERT INTO models (name, created_at, n_rejected, n_kept, info, model) "
		"VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = store_stmt(s, sql_model_put, err);
	if (!st)
		return err->code;
	store_bind_text(st, 1, name, -1);
	sqlite3_bind_int64(st, 2, m->created_at);
	sqlite3_bind_int64(st, 3, m->n_rejected);
	sqlite3_bind_int64(st, 4, m->n_kept);
	store_bind_text(st, 5, m->info ? m->info : "{}", -1);
	sqlite3_bind_blob64(st, 6, m->bytes, m->len, SQLITE_STATIC);
	int rc = store_step_done(s, st, err, "storing the model");
	if (rc == 0 && version)
		*version = sqlite3_last_insert_rowid(s->db);
	return rc;
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
