/* context.c — what a sample is judged against (its context fields or the
 * earlier turns of its conversation), and the scores of corrected texts,
 * kept beside the original's so calibration still sees what was generated. */
#include "store_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The stored context is a JSON array; SQLite's own JSON functions take it
 * apart, so the store needs no JSON parser of its own. */
static const char sql_context[] =
	"SELECT json_extract(j.value, '$.name'), json_extract(j.value, '$.role'),"
	"       json_extract(j.value, '$.text')"
	" FROM samples s, json_each(s.context) j WHERE s.id = ? AND json_valid(s.context)"
	" ORDER BY j.key";

void store_turns_free(store_turn *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].role);
		free(v[i].text);
	}
	free(v);
}

static char *col_or_null(sqlite3_stmt *st, int col, bool *nomem)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	char *v = store_col_str(st, col);
	*nomem |= !v;
	return v;
}

int store_sample_context(store *s, int64_t sample_id, store_turn **out, size_t *n,
			 assay_error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql_context, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	size_t cap = 0;
	int rc;
	bool nomem = false;
	while (!nomem && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			store_turn *v = realloc(*out, cap * sizeof *v);
			if (!v) {
				nomem = true;
				break;
			}
			*out = v;
		}
		store_turn *t = &(*out)[(*n)++];
		*t = (store_turn){0};
		t->name = col_or_null(st, 0, &nomem);
		t->role = col_or_null(st, 1, &nomem);
		t->text = col_or_null(st, 2, &nomem);
		if (!t->text && !nomem)
			nomem = !(t->text = assay_strdup(""));
	}
	sqlite3_reset(st);
	if (nomem || rc != SQLITE_DONE) {
		store_turns_free(*out, *n);
		*out = NULL;
		*n = 0;
		return nomem ? assay_fail(err, ASSAY_ENOMEM, "out of memory")
			     : store_sqlerr(s, rc, err, "reading a sample's context");
	}
	return ASSAY_OK;
}

/* A lead's edit wins; else the latest edit among the current verdicts
 * (export's rule for the text of an edited sample). */
static const char sql_edit_latest[] =
	"SELECT text FROM ("
	"  SELECT 1 AS k, text, decided_at FROM adjudications"
	"   WHERE sample_id = ?1 AND verdict = 'edited'"
	"  UNION ALL"
	"  SELECT 0, text, decided_at FROM decisions WHERE sample_id = ?1 AND verdict = 'edited')"
	" WHERE text IS NOT NULL ORDER BY k DESC, decided_at DESC LIMIT 1";

int store_edit_latest(store *s, int64_t sample_id, char **text, bool *found, assay_error *err)
{
	*text = NULL;
	*found = false;
	sqlite3_stmt *st = store_stmt(s, sql_edit_latest, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = true;
		if (!(*text = store_col_str(st, 0)))
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
		else
			rc = ASSAY_OK;
	} else if (rc == SQLITE_DONE) {
		rc = ASSAY_OK;
	} else {
		rc = store_sqlerr(s, rc, err, "reading an edit");
	}
	sqlite3_reset(st);
	return rc;
}

static const char sql_edited_ids[] =
	"SELECT sample_id FROM decisions WHERE sample_id > ?1 AND verdict = 'edited'"
	" UNION SELECT sample_id FROM adjudications WHERE sample_id > ?1 AND verdict = 'edited'"
	" ORDER BY 1 LIMIT ?2";

int store_edited_ids(store *s, int64_t after, int64_t *ids, size_t max, size_t *n,
		     assay_error *err)
{
	return store_ids_page(s, sql_edited_ids, after, ids, max, n, "listing edits", err);
}

static const char sql_edit_put[] =
	"INSERT OR REPLACE INTO edit_scores"
	" (sample_id, scorer, value, flagged, reason, version, text_hash, scored_at)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

int store_edit_score_put(store *s, const store_score_row *r, uint64_t text_hash,
			 assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_edit_put, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, r->sample_id);
	store_bind_text(st, 2, r->scorer, -1);
	if (isnan(r->value))
		sqlite3_bind_null(st, 3);
	else
		sqlite3_bind_double(st, 3, r->value);
	sqlite3_bind_int(st, 4, r->flagged);
	store_bind_text(st, 5, r->reason ? r->reason : "", -1);
	store_bind_text(st, 6, r->version, -1);
	sqlite3_bind_int64(st, 7, (int64_t)text_hash);
	sqlite3_bind_int64(st, 8, assay_now_ms());
	return store_step_done(s, st, err, "writing a corrected text's score");
}

static const char sql_edit_hash[] =
	"SELECT text_hash FROM edit_scores WHERE sample_id = ? LIMIT 1";

int store_edit_scored_hash(store *s, int64_t sample_id, uint64_t *hash, bool *found,
			   assay_error *err)
{
	*found = false;
	sqlite3_stmt *st = store_stmt(s, sql_edit_hash, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = true;
		*hash = (uint64_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		   ? ASSAY_OK
		   : store_sqlerr(s, rc, err, "reading a corrected text's scores");
}

static const char sql_edit_quality[] = "UPDATE samples SET edit_quality = ? WHERE id = ?";

int store_edit_quality_set(store *s, int64_t sample_id, double quality, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_edit_quality, err);
	if (!st)
		return err->code;
	if (isnan(quality))
		sqlite3_bind_null(st, 1);
	else
		sqlite3_bind_double(st, 1, quality);
	sqlite3_bind_int64(st, 2, sample_id);
	return store_step_done(s, st, err, "writing a corrected text's combined score");
}

static const char sql_edit_get[] =
	"SELECT scorer, version, value, flagged, reason, '' AS detail, scored_at"
	" FROM edit_scores WHERE sample_id = ? ORDER BY scorer";
/* The corrected text's combined score, and whether the sample is edited
 * now (an annotator's current verdict or an adjudication: as export reads
 * it); an undone edit's scores stay in the table but are not its own. */
static const char sql_edit_q[] =
	"SELECT edit_quality, EXISTS (SELECT 1 FROM decisions e WHERE e.sample_id = ?1"
	" AND e.verdict = 'edited') OR EXISTS (SELECT 1 FROM adjudications e"
	" WHERE e.sample_id = ?1 AND e.verdict = 'edited') FROM samples WHERE id = ?1";

static int edit_quality_only(store *s, int64_t sample_id, double *quality, bool *edited,
			     assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_edit_q, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	int rc = sqlite3_step(st);
	*edited = rc == SQLITE_ROW && sqlite3_column_int(st, 1);
	if (*edited && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*quality = sqlite3_column_double(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ASSAY_OK
						     : store_sqlerr(s, rc, err, "reading a sample");
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
	return store_scores_read(s, sql_edit_get, sample_id, out, n,
				 "reading a corrected text's scores", err);
}
