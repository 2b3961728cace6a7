/* agreement.c — inter-rater agreement on nominal labels: Cohen's kappa for
 * a pair of raters, Fleiss' kappa and Krippendorff's alpha for any number
 * of raters with missing ratings. Inputs are confusion tables or per-item
 * category counts, which the store can produce with one GROUP BY. */
#include <math.h>
#include <stdlib.h>

#include "assay/audit.h"

static void agreement_undefined(audit_agreement *out)
{
	*out = (audit_agreement){.value = NAN, .observed = NAN, .expected = NAN};
}

/* The label of one rating: 0 when it is a category, 1 when missing, -1 when
 * out of range. */
static int label_kind(int label, int n_cats)
{
	if (label == AUDIT_MISSING)
		return 1;
	return label >= 0 && label < n_cats ? 0 : -1;
}

int audit_cohen_table(const uint64_t *table, int n_cats, audit_agreement *out, assay_error *err)
{
	agreement_undefined(out);
	if (n_cats < 1)
		return assay_fail(err, ASSAY_EINVAL, "kappa: need at least one category");
	uint64_t n = 0, diag = 0;
	for (int a = 0; a < n_cats; a++)
		for (int b = 0; b < n_cats; b++) {
			n += table[a * n_cats + b];
			if (a == b)
				diag += table[a * n_cats + b];
		}
	out->n_items = (size_t)n;
	out->n_values = 2 * n;
	if (n == 0)
		return ASSAY_OK;
	double nn = (double)n, pe = 0.0;
	bool one_category = false;
	for (int c = 0; c < n_cats; c++) {
		uint64_t row = 0, col = 0;
		for (int k = 0; k < n_cats; k++) {
			row += table[c * n_cats + k];
			col += table[k * n_cats + c];
		}
		pe += ((double)row / nn) * ((double)col / nn);
		/* Chance agreement is exactly 1 only when both raters used this
		 * one category for everything: test it in integers. */
		if (row == n && col == n)
			one_category = true;
	}
	out->observed = (double)diag / nn;
	out->expected = pe;
	if (!one_category)
		out->value = (out->observed - pe) / (1.0 - pe);
	return ASSAY_OK;
}

int audit_cohen(const int *a, const int *b, size_t n, int n_cats, audit_agreement *out,
		assay_error *err)
{
	agreement_undefined(out);
	if (n_cats < 1)
		return assay_fail(err, ASSAY_EINVAL, "kappa: need at least one category");
	uint64_t *table = calloc((size_t)n_cats * (size_t)n_cats, sizeof *table);
	if (!table)
		return assay_fail(err, ASSAY_ENOMEM, "kappa: out of memory for %d categories",
				  n_cats);
	for (size_t i = 0; i < n; i++) {
		int ka = label_kind(a[i], n_cats), kb = label_kind(b[i], n_cats);
		if (ka < 0 || kb < 0) {
			free(table);
			return assay_fail(err, ASSAY_EINVAL,
					  "kappa: item %zu has label %d, expected 0..%d or missing",
					  i, ka < 0 ? a[i] : b[i], n_cats - 1);
		}
		if (ka == 0 && kb == 0)
			table[a[i] * n_cats + b[i]]++;
	}
	int rc = audit_cohen_table(table, n_cats, out, err);
	free(table);
	return rc;
}

int audit_count_matrix(const int *ratings, size_t n_items, int n_raters, int n_cats,
		       uint32_t *counts, assay_error *err)
{
	if (n_cats < 1 || n_raters < 0)
		return assay_fail(err, ASSAY_EINVAL, "counts: need categories and raters");
	for (size_t i = 0; i < n_items; i++) {
		uint32_t *row = counts + i * (size_t)n_cats;
		for (int c = 0; c < n_cats; c++)
			row[c] = 0;
		for (int r = 0; r < n_raters; r++) {
			int label = ratings[i * (size_t)n_raters + (size_t)r];
			int kind = label_kind(label, n_cats);
			if (kind < 0)
				return assay_fail(err, ASSAY_EINVAL,
						  "counts: item %zu rater %d has label %d, "
						  "expected 0..%d or missing",
						  i, r, label, n_cats - 1);
			if (kind == 0)
				row[label]++;
		}
	}
	return ASSAY_OK;
}

/* Ratings of item i and, in *same, the ordered pairs of raters who agree:
 * sum_c n_ic (n_ic - 1). */
static uint64_t item_ratings(const uint32_t *row, int n_cats, uint64_t *same)
{
	uint64_t m = 0;
	*same = 0;
	for (int c = 0; c < n_cats; c++) {
		m += row[c];
		*same += (uint64_t)row[c] * (row[c] ? row[c] - 1 : 0);
	}
	return m;
}

