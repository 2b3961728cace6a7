/* context.c — what a sample is judged against (its context fields or the
 * earlier turns of its conversation), and the scores of corrected texts,
 * kept beside the original's so calibration still sees what was generated. */
#include "json_pg.h"
#include "store_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The stored context is a JSON array; the engine's own JSON functions take
 * it apart, so the store needs no JSON parser of its own. (PostgreSQL's
 * json type, not jsonb: it keeps every string as written; a string cut at
 * a \u0000 escape, as SQLite reads it, where the server would refuse it.) */
static const dbi_query q_context = {
    "sample_context",
    "SELECT json_extract(j.value, '$.name'), json_extract(j.value, '$.role'),"
    "       json_extract(j.value, '$.text')"
    " FROM samples s, json_each(s.context) j WHERE s.id = ? AND json_valid(s.context)"
    " ORDER BY j.key",
    "SELECT j.value ->> 'name', j.value ->> 'role', j.value ->> 'text'"
    " FROM samples s CROSS JOIN LATERAL (SELECT " JSON_SAFE_PG("s.context") " AS c) x,"
    " json_array_elements(CASE WHEN json_typeof(x.c) = 'array'"
    "   THEN x.c ELSE '[]'::json END) WITH ORDINALITY j(value, k)"
    " WHERE s.id = $1 ORDER BY j.k"};

void store_turns_free(store_turn *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].role);
		free(v[i].text);
	}
	free(v);
}

static char *col_or_null(dbi_stmt *st, int col, bool *nomem)
{
	if (dbi_col_null(st, col))
		return NULL;
	char *v = store_dcol_str(st, col);
	*nomem |= !v;
	return v;
}

int store_sample_context(store *s, int64_t sample_id, store_turn **out, size_t *n,
			 assay_error *err)
{
	*out = NULL;
	*n = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_context, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	size_t cap = 0;
	int rc;
	bool nomem = false;
	while (!nomem && (rc = dbi_step(st, err, "reading a sample's context")) == DBI_ROW) {
		if (ASSAY_GROW(*out, *n + 1, cap, 8) < 0) {
			nomem = true;
			break;
		}
		store_turn *t = &(*out)[(*n)++];
		*t = (store_turn){0};
		t->name = col_or_null(st, 0, &nomem);
		t->role = col_or_null(st, 1, &nomem);
		t->text = col_or_null(st, 2, &nomem);
		if (!t->text && !nomem)
			nomem = !(t->text = assay_strdup(""));
	}
	dbi_reset(st);
	if (nomem || rc != DBI_DONE) {
		store_turns_free(*out, *n);
		*out = NULL;
		*n = 0;
		return nomem ? assay_fail(err, ASSAY_ENOMEM, "out of memory") : rc;
	}
	return ASSAY_OK;
}

/* A lead's edit wins; else the latest edit among the current verdicts
 * (export's rule for the text of an edited sample). */
static const dbi_query q_edit_latest = {
    "edit_latest",
    "SELECT text FROM ("
    "  SELECT 1 AS k, text, decided_at FROM adjudications"
    "   WHERE sample_id = ?1 AND verdict = 'edited'"
    "  UNION ALL"
    "  SELECT 0, text, decided_at FROM decisions WHERE sample_id = ?1 AND verdict = 'edited')"
    " WHERE text IS NOT NULL ORDER BY k DESC, decided_at DESC LIMIT 1",
    "SELECT text FROM ("
    "  SELECT 1 AS k, text, decided_at FROM adjudications"
    "   WHERE sample_id = $1 AND verdict = 'edited'"
    "  UNION ALL"
    "  SELECT 0, text, decided_at FROM decisions WHERE sample_id = $1 AND verdict = 'edited')"
    " AS e WHERE text IS NOT NULL ORDER BY k DESC, decided_at DESC LIMIT 1"};

int store_edit_latest(store *s, int64_t sample_id, char **text, bool *found, assay_error *err)
{
	*text = NULL;
	*found = false;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_edit_latest, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	int rc = dbi_step(st, err, "reading an edit");
	if (rc == DBI_ROW) {
		*found = true;
		if (!(*text = store_dcol_str(st, 0)))
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
		else
			rc = ASSAY_OK;
	}
	dbi_reset(st);
	return rc;
}

static const dbi_query q_edited_ids = {
    "edited_ids",
    "SELECT sample_id FROM decisions WHERE sample_id > ?1 AND verdict = 'edited'"
    " UNION SELECT sample_id FROM adjudications WHERE sample_id > ?1 AND verdict = 'edited'"
    " ORDER BY 1 LIMIT ?2",
    NULL};

int store_edited_ids(store *s, int64_t after, int64_t *ids, size_t max, size_t *n,
		     assay_error *err)
{
	*n = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_edited_ids, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, after);
	dbi_bind_i64(st, 2, (int64_t)max);
	int rc = DBI_DONE;
	while (*n < max && (rc = dbi_step(st, err, "listing edits")) == DBI_ROW)
		ids[(*n)++] = dbi_col_i64(st, 0);
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

