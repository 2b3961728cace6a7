/* score_rows.c — writing and reading the packed scores (score_pack.c): one
 * upsert of a sample's row per write of any of its scores (and one of its
 * notes), the range and per-scorer readers unpacking in C, and the
 * rewrite of the old row-per-score table into this layout. */
#include "store_int.h"
#include "scores_pg.h"
#include "stats_scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The learned scorer's value is also a column, for the queue's indexes. */
#define LEARNED "learned"

static const char sql_notes_put[] =
	"INSERT INTO score_notes (sample_id, notes) VALUES (?1, ?2)"
	" ON CONFLICT (sample_id) DO UPDATE SET notes = note_merge(notes, excluded.notes, ?3)";
static const char sql_notes_drop[] =
	"UPDATE score_notes SET notes = note_merge(notes, ?2, ?3) WHERE sample_id = ?1";

int score_notes_put(store *s, int64_t id, const void *notes, size_t len, uint64_t mask,
		    assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, len ? sql_notes_put : sql_notes_drop, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, len ? notes : "", (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)mask);
	return store_step_done(s, st, err, "writing a score's reason");
}

static int notes_put(store *s, int64_t id, const abuf *notes, uint64_t mask, assay_error *err)
{
	return score_notes_put(s, id, notes->data, notes->len, mask, err);
}

int score_notes_fail(assay_error *err, int rc)
{
	if (rc == ASSAY_ENOMEM)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return assay_fail(err, ASSAY_EIO, "writing a score's reason: the database could not "
			  "store it and rolled the transaction back");
}

/* The n scores of one sample (rows[i].sample_id all alike) scored at at;
 * split[i]: rows[i]'s note split ahead, or split NULL. Packed and written
 * as a batch of one (score_write.c). */
static int put_rows(store *s, const store_score_row *rows, const void *const *split,
		    store_slot_ref *refs, size_t n, int64_t at, assay_error *err)
{
	if (s->pg)
		return store_scores_put_at_pg(s, rows, n, at, err);
	store_score_batch b = {0};
	int rc = score_batch_pack(s, &b, rows, split, refs, n, at, err);
	if (rc == 0)
		rc = store_score_batch_flush(s, &b, err);
	score_batch_clear(&b);
	return rc;
}

int store_scores_put_at(store *s, const store_score_row *rows, size_t n, int64_t at,
			assay_error *err)
{
	return put_rows(s, rows, NULL, NULL, n, at, err);
}

int store_scores_put_split(store *s, const store_score_row *rows, const void *const *split,
			   store_slot_ref *refs, size_t n, assay_error *err)
{
	return n ? put_rows(s, rows, split, refs, n, assay_now_ms(), err) : ASSAY_OK;
}

int store_scores_put(store *s, const store_score_row *rows, size_t n, assay_error *err)
{
	return n ? store_scores_put_at(s, rows, n, assay_now_ms(), err) : ASSAY_OK;
}

int store_score_put(store *s, const store_score_row *r, assay_error *err)
{
	return store_scores_put_at(s, r, 1, assay_now_ms(), err);
}

/* ---- the learned rescore: the row as read, updated ------------------------------ */

/* The row's and the notes' new contents when the stored ones are still
 * what was read (the WHERE compares them): otherwise nothing changes and
 * the caller merges as store_score_put does. */
static const char sql_row_set[] =
	"UPDATE sample_scores SET flags = ?2, learned = ?3, scored_at = ?4, vals = ?5, vers = ?6"
	" WHERE sample_id = ?1 AND flags = ?7 AND vals = ?8 AND vers = ?9";
static const char sql_notes_set[] =
	"UPDATE score_notes SET notes = ?2 WHERE sample_id = ?1 AND notes = ?3";

/* old's packed values and version ids with slot's taken from the new
 * score, as score_merge makes them; the lengths in *vl and *rl. */
