/* rates.c — proportions with Wilson score intervals, quantiles of a sample
 * (median time per sample and the like) and per-hour throughput. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/audit.h"

int audit_wilson(uint64_t k, uint64_t n, double z, audit_rate *out, assay_error *err)
{
	*out = (audit_rate){.k = k, .n = n, .rate = NAN, .lo = 0.0, .hi = 1.0};
	if (k > n)
		return assay_fail(err, ASSAY_EINVAL, "rate %llu/%llu: more successes than trials",
				  (unsigned long long)k, (unsigned long long)n);
	if (!(z > 0.0))
		return assay_fail(err, ASSAY_EINVAL, "rate: normal quantile must be > 0");
	if (n == 0)
		return ASSAY_OK;
	double nn = (double)n, p = (double)k / nn, z2 = z * z;
	double denom = 1.0 + z2 / nn;
	double centre = (p + z2 / (2.0 * nn)) / denom;
	double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
	out->rate = p;
	/* At the edges the formula is exact in theory but off by an ulp in
	 * floating point; pin the edges so "0 of n" really reads 0. */
	out->lo = k == 0 ? 0.0 : fmax(0.0, centre - half);
	out->hi = k == n ? 1.0 : fmin(1.0, centre + half);
	return ASSAY_OK;
}

double audit_quantile_sorted(const double *sorted, size_t n, double q)
{
	if (n == 0 || isnan(q))
		return NAN;
	if (q <= 0.0)
		return sorted[0];
	if (q >= 1.0)
		return sorted[n - 1];
	double h = q * (double)(n - 1);
	size_t lo = (size_t)h;
	if (lo + 1 >= n)
		return sorted[n - 1];
	double frac = h - (double)lo;
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

int audit_quantiles(const double *v, size_t n, const double *qs, size_t nq, double *out,
		    assay_error *err)
{
	for (size_t j = 0; j < nq; j++) {
		if (!(qs[j] >= 0.0 && qs[j] <= 1.0))
			return assay_fail(err, ASSAY_EINVAL, "quantile %g is outside [0, 1]", qs[j]);
		out[j] = NAN;
	}
	if (n == 0)
		return ASSAY_OK;
	double *copy = malloc(n * sizeof *copy);
	if (!copy)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory copying %zu values", n);
	memcpy(copy, v, n * sizeof *copy);
	int rc = audit_sort(copy, n, err);
	if (rc == ASSAY_OK)
		for (size_t j = 0; j < nq; j++)
			out[j] = audit_quantile_sorted(copy, n, qs[j]);
	free(copy);
	return rc;
}

int audit_median(const double *v, size_t n, double *out, assay_error *err)
{
	static const double half = 0.5;
	return audit_quantiles(v, n, &half, 1, out, err);
}

/* Moves the k-th smallest of v[0..n) to v[k], smaller ones before it and
 * larger ones after (Hoare partitioning around a median of three). */
static void select_u32(uint32_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t a = v[lo], b = v[mid], c = v[hi];
		uint32_t pivot =
		    a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				uint32_t t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

double audit_median_u32(uint32_t *v, size_t n)
{
	if (n == 0)
		return NAN;
	size_t k = (n - 1) / 2;
	select_u32(v, n, k);
	if (n % 2)
		return (double)v[k];
	uint32_t next = v[k + 1];
	for (size_t i = k + 2; i < n; i++)
		if (v[i] < next)
			next = v[i];
	return ((double)v[k] + (double)next) / 2.0;
}

double audit_per_hour(double count, double seconds)
{
	if (!(seconds > 0.0))
		return NAN;
	return count * 3600.0 / seconds;
}
