/* test_queue_learned.c — tests for the review queue's learned orders
 * (src/store/queue.c, queue_order.c): the likeliest rejection first, the
 * most uncertain first, samples without a learned value last, resuming
 * after a restart, annotators kept apart, and near-duplicates never in a
 * row in the uncertain order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../src/store/store_int.h"
#include "assay/store.h"
#include "assay/text.h"
#include "fixture.h"
#include "unit.h"

/* A database with n samples s0..s(n-1) (ids 1..n) and no scores. */
static store *fixture(int n)
{
	return fixture_samples("qlearn", n, " here", NULL);
}

/* Stores the learned score v (NAN: a failed score) of sample id. */
static void learned(store *s, int64_t id, double v)
{
	assay_error e = {0};
	store_score_row r = {.sample_id = id, .scorer = "learned", .version = "t", .value = v,
			     .reason = "", .detail = "{}"};
	CHECK_INT(store_score_put(s, &r, &e), ASSAY_OK);
}

/* Stores a neardup score putting sample id in the cluster that starts at
 * sample head. */
static void cluster(store *s, int64_t id, int64_t head)
{
	char detail[64];
	snprintf(detail, sizeof detail, "{\"cluster\":%lld,\"similarity\":0.9}", (long long)head);
	assay_error e = {0};
	store_score_row r = {.sample_id = id, .scorer = "neardup", .version = "t", .value = 0.1,
			     .reason = "", .detail = detail};
	CHECK_INT(store_score_put(s, &r, &e), ASSAY_OK);
}

static int64_t ann(store *s, const char *name)
{
	int64_t id = 0;
	assay_error e = {0};
	CHECK_INT(store_annotator_ensure(s, name, &id, &e), ASSAY_OK);
	return id;
}

static void accept(store *s, int64_t sample, int64_t who)
{
	store_decision_in in = {.sample_id = sample, .annotator_id = who, .kind = STORE_ACCEPT};
	int64_t ev;
	assay_error e = {0};
	CHECK_INT(store_decide(s, &in, &ev, &e), ASSAY_OK);
}

static int64_t next(store *s, const store_queue *q, store_cursor *c)
{
	int64_t id = 0;
	assay_error e = {0};
	int rc = store_queue_next(s, q, c, &id, &e);
	return rc == ASSAY_OK ? id : rc;
}

/* Samples 1..6: learned values 0.75, 0.125, 0.5, none, 0.25, failed. */
static store *ranked(void)
{
	store *s = fixture(6);
	learned(s, 1, 0.75);
	learned(s, 2, 0.125);
	learned(s, 3, 0.5);
	learned(s, 5, 0.25);
	learned(s, 6, NAN);
	return s;
}

TEST(learned_orders_rank_by_the_model_and_put_the_unranked_last)
{
	store *s = ranked();
	int64_t a = ann(s, "ann");
	bool yes = false;
	assay_error e = {0};
	CHECK_INT(store_has_learned(s, &yes, &e), ASSAY_OK);
	CHECK(yes);
	store_queue q = {.annotator_id = a, .order = STORE_ORDER_LEARNED, .overlap = 1,
			 .show = STORE_SHOW_ALL};
	/* the likeliest rejection (lowest value) first; no value, by id, last */
	int64_t want_learned[] = {2, 5, 3, 1, 4, 6};
	store_cursor c = {0};
	for (int i = 0; i < 6; i++)
		CHECK_INT(next(s, &q, &c), want_learned[i]);
	CHECK_INT(next(s, &q, &c), ASSAY_ENOTFOUND);
	/* the decision boundary first; 1 and 5 tie (0.25 from it): by id */
	int64_t want_uncertain[] = {3, 1, 5, 2, 4, 6};
	q.order = STORE_ORDER_UNCERTAIN;
	store_cursor c2 = {0};
	for (int i = 0; i < 6; i++)
		CHECK_INT(next(s, &q, &c2), want_uncertain[i]);
	CHECK_INT(next(s, &q, &c2), ASSAY_ENOTFOUND);
	store_close(s);
	s = fixture(2);
	CHECK_INT(store_has_learned(s, &yes, &e), ASSAY_OK);
	CHECK(!yes);
	store_close(s);
}

