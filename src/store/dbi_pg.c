/* dbi_pg.c — the PostgreSQL engine of the SQL interface, over libpq.
 * Statements are prepared on the server once per connection (PQprepare)
 * and run with PQsendQueryPrepared in single-row mode, so a large result
 * streams row by row instead of arriving whole. Parameters travel in text
 * form (so the server's inference of their types, jsonb or timestamptz
 * included, always reads them right; text is copied to add its NUL),
 * blobs in binary form; results come back as text. */
#include "dbi_int.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char name[24];
	char *own_sql; /* the derived $N text, when the query has none */
	const char *sql;
	int nparams;
	const char *vals[DBI_MAX_PARAMS];
	int lens[DBI_MAX_PARAMS];
	int fmts[DBI_MAX_PARAMS];
	char num[DBI_MAX_PARAMS][32];
	char *own[DBI_MAX_PARAMS]; /* copies of text parameters */
	PGresult *row;
	unsigned char *blob;
	bool running;
	/* rows read ahead because another statement had to start on the
	 * connection before this one was finished (libpq runs one at a time) */
	PGresult **held;
	size_t nheld, iheld;
	bool oom; /* a parameter could not be copied: the statement fails */
} pg_stmt;

static void pg_reset(dbi_stmt *st);
static int hold(dbi_stmt *st, assay_error *err);

static PGconn *conn(dbi *db)
{
	return db->conn;
}

static pg_stmt *ps(dbi_stmt *st)
{
	return st->handle;
}

/* The assay code of a failed result's SQLSTATE. */
static int code_of(const char *state)
{
	if (!state)
		return ASSAY_EDB;
	static const struct {
		const char *state;
		int code;
	} map[] = {
	    {"40001", ASSAY_EBUSY},  /* serialization failure */
	    {"40P01", ASSAY_EBUSY},  /* deadlock detected */
	    {"55P03", ASSAY_EBUSY},  /* lock not available */
	    {"53100", ASSAY_EFULL},  /* disk full */
	    {"53200", ASSAY_ENOMEM}, /* out of memory */
	    {"25006", ASSAY_EIO},    /* read-only transaction */
	    {"57014", ASSAY_EINTR},  /* query canceled */
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(map); i++)
		if (strcmp(map[i].state, state) == 0)
			return map[i].code;
	if (strncmp(state, "XX", 2) == 0)
		return ASSAY_ENOTDB; /* internal error class: damaged data or index */
	return strncmp(state, "08", 2) == 0 ? ASSAY_ENET : ASSAY_EDB; /* connection class */
}

static int fail_res(dbi *db, PGresult *res, assay_error *err, const char *what)
{
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg)
		msg = PQerrorMessage(conn(db));
	int code = code_of(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL);
	if (PQstatus(conn(db)) == CONNECTION_BAD)
		code = ASSAY_ENET;
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	return assay_fail(err, code, "%s: %s: %.*s", db->label, what, (int)n, msg);
}

/* Server notices (NOTICE, WARNING) never reach the terminal. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* The sslmode the connection was asked for (the URI, else $PGSSLMODE, else
 * libpq's default), copied into out. */
static void asked_sslmode(PGconn *c, char *out, size_t n)
{
	snprintf(out, n, "prefer");
	PQconninfoOption *opts = PQconninfo(c);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "sslmode") == 0 && o->val)
			snprintf(out, n, "%s", o->val);
	PQconninfoFree(opts);
}

/* libpq never encrypts a Unix-socket connection, whatever sslmode says:
 * a mode that requires encryption is refused rather than silently met
 * without it. */
static int check_ssl(dbi *db, PGconn *c, assay_error *err)
{
	char mode[32];
	asked_sslmode(c, mode, sizeof mode);
	bool required = strcmp(mode, "require") == 0 || strncmp(mode, "verify-", 7) == 0;
	if (!required || PQsslInUse(c))
		return ASSAY_OK;
	return assay_fail(err, ASSAY_ENET,
			  "%s: connecting: sslmode=%s, but the connection is not encrypted (a "
			  "Unix socket is never encrypted: give a TCP host for sslmode=%s, or "
			  "sslmode=disable or prefer for a socket)",
			  db->label, mode, mode);
}

