/* test_pair.c — tests for src/ingest/pair.c: which records are pairs and
 * from which fields, candidates as strings or message lists, the models,
 * the claimed chosen, and the duplicate key over both candidates. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/ingest/record.h"
#include "assay/ingest.h"
#include "unit.h"

static abuf scratch;

static int parse_opts(const char *raw, rec_options *o, rec_fields *f, char *why)
{
	o->scratch = &scratch;
	return rec_parse(raw, strlen(raw), o, 3, f, why, 256);
}

/* The pair JSON's value at key, as text ("null" for null). */
static void pair_value(const rec_fields *f, const char *key, char *out, size_t cap)
{
	cJSON *j = cJSON_Parse(f->pair);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	snprintf(out, cap, "%s", cJSON_IsString(v) ? v->valuestring : cJSON_IsTrue(v) ? "true"
								     : cJSON_IsFalse(v) ? "false"
											: "null");
	cJSON_Delete(j);
}

#define CHECK_PAIR(f, key, want)                                                              \
	do {                                                                                  \
		char v_[128];                                                                 \
		pair_value(f, key, v_, sizeof v_);                                            \
		CHECK_STR(v_, want);                                                          \
	} while (0)

TEST(default_pairs_and_claim)
{
	rec_fields f;
	char why[256];
	rec_options o = {0};
	CHECK_INT(parse_opts("{\"prompt\":\"P\",\"chosen\":\"yes\",\"rejected\":\"no\","
			     "\"chosen_model\":\"m1\"}", &o, &f, why), ASSAY_OK);
	CHECK_STR(f.text, "yes");
	CHECK_STR(f.text_field, "chosen");
	CHECK_PAIR(&f, "b_text", "no");
	CHECK_PAIR(&f, "a_model", "m1");
	CHECK_PAIR(&f, "b_model", "null");
	CHECK_PAIR(&f, "claimed", "a");
	CHECK_PAIR(&f, "chat", "false");
	CHECK_STR(f.context, "[{\"name\":\"prompt\",\"text\":\"P\"}]");
	rec_fields_free(&f);
	/* a text field makes a single sample; --text too */
	CHECK_INT(parse_opts("{\"text\":\"t\",\"chosen\":\"a\",\"rejected\":\"b\"}", &o, &f, why),
		  ASSAY_OK);
	CHECK(f.pair == NULL);
	rec_fields_free(&f);
	rec_options t = {.text_field = "chosen"};
	CHECK_INT(parse_opts("{\"chosen\":\"a\",\"rejected\":\"b\"}", &t, &f, why), ASSAY_OK);
	CHECK(f.pair == NULL);
	rec_fields_free(&f);
	CHECK_INT(parse_opts("{\"response_a\":\"x\",\"response_b\":\"y\",\"model_a\":\"A\","
			     "\"model_b\":\"B\"}", &o, &f, why), ASSAY_OK);
	CHECK_PAIR(&f, "a_model", "A");
	CHECK_PAIR(&f, "b_model_field", "model_b");
	CHECK_PAIR(&f, "claimed", "null");
	rec_fields_free(&f);
}

TEST(named_fields_even_beside_a_text)
{
	rec_fields f;
	char why[256];
	char a[] = "x.first", b[] = "x.second", ma[] = "ma", mb[] = "mb";
	rec_options o = {.pair = {a, b}, .pair_model = {ma, mb}};
	CHECK_INT(parse_opts("{\"text\":\"t\",\"x\":{\"first\":\"1st\",\"second\":\"2nd\"},"
			     "\"ma\":\"M\",\"mb\":\"N\"}", &o, &f, why), ASSAY_OK);
	CHECK_STR(f.text, "1st");
	CHECK_PAIR(&f, "b_text", "2nd");
	CHECK_PAIR(&f, "a_model", "M");
	CHECK_PAIR(&f, "b_model", "N");
	rec_fields_free(&f);
	CHECK_INT(parse_opts("{\"x\":{\"first\":\"1st\"}}", &o, &f, why), ASSAY_EFORMAT);
	CHECK_STR(why, "no field \"x.second\" (a candidate of the pair)");
	rec_fields_free(&f);
}

TEST(message_list_candidates)
{
	rec_fields f;
	char why[256];
	rec_options o = {0};
	CHECK_INT(parse_opts("{\"chosen\":[{\"role\":\"user\",\"content\":\"hi\"},"
			     "{\"role\":\"assistant\",\"content\":\"hello\"}],"
			     "\"rejected\":[{\"role\":\"user\",\"content\":\"hi\"},"
			     "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\","
			     "\"text\":\"go\"},{\"type\":\"text\",\"text\":\"away\"}]}]}",
			     &o, &f, why), ASSAY_OK);
	CHECK_STR(f.text, "hello");
	CHECK_STR(f.text_field, "chosen.1.content");
	CHECK_PAIR(&f, "b_text", "go\n\naway");
	CHECK_PAIR(&f, "chat", "true");
	CHECK_STR(f.context, "[{\"role\":\"user\",\"text\":\"hi\"}]");
	rec_fields_free(&f);
	CHECK_INT(parse_opts("{\"chosen\":[{\"role\":\"user\",\"content\":\"hi\"}],"
			     "\"rejected\":\"x\"}", &o, &f, why), ASSAY_EFORMAT);
	CHECK_STR(why, "field \"chosen\": a message list with no assistant turn");
	rec_fields_free(&f);
}

static uint64_t key(const char *raw)
{
	rec_fields f;
	char why[256];
	rec_options o = {0};
	CHECK_INT(parse_opts(raw, &o, &f, why), ASSAY_OK);
	uint64_t h = f.hash;
	rec_fields_free(&f);
	return h;
}

TEST(duplicate_key_covers_both_candidates)
{
	uint64_t k = key("{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\"}");
	CHECK(k == key("{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\" b\"}"));
	CHECK(k != key("{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"c\"}"));
	CHECK(k != key("{\"prompt\":\"q\",\"chosen\":\"a\",\"rejected\":\"b\"}"));
	/* a pair is never the duplicate of its candidate a alone */
	CHECK(k != key("{\"prompt\":\"p\",\"output\":\"a\"}"));
	abuf_free(&scratch);
}

UNIT_MAIN(UNIT_CASE(default_pairs_and_claim), UNIT_CASE(named_fields_even_beside_a_text),
	  UNIT_CASE(message_list_candidates), UNIT_CASE(duplicate_key_covers_both_candidates))
