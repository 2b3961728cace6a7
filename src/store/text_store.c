/* text_store.c — a sample's text stored once: where its bytes appear in
 * the record it came from, and the move of the texts an earlier build
 * stored a second time (schema.c's step "samples.text_at"). */
#include "store_int.h"

#include <string.h>

bool store_text_place(const char *record, size_t record_len, const char *text, size_t text_len,
		      int64_t *at)
{
	if (!record || !text || text_len == 0 || text_len > record_len)
		return false;
	/* any place holding the same bytes will do: only the bytes are read */
	const char *p = memmem(record, record_len, text, text_len);
	if (p)
		*at = p - record;
	return p != NULL;
}

/* The rows of ids (?1, ?2] whose text is still stored on its own and
 * appears in the record: read from there instead. */
static const char sql_move[] =
	"UPDATE samples SET"
	"  text_at = instr(CAST(record AS BLOB), CAST(stored_text AS BLOB)) - 1,"
	"  text_len = length(CAST(stored_text AS BLOB)), stored_text = ''"
	" WHERE id > ?1 AND id <= ?2 AND text_len IS NULL AND stored_text <> ''"
	"  AND instr(CAST(record AS BLOB), CAST(stored_text AS BLOB)) > 0";
static const char sql_last[] = "SELECT coalesce(max(id), 0) FROM samples";

/* Ids per UPDATE, and so per progress line. */
#define MOVE_STEP 100000

int store_move_by_ids(store *s, const char *sql_step, int64_t step, const char *what,
		      void (*progress)(void *ud, int64_t done, int64_t total), void *ud,
		      assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_last, err);
	if (!st)
		return err->code;
	int rc = sqlite3_step(st);
	int64_t last = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, rc, err, "reading the samples");
	for (int64_t from = 0; from < last; from += step) {
		if (!(st = store_stmt(s, sql_step, err)))
			return err->code;
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, from + step);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return store_sqlerr(s, rc, err, what);
		if (progress && last > step)
			progress(ud, from + step < last ? from + step : last, last);
	}
	return ASSAY_OK;
}

int store_text_move(store *s, void (*progress)(void *ud, int64_t done, int64_t total), void *ud,
		    assay_error *err)
{
	return store_move_by_ids(s, sql_move, MOVE_STEP, "storing the texts once", progress, ud,
				 err);
}
