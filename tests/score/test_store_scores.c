/* test_store_scores.c — the store's scores section (src/store/scores.c) and
 * whole scoring runs (src/score/run.c, neardup.c) on real database files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "assay/score.h"
#include "assay/store.h"
#include "assay/text.h"
#include "unit.h"

static char path[64];

static void cleanup(void)
{
	unit_remove_db(path);
}

/* A fresh database with batch "b1" holding texts[0..n) and "b2" the rest. */
static store *fresh(const char *const *texts, size_t n, size_t n_b1, int64_t *b1, int64_t *b2)
{
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/assay-scores-%d.db", (int)getpid());
		atexit(cleanup);
	}
	cleanup();
	assay_error err = {0};
	store *s = NULL;
	if (store_open(path, NULL, &s, &err) < 0)
		abort();
	store_batch a = {.name = "b1",
			 .source = "a.jsonl",
			 .format = "jsonl",
			 .text_field = "",
			 .id_field = "",
			 .meta_fields = ""};
	store_batch b = a;
	b.name = "b2";
	store_batch_create(s, &a, &err);
	store_batch_create(s, &b, &err);
	*b1 = a.id;
	*b2 = b.id;
	store_begin(s, &err);
	for (size_t i = 0; i < n; i++) {
		char id[32], rec[512];
		snprintf(id, sizeof id, "s%zu", i);
		snprintf(rec, sizeof rec, "{\"id\":\"%s\",\"caption\":\"x\",\"logprob\":%g}", id,
			 -0.1 * (double)i);
		store_new_sample ns = {.batch_id = i < n_b1 ? a.id : b.id,
				       .ext_id = id,
				       .line = (int64_t)i + 1,
				       .text_field = "caption",
				       .text = texts[i],
				       .text_len = strlen(texts[i]),
				       .record = rec,
				       .record_len = strlen(rec),
				       .hash =
					   text_normalized_hash(texts[i], strlen(texts[i]), NULL)};
		int outcome;
		int64_t sid;
		if (store_sample_insert(s, &ns, &outcome, &sid, &err) < 0)
			abort();
	}
	store_commit(s, &err);
	return s;
}

static const char *const texts[] = {
    "A woman in a red coat walks her dog along the river at dusk while the city lights come "
    "on across the water and a ferry passes.",
    "As an AI language model, I cannot view videos directly.",
    "A woman in a red coat walks her dog along the river at dusk while the city lights come "
    "on across the water and a boat passes.",
    "Two children cross the street at a crosswalk while a bus waits at the red light.",
    "The photo is taken from directl",
    "A man reads a newspaper on a bench in the park under a tall oak tree in the morning.",
    "A cat sleeps on a sunny windowsill next to a pot of basil and a stack of old books.",
};
#define N_TEXTS ASSAY_ARRAY_LEN(texts)

