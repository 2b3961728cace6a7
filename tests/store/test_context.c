/* test_context.c — tests for src/store/context.c: a sample's context read
 * back as named fields or turns, the latest edit, and the scores of a
 * corrected text kept beside the original's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/store.h"
#include "unit.h"

static char path[64];

static void cleanup(void)
{
	unit_remove_db(path);
}

static store *fresh(void)
{
	snprintf(path, sizeof path, "/tmp/assay-context-%d.db", (int)getpid());
	cleanup();
	atexit(cleanup);
	store *s = NULL;
	assay_error e = {0};
	if (store_open(path, NULL, &s, &e) != ASSAY_OK)
		abort();
	return s;
}

static int64_t add(store *s, int64_t batch, const char *id, const char *context, uint64_t hash)
{
	store_new_sample ns = {.batch_id = batch, .ext_id = id, .line = 1, .text_field = "output",
			       .text = "6", .text_len = 1, .record = "{}", .record_len = 2,
			       .context = context, .context_len = context ? strlen(context) : 0,
			       .hash = hash};
	int outcome;
	int64_t sid = 0;
	assay_error e = {0};
	CHECK_INT(store_sample_insert(s, &ns, &outcome, &sid, &e), ASSAY_OK);
	return sid;
}

TEST(context_and_edit_scores)
{
	store *s = fresh();
	assay_error e = {0};
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	store_batch b = {.name = "b", .source = "x", .format = "jsonl", .kind = "response",
			 .created_at = 1};
	CHECK_INT(store_batch_create(s, &b, &e), ASSAY_OK);
	int64_t a = add(s, b.id, "a", "[{\"name\":\"instruction\",\"text\":\"Add 2 and 4.\"}]", 1);
	int64_t c = add(s, b.id, "c", "[{\"role\":\"user\",\"text\":\"2+4?\"},{\"role\":\"assistant\","
				     "\"text\":\"5\"},{\"role\":\"user\",\"text\":\"sure?\"}]", 2);
	int64_t n = add(s, b.id, "n", NULL, 3);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_turn *t;
	size_t k;
	CHECK_INT(store_sample_context(s, a, &t, &k, &e), ASSAY_OK);
	CHECK_INT(k, 1);
	CHECK_STR(t[0].name, "instruction");
	CHECK(t[0].role == NULL);
	CHECK_STR(t[0].text, "Add 2 and 4.");
	store_turns_free(t, k);
	CHECK_INT(store_sample_context(s, c, &t, &k, &e), ASSAY_OK);
	CHECK_INT(k, 3);
	CHECK_STR(t[1].role, "assistant");
	CHECK_STR(t[2].text, "sure?");
	store_turns_free(t, k);
	CHECK_INT(store_sample_context(s, n, &t, &k, &e), ASSAY_OK);
	CHECK_INT(k, 0);
	store_sample smp;
	CHECK_INT(store_sample_get(s, c, &smp, &e), ASSAY_OK);
	CHECK_STR(smp.kind, "response");
	CHECK(smp.context && strstr(smp.context, "sure?"));
	store_sample_free(&smp);
	/* the latest edit, and its scores beside the original's */
	int64_t ann, ev;
	CHECK_INT(store_annotator_ensure(s, "ana", &ann, &e), ASSAY_OK);
	char *text;
	bool found;
	CHECK_INT(store_edit_latest(s, a, &text, &found, &e), ASSAY_OK);
	CHECK(!found && text == NULL);
	store_decision_in in = {.sample_id = a, .annotator_id = ann, .kind = STORE_EDIT,
				.text = "Six."};
	CHECK_INT(store_decide(s, &in, &ev, &e), ASSAY_OK);
	CHECK_INT(store_edit_latest(s, a, &text, &found, &e), ASSAY_OK);
	CHECK(found);
	CHECK_STR(text, "Six.");
	free(text);
	int64_t ids[4];
	CHECK_INT(store_edited_ids(s, 0, ids, 4, &k, &e), ASSAY_OK);
	CHECK_INT(k, 1);
	CHECK_INT(ids[0], a);
	store_score_row row = {.sample_id = a, .scorer = "length", .version = "1", .value = 0.9,
			       .reason = "length: fine"};
	CHECK_INT(store_edit_score_put(s, &row, 77, &e), ASSAY_OK);
	CHECK_INT(store_edit_quality_set(s, a, 0.9, &e), ASSAY_OK);
	uint64_t h;
	CHECK_INT(store_edit_scored_hash(s, a, &h, &found, &e), ASSAY_OK);
	CHECK(found && h == 77);
	store_score *v;
	double q;
	CHECK_INT(store_edit_scores_get(s, a, &v, &k, &q, &e), ASSAY_OK);
	CHECK_INT(k, 1);
	CHECK_STR(v[0].scorer, "length");
	CHECK_NEAR(v[0].value, 0.9, 1e-12);
	CHECK_NEAR(q, 0.9, 1e-12);
	store_scores_free(v, k);
	CHECK_INT(store_scores_get(s, a, &v, &k, &e), ASSAY_OK);
	CHECK_INT(k, 0); /* the original's scores are another table */
	store_scores_free(v, k);
	/* an edit undone leaves its scores in the table, no longer the sample's */
	int64_t undone;
	CHECK_INT(store_undo(s, ann, NULL, &undone, &e), ASSAY_OK);
	CHECK_INT(undone, a);
	CHECK_INT(store_edit_scores_get(s, a, &v, &k, &q, &e), ASSAY_OK);
	CHECK(k == 0 && v == NULL && isnan(q));
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(context_and_edit_scores))
