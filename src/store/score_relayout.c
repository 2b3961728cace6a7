/* score_relayout.c — the packed scores' tables, and the rewrite of the
 * row-per-score table of schemas 1 to 3 (as earlier builds of schema 3
 * left it) into them, read once in key order, one upsert per sample. */
#include "store_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Scores one row per sample: the scorers by slot, their versions, per
 * sample the flag bitmask, the values and version ids packed by slot
 * (score_pack.c), the learned value again as a column for the queue's
 * learned orders, and the reasons and details beside. The view scores
 * lists them as the old rows, for reading by hand (it needs assay's SQL
 * functions score_at, ver_at and note_at). */
static const char sql_tables[] =
	"CREATE TABLE scorers ("
	"  slot INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE scorer_versions ("
	"  id INTEGER PRIMARY KEY,"
	"  slot INTEGER NOT NULL REFERENCES scorers(slot),"
	"  version TEXT NOT NULL,"
	"  UNIQUE (slot, version));"
	"CREATE TABLE sample_scores ("
	"  sample_id INTEGER PRIMARY KEY REFERENCES samples(id),"
	"  flags INTEGER NOT NULL DEFAULT 0,"
	"  learned REAL,"
	"  scored_at INTEGER NOT NULL,"
	"  vals BLOB NOT NULL,"
	"  vers BLOB NOT NULL);"
	"CREATE TABLE score_notes ("
	"  sample_id INTEGER PRIMARY KEY REFERENCES samples(id),"
	"  notes BLOB NOT NULL);";

/* A database that cannot be written (an older layout on a read-only file)
 * is read through a copy of its scores in the connection's temporary
 * schema, which the unqualified names reach first. */
static const char sql_temp_tables[] =
	"CREATE TEMP TABLE scorers ("
	"  slot INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE);"
	"CREATE TEMP TABLE scorer_versions ("
	"  id INTEGER PRIMARY KEY,"
	"  slot INTEGER NOT NULL,"
	"  version TEXT NOT NULL,"
	"  UNIQUE (slot, version));"
	"CREATE TEMP TABLE sample_scores ("
	"  sample_id INTEGER PRIMARY KEY,"
	"  flags INTEGER NOT NULL DEFAULT 0,"
	"  learned REAL,"
	"  scored_at INTEGER NOT NULL,"
	"  vals BLOB NOT NULL,"
	"  vers BLOB NOT NULL);"
	"CREATE TEMP TABLE score_notes ("
	"  sample_id INTEGER PRIMARY KEY,"
	"  notes BLOB NOT NULL);";
static const char sql_temp_finish[] =
	"CREATE INDEX temp.sample_scores_by_learned ON sample_scores(learned, sample_id)"
	"  WHERE learned IS NOT NULL;"
	"CREATE INDEX temp.sample_scores_by_uncertainty"
	"  ON sample_scores(abs(learned - 0.5), sample_id) WHERE learned IS NOT NULL;";

/* Built after the rows are in (an index filled row by row is slower). */
static const char sql_finish[] =
	"DROP TABLE scores;"
	"CREATE INDEX sample_scores_by_learned ON sample_scores(learned, sample_id)"
	"  WHERE learned IS NOT NULL;"
	"CREATE INDEX sample_scores_by_uncertainty ON sample_scores(abs(learned - 0.5), sample_id)"
	"  WHERE learned IS NOT NULL;"
	"CREATE VIEW scores (sample_id, scorer, value, flagged, reason, version, detail,"
	"  scored_at) AS SELECT ss.sample_id, sc.name, score_at(ss.vals, sc.slot),"
	"  (ss.flags >> sc.slot) & 1, note_at(n.notes, sc.slot, 0), v.version,"
	"  note_at(n.notes, sc.slot, 1), ss.scored_at"
	"  FROM sample_scores ss JOIN scorers sc"
	"  JOIN scorer_versions v ON v.id = ver_at(ss.vers, sc.slot)"
	"  LEFT JOIN score_notes n ON n.sample_id = ss.sample_id;";

