/* test_where.c — tests for src/store/where.c: each --where field compiled
 * to SQL selects exactly the expected samples of a real database built
 * through the store API; values are bound, never SQL text, so SQL inside
 * an expression is matched literally and the database is left as it was. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "assay/query.h"
#include "assay/store.h"
#include "assay/text.h"
#include "fixture.h"
#include "unit.h"

typedef struct fixture_sample {
	const char *batch, *text, *record;
	double repetition, learned, quality; /* -1: none; NAN: failed */
	bool flagged;
} fixture_sample;

/* Samples 1..7. */
static const fixture_sample samples[] = {
	{"run-7", "A seagull on a pier", "{\"meta\": {\"model\": \"llava\", \"width\": 1600}}",
	 0.1, -1, 0.2, true},
	{"run-7", "Two SEAGULLS fighting", "{\"meta\": {\"model\": \"qwen\", \"width\": 800.5}}",
	 0.5, 0.15, 0.6, false},
	{"run-8", "1=1; drop table samples", "{\"meta\": {\"model\": \"1600\"}}", NAN, -1, -1,
	 true},
	{"run-8", "it's a 'quoted' -- comment /* x */ %_", "not json at all", -1, -1, -1, false},
	{"run-8", "plain caption", "{\"meta\": {\"model\": \"llava\", \"source\": {\"kind\": \"image\"}}}",
	 0.9, 0.8, 0.9, false},
	{"run-8", "nothing here", "{}", -1, -1, -1, false},
	{"run-8", "caf\xc3\xa9 au lait", "{\"meta.model\": \"llava\"}", -1, -1, -1, false},
};

static void put_score(store *s, int64_t id, const char *scorer, double v, bool flagged)
{
	assay_error e = {0};
	store_score_row r = {.sample_id = id, .scorer = scorer, .version = "1", .value = v,
			     .flagged = flagged, .reason = ""};
	if (store_score_put(s, &r, &e) < 0)
		abort();
}

/* A decision by name at a given day (unix ms of the day plus an hour). */
static void decide(store *s, int64_t id, const char *who, int kind, const char *reason,
		   const char *day)
{
	assay_error e = {0};
	int64_t annotator, event;
	store_annotator_ensure(s, who, &annotator, &e);
	store_decision_in in = {.sample_id = id, .annotator_id = annotator, .kind = kind,
				.reason = reason, .text = kind == STORE_EDIT ? "changed" : NULL};
	if (store_decide(s, &in, &event, &e) < 0) {
		printf("# decide: %s\n", e.msg);
		abort();
	}
	/* the store stamps decisions with the clock; the test sets the day */
	sqlite3 *db;
	sqlite3_open(path, &db);
	char sql[256];
	snprintf(sql, sizeof sql,
		 "UPDATE decisions SET decided_at = (unixepoch('%s') + 3600) * 1000"
		 " WHERE sample_id = %lld AND annotator_id = %lld",
		 day, (long long)id, (long long)annotator);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		abort();
	sqlite3_close(db);
}