static void merge_packed(const store_score_stored *old, int slot, double value, uint32_t ver,
			 unsigned char *vals, size_t *vl, unsigned char *vers, size_t *rl)
{
	double d[STORE_MAX_SLOTS];
	uint32_t id[STORE_MAX_SLOTS];
	size_t nv = score_pack_nvals(old->vals, old->vals_len);
	size_t nr = score_pack_nvers(old->vers, old->vers_len);
	nv = ASSAY_MIN(ASSAY_MAX(nv, (size_t)slot + 1), (size_t)STORE_MAX_SLOTS);
	nr = ASSAY_MIN(ASSAY_MAX(nr, (size_t)slot + 1), (size_t)STORE_MAX_SLOTS);
	size_t got = score_pack_unpack(old->vals, old->vals_len, d, nv);
	for (size_t i = got; i < nv; i++)
		d[i] = NAN;
	d[slot] = value;
	for (size_t i = 0; i < nr; i++)
		id[i] = (int)i == slot ? ver : score_pack_ver(old->vers, old->vers_len, (int)i);
	*vl = score_pack_vals(vals, d, nv);
	*rl = score_pack_vers(vers, id, nr);
}

/* Whether a compact record's slot mask (at p, up to end) holds slot, or
 * cannot be read. */
static bool compact_holds(const unsigned char *p, const unsigned char *end, int slot)
{
	uint64_t mask = 0;
	for (int shift = 0; p < end && shift < 64; shift += 7) {
		unsigned char c = *p++;
		mask |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return !mask || mask >> slot & 1;
	}
	return true;
}

/* old's notes with slot's plain record replaced by rec (rec empty: none),
 * as note_merge makes them: the other plain records in order, rec, then
 * the compact record as it is. False (out untouched) for what only
 * note_merge reads: a malformed blob, more than one compact record, or
 * one that holds slot. */
static bool merge_notes(const unsigned char *p, size_t len, int slot, const abuf *rec, abuf *out)
{
	const unsigned char *end = p ? p + len : NULL, *compact = NULL, *compact_end = NULL;
	size_t mark = out->len;
	bool ok = true;
	while (ok && p && p < end) {
		const unsigned char *at = p;
		const unsigned char *z = memchr(at + 1, 0, (size_t)(end - at - 1));
		const unsigned char *z2 = z && z + 1 < end ? memchr(z + 1, 0, (size_t)(end - z - 1))
							  : NULL;
		if (!z2 || (*at == 0xC0 && (compact || compact_holds(at + 1, z, slot))))
			ok = false;
		else if (*at == 0xC0)
			compact = at, compact_end = z2 + 1;
		else if (*at != slot)
			ok = abuf_append(out, at, (size_t)(z2 + 1 - at)) == 0;
		p = z2 ? z2 + 1 : end;
	}
	ok = ok && abuf_append(out, rec->data ? rec->data : "", rec->len) == 0 &&
	     (!compact || abuf_append(out, compact, (size_t)(compact_end - compact)) == 0);
	if (!ok)
		out->len = mark;
	return ok;
}

/* The notes of a sample whose notes row was read as old: replaced when
 * still as read, else merged (notes_put). */
static int notes_rewrite(store *s, int64_t id, const store_score_stored *old, int slot,
			 const abuf *rec, assay_error *err)
{
	abuf merged = {0};
	int rc = ASSAY_OK;
	uint64_t mask = 1ull << slot;
	if (!old->has_notes || !merge_notes(old->notes, old->notes_len, slot, rec, &merged)) {
		abuf_free(&merged);
		return notes_put(s, id, rec, mask, err);
	}
	sqlite3_stmt *st = store_stmt(s, sql_notes_set, err);
	if (!st)
		rc = err->code;
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_blob(st, 2, merged.len ? merged.data : "", (int)merged.len, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, old->notes_len ? old->notes : "", (int)old->notes_len,
				  SQLITE_STATIC);
		rc = store_step_done(s, st, err, "writing a score's reason");
		if (rc == 0 && sqlite3_changes(s->db) == 0)
			rc = notes_put(s, id, rec, mask, err);
	}
	abuf_free(&merged);
	return rc;
}

/* The score merged into the row as it is now (store_score_rewrite's 1). */
static int merge_now(store *s, const store_score_row *r, store_slot_ref *ref, assay_error *err)
{
	int rc = store_scores_put_split(s, r, NULL, ref, 1, err);
	return rc < 0 ? rc : 1;
}

