/* calibration.c — how well a scorer's score predicts the human verdict:
 * ROC AUC by midranks, its DeLong variance, precision and recall when
 * auto-rejecting below a threshold, the best such threshold, histograms.
 * Everything works on the scores split by verdict and sorted once. */
#include <math.h>
#include <stdlib.h>

#include "assay/audit.h"

static int grow(double **v, size_t *cap, size_t n)
{
	if (n <= *cap)
		return ASSAY_OK;
	double *p = assay_realloc_big(*v, n * sizeof *p);
	if (!p)
		return ASSAY_ENOMEM;
	*v = p;
	*cap = n;
	return ASSAY_OK;
}

static int push(double **v, size_t *n, size_t *cap, double x)
{
	if (*n == *cap && grow(v, cap, *cap ? *cap * 2 : 256) < 0)
		return ASSAY_ENOMEM;
	(*v)[(*n)++] = x;
	return ASSAY_OK;
}

int audit_calib_reserve(audit_calib *c, size_t n)
{
	int rc = grow(&c->bad, &c->cap_bad, n);
	return rc == ASSAY_OK ? grow(&c->good, &c->cap_good, n) : rc;
}

int audit_calib_add(audit_calib *c, double score, bool bad)
{
	if (isnan(score))
		return ASSAY_EINVAL;
	return bad ? push(&c->bad, &c->n_bad, &c->cap_bad, score)
		   : push(&c->good, &c->n_good, &c->cap_good, score);
}

int audit_calib_finish(audit_calib *c, assay_error *err)
{
	int rc = audit_sort(c->bad, c->n_bad, err);
	return rc == ASSAY_OK ? audit_sort(c->good, c->n_good, err) : rc;
}

int audit_calib_init(audit_calib *c, const audit_scored *v, size_t n, assay_error *err)
{
	*c = (audit_calib){0};
	size_t nb = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i].score))
			return assay_fail(err, ASSAY_EINVAL, "score %zu is NaN", i);
		nb += v[i].bad;
	}
	c->cap_bad = nb ? nb : 1;
	c->cap_good = n - nb ? n - nb : 1;
	c->bad = malloc(c->cap_bad * sizeof *c->bad);
	c->good = malloc(c->cap_good * sizeof *c->good);
	if (!c->bad || !c->good)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for %zu scores", n);
	for (size_t i = 0; i < n; i++)
		audit_calib_add(c, v[i].score, v[i].bad); /* fits: sized above */
	return audit_calib_finish(c, err);
}

void audit_calib_free(audit_calib *c)
{
	free(c->bad);
	free(c->good);
	*c = (audit_calib){0};
}

/* How many samples entry i of a list stands for. */
static uint64_t weight(const uint64_t *w, size_t i)
{
	return w ? w[i] : 1;
}

static uint64_t total(const uint64_t *w, size_t n)
{
	uint64_t t = w ? 0 : n;
	for (size_t i = 0; w && i < n; i++)
		t += w[i];
	return t;
}

uint64_t audit_calib_bad_total(const audit_calib *c)
{
	return total(c->bad_w, c->n_bad);
}

uint64_t audit_calib_good_total(const audit_calib *c)
{
	return total(c->good_w, c->n_good);
}

static double *expand(const double *v, const uint64_t *w, size_t n, size_t *out_n)
{
	size_t t = (size_t)total(w, n), o = 0;
	double *e = malloc((t ? t : 1) * sizeof *e);
	for (size_t i = 0; e && i < n; i++)
		for (uint64_t k = 0; k < weight(w, i); k++)
			e[o++] = v[i];
	*out_n = t;
	return e;
}

int audit_calib_expand(const audit_calib *c, audit_calib *out)
{
	*out = (audit_calib){0};
	out->bad = expand(c->bad, c->bad_w, c->n_bad, &out->n_bad);
	out->good = expand(c->good, c->good_w, c->n_good, &out->n_good);
	out->cap_bad = out->n_bad;
	out->cap_good = out->n_good;
	return out->bad && out->good ? ASSAY_OK : ASSAY_ENOMEM;
}

/* Walks the groups of equal values of sorted a[] and, for each, where the
 * value falls in sorted b[]: lt samples of b below it, eq equal to it
 * (each entry counting its weight). */
typedef struct group_walk {
	const double *a, *b;
	const uint64_t *wa, *wb;
	size_t na, nb, i, lo, hi;
	uint64_t below, upto; /* the weight of b[0..lo), of b[0..hi) */
} group_walk;

static bool walk_next(group_walk *w, uint64_t *count, uint64_t *lt, uint64_t *eq)
{
	if (w->i >= w->na)
		return false;
	double x = w->a[w->i];
	uint64_t g = 0;
	while (w->i < w->na && w->a[w->i] == x)
		g += weight(w->wa, w->i++);
	while (w->lo < w->nb && w->b[w->lo] < x)
		w->below += weight(w->wb, w->lo++);
	if (w->hi < w->lo) {
		w->hi = w->lo;
		w->upto = w->below;
	}
	while (w->hi < w->nb && w->b[w->hi] == x)
		w->upto += weight(w->wb, w->hi++);
	*count = g;
	*lt = w->below;
	*eq = w->upto - w->below;
	return true;
}

