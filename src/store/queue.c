/* queue.c — the review queue: the next sample for an annotator by an
 * indexed keyset walk from a cursor (never the data set in memory), leases
 * so two annotators in exclusive mode never share a sample, and what the
 * screen shows beside a sample (its decision, scores, notes). The orders'
 * SQL is in queue_order.c. */
#include "queue_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_lease[] =
	"INSERT INTO leases (sample_id, annotator_id, expires_at) VALUES (?1, ?2, ?3)"
	" ON CONFLICT (sample_id, annotator_id) DO UPDATE SET expires_at = excluded.expires_at";
static const char sql_drop_other_leases[] =
	"DELETE FROM leases WHERE annotator_id = ?1 AND sample_id <> ?2";

static int64_t seed_key(uint64_t seed)
{
	/* splitmix64 of the seed: the random walk starts somewhere in the hash space */
	uint64_t z = seed + 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return (int64_t)(z ^ (z >> 31));
}

/* The pass is over: the skipped samples come next (undecided queue), or
 * nothing. */
static void end_pass(const store_queue *q, store_cursor *c)
{
	if (c->phase != PH_SKIPPED && q->show == STORE_SHOW_UNDECIDED)
		*c = (store_cursor){.phase = PH_SKIPPED, .started = true,
				    .last_cluster = c->last_cluster};
	else
		c->phase = PH_DONE;
}

static int first_phase(const store_queue *q)
{
	return q->order == STORE_ORDER_QUALITY ? PH_UNSCORED : PH_MAIN;
}

/* The cursor's phase is exhausted: on to the next part of the order, round
 * to its start once if the pass began mid-way, else the pass ends. */
static void next_phase(const store_queue *q, store_cursor *c)
{
	if (c->phase == PH_UNSCORED || (c->phase == PH_MAIN && queue_learned_order(q->order))) {
		c->phase = c->phase == PH_UNSCORED ? PH_MAIN : PH_UNRANKED;
		c->quality = -INFINITY;
		c->id = 0;
	} else if (c->phase != PH_SKIPPED && c->ring && !c->wrapped) {
		c->wrapped = true;
		c->phase = first_phase(q);
		c->quality = -INFINITY;
		c->id = 0;
		c->key = INT64_MIN;
	} else {
		end_pass(q, c);
	}
}

/* A phase's place in a pass: unscored (quality order), main, unranked
 * (learned orders). */
static int phase_rank(int phase)
{
	return phase == PH_UNRANKED ? 2 : phase;
}

/* Compares two positions in q's order: (phase, key, id) for the ordered
 * phases, the id for import order, the hash for the random order (as an
 * offset from the seed's point, so the ring starts there). */