int store_score_rewrite(store *s, const store_score_row *r, const store_score_stored *old,
			store_slot_ref *ref, assay_error *err)
{
	if (s->pg || !old->row || strcmp(r->scorer, LEARNED) != 0)
		return merge_now(s, r, ref, err);
	int slot;
	uint32_t ver;
	int rc = score_slot_of(s, r, ref, &slot, &ver, err);
	if (rc < 0)
		return rc;
	unsigned char vals[1 + STORE_MAX_SLOTS / 4 + STORE_MAX_SLOTS * 8 + 1];
	unsigned char vers[1 + STORE_MAX_SLOTS * 5 + 1];
	size_t vl, rl;
	merge_packed(old, slot, r->value, ver, vals, &vl, vers, &rl);
	uint64_t bit = 1ull << slot;
	uint64_t flags = (old->flags & ~bit) | (r->flagged && !isnan(r->value) ? bit : 0);
	sqlite3_stmt *st = store_stmt(s, sql_row_set, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, r->sample_id);
	sqlite3_bind_int64(st, 2, (int64_t)flags);
	if (isnan(r->value))
		sqlite3_bind_null(st, 3);
	else
		sqlite3_bind_double(st, 3, r->value);
	sqlite3_bind_int64(st, 4, assay_now_ms());
	sqlite3_bind_blob(st, 5, vals, (int)vl, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, vers, (int)rl, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (int64_t)old->flags);
	sqlite3_bind_blob(st, 8, old->vals_len ? old->vals : "", (int)old->vals_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, old->vers_len ? old->vers : "", (int)old->vers_len, SQLITE_STATIC);
	if ((rc = store_step_done(s, st, err, "writing scores")) < 0)
		return rc;
	if (sqlite3_changes(s->db) == 0) /* no longer as read: merged into as it is now */
		return merge_now(s, r, ref, err);
	abuf rec = {0};
	if (score_pack_note(&rec, slot, r->reason, r->detail) < 0)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	else
		rc = notes_rewrite(s, r->sample_id, old, slot, &rec, err);
	abuf_free(&rec);
	return rc;
}

int store_score_set_detail(store *s, int64_t sample_id, const char *scorer, const char *reason,
			   const char *detail, assay_error *err)
{
	int slot;
	uint32_t ver;
	int rc = score_slot_find(s, scorer, NULL, &slot, &ver, err);
	if (rc < 0 || slot < 0)
		return rc;
	if (s->pg)
		return store_score_set_detail_pg(s, sample_id, slot, reason, detail, err);
	abuf notes = {0};
	score_notes_buf nb = {0};
	if ((rc = score_forms_note(s, &nb, slot, reason, detail, strcmp(scorer, LEARNED) == 0,
				   NULL)) < 0 ||
	    (rc = score_notes_finish(&nb, &notes)) < 0)
		rc = score_notes_fail(err, rc);
	else
		rc = notes_put(s, sample_id, &notes, 1ull << slot, err);
	score_notes_buf_free(&nb);
	abuf_free(&notes);
	return rc;
}

static const char sql_vers[] = "SELECT vers FROM sample_scores WHERE sample_id = ?1";

