/* bt_boot.c — percentile bootstrap intervals for the Bradley-Terry scores:
 * the comparisons are drawn again with replacement, the model refitted
 * from the point estimate, and each model's score collected; the interval
 * is the 2.5% and 97.5% quantiles. Deterministic for a seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bt_int.h"

/* Uniform in (0, 1): never 0, so its logarithm is finite. */
static double uniform(audit_rng *r)
{
	return ((double)(audit_rng_next(r) >> 11) + 0.5) * 0x1p-53;
}

/* Binomial(n, p) for n p < 10 by inversion: walk up the pmf from 0. */
static uint64_t binomial_inversion(audit_rng *r, uint64_t n, double p)
{
	double q = 1.0 - p, s = p / q, a = (double)(n + 1) * s;
	double pmf = exp((double)n * log1p(-p)), u = uniform(r);
	uint64_t x = 0;
	while (u > pmf && x < n) {
		u -= pmf;
		x++;
		pmf *= a / (double)x - s;
	}
	return x;
}

uint64_t bt_binomial(audit_rng *r, uint64_t n, double p)
{
	if (n == 0 || !(p > 0.0))
		return 0;
	if (p >= 1.0)
		return n;
	if (p > 0.5)
		return n - bt_binomial(r, n, 1.0 - p);
	double nn = (double)n;
	if (nn * p < 10.0)
		return binomial_inversion(r, n, p);
	/* BTRS: transformed rejection with squeeze (Hormann 1993, "The
	 * generation of binomial random variates"), exact, O(1) expected. */
	double q = 1.0 - p, spq = sqrt(nn * p * q);
	double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p;
	double c = nn * p + 0.5, v_r = 0.92 - 4.2 / b;
	double alpha = (2.83 + 5.1 / b) * spq, lpq = log(p / q);
	double m = floor((nn + 1.0) * p), h = lgamma(m + 1.0) + lgamma(nn - m + 1.0);
	for (;;) {
		double u = uniform(r) - 0.5, v = uniform(r), us = 0.5 - fabs(u);
		double k = floor((2.0 * a / us + b) * u + c);
		if (k < 0.0 || k > nn)
			continue;
		if (us >= 0.07 && v <= v_r)
			return (uint64_t)k;
		v = log(v * alpha / (a / (us * us) + b));
		if (v <= h - lgamma(k + 1.0) - lgamma(nn - k + 1.0) + (k - m) * lpq)
			return (uint64_t)k;
	}
}

/* One resample of the comparisons, tallied into cells: the multinomial
 * draw of `total` comparisons over the atoms, made as a chain of
 * binomials (each atom's share of what the ones before left), so a
 * resample costs O(atoms) and not O(comparisons). */
static void resample(const bt_work *w, audit_rng *rng, double *nij, double *wij)
{
	memset(nij, 0, w->k * sizeof *nij);
	memset(wij, 0, w->k * sizeof *wij);
	uint64_t left = w->total, before = 0;
	for (size_t a = 0; a < w->n_atoms && left > 0; a++) {
		uint64_t count = w->cum[a] - before, rest = w->total - before;
		before = w->cum[a];
		uint64_t x = a + 1 == w->n_atoms
				 ? left
				 : bt_binomial(rng, left, (double)count / (double)rest);
		left -= x;
		uint32_t c = w->atom_cell[a];
		nij[c] += (double)x;
		wij[c] += w->atom_kind[a] == BT_I_WINS ? (double)x
			  : w->atom_kind[a] == BT_TIE  ? 0.5 * (double)x
						       : 0.0;
	}
}

/* Without a prior a resample has an estimate only when each estimable
 * component is still strongly connected by wins. */
static bool resample_estimable(bt_work *w, double prior, const double *nij, const double *wij)
{
	if (prior > 0.0)
		return true;
	for (uint32_t c = 0; c < w->n_comp; c++) {
		size_t i = 0;
		while (i < w->n && w->comp[i] != c)
			i++;
		if (i < w->n && w->active[i] && !bt_strongly_connected(w, nij, wij, c))
			return false;
	}
	return true;
}

/* Each model's interval and SD from its scores over `used` resamples,
 * stored at all[i * stride ...]. */
static int summarise(const bt_work *w, const double *all, size_t stride, size_t used, audit_bt *out,
		     assay_error *err)
{
	static const double qs[2] = {0.025, 0.975};
	for (size_t i = 0; i < w->n; i++) {
		if (!w->active[i] || used < 2)
			continue;
		const double *x = all + i * stride;
		double q[2], sum = 0.0, sq = 0.0;
		int rc = audit_quantiles(x, used, qs, 2, q, err);
		if (rc < 0)
			return rc;
		for (size_t r = 0; r < used; r++)
			sum += x[r];
		double mean = sum / (double)used;
		for (size_t r = 0; r < used; r++)
			sq += (x[r] - mean) * (x[r] - mean);
		out->m[i].lo = q[0];
		out->m[i].hi = q[1];
		out->m[i].se = sqrt(sq / (double)(used - 1));
	}
	return ASSAY_OK;
}

int bt_bootstrap(bt_work *w, const audit_bt_opts *o, const double *g_hat, audit_bt *out,
		 assay_error *err)
{
	size_t n = w->n ? w->n : 1, k = w->k ? w->k : 1, reps = (size_t)o->resamples;
	double *nij = malloc(k * sizeof *nij), *wij = malloc(k * sizeof *wij);
	double *g = malloc(n * sizeof *g), *score = malloc(n * sizeof *score);
	double *all = malloc(n * reps * sizeof *all);
	int rc = ASSAY_OK;
	if (!nij || !wij || !g || !score || !all) {
		rc = assay_fail(err, ASSAY_ENOMEM, "Bradley-Terry: out of memory for %zu resamples",
				reps);
		goto done;
	}
	audit_rng rng;
	audit_rng_seed(&rng, o->seed);
	size_t used = 0;
	for (size_t r = 0; r < reps && w->total > 0; r++) {
		resample(w, &rng, nij, wij);
		if (!resample_estimable(w, o->prior, nij, wij))
			continue;
		memcpy(g, g_hat, w->n * sizeof *g);
		int iters;
		bt_mm(w, nij, wij, o->prior, o->max_iter, o->tol, g, &iters);
		bt_scores(w, g, score);
		for (size_t i = 0; i < w->n; i++)
			all[i * reps + used] = score[i];
		used++;
	}
	out->resamples_used = (int)used;
	rc = summarise(w, all, reps, used, out, err);
done:
	free(nij);
	free(wij);
	free(g);
	free(score);
	free(all);
	return rc;
}