static int pos_cmp(const store_queue *q, const qpos *a, const qpos *b)
{
	if (q->order == STORE_ORDER_RANDOM) {
		uint64_t o = (uint64_t)seed_key(q->seed);
		uint64_t x = (uint64_t)a->hash - o, y = (uint64_t)b->hash - o;
		return x < y ? -1 : x > y;
	}
	if (q->order != STORE_ORDER_IMPORT) {
		if (a->phase != b->phase)
			return phase_rank(a->phase) < phase_rank(b->phase) ? -1 : 1;
		if (a->phase == PH_MAIN && a->key != b->key)
			return a->key < b->key ? -1 : 1;
	}
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Whether the sample at h lies where the wrapped round of the pass must
 * stop: at or after where the pass began. */
static bool at_stop(const store_queue *q, const store_cursor *c, const qpos *h)
{
	if (q->order == STORE_ORDER_RANDOM)
		return h->hash >= c->stop_key; /* the wrapped round runs up from the smallest hash */
	qpos at = *h, stop = {.phase = c->stop_phase, .key = c->stop_quality, .id = c->stop_id};
	if (isnan(at.key))
		at.key = -INFINITY;
	return pos_cmp(q, &at, &stop) >= 0;
}

static const char sql_resume_own[] =
	"SELECT sample_id, kind FROM events WHERE annotator_id = ?1"
	" AND kind IN ('accept', 'edit', 'reject', 'skip', 'undo') ORDER BY id DESC LIMIT 1";
static const char sql_resume_any[] =
	"SELECT sample_id, kind FROM events"
	" WHERE kind IN ('accept', 'edit', 'reject', 'skip') ORDER BY id DESC LIMIT 1";

/* The position of the sample of the latest event sql finds, if that sample
 * is in the queue's batch; *undo tells whether that event was an undo. */
static int latest_pos(store *s, const store_queue *q, const char *sql, qpos *p, bool *undo,
		      assay_error *err)
{
	*p = (qpos){0};
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (!st)
		return err->code;
	if (sql == sql_resume_own)
		sqlite3_bind_int64(st, 1, q->annotator_id);
	int rc = sqlite3_step(st);
	int64_t id = 0;
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		*undo = strcmp((const char *)sqlite3_column_text(st, 1), "undo") == 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? ASSAY_OK : store_sqlerr(s, rc, err, "reading the events");
	return queue_sample_pos(s, q, id, p, err);
}

/* Where a fresh pass over the undecided samples resumes (p->ok false: from
 * the start of the order). */
static int resume_pos(store *s, const store_queue *q, qpos *p, assay_error *err)
{
	bool undo = false, undo_any;
	int rc = latest_pos(s, q, sql_resume_own, p, &undo, err);
	if (rc < 0 || undo || q->overlap > 1)
		return rc;
	qpos any;
	if ((rc = latest_pos(s, q, sql_resume_any, &any, &undo_any, err)) < 0)
		return rc;
	if (any.ok && (!p->ok || pos_cmp(q, &any, p) > 0))
		*p = any;
	return ASSAY_OK;
}

/* Initialises a fresh cursor for q: just before the resume point (or the
 * seed's point for the random order), or at the start of the order. */
static int cursor_start(store *s, const store_queue *q, store_cursor *c, assay_error *err)
{
	*c = (store_cursor){.phase = first_phase(q), .quality = -INFINITY, .key = INT64_MIN,
			    .started = true};
	qpos p = {0};
	if (q->show == STORE_SHOW_UNDECIDED) {
		int rc = resume_pos(s, q, &p, err);
		if (rc < 0)
			return rc;
	}
	if (!p.ok && q->order == STORE_ORDER_RANDOM)
		p = (qpos){.ok = true, .phase = PH_MAIN, .hash = seed_key(q->seed)};
	if (!p.ok)
		return ASSAY_OK;
	/* the probes are exclusive (key > cursor): start one below the point */
	c->ring = true;
	c->phase = c->stop_phase = p.phase;
	c->quality = c->stop_quality = p.key;
	c->id = p.id > 0 ? p.id - 1 : 0;
	c->stop_id = p.id;
	c->key = p.hash > INT64_MIN ? p.hash - 1 : INT64_MIN;
	c->stop_key = p.hash;
	return ASSAY_OK;
}

static int claim(store *s, const store_queue *q, int64_t id, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_lease, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, q->annotator_id);
	sqlite3_bind_int64(st, 3, assay_now_ms() + (q->lease_ms > 0 ? q->lease_ms : 600000));
	int rc = store_step_done(s, st, err, "taking the lease");
	if (rc == ASSAY_OK && (st = store_stmt(s, sql_drop_other_leases, err)) != NULL) {
		sqlite3_bind_int64(st, 1, q->annotator_id);
		sqlite3_bind_int64(st, 2, id);
		rc = store_step_done(s, st, err, "releasing leases");
	} else if (rc == ASSAY_OK) {
		rc = err->code;
	}
	return rc;
}

static const char sql_still_offered[] = "SELECT 1 FROM samples s WHERE s.id = ?6" ELIGIBLE;

/* Whether sample id is (still) offered: inside the write transaction,
 * another annotator may have taken it since the probe found it. 1 yes, 0
 * no, < 0 error. */
static int still_offered(store *s, const store_queue *q, int show, int64_t id, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_still_offered, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, q->annotator_id);
	sqlite3_bind_int64(st, 2, q->batch_id);
	sqlite3_bind_int(st, 3, show);
	sqlite3_bind_int64(st, 4, assay_now_ms());
	sqlite3_bind_int(st, 5, q->overlap > 0 ? q->overlap : 1);
	sqlite3_bind_int64(st, 6, id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_sqlerr(s, rc, err, "reading the queue");
}

