/* dbi.h — the one interface the store's files use to reach an SQL engine:
 * SQLite (a file, the embedded default) or PostgreSQL (a server, for teams
 * on many machines). Each statement is a named query carrying its own SQL
 * per engine, as PowerDNS's generic SQL backends do: the SQLite text, and
 * the PostgreSQL text when it differs by more than its placeholders (a
 * query whose PostgreSQL text is NULL has the SQLite text's ?N placeholders
 * turned into $N once, when it is first prepared on a connection).
 *
 * Statements are prepared once per connection and cached by the address
 * of their query (always a static const dbi_query in a src/store/ file).
 * Parameters and columns count as in SQLite: parameters from 1, columns
 * from 0. A statement's rows are read with dbi_step until it returns
 * DBI_DONE; dbi_reset (or the next dbi_stmt) abandons what is left. The
 * connection is not shared between threads. */
#ifndef ASSAY_STORE_DBI_H
#define ASSAY_STORE_DBI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

typedef enum { DBI_SQLITE, DBI_PG } dbi_engine;

typedef struct dbi_query {
	const char *name;   /* unique within the program, for messages and PREPARE */
	const char *sqlite; /* SQLite's text, ?N placeholders; NULL: PostgreSQL only */
	const char *pg;     /* PostgreSQL's text, $N placeholders; NULL: derived */
} dbi_query;

typedef struct dbi dbi;
typedef struct dbi_stmt dbi_stmt;

enum { DBI_DONE = 0, DBI_ROW = 1 };

/* Whether target names a PostgreSQL server (postgres:// or postgresql://)
 * rather than an SQLite file. */
bool dbi_is_pg_uri(const char *target);

/* Opens an SQLite file (created when create is set) or connects to the
 * PostgreSQL server of a connection URI. Messages never carry the URI's
 * password (see dbi_redact). */
int dbi_open(const char *target, bool create, bool readonly, dbi **out, assay_error *err);
void dbi_close(dbi *db);

/* Wraps an SQLite connection (a sqlite3 *) its caller keeps owning: the
 * store's own handle, so its files move onto this interface one at a
 * time. dbi_close finalizes the statements but leaves the connection open.
 * fail, when not NULL, words the errors (with the SQLite result code rc)
 * as the owner does; label names the database in other messages. */
int dbi_wrap_sqlite(void *handle, const char *label,
		    int (*fail)(void *ud, int rc, assay_error *err, const char *what), void *ud,
		    dbi **out, assay_error *err);

/* Whether a transaction is open on the connection (after a failed
 * statement PostgreSQL keeps it open, aborted, until ROLLBACK). */
bool dbi_in_tx(dbi *db);
dbi_engine dbi_engine_of(const dbi *db);

/* Runs SQL text of the connection's own engine without parameters or rows
 * (schema, BEGIN, COMMIT). */
int dbi_exec(dbi *db, const char *sql, assay_error *err);

/* Writes held back (scores_pg_batch.c): fn(ud) runs once before the next
 * statement is got (dbi_stmt_get), a composed statement runs, dbi_exec
 * runs or COPY begins, so that every statement sees them; dbi_before_run runs it now (a failure is its result), and
 * dbi_before_next(db, NULL, NULL) forgets it. */
void dbi_before_next(dbi *db, int (*fn)(void *ud, assay_error *err), void *ud);
int dbi_before_run(dbi *db, assay_error *err);

/* The cached statement of q, reset and with no parameters bound; NULL with
 * err filled when it cannot be prepared. */
dbi_stmt *dbi_stmt_get(dbi *db, const dbi_query *q, assay_error *err);

/* Adopts an SQLite statement (a sqlite3_stmt *) prepared outside the cache
 * on db's SQLite connection (the --where composer's, whose text is made
 * per call): it is read like any other, except that dbi_reset keeps the
 * values bound at its making; dbi_stmt_free finalizes it.
 * NULL on ENOMEM (raw is finalized then). */
