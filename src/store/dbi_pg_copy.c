/* dbi_pg_copy.c — streaming rows into a PostgreSQL table with COPY ... FROM
 * STDIN (libpq's PQputCopyData), for bulk writes: one statement carries
 * any number of rows, with no per-row round trip or parse. Text format:
 * dbi_copy_field escapes a value as COPY's text format reads it. */
#include "dbi_int.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

static int copy_fail(dbi *db, assay_error *err, const char *what)
{
	const char *msg = PQerrorMessage(db->conn);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	int code = PQstatus(db->conn) == CONNECTION_BAD ? ASSAY_ENET : ASSAY_EDB;
	return assay_fail(err, code, "%s: %s: %.*s", db->label, what, (int)n, msg);
}

int dbi_copy_begin(dbi *db, const char *sql_copy, assay_error *err)
{
	if (db->ops->engine != DBI_PG)
		return assay_fail(err, ASSAY_EDB, "internal: COPY on an SQLite connection");
	if (db->before && dbi_before_run(db, err) < 0)
		return err->code;
	if (dbi_pg_quiet(db, err) != ASSAY_OK)
		return err->code;
	PGresult *res = PQexec(db->conn, sql_copy);
	ExecStatusType st = PQresultStatus(res);
	PQclear(res);
	return st == PGRES_COPY_IN ? ASSAY_OK : copy_fail(db, err, "starting COPY");
}

int dbi_copy_put(dbi *db, const char *buf, size_t n, assay_error *err)
{
	while (n) { /* libpq takes an int length */
		int k = n > (1u << 30) ? 1 << 30 : (int)n;
		if (PQputCopyData(db->conn, buf, k) != 1)
			return copy_fail(db, err, "sending COPY data");
		buf += k;
		n -= (size_t)k;
	}
	return ASSAY_OK;
}

int dbi_copy_end(dbi *db, const char *abort_why, assay_error *err)
{
	if (PQputCopyEnd(db->conn, abort_why) != 1)
		return copy_fail(db, err, "ending COPY");
	PGresult *res;
	int rc = ASSAY_OK;
	while ((res = PQgetResult(db->conn))) {
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			db->changes = strtoll(PQcmdTuples(res), NULL, 10);
		} else if (rc == ASSAY_OK && !abort_why) {
			const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
			rc = assay_fail(err, ASSAY_EDB, "%s: COPY: %s", db->label,
					msg ? msg : PQresStatus(PQresultStatus(res)));
		}
		PQclear(res);
	}
	return rc;
}

int dbi_copy_field(abuf *out, const char *v, size_t n)
{
	if (!v)
		return abuf_append(out, "\\N", 2);
	const char *end = v + n;
	while (v < end) {
		size_t run = 0;
		while (v + run < end && v[run] != '\\' && v[run] != '\t' && v[run] != '\n' &&
		       v[run] != '\r')
			run++;
		if (run && abuf_append(out, v, run) < 0)
			return ASSAY_ENOMEM;
		v += run;
		if (v == end)
			break;
		char esc[2] = {'\\', *v == '\t' ? 't' : *v == '\n' ? 'n' : *v == '\r' ? 'r' : '\\'};
		if (abuf_append(out, esc, 2) < 0)
			return ASSAY_ENOMEM;
		v++;
	}
	return ASSAY_OK;
}
