/* scores_pg_batch.c — the score writes of a PostgreSQL transaction held
 * back and sent together: every sample's scores row, its notes and its
 * combined score in one statement of arrays (one element, or one slice of
 * a flat array, per sample), where a statement per sample cost a round
 * trip and an execution each. The writes go out before the commit, and
 * before any other statement of the connection (dbi_before_next), so
 * that everything the transaction runs sees them; a rollback drops them.
 * Within one statement a sample is written once: a second write of a
 * sample already held (ids come in ascending order within a page) sends
 * the held ones first. */
#include "scores_pg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Array literals under construction: "{" and the elements so far. */
struct scores_pg_pending {
	abuf ids, flags, learned, at, starts, lens, masks, notes; /* one per sample */
	abuf vals, vers, reasons, details;                         /* top + 1 per sample */
	abuf qids, qvals;                                          /* combined scores */
	size_t n, nq, elems;
	int64_t last_id, last_qid;
};

/* A held statement goes out past this many samples. */
#define HOLD_MAX 4096

/* Every row's scores: vals and vers merged as scores_pg.c's single write
 * merges them, the written slots being those with a version in the new
 * row (so the mask is read from excluded.vers); the learned column taken
 * when the learned scorer's slot ($13) was written. Notes: the existing
 * rows merged by mask (as the single write), new ones made only for a
 * write with a note. $1 ids, $2 flags, $3 learned, $4 at, $5 starts, $6
 * lengths, $7 vals, $8 vers, $9 masks, $10 has notes, $11 reasons, $12
 * details, $14/$15 the combined scores' ids and values. */
#define SLICE(arr, type) "(" arr "::" type "[])[v.st + 1 : v.st + v.len]"
static const dbi_query q_flush = {
    "pg_scores_flush", NULL,
    "WITH v AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::bigint[],"
    "  $5::integer[], $6::integer[], $9::bigint[], $10::integer[])"
    "  AS v(id, flags, learned, at, st, len, mask, notes)),"
    " r AS (INSERT INTO sample_scores AS o (sample_id, flags, learned, scored_at, vals, vers)"
    "  SELECT v.id, v.flags, v.learned, v.at, " SLICE("$7", "float8") ", " SLICE("$8", "integer")
    "  FROM v ORDER BY v.id"
    "  ON CONFLICT (sample_id) DO UPDATE SET flags = (o.flags & ~(SELECT"
    "   coalesce(bit_or(1::bigint << (i - 1)::integer), 0) FROM unnest(excluded.vers)"
    "   WITH ORDINALITY AS u(nv, i) WHERE nv IS NOT NULL)) | excluded.flags,"
    "  learned = CASE WHEN excluded.vers[$13::integer + 1] IS NOT NULL THEN excluded.learned"
    "   ELSE o.learned END,"
    "  scored_at = excluded.scored_at,"
    "  vals = ARRAY(SELECT CASE WHEN nv IS NULL THEN ov ELSE n END"
    "    FROM unnest(excluded.vals, excluded.vers, o.vals) WITH ORDINALITY AS u(n, nv, ov, i)"
    "    ORDER BY i),"
    "  vers = ARRAY(SELECT coalesce(nv, ov)"
    "    FROM unnest(excluded.vers, o.vers) WITH ORDINALITY AS u(nv, ov, i) ORDER BY i)),"
    " nu AS (UPDATE score_notes o SET"
    "  reasons = ARRAY(SELECT CASE WHEN (v.mask >> (i - 1)::integer) & 1 = 1 THEN n ELSE ov END"
    "   FROM unnest(" SLICE("$11", "text") ", o.reasons) WITH ORDINALITY AS u(n, ov, i)"
    "   ORDER BY i),"
    "  details = ARRAY(SELECT CASE WHEN (v.mask >> (i - 1)::integer) & 1 = 1 THEN n ELSE ov END"
    "   FROM unnest(" SLICE("$12", "text") ", o.details) WITH ORDINALITY AS u(n, ov, i)"
    "   ORDER BY i)"
    "  FROM v WHERE o.sample_id = v.id),"
    " ni AS (INSERT INTO score_notes AS o (sample_id, reasons, details)"
    "  SELECT v.id, " SLICE("$11", "text") ", " SLICE("$12", "text") " FROM v"
    "  WHERE v.notes = 1 AND NOT EXISTS (SELECT 1 FROM score_notes n WHERE n.sample_id = v.id)"
    "  ORDER BY v.id"
    /* a row made meanwhile by another connection: the new notes where given */
    "  ON CONFLICT (sample_id) DO UPDATE SET"
    "  reasons = ARRAY(SELECT coalesce(n, ov) FROM unnest(excluded.reasons, o.reasons)"
    "   WITH ORDINALITY AS u(n, ov, i) ORDER BY i),"
    "  details = ARRAY(SELECT coalesce(n, ov) FROM unnest(excluded.details, o.details)"
    "   WITH ORDINALITY AS u(n, ov, i) ORDER BY i)),"
    " q AS (UPDATE sample_quality s SET quality = q.v FROM unnest($14::bigint[], $15::float8[])"
    "  AS q(id, v) WHERE s.sample_id = q.id AND s.quality IS DISTINCT FROM q.v)"
    " SELECT 1"};
