/* test_leases.c — the review engine's leases on both engines (an SQLite
 * file and a fresh schema on the PostgreSQL server tests/run starts; the
 * PostgreSQL half is skipped without one): a renewal never revives a lease
 * another annotator has taken since it ran out, walking back never leases
 * a sample another annotator holds, an undo re-takes the undone sample in
 * its own transaction, two leads never adjudicate the same sample at
 * once, and the command line's adjudication is refused while another lead
 * holds the sample. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../src/store/store_int.h"
#include "assay/store.h"
#include "assay/text.h"
#include "unit_pg.h"

/* A fresh store of the engine with n samples (ids 1..n), or NULL (no
 * server: skipped). */
static store *fixture(int engine, int n)
{
	return unit_pg_store(engine, "leases", n, NULL);
}

/* A second connection to the same store. */
static store *other(int engine)
{
	store *t = NULL;
	assay_error err = {0};
	CHECK_INT(store_open(engine == LITE ? unit_pg_path : unit_pg_uri, NULL, &t, &err),
		  ASSAY_OK);
	return t;
}

static int64_t ann(store *s, const char *name)
{
	int64_t id = 0;
	assay_error err = {0};
	CHECK_INT(store_annotator_ensure(s, name, &id, &err), ASSAY_OK);
	return id;
}

static int64_t next(store *s, const store_queue *q, store_cursor *c)
{
	int64_t id = 0;
	assay_error err = {0};
	int rc = store_queue_next(s, q, c, &id, &err);
	return rc == ASSAY_OK ? id : rc;
}

static int decide(store *s, int64_t sample, int64_t who, int kind)
{
	store_decision_in in = {.sample_id = sample,
				.annotator_id = who,
				.kind = kind,
				.reason = kind == STORE_REJECT ? "bias" : NULL};
	int64_t ev;
	assay_error err = {0};
	return store_decide(s, &in, &ev, &err);
}

/* How many unexpired leases there are on sample (0: any) held by who (0:
 * anyone), by the store's clock. */
static int64_t live_leases(store *s, int64_t sample, int64_t who)
{
	static const dbi_query q = {"t_live_leases",
				    "SELECT count(*) FROM leases WHERE (?1 = 0 OR sample_id = ?1)"
				    " AND (?2 = 0 OR annotator_id = ?2) AND expires_at > ?3",
				    NULL};
	assay_error err = {0};
	int64_t now = 0, n = -1;
	CHECK_INT(store_clock_ms(s, &now, &err), ASSAY_OK);
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q, &err);
	if (!st)
		return -1;
	dbi_bind_i64(st, 1, sample);
	dbi_bind_i64(st, 2, who);
	dbi_bind_i64(st, 3, now);
	if (dbi_step(st, &err, "counting leases") == DBI_ROW)
		n = dbi_col_i64(st, 0);
	dbi_reset(st);
	return n;
}

/* ann's lease runs out (her screen was suspended), bob is handed the
 * sample; ann's screen comes back and renews: bob's alone stays. */
static void renewal_case(int engine)
{
	store *s = fixture(engine, 3);
	if (!s)
		return;
	store *t = other(engine);
	int64_t a = ann(s, "ann"), b = ann(t, "bob");
	store_queue qa = {
	    .annotator_id = a, .order = STORE_ORDER_IMPORT, .overlap = 1, .lease_ms = 1};
	store_queue qb = qa;
	qb.annotator_id = b;
	qb.lease_ms = 60000;
	store_cursor ca = {0}, cb = {0};
	CHECK_INT(next(s, &qa, &ca), 1);
	usleep(30000);
	CHECK_INT(next(t, &qb, &cb), 1); /* ann's lease ran out */
	qa.lease_ms = 60000;
	assay_error err = {0};
	CHECK_INT(store_lease_renew_all(s, &qa, &err), ASSAY_OK);
	CHECK_INT(live_leases(s, 1, 0), 1);
	CHECK_INT(live_leases(s, 1, b), 1);
	CHECK_INT(live_leases(s, 0, a), 0);
	/* a live lease is extended */
	CHECK_INT(next(s, &qa, &ca), 2);
	CHECK_INT(store_lease_renew_all(s, &qa, &err), ASSAY_OK);
	CHECK_INT(live_leases(s, 2, a), 1);
	store_close(t);
	store_close(s);
}

TEST(a_renewal_never_revives_a_lease_taken_since_sqlite)
{
	renewal_case(LITE);
}
TEST(a_renewal_never_revives_a_lease_taken_since_pg)
{
	renewal_case(PG);
}

/* ann skips 1 and is handed 2; bob is handed 1 (a skip leaves it to the
 * others); ann walks back to 1: bob keeps it alone. */
