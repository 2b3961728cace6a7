/* test_pairs.c — tests for src/store/pairs.c and the preferences of
 * review.c: a pair stored with its sample, a preference and its placement
 * in the event and the decision, the checks of what a pair takes, undo,
 * and the readers of statistics and export. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/store.h"
#include "assay/text.h"
#include "fixture.h"
#include "unit.h"

static const char pair_json[] =
	"{\"a_field\":\"chosen\",\"b_field\":\"rejected\",\"b_text\":\"candidate b text\","
	"\"a_model\":\"big\",\"b_model\":\"small\",\"a_model_field\":\"chosen_model\","
	"\"b_model_field\":\"rejected_model\",\"claimed\":\"a\",\"chat\":false}";

/* Sample 1 is a pair (candidate a "candidate a text"), sample 2 single. */
static store *fixture(void)
{
	store *s = fixture_open("pairs");
	assay_error e = {0};
	store_begin(s, &e);
	store_batch b = {.name = "b", .source = "x", .format = "jsonl", .created_at = 1};
	store_batch_create(s, &b, &e);
	const char *texts[] = {"candidate a text", "a single sample"};
	for (int i = 0; i < 2; i++) {
		char id[16];
		snprintf(id, sizeof id, "s%d", i);
		store_new_sample ns = {.batch_id = b.id, .ext_id = id, .line = i + 1,
				       .text_field = "chosen", .text = texts[i],
				       .text_len = strlen(texts[i]), .record = "{}", .record_len = 2,
				       .hash = text_normalized_hash(texts[i], strlen(texts[i]), NULL),
				       .pair = i == 0 ? pair_json : NULL,
				       .pair_len = i == 0 ? strlen(pair_json) : 0};
		int outcome;
		int64_t sid;
		CHECK_INT(store_sample_insert(s, &ns, &outcome, &sid, &e), ASSAY_OK);
	}
	store_commit(s, &e);
	return s;
}

TEST(pair_stored_with_its_sample)
{
	store *s = fixture();
	assay_error e = {0};
	store_pair p;
	bool found;
	CHECK_INT(store_pair_get(s, 1, &p, &found, &e), ASSAY_OK);
	CHECK(found);
	CHECK_STR(p.a_text, "candidate a text");
	CHECK_STR(p.b_text, "candidate b text");
	CHECK_STR(p.a_model, "big");
	CHECK_STR(p.b_model_field, "rejected_model");
	CHECK_INT(p.claimed, STORE_PREF_A);
	CHECK(!p.chat);
	store_pair_free(&p);
	CHECK_INT(store_pair_get(s, 2, &p, &found, &e), ASSAY_OK);
	CHECK(!found);
	store_close(s);
}

TEST(pref_names_round_trip)
{
	for (int p = STORE_PREF_A; p <= STORE_PREF_BOTH_BAD; p++)
		CHECK_INT(store_pref_parse(store_pref_name(p)), p);
	CHECK(store_pref_name(STORE_PREF_NONE) == NULL);
	CHECK_INT(store_pref_parse("left"), STORE_PREF_NONE);
	CHECK_INT(store_pref_parse(NULL), STORE_PREF_NONE);
}

static int decide(store *s, int64_t sample, int64_t who, int kind, int pref, int place,
		  const char *text, assay_error *e)
{
	store_decision_in in = {.sample_id = sample, .annotator_id = who, .kind = kind,
				.pref = pref, .placement = place, .text = text};
	int64_t ev;
	return store_decide(s, &in, &ev, e);
}

TEST(what_a_pair_takes)
{
	store *s = fixture();
	assay_error e = {0};
	int64_t ann;
	store_annotator_ensure(s, "ann", &ann, &e);
	CHECK_INT(decide(s, 1, ann, STORE_ACCEPT, STORE_PREF_NONE, 0, NULL, &e), ASSAY_EINVAL);
	CHECK_CONTAINS(e.msg, "decide it with prefer");
	CHECK_INT(decide(s, 2, ann, STORE_ACCEPT, STORE_PREF_A, 0, NULL, &e), ASSAY_EINVAL);
	CHECK_CONTAINS(e.msg, "this sample is single");
	CHECK_INT(decide(s, 1, ann, STORE_REJECT, STORE_PREF_TIE, 0, NULL, &e), ASSAY_EINVAL);
	CHECK_INT(decide(s, 1, ann, STORE_EDIT, STORE_PREF_TIE, 0, "x", &e), ASSAY_EINVAL);
	CHECK_INT(decide(s, 1, ann, STORE_ACCEPT, STORE_PREF_A, 7, NULL, &e), ASSAY_EINVAL);
	/* the chosen one corrected is measured against that candidate */
	CHECK_INT(decide(s, 1, ann, STORE_EDIT, STORE_PREF_B, 0, "candidate b text", &e),
		  ASSAY_EINVAL);
	CHECK_CONTAINS(e.msg, "the same as the original");
	CHECK_INT(decide(s, 1, ann, STORE_EDIT, STORE_PREF_B, 0, "candidate a text", &e),
		  ASSAY_OK);
	/* a skip and a both-bad without a reason are fine */
	CHECK_INT(decide(s, 1, ann, STORE_SKIP, STORE_PREF_NONE, 0, NULL, &e), ASSAY_OK);
	CHECK_INT(decide(s, 1, ann, STORE_REJECT, STORE_PREF_BOTH_BAD, STORE_PLACE_BA, NULL, &e),
		  ASSAY_OK);
	store_close(s);
}

