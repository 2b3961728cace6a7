/* test_pg_learn.c — what learn, decide --auto, audit and report read and
 * write of the store, on both engines: an SQLite file and a fresh schema on
 * the PostgreSQL server tests/run starts ($ASSAY_TEST_PG; without it the
 * PostgreSQL half is skipped and says so). Models stored and read back
 * byte for byte, the decided count, the samples decide --auto would reject
 * (of one model, in pages, none decided) and the report's example lists
 * in their order must give the same answers on both. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/store.h"
#include "assay/text.h"
#include "unit_pg.h"

#define N_SAMPLES 8

/* A store with N_SAMPLES samples s0..s7 in one batch (ids 1..8). */
static store *open_samples(int engine)
{
	return unit_pg_store(engine, "pglearn", N_SAMPLES, NULL);
}

static int64_t who(store *s, const char *name)
{
	int64_t id = 0;
	assay_error err = {0};
	CHECK_INT(store_annotator_ensure(s, name, &id, &err), ASSAY_OK);
	return id;
}

/* A decision, 2 ms after the one before (each newer than the last, for the
 * lists' newest-first order). */
static void decide(store *s, int64_t sample, const char *annotator, int kind,
		   const char *reason)
{
	usleep(2000);
	assay_error err = {0};
	int64_t event = 0;
	store_decision_in in = {.sample_id = sample, .annotator_id = who(s, annotator),
				.kind = kind, .reason = reason};
	CHECK_INT(store_decide(s, &in, &event, &err), ASSAY_OK);
}

/* Two versions of a model, bytes with NULs and high bytes: the newest
 * comes back whole, with its numbers and info. */
