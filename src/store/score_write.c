/* score_write.c — the scores of many samples written together: each
 * sample's packed row and notes record (score_pack.c, score_forms.c) are
 * made as its scores come and kept in a batch; a flush writes the batch's
 * rows with one statement per BATCH_ROWS samples, not two statements per
 * sample (an import's inserting thread spent as long on those two as on
 * the sample's own insert: a statement's start and end, and a seek from
 * the root where one cursor walks on along the appended rows).
 * store_scores_put_split writes one sample's scores as a batch of one. */
#include "store_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The learned scorer's value is also a column, for the queue's indexes. */
#define LEARNED "learned"

/* Samples per multi-row statement: the parameters below are numbered for it. */
#define BATCH_ROWS 16

#define ROW6 "(?,?,?,?,?,?)"
#define ROW6X4 ROW6 "," ROW6 "," ROW6 "," ROW6
#define ROW2 "(?,?)"
#define ROW2X4 ROW2 "," ROW2 "," ROW2 "," ROW2

/* One sample's row, as store_scores_put_split writes it (?1..?6 the row,
 * ?7 the slots written, ?8 whether the learned column is among them). */
static const char sql_row[] =
	"INSERT INTO sample_scores (sample_id, flags, learned, scored_at, vals, vers)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	" ON CONFLICT (sample_id) DO UPDATE SET flags = (flags & ~?7) | excluded.flags,"
	" learned = CASE WHEN ?8 THEN excluded.learned ELSE learned END,"
	" scored_at = excluded.scored_at, vals = score_merge(vals, excluded.vals, ?7, 8),"
	" vers = score_merge(vers, excluded.vers, ?7, 4)";
/* BATCH_ROWS samples' rows (?1..?96), all with the same slots (?97) and
 * learned or not (?98). */
static const char sql_rows[] =
	"INSERT INTO sample_scores (sample_id, flags, learned, scored_at, vals, vers)"
	" VALUES " ROW6X4 "," ROW6X4 "," ROW6X4 "," ROW6X4
	" ON CONFLICT (sample_id) DO UPDATE SET flags = (flags & ~?97) | excluded.flags,"
	" learned = CASE WHEN ?98 THEN excluded.learned ELSE learned END,"
	" scored_at = excluded.scored_at, vals = score_merge(vals, excluded.vals, ?97, 8),"
	" vers = score_merge(vers, excluded.vers, ?97, 4)";
/* BATCH_ROWS samples' notes (?1..?32), all of the same slots (?33). */
static const char sql_notes[] =
	"INSERT INTO score_notes (sample_id, notes)"
	" VALUES " ROW2X4 "," ROW2X4 "," ROW2X4 "," ROW2X4
	" ON CONFLICT (sample_id) DO UPDATE SET notes = note_merge(notes, excluded.notes, ?33)";
int store_score_batch_new(store_score_batch **out, assay_error *err)
{
	*out = calloc(1, sizeof **out);
	return *out ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
}

void store_score_batch_drop(store_score_batch *b)
{
	b->n = 0;
	abuf_reset(&b->bytes);
}

void score_batch_clear(store_score_batch *b)
{
	free(b->rows);
	abuf_free(&b->bytes);
	score_notes_buf_free(&b->nb);
	*b = (store_score_batch){0};
}

void store_score_batch_free(store_score_batch *b)
{
	if (!b)
		return;
	score_batch_clear(b);
	free(b);
}

/* Appends len bytes to the batch's buffer; their offset in *at. */
static int put_bytes(store_score_batch *b, const void *p, size_t len, size_t *at)
{
	*at = b->bytes.len;
	return abuf_append(&b->bytes, p, len) < 0 ? ASSAY_ENOMEM : ASSAY_OK;
}

/* x's notes record from rows (slots slot[], learned[i]: row i is the
 * learned scorer's) appended to the buffer. */
static int pack_notes(store *s, store_score_batch *b, score_batch_row *x, const store_score_row *rows,
		      const void *const *split, const int *slot, const bool *learned, size_t n,
		      assay_error *err)
{
	score_notes_buf *nb = &b->nb;
	abuf_reset(&nb->plain);
	abuf_reset(&nb->parts);
	nb->mask = 0;
	int rc = ASSAY_OK;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = score_forms_note(s, nb, slot[i], rows[i].reason, rows[i].detail, learned[i],
				      split ? split[i] : NULL);
	x->notes = b->bytes.len;
	if (rc == 0)
		rc = score_notes_finish(nb, &b->bytes);
	x->notes_len = b->bytes.len - x->notes;
	return rc < 0 ? score_notes_fail(err, rc) : ASSAY_OK;
}

/* The next entry of the batch's rows. */
static score_batch_row *next_row(store_score_batch *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : BATCH_ROWS;
		score_batch_row *v = realloc(b->rows, cap * sizeof *v);
		if (!v)
			return NULL;
		b->rows = v;
		b->cap = cap;
	}
	return &b->rows[b->n];
}

int store_score_batch_add(store *s, store_score_batch *b, const store_score_row *rows,
			  const void *const *split, store_slot_ref *refs, size_t n,
			  assay_error *err)
{
	if (!n)
		return ASSAY_OK;
	if (s->pg)
		return store_scores_put_split(s, rows, split, refs, n, err);
	return score_batch_pack(s, b, rows, split, refs, n, assay_now_ms(), err);
}

