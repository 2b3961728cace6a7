/* test_json.c — tests for the strict JSON reader (src/ingest/jsoncheck.c)
 * and the decide --from line reader built on it (src/ingest/decision.c). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/ingest/record.h"
#include "assay/ingest.h"
#include "unit.h"

static int jcheck(const char *s, json_fault *f)
{
	return json_check(s, strlen(s), 8, f);
}

TEST(strict_json_check)
{
	json_fault f;
	const char *good[] = {"{}", " [ ] ", "{\"a\": [1, -0.5e+3, true, false, null, \"x\"]}",
			      "\"\\ud83d\\ude00\"", "0", "-0", "1E5", "\"tab \\t ok\"",
			      "{\"a\": {\"b\": 1}, \"b\": {\"b\": 2}}", "[{\"a\": 1}, {\"a\": 2}]",
			      "\"a\\\\u0000b\""};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(good); i++)
		CHECK_INT(jcheck(good[i], &f), ASSAY_OK);
	struct {
		const char *in, *what;
		int kind;
		size_t at;
	} bad[] = {
		{"01", "a number with a leading zero", JSON_SYNTAX, 1},
		{"1.", "a malformed number", JSON_SYNTAX, 2},
		{"-", "a malformed number", JSON_SYNTAX, 1},
		{"\"a\tb\"", "a raw control character", JSON_SYNTAX, 2},
		{"{\"a\" 1}", "expected ':'", JSON_SYNTAX, 5},
		{"{1: 2}", "expected a quoted key", JSON_SYNTAX, 1},
		{"[1 2]", "expected ',' or a closing", JSON_SYNTAX, 3},
		{"[1,]", "an unexpected character", JSON_SYNTAX, 3},
		{"\"\\x\"", "an unknown escape", JSON_SYNTAX, 1},
		{"\"\\u12\"", "four hex digits", JSON_SYNTAX, 1},
		{"\"ab\\udc00\"", "lone low surrogate", JSON_SYNTAX, 3},
		{"\"\\ud800x\"", "lone high surrogate", JSON_SYNTAX, 1},
		{"\"\\ud800\\u0041\"", "lone high surrogate", JSON_SYNTAX, 1},
		{"\v1", "an unexpected character", JSON_SYNTAX, 0},
		{"tru", "an unexpected character", JSON_SYNTAX, 0},
		{"{} {}", "unexpected data after", JSON_TRAILING, 3},
		{"\"open", "not closed", JSON_SYNTAX, 5},
		{"[", "ends too early", JSON_SYNTAX, 1},
		{"[[[[[[[[[1]]]]]]]]]", "too deep", JSON_DEPTH, 8},
		{"\"a\\u0000b\"", "\\u0000", JSON_NUL, 2},
		{"{\"a\\u0000\": 1}", "\\u0000", JSON_NUL, 3},
		{"{\"a\": 1, \"a\": 2}", "duplicate key", JSON_DUPKEY, 9},
		{"{\"x\": {\"b\": 1, \"\\u0062\": 2}}", "duplicate key", JSON_DUPKEY, 15},
		{"[\"\xc3\x28\"]", "invalid UTF-8", JSON_UTF8, 2},
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(bad); i++) {
		CHECK_INT(jcheck(bad[i].in, &f), ASSAY_EFORMAT);
		CHECK_CONTAINS(f.what, bad[i].what);
		CHECK_INT(f.kind, bad[i].kind);
		CHECK_INT(f.at, bad[i].at);
	}
	CHECK_INT(json_check("[\"a\0b\"]", 7, 8, &f), ASSAY_EFORMAT);
	CHECK_INT(f.kind, JSON_NULBYTE);
	CHECK_INT(jcheck("{\"k\\u00e9y\": 1, \"k\xc3\xa9y\": 2}", &f), ASSAY_EFORMAT);
	CHECK_STR(f.key, "k\xc3\xa9y"); /* compared decoded */
}

