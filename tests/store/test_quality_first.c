/* test_quality_first.c — store_quality_first (src/store/quality.c) on both
 * engines (an SQLite file, and a fresh schema on the PostgreSQL server
 * tests/run starts, $ASSAY_TEST_PG; without it that half is skipped): a
 * sample that holds no score and no combined score gets the value given,
 * and says so; one that holds a combined score, or a score row without one
 * (an older build's), is left as it is for its stored row to decide. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/store/dbi.h"
#include "assay/store.h"
#include "assay/text.h"
#include "unit_pg.h"

static double quality_of(store *s, int64_t id)
{
	store_sample x = {0};
	assay_error err = {0};
	CHECK_INT(store_sample_get(s, id, &x, &err), ASSAY_OK);
	double q = x.quality;
	store_sample_free(&x);
	return q;
}

static void first_case(int engine)
{
	store *s = unit_pg_store(engine, "qfirst", 5, NULL);
	if (!s)
		return;
	assay_error err = {0};
	/* 2 holds a score without a combined score; 3 holds a combined score */
	store_score_row row = {2, "length", "v1", 0.5, true, "too long", NULL};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	CHECK_INT(store_scores_put(s, &row, 1, &err), ASSAY_OK);
	CHECK_INT(store_quality_set(s, 3, 0.75, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);

	int64_t ids[] = {1, 2, 3, 5};
	double q[] = {0.125, 0.25, 0.5, 1.0 / 3};
	bool set[4] = {false, true, true, false};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	CHECK_INT(store_quality_first(s, ids, q, 4, set, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	CHECK(set[0] && !set[1] && !set[2] && set[3]);
	CHECK(quality_of(s, 1) == 0.125);
	CHECK(isnan(quality_of(s, 2)));
	CHECK(quality_of(s, 3) == 0.75);
	CHECK(isnan(quality_of(s, 4))); /* not asked */
	CHECK(quality_of(s, 5) == 1.0 / 3); /* the exact double, on both engines */

	/* asked again, none is new: nothing written */
	double again[] = {0.9, 0.9, 0.9, 0.9};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	CHECK_INT(store_quality_first(s, ids, again, 4, set, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	CHECK(!set[0] && !set[1] && !set[2] && !set[3]);
	CHECK(quality_of(s, 1) == 0.125);
	CHECK(quality_of(s, 5) == 1.0 / 3);

	/* a rollback takes the combined score back with the transaction */
	int64_t four = 4;
	double half = 0.5;
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	CHECK_INT(store_quality_first(s, &four, &half, 1, set, &err), ASSAY_OK);
	CHECK(set[0]);
	store_rollback(s);
	CHECK(isnan(quality_of(s, 4)));
	CHECK_INT(store_quality_first(s, ids, q, 0, set, &err), ASSAY_OK); /* none asked */
	store_close(s);
}

TEST(first_sqlite) { first_case(LITE); }
TEST(first_pg) { first_case(PG); }

UNIT_MAIN(UNIT_CASE(first_sqlite), UNIT_CASE(first_pg))