static store *fixture(void)
{
	store *s = fixture_open("where");
	assay_error e = {0};
	store_begin(s, &e);
	int64_t batch[2];
	const char *names[] = {"run-7", "run-8"};
	for (int i = 0; i < 2; i++) {
		/* run-7 declares its kind; run-8 leaves it to the field's name */
		store_batch b = {.name = (char *)names[i], .source = "x", .format = "jsonl",
				 .created_at = 1, .kind = i == 0 ? "caption" : NULL};
		store_batch_create(s, &b, &e);
		batch[i] = b.id;
	}
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(samples); i++) {
		const fixture_sample *f = &samples[i];
		char id[16];
		snprintf(id, sizeof id, "s%zu", i + 1);
		store_new_sample ns = {.batch_id = batch[strcmp(f->batch, "run-8") == 0],
				       .ext_id = id, .line = (int64_t)i + 1, .text_field = "caption",
				       .text = f->text, .text_len = strlen(f->text),
				       .record = f->record, .record_len = strlen(f->record),
				       .hash = text_normalized_hash(f->text, strlen(f->text), NULL)};
		int outcome;
		int64_t sid;
		if (store_sample_insert(s, &ns, &outcome, &sid, &e) < 0 || sid != (int64_t)i + 1)
			abort();
		if (f->repetition != -1)
			put_score(s, sid, "repetition", f->repetition, f->flagged);
		if (f->learned != -1)
			put_score(s, sid, "learned", f->learned, false);
		if (f->quality != -1)
			store_quality_set(s, sid, f->quality, &e);
	}
	store_commit(s, &e);
	decide(s, 1, "bob", STORE_REJECT, "hallucination", "2026-11-30");
	decide(s, 1, "ann", STORE_ACCEPT, NULL, "2026-12-02");
	decide(s, 2, "bob", STORE_EDIT, NULL, "2026-12-01");
	decide(s, 3, "ann", STORE_REJECT, "Hallucinated boat", "2026-12-05");
	decide(s, 3, "bob", STORE_SKIP, NULL, "2026-12-05");
	decide(s, 5, "bob", STORE_ACCEPT, NULL, "2026-11-01");
	decide(s, 7, "bob", STORE_SKIP, NULL, "2026-11-01");
	return s;
}

static int collect(void *ud, int64_t id)
{
	abuf *b = ud;
	abuf_printf(b, "%s%lld", b->len ? "," : "", (long long)id);
	return 0;
}

/* The ids expr selects, as "1,3,5" ("" for none; "error: ..." on failure);
 * also checks that the count agrees. Caller frees. */
static char *ids(store *s, const char *expr)
{
	query_expr *q = NULL;
	assay_error e = {0};
	store_where w;
	abuf b = {0};
	abuf_puts(&b, "");
	if (query_parse(expr, strlen(expr), &q, NULL, &e) < 0 ||
	    store_where_compile(q, &w, &e) < 0) {
		query_free(q);
		abuf_free(&b);
		char *msg = malloc(strlen(e.msg) + 8);
		sprintf(msg, "error: %s", e.msg);
		return msg;
	}
	int64_t n = -1, listed = 0;
	if (store_where_each(s, &w, collect, &b, &e) < 0 || store_where_count(s, &w, &n, &e) < 0)
		printf("#   %s: %s\n", expr, e.msg);
	for (size_t i = 0; b.data && i < b.len; i++)
		listed += b.data[i] == ',';
	listed += b.len > 0;
	CHECK_INT(n, listed);
	/* the spelling the review queue walks with selects the same samples */
	store_where each = w;
	each.sql = w.sql_each;
	abuf b2 = {0};
	abuf_puts(&b2, "");
	if (store_where_each(s, &each, collect, &b2, &e) < 0)
		printf("#   %s (each): %s\n", expr, e.msg);
	CHECK_STR(b2.data, b.data ? b.data : "");
	abuf_free(&b2);
	store_where_free(&w);
	query_free(q);
	return abuf_take(&b);
}

#define SELECTS(s, expr, want)                                                                     \
	do {                                                                                       \
		char *got_ = ids(s, expr);                                                         \
		if (strcmp(got_, want) != 0) {                                                     \
			printf("#   %s:%d: %s selects \"%s\", expected \"%s\"\n", __FILE__,      \
			       __LINE__, expr, got_, want);                                        \
			unit_failed_ = 1;                                                          \
		}                                                                                  \
		free(got_);                                                                        \
	} while (0)

TEST(score_fields)
{
	store *s = fixture();
	SELECTS(s, "flagged(repetition)", "1"); /* 3's scorer failed: not flagged */
	SELECTS(s, "flagged(nosuch)", "");
	SELECTS(s, "score.repetition < 0.3", "1");
	SELECTS(s, "score.repetition <= 0.5", "1,2");
	SELECTS(s, "score.repetition > 0.5", "5");
	SELECTS(s, "score.repetition >= 0.5", "2,5");
	SELECTS(s, "score.repetition = 0.5", "2");
	/* != is not =: the failed and the unscored samples too */
	SELECTS(s, "score.repetition != 0.5", "1,3,4,5,6,7");
	SELECTS(s, "learned < 0.2", "2");
	SELECTS(s, "learned >= 0.2", "5");
	SELECTS(s, "quality < 0.5", "1");
	SELECTS(s, "quality >= 0.6", "2,5");
	SELECTS(s, "not quality < 0.5", "2,3,4,5,6,7");
	store_close(s);
}

