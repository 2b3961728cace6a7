/* test_neardup_feed.c — the near-duplicate pass's pages read and signed
 * ahead (src/score/neardup_feed.c): every sample once, in id order, signed
 * as when read on the run's own connection; the need flag as stored; a
 * reading's failure after the pages before it; a raised stop ends the
 * pages; a stopped feed is measured after its thread; a writer's open
 * transaction is read on its own connection. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/score/neardup_int.h"
#include "assay/store.h"
#include "assay/text.h"
#include "unit.h"

static char path[64];

static void cleanup(void)
{
	unit_remove_db(path);
}

/* A database of n samples over two batches (ids 1..n); without commit, the
 * inserting transaction is left open. */
static store *with_samples(size_t n, bool commit)
{
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/assay-ndfeed-%d.db", (int)getpid());
		atexit(cleanup);
	}
	cleanup();
	assay_error err = {0};
	store *s = NULL;
	if (store_open(path, NULL, &s, &err) < 0)
		abort();
	int64_t batch[2];
	for (int k = 0; k < 2; k++) {
		store_batch b = {.name = k ? "two" : "one",
				 .source = "a.jsonl",
				 .format = "jsonl",
				 .text_field = "",
				 .id_field = "",
				 .meta_fields = ""};
		if (store_batch_create(s, &b, &err) < 0)
			abort();
		batch[k] = b.id;
	}
	if (store_begin(s, &err) < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		char id[32], text[96];
		snprintf(id, sizeof id, "s-%zu", i);
		snprintf(text, sizeof text, "sample %zu says w%zu x%zu and y%zu", i, i * 7, i % 13,
			 i / 3);
		store_new_sample ns = {.batch_id = batch[i % 5 == 4],
				       .ext_id = id,
				       .line = (int64_t)i + 1,
				       .text_field = "caption",
				       .text = text,
				       .text_len = strlen(text),
				       .record = "{}",
				       .record_len = 2,
				       .hash = text_normalized_hash(text, strlen(text), NULL)};
		int outcome;
		int64_t sid;
		if (store_sample_insert(s, &ns, &outcome, &sid, &err) < 0)
			abort();
	}
	if (commit && store_commit(s, &err) < 0)
		abort();
	return s;
}

static store_score_want want = {"neardup", "v-test"};
static store_score_query query = {.want = &want, .n_want = 1, .all = true};

/* A sample a feed handed over: id, batch, need, signature, keys. */
typedef struct one {
	int64_t id, batch;
	bool need;
	uint8_t sig[SCORE_MH_K];
	uint32_t keys[SCORE_MH_BANDS];
} one;

/* Every sample of a feed after after_id, in the order handed over; returns
 * the count and the feed's status. */
static size_t drain(store *s, int64_t after_id, bool ahead, one *out, size_t cap, int *status,
		    bool *was_ahead)
{
	assay_error err = {0};
	nd_feed *f;
	CHECK_INT(nd_feed_start(s, &query, after_id, ahead, NULL, &f, &err), 0);
	*was_ahead = nd_feed_ahead(f);
	size_t k = 0;
	const nd_signed *pg;
	while ((*status = nd_feed_next(f, &pg, &err)) == 0 && pg) {
		for (size_t i = 0; i < pg->n && k < cap; i++, k++) {
			out[k] = (one){.id = pg->id[i], .batch = pg->batch[i], .need = pg->need[i]};
			memcpy(out[k].sig, pg->sig[i], SCORE_MH_K);
			memcpy(out[k].keys, pg->keys[i], sizeof out[k].keys);
		}
		nd_feed_done(f);
	}
	nd_feed_free(f);
	return k;
}

/* A feed of s's samples on two threads (reading ahead if asked and a
 * reader connection can be had) with its first page taken: a whole page
 * from the first sample on. */
static nd_feed *started(store *s, bool ahead, volatile sig_atomic_t *stop)
{
	setenv("ASSAY_THREADS", "2", 1);
	assay_error err = {0};
	nd_feed *f = NULL;
	CHECK_INT(nd_feed_start(s, &query, 0, ahead, stop, &f, &err), 0);
	unsetenv("ASSAY_THREADS");
	CHECK_INT(nd_feed_ahead(f), ahead);
	const nd_signed *pg;
	CHECK_INT(nd_feed_next(f, &pg, &err), 0);
	CHECK(pg && pg->n == ND_PAGE && pg->id[0] == 1);
	return f;
}

/* The pages after the first, each done with: the count of all (the first
 * included), *wrong those not where id order puts them, *rc the last
 * nd_feed_next's result. */
static size_t the_rest(nd_feed *f, size_t *wrong, int *rc, assay_error *err)
{
	const nd_signed *pg;
	size_t pages = 1;
	*wrong = 0;
	while ((*rc = nd_feed_next(f, &pg, err)) == 0 && pg) {
		*wrong += pg->id[0] != (int64_t)(pages * ND_PAGE + 1);
		pages++;
		nd_feed_done(f);
	}
	return pages;
}

/* More pages than the feed holds ahead: every sample after the start once,
 * in id order, the same ids, batches, signatures and keys as read on the
 * run's connection when asked; a sample with a current score is not
 * needed. */
