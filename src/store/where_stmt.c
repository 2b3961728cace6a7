/* where_stmt.c — a statement around a compiled --where on either engine:
 * SQLite's prepared by store_where_prepare (where.c), PostgreSQL's composed
 * here from the fragment's own spelling (where.c's rows), its values the
 * elements of one text[] parameter numbered after the statement's own; and
 * the slices' counts and walks made of it. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* head, w's PostgreSQL fragment and tail as one statement: head and tail
 * with ?N or $N placeholders (made $N), the fragment's $W the parameter
 * after theirs, the statement's own, bound to its values. */
static dbi_stmt *compose_pg(store *s, const char *sql_head, const store_where *w,
			    const char *sql_tail, assay_error *err)
{
	int n_head = 0, n_tail = 0;
	char *head = dbi_pg_text(sql_head, &n_head);
	char *tail = dbi_pg_text(sql_tail, &n_tail);
	int k = (n_head > n_tail ? n_head : n_tail) + 1;
	char ph[24];
	snprintf(ph, sizeof ph, "$%d", k);
	abuf sql = {0};
	bool oom = !head || !tail || abuf_puts(&sql, head) < 0;
	for (const char *p = w->sql_pg; !oom && *p; p++) {
		if (p[0] == '$' && p[1] == 'W') {
			oom = abuf_puts(&sql, ph) < 0;
			p++;
		} else {
			oom = abuf_putc(&sql, *p) < 0;
		}
	}
	oom = oom || abuf_puts(&sql, tail) < 0;
	free(head);
	free(tail);
	dbi_stmt *st = NULL;
	if (oom)
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
	else
		st = dbi_compose_pg(s->dbi, sql.data, k, w->pg_values, err);
	abuf_free(&sql);
	return st;
}

dbi_stmt *store_where_stmt(store *s, const char *sql_head, const char *sql_tail,
			   const char *sql_head_pg, const char *sql_tail_pg, const store_where *w,
			   assay_error *err)
{
	if (s->pg) {
		if (!w->sql_pg || !w->pg_values) {
			assay_fail(err, ASSAY_EDB,
				   "internal: a --where without its PostgreSQL text");
			return NULL;
		}
		return compose_pg(s, sql_head_pg ? sql_head_pg : sql_head, w,
				  sql_tail_pg ? sql_tail_pg : sql_tail, err);
	}
	sqlite3_stmt *raw = NULL;
	if (store_where_prepare(s, sql_head, w, sql_tail, &raw, err) < 0)
		return NULL;
	dbi_stmt *st = dbi_adopt_sqlite(s->dbi, raw);
	if (!st)
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return st;
}

int store_where_count(store *s, const store_where *w, int64_t *n, assay_error *err)
{
	*n = 0;
	dbi_stmt *st =
	    store_where_stmt(s, "SELECT count(*) FROM samples s WHERE ", "", NULL, NULL, w, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "counting a --where slice");
	if (rc == DBI_ROW)
		*n = dbi_col_i64(st, 0);
	dbi_stmt_free(st);
	return rc < 0 ? rc : ASSAY_OK;
}

int store_where_each(store *s, const store_where *w, int (*fn)(void *ud, int64_t sample_id),
		     void *ud, assay_error *err)
{
	dbi_stmt *st = store_where_stmt(s, "SELECT s.id FROM samples s WHERE ", " ORDER BY s.id",
					NULL, NULL, w, err);
	if (!st)
		return err->code;
	int rc, out = 0;
	while ((rc = dbi_step(st, err, "reading a --where slice")) == DBI_ROW)
		if ((out = fn(ud, dbi_col_i64(st, 0))) != 0)
			break;
	dbi_stmt_free(st);
	return out != 0 ? out : rc < 0 ? rc : ASSAY_OK;
}

int store_where_tally(store *s, const store_where *w, int64_t *n, int64_t *decided,
		      assay_error *err)
{
	*n = *decided = 0;
	dbi_stmt *st = store_where_stmt(
	    s,
	    "SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM decisions d"
	    " WHERE d.sample_id = s.id AND d.verdict <> 'skipped')), 0)"
	    " FROM samples s WHERE ",
	    "",
	    "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM decisions d"
	    " WHERE d.sample_id = s.id AND d.verdict <> 'skipped'))"
	    " FROM samples s WHERE ",
	    NULL, w, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "counting a --where slice");
	if (rc == DBI_ROW) {
		*n = dbi_col_i64(st, 0);
		*decided = dbi_col_i64(st, 1);
	}
	dbi_stmt_free(st);
	return rc < 0 ? rc : ASSAY_OK;
}