TEST(pages_keyset_and_needs)
{
	int64_t b1, b2;
	store *s = fresh(texts, N_TEXTS, 4, &b1, &b2);
	assay_error err = {0};
	store_score_want want[2] = {{"a", "1"}, {"b", "1"}};
	store_score_query q = {.want = want, .n_want = 2};
	store_score_page page = {0};
	int64_t seen = 0, last = 0;
	do {
		CHECK_INT(store_score_page_next(s, &q, 3, &page, &err), 0);
		CHECK(page.n <= 3);
		for (size_t i = 0; i < page.n; i++) {
			CHECK(page.items[i].id > last);
			last = page.items[i].id;
			CHECK_INT(page.items[i].need, 3);
			CHECK(page.items[i].record == NULL);
			CHECK_STR(page.items[i].text_field, "caption");
			CHECK_INT(page.items[i].text_len, strlen(texts[seen]));
			CHECK(memcmp(page.items[i].text, texts[seen], page.items[i].text_len) == 0);
			seen++;
		}
	} while (page.n);
	CHECK_INT(seen, N_TEXTS);
	/* A current score of one scorer leaves the other needed. */
	store_score_row row = {.sample_id = 1,
			       .scorer = "a",
			       .version = "1",
			       .value = 0.5,
			       .reason = "r",
			       .detail = "{\"x\":1}"};
	store_begin(s, &err);
	CHECK_INT(store_score_put(s, &row, &err), 0);
	row.scorer = "b";
	CHECK_INT(store_score_put(s, &row, &err), 0);
	row.sample_id = 2;
	row.version = "0";
	CHECK_INT(store_score_put(s, &row, &err), 0);
	store_commit(s, &err);
	page.last_id = 0;
	CHECK_INT(store_score_page_next(s, &q, 100, &page, &err), 0);
	CHECK_INT(page.n, N_TEXTS - 1); /* sample 1 is current */
	CHECK_INT(page.items[0].id, 2);
	CHECK_INT(page.items[0].need, 3); /* b is there but of another version */
	/* all: every sample, with masks. */
	q.all = true;
	q.with_record = true;
	page.last_id = 0;
	CHECK_INT(store_score_page_next(s, &q, 100, &page, &err), 0);
	CHECK_INT(page.n, N_TEXTS);
	CHECK_INT(page.items[0].need, 0);
	CHECK_CONTAINS(page.items[0].record, "\"logprob\"");
	/* rescore: every sample, everything needed. */
	q.all = false;
	q.rescore = true;
	page.last_id = 0;
	CHECK_INT(store_score_page_next(s, &q, 100, &page, &err), 0);
	CHECK_INT(page.items[0].need, 3);
	/* A batch filter. */
	int64_t only[1] = {b2};
	q.batch_ids = only;
	q.n_batches = 1;
	page.last_id = 0;
	CHECK_INT(store_score_page_next(s, &q, 100, &page, &err), 0);
	CHECK_INT(page.n, N_TEXTS - 4);
	CHECK_INT(page.items[0].batch_id, b2);
	store_score_span span;
	CHECK_INT(store_score_scope(s, &q, &span, &err), 0);
	CHECK_INT(span.count, N_TEXTS - 4);
	CHECK_INT(span.min_id, 5);
	CHECK_INT(span.max_id, N_TEXTS);
	/* from the batches' smallest id: a page does not walk the samples before */
	q.min_id = span.min_id;
	page.last_id = 0;
	CHECK_INT(store_score_page_next(s, &q, 100, &page, &err), 0);
	CHECK_INT(page.n, N_TEXTS - 4);
	CHECK_INT(page.items[0].id, 5);
	q.min_id = span.min_id + 1;
	page.last_id = 0;
	CHECK_INT(store_score_page_next(s, &q, 100, &page, &err), 0);
	CHECK_INT(page.n, N_TEXTS - 5);
	CHECK_INT(page.items[0].id, 6);
	/* a page's own place goes on from there */
	CHECK_INT(store_score_page_next(s, &q, 100, &page, &err), 0);
	CHECK_INT(page.n, 0);
	page.last_id = 6;
	CHECK_INT(store_score_page_next(s, &q, 100, &page, &err), 0);
	CHECK_INT(page.n, 1);
	CHECK_INT(page.items[0].id, 7);
	store_score_page_free(&page);
	store_close(s);
}

/* Only samples without a verdict (a skip is none), and a refresh with no
 * model to follow does nothing. */
TEST(pages_of_undecided_samples)
{
	int64_t b1, b2;
	store *s = fresh(texts, N_TEXTS, 4, &b1, &b2);
	assay_error err = {0};
	int64_t ann, ev;
	CHECK_INT(store_annotator_ensure(s, "ann", &ann, &err), 0);
	int kinds[] = {STORE_REJECT, STORE_ACCEPT, STORE_SKIP};
	for (int i = 0; i < 3; i++) {
		store_decision_in in = {.sample_id = i + 1, .annotator_id = ann, .kind = kinds[i],
					.reason = kinds[i] == STORE_REJECT ? "x" : NULL};
		CHECK_INT(store_decide(s, &in, &ev, &err), 0);
	}
	store_score_want want = {"learned", "1"};
	store_score_query q = {.want = &want, .n_want = 1, .undecided = true};
	store_score_page page = {0};
	CHECK_INT(store_score_page_next(s, &q, 100, &page, &err), 0);
	CHECK_INT(page.n, N_TEXTS - 2);
	CHECK_INT(page.items[0].id, 3);
	/* a bounded step: ids up to max_id only */
	page.last_id = 0;
	q.max_id = 4;
	CHECK_INT(store_score_page_next(s, &q, 100, &page, &err), 0);
	CHECK_INT(page.n, 2);
	CHECK_INT(page.items[1].id, 4);
	store_score_page_free(&page);
	score_config cfg;
	score_config_init(&cfg);
	score_refresh *r = (score_refresh *)&cfg;
	CHECK_INT(score_refresh_new(s, &cfg, &r, &err), 0);
	CHECK(r == NULL);
	score_config_free(&cfg);
	store_close(s);
}