TEST(pages_ahead_are_the_pages_read_when_asked)
{
	size_t n = 11 * ND_PAGE + 123, after = 100;
	store *s = with_samples(n, true);
	assay_error err = {0};
	store_score_row row = {.sample_id = 150,
			       .scorer = "neardup",
			       .version = "v-test",
			       .value = 1,
			       .reason = "r",
			       .detail = ""};
	if (store_begin(s, &err) < 0 || store_score_put(s, &row, &err) < 0 ||
	    store_commit(s, &err) < 0)
		abort();
	setenv("ASSAY_THREADS", "2", 1);
	one *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
	int rc_a, rc_b;
	bool ahead_a, ahead_b;
	size_t na = drain(s, (int64_t)after, true, a, n, &rc_a, &ahead_a);
	size_t nb = drain(s, (int64_t)after, false, b, n, &rc_b, &ahead_b);
	unsetenv("ASSAY_THREADS");
	CHECK(ahead_a);
	CHECK(!ahead_b);
	CHECK_INT(rc_a, 0);
	CHECK_INT(rc_b, 0);
	CHECK_INT(na, n - after);
	CHECK_INT(nb, n - after);
	size_t out_of_order = 0, differ = 0, needed = 0;
	for (size_t k = 0; k < na && k < nb; k++) {
		out_of_order += a[k].id != (int64_t)(after + k + 1);
		differ += memcmp(&a[k], &b[k], sizeof a[k]) != 0;
		needed += a[k].need;
	}
	CHECK_INT(out_of_order, 0);
	CHECK_INT(differ, 0);
	CHECK_INT(needed, n - after - 1);
	CHECK(!a[150 - after - 1].need);
	CHECK(a[3].batch != a[4].batch); /* ids 104 and 105: both batches were read */
	free(a);
	free(b);
	store_close(s);
}

/* A reading that fails (the scores' table gone under it) fails the feed
 * after the pages read before it, each handed over once. */
TEST(a_failed_read_comes_after_the_pages_before_it)
{
	size_t n = 12 * ND_PAGE;
	store *s = with_samples(n, true);
	nd_feed *f = started(s, true, NULL);
	/* While the first page is held, no page after the feed's room is
	 * read: the pages the table's loss fails are the later ones. */
	sqlite3 *db;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "DROP TABLE sample_scores", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	nd_feed_done(f);
	assay_error err = {0};
	size_t wrong;
	int rc;
	size_t pages = the_rest(f, &wrong, &rc, &err);
	CHECK(rc < 0);
	CHECK(strstr(err.msg, "sample_scores") != NULL);
	CHECK_INT(wrong, 0);
	CHECK(pages >= 2 && pages < 12);
	nd_feed_free(f);
	store_close(s);
}

/* A raised stop ends the pages (none handed over after it), whether they
 * are read ahead or when asked, and the feed is freed with its thread. */
TEST(a_raised_stop_ends_the_pages)
{
	store *s = with_samples(4 * ND_PAGE, true);
	for (int ahead = 0; ahead < 2; ahead++) {
		volatile sig_atomic_t stop = 0;
		nd_feed *f = started(s, ahead, &stop);
		nd_feed_done(f);
		stop = 1;
		assay_error err = {0};
		const nd_signed *pg;
		CHECK_INT(nd_feed_next(f, &pg, &err), 0);
		CHECK(pg == NULL);
		nd_feed_free(f);
	}
	store_close(s);
}

/* A feed stopped before its end (the run stopped, or failed adding a
 * page): its thread is joined, so its memory is measured while nothing
 * fills it; the pages made before are handed over in order, then none. */
TEST(a_stopped_feed_is_measured_after_its_thread)
{
	store *s = with_samples(12 * ND_PAGE, true);
	nd_feed *f = started(s, true, NULL);
	nd_feed_done(f);
	nd_feed_stop(f);
	size_t bytes = nd_feed_bytes(f);
	CHECK(bytes > 0);
	assay_error err = {0};
	size_t wrong;
	int rc;
	size_t pages = the_rest(f, &wrong, &rc, &err);
	CHECK_INT(rc, 0);
	CHECK_INT(wrong, 0);
	CHECK(pages < 12); /* nothing read after the stop */
	CHECK_INT(nd_feed_bytes(f), bytes);
	nd_feed_stop(f); /* again: nothing to join */
	nd_feed_free(f);
	store_close(s);
}

/* Samples of the writer's transaction still open, which a reader
 * connection cannot see, are read on the writer's connection. */
TEST(an_open_transaction_is_read_on_its_own_connection)
{
	size_t n = 2 * ND_PAGE + 7;
	store *s = with_samples(n, false);
	setenv("ASSAY_THREADS", "2", 1);
	int rc;
	bool ahead;
	one *a = calloc(n, sizeof *a);
	size_t got = drain(s, 0, true, a, n, &rc, &ahead);
	CHECK(!ahead);
	CHECK_INT(rc, 0);
	CHECK_INT(got, n);
	/* once committed, they are read ahead */
	assay_error err = {0};
	CHECK_INT(store_commit(s, &err), 0);
	got = drain(s, 0, true, a, n, &rc, &ahead);
	unsetenv("ASSAY_THREADS");
	CHECK(ahead);
	CHECK_INT(got, n);
	free(a);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(pages_ahead_are_the_pages_read_when_asked),
	  UNIT_CASE(a_failed_read_comes_after_the_pages_before_it),
	  UNIT_CASE(a_raised_stop_ends_the_pages),
	  UNIT_CASE(a_stopped_feed_is_measured_after_its_thread),
	  UNIT_CASE(an_open_transaction_is_read_on_its_own_connection))