TEST(messages_say_what_and_where)
{
	char why[300];
	cJSON *v;
	CHECK_INT(ingest_json_parse("{\"a\": \"x\\ud800\"}", 16, &v, why, sizeof why),
		  ASSAY_EFORMAT);
	CHECK_STR(why, "not valid JSON: a lone high surrogate escape at byte 9");
	CHECK(v == NULL);
	const char *multi = "{\n  \"a\": 1,\n  \"a\": 2\n}";
	CHECK_INT(ingest_json_parse(multi, strlen(multi), &v, why, sizeof why), ASSAY_EFORMAT);
	CHECK_STR(why, "duplicate key \"a\"");
	const char *multi2 = "{\n  \"a\": 1,\n  \"b\": 01\n}";
	CHECK_INT(ingest_json_parse(multi2, strlen(multi2), &v, why, sizeof why), ASSAY_EFORMAT);
	CHECK_STR(why, "not valid JSON: a number with a leading zero at byte 21 (line 3, column 9)");
	CHECK_INT(ingest_json_parse("\"s4\\u0000zzz\"", 13, NULL, why, sizeof why), ASSAY_EFORMAT);
	CHECK_STR(why, "contains \\u0000 (a NUL character), which assay refuses to store");
	/* 200,000 levels: refused at the first level too many, no recursion */
	size_t n = 200000;
	char *deep = malloc(2 * n);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	CHECK_INT(ingest_json_parse(deep, 2 * n, &v, why, sizeof why), ASSAY_EFORMAT);
	CHECK_STR(why, "nesting deeper than 128 levels");
	free(deep);
	/* accepted: every string whole */
	CHECK_INT(ingest_json_parse("{\"a\": \"x\\u00e9\\ud83d\\ude00\"}", 28, &v, why, sizeof why),
		  ASSAY_OK);
	CHECK_STR(cJSON_GetObjectItem(v, "a")->valuestring, "x\xc3\xa9\xf0\x9f\x98\x80");
	cJSON_Delete(v);
}

/* Many keys: the duplicate check stays fast (sorted, not pairwise). */
TEST(many_keys)
{
	abuf b = {0};
	abuf_putc(&b, '{');
	for (int i = 0; i < 200000; i++)
		abuf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
	abuf_putc(&b, '}');
	json_fault f;
	CHECK_INT(json_check(b.data, b.len, 128, &f), ASSAY_OK);
	b.data[b.len - 1] = ',';
	abuf_puts(&b, "\"k77\":1}");
	CHECK_INT(json_check(b.data, b.len, 128, &f), ASSAY_EFORMAT);
	CHECK_STR(f.key, "k77");
	abuf_free(&b);
}

static uint64_t same_hash(const void *p, size_t n)
{
	(void)p;
	(void)n;
	return 42;
}

static double seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Keys made to share one hash (text_hash64 is invertible): the check stays
 * O(k log k) and still finds the first repeated key, not a key that merely
 * collides. 50,000 keys compared pairwise took seconds. */
TEST(colliding_keys)
{
	abuf b = {0};
	abuf_putc(&b, '{');
	for (int i = 0; i < 50000; i++)
		abuf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
	abuf_putc(&b, '}');
	json_fault f;
	double t0 = seconds();
	CHECK_INT(json_check_hashed(b.data, b.len, 8, same_hash, &f), ASSAY_OK);
	double took = seconds() - t0;
	CHECK(took < 1.0);
	if (took >= 1.0)
		fprintf(stderr, "# 50,000 colliding keys took %.2f s\n", took);
	b.data[b.len - 1] = ',';
	abuf_puts(&b, "\"k49999\":1,\"k7\":2,\"k123\":3}");
	CHECK_INT(json_check_hashed(b.data, b.len, 8, same_hash, &f), ASSAY_EFORMAT);
	CHECK_INT(f.kind, JSON_DUPKEY);
	CHECK_STR(f.key, "k49999");
	/* one key of another length or bytes is no duplicate */
	const char *ok = "{\"a\":1,\"ab\":2,\"b\":3,\"ba\":4}";
	CHECK_INT(json_check_hashed(ok, strlen(ok), 8, same_hash, &f), ASSAY_OK);
	const char *dup = "{\"a\":1,\"ab\":2,\"b\":3,\"ab\":4,\"b\":5}";
	CHECK_INT(json_check_hashed(dup, strlen(dup), 8, same_hash, &f), ASSAY_EFORMAT);
	CHECK_STR(f.key, "ab");
	abuf_free(&b);
}