TEST(learned_orders_resume_after_a_restart_and_wrap_round)
{
	for (int order = STORE_ORDER_LEARNED; order <= STORE_ORDER_UNCERTAIN; order++) {
		store *s = ranked();
		int64_t a = ann(s, "ann");
		store_queue q = {.annotator_id = a, .order = order, .overlap = 1};
		int64_t want[2][6] = {{2, 5, 3, 1, 4, 6}, {3, 1, 5, 2, 4, 6}};
		const int64_t *w = want[order - STORE_ORDER_LEARNED];
		store_cursor c = {0};
		for (int i = 0; i < 3; i++) {
			CHECK_INT(next(s, &q, &c), w[i]);
			accept(s, w[i], a);
		}
		/* a new session goes on after the third; a sample rescored ahead
		 * of where it stopped comes after the wrap */
		store_close(s);
		assay_error e = {0};
		CHECK_INT(store_open(path, NULL, &s, &e), ASSAY_OK);
		double first = order == STORE_ORDER_LEARNED ? 0.0625 : 0.5;
		learned(s, 4, first);
		store_cursor c2 = {0};
		for (int i = 3; i < 6; i++) {
			if (w[i] == 4)
				continue;
			CHECK_INT(next(s, &q, &c2), w[i]);
			accept(s, w[i], a);
		}
		CHECK_INT(next(s, &q, &c2), 4);
		accept(s, 4, a);
		CHECK_INT(next(s, &q, &c2), ASSAY_ENOTFOUND);
		store_close(s);
	}
}

/* Two annotators in exclusive mode draw in turns, and then from two
 * processes at once: no sample is handed to both. */
