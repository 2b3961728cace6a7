/* test_stats_scan.c — tests for src/store/stats_scan.c and row_sink.c: the
 * SQLite scans of stats with their rows handed to C inside the scan give
 * the rows the filters select, stop at a callback's error and return it,
 * and run again afterwards. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/store.h"
#include "assay/store_audit.h"
#include "assay/store_scores.h"
#include "fixture.h"
#include "unit.h"

static int64_t ann(store *s, const char *name)
{
	int64_t id = 0;
	assay_error e = {0};
	CHECK_INT(store_annotator_ensure(s, name, &id, &e), ASSAY_OK);
	return id;
}

static int decide(store *s, int64_t sample, int64_t who, int kind, const char *text,
		  const char *reason, int64_t ms)
{
	store_decision_in in = {.sample_id = sample, .annotator_id = who, .kind = kind, .text = text,
				.reason = reason, .ms_spent = ms};
	int64_t ev;
	assay_error e = {0};
	return store_decide(s, &in, &ev, &e);
}

typedef struct seen {
	char text[512];
	int calls, stop_at;
} seen;

static int on_stat(void *ud, const store_stat_row *r)
{
	seen *w = ud;
	size_t n = strlen(w->text);
	snprintf(w->text + n, sizeof w->text - n, "%lld/%lld/%d/%s/%lld/%lld/%lld;",
		 (long long)r->sample_id, (long long)r->annotator_id, r->verdict,
		 r->reason ? r->reason : "-", (long long)r->ms_spent, (long long)r->edit_distance,
		 (long long)r->words);
	return ++w->calls == w->stop_at ? 42 : 0;
}

/* Five samples: ann accepts 1, rejects 2 ("bias"), edits 3; bob skips 1
 * and rejects 4 ("dup"). */
static store *decided(int64_t *a, int64_t *b)
{
	store *s = fixture_samples("statsscan", 5, "", NULL);
	*a = ann(s, "ann");
	*b = ann(s, "bob");
	CHECK_INT(decide(s, 1, *a, STORE_ACCEPT, NULL, NULL, 1000), ASSAY_OK);
	CHECK_INT(decide(s, 2, *a, STORE_REJECT, NULL, "bias", 2000), ASSAY_OK);
	CHECK_INT(decide(s, 3, *a, STORE_EDIT, "sample text number two, fixed", NULL, 3000),
		  ASSAY_OK);
	CHECK_INT(decide(s, 1, *b, STORE_SKIP, NULL, NULL, 4000), ASSAY_OK);
	CHECK_INT(decide(s, 4, *b, STORE_REJECT, NULL, "dup", 5000), ASSAY_OK);
	return s;
}

/* Skips are left out; the reason only when asked; an unmeasured edit is
 * -1; the annotator and the range of ids select. */
TEST(decisions_by_filter)
{
	int64_t a, b;
	store *s = decided(&a, &b);
	assay_error e = {0};
	seen w = {0};
	store_stats_filter f = {0};
	CHECK_INT(store_stats_each(s, &f, on_stat, &w, &e), ASSAY_OK);
	CHECK_INT(w.calls, 4); /* of five: bob's skip left out */
	CHECK(strstr(w.text, "2/1/2/bias/2000/-1/-1;") != NULL);
	CHECK(strstr(w.text, "4/2/2/dup/5000/-1/-1;") != NULL);
	w = (seen){0};
	f = (store_stats_filter){.no_reason = true, .annotator_id = b};
	CHECK_INT(store_stats_each(s, &f, on_stat, &w, &e), ASSAY_OK);
	CHECK_STR(w.text, "4/2/2/-/5000/-1/-1;");
	w = (seen){0};
	f = (store_stats_filter){.first_sample = 2, .last_sample = 3, .need_batch = true};
	CHECK_INT(store_stats_each(s, &f, on_stat, &w, &e), ASSAY_OK);
	CHECK_INT(w.calls, 2);
	CHECK(strncmp(w.text, "2/1/2/bias/2000/", 16) == 0);
	CHECK(strstr(w.text, ";3/1/1/-/3000/") != NULL);
	/* decided in the future: nothing until then */
	w = (seen){0};
	f = (store_stats_filter){.since_ms = INT64_MAX - 1};
	CHECK_INT(store_stats_each(s, &f, on_stat, &w, &e), ASSAY_OK);
	CHECK_INT(w.calls, 0);
	store_close(s);
}

/* A callback's nonzero answer ends the scan there and is returned; the
 * same scan runs whole afterwards (nothing of the stopped one kept). */
TEST(a_callback_stops_the_scan_and_it_runs_again)
{
	int64_t a, b;
	store *s = decided(&a, &b);
	assay_error e = {0};
	seen w = {.stop_at = 2};
	store_stats_filter f = {0};
	CHECK_INT(store_stats_each(s, &f, on_stat, &w, &e), 42);
	CHECK_INT(w.calls, 2);
	w = (seen){0};
	CHECK_INT(store_stats_each(s, &f, on_stat, &w, &e), ASSAY_OK);
	CHECK_INT(w.calls, 4);
	store_close(s);
}

typedef struct counts {
	int n, stop_at;
	int64_t id[8];
	int total[8];
} counts;

static int on_counts(void *ud, int64_t id, int rejected, int edited, int total)
{
	(void)rejected;
	(void)edited;
	counts *c = ud;
	c->id[c->n] = id;
	c->total[c->n] = total;
	return ++c->n == c->stop_at ? 7 : 0;
}

static int on_quality(void *ud, int64_t id, double q)
{
	(void)q;
	counts *c = ud;
	c->id[c->n] = id;
	return ++c->n == c->stop_at ? 9 : 0;
}

TEST(verdict_counts_and_quality_stop_and_run_again)
{
	int64_t a, b;
	store *s = decided(&a, &b);
	assay_error e = {0};
	counts c = {.stop_at = 1};
	CHECK_INT(store_verdict_counts_each(s, NULL, INT64_MIN, INT64_MAX, on_counts, &c, &e), 7);
	CHECK_INT(c.n, 1);
	c = (counts){0};
	CHECK_INT(store_verdict_counts_each(s, NULL, INT64_MIN, INT64_MAX, on_counts, &c, &e),
		  ASSAY_OK);
	CHECK_INT(c.n, 4); /* 1 (bob's skip not counted), 2, 3, 4 */
	CHECK_INT(c.id[0], 1);
	CHECK_INT(c.total[0], 1);
	CHECK_INT(c.id[3], 4);
	store_begin(s, &e);
	CHECK_INT(store_quality_set(s, 2, 0.5, &e), ASSAY_OK);
	CHECK_INT(store_quality_set(s, 3, 0.25, &e), ASSAY_OK);
	CHECK_INT(store_quality_set(s, 4, 0.75, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	c = (counts){.stop_at = 2};
	CHECK_INT(store_quality_each(s, on_quality, &c, &e), 9);
	CHECK_INT(c.n, 2);
	c = (counts){0};
	CHECK_INT(store_quality_each(s, on_quality, &c, &e), ASSAY_OK);
	CHECK_INT(c.n, 3);
	CHECK_INT(c.id[0], 3); /* ascending */
	CHECK_INT(c.id[2], 4);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(decisions_by_filter), UNIT_CASE(a_callback_stops_the_scan_and_it_runs_again),
	  UNIT_CASE(verdict_counts_and_quality_stop_and_run_again))