TEST(record_and_batch_fields)
{
	store *s = fixture();
	SELECTS(s, "meta.model = \"llava\"", "1,5");
	SELECTS(s, "meta.model = llava", "1,5");
	/* a string is not a number and a number is not a string */
	SELECTS(s, "meta.model = \"1600\"", "3");
	SELECTS(s, "meta.model = 1600", "");
	SELECTS(s, "meta.width = 1600", "1");
	SELECTS(s, "meta.width > 1000", "1");
	SELECTS(s, "meta.width < 1000", "2");
	SELECTS(s, "not meta.width > 1000", "2,3,4,5,6,7");
	SELECTS(s, "meta.width != 1600", "2,3,4,5,6,7");
	SELECTS(s, "meta.width = 800.5", "2");
	SELECTS(s, "meta.source.kind = image", "5");
	SELECTS(s, "meta.model != llava", "2,3,4,6,7");
	SELECTS(s, "batch = \"run-7\"", "1,2");
	SELECTS(s, "batch = run-8 and not meta.model = llava", "3,4,6,7");
	SELECTS(s, "batch != run-7", "3,4,5,6,7");
	SELECTS(s, "batch = nosuch", "");
	store_close(s);
}

TEST(decision_fields)
{
	store *s = fixture();
	SELECTS(s, "verdict = rejected", "1,3");
	SELECTS(s, "verdict = accepted", "1,5");
	SELECTS(s, "verdict = edited", "2");
	SELECTS(s, "verdict = skipped", "3,7");
	SELECTS(s, "verdict = undecided", "4,6,7");
	SELECTS(s, "verdict != undecided", "1,2,3,5");
	SELECTS(s, "verdict != rejected", "2,4,5,6,7");
	SELECTS(s, "edited", "2");
	SELECTS(s, "conflict", "1");
	SELECTS(s, "reason = \"hallucination\"", "1");
	SELECTS(s, "reason ~ halluc", "1,3");
	SELECTS(s, "reason ~ HALLUC", "1,3");
	SELECTS(s, "annotator = bob", "1,2,3,5,7");
	SELECTS(s, "annotator = ann", "1,3");
	SELECTS(s, "annotator != ann", "2,4,5,6,7");
	/* decision tests joined by and hold for one decision */
	SELECTS(s, "annotator = ann and verdict = rejected", "3");
	SELECTS(s, "annotator = bob and verdict = rejected", "1");
	SELECTS(s, "verdict = rejected and annotator = ann and reason ~ boat", "3");
	SELECTS(s, "annotator = bob and reason ~ boat", "");
	SELECTS(s, "(annotator = ann) and (verdict = accepted)", "1");
	/* not joined by and: any decision each */
	SELECTS(s, "annotator = bob or verdict = rejected", "1,2,3,5,7");
	SELECTS(s, "not (annotator = bob and verdict = rejected)", "2,3,4,5,6,7");
	SELECTS(s, "decided_after = 2026-12-01", "1,2,3");
	SELECTS(s, "decided_after = 2026-12-02", "1,3");
	SELECTS(s, "decided_before = 2026-12-01", "1,5,7");
	SELECTS(s, "decided_after = 2026-12-01 and decided_before = 2026-12-02", "2");
	SELECTS(s, "annotator = ann and decided_before = 2026-12-01", "");
	store_close(s);
}

