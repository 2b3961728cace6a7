/* auto.c — what `decide --auto` reads: the undecided samples the newest
 * model would reject, walked by the learned value from the likeliest
 * rejection up to a threshold (the partial index sample_scores_by_learned). */
#include "auto_pg.h"
#include "store_int.h"

#include <math.h>
#include <stdlib.h>

/* Undecided: no verdict but skips and no adjudication. ?1 max value, ?2
 * the model, ?3 limit, (?4, ?5) the cursor. */
#define UNDECIDED                                                                                  \
	" NOT EXISTS (SELECT 1 FROM decisions d WHERE d.sample_id = s.id"                         \
	"             AND d.verdict <> 'skipped')"                                                 \
	" AND NOT EXISTS (SELECT 1 FROM adjudications a WHERE a.sample_id = s.id)"
#define OF_MODEL(col) "CASE WHEN json_valid(" col ") THEN json_extract(" col ", '$.model') END"

/* The learned score's reason and detail (score_pack.c), beside the row sc. */
#define LEARNED_SLOT "(SELECT k.slot FROM scorers k WHERE k.name = 'learned')"
#define LEARNED_NOTE(part)                                                                         \
	"(SELECT note_at(n.notes, " LEARNED_SLOT ", " part ") FROM score_notes n"                  \
	" WHERE n.sample_id = sc.sample_id)"

static const char sql_auto_page[] =
	"SELECT s.id, s.ext_id, sc.learned, coalesce(" LEARNED_NOTE("0") ", ''),"
	" CASE WHEN json_valid(" LEARNED_NOTE("1") ") THEN json_extract(" LEARNED_NOTE("1")
	", '$.reason') END"
	" FROM sample_scores sc INDEXED BY sample_scores_by_learned"
	" JOIN samples s ON s.id = sc.sample_id"
	" WHERE sc.learned IS NOT NULL AND (sc.learned, sc.sample_id) > (?4, ?5)"
	" AND sc.learned <= ?1 AND " OF_MODEL(LEARNED_NOTE("1")) " = ?2 AND" UNDECIDED
	" ORDER BY sc.learned, sc.sample_id LIMIT ?3";

static const char sql_auto_unscored[] =
	"SELECT count(*) FROM samples s WHERE" UNDECIDED
	" AND NOT EXISTS (SELECT 1 FROM sample_scores sc WHERE sc.sample_id = s.id"
	"                 AND sc.learned IS NOT NULL"
	"                 AND " OF_MODEL(LEARNED_NOTE("1")) " = ?1)";

static const char sql_auto_open[] =
	"SELECT 1 FROM samples s WHERE s.id = ?1 AND" UNDECIDED
	" AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.sample_id = s.id AND l.expires_at > ?2)";

int store_auto_open(store *s, int64_t sample_id, int64_t now_ms, bool *open, assay_error *err)
{
	if (s->pg)
		return store_auto_open_pg(s, sample_id, now_ms, open, err);
	sqlite3_stmt *st = store_stmt(s, sql_auto_open, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	sqlite3_bind_int64(st, 2, now_ms);
	int rc = sqlite3_step(st);
	*open = rc == SQLITE_ROW;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ASSAY_OK
						     : store_sqlerr(s, rc, err, "checking a sample");
}

void store_auto_rows_free(store_auto_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].ext_id);
		free(rows[i].why);
		free(rows[i].likely);
	}
	free(rows);
}

/* One result row into r; ASSAY_ENOMEM. */
static int read_row(sqlite3_stmt *st, store_auto_row *r, assay_error *err)
{
	r->sample_id = sqlite3_column_int64(st, 0);
	r->ext_id = store_col_str(st, 1);
	r->value = sqlite3_column_double(st, 2);
	r->why = store_col_str(st, 3);
	r->likely = sqlite3_column_type(st, 4) == SQLITE_TEXT ? store_col_str(st, 4) : NULL;
	if (!r->ext_id || !r->why || (sqlite3_column_type(st, 4) == SQLITE_TEXT && !r->likely))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return ASSAY_OK;
}

int store_auto_page(store *s, int64_t model, double max_value, size_t max, double *after_value,
		    int64_t *after_id, store_auto_row **rows, size_t *n, assay_error *err)
{
	if (s->pg)
		return store_auto_page_pg(s, model, max_value, max, after_value, after_id, rows, n,
					  err);
	*rows = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql_auto_page, err);
	if (!st)
		return err->code;
	if (!(*rows = calloc(max ? max : 1, sizeof **rows)))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	sqlite3_bind_double(st, 1, max_value);
	sqlite3_bind_int64(st, 2, model);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	sqlite3_bind_double(st, 4, *after_value);
	sqlite3_bind_int64(st, 5, *after_id);
	int rc, out = ASSAY_OK;
	while (out == ASSAY_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		out = read_row(st, &(*rows)[(*n)++], err);
	if (out == ASSAY_OK && rc != SQLITE_DONE)
		out = store_sqlerr(s, rc, err, "reading the learned scores");
	sqlite3_reset(st);
	if (out == ASSAY_OK && *n) {
		*after_value = (*rows)[*n - 1].value;
		*after_id = (*rows)[*n - 1].sample_id;
	}
	if (out < 0) {
		store_auto_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return out;
}

int store_auto_unscored(store *s, int64_t model, int64_t *n, assay_error *err)
{
	if (s->pg)
		return store_auto_unscored_pg(s, model, n, err);
	sqlite3_stmt *st = store_stmt(s, sql_auto_unscored, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, model);
	int rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ASSAY_OK : store_sqlerr(s, rc, err, "counting samples");
}

/* A row's reason: the one given, else the model's likely one, else
 * "other". */
const char *store_auto_reason(const store_auto_row *r, const char *reason)
{
	return reason ? reason : r->likely ? r->likely : "other";
}

/* Each row in turn: checked again, then rejected as any decision is. */
static int reject_each(store *s, int64_t who, const store_auto_row *rows, size_t n,
		       const char *reason, int64_t *done, assay_error *err)
{
	int64_t now = assay_now_ms();
	int rc = ASSAY_OK;
	for (size_t i = 0; rc == ASSAY_OK && i < n; i++) {
		bool open = false;
		if ((rc = store_auto_open(s, rows[i].sample_id, now, &open, err)) < 0 || !open)
			continue;
		store_decision_in in = {.sample_id = rows[i].sample_id, .annotator_id = who,
					.kind = STORE_REJECT, .session = "auto",
					.reason = store_auto_reason(&rows[i], reason)};
		int64_t event;
		rc = store_decide(s, &in, &event, err);
		*done += rc == ASSAY_OK;
	}
	return rc;
}

int store_auto_reject(store *s, int64_t who, const store_auto_row *rows, size_t n,
		      const char *reason, int64_t *done, assay_error *err)
{
	*done = 0;
	int rc = store_begin(s, err);
	if (rc == ASSAY_OK && s->pg)
		rc = store_auto_reject_pg(s, who, rows, n, reason, done, err);
	if (rc == ASSAY_OK)
		rc = reject_each(s, who, rows, n, reason, done, err);
	else if (rc == 1)
		rc = ASSAY_OK;
	if (rc == ASSAY_OK)
		return store_commit(s, err);
	if (store_in_tx(s))
		store_rollback(s);
	return rc;
}