static void walk_back_case(int engine)
{
	store *s = fixture(engine, 3);
	if (!s)
		return;
	store *t = other(engine);
	int64_t a = ann(s, "ann"), b = ann(t, "bob");
	store_queue qa = {
	    .annotator_id = a, .order = STORE_ORDER_IMPORT, .overlap = 1, .lease_ms = 60000};
	store_queue qb = qa;
	qb.annotator_id = b;
	store_cursor ca = {0}, cb = {0};
	CHECK_INT(next(s, &qa, &ca), 1);
	CHECK_INT(decide(s, 1, a, STORE_SKIP), ASSAY_OK);
	CHECK_INT(next(s, &qa, &ca), 2);
	CHECK_INT(next(t, &qb, &cb), 1);
	assay_error err = {0};
	CHECK_INT(store_lease_take(s, &qa, 1, &err), 0);
	CHECK_INT(live_leases(s, 1, 0), 1);
	CHECK_INT(live_leases(s, 1, b), 1);
	CHECK_INT(live_leases(s, 0, a), 1); /* 2, the queue's */
	/* a sample nobody holds is taken, the others kept; store_lease_renew
	 * gives them up */
	CHECK_INT(store_lease_take(s, &qa, 3, &err), 1);
	CHECK_INT(live_leases(s, 0, a), 2);
	CHECK_INT(store_lease_renew(s, &qa, 1, &err), 0);
	CHECK_INT(live_leases(s, 0, a), 2);
	CHECK_INT(store_lease_renew(s, &qa, 2, &err), 1);
	CHECK_INT(live_leases(s, 0, a), 1);
	CHECK_INT(live_leases(s, 2, a), 1);
	store_close(t);
	store_close(s);
}

TEST(walking_back_never_leases_a_sample_another_holds_sqlite)
{
	walk_back_case(LITE);
}
TEST(walking_back_never_leases_a_sample_another_holds_pg)
{
	walk_back_case(PG);
}

static int count_commit(void *n)
{
	++*(int *)n;
	return 0;
}

/* ann accepts 1 and is handed 2, then undoes: 1 is undecided again and
 * must be hers from the moment the undo commits. */
static void undo_case(int engine)
{
	store *s = fixture(engine, 3);
	if (!s)
		return;
	store *t = other(engine);
	int64_t a = ann(s, "ann"), b = ann(t, "bob");
	store_queue qa = {
	    .annotator_id = a, .order = STORE_ORDER_IMPORT, .overlap = 1, .lease_ms = 60000};
	store_queue qb = qa;
	qb.annotator_id = b;
	store_cursor ca = {0}, cb = {0};
	CHECK_INT(next(s, &qa, &ca), 1);
	CHECK_INT(decide(s, 1, a, STORE_ACCEPT), ASSAY_OK);
	CHECK_INT(next(s, &qa, &ca), 2);
	int64_t sample = 0;
	bool leased = false;
	assay_error err = {0};
	int commits = 0;
	if (engine == LITE)
		sqlite3_commit_hook(s->db, count_commit, &commits);
	CHECK_INT(store_undo_claim(s, &qa, "t", &sample, &leased, &err), ASSAY_OK);
	if (engine == LITE) {
		sqlite3_commit_hook(s->db, NULL, NULL);
		CHECK_INT(commits, 1); /* the undo and the lease: one commit */
	}
	CHECK_INT(sample, 1);
	CHECK(leased);
	/* hers alone: 2, the queue's, given up */
	CHECK_INT(live_leases(s, 1, a), 1);
	CHECK_INT(live_leases(s, 0, a), 1);
	/* bob is never handed the undone sample */
	CHECK_INT(next(t, &qb, &cb), 2);
	/* a skip undone while another holds the sample: undone, not leased */
	CHECK_INT(decide(s, 1, a, STORE_SKIP), ASSAY_OK);
	store_cursor cb2 = {0};
	CHECK_INT(next(t, &qb, &cb2), 1);
	CHECK_INT(store_undo_claim(s, &qa, "t", &sample, &leased, &err), ASSAY_OK);
	CHECK_INT(sample, 1);
	CHECK(!leased);
	CHECK_INT(live_leases(s, 1, 0), 1);
	store_decision d;
	CHECK_INT(store_decision_get(s, 1, a, &d, &err), ASSAY_OK);
	CHECK_STR(d.verdict, "");
	store_decision_free(&d);
	store_close(t);
	store_close(s);
}

TEST(an_undo_retakes_the_undone_sample_in_its_transaction_sqlite)
{
	undo_case(LITE);
}
TEST(an_undo_retakes_the_undone_sample_in_its_transaction_pg)
{
	undo_case(PG);
}

