/* test_context.c — tests for src/ingest/context.c: context fields, chat
 * records (OpenAI messages, ShareGPT conversations), the turn under review
 * and the duplicate key over context and text. */
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

static int parse(const char *raw, rec_fields *f, char *why)
{
	rec_options o = {0};
	return parse_opts(raw, &o, f, why);
}

TEST(context_fields_default_and_named)
{
	rec_fields f;
	char why[256];
	CHECK_INT(parse("{\"instruction\":\"Add 2 and 4.\",\"input\":\"\",\"output\":\"6\"}", &f,
			why),
		  ASSAY_OK);
	CHECK_STR(f.context, "[{\"name\":\"instruction\",\"text\":\"Add 2 and 4.\"}]");
	rec_fields_free(&f);
	CHECK_INT(parse("{\"instruction\":\"Sum.\",\"input\":\"2, 4\",\"output\":\"6\"}", &f, why),
		  ASSAY_OK);
	CHECK_STR(f.context, "[{\"name\":\"instruction\",\"text\":\"Sum.\"},"
			     "{\"name\":\"input\",\"text\":\"2, 4\"}]");
	rec_fields_free(&f);
	/* the first present of the list: prompt before question */
	CHECK_INT(parse("{\"question\":\"q\",\"prompt\":\"p\",\"response\":\"r\"}", &f, why),
		  ASSAY_OK);
	CHECK_STR(f.context, "[{\"name\":\"prompt\",\"text\":\"p\"}]");
	rec_fields_free(&f);
	CHECK_INT(parse("{\"caption\":\"A cat.\"}", &f, why), ASSAY_OK);
	CHECK(f.context == NULL);
	rec_fields_free(&f);
	char *names[] = {"task", "meta.src"};
	rec_options o = {.context_fields = names, .n_context_fields = 2};
	CHECK_INT(parse_opts("{\"task\":\"t\",\"meta\":{\"src\":7},\"instruction\":\"i\","
			     "\"text\":\"x\"}",
			     &o, &f, why),
		  ASSAY_OK);
	CHECK_STR(f.context, "[{\"name\":\"task\",\"text\":\"t\"},{\"name\":\"meta.src\","
			     "\"text\":\"7\"}]");
	rec_fields_free(&f);
	rec_options none = {.context_fields = names, .n_context_fields = 0};
	CHECK_INT(parse_opts("{\"instruction\":\"i\",\"text\":\"x\"}", &none, &f, why), ASSAY_OK);
	CHECK(f.context == NULL);
	rec_fields_free(&f);
}