TEST(scores_read_back)
{
	int64_t b1, b2;
	store *s = fresh(texts, 3, 3, &b1, &b2);
	assay_error err = {0};
	store_score_row row = {.sample_id = 2,
			       .scorer = "z",
			       .version = "1",
			       .value = NAN,
			       .flagged = true,
			       .reason = "z: failed: timeout"};
	CHECK_INT(store_score_put(s, &row, &err), 0);
	row = (store_score_row){.sample_id = 2,
				.scorer = "a",
				.version = "2",
				.value = 0.25,
				.flagged = true,
				.reason = "a: bad",
				.detail = "{\"n\":1}"};
	CHECK_INT(store_score_put(s, &row, &err), 0);
	store_score *v;
	size_t n;
	CHECK_INT(store_scores_get(s, 2, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_STR(v[0].scorer, "a");
	CHECK_NEAR(v[0].value, 0.25, 1e-12);
	CHECK(v[0].flagged);
	CHECK_STR(v[0].detail, "{\"n\":1}");
	CHECK(isnan(v[1].value));
	CHECK(!v[1].flagged); /* a failure is never a flag */
	CHECK_STR(v[1].reason, "z: failed: timeout");
	CHECK(v[1].scored_at > 0);
	store_scores_free(v, n);
	CHECK_INT(store_score_set_detail(s, 2, "a", "a: worse", "{\"n\":2}", &err), 0);
	CHECK_INT(store_scores_get(s, 2, &v, &n, &err), 0);
	CHECK_STR(v[0].reason, "a: worse");
	store_scores_free(v, n);
	CHECK_INT(store_scores_get(s, 3, &v, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(store_quality_set(s, 2, 0.125, &err), 0);
	store_sample x;
	CHECK_INT(store_sample_get(s, 2, &x, &err), 0);
	CHECK_NEAR(x.quality, 0.125, 1e-12);
	store_sample_free(&x);
	CHECK_INT(store_quality_set(s, 2, NAN, &err), 0);
	CHECK_INT(store_sample_get(s, 2, &x, &err), 0);
	CHECK(isnan(x.quality));
	store_sample_free(&x);
	store_close(s);
}

TEST(cache_and_field_range)
{
	int64_t b1, b2;
	store *s = fresh(texts, 4, 2, &b1, &b2);
	assay_error err = {0};
	bool found;
	double v;
	char *why;
	CHECK_INT(store_score_cache_get(s, 1, 2, &found, &v, &why, &err), 0);
	CHECK(!found);
	CHECK_INT(store_score_cache_put(s, 1, 2, 0.75, "judge: ok", &err), 0);
	CHECK_INT(store_score_cache_get(s, 1, 2, &found, &v, &why, &err), 0);
	CHECK(found);
	CHECK_NEAR(v, 0.75, 1e-12);
	CHECK_STR(why, "judge: ok");
	free(why);
	CHECK_INT(store_score_cache_get(s, 2, 2, &found, &v, &why, &err), 0);
	CHECK(!found);
	store_score_query q = {0};
	double lo, hi;
	int64_t n;
	CHECK_INT(store_field_range(s, &q, "logprob", &lo, &hi, &n, &err), 0);
	CHECK_INT(n, 4);
	CHECK_NEAR(lo, -0.3, 1e-9);
	CHECK_NEAR(hi, 0, 1e-9);
	int64_t only[1] = {b2};
	q.batch_ids = only;
	q.n_batches = 1;
	CHECK_INT(store_field_range(s, &q, "logprob", &lo, &hi, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_NEAR(hi, -0.2, 1e-9);
	CHECK_INT(store_field_range(s, &q, "nope.x", &lo, &hi, &n, &err), 0);
	CHECK_INT(n, 0);
	store_close(s);
}

static double value_of(store *s, int64_t id, const char *scorer, bool *flagged)
{
	assay_error err = {0};
	store_score *v;
	size_t n;
	double out = -1;
	store_scores_get(s, id, &v, &n, &err);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].scorer, scorer)) {
			out = v[i].value;
			if (flagged)
				*flagged = v[i].flagged;
		}
	store_scores_free(v, n);
	return out;
}

TEST(run_builtins_skip_and_rescore)
{
	int64_t b1, b2;
	store *s = fresh(texts, N_TEXTS, 4, &b1, &b2);
	assay_error err = {0};
	score_config cfg;
	score_config_init(&cfg);
	score_run_options o = {.cfg = &cfg, .page = 2};
	score_run_result res;
	CHECK_INT(score_run(s, &o, &res, &err), 0);
	CHECK_INT(res.scored[SCORE_LENGTH], N_TEXTS);
	CHECK_INT(res.scored[SCORE_NEARDUP], N_TEXTS);
	CHECK_INT(res.scored[SCORE_FIELD], 0);
	CHECK_INT(res.flagged[SCORE_NEARDUP], 1);
	CHECK_INT(res.combined, N_TEXTS);
	bool flagged = false;
	/* The first of the two river captions is not flagged, the second is. */
	CHECK_NEAR(value_of(s, 1, "neardup", &flagged), 1, 1e-9);
	CHECK(!flagged);
	CHECK(value_of(s, 3, "neardup", &flagged) < 0.2);
	CHECK(flagged);
	CHECK(value_of(s, 2, "artifacts", &flagged) < 0.1);
	CHECK(flagged);
	store_sample x, y;
	store_sample_get(s, 2, &x, &err);
	store_sample_get(s, 4, &y, &err);
	CHECK(x.quality < 0.1);
	CHECK(y.quality > 0.9);
	store_sample_free(&x);
	store_sample_free(&y);
	/* Again: everything is current. */
	CHECK_INT(score_run(s, &o, &res, &err), 0);
	CHECK_INT(res.scored[SCORE_LENGTH], 0);
	CHECK_INT(res.scored[SCORE_NEARDUP], 0);
	CHECK_INT(res.combined, 0);
	/* A changed setting makes that scorer's scores stale, only that one. */
	cfg.min_words = 8;
	CHECK_INT(score_run(s, &o, &res, &err), 0);
	CHECK_INT(res.scored[SCORE_LENGTH], N_TEXTS);
	CHECK_INT(res.scored[SCORE_GOPHER], 0);
	CHECK_INT(res.flagged[SCORE_LENGTH], 1);
	o.rescore = true;
	const char *names[] = {"gopher", "field"};
	o.names = names;
	o.n_names = 2;
	CHECK_INT(score_config_field(&cfg, "logprob", &err), 0);
	CHECK_INT(score_run(s, &o, &res, &err), 0);
	CHECK_INT(res.scored[SCORE_GOPHER], N_TEXTS);
	CHECK_INT(res.scored[SCORE_FIELD], N_TEXTS);
	CHECK_INT(res.scored[SCORE_LENGTH], 0);
	/* Without a range, the data's: -0.6 .. 0. */
	CHECK_NEAR(value_of(s, 1, "field", NULL), 1, 1e-9);
	CHECK_NEAR(value_of(s, N_TEXTS, "field", NULL), 0, 1e-9);
	score_config_free(&cfg);
	store_close(s);
}

TEST(run_batches_and_growth)
{
	int64_t b1, b2;
	store *s = fresh(texts, N_TEXTS, 2, &b1, &b2);
	assay_error err = {0};
	score_config cfg;
	score_config_init(&cfg);
	int64_t only[1] = {b1};
	score_run_options o = {.cfg = &cfg, .batch_ids = only, .n_batches = 1};
	score_run_result res;
	CHECK_INT(score_run(s, &o, &res, &err), 0);
	CHECK_INT(res.scored[SCORE_HEDGING], 2);
	CHECK_INT(res.scored[SCORE_NEARDUP], 2);
	CHECK_NEAR(value_of(s, 1, "neardup", NULL), 1, 1e-9);
	/* Batch 2 holds the near duplicate of sample 1: it is flagged, and
	 * sample 1's reason now names its cluster. */
	only[0] = b2;
	CHECK_INT(score_run(s, &o, &res, &err), 0);
	CHECK_INT(res.scored[SCORE_NEARDUP], N_TEXTS - 2);
	CHECK(value_of(s, 3, "neardup", NULL) < 0.2);
	store_score *v;
	size_t n;
	store_scores_get(s, 1, &v, &n, &err);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].scorer, "neardup"))
			CHECK_CONTAINS(v[i].reason, "first of a cluster of 2");
	store_scores_free(v, n);
	/* A stop raised before the run: nothing done, EINTR. */
	volatile sig_atomic_t stop = 1;
	o.stop = &stop;
	o.rescore = true;
	CHECK_INT(score_run(s, &o, &res, &err), ASSAY_EINTR);
	CHECK_INT(res.scored[SCORE_LENGTH], 0);
	/* A remote scorer without an endpoint is a usage error. */
	const char *names[] = {"llm-judge"};
	o = (score_run_options){.cfg = &cfg, .names = names, .n_names = 1};
	CHECK_INT(score_run(s, &o, &res, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "llm-judge: no endpoint");
	score_config_free(&cfg);
	store_close(s);
}

/* How many samples hold a score but no combined score. */
static int64_t scored_without_combined(store *s)
{
	assay_error err = {0};
	int64_t missing = 0;
	for (int64_t id = 1; id <= (int64_t)N_TEXTS; id++) {
		store_score *v;
		size_t n = 0;
		store_sample x;
		if (store_scores_get(s, id, &v, &n, &err) < 0 ||
		    store_sample_get(s, id, &x, &err) < 0)
			return -1;
		missing += n > 0 && isnan(x.quality);
		store_scores_free(v, n);
		store_sample_free(&x);
	}
	return missing;
}

/* Ends the process as a kill would, once the first page of the text
 * scorers is committed (with near-duplicates, inside its pass: its first
 * chunk). */
static void die_after_first_page(void *ud, const score_progress *p)
{
	(void)ud;
	if (!strcmp(p->phase, "rules") || !strcmp(p->phase, "neardup"))
		_exit(0);
}

TEST(run_killed_keeps_combined)
{
	int64_t b1, b2;
	store_close(fresh(texts, N_TEXTS, 4, &b1, &b2));
	pid_t pid = fork();
	if (pid == 0) {
		assay_error err = {0};
		store *c = NULL;
		score_config cfg;
		score_config_init(&cfg);
		score_run_options o = {.cfg = &cfg, .page = 2, .progress = die_after_first_page};
		score_run_result res;
		if (store_open(path, NULL, &c, &err) == 0)
			score_run(c, &o, &res, &err);
		_exit(1); /* the kill never came */
	}
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assay_error err = {0};
	store *s = NULL;
	CHECK_INT(store_open(path, NULL, &s, &err), 0);
	/* The first page's scores were committed with their combined scores. */
	store_sample x;
	CHECK_INT(store_sample_get(s, 1, &x, &err), 0);
	CHECK(!isnan(x.quality));
	store_sample_free(&x);
	CHECK_INT(scored_without_combined(s), 0);
	score_config cfg;
	score_config_init(&cfg);
	score_run_options o = {.cfg = &cfg};
	score_run_result res;
	CHECK_INT(score_run(s, &o, &res, &err), 0);
	CHECK_INT(scored_without_combined(s), 0);
	CHECK_INT(store_sample_get(s, N_TEXTS, &x, &err), 0);
	CHECK(!isnan(x.quality));
	store_sample_free(&x);
	score_config_free(&cfg);
	store_close(s);
}

TEST(run_restores_missing_combined)
{
	int64_t b1, b2;
	store *s = fresh(texts, N_TEXTS, 4, &b1, &b2);
	assay_error err = {0};
	score_config cfg;
	score_config_init(&cfg);
	score_run_options o = {.cfg = &cfg};
	score_run_result res;
	CHECK_INT(score_run(s, &o, &res, &err), 0);
	store_sample x;
	CHECK_INT(store_sample_get(s, 2, &x, &err), 0);
	double q2 = x.quality;
	store_sample_free(&x);
	/* Scores without their combined score, as a run killed before this
	 * version could leave them: the next run writes what is missing. */
	CHECK_INT(store_quality_set(s, 2, NAN, &err), 0);
	CHECK_INT(store_quality_set(s, 5, NAN, &err), 0);
	CHECK_INT(scored_without_combined(s), 2);
	CHECK_INT(score_run(s, &o, &res, &err), 0);
	CHECK_INT(res.scored[SCORE_LENGTH], 0);
	CHECK_INT(res.combined, 2);
	CHECK_INT(scored_without_combined(s), 0);
	CHECK_INT(store_sample_get(s, 2, &x, &err), 0);
	CHECK_NEAR(x.quality, q2, 1e-12);
	store_sample_free(&x);
	score_config_free(&cfg);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(pages_keyset_and_needs), UNIT_CASE(pages_of_undecided_samples), UNIT_CASE(scores_read_back),
	  UNIT_CASE(cache_and_field_range), UNIT_CASE(run_builtins_skip_and_rescore),
	  UNIT_CASE(run_batches_and_growth), UNIT_CASE(run_killed_keeps_combined),
	  UNIT_CASE(run_restores_missing_combined))