int score_batch_pack(store *s, store_score_batch *b, const store_score_row *rows,
		     const void *const *split, store_slot_ref *refs, size_t n, int64_t at,
		     assay_error *err)
{
	if (n > STORE_MAX_SLOTS)
		return assay_fail(err, ASSAY_EINVAL, "at most %d scorers", STORE_MAX_SLOTS);
	double val[STORE_MAX_SLOTS];
	int slot[STORE_MAX_SLOTS], top = -1;
	uint32_t ver[STORE_MAX_SLOTS], vid[STORE_MAX_SLOTS] = {0};
	bool learned[STORE_MAX_SLOTS];
	int rc = ASSAY_OK;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = score_slot_of(s, &rows[i], refs ? &refs[i] : NULL, &slot[i], &ver[i], err);
		top = rc == 0 && slot[i] > top ? slot[i] : top;
	}
	score_batch_row *x = rc == 0 && top >= 0 ? next_row(b) : NULL;
	if (rc < 0 || top < 0)
		return rc;
	if (!x)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	*x = (score_batch_row){.sample_id = rows[0].sample_id, .at = at, .learned = NAN};
	for (int i = 0; i <= top; i++)
		val[i] = NAN;
	for (size_t i = 0; i < n; i++) {
		val[slot[i]] = rows[i].value;
		vid[slot[i]] = ver[i];
		x->mask |= 1ull << slot[i];
		x->flags |= (uint64_t)(rows[i].flagged && !isnan(rows[i].value)) << slot[i];
		if ((learned[i] = strcmp(rows[i].scorer, LEARNED) == 0)) {
			x->has_learned = true;
			x->learned = rows[i].value;
		}
	}
	unsigned char vals[1 + STORE_MAX_SLOTS / 4 + STORE_MAX_SLOTS * 8 + 1];
	unsigned char vers[1 + STORE_MAX_SLOTS * 5 + 1];
	x->vals_len = score_pack_vals(vals, val, (size_t)top + 1);
	x->vers_len = score_pack_vers(vers, vid, (size_t)top + 1);
	if (put_bytes(b, vals, x->vals_len, &x->vals) < 0 ||
	    put_bytes(b, vers, x->vers_len, &x->vers) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if ((rc = pack_notes(s, b, x, rows, split, slot, learned, n, err)) < 0)
		return rc;
	b->n++;
	return ASSAY_OK;
}

/* Binds x's row at parameters from + 1 .. from + 6. */
static void bind_row(sqlite3_stmt *st, int from, const store_score_batch *b, const score_batch_row *x)
{
	sqlite3_bind_int64(st, from + 1, x->sample_id);
	sqlite3_bind_int64(st, from + 2, (int64_t)x->flags);
	if (isnan(x->learned))
		sqlite3_bind_null(st, from + 3);
	else
		sqlite3_bind_double(st, from + 3, x->learned);
	sqlite3_bind_int64(st, from + 4, x->at);
	sqlite3_bind_blob(st, from + 5, b->bytes.data + x->vals, (int)x->vals_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, from + 6, b->bytes.data + x->vers, (int)x->vers_len, SQLITE_STATIC);
}

/* Whether rows a and b can share a statement's slots (and learned flag). */
static bool same_kind(const score_batch_row *a, const score_batch_row *b)
{
	return a->mask == b->mask && a->has_learned == b->has_learned;
}

/* The rows from at: BATCH_ROWS of one kind in one statement, else one;
 * how many were written in *done. */
static int write_rows(store *s, const store_score_batch *b, size_t at, size_t *done,
		      assay_error *err)
{
	const score_batch_row *x = &b->rows[at];
	size_t k = 1;
	while (k < BATCH_ROWS && at + k < b->n && same_kind(x, &b->rows[at + k]))
		k++;
	k = k == BATCH_ROWS ? k : 1;
	sqlite3_stmt *st = store_stmt(s, k == 1 ? sql_row : sql_rows, err);
	if (!st)
		return err->code;
	for (size_t i = 0; i < k; i++)
		bind_row(st, (int)i * 6, b, &x[i]);
	sqlite3_bind_int64(st, (int)k * 6 + 1, (int64_t)x->mask);
	sqlite3_bind_int(st, (int)k * 6 + 2, x->has_learned);
	*done = k;
	return store_step_done(s, st, err, "writing scores");
}

/* The notes from at: BATCH_ROWS with notes of one kind in one statement,
 * else one (its notes, or its slots' notes dropped when it has none). */
static int write_notes(store *s, const store_score_batch *b, size_t at, size_t *done,
		       assay_error *err)
{
	const score_batch_row *x = &b->rows[at];
	size_t k = 1;
	while (x->notes_len && k < BATCH_ROWS && at + k < b->n &&
	       b->rows[at + k].mask == x->mask && b->rows[at + k].notes_len)
		k++;
	if (k < BATCH_ROWS) {
		*done = 1;
		return score_notes_put(s, x->sample_id, b->bytes.data + x->notes, x->notes_len,
				       x->mask, err);
	}
	sqlite3_stmt *st = store_stmt(s, sql_notes, err);
	if (!st)
		return err->code;
	for (size_t i = 0; i < k; i++) {
		sqlite3_bind_int64(st, (int)i * 2 + 1, x[i].sample_id);
		sqlite3_bind_blob(st, (int)i * 2 + 2, b->bytes.data + x[i].notes,
				  (int)x[i].notes_len, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, (int)k * 2 + 1, (int64_t)x->mask);
	*done = k;
	return store_step_done(s, st, err, "writing a score's reason");
}

int store_score_batch_flush(store *s, store_score_batch *b, assay_error *err)
{
	int rc = ASSAY_OK;
	size_t k = 1;
	for (size_t at = 0; at < b->n && rc == 0; at += k)
		rc = write_rows(s, b, at, &k, err);
	for (size_t at = 0; at < b->n && rc == 0; at += k)
		rc = write_notes(s, b, at, &k, err);
	store_score_batch_drop(b);
	return rc;
}
