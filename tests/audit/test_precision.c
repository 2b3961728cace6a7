/* test_precision.c — tests for src/audit/precision.c: the precision table
 * of a reject threshold and the lowest threshold whose Wilson lower bound
 * reaches a target, against hand-computed cases. */
#include <math.h>

#include "assay/audit.h"
#include "unit.h"

TEST(table_counts_the_predictions_at_or_above_each_threshold)
{
	CHECK_NEAR(audit_prec_threshold(0), 0.01, 1e-12);
	CHECK_NEAR(audit_prec_threshold(49), 0.50, 1e-12);
	CHECK_NEAR(audit_prec_threshold(98), 0.99, 1e-12);
	CHECK_NEAR(audit_prec_threshold(99), 0.995, 1e-12);
	CHECK_NEAR(audit_prec_threshold(100), 0.999, 1e-12);
	const float p[] = {0.875f, 0.75f, 0.25f, NAN, 0.5f};
	const uint8_t rej[] = {1, 0, 1, 1, 1};
	audit_prec_row rows[AUDIT_PREC_ROWS];
	audit_precision_table(p, rej, 5, rows);
	/* index: the threshold (j + 1) / 100 */
	struct {
		size_t j;
		uint64_t n, k;
	} want[] = {{0, 4, 3},  {24, 4, 3}, {25, 3, 2}, {49, 3, 2}, {50, 2, 1},
		    {74, 2, 1}, {75, 1, 1}, {86, 1, 1}, {87, 0, 0}, {100, 0, 0}};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		CHECK_INT(rows[want[i].j].n, want[i].n);
		CHECK_INT(rows[want[i].j].k, want[i].k);
	}
}

TEST(pick_takes_the_lowest_threshold_whose_lower_bound_reaches_the_target)
{
	/* k = n: the Wilson lower bound is n / (n + z^2): 80 -> 0.9542, 10 -> 0.7225 */
	audit_prec_row rows[] = {{0.5, 100, 90}, {0.7, 80, 80}, {0.9, 10, 10}, {0.95, 0, 0}};
	size_t at = 99;
	audit_rate r;
	CHECK_INT(audit_precision_pick(rows, 4, 0.95, AUDIT_Z95, &at, &r), 1);
	CHECK_INT(at, 1);
	CHECK_NEAR(r.lo, 80 / (80 + AUDIT_Z95 * AUDIT_Z95), 1e-9);
	CHECK_NEAR(r.rate, 1.0, 1e-12);
	/* 90 of 100: 0.9 [0.826, 0.945] (Wilson) */
	CHECK_INT(audit_precision_pick(rows, 4, 0.8, AUDIT_Z95, &at, &r), 1);
	CHECK_INT(at, 0);
	CHECK_NEAR(r.lo, 0.8256, 1e-4);
	/* none reaches 0.96: the best row is said */
	CHECK_INT(audit_precision_pick(rows, 4, 0.96, AUDIT_Z95, &at, &r), 0);
	CHECK_INT(at, 1);
	CHECK_NEAR(r.lo, 0.9542, 1e-4);
	/* no prediction at all */
	CHECK_INT(audit_precision_pick(rows + 3, 1, 0.5, AUDIT_Z95, &at, &r), 0);
	CHECK_INT(at, 0);
	CHECK(isnan(r.rate));
}

UNIT_MAIN(UNIT_CASE(table_counts_the_predictions_at_or_above_each_threshold),
	  UNIT_CASE(pick_takes_the_lowest_threshold_whose_lower_bound_reaches_the_target))