int store_score_current(store *s, int64_t sample_id, const char *scorer, const char *version,
			bool *current, assay_error *err)
{
	*current = false;
	int slot;
	uint32_t ver;
	int rc = score_slot_find(s, scorer, version, &slot, &ver, err);
	if (rc < 0 || slot < 0 || !ver)
		return rc;
	if (s->pg)
		return store_score_current_pg(s, sample_id, slot, ver, current, err);
	sqlite3_stmt *st = store_stmt(s, sql_vers, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*current = score_pack_ver(sqlite3_column_blob(st, 0),
					  (size_t)sqlite3_column_bytes(st, 0), slot) == ver;
	else if (rc != SQLITE_DONE)
		rc = store_sqlerr(s, rc, err, "reading scores");
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ASSAY_OK : rc;
}

static const char sql_range[] =
	"SELECT sample_id, vals, vers FROM sample_scores WHERE sample_id BETWEEN ?1 AND ?2";

int store_scores_range_each(store *s, int64_t lo, int64_t hi,
			    int (*fn)(void *ud, int64_t sample_id, const char *scorer,
				      double value),
			    void *ud, assay_error *err)
{
	if (s->pg)
		return store_scores_range_each_pg(s, lo, hi, fn, ud, err);
	sqlite3_stmt *st = store_stmt(s, sql_range, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	int rc, out = ASSAY_OK;
	while (out == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *vals = sqlite3_column_blob(st, 1), *vers = sqlite3_column_blob(st, 2);
		size_t vl = (size_t)sqlite3_column_bytes(st, 1);
		size_t rl = (size_t)sqlite3_column_bytes(st, 2);
		size_t slots = score_pack_nvers(vers, rl);
		for (int slot = 0; (size_t)slot < slots && out == 0; slot++) {
			if (!score_pack_ver(vers, rl, slot))
				continue;
			const char *name = score_slot_name(s, slot, err);
			if (!name) {
				out = err->code ? err->code : ASSAY_OK;
				continue;
			}
			out = fn(ud, sqlite3_column_int64(st, 0), name,
				 score_pack_val(vals, vl, slot));
		}
	}
	if (!out && rc != SQLITE_DONE)
		out = store_sqlerr(s, rc, err, "reading scores");
	sqlite3_reset(st);
	return out;
}

/* A sample's scores through the scorers, as store_scores_read reads them. */
static const char sql_get[] =
	"SELECT sc.name, v.version, score_at(ss.vals, sc.slot), (ss.flags >> sc.slot) & 1,"
	" note_at(n.notes, sc.slot, 0), note_at(n.notes, sc.slot, 1), ss.scored_at"
	" FROM sample_scores ss JOIN scorers sc"
	" JOIN scorer_versions v ON v.id = ver_at(ss.vers, sc.slot)"
	" LEFT JOIN score_notes n ON n.sample_id = ss.sample_id"
	" WHERE ss.sample_id = ?1 ORDER BY sc.name";

int store_scores_get(store *s, int64_t sample_id, store_score **out, size_t *n, assay_error *err)
{
	if (s->pg)
		return store_scores_get_pg(s, sample_id, out, n, err);
	return store_scores_read(s, sql_get, sample_id, out, n, "reading scores", err);
}

/* ---- calibration: every scorer's values in one scan ------------------------------ */

int store_score_rows_each(store *s, int64_t first, int64_t last,
			  int (*fn)(void *ud, int64_t sample_id, const double *vals, size_t n,
				    uint64_t flags),
			  void *ud, assay_error *err)
{
	if (s->pg)
		return store_score_rows_each_pg(s, first, last, fn, ud, err);
	return stats_scan_score_rows(s, first, last, fn, ud, err);
}

int store_scorer_slots(store *s, char ***names, size_t *n, assay_error *err)
{
	*names = NULL;
	*n = 0;
	int rc = score_slots_load(s, err);
	if (rc < 0 || !s->n_slots)
		return rc;
	char **v = calloc(s->n_slots, sizeof *v);
	if (!v)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n_slots; i++)
		if (s->slot_names[i] && !(v[i] = assay_strdup(s->slot_names[i]))) {
			store_strings_free(v, s->n_slots);
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		}
	*names = v;
	*n = s->n_slots;
	return ASSAY_OK;
}

static const char sql_names[] = "SELECT name FROM scorers ORDER BY name";

int store_scorer_names(store *s, char ***names, size_t *n, assay_error *err)
{
	if (s->pg)
		return store_scorer_names_pg(s, names, n, err);
	*names = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql_names, err);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc, out = ASSAY_OK;
	while (out == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			char **v = realloc(*names, cap * sizeof *v);
			if (!v) {
				out = assay_fail(err, ASSAY_ENOMEM, "out of memory");
				break;
			}
			*names = v;
		}
		if (!((*names)[*n] = store_col_str(st, 0)))
			out = assay_fail(err, ASSAY_ENOMEM, "out of memory");
		else
			(*n)++;
	}
	if (out == 0 && rc != SQLITE_DONE)
		out = store_sqlerr(s, rc, err, "reading scorers");
	sqlite3_reset(st);
	if (out < 0) {
		store_strings_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return out;
}
