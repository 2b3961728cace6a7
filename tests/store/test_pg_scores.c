/* test_pg_scores.c — the packed scores on both engines: an SQLite file and
 * a fresh schema on the PostgreSQL server tests/run starts ($ASSAY_TEST_PG;
 * without it the PostgreSQL half is skipped and says so). Writes that merge
 * into a sample's stored scores, notes cleared and set, failed values, the
 * pages a scoring run reads and the rows the learned scorer reads must
 * give the same answers on both. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/store/dbi.h"
#include "assay/store.h"
#include "assay/text.h"
#include "unit_pg.h"

/* A store with three samples in one batch. */
static store *open_three(int engine)
{
	static const char *const texts[] = {"one text", "two text", "three text"};
	return unit_pg_store(engine, "pgscores", 3, texts);
}

/* One sample's scores as "scorer version value flag reason|detail;". */
static void scores_text(store *s, int64_t id, char *out, size_t size)
{
	store_score *v = NULL;
	size_t n = 0;
	assay_error err = {0};
	CHECK_INT(store_scores_get(s, id, &v, &n, &err), ASSAY_OK);
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && at < size; i++)
		at += (size_t)snprintf(out + at, size - at, "%s %s %g %d %s|%s;", v[i].scorer,
				       v[i].version, v[i].value, v[i].flagged, v[i].reason,
				       v[i].detail);
	store_scores_free(v, n);
}

static int on_row(void *ud, const store_score_rowview *row)
{
	char *out = ud;
	size_t at = strlen(out);
	at += (size_t)snprintf(out + at, 512 - at, "%lld:%zu:%llx:%s|%s:", (long long)row->sample_id,
			       row->n, (unsigned long long)row->flags, row->reason, row->detail);
	for (size_t k = 0; k < row->n; k++)
		at += (size_t)snprintf(out + at, 512 - at, "%g/%u,", row->vals[k],
				       (unsigned)row->vers[k]);
	return 0;
}