static void models_case(int engine)
{
	store *s = open_samples(engine);
	if (!s)
		return;
	assay_error err = {0};
	unsigned char bytes[300];
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)(i * 7);
	store_model m = {.created_at = 1234, .n_rejected = 3, .n_kept = 4,
			 .info = "{\"a\":1}", .bytes = bytes, .len = 10};
	int64_t v1 = 0, v2 = 0;
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	CHECK_INT(store_model_put(s, "learned", &m, &v1, &err), ASSAY_OK);
	m.len = sizeof bytes;
	m.info = "{\"b\":\"\\u00e9\"}";
	CHECK_INT(store_model_put(s, "learned", &m, &v2, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	CHECK_INT(v1, 1);
	CHECK_INT(v2, 2);
	store_model got;
	bool found = false;
	CHECK_INT(store_model_latest(s, "learned", &got, &found, &err), ASSAY_OK);
	CHECK(found);
	if (found) {
		CHECK_INT(got.version, 2);
		CHECK_INT(got.created_at, 1234);
		CHECK_INT(got.n_rejected + got.n_kept, 7);
		CHECK_STR(got.info, "{\"b\":\"\\u00e9\"}");
		CHECK_INT(got.len, sizeof bytes);
		CHECK(got.len == sizeof bytes && memcmp(got.bytes, bytes, sizeof bytes) == 0);
		store_model_free(&got);
	}
	CHECK_INT(store_model_latest(s, "other", &got, &found, &err), ASSAY_OK);
	CHECK(!found);
	/* the decided count: samples with a verdict but skips, machines aside */
	decide(s, 1, "ann", STORE_ACCEPT, NULL);
	decide(s, 1, "bob", STORE_REJECT, "blurry");
	decide(s, 2, "ann", STORE_SKIP, NULL);
	decide(s, 3, STORE_AUTO_PREFIX "learned@1", STORE_REJECT, "other");
	decide(s, 4, "bob", STORE_REJECT, "blurry");
	int64_t n = -1;
	CHECK_INT(store_decided_count(s, &n, &err), ASSAY_OK);
	CHECK_INT(n, 2);
	store_close(s);
}

TEST(models_sqlite) { models_case(LITE); }
TEST(models_pg) { models_case(PG); }

/* Sample i's learned score of model `model` (1 - P(reject)); detail NULL
 * writes the model's JSON, else the detail given. */
static void learned(store *s, int64_t id, double value, int model, const char *detail)
{
	char json[128], why[64];
	snprintf(json, sizeof json, "{\"p_reject\":%g,\"model\":%d,\"reason\":\"r%lld\"}",
		 1 - value, model, (long long)id);
	snprintf(why, sizeof why, "learned: sample %lld", (long long)id);
	store_score_row row = {id, "learned", "m", value, value < 0.5, why, detail ? detail : json};
	assay_error err = {0};
	CHECK_INT(store_scores_put(s, &row, 1, &err), ASSAY_OK);
}

typedef struct pages {
	char text[1024];
	size_t at;
} pages;

/* Every page of decide --auto's walk at or below max, two to a page, as
 * "ext value why likely;" with "|" between pages. */
static void walk(store *s, int64_t model, double max, pages *out)
{
	double after_value = -INFINITY;
	int64_t after_id = 0;
	out->at = 0;
	out->text[0] = '\0';
	for (int guard = 0; guard < 10; guard++) {
		store_auto_row *rows = NULL;
		size_t n = 0;
		assay_error err = {0};
		CHECK_INT(store_auto_page(s, model, max, 2, &after_value, &after_id, &rows, &n,
					  &err),
			  ASSAY_OK);
		for (size_t i = 0; i < n; i++)
			out->at += (size_t)snprintf(out->text + out->at, sizeof out->text - out->at,
						    "%s %g %s %s;", rows[i].ext_id, rows[i].value,
						    rows[i].why, rows[i].likely ? rows[i].likely : "-");
		store_auto_rows_free(rows, n);
		if (!n)
			return;
		out->at += (size_t)snprintf(out->text + out->at, sizeof out->text - out->at, "|");
	}
}

/* Learned scores of two models, one sample decided, one skipped, details
 * that are no JSON object: only model 2's undecided samples at or below
 * the bound, surest first, in pages; the unscored counted; a decided sample
 * no longer open. */
static void auto_case(int engine)
{
	store *s = open_samples(engine);
	if (!s)
		return;
	assay_error err = {0};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	learned(s, 1, 0.10, 2, NULL);
	learned(s, 2, 0.05, 2, NULL);
	learned(s, 3, 0.20, 1, NULL);       /* an older model's */
	learned(s, 4, 0.15, 2, NULL);       /* decided below */
	learned(s, 5, 0.30, 2, NULL);       /* skipped below: still undecided */
	learned(s, 6, 0.01, 2, "");         /* a detail left empty */
	learned(s, 7, 0.02, 2, "{\"model\":\"2\"}"); /* the model as a string */
	learned(s, 8, 0.90, 2, "{\"p_reject\":0.1,\"model\":2}"); /* above the bound */
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	decide(s, 4, "ann", STORE_ACCEPT, NULL);
	decide(s, 5, "ann", STORE_SKIP, NULL);
	pages got;
	walk(s, 2, 0.5, &got);
	CHECK_STR(got.text, "s1 0.05 learned: sample 2 r2;s0 0.1 learned: sample 1 r1;|"
			    "s4 0.3 learned: sample 5 r5;|");
	walk(s, 1, 0.5, &got);
	CHECK_STR(got.text, "s2 0.2 learned: sample 3 r3;|");
	walk(s, 2, 1.0, &got);
	CHECK_STR(got.text, "s1 0.05 learned: sample 2 r2;s0 0.1 learned: sample 1 r1;|"
			    "s4 0.3 learned: sample 5 r5;s7 0.9 learned: sample 8 -;|");
	int64_t n = -1;
	/* undecided without a learned score of model 2: 3, 6, 7 */
	CHECK_INT(store_auto_unscored(s, 2, &n, &err), ASSAY_OK);
	CHECK_INT(n, 3);
	CHECK_INT(store_auto_unscored(s, 9, &n, &err), ASSAY_OK);
	CHECK_INT(n, 7);
	bool open = true;
	CHECK_INT(store_auto_open(s, 4, 0, &open, &err), ASSAY_OK);
	CHECK(!open);
	CHECK_INT(store_auto_open(s, 5, 0, &open, &err), ASSAY_OK);
	CHECK(open);
	store_close(s);
}

TEST(auto_sqlite) { auto_case(LITE); }
TEST(auto_pg) { auto_case(PG); }

/* Details SQLite's json functions read and the server's jsonb refused
 * (failing the whole page): white space around the object, a \u0000
 * escape (the string cut there, as SQLite reads it). */
static void auto_details_case(int engine)
{
	store *s = open_samples(engine);
	if (!s)
		return;
	assay_error err = {0};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	learned(s, 1, 0.10, 2, " {\"model\":2,\"reason\":\"a\\u0000b\"}\n");
	learned(s, 2, 0.20, 2, "{\"model\":2,\"x\":\"\\\\u0000\",\"reason\":\"c\"}");
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	pages got;
	walk(s, 2, 0.5, &got);
	CHECK_STR(got.text, "s0 0.1 learned: sample 1 a;s1 0.2 learned: sample 2 c;|");
	store_close(s);
}

TEST(auto_details_sqlite) { auto_details_case(LITE); }
TEST(auto_details_pg) { auto_details_case(PG); }

static int on_example(void *ud, const store_example *e)
{
	pages *out = ud;
	out->at += (size_t)snprintf(out->text + out->at, sizeof out->text - out->at,
				    "%s %s %s %s %s;", e->ext_id, e->annotator, e->verdict,
				    e->reason ? e->reason : "-",
				    isnan(e->learned) ? "-" : e->learned < 0.5 ? "low" : "high");
	return 0;
}

/* The report's lists: rejections per reason in byte order (upper case
 * before lower, as SQLite compares; a server's locale may differ), newest
 * first within one; the machines'
 * decisions surest first. */
static void examples_case(int engine)
{
	store *s = open_samples(engine);
	if (!s)
		return;
	assay_error err = {0};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	learned(s, 3, 0.05, 1, NULL);
	learned(s, 4, 0.40, 1, NULL);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	decide(s, 1, "ann", STORE_REJECT, "blurry");
	decide(s, 2, "ann", STORE_REJECT, "Blurry");
	decide(s, 5, "bob", STORE_REJECT, "blurry");
	decide(s, 6, "bob", STORE_REJECT, "Zebra");
	decide(s, 7, "bob", STORE_ACCEPT, NULL);
	decide(s, 4, STORE_AUTO_PREFIX "learned@1", STORE_REJECT, "blurry");
	decide(s, 3, STORE_AUTO_PREFIX "learned@1", STORE_REJECT, "other");
	pages got = {0};
	CHECK_INT(store_rejection_examples(s, NULL, 2, on_example, &got, &err), ASSAY_OK);
	CHECK_STR(got.text, "s1 ann rejected Blurry -;s5 bob rejected Zebra -;"
			    "s3 auto:learned@1 rejected blurry low;s4 bob rejected blurry -;"
			    "s2 auto:learned@1 rejected other low;");
	got = (pages){0};
	CHECK_INT(store_auto_examples(s, NULL, 5, on_example, &got, &err), ASSAY_OK);
	CHECK_STR(got.text, "s2 auto:learned@1 rejected other low;"
			    "s3 auto:learned@1 rejected blurry low;");
	store_close(s);
}

TEST(examples_sqlite) { examples_case(LITE); }
TEST(examples_pg) { examples_case(PG); }

UNIT_MAIN(UNIT_CASE(models_sqlite), UNIT_CASE(models_pg), UNIT_CASE(auto_sqlite),
	  UNIT_CASE(auto_pg), UNIT_CASE(auto_details_sqlite), UNIT_CASE(auto_details_pg),
	  UNIT_CASE(examples_sqlite), UNIT_CASE(examples_pg))
