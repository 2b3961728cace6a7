/* bootstrap.c — percentile bootstrap interval for the AUC, and the default
 * interval that picks the bootstrap for small samples and DeLong for large
 * ones (see AUDIT_BOOTSTRAP_MAX_N in audit.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/audit.h"

/* Draws k indices below k with replacement into multiplicities w[0..k). */
static void draw(audit_rng *r, uint32_t *w, size_t k)
{
	memset(w, 0, k * sizeof *w);
	for (size_t d = 0; d < k; d++)
		w[audit_rng_below(r, k)]++;
}

/* The AUC of a resample given as multiplicities of the sorted scores:
 * the same merge as audit_auc, with weights instead of counts. */
static double weighted_auc(const audit_calib *c, const uint32_t *wb, const uint32_t *wg)
{
	size_t m = c->n_bad, n = c->n_good, lo = 0;
	uint64_t below = 0, equal = 0, twice = 0;
	for (size_t i = 0; i < m; i++) {
		double x = c->bad[i];
		if (i > 0 && x == c->bad[i - 1]) {
			twice += (uint64_t)wb[i] * (2 * (n - below - equal) + equal);
			continue;
		}
		/* kept-sample weight strictly below x, then equal to x */
		for (; lo < n && c->good[lo] < x; lo++)
			below += wg[lo];
		equal = 0;
		for (size_t k = lo; k < n && c->good[k] == x; k++)
			equal += wg[k];
		twice += (uint64_t)wb[i] * (2 * (n - below - equal) + equal);
	}
	return (double)twice / (2.0 * (double)m * (double)n);
}

int audit_auc_bootstrap(const audit_calib *c, int resamples, uint64_t seed, audit_auc_ci *out,
			assay_error *err)
{
	*out = (audit_auc_ci){.auc = audit_auc(c), .se = NAN, .lo = 0.0, .hi = 1.0};
	if (resamples < 2)
		return assay_fail(err, ASSAY_EINVAL, "bootstrap: need at least 2 resamples");
	if (!c->n_bad || !c->n_good)
		return ASSAY_OK;
	uint32_t *wb = malloc(c->n_bad * sizeof *wb);
	uint32_t *wg = malloc(c->n_good * sizeof *wg);
	double *aucs = malloc((size_t)resamples * sizeof *aucs);
	int rc = ASSAY_OK;
	if (!wb || !wg || !aucs) {
		rc = assay_fail(err, ASSAY_ENOMEM, "bootstrap: out of memory");
		goto done;
	}
	audit_rng rng;
	audit_rng_seed(&rng, seed);
	double sum = 0.0;
	for (int b = 0; b < resamples; b++) {
		draw(&rng, wb, c->n_bad);
		draw(&rng, wg, c->n_good);
		aucs[b] = weighted_auc(c, wb, wg);
		sum += aucs[b];
	}
	double mean = sum / resamples, ss = 0.0;
	for (int b = 0; b < resamples; b++)
		ss += (aucs[b] - mean) * (aucs[b] - mean);
	if ((rc = audit_sort(aucs, (size_t)resamples, err)) < 0)
		goto done;
	out->se = sqrt(ss / (resamples - 1));
	out->lo = audit_quantile_sorted(aucs, (size_t)resamples, 0.025);
	out->hi = audit_quantile_sorted(aucs, (size_t)resamples, 0.975);
	out->method = AUDIT_CI_BOOTSTRAP;
	out->resamples = resamples;
done:
	free(wb);
	free(wg);
	free(aucs);
	return rc;
}

int audit_auc_ci_auto(const audit_calib *c, audit_auc_ci *out, assay_error *err)
{
	if (audit_calib_bad_total(c) + audit_calib_good_total(c) <= AUDIT_BOOTSTRAP_MAX_N) {
		if (!c->bad_w && !c->good_w)
			return audit_auc_bootstrap(c, AUDIT_BOOTSTRAP_RESAMPLES,
						   AUDIT_BOOTSTRAP_SEED, out, err);
		/* the resamples draw samples, not distinct values */
		audit_calib one;
		int rc = audit_calib_expand(c, &one);
		rc = rc < 0 ? assay_fail(err, rc, "bootstrap: out of memory")
			    : audit_auc_bootstrap(&one, AUDIT_BOOTSTRAP_RESAMPLES,
						  AUDIT_BOOTSTRAP_SEED, out, err);
		audit_calib_free(&one);
		return rc;
	}
	audit_auc_delong(c, AUDIT_Z95, out);
	return ASSAY_OK;
}
