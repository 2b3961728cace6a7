/* learned_rows.c — what the learned scorer reads of the packed scores
 * (score_pack.c) for a run of samples in one scan: every slot's value and
 * version id, the flags, and one slot's reason and detail, so it can
 * predict from the other scores and leave a score that did not change
 * unwritten; and the row as stored, which its write puts the new score
 * into (store_score_rewrite, score_rows.c). */
#include "store_int.h"
#include "scores_pg.h"

#include <math.h>
#include <string.h>

static const char sql_rows[] =
	"SELECT ss.sample_id, ss.vals, ss.vers, ss.flags, n.notes"
	" FROM sample_scores ss LEFT JOIN score_notes n ON n.sample_id = ss.sample_id"
	" WHERE ss.sample_id BETWEEN ?1 AND ?2";

/* The slot's reason and detail in a notes blob ("" when none). */
static void note_of(const unsigned char *p, size_t len, int slot, const char **reason,
		    const char **detail)
{
	*reason = *detail = "";
	const unsigned char *end = p ? p + len : NULL;
	while (p && p < end) {
		int at = *p++;
		const unsigned char *z = memchr(p, 0, (size_t)(end - p));
		const unsigned char *d = z ? z + 1 : end;
		const unsigned char *z2 = d < end ? memchr(d, 0, (size_t)(end - d)) : NULL;
		if (!z || !z2)
			return; /* malformed: nothing, as note_at reads it */
		if (at == slot) {
			*reason = (const char *)p;
			*detail = (const char *)d;
			return;
		}
		p = z2 + 1;
	}
}

int store_score_rows_read(store *s, int64_t lo, int64_t hi, int note_slot,
			  int (*fn)(void *ud, const store_score_rowview *row), void *ud,
			  assay_error *err)
{
	if (s->pg)
		return store_score_rows_read_pg(s, lo, hi, note_slot, fn, ud, err);
	sqlite3_stmt *st = store_stmt(s, sql_rows, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	double vals[STORE_MAX_SLOTS];
	uint32_t vers[STORE_MAX_SLOTS];
	int rc, out = ASSAY_OK;
	while (out == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *vb = sqlite3_column_blob(st, 1), *rb = sqlite3_column_blob(st, 2);
		size_t vl = (size_t)sqlite3_column_bytes(st, 1);
		size_t rl = (size_t)sqlite3_column_bytes(st, 2);
		size_t n = score_pack_nvers(rb, rl);
		n = n < STORE_MAX_SLOTS ? n : STORE_MAX_SLOTS;
		for (size_t k = 0; k < n; k++) {
			vals[k] = score_pack_val(vb, vl, (int)k);
			vers[k] = score_pack_ver(rb, rl, (int)k);
		}
		store_score_rowview row = {.sample_id = sqlite3_column_int64(st, 0),
					   .vals = vals, .vers = vers, .n = n,
					   .flags = (uint64_t)sqlite3_column_int64(st, 3)};
		row.stored = (store_score_stored){
		    .row = true, .has_notes = sqlite3_column_type(st, 4) != SQLITE_NULL,
		    .flags = row.flags, .vals = vb, .vals_len = vl, .vers = rb, .vers_len = rl,
		    .notes = sqlite3_column_blob(st, 4),
		    .notes_len = (size_t)sqlite3_column_bytes(st, 4)};
		if (note_slot >= 0)
			note_of(sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4),
				note_slot, &row.reason, &row.detail);
		else
			row.reason = row.detail = "";
		out = fn(ud, &row);
	}
	if (!out && rc != SQLITE_DONE)
		out = store_sqlerr(s, rc, err, "reading scores");
	sqlite3_reset(st);
	return out;
}

int store_score_slot(store *s, const char *name, const char *version, int *slot,
		     uint32_t *version_id, assay_error *err)
{
	return score_slot_find(s, name, version, slot, version_id, err);
}