typedef struct seen {
	int n;
	store_pref_row last;
	char annotator[16];
} seen;

static int count_pref(void *ud, const store_pref_row *r)
{
	seen *v = ud;
	v->n++;
	v->last = *r;
	snprintf(v->annotator, sizeof v->annotator, "%s", r->annotator);
	v->last.annotator = v->last.a_model = v->last.b_model = NULL;
	v->last.text = v->last.reason = NULL;
	return 0;
}

TEST(placement_recorded_and_undone)
{
	store *s = fixture();
	assay_error e = {0};
	int64_t ann, bot, sample;
	store_annotator_ensure(s, "ann", &ann, &e);
	store_annotator_ensure(s, "auto:x", &bot, &e);
	CHECK_INT(decide(s, 1, ann, STORE_ACCEPT, STORE_PREF_A, STORE_PLACE_BA, NULL, &e),
		  ASSAY_OK);
	CHECK_INT(decide(s, 1, ann, STORE_ACCEPT, STORE_PREF_TIE, STORE_PLACE_AB, NULL, &e),
		  ASSAY_OK);
	CHECK_INT(decide(s, 1, bot, STORE_ACCEPT, STORE_PREF_B, STORE_PLACE_AB, NULL, &e),
		  ASSAY_OK);
	seen v = {0};
	store_prefs_filter all = {0}, with_machines = {.machines = true};
	CHECK_INT(store_prefs_each(s, &all, count_pref, &v, &e), ASSAY_OK);
	CHECK_INT(v.n, 1); /* the machine's left out */
	CHECK_INT(v.last.pref, STORE_PREF_TIE);
	CHECK_INT(v.last.placement, STORE_PLACE_AB);
	CHECK_INT(v.last.claimed, STORE_PREF_A);
	CHECK_STR(v.annotator, "ann");
	v = (seen){0};
	CHECK_INT(store_prefs_each(s, &with_machines, count_pref, &v, &e), ASSAY_OK);
	CHECK_INT(v.n, 2);
	/* by decision time: [since, until); and by batch */
	int64_t at = v.last.at;
	store_prefs_filter later = {.machines = true, .since_ms = at + 1},
			   until = {.machines = true, .until_ms = at + 1},
			   other = {.machines = true, .batch_id = 99};
	v = (seen){0};
	CHECK_INT(store_prefs_each(s, &later, count_pref, &v, &e), ASSAY_OK);
	CHECK_INT(v.n, 0);
	CHECK_INT(store_prefs_each(s, &until, count_pref, &v, &e), ASSAY_OK);
	CHECK_INT(v.n, 2);
	v = (seen){0};
	CHECK_INT(store_prefs_each(s, &other, count_pref, &v, &e), ASSAY_OK);
	CHECK_INT(v.n, 0);
	/* by annotator: only the machine's, then only ann's */
	store_prefs_filter by_bot = {.machines = true, .annotator_id = bot},
			   by_ann = {.machines = true, .annotator_id = ann};
	CHECK_INT(store_prefs_each(s, &by_bot, count_pref, &v, &e), ASSAY_OK);
	CHECK_INT(v.n, 1);
	CHECK_INT(v.last.pref, STORE_PREF_B);
	v = (seen){0};
	CHECK_INT(store_prefs_each(s, &by_ann, count_pref, &v, &e), ASSAY_OK);
	CHECK_INT(v.n, 1);
	CHECK_STR(v.annotator, "ann");
	v = (seen){0};
	/* undo brings the first verdict back with its placement */
	CHECK_INT(store_undo(s, ann, NULL, &sample, &e), ASSAY_OK);
	v = (seen){0};
	CHECK_INT(store_prefs_each(s, &all, count_pref, &v, &e), ASSAY_OK);
	CHECK_INT(v.n, 1);
	CHECK_INT(v.last.pref, STORE_PREF_A);
	CHECK_INT(v.last.placement, STORE_PLACE_BA);
	CHECK_INT(store_undo(s, ann, NULL, &sample, &e), ASSAY_OK);
	v = (seen){0};
	CHECK_INT(store_prefs_each(s, &all, count_pref, &v, &e), ASSAY_OK);
	CHECK_INT(v.n, 0);
	store_close(s);
}

