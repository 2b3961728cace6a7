/* row_sink.c — rows handed to C inside SQLite's own loop: a scan whose
 * WHERE ends in row_sink(a, b, ...), run by store_sink_run with a sink (a
 * callback and its data), calls the callback with each row's values and
 * gets false back, so one sqlite3_step runs the whole scan and no row
 * crosses the API (a pass over a million rows fetched column by column
 * spends about half its time in sqlite3_step and sqlite3_column_*). The
 * sink is the connection's (the function's user data is the store), so
 * a row costs no lookup of a bound pointer. */
#include "store_int.h"

typedef struct row_sink {
	store_sink_fn fn;
	void *ud;
	int rc; /* what the callback returned when it stopped the scan */
} row_sink;

static void fn_row_sink(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	row_sink *k = ((store *)sqlite3_user_data(c))->sink;
	if (!k) {
		sqlite3_result_error(c, "row_sink: called outside a scan of the store's", -1);
		return;
	}
	int rc = k->fn(k->ud, v);
	if (rc) {
		k->rc = rc;
		sqlite3_result_error(c, "row_sink: stopped", -1);
		return;
	}
	sqlite3_result_int(c, 0);
}

int store_sink_register(store *s)
{
	/* not deterministic: it is called for its effect, on every row */
	return sqlite3_create_function_v2(s->db, "row_sink", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY, s,
					  fn_row_sink, NULL, NULL, NULL) == SQLITE_OK
		       ? 0
		       : -1;
}

int store_sink_run(store *s, sqlite3_stmt *st, store_sink_fn fn, void *ud, const char *what,
		   assay_error *err)
{
	row_sink k = {.fn = fn, .ud = ud}, *outer = s->sink;
	s->sink = &k;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		; /* the sink answers false: no row comes back */
	s->sink = outer; /* a scan run from inside another's callback ends first */
	int out = k.rc		      ? k.rc
		  : rc == SQLITE_DONE ? ASSAY_OK
				      : store_sqlerr(s, rc, err, what);
	sqlite3_reset(st);
	return out;
}