double audit_auc(const audit_calib *c)
{
	uint64_t m = audit_calib_bad_total(c), n = audit_calib_good_total(c);
	if (!m || !n)
		return NAN;
	/* Twice the Mann-Whitney count, kept in integers so it is exact. */
	uint64_t twice = 0, g, lt, eq;
	group_walk w = {.a = c->bad, .na = c->n_bad, .wa = c->bad_w,
			.b = c->good, .nb = c->n_good, .wb = c->good_w};
	while (walk_next(&w, &g, &lt, &eq))
		twice += g * (2 * (n - lt - eq) + eq);
	return (double)twice / (2.0 * (double)m * (double)n);
}

void audit_auc_delong(const audit_calib *c, double z, audit_auc_ci *out)
{
	double auc = audit_auc(c);
	*out = (audit_auc_ci){.auc = auc, .se = NAN, .lo = 0.0, .hi = 1.0};
	uint64_t m = audit_calib_bad_total(c), n = audit_calib_good_total(c);
	if (m < 2 || n < 2)
		return;
	double s10 = 0.0, s01 = 0.0;
	uint64_t g, lt, eq;
	/* Placement of each rejected score among the kept ones: the share
	 * of kept samples scoring higher, ties one half. */
	group_walk w = {.a = c->bad, .na = c->n_bad, .wa = c->bad_w,
			.b = c->good, .nb = c->n_good, .wb = c->good_w};
	while (walk_next(&w, &g, &lt, &eq)) {
		double v = ((double)(n - lt - eq) + 0.5 * (double)eq) / (double)n;
		s10 += (double)g * (v - auc) * (v - auc);
	}
	/* And of each kept score among the rejected: the share scoring lower. */
	w = (group_walk){.a = c->good, .na = c->n_good, .wa = c->good_w,
			 .b = c->bad, .nb = c->n_bad, .wb = c->bad_w};
	while (walk_next(&w, &g, &lt, &eq)) {
		double v = ((double)lt + 0.5 * (double)eq) / (double)m;
		s01 += (double)g * (v - auc) * (v - auc);
	}
	s10 /= (double)(m - 1);
	s01 /= (double)(n - 1);
	out->se = sqrt(s10 / (double)m + s01 / (double)n);
	out->lo = fmax(0.0, auc - z * out->se);
	out->hi = fmin(1.0, auc + z * out->se);
	out->method = AUDIT_CI_DELONG;
}

/* Index of the first element of sorted v[0..n) that is not below t. */
static size_t lower_bound(const double *v, size_t n, double t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void threshold_fill(const audit_calib *c, double t, uint64_t tp, uint64_t fp,
			   audit_threshold *out)
{
	uint64_t nb = audit_calib_bad_total(c), ng = audit_calib_good_total(c), n = nb + ng;
	*out = (audit_threshold){.t = t, .tp = tp, .fp = fp, .fn = nb - tp, .tn = ng - fp};
	out->precision = tp + fp ? (double)tp / (double)(tp + fp) : NAN;
	out->recall = nb ? (double)tp / (double)nb : NAN;
	double p = out->precision, r = out->recall;
	if (isnan(p) || isnan(r))
		out->f1 = NAN;
	else
		out->f1 = p + r > 0.0 ? 2.0 * p * r / (p + r) : 0.0;
	out->flagged_share = n ? (double)(tp + fp) / (double)n : NAN;
}

void audit_at_threshold(const audit_calib *c, double t, audit_threshold *out)
{
	size_t b = lower_bound(c->bad, c->n_bad, t), g = lower_bound(c->good, c->n_good, t);
	threshold_fill(c, t, total(c->bad_w, b), total(c->good_w, g), out);
	out->found = true;
}

void audit_best_threshold(const audit_calib *c, double min_precision, audit_threshold *out)
{
	size_t i = 0, j = 0, m = c->n_bad, n = c->n_good;
	uint64_t best_tp = 0, best_fp = 0, tp = 0, fp = 0; /* the weight of bad[0..i), good[0..j) */
	double best_t = NAN;
	bool found = false, pending = false;
	/* Merge the two sorted lists one distinct value at a time; after each
	 * value, "flag everything up to here" is one candidate. */
	while (i < m || j < n) {
		double v = j >= n || (i < m && c->bad[i] < c->good[j]) ? c->bad[i] : c->good[j];
		if (pending) {
			/* the previous best becomes "flag score < this value" */
			best_t = v;
			pending = false;
		}
		while (i < m && c->bad[i] == v)
			tp += weight(c->bad_w, i++);
		while (j < n && c->good[j] == v)
			fp += weight(c->good_w, j++);
		if (tp > 0 && (double)tp / (double)(tp + fp) >= min_precision && tp > best_tp) {
			best_tp = tp;
			best_fp = fp;
			found = pending = true;
			best_t = nextafter(v, INFINITY);
		}
	}
	threshold_fill(c, found ? best_t : NAN, found ? best_tp : 0, found ? best_fp : 0, out);
	out->found = found;
}

static int bin_of(double s, int nbins)
{
	if (!(s > 0.0))
		return 0;
	if (s >= 1.0)
		return nbins - 1;
	int b = (int)(s * nbins);
	return b < nbins ? b : nbins - 1;
}

int audit_histogram(const audit_calib *c, int nbins, uint64_t *bad, uint64_t *good,
		    assay_error *err)
{
	if (nbins < 1)
		return assay_fail(err, ASSAY_EINVAL, "histogram: need at least one bin");
	for (int b = 0; b < nbins; b++)
		bad[b] = good[b] = 0;
	for (size_t i = 0; i < c->n_bad; i++)
		bad[bin_of(c->bad[i], nbins)] += weight(c->bad_w, i);
	for (size_t i = 0; i < c->n_good; i++)
		good[bin_of(c->good[i], nbins)] += weight(c->good_w, i);
	return ASSAY_OK;
}
