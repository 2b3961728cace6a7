/* test_where_pg.c — tests for the PostgreSQL side of a --where
 * (src/store/where.c's PostgreSQL spelling, where_stmt.c, dbi_compose_pg):
 * the same samples built through the store API on both engines, each
 * expression selects the same ids on both (and as many as the test
 * expects), a composed statement keeps its values across resets and
 * ignores a bind of its own parameter, and values that would break SQL
 * text select what they say and change nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/store/store_int.h"
#include "assay/query.h"
#include "assay/store.h"
#include "assay/text.h"
#include "unit_pg.h"

static const struct {
	const char *batch, *text, *record;
	double repetition, quality; /* -1: none; NAN: failed */
	bool flagged;
} samples[] = {
    {"run-7", "A seagull on a pier", "{\"meta\": {\"model\": \"llava\", \"width\": 1600}}", 0.1,
     0.2, true},
    {"run-7", "Two SEAGULLS fighting", "{\"meta\": {\"model\": \"qwen\", \"width\": 800.5}}", 0.5,
     0.6, false},
    {"run-8", "1=1; drop table samples", "{\"meta\": {\"model\": \"1600\", \"width\": 1e400}}", NAN,
     -1, true},
    {"run-8", "it's a 'quoted' -- comment /* x */ %_ $1 {\"a\"}", "{\"meta\": [1, 2]}", -1, -1,
     false},
    {"run-8", "plain caption",
     "{\"meta\": {\"model\": \"x' OR '1'='1\", \"source\": {\"kind\": \"image\"}}}", 0.9, 0.9,
     false},
    {"run-8", "caf\xc3\xa9 au lait \xc3\x89T\xc3\x89", "{\"meta\": {\"0\": {\"1\": 5}}}", -1, -1,
     false},
    /* 7 duplicate keys (the first counts), 8 integers past a double's
     * precision and 64 bits, 9 a \u0000 escape (outside meta, and an
     * escaped backslash before u0000 inside) */
    {"run-8", "dup",
     "{\"meta\": {\"lang\": \"en\", \"lang\": \"fr\", \"d\": {\"k\": 1}, \"d\": {\"k\": 2}}}", -1,
     -1, false},
    {"run-8", "bigint",
     "{\"meta\": {\"tweet\": 9007199254740993, \"big\": 9223372036854775807,"
     " \"over\": 9223372036854775808}}",
     -1, -1, false},
    {"run-8", "nul", "{\"caption\": \"a\\u0000b\", \"meta\": {\"x\": \"y\", \"q\": \"p\\\\u0000\", \"c\": \"a\\u0000b\\\"c\"}}", -1,
     -1, false},
};

static const char pair_json[] =
	"{\"a_field\":\"caption\",\"b_field\":\"other\",\"b_text\":\"the other candidate\","
	"\"a_model\":\"big\",\"b_model\":\"small\",\"claimed\":\"a\",\"chat\":false}";