TEST(chat_records)
{
	rec_fields f;
	char why[256];
	const char *openai =
		"{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
		"{\"role\":\"user\",\"content\":\"2+4?\"},{\"role\":\"assistant\",\"content\":\"6\"},"
		"{\"role\":\"user\",\"content\":\"and 3+3?\"},"
		"{\"role\":\"assistant\",\"content\":\"Also 6.\"}]}";
	CHECK_INT(parse(openai, &f, why), ASSAY_OK);
	CHECK_STR(f.text, "Also 6.");
	CHECK_STR(f.text_field, "messages.4.content");
	CHECK_STR(f.context, "[{\"role\":\"system\",\"text\":\"Be brief.\"},{\"role\":\"user\","
			     "\"text\":\"2+4?\"},{\"role\":\"assistant\",\"text\":\"6\"},"
			     "{\"role\":\"user\",\"text\":\"and 3+3?\"}]");
	rec_fields_free(&f);
	rec_options o = {.turn = 2 + 1};
	CHECK_INT(parse_opts(openai, &o, &f, why), ASSAY_OK);
	CHECK_STR(f.text, "6");
	CHECK_STR(f.text_field, "messages.2.content");
	rec_fields_free(&f);
	CHECK_INT(parse("{\"conversations\":[{\"from\":\"human\",\"value\":\"Hi?\"},"
			"{\"from\":\"gpt\",\"value\":\"Hello.\"},{\"from\":\"human\",\"value\":\"x\"}]}",
			&f, why),
		  ASSAY_OK);
	CHECK_STR(f.text, "Hello.");
	CHECK_STR(f.text_field, "conversations.1.value");
	CHECK_STR(f.context, "[{\"role\":\"user\",\"text\":\"Hi?\"}]");
	rec_fields_free(&f);
	/* content as parts: one text part is addressed, several are joined */
	CHECK_INT(parse("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
			"\"text\":\"Look\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}}]},"
			"{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"A cat.\"}]}]}",
			&f, why),
		  ASSAY_OK);
	CHECK_STR(f.text_field, "messages.1.content.0.text");
	CHECK_STR(f.context, "[{\"role\":\"user\",\"text\":\"Look\"}]");
	rec_fields_free(&f);
	CHECK_INT(parse("{\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"text\","
			"\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]}]}",
			&f, why),
		  ASSAY_OK);
	/* several text parts: the first is under review, the others its context */
	CHECK_STR(f.text, "a");
	CHECK_STR(f.text_field, "messages.0.content.0.text");
	CHECK_STR(f.context, "[{\"name\":\"messages.0.content.1.text\",\"text\":\"b\"}]");
	rec_fields_free(&f);
	CHECK_INT(parse("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", &f, why),
		  ASSAY_EFORMAT);
	CHECK(strstr(why, "no assistant turn") != NULL);
	rec_fields_free(&f);
	rec_options far = {.turn = 9 + 1};
	CHECK_INT(parse_opts(openai, &far, &f, why), ASSAY_EFORMAT);
	CHECK(strstr(why, "--turn 9") != NULL);
	rec_fields_free(&f);
	cJSON *j = cJSON_Parse(openai);
	CHECK_STR(ingest_field(j, "messages.3.content")->valuestring, "and 3+3?");
	CHECK(ingest_field(j, "messages.03.content") == NULL);
	CHECK(ingest_field(j, "messages.9") == NULL);
	cJSON_Delete(j);
}

static uint64_t key(const char *raw, int dedup, int64_t line)
{
	rec_fields f;
	char why[256];
	rec_options o = {.dedup = dedup, .scratch = &scratch};
	CHECK_INT(rec_parse(raw, strlen(raw), &o, line, &f, why, sizeof why), ASSAY_OK);
	uint64_t h = f.hash;
	rec_fields_free(&f);
	return h;
}

TEST(duplicate_key_covers_context)
{
	const char *a = "{\"instruction\":\"Add 2 and 4.\",\"output\":\"6\"}";
	const char *b = "{\"instruction\":\"Multiply 2 and 3.\",\"output\":\"6\"}";
	const char *b2 = "{\"instruction\":\"multiply  2 and 3.\",\"output\":\" 6\"}";
	const char *plain = "{\"output\":\"6\"}";
	CHECK(key(a, REC_DEDUP_DEFAULT, 1) != key(b, REC_DEDUP_DEFAULT, 1));
	CHECK(key(b, REC_DEDUP_DEFAULT, 1) == key(b2, REC_DEDUP_DEFAULT, 2));
	CHECK(key(a, REC_DEDUP_TEXT, 1) == key(b, REC_DEDUP_TEXT, 1));
	CHECK(key(plain, REC_DEDUP_DEFAULT, 1) == key(a, REC_DEDUP_TEXT, 1));
	/* none: the record at its line, so a re-run finds it and a copy is kept */
	CHECK(key(b, REC_DEDUP_NONE, 1) == key(b, REC_DEDUP_NONE, 1));
	CHECK(key(b, REC_DEDUP_NONE, 1) != key(b, REC_DEDUP_NONE, 2));
	/* words moved between instruction and answer make another sample */
	CHECK(key("{\"instruction\":\"a b\",\"output\":\"c\"}", REC_DEDUP_DEFAULT, 1) !=
	      key("{\"instruction\":\"a\",\"output\":\"b c\"}", REC_DEDUP_DEFAULT, 1));
	abuf_free(&scratch);
}

UNIT_MAIN(UNIT_CASE(context_fields_default_and_named), UNIT_CASE(chat_records),
	  UNIT_CASE(duplicate_key_covers_context))