TEST(text_field)
{
	store *s = fixture();
	SELECTS(s, "text ~ seagull", "1,2");
	SELECTS(s, "text ~ \"SeaGull\"", "1,2");
	SELECTS(s, "text ~ \"caf\xc3\xa9\"", "7");
	SELECTS(s, "text ~ /sea(gull|l)s? (on|fight)/", "1,2");
	SELECTS(s, "text ~ /^two/", "2");
	SELECTS(s, "text ~ /pier$/ or text ~ /^plain/", "1,5");
	SELECTS(s, "not text ~ /e/", "5,7"); /* an e-acute is not an e */
	/* LIKE wildcards are only characters */
	SELECTS(s, "text ~ \"%\"", "4");
	SELECTS(s, "text ~ \"_\"", "4");
	SELECTS(s, "text ~ \"s%s\"", "");
	store_close(s);
}

TEST(precedence_in_sql)
{
	store *s = fixture();
	SELECTS(s, "batch = run-8 or batch = run-7 and flagged(repetition)", "1,3,4,5,6,7");
	SELECTS(s, "(batch = run-8 or batch = run-7) and flagged(repetition)", "1");
	SELECTS(s, "not batch = run-7 and not verdict = undecided", "3,5");
	SELECTS(s, "not not edited", "2");
	store_close(s);
}

/* Every table's rows and the schema, as one string. */
static char *snapshot(void)
{
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_stmt *st;
	abuf b = {0};
	const char *sql = "SELECT (SELECT group_concat(sql, ';') FROM sqlite_master)"
			  " || (SELECT group_concat(id || text || record || ifnull(quality, '')) "
			  "FROM samples JOIN sample_quality ON sample_id = id) || (SELECT count(*) FROM sample_scores) || "
			  "(SELECT count(*) FROM decisions) || (SELECT count(*) FROM events) || "
			  "(SELECT group_concat(name) FROM batches)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		abuf_puts(&b, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return abuf_take(&b);
}

TEST(sql_in_an_expression_is_matched_literally)
{
	store *s = fixture();
	char *before = snapshot();
	CHECK(before && strlen(before) > 100);
	SELECTS(s, "text ~ \"1=1; drop table samples\"", "3");
	SELECTS(s, "text ~ \"1=1; DROP TABLE samples\"", "3");
	SELECTS(s, "text ~ \"'quoted' -- comment /* x */\"", "4");
	SELECTS(s, "text ~ \"' or '1'='1\"", "");
	SELECTS(s, "text ~ \"\\\" or 1=1 --\"", "");
	SELECTS(s, "reason = \"x'); DROP TABLE samples; --\"", "");
	SELECTS(s, "batch = \"run-7' OR '1'='1\"", "");
	SELECTS(s, "annotator = \"bob\\\" OR 1=1 /*\"", "");
	SELECTS(s, "meta.model = \"llava' OR 1=1 --\"", "");
	SELECTS(s, "flagged(\"repetition') OR 1=1 --\")", "");
	SELECTS(s, "text ~ /'; drop table samples; --/", "");
	/* a path step is a JSON path label, bound, never SQL */
	SELECTS(s, "meta.model';drop_table_samples;-- = 1", "");
	SELECTS(s, "score.x';delete_from_samples;-- < 1", "");
	char *after = snapshot();
	CHECK_STR(after, before);
	free(before);
	free(after);
	/* and no value reached the SQL text */
	query_expr *q = NULL;
	assay_error e = {0};
	store_where w;
	const char *src = "text ~ \"drop table\" and meta.m = \"x'y\" and score.zz9 < 0.125 and "
			  "reason = \"because\" and batch = run-77 and decided_after = 2026-12-01";
	CHECK_INT(query_parse(src, strlen(src), &q, NULL, &e), 0);
	CHECK_INT(store_where_compile(q, &w, &e), 0);
	CHECK(!strstr(w.sql, "drop") && !strstr(w.sql, "x'y") && !strstr(w.sql, "zz9") &&
	      !strstr(w.sql, "0.125") && !strstr(w.sql, "because") && !strstr(w.sql, "run-77") &&
	      !strstr(w.sql, "\"m\"") && !strstr(w.sql, "1796"));
	CHECK_INT(w.n_values, 9);
	CHECK_CONTAINS(w.sql, "?100");
	store_where_free(&w);
	query_free(q);
	store_close(s);
}