dbi_stmt *dbi_adopt_sqlite(dbi *db, void *raw);
/* The same on PostgreSQL: a statement of text made per call (sql, $N
 * placeholders, copied), sent with its parameters at each run rather than
 * prepared on the server. Its last parameter, own_param, is its own:
 * bound here to the text own_value for good (a reset keeps it; a bind of it
 * or of any later one is ignored, as SQLite ignores a parameter a
 * statement does not have). NULL with err filled. */
dbi_stmt *dbi_compose_pg(dbi *db, const char *sql, int own_param, const char *own_value,
			 assay_error *err);
void dbi_stmt_free(dbi_stmt *st);

/* The PostgreSQL text of a query whose own is NULL: its SQLite text with
 * ?N (and bare ?) placeholders outside literals, quoted names and comments
 * turned into $N ($N already there kept). Allocated; NULL on ENOMEM.
 * *nparams gets the highest N. */
char *dbi_pg_text(const char *sqlite_sql, int *nparams);

/* Binders; text and blobs are copied when the statement runs, so the
 * caller's buffer must live until the first dbi_step. n < 0: strlen. */
void dbi_bind_i64(dbi_stmt *st, int idx, int64_t v);
void dbi_bind_f64(dbi_stmt *st, int idx, double v);
void dbi_bind_text(dbi_stmt *st, int idx, const char *t, int64_t n);
void dbi_bind_blob(dbi_stmt *st, int idx, const void *p, size_t n);
void dbi_bind_null(dbi_stmt *st, int idx);

/* The next row: DBI_ROW, DBI_DONE, or a negative assay code with err
 * filled ("what: message"). */
int dbi_step(dbi_stmt *st, assay_error *err, const char *what);

/* Runs a statement expected to produce no rows, then resets it. */
int dbi_run(dbi_stmt *st, assay_error *err, const char *what);

/* The current row's columns. Text and blobs stay valid until the next
 * dbi_step or dbi_reset; NULL reads as 0, 0.0 and "" (length 0). */
bool dbi_col_null(dbi_stmt *st, int col);
int64_t dbi_col_i64(dbi_stmt *st, int col);
double dbi_col_f64(dbi_stmt *st, int col);
const char *dbi_col_text(dbi_stmt *st, int col, size_t *len);
const void *dbi_col_blob(dbi_stmt *st, int col, size_t *len);
int dbi_col_count(dbi_stmt *st);

/* Abandons the rest of a statement's rows and its bindings. */
void dbi_reset(dbi_stmt *st);

/* PostgreSQL only: runs n statements (each from dbi_stmt_get, bound) in
 * one round trip, as one transaction (the implicit one a pipeline's sync
 * ends; none may be open), each statement seeing what the ones before it
 * did and, in READ COMMITTED, a snapshot taken when it starts. rows[i]:
 * the rows statement i returned or changed; firsts[i] (firsts may be
 * NULL): the integer in its first row's first column, else 0. The first
 * failure stops the rest and rolls the whole back. */
int dbi_pg_pipeline(dbi *db, dbi_stmt *const *sts, size_t n, int64_t *rows, int64_t *firsts,
		    assay_error *err);

/* The rows changed by the last statement that ran on the connection. */
int64_t dbi_changes(dbi *db);

/* Bulk writes on PostgreSQL (dbi_pg_copy.c): dbi_copy_begin runs a COPY
 * ... FROM STDIN statement (text format), dbi_copy_put sends rows (each
 * field written by dbi_copy_field, fields separated by a tab, rows ended by
 * a newline), dbi_copy_end ends it (abort_why not NULL: abandons it) and
 * reports a row the server refused. Nothing else runs on the connection
 * in between. */
int dbi_copy_begin(dbi *db, const char *sql_copy, assay_error *err);
int dbi_copy_put(dbi *db, const char *buf, size_t n, assay_error *err);
int dbi_copy_end(dbi *db, const char *abort_why, assay_error *err);
/* Appends n bytes of v as a field of COPY's text format (backslash, tab,
 * newline and carriage return escaped; v NULL: \N, the null value). */
int dbi_copy_field(abuf *out, const char *v, size_t n);

/* Copies target into out (size n) with the password of a connection URI
 * (user:PASSWORD@ and password=... in its query) replaced by "***", for
 * messages. Plain paths are copied as they are. */
void dbi_redact(const char *target, char *out, size_t n);

#endif
