/* stmt.c — the statement cache (statements keyed by the address of their
 * SQL literal), binding and reading helpers, and the mapping of SQLite
 * errors to assay errors. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

/* Whether the file system holding path is mounted read-only. */
bool store_on_read_only_fs(const char *path)
{
	struct statvfs v;
	return statvfs(path, &v) == 0 && (v.f_flag & ST_RDONLY);
}

int store_sqlerr(store *s, int rc, assay_error *err, const char *what)
{
	const char *msg = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	const char *path = s && s->path ? s->path : "database";
	int code;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = ASSAY_EBUSY;
		return assay_fail(err, code,
				  "%s: %s: the database stayed locked by another process for longer "
				  "than the busy timeout (%s)",
				  path, what, msg);
	case SQLITE_FULL:
		code = ASSAY_EFULL;
		return assay_fail(err, code, "%s: %s: disk or database full (%s); nothing of this "
				  "step was saved", path, what, msg);
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		if (s && s->path && store_on_read_only_fs(s->path))
			return assay_fail(err, ASSAY_EIO,
					  "%s: %s: the database is read-only: its file system is "
					  "mounted read-only (%s)",
					  path, what, msg);
		if ((rc & 0xff) == SQLITE_READONLY)
			return assay_fail(err, ASSAY_EIO, "%s: %s: the database is read-only (%s)",
					  path, what, msg);
		return assay_fail(err, ASSAY_EIO, "%s: %s: %s", path, what, msg);
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return assay_fail(err, ASSAY_ENOTDB,
				  "%s: %s: the database file is damaged or not a database (%s)", path,
				  what, msg);
	case SQLITE_NOMEM:
		return assay_fail(err, ASSAY_ENOMEM, "%s: %s: out of memory", path, what);
	default:
		return assay_fail(err, ASSAY_EDB, "%s: %s: %s", path, what, msg);
	}
}

int store_sqlite_only(store *s, assay_error *err)
{
	const char *cmd = s->command && *s->command ? s->command : "this command";
	/* refused when opened (no connection yet), or a step met on the way */
	return assay_fail(err, ASSAY_ECONFLICT,
			  "%s%s is not available on a PostgreSQL store yet (%s); use an SQLite "
			  "database file for it",
			  s->dbi ? "this step of " : "", cmd, s->path);
}

char *store_dcol_str(dbi_stmt *st, int col)
{
	size_t n = 0;
	const char *t = dbi_col_text(st, col, &n);
	return assay_strndup(t, n);
}

int store_exec(store *s, const char *sql, assay_error *err)
{
	if (!s->db)
		return store_sqlite_only(s, err);
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? ASSAY_OK : store_sqlerr(s, rc, err, "executing statement");
}

sqlite3_stmt *store_stmt(store *s, const char *sql, assay_error *err)
{
	if (!s->db) {
		store_sqlite_only(s, err);
		return NULL;
	}
	size_t i = assay_ptr_slot(sql, STORE_STMT_SLOTS);
	for (size_t probe = 0; probe < STORE_STMT_SLOTS; probe++, i = (i + 1) % STORE_STMT_SLOTS) {
		if (s->stmts[i].sql == sql) {
			sqlite3_reset(s->stmts[i].stmt);
			sqlite3_clear_bindings(s->stmts[i].stmt);
			return s->stmts[i].stmt;
		}
		if (!s->stmts[i].sql) {
			sqlite3_stmt *st = NULL;
			int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
						    NULL);
			if (rc != SQLITE_OK) {
				store_sqlerr(s, rc, err, "preparing statement");
				return NULL;
			}
			s->stmts[i].sql = sql;
			s->stmts[i].stmt = st;
			return st;
		}
	}
	assay_fail(err, ASSAY_EDB, "internal: statement cache full");
	return NULL;
}

char *store_col_str(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	return assay_strndup(t ? (const char *)t : "", t ? (size_t)n : 0);
}

int store_bind_text(sqlite3_stmt *st, int idx, const char *t, int64_t n)
{
	if (!t)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text64(st, idx, t, n < 0 ? strlen(t) : (sqlite3_uint64)n,
				   SQLITE_STATIC, SQLITE_UTF8);
}

int store_ids_page(store *s, const char *sql, int64_t after, int64_t *ids, size_t max,
		   size_t *n, const char *what, assay_error *err)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	int rc = SQLITE_DONE;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? ASSAY_OK : store_sqlerr(s, rc, err, what);
}

int store_step_done(store *s, sqlite3_stmt *st, assay_error *err, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		sqlite3_reset(st);
		return ASSAY_OK;
	}
	int code = store_sqlerr(s, rc, err, what);
	sqlite3_reset(st);
	return code;
}
