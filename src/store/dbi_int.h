/* dbi_int.h — what dbi.c shares with its two engines: the connection and
 * statement structs and the table of an engine's operations. */
#ifndef ASSAY_STORE_DBI_INT_H
#define ASSAY_STORE_DBI_INT_H

#include "dbi.h"

#define DBI_STMT_SLOTS 512
#define DBI_MAX_PARAMS 64

struct dbi_ops {
	dbi_engine engine;
	int (*open)(dbi *db, const char *target, bool create, bool readonly, assay_error *err);
	void (*close)(dbi *db);
	int (*exec)(dbi *db, const char *sql, assay_error *err);
	int (*prepare)(dbi_stmt *st, assay_error *err);
	void (*finalize)(dbi_stmt *st);
	void (*bind_i64)(dbi_stmt *st, int idx, int64_t v);
	void (*bind_f64)(dbi_stmt *st, int idx, double v);
	void (*bind_text)(dbi_stmt *st, int idx, const char *t, size_t n);
	void (*bind_blob)(dbi_stmt *st, int idx, const void *p, size_t n);
	void (*bind_null)(dbi_stmt *st, int idx);
	int (*step)(dbi_stmt *st, assay_error *err, const char *what);
	bool (*col_null)(dbi_stmt *st, int col);
	int64_t (*col_i64)(dbi_stmt *st, int col);
	double (*col_f64)(dbi_stmt *st, int col);
	const char *(*col_text)(dbi_stmt *st, int col, size_t *len);
	const void *(*col_blob)(dbi_stmt *st, int col, size_t *len);
	int (*col_count)(dbi_stmt *st);
	void (*reset)(dbi_stmt *st);
	int64_t (*changes)(dbi *db);
	bool (*in_tx)(dbi *db);
};

struct dbi {
	const struct dbi_ops *ops;
	void *conn;   /* sqlite3 * or PGconn * */
	char *label;  /* the target, password redacted, for messages */
	int64_t changes;
	unsigned seq; /* names of the PostgreSQL prepared statements */
	dbi_stmt *busy; /* the PostgreSQL statement whose rows are arriving */
	/* A wrapped SQLite connection (dbi_wrap_sqlite): not closed here, and
	 * its errors worded by its owner's fail. */
	bool borrowed;
	int (*fail)(void *ud, int rc, assay_error *err, const char *what);
	void *fail_ud;
	/* dbi_before_next: run (once) before the next statement is got */
	int (*before)(void *ud, assay_error *err);
	void *before_ud;
	struct {
		const dbi_query *q;
		dbi_stmt *st;
	} cache[DBI_STMT_SLOTS];
};

struct dbi_stmt {
	dbi *db;
	const dbi_query *q;
	void *handle; /* sqlite3_stmt *, or the PostgreSQL statement's state */
	bool adopted; /* dbi_adopt_sqlite's: its --where values stay bound */
	/* dbi_compose_pg's: its own query object, and its own parameter
	 * (binds of it and later ones ignored, a reset keeps it) */
	dbi_query *own_q;
	int keep_from;
};

extern const struct dbi_ops dbi_sqlite_ops;
extern const struct dbi_ops dbi_pg_ops;


/* Reads ahead the rest of the statement whose rows are arriving on a
 * PostgreSQL connection, so that another can run (dbi_pg.c). */
int dbi_pg_quiet(dbi *db, assay_error *err);

#endif