static int export_row(void *ud, const store_pair_row *r)
{
	seen *v = ud;
	v->n++;
	CHECK_STR(r->ext_id, "s0");
	CHECK_STR(r->pair.b_text, "candidate b text");
	CHECK_INT(r->n_prefs, 2);
	if (r->n_prefs == 2) {
		CHECK_STR(r->prefs[0].annotator, "ann");
		CHECK_STR(r->prefs[1].annotator, "bob");
		CHECK_STR(r->prefs[1].text, "candidate b mended");
		CHECK_STR(r->prefs[1].reason, "clearer");
	}
	return 0;
}

TEST(pairs_each_gives_every_preference)
{
	store *s = fixture();
	assay_error e = {0};
	int64_t ann, bob;
	store_annotator_ensure(s, "ann", &ann, &e);
	store_annotator_ensure(s, "bob", &bob, &e);
	CHECK_INT(decide(s, 1, ann, STORE_ACCEPT, STORE_PREF_A, 0, NULL, &e), ASSAY_OK);
	store_decision_in in = {.sample_id = 1, .annotator_id = bob, .kind = STORE_EDIT,
				.pref = STORE_PREF_B, .text = "candidate b mended",
				.reason = "clearer"};
	int64_t ev;
	CHECK_INT(store_decide(s, &in, &ev, &e), ASSAY_OK);
	seen v = {0};
	CHECK_INT(store_pairs_each(s, NULL, NULL, export_row, &v, &e), ASSAY_OK);
	CHECK_INT(v.n, 1);
	v = (seen){0};
	CHECK_INT(store_pairs_each(s, "other", NULL, export_row, &v, &e), ASSAY_OK);
	CHECK_INT(v.n, 0);
	store_close(s);
}

static int adj_row(void *ud, const store_pair_row *r)
{
	seen *v = ud;
	v->n++;
	CHECK_INT(r->adj_pref, STORE_PREF_B);
	CHECK_STR(r->adj_text, "candidate b mended");
	CHECK_STR(r->adj_lead, "lead");
	return 0;
}

/* a against b is a conflict though both are accepts; a against a corrected
 * a is none; a lead's preference settles it and export reads it. */
TEST(conflicting_preferences_and_their_adjudication)
{
	store *s = fixture();
	assay_error e = {0};
	int64_t ann, bob, lead, id = 0, n = -1;
	store_annotator_ensure(s, "ann", &ann, &e);
	store_annotator_ensure(s, "bob", &bob, &e);
	store_annotator_ensure(s, "lead", &lead, &e);
	CHECK_INT(decide(s, 1, ann, STORE_ACCEPT, STORE_PREF_A, STORE_PLACE_BA, NULL, &e),
		  ASSAY_OK);
	CHECK_INT(decide(s, 1, bob, STORE_EDIT, STORE_PREF_A, STORE_PLACE_AB, "candidate a mended",
			 &e), ASSAY_OK);
	CHECK_INT(store_conflict_next(s, 0, 0, &id, &e), ASSAY_ENOTFOUND);
	CHECK_INT(decide(s, 1, bob, STORE_ACCEPT, STORE_PREF_B, STORE_PLACE_AB, NULL, &e),
		  ASSAY_OK);
	CHECK_INT(store_conflict_next(s, 0, 0, &id, &e), ASSAY_OK);
	CHECK_INT(id, 1);
	CHECK_INT(store_conflict_count(s, 0, &n, &e), ASSAY_OK);
	CHECK_INT(n, 1);
	store_named_verdict *v = NULL;
	size_t nv = 0;
	CHECK_INT(store_verdicts_of(s, 1, &v, &nv, &e), ASSAY_OK);
	CHECK_INT(nv, 2);
	if (nv == 2) {
		CHECK_INT(v[0].pref, STORE_PREF_A);
		CHECK_INT(v[0].placement, STORE_PLACE_BA);
		CHECK_INT(v[1].pref, STORE_PREF_B);
		CHECK_INT(v[1].placement, STORE_PLACE_AB);
	}
	store_named_verdicts_free(v, nv);
	/* a lead's verdict on a pair needs a preference, and may correct it */
	store_decision_in in = {.sample_id = 1, .annotator_id = lead, .kind = STORE_ACCEPT};
	int64_t ev;
	CHECK_INT(store_adjudicate(s, &in, &ev, &e), ASSAY_EINVAL);
	CHECK_CONTAINS(e.msg, "decide it with prefer");
	in = (store_decision_in){.sample_id = 1, .annotator_id = lead, .kind = STORE_EDIT,
				 .pref = STORE_PREF_B, .text = "candidate b mended"};
	CHECK_INT(store_adjudicate(s, &in, &ev, &e), ASSAY_OK);
	CHECK_INT(store_conflict_next(s, 0, 0, &id, &e), ASSAY_ENOTFOUND);
	store_decision adj;
	CHECK_INT(store_adjudication_get(s, 1, &adj, NULL, &e), ASSAY_OK);
	CHECK_STR(adj.verdict, "edited");
	CHECK_INT(adj.pref, STORE_PREF_B);
	store_decision_free(&adj);
	seen sv = {0};
	CHECK_INT(store_pairs_each(s, NULL, NULL, adj_row, &sv, &e), ASSAY_OK);
	CHECK_INT(sv.n, 1);
	store_close(s);
}

