/* dbi_sqlite.c — the SQLite engine of the SQL interface: thin calls into
 * SQLite's own statement API (its placeholders and columns already count
 * as dbi's do). */
#include "dbi_int.h"

#include <sqlite3.h>
#include <string.h>

#define BUSY_MS 15000

static sqlite3 *conn(dbi *db)
{
	return db->conn;
}

static sqlite3_stmt *stmt(dbi_stmt *st)
{
	return st->handle;
}

/* Fills err from the connection's last error, mapping busy, full,
 * read-only and damaged databases to their assay codes. */
static int fail(dbi *db, int rc, assay_error *err, const char *what)
{
	if (db->fail)
		return db->fail(db->fail_ud, rc, err, what);
	const char *msg = db->conn ? sqlite3_errmsg(conn(db)) : sqlite3_errstr(rc);
	int code;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = ASSAY_EBUSY;
		break;
	case SQLITE_FULL:
		code = ASSAY_EFULL;
		break;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		code = ASSAY_EIO;
		break;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		code = ASSAY_ENOTDB;
		break;
	case SQLITE_NOMEM:
		code = ASSAY_ENOMEM;
		break;
	default:
		code = ASSAY_EDB;
	}
	return assay_fail(err, code, "%s: %s: %s", db->label, what, msg);
}

static int sq_open(dbi *db, const char *target, bool create, bool readonly, assay_error *err)
{
	int flags = readonly ? SQLITE_OPEN_READONLY
			     : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(target, &h, flags | SQLITE_OPEN_NOMUTEX, NULL);
	db->conn = h;
	if (rc != SQLITE_OK) {
		fail(db, rc, err, "opening");
		sqlite3_close(h);
		db->conn = NULL;
		return err->code;
	}
	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, BUSY_MS);
	return ASSAY_OK;
}

static void sq_close(dbi *db)
{
	sqlite3_close(conn(db));
}

static int sq_exec(dbi *db, const char *sql, assay_error *err)
{
	int rc = sqlite3_exec(conn(db), sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? ASSAY_OK : fail(db, rc, err, "executing statement");
}

static int sq_prepare(dbi_stmt *st, assay_error *err)
{
	sqlite3_stmt *h = NULL;
	if (!st->q->sqlite)
		return assay_fail(err, ASSAY_EDB, "internal: %s runs on PostgreSQL only",
				  st->q->name);
	int rc = sqlite3_prepare_v3(conn(st->db), st->q->sqlite, -1, SQLITE_PREPARE_PERSISTENT,
				    &h, NULL);
	if (rc != SQLITE_OK)
		return fail(st->db, rc, err, st->q->name);
	st->handle = h;
	return ASSAY_OK;
}

static void sq_finalize(dbi_stmt *st)
{
	sqlite3_finalize(stmt(st));
}

static void sq_bind_i64(dbi_stmt *st, int idx, int64_t v)
{
	sqlite3_bind_int64(stmt(st), idx, v);
}

static void sq_bind_f64(dbi_stmt *st, int idx, double v)
{
	sqlite3_bind_double(stmt(st), idx, v);
}

static void sq_bind_text(dbi_stmt *st, int idx, const char *t, size_t n)
{
	sqlite3_bind_text64(stmt(st), idx, t, n, SQLITE_STATIC, SQLITE_UTF8);
}

static void sq_bind_blob(dbi_stmt *st, int idx, const void *p, size_t n)
{
	sqlite3_bind_blob64(stmt(st), idx, n ? p : "", n, SQLITE_STATIC);
}

static void sq_bind_null(dbi_stmt *st, int idx)
{
	sqlite3_bind_null(stmt(st), idx);
}

static int sq_step(dbi_stmt *st, assay_error *err, const char *what)
{
	int rc = sqlite3_step(stmt(st));
	if (rc == SQLITE_ROW)
		return DBI_ROW;
	if (rc == SQLITE_DONE) {
		st->db->changes = sqlite3_changes64(conn(st->db));
		return DBI_DONE;
	}
	int code = fail(st->db, rc, err, what ? what : st->q->name);
	sqlite3_reset(stmt(st));
	return code;
}

static bool sq_col_null(dbi_stmt *st, int col)
{
	return sqlite3_column_type(stmt(st), col) == SQLITE_NULL;
}

static int64_t sq_col_i64(dbi_stmt *st, int col)
{
	return sqlite3_column_int64(stmt(st), col);
}

static double sq_col_f64(dbi_stmt *st, int col)
{
	return sqlite3_column_double(stmt(st), col);
}

static const char *sq_col_text(dbi_stmt *st, int col, size_t *len)
{
	const unsigned char *t = sqlite3_column_text(stmt(st), col);
	if (len)
		*len = t ? (size_t)sqlite3_column_bytes(stmt(st), col) : 0;
	return t ? (const char *)t : "";
}

static const void *sq_col_blob(dbi_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(stmt(st), col);
	*len = p ? (size_t)sqlite3_column_bytes(stmt(st), col) : 0;
	return p ? p : "";
}

static int sq_col_count(dbi_stmt *st)
{
	return sqlite3_column_count(stmt(st));
}

static void sq_reset(dbi_stmt *st)
{
	sqlite3_reset(stmt(st));
	if (!st->adopted)
		sqlite3_clear_bindings(stmt(st));
}

static int64_t sq_changes(dbi *db)
{
	return db->changes;
}

static bool sq_in_tx(dbi *db)
{
	return sqlite3_get_autocommit(conn(db)) == 0;
}

const struct dbi_ops dbi_sqlite_ops = {
    .engine = DBI_SQLITE,
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .bind_i64 = sq_bind_i64,
    .bind_f64 = sq_bind_f64,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_null = sq_col_null,
    .col_i64 = sq_col_i64,
    .col_f64 = sq_col_f64,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .col_count = sq_col_count,
    .reset = sq_reset,
    .changes = sq_changes,
    .in_tx = sq_in_tx,
};
