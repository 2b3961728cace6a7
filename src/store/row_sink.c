/* row_sink.c — rows handed to C inside SQLite's own loop: a scan whose
 * WHERE ends in row_sink(?N, a, b, ...), with a sink (a callback and its
 * data) bound to ?N, calls the callback with each row's values and gets
 * false back, so one sqlite3_step runs the whole scan and no row crosses
 * the API (a pass over a million rows fetched column by column spends
 * about half its time in sqlite3_step and sqlite3_column_*). */
#include "store_int.h"

/* The type name SQLite checks a bound pointer against. */
#define SINK_TYPE "assay_row_sink"

typedef struct row_sink {
	store_sink_fn fn;
	void *ud;
	int rc; /* what the callback returned when it stopped the scan */
} row_sink;

static void fn_row_sink(sqlite3_context *c, int argc, sqlite3_value **v)
{
	row_sink *k = argc > 0 ? sqlite3_value_pointer(v[0], SINK_TYPE) : NULL;
	if (!k) {
		sqlite3_result_error(c, "row_sink: no sink bound", -1);
		return;
	}
	int rc = k->fn(k->ud, v + 1);
	if (rc) {
		k->rc = rc;
		sqlite3_result_error(c, "row_sink: stopped", -1);
		return;
	}
	sqlite3_result_int(c, 0);
}

int store_sink_register(sqlite3 *db)
{
	/* not deterministic: it is called for its effect, on every row */
	return sqlite3_create_function_v2(db, "row_sink", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
					  fn_row_sink, NULL, NULL, NULL) == SQLITE_OK
		       ? 0
		       : -1;
}

int store_sink_run(store *s, sqlite3_stmt *st, int param, store_sink_fn fn, void *ud,
		   const char *what, assay_error *err)
{
	row_sink k = {.fn = fn, .ud = ud};
	int rc = sqlite3_bind_pointer(st, param, &k, SINK_TYPE, NULL);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			; /* the sink answers false: no row comes back */
	int out = k.rc		      ? k.rc
		  : rc == SQLITE_DONE ? ASSAY_OK
				      : store_sqlerr(s, rc, err, what);
	sqlite3_reset(st);
	/* the sink lives on this stack: the statement must not keep it */
	sqlite3_bind_null(st, param);
	return out;
}