static int decision(const char *line, ingest_decision *d, char *why)
{
	return ingest_decision_parse(line, strlen(line), d, why, 300);
}

TEST(decision_lines)
{
	ingest_decision d;
	char why[300];
	CHECK_INT(decision("{\"id\": 7, \"verdict\": \"reject\", \"reason\": \"blurry\", "
			   "\"annotator\": \"bob\", \"adjudicate\": true}", &d, why), ASSAY_OK);
	CHECK_STR(d.id, "7");
	CHECK_STR(d.verdict, "reject");
	CHECK_STR(d.reason, "blurry");
	CHECK_STR(d.annotator, "bob");
	CHECK(d.adjudicate && !d.text && !d.batch);
	ingest_decision_free(&d);
	struct {
		const char *line, *why;
	} bad[] = {
		{"{\"id\": \"s4\\u0000zzz\", \"verdict\": \"accept\"}", "contains \\u0000"},
		{"{\"id\": \"s4\", \"verdict\": \"accept\", \"annotator\": \"bob\\u0000evil\"}",
		 "contains \\u0000"},
		{"{\"id\": \"s4\", \"id\": \"s5\", \"verdict\": \"accept\"}", "duplicate key \"id\""},
		{"{\"id\": \"s\\udc00\", \"verdict\": \"accept\"}",
		 "not valid JSON: a lone low surrogate escape at byte 10"},
		{"[\"s4\"]", "expected a JSON object"},
		{"{\"id\": 1.5}", "\"id\": expected a string or an integer"},
		{"{\"id\": \"s\", \"reason\": 3}", "must be strings"},
		{"{\"id\": \"s\", \"adjudicate\": \"yes\"}", "\"adjudicate\": expected true or false"},
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(bad); i++) {
		CHECK_INT(decision(bad[i].line, &d, why), ASSAY_EFORMAT);
		CHECK_CONTAINS(why, bad[i].why);
		CHECK(d.json == NULL);
	}
}

/* Each string's limit, exactly: the limit passes, one byte more does not. */
static void at_limit(const char *field, const char *verdict, size_t max)
{
	ingest_decision d;
	char why[300];
	abuf b = {0};
	for (size_t extra = 0; extra < 2; extra++) {
		abuf_reset(&b);
		abuf_printf(&b, "{%s\"verdict\": \"%s\", \"%s\": \"",
			    strcmp(field, "id") ? "\"id\": \"s\", " : "", verdict, field);
		for (size_t i = 0; i < max + extra; i++)
			abuf_putc(&b, 'x');
		abuf_puts(&b, "\"}");
		int rc = ingest_decision_parse(b.data, b.len, &d, why, sizeof why);
		CHECK_INT(rc, extra ? ASSAY_EFORMAT : ASSAY_OK);
		if (rc == ASSAY_OK)
			ingest_decision_free(&d);
		else
			CHECK_CONTAINS(why, "longer than the");
	}
	abuf_free(&b);
}

TEST(decision_limits)
{
	at_limit("reason", "reject", ASSAY_REASON_MAX);
	at_limit("text", "note", ASSAY_NOTE_MAX);
	at_limit("text", "edit", ASSAY_EDIT_MAX);
	at_limit("annotator", "accept", ASSAY_ANNOTATOR_MAX);
	at_limit("id", "accept", ASSAY_ID_MAX);
	ingest_decision d;
	char why[300];
	abuf b = {0};
	abuf_puts(&b, "{\"id\": \"s\", \"verdict\": \"reject\", \"reason\": \"");
	for (int i = 0; i < 20 << 20; i++)
		abuf_putc(&b, 'r');
	abuf_puts(&b, "\"}");
	CHECK_INT(ingest_decision_parse(b.data, b.len, &d, why, sizeof why), ASSAY_EFORMAT);
	CHECK_STR(why, "\"reason\" is 20971520 bytes, longer than the 1024 allowed");
	abuf_free(&b);
}

UNIT_MAIN(UNIT_CASE(strict_json_check), UNIT_CASE(messages_say_what_and_where),
	  UNIT_CASE(many_keys), UNIT_CASE(colliding_keys),
	  UNIT_CASE(decision_lines), UNIT_CASE(decision_limits))