TEST(learned_orders_never_share_a_sample_in_exclusive_mode)
{
	enum { N = 200 };
	store *s = fixture(N);
	for (int64_t i = 1; i <= N; i++) {
		learned(s, i, (double)((i * 37) % N) / N);
		cluster(s, i, 1 + (i - 1) / 4 * 4); /* clusters of four */
	}
	int64_t a = ann(s, "ann"), b = ann(s, "bob");
	store_queue qa = {.annotator_id = a, .order = STORE_ORDER_UNCERTAIN, .overlap = 1};
	store_queue qb = qa;
	qb.annotator_id = b;
	store_cursor ca = {0}, cb = {0};
	static int seen[N + 1];
	int handed = 0;
	for (;;) {
		int64_t x = next(s, &qa, &ca), y = next(s, &qb, &cb);
		if (x < 0 && y < 0)
			break;
		if (x > 0) {
			CHECK(!seen[x]);
			seen[x] = 1;
			handed++;
			accept(s, x, a);
		}
		if (y > 0) {
			CHECK(x != y && !seen[y]);
			seen[y] = 1;
			handed++;
			accept(s, y, b);
		}
	}
	CHECK_INT(handed, N);
	store_close(s);

	s = fixture(N);
	for (int64_t i = 1; i <= N; i++) {
		learned(s, i, (double)((i * 53) % N) / N);
		cluster(s, i, 1 + (i - 1) / 3 * 3);
	}
	store_close(s);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		if ((kids[k] = fork()) == 0) {
			store *c = NULL;
			assay_error e = {0};
			int64_t me = 0, id;
			if (store_open(path, NULL, &c, &e) < 0 ||
			    store_annotator_ensure(c, k ? "kid1" : "kid0", &me, &e) < 0)
				_exit(2);
			store_queue q = {.annotator_id = me, .overlap = 1,
					 .order = k ? STORE_ORDER_UNCERTAIN : STORE_ORDER_LEARNED};
			store_cursor cur = {0};
			int rc;
			while ((rc = store_queue_next(c, &q, &cur, &id, &e)) == ASSAY_OK) {
				store_decision_in in = {.sample_id = id, .annotator_id = me,
							.kind = STORE_ACCEPT};
				int64_t ev;
				if (store_decide(c, &in, &ev, &e) < 0)
					_exit(3);
			}
			store_close(c);
			_exit(rc == ASSAY_ENOTFOUND ? 0 : 4);
		}
	}
	for (int k = 0; k < 2; k++) {
		int status = -1;
		waitpid(kids[k], &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int decided = -1, most = -1;
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(DISTINCT sample_id), max(n) FROM (SELECT"
				   " sample_id, count(*) AS n FROM decisions GROUP BY sample_id)",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		decided = sqlite3_column_int(st, 0);
		most = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	CHECK_INT(decided, N);
	CHECK_INT(most, 1);
}

/* Samples 1..8 in uncertain order 1 2 3 4 5 6 7 8, in clusters
 * A = {1, 2, 3, 5}, B = {4}, C = {6} (no neardup score), D = {7, 8}. */
static store *clustered(void)
{
	store *s = fixture(8);
	double v[] = {0, 0.5, 0.5, 0.5, 0.625, 0.375, 0.75, 0.875, 0.125};
	int64_t head[] = {0, 1, 1, 1, 4, 1, 0, 7, 7};
	for (int64_t i = 1; i <= 8; i++) {
		learned(s, i, v[i]);
		if (head[i])
			cluster(s, i, head[i]);
	}
	return s;
}

TEST(uncertain_order_never_shows_two_near_duplicates_in_a_row)
{
	int64_t want[] = {1, 4, 2, 6, 3, 7, 5, 8};
	for (int show = STORE_SHOW_UNDECIDED; show <= STORE_SHOW_ALL; show += STORE_SHOW_ALL) {
		store *s = clustered();
		int64_t a = ann(s, "ann");
		store_queue q = {.annotator_id = a, .order = STORE_ORDER_UNCERTAIN, .overlap = 1,
				 .show = show};
		store_cursor c = {0};
		for (int i = 0; i < 8; i++) {
			int64_t id = next(s, &q, &c);
			CHECK_INT(id, want[i]);
			if (show == STORE_SHOW_UNDECIDED && id > 0)
				accept(s, id, a);
		}
		CHECK_INT(next(s, &q, &c), ASSAY_ENOTFOUND);
		store_close(s);
	}
	/* when one cluster is all that is left, its members come in a row */
	store *s = clustered();
	int64_t a = ann(s, "ann");
	store_queue q = {.annotator_id = a, .order = STORE_ORDER_UNCERTAIN, .overlap = 1};
	store_cursor c = {0};
	for (int64_t id = 4; id <= 8; id++)
		accept(s, id, a);
	for (int64_t id = 1; id <= 3; id++) {
		CHECK_INT(next(s, &q, &c), id);
		accept(s, id, a);
	}
	store_close(s);
}

/* The review screen refreshes the learned scores a window of ids at a
 * time on its own thread: a page bounded by max_id must stop its rowid
 * search there, not read every later sample (it did: 5,000 rows read for
 * a window of 10, every step). Measured in SQLite's virtual machine
 * steps, not in time. */
TEST(a_bounded_page_reads_only_its_window)
{
	store *s = fixture(5000);
	assay_error e = {0};
	store_score_want want = {"learned", "t"};
	store_score_query q = {.want = &want, .n_want = 1, .undecided = true};
	store_score_page page = {0};
	for (int64_t id = 1; id <= 5000; id++)
		learned(s, id, 0.5);
	/* every sample current: no page fills, so only the bound can stop it */
	q.max_id = 10;
	CHECK_INT(store_score_page_next(s, &q, 16, &page, &e), ASSAY_OK);
	CHECK_INT(page.n, 0);
	sqlite3_stmt *st = NULL;
	int steps = 0;
	while ((st = sqlite3_next_stmt(s->db, st)))
		if (strstr(sqlite3_sql(st), "LIMIT ?7"))
			steps = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
	CHECK(steps > 0 && steps < 1000);
	/* and without a bound, the rest is read as before */
	q.max_id = 0;
	q.rescore = true;
	CHECK_INT(store_score_page_next(s, &q, 16, &page, &e), ASSAY_OK);
	CHECK_INT(page.n, 16);
	CHECK_INT(page.items[0].id, 1);
	store_score_page_free(&page);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(learned_orders_rank_by_the_model_and_put_the_unranked_last),
	  UNIT_CASE(a_bounded_page_reads_only_its_window),
	  UNIT_CASE(learned_orders_resume_after_a_restart_and_wrap_round),
	  UNIT_CASE(learned_orders_never_share_a_sample_in_exclusive_mode),
	  UNIT_CASE(uncertain_order_never_shows_two_near_duplicates_in_a_row))