static int pg_open(dbi *db, const char *target, bool create, bool readonly, assay_error *err)
{
	(void)create; /* the database itself is the server administrator's to create */
	const char *keys[] = {"dbname", "application_name", "client_encoding", NULL};
	const char *vals[] = {target, "assay", "UTF8", NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	db->conn = c;
	if (!c)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (PQstatus(c) != CONNECTION_OK) {
		int rc = fail_res(db, NULL, err, "connecting");
		PQfinish(c);
		db->conn = NULL;
		return rc;
	}
	int rc = check_ssl(db, c, err);
	if (rc != ASSAY_OK) {
		PQfinish(c);
		db->conn = NULL;
		return rc;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	/* floats sent as their exact shortest text whatever the server's or
	 * the role's setting: a value read back (a copy into SQLite, a score)
	 * must be the one stored, bit for bit */
	if (readonly)
		return db->ops->exec(
		    db, "SET extra_float_digits = 3; SET default_transaction_read_only = on", err);
	return db->ops->exec(db, "SET extra_float_digits = 3", err);
}

static void pg_close(dbi *db)
{
	PQfinish(conn(db));
}

static int pg_exec(dbi *db, const char *sql, assay_error *err)
{
	/* libpq's synchronous calls drop the results of a statement still
	 * being read: they are read ahead first */
	if (db->busy && hold(db->busy, err) != ASSAY_OK)
		return err->code;
	PGresult *res = PQexec(conn(db), sql);
	ExecStatusType s = PQresultStatus(res);
	int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK
		     ? ASSAY_OK
		     : fail_res(db, res, err, "executing statement");
	/* the server answers a COMMIT of a transaction an error aborted
	 * with ROLLBACK: nothing of it was kept */
	if (rc == ASSAY_OK && s == PGRES_COMMAND_OK && strcmp(PQcmdStatus(res), "ROLLBACK") == 0 &&
	    strncasecmp(sql, "ROLLBACK", 8) != 0 && strncasecmp(sql, "ABORT", 5) != 0)
		rc = assay_fail(err, ASSAY_EDB, "the transaction was rolled back (a statement of "
				"it had failed): nothing of it was kept");
	PQclear(res);
	return rc;
}

static int pg_prepare(dbi_stmt *st, assay_error *err)
{
	pg_stmt *p = calloc(1, sizeof *p);
	if (!p)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (st->q->pg) {
		p->sql = st->q->pg;
		char *counted = dbi_pg_text(st->q->pg, &p->nparams); /* counts its $N */
		if (!counted)
			p->sql = NULL;
		free(counted);
	} else {
		p->own_sql = dbi_pg_text(st->q->sqlite, &p->nparams);
		p->sql = p->own_sql;
	}
	if (!p->sql) {
		free(p);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	if (p->nparams > DBI_MAX_PARAMS) {
		free(p->own_sql);
		free(p);
		return assay_fail(err, ASSAY_EDB, "internal: %s has more than %d parameters",
				  st->q->name, DBI_MAX_PARAMS);
	}
	if (st->adopted) { /* dbi_compose_pg's: sent whole at each run */
		st->handle = p;
		return ASSAY_OK;
	}
	snprintf(p->name, sizeof p->name, "assay_%u", ++st->db->seq);
	PGresult *res = NULL;
	if (st->db->busy && hold(st->db->busy, err) != ASSAY_OK) {
		free(p->own_sql);
		free(p);
		return err->code;
	}
	res = PQprepare(conn(st->db), p->name, p->sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		int rc = fail_res(st->db, res, err, st->q->name);
		PQclear(res);
		free(p->own_sql);
		free(p);
		return rc;
	}
	PQclear(res);
	st->handle = p;
	return ASSAY_OK;
}

/* Reads and drops what is left of a running statement's results. */
static void drain(dbi_stmt *st)
{
	pg_stmt *p = ps(st);
	PQclear(p->row);
	p->row = NULL;
	free(p->blob);
	p->blob = NULL;
	for (size_t i = p->iheld; i < p->nheld; i++)
		PQclear(p->held[i]);
	free(p->held);
	p->held = NULL;
	p->nheld = p->iheld = 0;
	if (!p->running)
		return;
	PGresult *r;
	while ((r = PQgetResult(conn(st->db))))
		PQclear(r);
	p->running = false;
	st->db->busy = NULL;
}

/* Reads the rest of the busy statement's rows into memory, so that another
 * statement can run while it is being read (as SQLite allows). */
static int hold(dbi_stmt *st, assay_error *err)
{
	pg_stmt *p = ps(st);
	size_t cap = 0;
	PGresult *r;
	int rc = ASSAY_OK;
	while ((r = PQgetResult(conn(st->db)))) {
		if (rc == ASSAY_OK && p->nheld == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			PGresult **grown = realloc(p->held, ncap * sizeof *grown);
			if (!grown) {
				rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
			} else {
				p->held = grown;
				cap = ncap;
			}
		}
		if (rc == ASSAY_OK)
			p->held[p->nheld++] = r;
		else
			PQclear(r);
	}
	p->running = false;
	st->db->busy = NULL;
	return rc;
}

int dbi_pg_quiet(dbi *db, assay_error *err)
{
	return db->busy ? hold(db->busy, err) : ASSAY_OK;
}

static void pg_finalize(dbi_stmt *st)
{
	if (!st->handle)
		return;
	pg_reset(st);
	for (int i = 0; i < DBI_MAX_PARAMS; i++) /* a composed statement's kept values */
		free(ps(st)->own[i]);
	free(ps(st)->own_sql);
	free(st->handle);
}

static void slot(dbi_stmt *st, int idx, const char *v, int len, int fmt)
{
	if (idx < 1 || idx > DBI_MAX_PARAMS)
		return;
	pg_stmt *p = ps(st);
	if (p->own[idx - 1] != v) {
		free(p->own[idx - 1]);
		p->own[idx - 1] = NULL;
	}
	p->vals[idx - 1] = v;
	p->lens[idx - 1] = len;
	p->fmts[idx - 1] = fmt;
}

static void pg_bind_i64(dbi_stmt *st, int idx, int64_t v)
{
	if (idx < 1 || idx > DBI_MAX_PARAMS)
		return;
	char *buf = ps(st)->num[idx - 1];
	snprintf(buf, sizeof ps(st)->num[0], "%lld", (long long)v);
	slot(st, idx, buf, 0, 0);
}

static void pg_bind_f64(dbi_stmt *st, int idx, double v)
{
	if (idx < 1 || idx > DBI_MAX_PARAMS)
		return;
	char *buf = ps(st)->num[idx - 1];
	if (isnan(v))
		strcpy(buf, "NaN");
	else if (isinf(v))
		strcpy(buf, v > 0 ? "Infinity" : "-Infinity");
	else
		snprintf(buf, sizeof ps(st)->num[0], "%.17g", v);
	slot(st, idx, buf, 0, 0);
}

static void pg_bind_text(dbi_stmt *st, int idx, const char *t, size_t n)
{
	if (idx < 1 || idx > DBI_MAX_PARAMS)
		return;
	char *copy = assay_strndup(t, n);
	slot(st, idx, NULL, 0, 0);
	ps(st)->own[idx - 1] = copy;
	if (!copy)
		ps(st)->oom = true;
	slot(st, idx, copy, 0, 0);
}

static void pg_bind_blob(dbi_stmt *st, int idx, const void *b, size_t n)
{
	slot(st, idx, n ? b : "", (int)n, 1);
}

static void pg_bind_null(dbi_stmt *st, int idx)
{
	slot(st, idx, NULL, 0, 0);
}

static int start(dbi_stmt *st, assay_error *err, const char *what)
{
	pg_stmt *p = ps(st);
	if (p->oom)
		return assay_fail(err, ASSAY_ENOMEM, "%s: out of memory", what);
	/* an adopted statement is got once and run again: the writes held
	 * back go out before each run (dbi_stmt_get sends them for the rest) */
	if (st->adopted && st->db->before && dbi_before_run(st->db, err) < 0)
		return err->code;
	if (st->db->busy && hold(st->db->busy, err) != ASSAY_OK)
		return err->code;
	if (st->adopted ? !PQsendQueryParams(conn(st->db), p->sql, p->nparams, NULL, p->vals,
					     p->lens, p->fmts, 0)
			: !PQsendQueryPrepared(conn(st->db), p->name, p->nparams, p->vals, p->lens,
					       p->fmts, 0))
		return fail_res(st->db, NULL, err, what);
	PQsetSingleRowMode(conn(st->db));
	p->running = true;
	st->db->busy = st;
	return ASSAY_OK;
}

static int pg_step(dbi_stmt *st, assay_error *err, const char *what)
{
	pg_stmt *p = ps(st);
	what = what ? what : st->q->name;
	PQclear(p->row);
	p->row = NULL;
	free(p->blob);
	p->blob = NULL;
	PGresult *res;
	if (p->held) {
		res = p->iheld < p->nheld ? p->held[p->iheld++] : NULL;
	} else {
		if (!p->running) {
			int rc = start(st, err, what);
			if (rc != ASSAY_OK)
				return rc;
		}
		res = PQgetResult(conn(st->db));
	}
	switch (PQresultStatus(res)) {
	case PGRES_SINGLE_TUPLE:
		p->row = res;
		return DBI_ROW;
	case PGRES_COMMAND_OK:
		st->db->changes = strtoll(PQcmdTuples(res), NULL, 10);
		/* fall through */
	case PGRES_TUPLES_OK:
		PQclear(res);
		drain(st);
		return DBI_DONE;
	default: {
		int rc = res ? fail_res(st->db, res, err, what) : DBI_DONE;
		PQclear(res);
		drain(st);
		return rc;
	}
	}
}

/* The results of one statement of a pipeline: its rows (or the rows it
 * changed) into *rows; the first failure into err (rc). */
static bool pg_in_tx(dbi *db);

static int pipe_result(dbi_stmt *st, int64_t *rows, int64_t *first, int rc, assay_error *err)
{
	PGresult *res;
	while ((res = PQgetResult(conn(st->db)))) {
		ExecStatusType t = PQresultStatus(res);
		bool tuples = t == PGRES_SINGLE_TUPLE || t == PGRES_TUPLES_OK;
		if (tuples && first && !*rows && PQntuples(res) && PQnfields(res))
			*first = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		if (tuples)
			*rows += PQntuples(res); /* (single-row mode may be set) */
		else if (t == PGRES_COMMAND_OK)
			*rows = strtoll(PQcmdTuples(res), NULL, 10);
		else if (t != PGRES_PIPELINE_ABORTED && rc == ASSAY_OK)
			rc = fail_res(st->db, res, err, st->q->name);
		PQclear(res);
	}
	return rc;
}

int dbi_pg_pipeline(dbi *db, dbi_stmt *const *sts, size_t n, int64_t *rows, int64_t *firsts,
		    assay_error *err)
{
	if (db->ops != &dbi_pg_ops || pg_in_tx(db))
		return assay_fail(err, ASSAY_EDB, "internal: a pipeline runs on PostgreSQL outside "
				  "a transaction");
	if (db->busy && hold(db->busy, err) != ASSAY_OK)
		return err->code;
	if (!PQenterPipelineMode(conn(db)))
		return fail_res(db, NULL, err, "starting a pipeline");
	int rc = ASSAY_OK;
	size_t sent = 0;
	for (; sent < n && rc == ASSAY_OK; sent++) {
		pg_stmt *p = ps(sts[sent]);
		rows[sent] = 0;
		if (firsts)
			firsts[sent] = 0;
		if (p->oom)
			rc = assay_fail(err, ASSAY_ENOMEM, "%s: out of memory", sts[sent]->q->name);
		else if (!PQsendQueryPrepared(conn(db), p->name, p->nparams, p->vals, p->lens,
					      p->fmts, 0))
			rc = fail_res(db, NULL, err, sts[sent]->q->name);
	}
	if (!PQpipelineSync(conn(db)) && rc == ASSAY_OK)
		rc = fail_res(db, NULL, err, "ending a pipeline");
	for (size_t i = 0; i < sent; i++)
		rc = pipe_result(sts[i], &rows[i], firsts ? &firsts[i] : NULL, rc, err);
	PGresult *res; /* the sync's own result ends the implicit transaction */
	while ((res = PQgetResult(conn(db))) && PQresultStatus(res) != PGRES_PIPELINE_SYNC)
		PQclear(res);
	PQclear(res);
	if (!PQexitPipelineMode(conn(db)) && rc == ASSAY_OK)
		rc = fail_res(db, NULL, err, "leaving a pipeline");
	/* A pipeline that began its own transaction and failed inside it
	 * leaves that transaction aborted (its COMMIT never ran): ended here,
	 * or every later statement of the session would fail. */
	if (rc != ASSAY_OK && pg_in_tx(db))
		PQclear(PQexec(conn(db), "ROLLBACK"));
	return rc;
}

static bool pg_col_null(dbi_stmt *st, int col)
{
	PGresult *r = ps(st)->row;
	return !r || col >= PQnfields(r) || PQgetisnull(r, 0, col);
}

static int64_t pg_col_i64(dbi_stmt *st, int col)
{
	if (pg_col_null(st, col))
		return 0;
	const char *v = PQgetvalue(ps(st)->row, 0, col);
	if (v[0] == 't' && !v[1])
		return 1; /* booleans */
	if (v[0] == 'f' && !v[1])
		return 0;
	return strtoll(v, NULL, 10);
}

static double pg_col_f64(dbi_stmt *st, int col)
{
	return pg_col_null(st, col) ? 0.0 : strtod(PQgetvalue(ps(st)->row, 0, col), NULL);
}

static const char *pg_col_text(dbi_stmt *st, int col, size_t *len)
{
	if (pg_col_null(st, col)) {
		if (len)
			*len = 0;
		return "";
	}
	if (len)
		*len = (size_t)PQgetlength(ps(st)->row, 0, col);
	return PQgetvalue(ps(st)->row, 0, col);
}

static const void *pg_col_blob(dbi_stmt *st, int col, size_t *len)
{
	pg_stmt *p = ps(st);
	*len = 0;
	if (pg_col_null(st, col))
		return "";
	free(p->blob);
	p->blob = NULL;
	size_t n = 0;
	unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(p->row, 0, col), &n);
	if (!b)
		return "";
	p->blob = b;
	*len = n;
	return b;
}

static int pg_col_count(dbi_stmt *st)
{
	return ps(st)->row ? PQnfields(ps(st)->row) : 0;
}

static void pg_reset(dbi_stmt *st)
{
	drain(st);
	for (int i = 1; i <= DBI_MAX_PARAMS; i++)
		if (!st->adopted || st->keep_from <= 0 || i < st->keep_from)
			slot(st, i, NULL, 0, 0);
	ps(st)->oom = false;
}

static int64_t pg_changes(dbi *db)
{
	return db->changes;
}

static bool pg_in_tx(dbi *db)
{
	PGTransactionStatusType t = PQtransactionStatus(conn(db));
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

const struct dbi_ops dbi_pg_ops = {
    .engine = DBI_PG,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .bind_i64 = pg_bind_i64,
    .bind_f64 = pg_bind_f64,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_null = pg_col_null,
    .col_i64 = pg_col_i64,
    .col_f64 = pg_col_f64,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .col_count = pg_col_count,
    .reset = pg_reset,
    .changes = pg_changes,
    .in_tx = pg_in_tx,
};