static const dbi_query q_edit_put = {
    "edit_score_put",
    "INSERT OR REPLACE INTO edit_scores"
    " (sample_id, scorer, value, flagged, reason, version, text_hash, scored_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO edit_scores"
    " (sample_id, scorer, value, flagged, reason, version, text_hash, scored_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sample_id, scorer) DO UPDATE SET"
    " value = excluded.value, flagged = excluded.flagged, reason = excluded.reason,"
    " version = excluded.version, text_hash = excluded.text_hash,"
    " scored_at = excluded.scored_at"};

int store_edit_score_put(store *s, const store_score_row *r, uint64_t text_hash,
			 assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_edit_put, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, r->sample_id);
	dbi_bind_text(st, 2, r->scorer, -1);
	if (isnan(r->value))
		dbi_bind_null(st, 3);
	else
		dbi_bind_f64(st, 3, r->value);
	dbi_bind_i64(st, 4, r->flagged);
	dbi_bind_text(st, 5, r->reason ? r->reason : "", -1);
	dbi_bind_text(st, 6, r->version, -1);
	dbi_bind_i64(st, 7, (int64_t)text_hash);
	dbi_bind_i64(st, 8, assay_now_ms());
	return dbi_run(st, err, "writing a corrected text's score");
}

static const dbi_query q_edit_hash = {
    "edit_scored_hash", "SELECT text_hash FROM edit_scores WHERE sample_id = ? LIMIT 1", NULL};

int store_edit_scored_hash(store *s, int64_t sample_id, uint64_t *hash, bool *found,
			   assay_error *err)
{
	*found = false;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_edit_hash, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	int rc = dbi_step(st, err, "reading a corrected text's scores");
	if (rc == DBI_ROW) {
		*found = true;
		*hash = (uint64_t)dbi_col_i64(st, 0);
	}
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

static const dbi_query q_edit_quality = {
    "edit_quality_set", "UPDATE samples SET edit_quality = ? WHERE id = ?", NULL};

int store_edit_quality_set(store *s, int64_t sample_id, double quality, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_edit_quality, err);
	if (!st)
		return err->code;
	if (isnan(quality))
		dbi_bind_null(st, 1);
	else
		dbi_bind_f64(st, 1, quality);
	dbi_bind_i64(st, 2, sample_id);
	return dbi_run(st, err, "writing a corrected text's combined score");
}

static const dbi_query q_edit_get = {
    "edit_scores_get",
    "SELECT scorer, version, value, flagged, reason, scored_at"
    " FROM edit_scores WHERE sample_id = ?1 ORDER BY scorer",
    NULL};
/* The corrected text's combined score, and whether the sample is edited
 * now (an annotator's current verdict or an adjudication: as export reads
 * it); an undone edit's scores stay in the table but are not its own. */
static const dbi_query q_edit_q = {
    "edit_quality_get",
    "SELECT edit_quality, EXISTS (SELECT 1 FROM decisions e WHERE e.sample_id = ?1"
    " AND e.verdict = 'edited') OR EXISTS (SELECT 1 FROM adjudications e"
    " WHERE e.sample_id = ?1 AND e.verdict = 'edited') FROM samples WHERE id = ?1",
    NULL};

static int edit_quality_only(store *s, int64_t sample_id, double *quality, bool *edited,
			     assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_edit_q, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	int rc = dbi_step(st, err, "reading a sample");
	*edited = rc == DBI_ROW && dbi_col_i64(st, 1);
	if (*edited && !dbi_col_null(st, 0))
		*quality = dbi_col_f64(st, 0);
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

int store_edit_scores_get(store *s, int64_t sample_id, store_score **out, size_t *n,
			  double *quality, assay_error *err)
{
	*quality = NAN;
	*out = NULL;
	*n = 0;
	bool edited = false;
	int rc = edit_quality_only(s, sample_id, quality, &edited, err);
	if (rc < 0 || !edited)
		return rc;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_edit_get, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	size_t cap = 0;
	while ((rc = dbi_step(st, err, "reading a corrected text's scores")) == DBI_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			store_score *v = realloc(*out, cap * sizeof *v);
			if (!v) {
				rc = ASSAY_ENOMEM;
				break;
			}
			*out = v;
		}
		store_score *x = &(*out)[(*n)++];
		*x = (store_score){.scorer = store_dcol_str(st, 0), .version = store_dcol_str(st, 1),
				   .value = dbi_col_null(st, 2) ? NAN : dbi_col_f64(st, 2),
				   .flagged = dbi_col_i64(st, 3) != 0, .reason = store_dcol_str(st, 4),
				   .detail = assay_strdup(""), .scored_at = dbi_col_i64(st, 5)};
		if (!x->scorer || !x->version || !x->reason || !x->detail) {
			rc = ASSAY_ENOMEM;
			break;
		}
	}
	dbi_reset(st);
	if (rc == ASSAY_OK)
		return ASSAY_OK;
	store_scores_free(*out, *n);
	*out = NULL;
	*n = 0;
	return rc == ASSAY_ENOMEM ? assay_fail(err, rc, "out of memory") : rc;
}
