/* test_pg_race.c — decide --auto's page (src/cli/decide_auto.c
 * decide_page: BEGIN, store_auto_open, store_decide, COMMIT) against an
 * annotator's claim (queue_pg.c) of the same sample from another
 * connection, interleaved as two processes can interleave them. On SQLite
 * the page's BEGIN IMMEDIATE keeps the claim out until the commit, which
 * then finds the sample decided; on PostgreSQL nothing orders the two. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/store/store_int.h"
#include "assay/store.h"
#include "assay/store_review.h"
#include "assay/text.h"
#include "unit_pg.h"

/* One batch and one sample in the store, committed: the sample's id. */
static int64_t one_sample(store *s)
{
	assay_error err = {0};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	store_batch b = {.name = "b1", .source = "x", .format = "jsonl", .created_at = 1};
	store_batch_create(s, &b, &err);
	const char *text = "a gull on a post";
	store_new_sample ns = {.batch_id = b.id,
			       .ext_id = "x1",
			       .line = 1,
			       .text_field = "text",
			       .text = text,
			       .text_len = strlen(text),
			       .record = "{}",
			       .record_len = 2,
			       .hash = text_normalized_hash(text, strlen(text), NULL)};
	int out;
	int64_t id = 0;
	CHECK_INT(store_sample_insert(s, &ns, &out, &id, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	return id;
}

TEST(auto_reject_vs_claim_pg)
{
	const char *target = unit_pg_fresh(PG, "race");
	if (!target) {
		printf("#   ASSAY_TEST_PG is not set: skipped\n");
		return;
	}
	store *s = NULL, *t = NULL;
	assay_error err = {0};
	CHECK_INT(store_open(target, NULL, &s, &err), ASSAY_OK);
	int64_t id = one_sample(s);
	int64_t robot, ann;
	store_annotator_ensure(s, "auto", &robot, &err);
	CHECK_INT(store_open(unit_pg_uri, NULL, &t, &err), ASSAY_OK);
	store_annotator_ensure(t, "ann", &ann, &err);

	/* decide --auto's page: the check inside its transaction */
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	bool open = false;
	CHECK_INT(store_auto_open(s, id, assay_now_ms(), &open, &err), ASSAY_OK);
	CHECK(open);
	/* meanwhile ann's review claims the same sample */
	store_queue q = {.annotator_id = ann, .overlap = 1, .lease_ms = 600000};
	store_cursor c = {0};
	int64_t got = 0;
	int rc = store_queue_next(t, &q, &c, &got, &err);
	/* the page goes on: rejects it and commits */
	store_decision_in in = {.sample_id = id,
				.annotator_id = robot,
				.kind = STORE_REJECT,
				.session = "auto",
				.reason = "other"};
	int64_t ev;
	CHECK_INT(store_decide(s, &in, &ev, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	/* the sample must not be both on ann's screen and auto-rejected */
	if (rc == ASSAY_OK && got == id) {
		printf("#   sample %lld was claimed by ann and rejected by decide --auto\n",
		       (long long)id);
		CHECK(0);
	}
	store_close(t);
	store_close(s);
}

/* A score written inside a transaction and a --where read in the same
 * transaction: SQLite's read sees the write; PostgreSQL's composed
 * statement (dbi_compose_pg) skips dbi_before_next, so the held write is
 * not sent before it. */
#include "assay/query.h"
static void held_case(int engine, int64_t *seen)
{
	const char *target = unit_pg_fresh(engine, "held");
	*seen = -1;
	if (!target)
		return;
	store *s = NULL;
	assay_error err = {0};
	CHECK_INT(store_open(target, NULL, &s, &err), ASSAY_OK);
	int64_t id = one_sample(s);
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	store_score_row row = {
	    .sample_id = id, .scorer = "repetition", .version = "1", .value = 0.7, .reason = ""};
	CHECK_INT(store_scores_put(s, &row, 1, &err), ASSAY_OK);
	const char *expr = "score.repetition > 0.5";
	query_expr *q = NULL;
	store_where w = {0};
	CHECK_INT(query_parse(expr, strlen(expr), &q, NULL, &err), ASSAY_OK);
	CHECK_INT(store_where_compile(q, &w, &err), ASSAY_OK);
	CHECK_INT(store_where_count(s, &w, seen, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	store_where_free(&w);
	query_free(q);
	store_close(s);
}

TEST(held_score_seen_by_a_where_in_its_transaction)
{
	int64_t lite, pg;
	held_case(LITE, &lite);
	held_case(PG, &pg);
	CHECK_INT(lite, 1);
	if (pg >= 0)
		CHECK_INT(pg, 1);
}

/* The store's tables are found through the search_path (schema_pg.c's
 * probe: to_regclass('assay_meta')). An annotator whose search_path starts
 * with an empty schema of their own ("$user", public is the default) works
 * on the same tables, and must take the same claim lock: a lock keyed on
 * current_schema() let an in-flight claim of theirs not keep another
 * annotator's claim of the same sample out. Here the in-flight claim is a
 * transaction holding the claim lock through the store's own schema. */
TEST(claim_lock_key_follows_the_tables_pg)
{
	const char *target = unit_pg_fresh(PG, "spkey");
	if (!target) {
		printf("#   ASSAY_TEST_PG is not set: skipped\n");
		return;
	}
	char uri_a[2048], uri_b[2048];
	snprintf(uri_a, sizeof uri_a, "%s", target);
	const char *sp = strstr(uri_a, "search_path%3D");
	CHECK(sp != NULL);
	if (!sp)
		return;
	const char *schema = sp + strlen("search_path%3D");
	snprintf(uri_b, sizeof uri_b, "%.*spgsp_%d%%2C%s", (int)(schema - uri_a), uri_a,
		 (int)getpid(), schema);
	store *s = NULL, *t = NULL;
	assay_error err = {0};
	CHECK_INT(store_open(uri_a, NULL, &s, &err), ASSAY_OK);
	char sql[128];
	snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS pgsp_%d CASCADE; CREATE SCHEMA pgsp_%d",
		 (int)getpid(), (int)getpid());
	CHECK_INT(dbi_exec(s->dbi, sql, &err), ASSAY_OK);
	int64_t id = one_sample(s);
	int rc = store_open(uri_b, NULL, &t, &err);
	if (rc < 0)
		printf("#   opening through \"pgsp_N, %s\": %s\n", schema, err.msg);
	CHECK_INT(rc, ASSAY_OK);
	if (rc < 0) {
		store_close(s);
		return;
	}
	int64_t bob;
	CHECK_INT(store_annotator_ensure(t, "bob", &bob, &err), ASSAY_OK);
	/* an in-flight claim of the sample by an annotator of the store's schema */
	CHECK_INT(dbi_exec(s->dbi, "BEGIN", &err), ASSAY_OK);
	snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(" PG_STORE_KEY ", %d)", (int)id);
	CHECK_INT(dbi_exec(s->dbi, sql, &err), ASSAY_OK);
	/* control: carl, through the store's own schema, moves on */
	store *u = NULL;
	int64_t carl, got = 0;
	CHECK_INT(store_open(uri_a, NULL, &u, &err), ASSAY_OK);
	CHECK_INT(store_annotator_ensure(u, "carl", &carl, &err), ASSAY_OK);
	store_queue qc = {.annotator_id = carl, .overlap = 1, .lease_ms = 600000};
	store_cursor cc = {0};
	rc = store_queue_next(u, &qc, &cc, &got, &err);
	CHECK(!(rc == ASSAY_OK && got == id));
	store_close(u);
	store_queue q = {.annotator_id = bob, .overlap = 1, .lease_ms = 600000};
	store_cursor c = {0};
	got = 0;
	rc = store_queue_next(t, &q, &c, &got, &err);
	if (rc == ASSAY_OK && got == id) {
		printf("#   bob (search_path pgsp_N, %s) claimed sample %lld while its claim lock "
		       "was held\n",
		       schema, (long long)id);
		CHECK(0);
	}
	dbi_exec(s->dbi, "ROLLBACK", &err);
	store_close(t);
	store_close(s);
}

/* A COMMIT of a transaction an error aborted: the server answers
 * ROLLBACK, which is no success. */
TEST(commit_of_an_aborted_transaction_fails_pg)
{
	const char *target = unit_pg_fresh(PG, "aborted");
	if (!target) {
		printf("#   ASSAY_TEST_PG is not set: skipped\n");
		return;
	}
	store *s = NULL;
	assay_error err = {0};
	CHECK_INT(store_open(target, NULL, &s, &err), ASSAY_OK);
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	int64_t ann;
	CHECK_INT(store_annotator_ensure(s, "ann", &ann, &err), ASSAY_OK);
	CHECK(dbi_exec(s->dbi, "SELECT 1 / 0", &err) < 0);
	int rc = store_commit(s, &err);
	CHECK(rc < 0);
	if (rc < 0)
		CHECK(strstr(err.msg, "rolled back") != NULL);
	CHECK(!store_in_tx(s));
	store_close(s);
}

/* Score writes held back whose sending fails when the queue reads the
 * server's clock (the clock's statement sends them first): the failure is
 * the caller's, not dropped. */
TEST(a_failed_held_write_at_the_clock_read_is_seen_pg)
{
	const char *target = unit_pg_fresh(PG, "clockerr");
	if (!target) {
		printf("#   ASSAY_TEST_PG is not set: skipped\n");
		return;
	}
	store *s = NULL;
	assay_error err = {0};
	CHECK_INT(store_open(target, NULL, &s, &err), ASSAY_OK);
	int64_t ann;
	CHECK_INT(store_annotator_ensure(s, "ann", &ann, &err), ASSAY_OK);
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	/* no such sample: the held write fails when sent */
	store_score_row row = {.sample_id = 999999,
			       .scorer = "repetition",
			       .version = "1",
			       .value = 0.7,
			       .reason = ""};
	CHECK_INT(store_scores_put(s, &row, 1, &err), ASSAY_OK);
	int64_t now = 0;
	err = (assay_error){0};
	int rc = store_clock_ms(s, &now, &err);
	if (rc >= 0)
		printf("#   the clock read passed over the failed write\n");
	CHECK(rc < 0);
	store_rollback(s);
	store_close(s);
}

/* The score-run lock tried (the review screen's refresh of the learned
 * scores): not granted while another connection's run holds it, granted
 * once that run lets it go. */
#include "assay/store_scores.h"
TEST(score_run_lock_tried_and_released_pg)
{
	const char *target = unit_pg_fresh(PG, "trylock");
	if (!target) {
		printf("#   ASSAY_TEST_PG is not set: skipped\n");
		return;
	}
	store *s = NULL, *t = NULL;
	assay_error err = {0};
	CHECK_INT(store_open(target, NULL, &s, &err), ASSAY_OK);
	CHECK_INT(store_open(target, NULL, &t, &err), ASSAY_OK);
	CHECK_INT(store_score_lock(s, NULL, NULL, NULL, &err), ASSAY_OK);
	bool got = true;
	CHECK_INT(store_score_trylock(t, &got, &err), ASSAY_OK);
	CHECK(!got);
	store_score_unlock(s);
	CHECK_INT(store_score_trylock(t, &got, &err), ASSAY_OK);
	CHECK(got);
	/* now s waits: tried, not granted */
	CHECK_INT(store_score_trylock(s, &got, &err), ASSAY_OK);
	CHECK(!got);
	store_close(t);
	store_close(s);
}

/* decide --auto's check on a machine whose clock is an hour ahead: an
 * annotator's live lease (ten minutes by the server's clock) is still
 * live, the sample not open. */
TEST(auto_open_reads_leases_by_the_servers_clock_pg)
{
	const char *target = unit_pg_fresh(PG, "autoclock");
	if (!target) {
		printf("#   ASSAY_TEST_PG is not set: skipped\n");
		return;
	}
	store *s = NULL;
	assay_error err = {0};
	CHECK_INT(store_open(target, NULL, &s, &err), ASSAY_OK);
	int64_t id = one_sample(s), ann, got = 0;
	CHECK_INT(store_annotator_ensure(s, "ann", &ann, &err), ASSAY_OK);
	store_queue q = {.annotator_id = ann, .overlap = 1, .lease_ms = 600000};
	store_cursor c = {0};
	CHECK_INT(store_queue_next(s, &q, &c, &got, &err), ASSAY_OK);
	CHECK_INT(got, id);
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	bool open = true;
	CHECK_INT(store_auto_open(s, id, assay_now_ms() + 3600 * 1000, &open, &err), ASSAY_OK);
	CHECK(!open);
	store_rollback(s);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(auto_reject_vs_claim_pg),
	  UNIT_CASE(held_score_seen_by_a_where_in_its_transaction),
	  UNIT_CASE(claim_lock_key_follows_the_tables_pg),
	  UNIT_CASE(commit_of_an_aborted_transaction_fails_pg),
	  UNIT_CASE(a_failed_held_write_at_the_clock_read_is_seen_pg),
	  UNIT_CASE(score_run_lock_tried_and_released_pg),
	  UNIT_CASE(auto_open_reads_leases_by_the_servers_clock_pg))