static void merge_case(int engine)
{
	store *s = open_three(engine);
	if (!s)
		return;
	assay_error err = {0};
	store_score_row first[] = {
	    {1, "length", "v1", 0.5, true, "too long", "{\"words\":9}"},
	    {1, "gopher", "v1", NAN, false, "failed", NULL},
	    {1, "hedging", "v1", 1.0, false, "", NULL},
	};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	CHECK_INT(store_scores_put(s, first, 3, &err), ASSAY_OK);
	/* a later write of one slot: the others stay, its note is cleared */
	store_score_row again = {1, "length", "v2", 0.25, false, "", NULL};
	CHECK_INT(store_scores_put(s, &again, 1, &err), ASSAY_OK);
	CHECK_INT(store_score_set_detail(s, 1, "hedging", "grew", "{\"size\":2}", &err), ASSAY_OK);
	store_score_row other = {2, "hedging", "v1", 0.75, true, "hedges", NULL};
	CHECK_INT(store_scores_put(s, &other, 1, &err), ASSAY_OK);
	CHECK_INT(store_quality_set(s, 1, 0.125, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	char got[512];
	scores_text(s, 1, got, sizeof got);
	CHECK_STR(got, "gopher v1 nan 0 failed|;hedging v1 1 0 grew|{\"size\":2};"
		       "length v2 0.25 0 |;");
	scores_text(s, 2, got, sizeof got);
	CHECK_STR(got, "hedging v1 0.75 1 hedges|;");
	/* the rows the learned scorer reads (its own note aside) */
	int slot = -1;
	uint32_t ver = 0;
	CHECK_INT(store_score_slot(s, "hedging", "v1", &slot, &ver, &err), ASSAY_OK);
	CHECK_INT(slot, 2);
	got[0] = '\0';
	CHECK_INT(store_score_rows_read(s, 1, 3, -1, on_row, got, &err), ASSAY_OK);
	CHECK_STR(got, "1:3:0:|:0.25/4,nan/2,1/3,2:3:4:|:nan/0,nan/0,0.75/3,");
	/* a run wanting length v2 and gopher v1: sample 1's gopher failed, so
	 * it is stale; 2 and 3 lack both */
	store_score_want want[] = {{"length", "v2"}, {"gopher", "v1"}};
	store_score_query q = {.want = want, .n_want = 2};
	store_score_page page = {0};
	CHECK_INT(store_score_page_next(s, &q, 10, &page, &err), ASSAY_OK);
	CHECK_INT(page.n, 3);
	if (page.n == 3) {
		CHECK_INT(page.items[0].need, 2);
		CHECK_INT(page.items[1].need, 3);
		CHECK_STR(page.items[2].text, "three text");
	}
	/* pages of two, the page reused: the last sample in a second page */
	store_score_page_free(&page);
	CHECK_INT(store_score_page_next(s, &q, 2, &page, &err), ASSAY_OK);
	CHECK_INT(page.n, 2);
	CHECK_INT(store_score_page_next(s, &q, 2, &page, &err), ASSAY_OK);
	CHECK_INT(page.n, 1);
	if (page.n == 1)
		CHECK_STR(page.items[0].text, "three text");
	store_score_page_free(&page);
	int64_t ids[4];
	size_t n = 0;
	CHECK_INT(store_quality_missing(s, 0, ids, 4, &n, &err), ASSAY_OK);
	CHECK_INT(n, 1);
	CHECK_INT(ids[0], 2);
	store_close(s);
}

/* A notes row whose arrays are empty (a copy of a sample whose notes were
 * all cleared) takes a note in its slot, and a later merge of another
 * slot keeps it there. */
TEST(a_note_set_in_empty_arrays_stays_in_its_slot_pg)
{
	store *s = open_three(PG);
	if (!s)
		return;
	assay_error err = {0};
	store_score_row first[] = {{2, "length", "v1", 0.5, false, "", NULL},
				   {2, "gopher", "v1", 0.5, false, "", NULL},
				   {2, "hedging", "v1", 0.75, true, "hedges", NULL}};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	CHECK_INT(store_scores_put(s, first, 3, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	dbi *db = NULL;
	CHECK_INT(dbi_open(unit_pg_uri, false, false, &db, &err), ASSAY_OK);
	CHECK_INT(dbi_exec(db, "UPDATE score_notes SET reasons = '{}', details = '{}'", &err),
		  ASSAY_OK);
	dbi_close(db);
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	CHECK_INT(store_score_set_detail(s, 2, "hedging", "grew", "{\"size\":2}", &err), ASSAY_OK);
	store_score_row later = {2, "length", "v1", 0.25, false, "short", NULL};
	CHECK_INT(store_scores_put(s, &later, 1, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	char got[512];
	scores_text(s, 2, got, sizeof got);
	CHECK_STR(got, "gopher v1 0.5 0 |;hedging v1 0.75 1 grew|{\"size\":2};"
		       "length v1 0.25 0 short|;");
	store_close(s);
}

/* Whether a sample holds a scorer's score at a version: failed scores
 * count, another version, another sample's or a missing row do not. */
static bool current(store *s, int64_t id, const char *scorer, const char *version)
{
	assay_error err = {0};
	bool yes = true;
	CHECK_INT(store_score_current(s, id, scorer, version, &yes, &err), ASSAY_OK);
	return yes;
}

static void current_case(int engine)
{
	store *s = open_three(engine);
	if (!s)
		return;
	assay_error err = {0};
	store_score_row rows[] = {
	    {1, "length", "v1", 0.5, true, "too long", NULL},
	    {1, "neardup", "a", 0.75, false, "neardup: no", NULL},
	    {2, "neardup", "a", NAN, false, "failed", NULL},
	    {3, "neardup", "b", 1.0, false, "", NULL},
	};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	CHECK_INT(store_scores_put(s, rows, 2, &err), ASSAY_OK); /* one sample's at a time */
	CHECK_INT(store_scores_put(s, &rows[2], 1, &err), ASSAY_OK);
	CHECK_INT(store_scores_put(s, &rows[3], 1, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	CHECK(current(s, 1, "neardup", "a"));
	CHECK(current(s, 2, "neardup", "a"));
	CHECK(current(s, 3, "neardup", "b"));
	CHECK(current(s, 1, "length", "v1"));
	CHECK(!current(s, 1, "neardup", "b"));
	CHECK(!current(s, 3, "neardup", "a"));
	CHECK(!current(s, 2, "length", "v1"));
	CHECK(!current(s, 1, "neardup", "c"));
	CHECK(!current(s, 1, "gopher", "a"));
	CHECK(!current(s, 99, "neardup", "a"));
	store_close(s);
}

TEST(current_sqlite) { current_case(LITE); }
TEST(current_pg) { current_case(PG); }

TEST(merge_sqlite) { merge_case(LITE); }
TEST(merge_pg) { merge_case(PG); }

UNIT_MAIN(UNIT_CASE(merge_sqlite), UNIT_CASE(merge_pg), UNIT_CASE(current_sqlite),
	  UNIT_CASE(current_pg),
	  UNIT_CASE(a_note_set_in_empty_arrays_stays_in_its_slot_pg))