/* Leases sample id to the annotator if it is still offered: one short
 * IMMEDIATE transaction. 1 leased, 0 taken meanwhile, < 0 error. */
static int lease_if_offered(store *s, const store_queue *q, int show, int64_t id,
			    assay_error *err)
{
	if (q->peek)
		return still_offered(s, q, show, id, err);
	int rc = store_begin(s, err);
	if (rc < 0)
		return rc;
	int ok = still_offered(s, q, show, id, err);
	if (ok == 1 && (rc = claim(s, q, id, err)) < 0)
		ok = rc;
	if (ok == 1)
		return (rc = store_commit(s, err)) < 0 ? rc : 1;
	store_rollback(s);
	return ok;
}

/* Moves the cursor onto h: the walk goes on after it. */
static void cursor_at(store_cursor *c, const qpos *h)
{
	c->id = h->id;
	c->key = h->hash;
	if (!isnan(h->key))
		c->quality = h->key;
}

static int ahead_find(const store_cursor *c, int64_t id)
{
	for (int i = 0; i < c->n_ahead; i++)
		if (c->ahead[i] == id)
			return i;
	return -1;
}

/* Whether another sample may be handed out ahead of the cursor: the list
 * of those is full only of samples still offered (forgetting the ones
 * decided since). 1 yes, 0 no, < 0 error. */
static int room_ahead(store *s, const store_queue *q, store_cursor *c, int show,
		      assay_error *err)
{
	for (int i = c->n_ahead - 1; c->n_ahead == STORE_CURSOR_AHEAD && i >= 0; i--) {
		int on = still_offered(s, q, show, c->ahead[i], err);
		if (on < 0)
			return on;
		if (!on)
			c->ahead[i] = c->ahead[--c->n_ahead];
	}
	return c->n_ahead < STORE_CURSOR_AHEAD;
}

/* The uncertain order never hands out two members of one near-duplicate
 * cluster in a row: when the next sample x is in the cluster handed out
 * last, the first sample after x in the same phase that is not (and was
 * not handed out already) goes first, and x stays next. 1 found, 0 none
 * (the rest of the phase is that cluster), < 0 error. */
static int look_ahead(store *s, const store_queue *q, const store_cursor *c, int show,
		      const qpos *x, qpos *y, assay_error *err)
{
	store_cursor at = *c;
	cursor_at(&at, x);
	for (;;) {
		int found = queue_probe(s, q, &at, show, c->last_cluster, y, err);
		if (found <= 0)
			return found;
		if (c->wrapped && at_stop(q, c, y))
			return 0;
		if (ahead_find(c, y->id) < 0)
			return 1;
		cursor_at(&at, y);
	}
}

/* Which sample to hand out when the walk is at x: x, or one after it (see
 * look_ahead). */
static int pick(store *s, const store_queue *q, store_cursor *c, int show, const qpos *x,
		qpos *give, assay_error *err)
{
	*give = *x;
	if (q->order != STORE_ORDER_UNCERTAIN || c->phase == PH_SKIPPED || !c->last_cluster ||
	    x->cluster != c->last_cluster)
		return ASSAY_OK;
	qpos y;
	int rc = room_ahead(s, q, c, show, err);
	if (rc == 1 && (rc = look_ahead(s, q, c, show, x, &y, err)) == 1)
		*give = y;
	return rc < 0 ? rc : ASSAY_OK;
}

/* The walk reads outside any write transaction (a long walk never holds
 * up the other annotators' decisions); only the sample found is checked
 * again and leased inside one. */