int audit_fleiss(const uint32_t *counts, size_t n_items, int n_cats, audit_agreement *out,
		 assay_error *err)
{
	agreement_undefined(out);
	if (n_cats < 1)
		return assay_fail(err, ASSAY_EINVAL, "kappa: need at least one category");
	uint64_t *total = calloc((size_t)n_cats, sizeof *total);
	if (!total)
		return assay_fail(err, ASSAY_ENOMEM, "kappa: out of memory for %d categories",
				  n_cats);
	uint64_t all = 0, first_m = 0;
	double sum_p = 0.0;
	for (size_t i = 0; i < n_items; i++) {
		const uint32_t *row = counts + i * (size_t)n_cats;
		uint64_t same, m = item_ratings(row, n_cats, &same);
		if (m < 2)
			continue;
		if (out->n_items == 0)
			first_m = m;
		else if (m != first_m)
			out->unequal = true;
		out->n_items++;
		sum_p += (double)same / ((double)m * (double)(m - 1));
		for (int c = 0; c < n_cats; c++)
			total[c] += row[c];
		all += m;
	}
	out->n_values = all;
	if (out->n_items > 0) {
		double pe = 0.0;
		bool one_category = false;
		for (int c = 0; c < n_cats; c++) {
			double p = (double)total[c] / (double)all;
			pe += p * p;
			one_category |= total[c] == all;
		}
		out->observed = sum_p / (double)out->n_items;
		out->expected = pe;
		if (!one_category)
			out->value = (out->observed - pe) / (1.0 - pe);
	}
	free(total);
	return ASSAY_OK;
}

int audit_coincidence(const uint32_t *counts, size_t n_items, int n_cats, double *coinc,
		      assay_error *err)
{
	if (n_cats < 1)
		return assay_fail(err, ASSAY_EINVAL, "alpha: need at least one category");
	size_t nc = (size_t)n_cats;
	for (size_t j = 0; j < nc * nc; j++)
		coinc[j] = 0.0;
	for (size_t i = 0; i < n_items; i++) {
		const uint32_t *row = counts + i * nc;
		uint64_t same, m = item_ratings(row, n_cats, &same);
		if (m < 2)
			continue;
		double w = 1.0 / (double)(m - 1);
		for (size_t c = 0; c < nc; c++) {
			if (!row[c])
				continue;
			for (size_t k = 0; k < nc; k++) {
				if (!row[k])
					continue;
				/* ordered pairs of values (c, k) within the unit */
				double pairs = (double)row[c] * (double)(row[k] - (c == k));
				coinc[c * nc + k] += pairs * w;
			}
		}
	}
	return ASSAY_OK;
}

/* Pairable units and values (units with >= 2 ratings), and the pairable
 * values per category n_c, which are the coincidence matrix's margins. */
static void pairable(const uint32_t *counts, size_t n_items, int n_cats, uint64_t *per_cat,
		     audit_agreement *out)
{
	for (int c = 0; c < n_cats; c++)
		per_cat[c] = 0;
	for (size_t i = 0; i < n_items; i++) {
		const uint32_t *row = counts + i * (size_t)n_cats;
		uint64_t same, m = item_ratings(row, n_cats, &same);
		if (m < 2)
			continue;
		out->n_items++;
		out->n_values += m;
		for (int c = 0; c < n_cats; c++)
			per_cat[c] += row[c];
	}
}

int audit_kripp_alpha(const uint32_t *counts, size_t n_items, int n_cats, audit_agreement *out,
		      assay_error *err)
{
	agreement_undefined(out);
	if (n_cats < 1)
		return assay_fail(err, ASSAY_EINVAL, "alpha: need at least one category");
	size_t nc = (size_t)n_cats;
	double *o = malloc(nc * nc * sizeof *o);
	uint64_t *per_cat = malloc(nc * sizeof *per_cat);
	if (!o || !per_cat) {
		free(o);
		free(per_cat);
		return assay_fail(err, ASSAY_ENOMEM, "alpha: out of memory for %d categories",
				  n_cats);
	}
	audit_coincidence(counts, n_items, n_cats, o, err);
	pairable(counts, n_items, n_cats, per_cat, out);
	double n = (double)out->n_values, diag = 0.0, sq = 0.0;
	int used = 0;
	for (size_t c = 0; c < nc; c++) {
		diag += o[c * nc + c];
		sq += (double)per_cat[c] * (double)per_cat[c];
		used += per_cat[c] > 0;
	}
	if (out->n_values >= 2) {
		/* Nominal metric: disagreement is any off-diagonal coincidence. */
		double d_o = (n - diag) / n;
		double d_e = (n * n - sq) / (n * (n - 1.0));
		out->observed = 1.0 - d_o;
		out->expected = 1.0 - d_e;
		if (used > 1)
			out->value = 1.0 - d_o / d_e;
	}
	free(o);
	free(per_cat);
	return ASSAY_OK;
}