#undef SLICE

static abuf *all_bufs(struct scores_pg_pending *p, size_t i)
{
	abuf *b[] = {&p->ids,   &p->flags, &p->learned, &p->at,      &p->starts,
		     &p->lens,  &p->masks, &p->notes,   &p->vals,    &p->vers,
		     &p->reasons, &p->details, &p->qids, &p->qvals};
	return i < ASSAY_ARRAY_LEN(b) ? b[i] : NULL;
}

static void pending_reset(struct scores_pg_pending *p)
{
	for (size_t i = 0; all_bufs(p, i); i++)
		abuf_reset(all_bufs(p, i));
	p->n = p->nq = p->elems = 0;
	p->last_id = p->last_qid = 0;
}

void scores_pg_discard(store *s)
{
	if (s->pending)
		pending_reset(s->pending);
	if (s->dbi && s->pg)
		dbi_before_next(s->dbi, NULL, NULL);
}

void scores_pg_pending_free(store *s)
{
	if (!s->pending)
		return;
	for (size_t i = 0; all_bufs(s->pending, i); i++)
		abuf_free(all_bufs(s->pending, i));
	free(s->pending);
	s->pending = NULL;
}

/* The learned scorer's slot, -1 when it has none. */
static int learned_slot(store *s)
{
	for (size_t i = 0; i < s->n_slots; i++)
		if (s->slot_names[i] && strcmp(s->slot_names[i], "learned") == 0)
			return (int)i;
	return -1;
}

/* Appends "," (or "{" first) to b. */
static int sep(abuf *b)
{
	return abuf_putc(b, b->len ? ',' : '{');
}

static int bind_arr(dbi_stmt *st, int idx, abuf *b)
{
	if ((b->len ? abuf_putc(b, '}') : abuf_puts(b, "{}")) < 0)
		return ASSAY_ENOMEM;
	dbi_bind_text(st, idx, b->data, (int64_t)b->len);
	return ASSAY_OK;
}

static int flush_cb(void *ud, assay_error *err)
{
	return scores_pg_flush(ud, err);
}

int scores_pg_flush(store *s, assay_error *err)
{
	struct scores_pg_pending *p = s->pending;
	if (!s->pg || !p || (p->n == 0 && p->nq == 0))
		return ASSAY_OK;
	dbi_before_next(s->dbi, NULL, NULL);
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_flush, err);
	if (!st) {
		pending_reset(p);
		return err->code;
	}
	static const int idx[] = {1, 2, 3, 4, 5, 6, 9, 10, 7, 8, 11, 12, 14, 15};
	int rc = ASSAY_OK;
	for (size_t i = 0; all_bufs(p, i) && rc == 0; i++)
		rc = bind_arr(st, idx[i], all_bufs(p, i));
	dbi_bind_i64(st, 13, learned_slot(s));
	if (rc == 0) {
		rc = dbi_step(st, err, "writing scores");
		dbi_reset(st);
	} else {
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	pending_reset(p);
	return rc < 0 ? rc : ASSAY_OK;
}

static int pending_get(store *s, struct scores_pg_pending **out, assay_error *err)
{
	if (!s->pending && !(s->pending = calloc(1, sizeof *s->pending)))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	*out = s->pending;
	return ASSAY_OK;
}