int store_queue_next(store *s, const store_queue *q, store_cursor *cur, int64_t *sample_id,
		     assay_error *err)
{
	int rc;
	if (!cur->started && (rc = cursor_start(s, q, cur, err)) < 0)
		return rc;
	for (;;) {
		if (cur->phase == PH_DONE)
			return assay_fail(err, ASSAY_ENOTFOUND, "the queue is empty");
		int show = cur->phase == PH_SKIPPED ? STORE_SHOW_SKIPPED : q->show;
		qpos x, give;
		int found = queue_probe(s, q, cur, show, 0, &x, err);
		if (found < 0)
			return found;
		if (found && cur->wrapped && cur->phase != PH_SKIPPED && at_stop(q, cur, &x)) {
			end_pass(q, cur); /* round to where the pass began */
			continue;
		}
		if (!found) {
			next_phase(q, cur);
			continue;
		}
		int i = ahead_find(cur, x.id);
		if (i >= 0) { /* handed out already, ahead of its turn */
			cur->ahead[i] = cur->ahead[--cur->n_ahead];
			cursor_at(cur, &x);
			continue;
		}
		if ((rc = pick(s, q, cur, show, &x, &give, err)) < 0)
			return rc;
		if (give.id == x.id)
			cursor_at(cur, &x);
		if ((rc = lease_if_offered(s, q, show, give.id, err)) < 0)
			return rc;
		if (rc == 1) {
			if (give.id != x.id)
				cur->ahead[cur->n_ahead++] = give.id;
			cur->last_cluster = give.cluster;
			*sample_id = give.id;
			return ASSAY_OK;
		}
	}
}

static const char sql_has_quality[] = "SELECT 1 FROM samples WHERE quality IS NOT NULL LIMIT 1";

int store_has_quality(store *s, bool *yes, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_has_quality, err);
	if (!st)
		return err->code;
	int rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ASSAY_OK
						     : store_sqlerr(s, rc, err, "reading samples");
}

static const char sql_total[] = "SELECT count(*) FROM samples WHERE (?1 = 0 OR batch_id = ?1)";
static const char sql_decided[] =
	"SELECT count(*) FROM decisions d JOIN samples s ON s.id = d.sample_id"
	" WHERE d.annotator_id = ?1 AND d.verdict <> 'skipped' AND s.batch_id = ?2";
/* every batch: no join (half the time on a big queue) */
static const char sql_decided_all[] =
	"SELECT count(*) FROM decisions WHERE annotator_id = ?1 AND verdict <> 'skipped'"
	" AND ?2 = 0";

/* The counts of a queue narrowed by a --where. */
static int slice_counts(store *s, const store_queue *q, int64_t *total, int64_t *decided,
			assay_error *err)
{
	sqlite3_stmt *two[] = {q->slice->total, q->slice->decided};
	int64_t *out[] = {total, decided};
	for (int i = 0; i < 2; i++) {
		sqlite3_bind_int64(two[i], 1, q->batch_id);
		sqlite3_bind_int64(two[i], 2, q->annotator_id);
		int rc = sqlite3_step(two[i]);
		*out[i] = rc == SQLITE_ROW ? sqlite3_column_int64(two[i], 0) : 0;
		sqlite3_reset(two[i]);
		if (rc != SQLITE_ROW)
			return store_sqlerr(s, rc, err, "counting a --where slice");
	}
	return ASSAY_OK;
}

int store_queue_counts(store *s, const store_queue *q, int64_t *total, int64_t *decided,
		       assay_error *err)
{
	if (q->slice)
		return slice_counts(s, q, total, decided, err);
	sqlite3_stmt *st = store_stmt(s, sql_total, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, q->batch_id);
	int rc = sqlite3_step(st);
	*total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, rc, err, "counting samples");
	if (!(st = store_stmt(s, q->batch_id ? sql_decided : sql_decided_all, err)))
		return err->code;
	sqlite3_bind_int64(st, 1, q->annotator_id);
	sqlite3_bind_int64(st, 2, q->batch_id);
	rc = sqlite3_step(st);
	*decided = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ASSAY_OK : store_sqlerr(s, rc, err, "counting decisions");
}

