/* test_lists_pg.c — the report's example lists (lists.c, lists_pg.c) give
 * the same context lines on both engines: an array's elements that are
 * objects, none for a context that is not an array (an object, a string),
 * and a context holding a \u0000 escape (which the server's json
 * functions refuse to de-escape), in the lists and on the review screen
 * (store_sample_context). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/store.h"
#include "assay/store_pairs.h"
#include "assay/text.h"
#include "unit_pg.h"

static const char *const contexts[] = {
    "[{\"role\": \"user\", \"text\": \"hi\\u0000there\"}, {\"name\": \"bot\", \"text\": \"yo\"}]",
    "{\"a\": {\"role\": \"user\", \"text\": \"first\"}, \"b\": {\"name\": \"n\", \"text\": \"second\"}}",
    "[{\"role\": \"user\", \"text\": \"a \\\\u0000 written out\"}, \"a string\", 7]",
    "\"just a string\"",
};

static int collect(void *ud, const store_example *e)
{
	abuf *b = ud;
	abuf_printf(b, "%s=[%s];", e->ext_id, e->context ? e->context : "(none)");
	return 0;
}

/* The examples' "ext_id=[context];" in order ("error: ..." on failure). */
static char *listed(int engine)
{
	const char *target = unit_pg_fresh(engine, "listspg");
	store *s = NULL;
	assay_error err = {0};
	if (!target || store_open(target, NULL, &s, &err) < 0)
		return NULL;
	store_begin(s, &err);
	store_batch b = {.name = "b1", .source = "x", .format = "jsonl", .created_at = 1};
	CHECK_INT(store_batch_create(s, &b, &err), ASSAY_OK);
	int64_t ann, ev;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(contexts); i++) {
		char ext[16];
		snprintf(ext, sizeof ext, "x%zu", i + 1);
		const char *text = "an answer";
		store_new_sample ns = {.batch_id = b.id, .ext_id = ext, .line = (int64_t)i + 1,
				       .text_field = "answer", .text = text,
				       .text_len = strlen(text), .record = "{}", .record_len = 2,
				       .context = contexts[i], .context_len = strlen(contexts[i]),
				       .hash = text_normalized_hash(ext, strlen(ext), NULL)};
		int out;
		int64_t id;
		CHECK_INT(store_sample_insert(s, &ns, &out, &id, &err), ASSAY_OK);
	}
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	store_annotator_ensure(s, "ann", &ann, &err);
	for (int64_t id = 1; id <= (int64_t)ASSAY_ARRAY_LEN(contexts); id++) {
		char reason[16]; /* one reason each: listed in the reasons' order */
		snprintf(reason, sizeof reason, "r%lld", (long long)id);
		store_decision_in in = {.sample_id = id, .annotator_id = ann,
					.kind = STORE_REJECT, .reason = reason};
		CHECK_INT(store_decide(s, &in, &ev, &err), ASSAY_OK);
	}
	abuf out = {0};
	abuf_puts(&out, "");
	/* the review screen's reading of the first context */
	store_turn *turns = NULL;
	size_t nt = 0;
	if (store_sample_context(s, 1, &turns, &nt, &err) < 0)
		abuf_printf(&out, "turns: error: %s;", err.msg);
	for (size_t i = 0; i < nt; i++)
		abuf_printf(&out, "turn %s %s %s;", turns[i].name ? turns[i].name : "-",
			    turns[i].role ? turns[i].role : "-", turns[i].text);
	store_turns_free(turns, nt);
	if (store_rejection_examples(s, NULL, 10, collect, &out, &err) < 0) {
		out.len = 0;
		abuf_printf(&out, "error: %s", err.msg);
	}
	store_close(s);
	return abuf_take(&out);
}

TEST(contexts_listed_alike)
{
	char *lite = listed(LITE), *pg = listed(PG);
	CHECK(lite != NULL);
	printf("#   sqlite: %s\n", lite ? lite : "(none)");
	CHECK(lite && strstr(lite, "turn - user hi;turn bot - yo;"));
	CHECK(lite && strstr(lite, "x2=[(none)]"));
	CHECK(lite && strstr(lite, "x3=[user: a \\u0000 written out]"));
	CHECK(lite && strstr(lite, "x4=[(none)]"));
	if (pg) {
		if (strcmp(lite, pg) != 0)
			printf("#   pg:     %s\n", pg);
		CHECK_STR(pg, lite);
	} else {
		printf("#   ASSAY_TEST_PG is not set: skipped\n");
	}
	free(lite);
	free(pg);
}

UNIT_MAIN(UNIT_CASE(contexts_listed_alike))