static store *fixture(int engine)
{
	const char *target = unit_pg_fresh(engine, "wherepg");
	store *s = NULL;
	assay_error e = {0};
	if (!target || store_open(target, NULL, &s, &e) < 0) {
		printf("#   %s\n", target ? e.msg : "ASSAY_TEST_PG is not set: skipped");
		return NULL;
	}
	store_begin(s, &e);
	int64_t batch[2];
	const char *names[] = {"run-7", "run-8"};
	for (int i = 0; i < 2; i++) {
		store_batch b = {.name = (char *)names[i],
				 .source = "x",
				 .format = "jsonl",
				 .created_at = 1,
				 .kind = i == 0 ? "caption" : NULL};
		CHECK_INT(store_batch_create(s, &b, &e), ASSAY_OK);
		batch[i] = b.id;
	}
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(samples); i++) {
		char id[16];
		snprintf(id, sizeof id, "s%zu", i + 1);
		const char *t = samples[i].text, *r = samples[i].record;
		store_new_sample ns = {.batch_id = batch[strcmp(samples[i].batch, "run-8") == 0],
				       .ext_id = id,
				       .line = (int64_t)i + 1,
				       .text_field = i == 5 ? "response" : "caption",
				       .text = t,
				       .text_len = strlen(t),
				       .record = r,
				       .record_len = strlen(r),
				       .hash = text_normalized_hash(t, strlen(t), NULL),
				       /* the last sample a pair of candidates */
				       .pair = i == 8 ? pair_json : NULL,
				       .pair_len = i == 8 ? strlen(pair_json) : 0};
		int outcome;
		int64_t sid;
		CHECK_INT(store_sample_insert(s, &ns, &outcome, &sid, &e), ASSAY_OK);
		if (samples[i].repetition != -1) {
			store_score_row row = {.sample_id = sid,
					       .scorer = "repetition",
					       .version = "1",
					       .value = samples[i].repetition,
					       .flagged = samples[i].flagged,
					       .reason = ""};
			CHECK_INT(store_scores_put(s, &row, 1, &e), ASSAY_OK);
		}
		if (samples[i].quality != -1)
			CHECK_INT(store_quality_set(s, sid, samples[i].quality, &e), ASSAY_OK);
	}
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	int64_t bob, ann, ev;
	store_annotator_ensure(s, "bob", &bob, &e);
	store_annotator_ensure(s, "ann", &ann, &e);
	const store_decision_in in[] = {
	    {.sample_id = 1, .annotator_id = bob, .kind = STORE_REJECT, .reason = "Hallucination"},
	    {.sample_id = 1, .annotator_id = ann, .kind = STORE_ACCEPT},
	    {.sample_id = 2, .annotator_id = bob, .kind = STORE_EDIT, .text = "changed"},
	    {.sample_id = 3, .annotator_id = bob, .kind = STORE_SKIP},
	    {.sample_id = 4, .annotator_id = ann, .kind = STORE_REJECT, .reason = "a\\b\"c'"}};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(in); i++)
		CHECK_INT(store_decide(s, &in[i], &ev, &e), ASSAY_OK);
	return s;
}

static int collect(void *ud, int64_t id)
{
	abuf *b = ud;
	abuf_printf(b, "%s%lld", b->len ? "," : "", (long long)id);
	return 0;
}

/* The ids expr selects ("error: ..." on failure). Caller frees. */
static char *ids(store *s, const char *expr)
{
	query_expr *q = NULL;
	assay_error e = {0};
	store_where w = {0};
	abuf b = {0};
	abuf_puts(&b, "");
	if (query_parse(expr, strlen(expr), &q, NULL, &e) < 0 ||
	    store_where_compile(q, &w, &e) < 0 || store_where_each(s, &w, collect, &b, &e) < 0) {
		b.len = 0;
		abuf_printf(&b, "error: %s", e.msg);
	}
	store_where_free(&w);
	query_free(q);
	return abuf_take(&b);
}

