/* bt_boot.c — percentile bootstrap intervals for the Bradley-Terry scores:
 * the comparisons are drawn again with replacement, the model refitted
 * from the point estimate, and each model's score collected; the interval
 * is the 2.5% and 97.5% quantiles. Deterministic for a seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bt_int.h"

/* The atom holding comparison u (0 <= u < total): the first whose
 * cumulative count exceeds u. */
static size_t atom_of(const bt_work *w, uint64_t u)
{
	size_t lo = 0, hi = w->n_atoms - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* One resample of the comparisons, tallied into cells. */
static void resample(const bt_work *w, audit_rng *rng, double *nij, double *wij)
{
	memset(nij, 0, w->k * sizeof *nij);
	memset(wij, 0, w->k * sizeof *wij);
	for (uint64_t d = 0; d < w->total; d++) {
		size_t a = atom_of(w, audit_rng_below(rng, w->total));
		uint32_t c = w->atom_cell[a];
		nij[c] += 1.0;
		wij[c] += w->atom_kind[a] == BT_I_WINS ? 1.0
			  : w->atom_kind[a] == BT_TIE  ? 0.5
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