/* Candidate b's scores: which pairs lack a current one, written, read
 * back flagged first; a failed score or another version is not current. */
TEST(candidate_b_scores)
{
	store *s = fixture();
	assay_error e = {0};
	store_score_want want[] = {{"length", "1"}, {"repetition", "2"}};
	store_score_query q = {.want = want, .n_want = 2};
	int64_t ids[8], after = 0;
	size_t n = 9;
	CHECK_INT(store_pair_b_todo(s, &q, &after, ids, 8, &n, &e), ASSAY_OK);
	CHECK_INT(n, 1); /* the pair, never the single sample */
	CHECK_INT(ids[0], 1);
	store_begin(s, &e);
	store_score_row r = {.sample_id = 1, .scorer = "length", .version = "1", .value = 0.9,
			     .reason = "fine"};
	CHECK_INT(store_pair_b_score_put(s, &r, &e), ASSAY_OK);
	r = (store_score_row){.sample_id = 1, .scorer = "repetition", .version = "2",
			      .value = NAN, .reason = "failed"};
	CHECK_INT(store_pair_b_score_put(s, &r, &e), ASSAY_OK);
	store_commit(s, &e);
	after = 0;
	CHECK_INT(store_pair_b_todo(s, &q, &after, ids, 8, &n, &e), ASSAY_OK);
	CHECK_INT(n, 1); /* repetition failed: tried again */
	store_begin(s, &e);
	r = (store_score_row){.sample_id = 1, .scorer = "repetition", .version = "2",
			      .value = 0.1, .flagged = true, .reason = "repeats"};
	CHECK_INT(store_pair_b_score_put(s, &r, &e), ASSAY_OK);
	store_commit(s, &e);
	after = 0;
	CHECK_INT(store_pair_b_todo(s, &q, &after, ids, 8, &n, &e), ASSAY_OK);
	CHECK_INT(n, 0);
	q.rescore = true;
	after = 0;
	CHECK_INT(store_pair_b_todo(s, &q, &after, ids, 8, &n, &e), ASSAY_OK);
	CHECK_INT(n, 1);
	store_score_want newer[] = {{"length", "1b"}};
	q = (store_score_query){.want = newer, .n_want = 1};
	after = 0;
	CHECK_INT(store_pair_b_todo(s, &q, &after, ids, 8, &n, &e), ASSAY_OK);
	CHECK_INT(n, 1); /* "1" is not "1b" */
	int64_t other = 99;
	q = (store_score_query){.want = want, .n_want = 2, .rescore = true, .batch_ids = &other,
				.n_batches = 1};
	after = 0;
	CHECK_INT(store_pair_b_todo(s, &q, &after, ids, 8, &n, &e), ASSAY_OK);
	CHECK_INT(n, 0);
	store_score *v;
	CHECK_INT(store_pair_b_scores_get(s, 1, &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(v[0].scorer, "repetition");
		CHECK(v[0].flagged);
		CHECK_STR(v[0].reason, "repeats");
		CHECK_STR(v[1].scorer, "length");
		CHECK(v[1].value > 0.89 && v[1].value < 0.91);
	}
	store_scores_free(v, n);
	CHECK_INT(store_pair_b_scores_get(s, 2, &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 0);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(pair_stored_with_its_sample), UNIT_CASE(candidate_b_scores), UNIT_CASE(pref_names_round_trip),
	  UNIT_CASE(conflicting_preferences_and_their_adjudication),
	  UNIT_CASE(what_a_pair_takes), UNIT_CASE(placement_recorded_and_undone),
	  UNIT_CASE(pairs_each_gives_every_preference))