int store_lease_renew(store *s, const store_queue *q, int64_t sample_id, assay_error *err)
{
	int rc = store_begin(s, err);
	if (rc < 0)
		return rc;
	if ((rc = claim(s, q, sample_id, err)) < 0) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

/* The lease alone, in a transaction of its own. */
int store_lease_take(store *s, const store_queue *q, int64_t sample_id, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_lease, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	sqlite3_bind_int64(st, 2, q->annotator_id);
	sqlite3_bind_int64(st, 3, assay_now_ms() + (q->lease_ms > 0 ? q->lease_ms : 600000));
	return store_step_done(s, st, err, "taking the lease");
}

static const char sql_renew_all[] = "UPDATE leases SET expires_at = ?2 WHERE annotator_id = ?1";

int store_lease_renew_all(store *s, const store_queue *q, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_renew_all, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, q->annotator_id);
	sqlite3_bind_int64(st, 2, assay_now_ms() + (q->lease_ms > 0 ? q->lease_ms : 600000));
	return store_step_done(s, st, err, "renewing the leases");
}

static const char sql_release_all[] = "DELETE FROM leases WHERE annotator_id = ?1";

int store_lease_release_all(store *s, int64_t annotator_id, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_release_all, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, annotator_id);
	return store_step_done(s, st, err, "releasing the leases");
}

static const dbi_query q_release_one = {
    "lease_release", "DELETE FROM leases WHERE sample_id = ?1 AND annotator_id = ?2", NULL};

int store_lease_release(store *s, int64_t annotator_id, int64_t sample_id, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_release_one, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	dbi_bind_i64(st, 2, annotator_id);
	return dbi_run(st, err, "releasing the lease");
}

static const char sql_decision_get[] =
	"SELECT verdict, text, reason, decided_at, pref FROM decisions"
	" WHERE sample_id = ?1 AND annotator_id = ?2";

int store_decision_get(store *s, int64_t sample_id, int64_t annotator_id, store_decision *out,
		       assay_error *err)
{
	*out = (store_decision){0};
	sqlite3_stmt *st = store_stmt(s, sql_decision_get, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	sqlite3_bind_int64(st, 2, annotator_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		snprintf(out->verdict, sizeof out->verdict, "%s", v ? (const char *)v : "");
		out->text = sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL : store_col_str(st, 1);
		out->reason = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : store_col_str(st, 2);
		out->decided_at = sqlite3_column_int64(st, 3);
		out->pref = store_pref_parse((const char *)sqlite3_column_text(st, 4));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ASSAY_OK
						     : store_sqlerr(s, rc, err, "reading a decision");
}

void store_decision_free(store_decision *d)
{
	free(d->text);
	free(d->reason);
	*d = (store_decision){0};
}

static const char sql_notes[] =
	"SELECT a.name || ': ' || e.text FROM events e JOIN annotators a ON a.id = e.annotator_id"
	" WHERE e.sample_id = ?1 AND e.kind = 'note' ORDER BY e.id";

int store_notes_for(store *s, int64_t sample_id, char ***out, size_t *n, assay_error *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql_notes, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, sample_id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			char **v = realloc(*out, cap * sizeof *v);
			if (!v) {
				sqlite3_reset(st);
				return assay_fail(err, ASSAY_ENOMEM, "out of memory");
			}
			*out = v;
		}
		(*out)[(*n)++] = store_col_str(st, 0);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ASSAY_OK : store_sqlerr(s, rc, err, "reading notes");
}

static const char sql_search[] =
	"SELECT id FROM samples WHERE id > ?1 AND id <= ?4 AND (?2 = 0 OR batch_id = ?2)"
	" AND instr(lower(text), lower(?3)) > 0 ORDER BY id LIMIT 1";

int store_search(store *s, const store_queue *q, const char *needle, int64_t after_id,
		 int64_t *sample_id, assay_error *err)
{
	for (int round = 0; round < 2; round++) {
		sqlite3_stmt *st = store_stmt(s, sql_search, err);
		if (!st)
			return err->code;
		sqlite3_bind_int64(st, 1, round ? 0 : after_id);
		sqlite3_bind_int64(st, 2, q->batch_id);
		store_bind_text(st, 3, needle, -1);
		/* the second round stops where the first began */
		sqlite3_bind_int64(st, 4, round ? after_id : INT64_MAX);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*sample_id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc == SQLITE_ROW)
			return ASSAY_OK;
		if (rc != SQLITE_DONE)
			return store_sqlerr(s, rc, err, "searching");
	}
	return assay_fail(err, ASSAY_ENOTFOUND, "no sample contains \"%s\"", needle);
}