/* ann and bob disagree on 1 and 2; two leads walk the conflicts at once. */
static void conflicts_case(int engine)
{
	store *s = fixture(engine, 3);
	if (!s)
		return;
	store *t = other(engine);
	int64_t a = ann(s, "ann"), b = ann(s, "bob");
	int64_t l1 = ann(s, "lead1"), l2 = ann(t, "lead2");
	for (int64_t i = 1; i <= 2; i++) {
		CHECK_INT(decide(s, i, a, STORE_ACCEPT), ASSAY_OK);
		CHECK_INT(decide(s, i, b, STORE_REJECT), ASSAY_OK);
	}
	store_queue q1 = {.annotator_id = l1, .overlap = 1, .lease_ms = 60000};
	store_queue q2 = q1;
	q2.annotator_id = l2;
	int64_t x = 0, y = 0;
	assay_error err = {0};
	CHECK_INT(store_conflict_claim(s, &q1, 0, &x, &err), ASSAY_OK);
	CHECK_INT(store_conflict_claim(t, &q2, 0, &y, &err), ASSAY_OK);
	CHECK_INT(x, 1);
	CHECK_INT(y, 2);
	CHECK_INT(store_conflict_claim(t, &q2, y, &y, &err), ASSAY_ENOTFOUND);
	CHECK_INT(live_leases(s, 1, l1), 1);
	/* lead1 settles 1: the lease goes with it; moving on gives up the last */
	store_decision_in in = {.sample_id = 1, .annotator_id = l1, .kind = STORE_ACCEPT};
	int64_t ev;
	CHECK_INT(store_adjudicate(s, &in, &ev, &err), ASSAY_OK);
	CHECK_INT(live_leases(s, 0, l1), 0);
	/* lead2 left 2 (the lease ran out): lead1 may take it */
	CHECK_INT(store_lease_release_all(t, l2, &err), ASSAY_OK);
	CHECK_INT(store_conflict_claim(s, &q1, 1, &x, &err), ASSAY_OK);
	CHECK_INT(x, 2);
	CHECK_INT(live_leases(s, 0, 0), 1);
	store_close(t);
	store_close(s);
}

TEST(two_leads_never_adjudicate_one_sample_at_once_sqlite)
{
	conflicts_case(LITE);
}
TEST(two_leads_never_adjudicate_one_sample_at_once_pg)
{
	conflicts_case(PG);
}

/* decide --adjudicate's: refused while lead1 has the conflict on screen,
 * saying who holds it until when, and nothing written; lead1's own goes
 * through and gives up her lease. */
static void unheld_case(int engine)
{
	store *s = fixture(engine, 3);
	if (!s)
		return;
	store *t = other(engine);
	int64_t a = ann(s, "ann"), b = ann(s, "bob");
	int64_t l1 = ann(s, "lead1"), l2 = ann(t, "lead2");
	CHECK_INT(decide(s, 1, a, STORE_ACCEPT), ASSAY_OK);
	CHECK_INT(decide(s, 1, b, STORE_REJECT), ASSAY_OK);
	store_queue q1 = {.annotator_id = l1, .overlap = 1, .lease_ms = 60000};
	int64_t x = 0, ev = 0;
	assay_error err = {0};
	CHECK_INT(store_conflict_claim(s, &q1, 0, &x, &err), ASSAY_OK);
	CHECK_INT(x, 1);
	store_decision_in in = {.sample_id = 1, .annotator_id = l2, .kind = STORE_ACCEPT};
	store_lease_holder held;
	CHECK_INT(store_adjudicate_unheld(t, &in, &ev, &held, &err), ASSAY_ECONFLICT);
	CHECK_STR(held.name ? held.name : "", "lead1");
	CHECK(held.until > held.now && held.until - held.now <= 60000);
	free(held.name);
	store_decision got;
	CHECK_INT(store_adjudication_get(t, 1, &got, NULL, &err), ASSAY_OK);
	CHECK_STR(got.verdict, "");
	store_decision_free(&got);
	in.annotator_id = l1;
	CHECK_INT(store_adjudicate_unheld(s, &in, &ev, &held, &err), ASSAY_OK);
	CHECK(held.name == NULL);
	CHECK_INT(store_adjudication_get(t, 1, &got, NULL, &err), ASSAY_OK);
	CHECK_STR(got.verdict, "accepted");
	store_decision_free(&got);
	CHECK_INT(live_leases(s, 0, 0), 0);
	store_close(t);
	store_close(s);
}

TEST(the_command_lines_adjudication_is_refused_while_a_lead_holds_it_sqlite)
{
	unheld_case(LITE);
}
TEST(the_command_lines_adjudication_is_refused_while_a_lead_holds_it_pg)
{
	unheld_case(PG);
}

UNIT_MAIN(UNIT_CASE(a_renewal_never_revives_a_lease_taken_since_sqlite),
	  UNIT_CASE(a_renewal_never_revives_a_lease_taken_since_pg),
	  UNIT_CASE(walking_back_never_leases_a_sample_another_holds_sqlite),
	  UNIT_CASE(walking_back_never_leases_a_sample_another_holds_pg),
	  UNIT_CASE(an_undo_retakes_the_undone_sample_in_its_transaction_sqlite),
	  UNIT_CASE(an_undo_retakes_the_undone_sample_in_its_transaction_pg),
	  UNIT_CASE(two_leads_never_adjudicate_one_sample_at_once_sqlite),
	  UNIT_CASE(two_leads_never_adjudicate_one_sample_at_once_pg),
	  UNIT_CASE(the_command_lines_adjudication_is_refused_while_a_lead_holds_it_sqlite),
	  UNIT_CASE(the_command_lines_adjudication_is_refused_while_a_lead_holds_it_pg))