/* One sample's slots 0..top as elements of the flat arrays. */
static int put_slots(struct scores_pg_pending *p, const store_score_row *rows, size_t n,
		     const int *slot, const uint32_t *ver, int top, bool *notes)
{
	int rc = 0;
	for (int k = 0; k <= top && rc == 0; k++) {
		size_t i = 0;
		while (i < n && slot[i] != k)
			i++;
		rc |= sep(&p->vals) | sep(&p->vers) | sep(&p->reasons) | sep(&p->details);
		if (i == n) {
			rc |= abuf_puts(&p->vals, "NULL") | abuf_puts(&p->vers, "NULL");
			rc |= abuf_puts(&p->reasons, "NULL") | abuf_puts(&p->details, "NULL");
			continue;
		}
		double v = rows[i].value;
		rc |= isnan(v) ? abuf_puts(&p->vals, "NULL") : abuf_printf(&p->vals, "%.17g", v);
		rc |= abuf_printf(&p->vers, "%u", (unsigned)ver[i]);
		rc |= scores_pg_text_elem(&p->reasons, rows[i].reason);
		rc |= scores_pg_text_elem(&p->details, rows[i].detail);
		*notes |= (rows[i].reason && *rows[i].reason) || (rows[i].detail && *rows[i].detail);
	}
	return rc;
}

int scores_pg_hold(store *s, const store_score_row *rows, size_t n, const int *slot,
		   const uint32_t *ver, uint64_t mask, uint64_t flags, int learned_i, int64_t at,
		   assay_error *err)
{
	struct scores_pg_pending *p = NULL;
	int64_t id = rows[0].sample_id;
	int rc = pending_get(s, &p, err);
	if (rc == 0 && (p->n >= HOLD_MAX || (p->n && id <= p->last_id)))
		rc = scores_pg_flush(s, err);
	if (rc < 0)
		return rc;
	int top = 0;
	for (size_t i = 0; i < n; i++)
		top = slot[i] > top ? slot[i] : top;
	bool notes = false;
	double lv = learned_i >= 0 ? rows[learned_i].value : NAN;
	rc = sep(&p->ids) | abuf_printf(&p->ids, "%lld", (long long)id);
	rc |= sep(&p->flags) | abuf_printf(&p->flags, "%lld", (long long)flags);
	rc |= sep(&p->learned) |
	      (isnan(lv) ? abuf_puts(&p->learned, "NULL") : abuf_printf(&p->learned, "%.17g", lv));
	rc |= sep(&p->at) | abuf_printf(&p->at, "%lld", (long long)at);
	rc |= sep(&p->starts) | abuf_printf(&p->starts, "%zu", p->elems);
	rc |= sep(&p->lens) | abuf_printf(&p->lens, "%d", top + 1);
	rc |= sep(&p->masks) | abuf_printf(&p->masks, "%lld", (long long)mask);
	rc |= put_slots(p, rows, n, slot, ver, top, &notes);
	rc |= sep(&p->notes) | abuf_puts(&p->notes, notes ? "1" : "0");
	if (rc) {
		pending_reset(p);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	p->elems += (size_t)top + 1;
	p->n++;
	p->last_id = id;
	dbi_before_next(s->dbi, flush_cb, s);
	return ASSAY_OK;
}

int scores_pg_hold_quality(store *s, int64_t sample_id, double quality, assay_error *err)
{
	struct scores_pg_pending *p = NULL;
	int rc = pending_get(s, &p, err);
	if (rc == 0 && (p->nq >= HOLD_MAX || (p->nq && sample_id <= p->last_qid)))
		rc = scores_pg_flush(s, err);
	if (rc < 0)
		return rc;
	rc = sep(&p->qids) | abuf_printf(&p->qids, "%lld", (long long)sample_id);
	rc |= sep(&p->qvals) | (isnan(quality) ? abuf_puts(&p->qvals, "NULL")
					       : abuf_printf(&p->qvals, "%.17g", quality));
	if (rc) {
		pending_reset(p);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	p->nq++;
	p->last_qid = sample_id;
	dbi_before_next(s->dbi, flush_cb, s);
	return ASSAY_OK;
}