static const struct {
	const char *expr, *want;
} cases[] = {
    {"flagged(repetition)", "1"},
    {"score.repetition <= 0.5", "1,2"},
    {"score.repetition != 0.5", "1,3,4,5,6,7,8,9"},
    {"quality >= 0.6", "2,5"},
    {"meta.model = \"llava\"", "1"},
    {"meta.model = \"x' OR '1'='1\"", "5"},
    {"meta.width > 1000", "1,3"},
    {"meta.width = 800.5", "2"},
    {"meta.0.1 = 5", "6"},
    {"meta.0 = 1", ""},
    {"meta.source.kind = \"image\"", "5"},
    {"batch = \"run-8\"", "3,4,5,6,7,8,9"},
    {"batch = \"run-8' OR 1=1 --\"", ""},
    {"kind = caption", "1,2,3,4,5,7,8,9"},
    {"kind = text", "6"},
    {"verdict = rejected", "1,4"},
    {"verdict = undecided", "3,5,6,7,8,9"},
    {"annotator = \"bob\" and verdict = rejected", "1"},
    {"reason ~ \"HALLUC\"", "1"},
    {"reason = \"a\\\\b\\\"c'\"", "4"},
    {"conflict", "1"},
    {"edited", "2"},
    {"pair", "9"},
    {"not pair and batch = \"run-8\"", "3,4,5,6,7,8"},
    {"text ~ \"seagull\"", "1,2"},
    {"text ~ \"caf\xc3\xa9\"", "6"},
    {"text ~ \"\xc3\xa9t\xc3\xa9\"", ""},
    {"text ~ \"$1 {\\\"a\\\"}\"", "4"},
    {"text ~ /sea ?gulls?/", "1,2"},
    {"text ~ /^(a|two) /", "1,2"},
    {"not (flagged(repetition) or text ~ \"%_\")", "2,3,5,6,7,8,9"},
    /* duplicate keys: the first, on both */
    {"meta.lang = \"en\"", "7"},
    {"meta.lang = \"fr\"", ""},
    {"meta.d.k = 1", "7"},
    /* integers compared exactly, as SQLite compares an integer and a double */
    {"meta.tweet = 9007199254740992", ""},
    {"meta.tweet = 9007199254740993", ""},
    {"meta.tweet > 9007199254740992", "8"},
    {"meta.tweet <= 9007199254740992", ""},
    {"meta.big = 9223372036854775807", ""},
    {"meta.big < 9223372036854775807", "8"},
    {"meta.over = 9223372036854775808", "8"},
    /* a \u0000 escape in a record fails no statement */
    {"meta.x = \"y\"", "9"},
    {"meta.q = \"p\\\\u0000\"", "9"},
    {"meta.c = \"a\"", "9"}, /* as SQLite reads it: cut at the \u0000 */
    {"text ~ /[[:alpha:]]+ULLS/", "2"},
};

TEST(same_ids_on_both_engines)
{
	store *pg = fixture(PG);
	if (!pg)
		return;
	store *lite = fixture(LITE);
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(cases); i++) {
		char *a = ids(lite, cases[i].expr), *b = ids(pg, cases[i].expr);
		if (strcmp(a, cases[i].want) != 0 || strcmp(b, cases[i].want) != 0) {
			printf("#   %s: sqlite \"%s\", pg \"%s\", expected \"%s\"\n", cases[i].expr,
			       a, b, cases[i].want);
			unit_failed_ = 1;
		}
		free(a);
		free(b);
	}
	/* the hostile values dropped nothing */
	int64_t n = 0;
	assay_error e = {0};
	store_where all = {0};
	CHECK_INT(store_where_compile(NULL, &all, &e), ASSAY_OK);
	CHECK_INT(store_where_count(pg, &all, &n, &e), ASSAY_OK);
	CHECK_INT(n, (int64_t)ASSAY_ARRAY_LEN(samples));
	store_where_free(&all);
	store_close(lite);
	store_close(pg);
}

TEST(a_composed_statement_keeps_its_values)
{
	store *s = fixture(PG);
	if (!s)
		return;
	query_expr *q = NULL;
	assay_error e = {0};
	store_where w = {0};
	const char *expr = "batch = \"run-8\" and not text ~ \"caption\"";
	CHECK_INT(query_parse(expr, strlen(expr), &q, NULL, &e), ASSAY_OK);
	CHECK_INT(store_where_compile(q, &w, &e), ASSAY_OK);
	/* one value of the statement's own ($1), then the fragment's ($2) */
	dbi_stmt *st = store_where_stmt(s, "SELECT count(*) FROM samples s WHERE s.id > ?1 AND (",
					")", NULL, NULL, &w, &e);
	CHECK(st != NULL);
	for (int round = 0; st && round < 3; round++) {
		dbi_bind_i64(st, 1, round);
		dbi_bind_text(st, 2, "{\"x\"}", -1); /* the fragment's: ignored */
		dbi_bind_i64(st, 3, 7);		     /* none: ignored */
		CHECK_INT(dbi_step(st, &e, "counting"), DBI_ROW);
		CHECK_INT(dbi_col_i64(st, 0), 6); /* 3, 4, 6, 7, 8 and 9, each round */
		dbi_reset(st);
	}
	dbi_stmt_free(st);
	store_where_free(&w);
	query_free(q);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(same_ids_on_both_engines), UNIT_CASE(a_composed_statement_keeps_its_values))
