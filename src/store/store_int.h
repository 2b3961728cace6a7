/* store_int.h — what the files of src/store/ share: the handle, the
 * statement cache and the mapping of SQLite errors to assay errors. */
#ifndef ASSAY_STORE_INT_H
#define ASSAY_STORE_INT_H

#include <sqlite3.h>

#include "assay/store.h"

#define STORE_STMT_SLOTS 256

struct store {
	sqlite3 *db;
	char *path;
	bool readonly;
	bool in_tx;
	/* Prepared statements keyed by the address of their SQL text, which is
	 * always a string literal in one of the src/store/ files. */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} stmts[STORE_STMT_SLOTS];
};

/* The cached, reset statement for sql (a string literal), prepared on first
 * use; NULL with err filled on failure. */
sqlite3_stmt *store_stmt(store *s, const char *sql, assay_error *err);

/* Fills err from the connection's last error (rc is the SQLite result
 * code) with "what: message", mapping busy, full, read-only and corrupt
 * databases to their assay codes. Returns the assay code. */
int store_sqlerr(store *s, int rc, assay_error *err, const char *what);

/* Whether the file system holding path is mounted read-only. */
bool store_on_read_only_fs(const char *path);

/* Runs SQL text with no parameters and no rows (schema, pragmas). */
int store_exec(store *s, const char *sql, assay_error *err);

/* Copies a column as an allocated string ("" when NULL). NULL on ENOMEM. */
char *store_col_str(sqlite3_stmt *st, int col);

/* Binds text (n bytes, or strlen when n < 0) or NULL when t is NULL. */
int store_bind_text(sqlite3_stmt *st, int idx, const char *t, int64_t n);

/* A page of sample ids: sql takes the id to go past as ?1 and the page
 * size as ?2 and returns one id column; up to max ids into ids. */
int store_ids_page(store *s, const char *sql, int64_t after, int64_t *ids, size_t max,
		   size_t *n, const char *what, assay_error *err);

/* The scores sql selects for one sample (?1), as rows of scorer, version,
 * value, flagged, reason, detail, scored_at; free with store_scores_free. */
int store_scores_read(store *s, const char *sql, int64_t sample_id, store_score **out,
		      size_t *n, const char *what, assay_error *err);

/* Steps a statement expected to produce no row (INSERT, UPDATE). */
int store_step_done(store *s, sqlite3_stmt *st, assay_error *err, const char *what);

/* Writes the pairs row of a new sample from the import's JSON
 * (store_new_sample.pair). */
int store_pair_insert(store *s, int64_t sample_id, const char *json, size_t len,
		      assay_error *err);

/* Applies the schema and migrations up to STORE_SCHEMA_VERSION. */
int store_schema_apply(store *s, int from_version, assay_error *err);

/* The first parameter number of a compiled --where (store_where). */
#define STORE_WHERE_PARAM0 100

/* Prepares head, w's fragment and tail as one statement (not cached:
 * sqlite3_finalize it) with w's values bound, registering what w needs. */
int store_where_prepare(store *s, const char *head, const store_where *w, const char *tail,
			sqlite3_stmt **st, assay_error *err);

#endif
