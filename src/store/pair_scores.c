/* pair_scores.c — candidate b's scores: candidate a is the sample's text,
 * scored like any other sample; candidate b is scored by the same rule
 * scorers with the same context and record, one pair_scores row per
 * (pair, scorer). */
#include "store_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The pairs of the batches ?2 (a JSON array; NULL: every batch) after ?1,
 * in id order, with b's current scores as "\x1escorer\x1fversion" runs (a
 * failed score is none, so it is tried again). */
static const char sql_todo[] =
	"SELECT p.sample_id, (SELECT group_concat(char(30) || ps.scorer || char(31) || ps.version, '')"
	"   FROM pair_scores ps WHERE ps.sample_id = p.sample_id AND ps.value IS NOT NULL)"
	" FROM pairs p JOIN samples s ON s.id = p.sample_id"
	" WHERE p.sample_id > ?1"
	"   AND (?2 IS NULL OR s.batch_id IN (SELECT value FROM json_each(?2)))"
	" ORDER BY p.sample_id LIMIT ?3";

/* Whether have ("\x1escorer\x1fversion" runs) lacks want's. */
static bool lacks(const char *have, const store_score_want *w)
{
	size_t ns = strlen(w->scorer), nv = strlen(w->version);
	for (const char *p = have; p && (p = strchr(p, '\x1e')); p++)
		if (strncmp(p + 1, w->scorer, ns) == 0 && p[1 + ns] == '\x1f' &&
		    strncmp(p + 2 + ns, w->version, nv) == 0 &&
		    (p[2 + ns + nv] == '\x1e' || p[2 + ns + nv] == '\0'))
			return false;
	return true;
}

static int batches_text(const int64_t *batch_ids, size_t n, abuf *out, assay_error *err)
{
	int rc = abuf_putc(out, '[');
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = abuf_printf(out, "%s%lld", i ? "," : "", (long long)batch_ids[i]);
	if (rc == 0)
		rc = abuf_putc(out, ']');
	return rc < 0 ? assay_fail(err, ASSAY_ENOMEM, "out of memory") : ASSAY_OK;
}

int store_pair_b_todo(store *s, const store_score_query *q, int64_t *after, int64_t *ids,
		      size_t max, size_t *n, assay_error *err)
{
	*n = 0;
	if (s->pg)
		return ASSAY_OK; /* pairs are stored by SQLite stores only */
	abuf batches = {0};
	int rc = q->batch_ids ? batches_text(q->batch_ids, q->n_batches, &batches, err) : 0;
	sqlite3_stmt *st = rc < 0 ? NULL : store_stmt(s, sql_todo, err);
	if (!st) {
		abuf_free(&batches);
		return err->code;
	}
	/* read on until a page of ids needs scoring or the pairs end */
	while (*n == 0 && rc == 0) {
		sqlite3_bind_int64(st, 1, *after);
		store_bind_text(st, 2, q->batch_ids ? batches.data : NULL, (int64_t)batches.len);
		sqlite3_bind_int64(st, 3, (int64_t)max);
		size_t read = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			read++;
			*after = sqlite3_column_int64(st, 0);
			const char *have = (const char *)sqlite3_column_text(st, 1);
			bool need = q->rescore;
			for (size_t i = 0; i < q->n_want && !need; i++)
				need = lacks(have, &q->want[i]);
			if (need)
				ids[(*n)++] = *after;
		}
		sqlite3_reset(st);
		rc = rc == SQLITE_DONE ? ASSAY_OK : store_sqlerr(s, rc, err, "reading the pairs");
		if (read < max)
			break;
	}
	abuf_free(&batches);
	return rc;
}

static const char sql_put[] =
	"INSERT OR REPLACE INTO pair_scores"
	" (sample_id, scorer, value, flagged, reason, version, detail, scored_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, ''), ?8)";

int store_pair_b_score_put(store *s, const store_score_row *r, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_put, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, r->sample_id);
	store_bind_text(st, 2, r->scorer, -1);
	if (isnan(r->value))
		sqlite3_bind_null(st, 3);
	else
		sqlite3_bind_double(st, 3, r->value);
	sqlite3_bind_int(st, 4, r->flagged);
	store_bind_text(st, 5, r->reason ? r->reason : "", -1);
	store_bind_text(st, 6, r->version, -1);
	store_bind_text(st, 7, r->detail, -1);
	sqlite3_bind_int64(st, 8, assay_now_ms());
	return store_step_done(s, st, err, "writing candidate b's score");
}

/* Flagged first, then the lowest: as the review screen orders a's. */
static const char sql_get[] =
	"SELECT scorer, version, value, flagged, reason, detail, scored_at"
	" FROM pair_scores WHERE sample_id = ?1"
	" ORDER BY flagged DESC, coalesce(value, -1), scorer";

int store_pair_b_scores_get(store *s, int64_t sample_id, store_score **out, size_t *n,
			    assay_error *err)
{
	*out = NULL;
	*n = 0;
	if (s->pg)
		return ASSAY_OK;
	return store_scores_read(s, sql_get, sample_id, out, n, "reading candidate b's scores",
				 err);
}