/* Runs one statement on the fixture's database from a second connection. */
static void exec_sql(const char *sql)
{
	sqlite3 *db;
	sqlite3_open(path, &db);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		abort();
	sqlite3_close(db);
}

TEST(kind_is_declared_or_told_by_the_field_and_context)
{
	store *s = fixture();
	/* every fixture sample came from a field named caption; run-7 (1, 2)
	 * declared its kind, run-8 did not */
	SELECTS(s, "kind = caption", "1,2,3,4,5,6,7");
	SELECTS(s, "kind = response or kind = text", "");
	SELECTS(s, "kind = undeclared", "3,4,5,6,7");
	SELECTS(s, "kind = caption and not kind = undeclared", "1,2");
	/* another field: a response with a context, text without one */
	exec_sql("UPDATE samples SET text_field = 'output' WHERE id IN (5, 6, 7);"
		 "UPDATE samples SET context = '[{\"role\":\"user\",\"text\":\"q\"}]'"
		 " WHERE id = 6");
	SELECTS(s, "kind = caption", "1,2,3,4");
	SELECTS(s, "kind = response", "6");
	SELECTS(s, "kind = text", "5,7");
	SELECTS(s, "kind != text", "1,2,3,4,6");
	/* a batch's declared kind wins over the field's name */
	exec_sql("UPDATE batches SET kind = 'response' WHERE name = 'run-7'");
	SELECTS(s, "kind = response", "1,2,6");
	SELECTS(s, "batch = run-7 and kind = caption", "");
	SELECTS(s, "kind = caption and verdict = edited", "");
	char *got = ids(s, "batch = run-7 and kind = image");
	CHECK_CONTAINS(got, "error: column 26: expected one of caption, response, text, undeclared after '=', "
			    "got \"image\"");
	free(got);
	store_close(s);
}

TEST(no_expression_is_every_sample)
{
	store *s = fixture();
	store_where w;
	assay_error e = {0};
	int64_t n = 0;
	CHECK_INT(store_where_compile(NULL, &w, &e), 0);
	CHECK_INT(store_where_count(s, &w, &n, &e), 0);
	CHECK_INT(n, 7);
	store_where_free(&w);
	store_close(s);
}

TEST(every_field_has_a_row)
{
	size_t n;
	const query_field *f = query_fields(&n);
	store *s = fixture();
	for (size_t i = 0; i < n; i++) {
		char src[96];
		const char *val = f[i].value == QUERY_VAL_NUMBER &&
						  !(f[i].ops & 1u << QUERY_OP_LT) ? " = 1"
				  : f[i].value == QUERY_VAL_NUMBER   ? " < 1"
				  : f[i].value == QUERY_VAL_DATE    ? " = 2026-01-01"
				  : f[i].value == QUERY_VAL_ENUM    ? " = "
				  : f[i].value == QUERY_VAL_PATTERN ? " ~ x"
				  : f[i].value == QUERY_VAL_NONE    ? ""
								    : " = x";
		snprintf(src, sizeof src, "%s%s%s%s", f[i].name,
			 f[i].arg == QUERY_ARG_PAREN ? "(x)" : f[i].arg != QUERY_ARG_NONE ? ".x" : "",
			 val, f[i].value == QUERY_VAL_ENUM ? f[i].words[0] : "");
		char *got = ids(s, src);
		if (strncmp(got, "error", 5) == 0) {
			printf("#   %s: %s\n", src, got);
			unit_failed_ = 1;
		}
		free(got);
	}
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(score_fields), UNIT_CASE(record_and_batch_fields), UNIT_CASE(decision_fields),
	  UNIT_CASE(text_field), UNIT_CASE(precedence_in_sql),
	  UNIT_CASE(sql_in_an_expression_is_matched_literally),
	  UNIT_CASE(kind_is_declared_or_told_by_the_field_and_context),
	  UNIT_CASE(no_expression_is_every_sample), UNIT_CASE(every_field_has_a_row))