static const char sql_has_table[] =
	"SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'scores'),"
	" (SELECT count(*) FROM sqlite_master WHERE name = 'sample_scores')";
static const char sql_count[] = "SELECT count(*) FROM scores";
static const char sql_old[] =
	"SELECT sample_id, scorer, value, flagged, reason, version, detail, scored_at FROM scores"
	" ORDER BY sample_id, scorer";

/* One sample's old rows, copied out of the statement. */
typedef struct batch {
	store_score_row rows[STORE_MAX_SLOTS];
	char *text[STORE_MAX_SLOTS][4];
	size_t n;
	int64_t at;
} batch;

static void batch_clear(batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		for (int k = 0; k < 4; k++)
			free(b->text[i][k]);
	b->n = 0;
	b->at = 0;
}

static int batch_add(batch *b, sqlite3_stmt *st)
{
	if (b->n == STORE_MAX_SLOTS)
		return ASSAY_EINVAL;
	char **t = b->text[b->n];
	t[0] = store_col_str(st, 1);
	t[1] = store_col_str(st, 4);
	t[2] = store_col_str(st, 5);
	t[3] = store_col_str(st, 6);
	store_score_row *r = &b->rows[b->n++];
	*r = (store_score_row){
		.sample_id = sqlite3_column_int64(st, 0),
		.scorer = t[0],
		.version = t[2],
		.value = sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN
								  : sqlite3_column_double(st, 2),
		.flagged = sqlite3_column_int(st, 3) != 0,
		.reason = t[1],
		.detail = t[3]};
	int64_t at = sqlite3_column_int64(st, 7);
	b->at = at > b->at ? at : b->at;
	return t[0] && t[1] && t[2] && t[3] ? ASSAY_OK : ASSAY_ENOMEM;
}

static int copy_rows(store *s, int64_t total, void (*progress)(void *, int64_t, int64_t),
		     void *ud, assay_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql_old, -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, sqlite3_errcode(s->db), err, "reading the old scores");
	batch *b = calloc(1, sizeof *b);
	int rc = b ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	int64_t done = 0;
	int step = SQLITE_DONE;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (b->n && sqlite3_column_int64(st, 0) != b->rows[0].sample_id) {
			rc = store_scores_put_at(s, b->rows, b->n, b->at, err);
			batch_clear(b);
		}
		if (rc == 0 && (rc = batch_add(b, st)) < 0)
			rc = assay_fail(err, rc, rc == ASSAY_ENOMEM ? "out of memory"
								   : "a sample with over 64 scores");
		if (progress && ++done % 100000 == 0)
			progress(ud, done, total);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_sqlerr(s, step, err, "reading the old scores");
	if (rc == 0 && b->n)
		rc = store_scores_put_at(s, b->rows, b->n, b->at, err);
	if (b)
		batch_clear(b);
	free(b);
	sqlite3_finalize(st);
	if (rc == 0 && progress && total > 0)
		progress(ud, total, total);
	return rc;
}

int score_relayout(store *s, bool temp, void (*progress)(void *ud, int64_t done, int64_t total),
		   void *ud, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_has_table, err);
	if (!st)
		return err->code;
	int rc = sqlite3_step(st);
	bool old = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	bool made = rc == SQLITE_ROW && sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, rc, err, "reading the schema");
	if (!old)
		return ASSAY_OK;
	if (temp && (rc = store_exec(s, "BEGIN", err)) < 0)
		return rc;
	if ((temp || !made) && (rc = store_exec(s, temp ? sql_temp_tables : sql_tables, err)) < 0)
		goto out;
	int64_t total = 0;
	if (progress && (st = store_stmt(s, sql_count, err)) != NULL) {
		if (sqlite3_step(st) == SQLITE_ROW)
			total = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	score_slots_forget(s);
	if ((rc = copy_rows(s, total, progress, ud, err)) == 0)
		rc = store_exec(s, temp ? sql_temp_finish : sql_finish, err);
out:
	if (temp)
		rc = rc == 0 ? store_exec(s, "COMMIT", err) : (store_exec(s, "ROLLBACK", err), rc);
	return rc;
}
