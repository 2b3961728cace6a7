/* precision.c — the precision of "reject every sample the model gives
 * P(reject) >= t" at a table of thresholds, and the lowest threshold whose
 * precision is, at the given confidence, at least a target: what
 * `decide --auto` rejects by. */
#include "assay/audit.h"

#include <math.h>

double audit_prec_threshold(size_t i)
{
	if (i < 99)
		return (double)(i + 1) / 100;
	return i == 99 ? 0.995 : 0.999;
}

void audit_precision_table(const float *p, const uint8_t *rejected, size_t n,
			   audit_prec_row rows[AUDIT_PREC_ROWS])
{
	for (size_t j = 0; j < AUDIT_PREC_ROWS; j++)
		rows[j] = (audit_prec_row){.t = audit_prec_threshold(j)};
	for (size_t i = 0; i < n; i++) {
		if (isnan(p[i]))
			continue;
		/* the thresholds ascend: p counts in every row up to the first above it */
		for (size_t j = 0; j < AUDIT_PREC_ROWS && (double)p[i] >= rows[j].t; j++) {
			rows[j].n++;
			rows[j].k += rejected[i] != 0;
		}
	}
}

int audit_precision_pick(const audit_prec_row *rows, size_t n, double target, double z,
			 size_t *at, audit_rate *rate)
{
	size_t best = 0;
	double best_lo = -1;
	*rate = (audit_rate){.rate = NAN, .hi = 1};
	*at = 0;
	for (size_t j = 0; j < n; j++) {
		audit_rate r;
		if (rows[j].n == 0 || rows[j].k > rows[j].n ||
		    audit_wilson(rows[j].k, rows[j].n, z, &r, NULL) < 0)
			continue;
		if (r.lo >= target) {
			*at = j;
			*rate = r;
			return 1;
		}
		if (r.lo > best_lo) {
			best_lo = r.lo;
			best = j;
			*rate = r;
		}
	}
	*at = best;
	return 0;
}
