/* queue.c — the review queue: the next sample for an annotator by an
 * indexed keyset walk from a cursor (never the data set in memory), and
 * the claim that leases it so two annotators in exclusive mode never share
 * a sample (on PostgreSQL a claim lock taken without waiting, queue_pg.c).
 * The orders' SQL is in queue_order.c, the leases and what the screen
 * shows beside a sample in queue_lease.c. */
#include "queue_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const dbi_query q_resume_own = {
    "queue_resume_own",
    "SELECT sample_id, kind FROM events WHERE annotator_id = ?1"
    " AND kind IN ('accept', 'edit', 'reject', 'skip', 'undo') ORDER BY id DESC LIMIT 1",
    NULL};
static const dbi_query q_resume_any = {
    "queue_resume_any",
    "SELECT sample_id, kind FROM events"
    " WHERE kind IN ('accept', 'edit', 'reject', 'skip') ORDER BY id DESC LIMIT 1",
    NULL};

/* The position of the sample of the latest verdict (own: of the annotator,
 * an undo included; else of anyone), if that sample
 * is in the queue's batch; *undo tells whether that event was an undo. */
static int latest_pos(store *s, const store_queue *q, bool own, qpos *p, bool *undo,
		      assay_error *err)
{
	*p = (qpos){0};
	dbi_stmt *st = own ? dbi_stmt_get(s->dbi, &q_resume_own, err)
			   : dbi_stmt_get(s->dbi, &q_resume_any, err);
	if (!st)
		return err->code;
	if (own)
		dbi_bind_i64(st, 1, q->annotator_id);
	int rc = dbi_step(st, err, "reading the events");
	int64_t id = 0;
	if (rc == DBI_ROW) {
		id = dbi_col_i64(st, 0);
		*undo = strcmp(dbi_col_text(st, 1, NULL), "undo") == 0;
	}
	dbi_reset(st);
	if (rc != DBI_ROW)
		return rc;
	return queue_sample_pos(s, q, id, p, err);
}

/* Where a fresh pass over the undecided samples resumes (p->ok false: from
 * the start of the order). */
static int resume_pos(store *s, const store_queue *q, qpos *p, assay_error *err)
{
	bool undo = false, undo_any;
	int rc = latest_pos(s, q, true, p, &undo, err);
	if (rc < 0 || undo || q->overlap > 1)
		return rc;
	qpos any;
	if ((rc = latest_pos(s, q, false, &any, &undo_any, err)) < 0)
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

static const char sql_still_offered[] = "SELECT 1 FROM samples s WHERE s.id = ?6" ELIGIBLE;
static const dbi_query q_still_offered = {"queue_still_offered", sql_still_offered, NULL};

/* Whether sample id is (still) offered: inside the write transaction,
 * another annotator may have taken it since the probe found it. 1 yes, 0
 * no, < 0 error. */
static int still_offered(store *s, const store_queue *q, int show, int64_t id, assay_error *err)
{
	int64_t now;
	if (store_clock_ms(s, &now, err) < 0)
		return err->code;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_still_offered, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, q->annotator_id);
	dbi_bind_i64(st, 2, q->batch_id);
	dbi_bind_i64(st, 3, show);
	dbi_bind_i64(st, 4, now);
	dbi_bind_i64(st, 5, q->overlap > 0 ? q->overlap : 1);
	dbi_bind_i64(st, 6, id);
	int rc = dbi_step(st, err, "reading the queue");
	dbi_reset(st);
	return rc == DBI_ROW ? 1 : rc;
}

/* Leases sample id to the annotator if it is still offered: one short
 * transaction (on SQLite, IMMEDIATE: it serialises the claims; on
 * PostgreSQL a row lock and one round trip, queue_pg.c), or inside the
 * caller's own (store_decide_next's, which wrote the decision first). 1
 * leased, 0 taken meanwhile, < 0 error. */
static int lease_if_offered(store *s, const store_queue *q, int show, int64_t id, assay_error *err)
{
	if (q->peek)
		return still_offered(s, q, show, id, err);
	if (s->pg)
		return queue_claim_pg(s, q, show, id, err);
	bool own = !s->in_tx;
	int rc = own ? store_begin(s, err) : ASSAY_OK;
	if (rc < 0)
		return rc;
	int ok = still_offered(s, q, show, id, err);
	if (ok == 1 && (rc = queue_claim(s, q, id, err)) < 0)
		ok = rc;
	if (!own)
		return ok;
	if (ok != 1) {
		store_rollback(s);
		return ok;
	}
	return (rc = store_commit(s, err)) < 0 ? rc : ok;
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
 * up the other annotators' decisions), except store_decide_next's; only
 * the sample found is checked again and leased inside one. A claim that
 * fails leaves the cursor before the sample it did not claim. */
static int walk(store *s, const store_queue *q, store_cursor *cur, int64_t *sample_id,
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
		store_cursor before = *cur;
		if (give.id == x.id)
			cursor_at(cur, &x);
		if ((rc = lease_if_offered(s, q, show, give.id, err)) < 0) {
			*cur = before;
			return rc;
		}
		if (rc == 1) {
			if (give.id != x.id)
				cur->ahead[cur->n_ahead++] = give.id;
			cur->last_cluster = give.cluster;
			*sample_id = give.id;
			return ASSAY_OK;
		}
	}
}


int store_queue_next(store *s, const store_queue *q, store_cursor *cur, int64_t *sample_id,
		     assay_error *err)
{
	return walk(s, q, cur, sample_id, err);
}

/* The decision, then the walk and the claim, in one SQLite transaction:
 * the walk sees the decision written (the sample decided is no longer
 * offered, a fresh skip is among the skipped ones) as it would after a
 * commit of its own, and the write lock is held while it reads. */
int store_decide_next(store *s, const store_decision_in *in, const store_queue *q,
		      store_cursor *cur, int64_t *event_id, int64_t *sample_id, bool *saved,
		      assay_error *err)
{
	*saved = false;
	if (s->pg || s->in_tx || q->peek || in->kind == STORE_NOTE) {
		int rc = store_decide(s, in, event_id, err);
		if (rc < 0)
			return rc;
		*saved = true;
		return store_queue_next(s, q, cur, sample_id, err);
	}
	int rc = store_begin(s, err);
	if (rc < 0)
		return rc;
	if ((rc = store_decide(s, in, event_id, err)) < 0) {
		store_rollback(s);
		return rc;
	}
	store_cursor was = *cur;
	rc = walk(s, q, cur, sample_id, err);
	if (rc < 0 && rc != ASSAY_ENOTFOUND) {
		/* the walk or the claim failed: the decision alone (a failure of
		 * its own comes back the same), the walk goes again */
		store_rollback(s);
		*cur = was;
		assay_error e = {0};
		int drc = store_decide(s, in, event_id, &e);
		if (drc < 0) {
			*err = e;
			return drc;
		}
		*saved = true;
		return rc;
	}
	int crc = store_commit(s, err);
	if (crc < 0) {
		*cur = was; /* nothing was recorded nor handed out */
		return crc;
	}
	*saved = true;
	return rc;
}
