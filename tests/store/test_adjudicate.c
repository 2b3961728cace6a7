/* test_adjudicate.c — tests for src/store/adjudicate.c: the conflict walk
 * (both sides of every rule: agreement, skips, one verdict, adjudicated,
 * batches), every annotator's verdicts on a sample, and adjudications. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/store.h"
#include "assay/text.h"
#include "unit.h"

static char path[64];

static void cleanup(void)
{
	unit_remove_db(path);
}

/* A fresh database with batches b1 and b2, samples 1..n (odd ids in b1,
 * even in b2), texts "sample number I with some words". */
static store *fresh(int n, int64_t *ids)
{
	if (path[0])
		cleanup();
	strcpy(path, "/tmp/assay-adjudicate-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	unlink(path);
	store *s = NULL;
	assay_error e = {0};
	if (store_open(path, NULL, &s, &e) < 0)
		abort();
	store_batch b[2] = {{.name = "b1", .source = "x", .format = "jsonl"},
			    {.name = "b2", .source = "x", .format = "jsonl"}};
	store_begin(s, &e);
	store_batch_create(s, &b[0], &e);
	store_batch_create(s, &b[1], &e);
	for (int i = 0; i < n; i++) {
		char text[64], id[16];
		snprintf(text, sizeof text, "sample number %d with some words", i + 1);
		snprintf(id, sizeof id, "s%d", i + 1);
		store_new_sample ns = {.batch_id = b[i % 2].id,
				       .ext_id = id,
				       .line = i + 1,
				       .text_field = "caption",
				       .text = text,
				       .text_len = strlen(text),
				       .record = "{}",
				       .record_len = 2,
				       .hash = text_normalized_hash(text, strlen(text), NULL)};
		int outcome;
		if (store_sample_insert(s, &ns, &outcome, &ids[i], &e) < 0)
			abort();
	}
	store_commit(s, &e);
	return s;
}

static int64_t annotator(store *s, const char *name)
{
	int64_t id = 0;
	assay_error e = {0};
	store_annotator_ensure(s, name, &id, &e);
	return id;
}

static void decide(store *s, int64_t sample, int64_t who, int kind, const char *extra)
{
	store_decision_in in = {.sample_id = sample,
				.annotator_id = who,
				.kind = kind,
				.text = kind == STORE_EDIT ? extra : NULL,
				.reason = kind == STORE_REJECT ? extra : NULL};
	int64_t ev;
	assay_error e = {0};
	if (store_decide(s, &in, &ev, &e) < 0) {
		printf("# decide: %s\n", e.msg);
		abort();
	}
}

/* Every conflict from the start, as an array of ids (at most 16). */
static size_t walk(store *s, int64_t batch, int64_t *out)
{
	size_t n = 0;
	int64_t at = 0, id;
	assay_error e = {0};
	while (n < 16 && store_conflict_next(s, batch, at, &id, &e) == ASSAY_OK)
		at = out[n++] = id;
	return n;
}

TEST(conflicts_are_differing_verdicts_without_adjudication)
{
	int64_t ids[8], got[16];
	store *s = fresh(8, ids);
	int64_t ann = annotator(s, "ann"), bob = annotator(s, "bob"), cy = annotator(s, "cy");
	decide(s, ids[0], ann, STORE_ACCEPT, NULL); /* 1: accept vs reject: conflict */
	decide(s, ids[0], bob, STORE_REJECT, "blurry");
	decide(s, ids[1], ann, STORE_ACCEPT, NULL); /* 2: both accept: no conflict */
	decide(s, ids[1], bob, STORE_ACCEPT, NULL);
	decide(s, ids[2], ann, STORE_ACCEPT, NULL); /* 3: accept vs skip: no conflict */
	decide(s, ids[2], bob, STORE_SKIP, NULL);
	decide(s, ids[3], ann, STORE_REJECT, "x");  /* 4: one verdict only */
	decide(s, ids[4], ann, STORE_ACCEPT, NULL); /* 5: accept vs edit: conflict */
	decide(s, ids[4], bob, STORE_EDIT, "a corrected sample");
	decide(s, ids[5], ann, STORE_REJECT, "a"); /* 6: two rejections, other reasons: none */
	decide(s, ids[5], bob, STORE_REJECT, "b");
	decide(s, ids[6], ann, STORE_ACCEPT, NULL); /* 7: three, one differs: conflict */
	decide(s, ids[6], bob, STORE_ACCEPT, NULL);
	decide(s, ids[6], cy, STORE_REJECT, "c");
	CHECK_INT(walk(s, 0, got), 3);
	CHECK_INT(got[0], ids[0]);
	CHECK_INT(got[1], ids[4]);
	CHECK_INT(got[2], ids[6]);
	int64_t n = -1;
	assay_error e = {0};
	CHECK_INT(store_conflict_count(s, 0, &n, &e), ASSAY_OK);
	CHECK_INT(n, 3);
	/* the cursor: after the last one there is nothing */
	int64_t id;
	CHECK_INT(store_conflict_next(s, 0, ids[6], &id, &e), ASSAY_ENOTFOUND);
	CHECK_CONTAINS(e.msg, "no conflicting sample left");
	CHECK_INT(store_conflict_next(s, 0, ids[0], &id, &e), ASSAY_OK);
	CHECK_INT(id, ids[4]);
	/* an adjudication settles it */
	store_decision_in in = {.sample_id = ids[4], .annotator_id = cy, .kind = STORE_ACCEPT};
	int64_t ev;
	CHECK_INT(store_adjudicate(s, &in, &ev, &e), ASSAY_OK);
	CHECK_INT(walk(s, 0, got), 2);
	CHECK_INT(got[1], ids[6]);
	CHECK_INT(store_conflict_count(s, 0, &n, &e), ASSAY_OK);
	CHECK_INT(n, 2);
	/* a change of mind that agrees ends the conflict; one that differs starts one */
	decide(s, ids[0], bob, STORE_ACCEPT, NULL);
	decide(s, ids[1], bob, STORE_REJECT, "late");
	CHECK_INT(walk(s, 0, got), 2);
	CHECK_INT(got[0], ids[1]);
	store_close(s);
}

TEST(conflicts_by_batch)
{
	int64_t ids[4], got[16];
	store *s = fresh(4, ids);
	int64_t ann = annotator(s, "ann"), bob = annotator(s, "bob");
	for (int i = 0; i < 4; i++) {
		decide(s, ids[i], ann, STORE_ACCEPT, NULL);
		decide(s, ids[i], bob, STORE_REJECT, "r");
	}
	store_batch b1, b2;
	assay_error e = {0};
	store_batch_by_name(s, "b1", &b1, &e);
	store_batch_by_name(s, "b2", &b2, &e);
	CHECK_INT(walk(s, b1.id, got), 2);
	CHECK_INT(got[0], ids[0]);
	CHECK_INT(got[1], ids[2]);
	CHECK_INT(walk(s, b2.id, got), 2);
	CHECK_INT(got[0], ids[1]);
	CHECK_INT(walk(s, 0, got), 4);
	CHECK_INT(walk(s, 999, got), 0);
	int64_t n;
	CHECK_INT(store_conflict_count(s, b2.id, &n, &e), ASSAY_OK);
	CHECK_INT(n, 2);
	store_batch_free(&b1);
	store_batch_free(&b2);
	store_close(s);
}

TEST(empty_database_has_no_conflicts)
{
	int64_t ids[1];
	store *s = fresh(0, ids);
	int64_t id, n = -1;
	assay_error e = {0};
	CHECK_INT(store_conflict_next(s, 0, 0, &id, &e), ASSAY_ENOTFOUND);
	CHECK_INT(store_conflict_count(s, 0, &n, &e), ASSAY_OK);
	CHECK_INT(n, 0);
	store_named_verdict *v = NULL;
	size_t nv = 9;
	CHECK_INT(store_verdicts_of(s, 42, &v, &nv, &e), ASSAY_OK);
	CHECK_INT(nv, 0);
	store_named_verdicts_free(v, nv);
	store_close(s);
}

TEST(verdicts_of_a_sample_named_oldest_first_without_skips)
{
	int64_t ids[2];
	store *s = fresh(2, ids);
	int64_t ann = annotator(s, "ann"), bob = annotator(s, "bob\x1b[31m"),
		cy = annotator(s, "cy");
	decide(s, ids[0], bob, STORE_EDIT, "sample number 1 with other words");
	decide(s, ids[0], ann, STORE_REJECT, "factual error");
	decide(s, ids[0], cy, STORE_SKIP, NULL);
	store_named_verdict *v = NULL;
	size_t n = 0;
	assay_error e = {0};
	CHECK_INT(store_verdicts_of(s, ids[0], &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 2);
	if (n == 2) {
		/* same millisecond possible: then by annotator id (ann before bob) */
		int bi = strcmp(v[0].annotator, "ann") == 0 ? 1 : 0;
		CHECK_STR(v[bi].annotator, "bob\x1b[31m");
		CHECK_INT(v[bi].annotator_id, bob);
		CHECK_STR(v[bi].verdict, "edited");
		CHECK_STR(v[bi].text, "sample number 1 with other words");
		CHECK(v[bi].reason == NULL);
		CHECK_STR(v[1 - bi].verdict, "rejected");
		CHECK_STR(v[1 - bi].reason, "factual error");
		CHECK(v[1 - bi].text == NULL);
		CHECK(v[0].decided_at <= v[1].decided_at);
		CHECK(v[0].decided_at > 0);
	}
	store_named_verdicts_free(v, n);
	CHECK_INT(store_verdicts_of(s, ids[1], &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 0);
	store_named_verdicts_free(v, n);
	store_close(s);
}

TEST(adjudication_get_and_replace)
{
	int64_t ids[2];
	store *s = fresh(2, ids);
	int64_t lead = annotator(s, "lead");
	store_decision d;
	char *who = (char *)"x";
	assay_error e = {0};
	CHECK_INT(store_adjudication_get(s, ids[0], &d, &who, &e), ASSAY_OK);
	CHECK_STR(d.verdict, "");
	CHECK(who == NULL);
	store_decision_free(&d);
	store_decision_in in = {
	    .sample_id = ids[0], .annotator_id = lead, .kind = STORE_REJECT, .reason = "duplicate"};
	int64_t ev;
	CHECK_INT(store_adjudicate(s, &in, &ev, &e), ASSAY_OK);
	CHECK_INT(store_adjudication_get(s, ids[0], &d, &who, &e), ASSAY_OK);
	CHECK_STR(d.verdict, "rejected");
	CHECK_STR(d.reason, "duplicate");
	CHECK(d.text == NULL);
	CHECK_STR(who, "lead");
	store_decision_free(&d);
	free(who);
	/* a second word replaces the first; without *lead it is not asked */
	in = (store_decision_in){.sample_id = ids[0],
				 .annotator_id = lead,
				 .kind = STORE_EDIT,
				 .text = "a better sample"};
	CHECK_INT(store_adjudicate(s, &in, &ev, &e), ASSAY_OK);
	CHECK_INT(store_adjudication_get(s, ids[0], &d, NULL, &e), ASSAY_OK);
	CHECK_STR(d.verdict, "edited");
	CHECK_STR(d.text, "a better sample");
	CHECK(d.reason == NULL);
	store_decision_free(&d);
	/* the other sample is untouched */
	CHECK_INT(store_adjudication_get(s, ids[1], &d, NULL, &e), ASSAY_OK);
	CHECK_STR(d.verdict, "");
	store_decision_free(&d);
	store_close(s);
}

/* Removes the last database when the cases are done. */
__attribute__((destructor)) static void at_exit(void)
{
	if (path[0])
		cleanup();
}

UNIT_MAIN(UNIT_CASE(conflicts_are_differing_verdicts_without_adjudication),
	  UNIT_CASE(conflicts_by_batch), UNIT_CASE(empty_database_has_no_conflicts),
	  UNIT_CASE(verdicts_of_a_sample_named_oldest_first_without_skips),
	  UNIT_CASE(adjudication_get_and_replace))
