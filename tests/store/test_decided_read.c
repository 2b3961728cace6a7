/* test_decided_read.c — reading only the samples with a verdict (what
 * `assay learn` trains from, in the review screen after every N
 * decisions): the same rows as the whole read without the undecided ones,
 * and a read as long as the verdicts, not the database (counted in SQLite
 * virtual machine steps, so the figure does not depend on the machine). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "../../src/store/store_int.h"
#include "assay/store.h"
#include "assay/store_audit.h"
#include "assay/store_pairs.h"
#include "assay/store_review.h"
#include "fixture.h"
#include "unit.h"

#define N_SAMPLES 3000

static int64_t ann(store *s, const char *name)
{
	int64_t id = 0;
	assay_error e = {0};
	CHECK_INT(store_annotator_ensure(s, name, &id, &e), ASSAY_OK);
	return id;
}

static void decide(store *s, int64_t sample, int64_t who, int kind)
{
	store_decision_in in = {.sample_id = sample, .annotator_id = who, .kind = kind,
				.reason = kind == STORE_REJECT ? "other" : NULL};
	int64_t ev;
	assay_error e = {0};
	CHECK_INT(store_decide(s, &in, &ev, &e), ASSAY_OK);
}

/* N_SAMPLES samples; verdicts on a few: 100 accepted, 2000 rejected by
 * two annotators, 1500 only skipped, 2500 only adjudicated. */
static store *fixture(void)
{
	store *s = fixture_samples("decread", N_SAMPLES, "", NULL);
	int64_t ann_a = ann(s, "ann"), ann_b = ann(s, "bob"), lead = ann(s, "lead");
	decide(s, 100, ann_a, STORE_ACCEPT);
	decide(s, 2000, ann_a, STORE_REJECT);
	decide(s, 2000, ann_b, STORE_REJECT);
	decide(s, 1500, ann_a, STORE_SKIP);
	store_decision_in in = {.sample_id = 2500, .annotator_id = lead, .kind = STORE_ACCEPT};
	int64_t ev;
	assay_error e = {0};
	CHECK_INT(store_adjudicate(s, &in, &ev, &e), ASSAY_OK);
	return s;
}

typedef struct seen {
	int64_t id[16];
	size_t verdicts[16];
	bool adjudicated[16];
	size_t n;
} seen;

/* Keeps the rows with a verdict (as learn does: the others teach nothing). */
static int on_row(void *ud, const store_export_row *row)
{
	seen *w = ud;
	if ((!row->n_verdicts && !row->adjudication) || w->n >= 16)
		return 0;
	w->id[w->n] = row->sample_id;
	w->verdicts[w->n] = row->n_verdicts;
	w->adjudicated[w->n++] = row->adjudication != NULL;
	return 0;
}

static int count_step(void *ud)
{
	(*(long *)ud)++;
	return 0;
}

static void decided_read_gives_the_same_rows_without_the_undecided(void)
{
	store *s = fixture();
	assay_error e = {0};
	seen all = {0}, decided = {0};
	store_export_filter f = {0};
	CHECK_INT(store_export_each(s, &f, on_row, &all, &e), ASSAY_OK);
	f.decided = true;
	CHECK_INT(store_export_each(s, &f, on_row, &decided, &e), ASSAY_OK);
	CHECK_INT(all.n, 3);
	CHECK_INT(decided.n, all.n);
	for (size_t i = 0; i < all.n && i < decided.n; i++) {
		CHECK_INT(decided.id[i], all.id[i]);
		CHECK_INT(decided.verdicts[i], all.verdicts[i]);
		CHECK(decided.adjudicated[i] == all.adjudicated[i]);
	}
	CHECK_INT(decided.id[0], 100);
	CHECK_INT(decided.verdicts[1], 2);
	CHECK(decided.adjudicated[2]);
	store_close(s);
}

static void decided_read_and_count_do_not_scan_every_sample(void)
{
	store *s = fixture();
	assay_error e = {0};
	long steps = 0;
	seen w = {0};
	store_export_filter f = {0};
	sqlite3_progress_handler(s->db, 1, count_step, &steps);
	CHECK_INT(store_export_each(s, &f, on_row, &w, &e), ASSAY_OK);
	long whole = steps;
	/* the counter is real: the whole read steps through every sample */
	CHECK(whole > N_SAMPLES);
	steps = 0;
	f.decided = true;
	w = (seen){0};
	CHECK_INT(store_export_each(s, &f, on_row, &w, &e), ASSAY_OK);
	CHECK_INT(w.n, 3);
	printf("# whole read %ld steps, decided read %ld\n", whole, steps);
	CHECK(steps * 100 < whole);
	steps = 0;
	int64_t n = 0;
	CHECK_INT(store_decided_count(s, &n, &e), ASSAY_OK);
	CHECK_INT(n, 2); /* the adjudicated-only sample has no decision; a skip is none */
	printf("# decided count %ld steps\n", steps);
	CHECK(steps < N_SAMPLES / 10);
	sqlite3_progress_handler(s->db, 0, NULL, NULL);
	store_close(s);
}

/* The text of sample 100 as the read gives it. */
static int on_text(void *ud, const store_export_row *row)
{
	if (row->sample_id == 100)
		snprintf(ud, 256, "%s", row->text);
	return 0;
}

static void read_without_the_text_gives_it_empty_and_leaves_the_next_read_whole(void)
{
	store *s = fixture();
	assay_error e = {0};
	char whole[256] = "", none[256] = "unset", again[256] = "";
	store_export_filter f = {0};
	CHECK_INT(store_export_each(s, &f, on_text, whole, &e), ASSAY_OK);
	CHECK(whole[0] != '\0');
	f.no_text = true;
	CHECK_INT(store_export_each(s, &f, on_text, none, &e), ASSAY_OK);
	CHECK_STR(none, "");
	/* the statement is cached with its bindings: the next read has the text */
	f.no_text = false;
	CHECK_INT(store_export_each(s, &f, on_text, again, &e), ASSAY_OK);
	CHECK_STR(again, whole);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(decided_read_gives_the_same_rows_without_the_undecided),
	  UNIT_CASE(read_without_the_text_gives_it_empty_and_leaves_the_next_read_whole),
	  UNIT_CASE(decided_read_and_count_do_not_scan_every_sample))
