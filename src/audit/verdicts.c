/* verdicts.c — agreement between annotators (pairwise Cohen, Fleiss,
 * Krippendorff over the samples two or more of them decided) and scorer
 * calibration against the human verdicts, gathered from the store and
 * handed to the maths of agreement.c and calibration.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/audit_stats.h"

static const char *const verdict_names[] = {"accepted", "edited", "rejected"};

/* ---- Agreement ---------------------------------------------------------- */

typedef struct item {
	int64_t sample_id;
	char *ext_id;
	size_t first, count; /* into the flat rating list */
} item;

typedef struct rating {
	int64_t annotator_id;
	int verdict;
} rating;

typedef struct gather {
	item *items;
	size_t n_items, cap_items;
	rating *ratings;
	size_t n_ratings, cap_ratings;
} gather;

static int on_verdict(void *ud, int64_t sample_id, const char *ext_id, int64_t annotator_id,
		      int verdict)
{
	gather *g = ud;
	if (!g->n_items || g->items[g->n_items - 1].sample_id != sample_id) {
		if (g->n_items == g->cap_items) {
			size_t cap = g->cap_items ? g->cap_items * 2 : 64;
			item *v = realloc(g->items, cap * sizeof *v);
			if (!v)
				return ASSAY_ENOMEM;
			g->items = v;
			g->cap_items = cap;
		}
		g->items[g->n_items++] = (item){sample_id, assay_strdup(ext_id ? ext_id : ""),
						g->n_ratings, 0};
	}
	if (g->n_ratings == g->cap_ratings) {
		size_t cap = g->cap_ratings ? g->cap_ratings * 2 : 128;
		rating *v = realloc(g->ratings, cap * sizeof *v);
		if (!v)
			return ASSAY_ENOMEM;
		g->ratings = v;
		g->cap_ratings = cap;
	}
	g->ratings[g->n_ratings++] = (rating){annotator_id, verdict};
	g->items[g->n_items - 1].count++;
	return 0;
}

static int rater_index(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return (int)i;
	return -1;
}

/* Per-item counts over 3 categories, or 2 (keep = accepted or edited). */
static uint32_t *counts_for(const gather *g, int n_cats)
{
	uint32_t *c = calloc(g->n_items * (size_t)n_cats + 1, sizeof *c);
	if (!c)
		return NULL;
	for (size_t i = 0; i < g->n_items; i++)
		for (size_t k = 0; k < g->items[i].count; k++) {
			int v = g->ratings[g->items[i].first + k].verdict;
			c[i * (size_t)n_cats + (size_t)(n_cats == 2 ? v == STORE_REJECTED : v)]++;
		}
	return c;
}

static int pairwise(const gather *g, const int64_t *raters, size_t n_raters,
		    const store_names *names, audit_agreement_report *out, assay_error *err)
{
	int *a = malloc((g->n_items + 1) * sizeof *a), *b = malloc((g->n_items + 1) * sizeof *b);
	int *a2 = malloc((g->n_items + 1) * sizeof *a2), *b2 = malloc((g->n_items + 1) * sizeof *b2);
	size_t np = n_raters * (n_raters - 1) / 2;
	out->pairs = calloc(np ? np : 1, sizeof *out->pairs);
	int rc = a && b && a2 && b2 && out->pairs ? ASSAY_OK
						   : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	for (size_t x = 0; rc == ASSAY_OK && x < n_raters; x++)
		for (size_t y = x + 1; rc == ASSAY_OK && y < n_raters; y++) {
			size_t shared = 0;
			for (size_t i = 0; i < g->n_items; i++) {
				a[i] = b[i] = a2[i] = b2[i] = AUDIT_MISSING;
				for (size_t k = 0; k < g->items[i].count; k++) {
					const rating *r = &g->ratings[g->items[i].first + k];
					if (r->annotator_id == raters[x])
						a[i] = r->verdict;
					if (r->annotator_id == raters[y])
						b[i] = r->verdict;
				}
				if (a[i] != AUDIT_MISSING)
					a2[i] = a[i] == STORE_REJECTED;
				if (b[i] != AUDIT_MISSING)
					b2[i] = b[i] == STORE_REJECTED;
				shared += a[i] != AUDIT_MISSING && b[i] != AUDIT_MISSING;
			}
			if (!shared)
				continue;
			audit_pair *p = &out->pairs[out->n_pairs++];
			p->a = assay_strdup(store_names_get(names, raters[x]));
			p->b = assay_strdup(store_names_get(names, raters[y]));
			rc = audit_cohen(a, b, g->n_items, 3, &p->kappa3, err);
			if (rc == ASSAY_OK)
				rc = audit_cohen(a2, b2, g->n_items, 2, &p->kappa2, err);
		}
	free(a);
	free(b);
	free(a2);
	free(b2);
	return rc;
}

static int conflicts(const gather *g, const store_names *names, audit_agreement_report *out)
{
	out->conflicts = calloc(g->n_items ? g->n_items : 1, sizeof *out->conflicts);
	if (!out->conflicts)
		return ASSAY_ENOMEM;
	for (size_t i = 0; i < g->n_items; i++) {
		const item *it = &g->items[i];
		bool differ = false, keep = false, reject = false;
		for (size_t k = 0; k < it->count; k++) {
			int v = g->ratings[it->first + k].verdict;
			differ |= v != g->ratings[it->first].verdict;
			keep |= v != STORE_REJECTED;
			reject |= v == STORE_REJECTED;
		}
		if (!differ)
			continue;
		abuf b = {0};
		for (size_t k = 0; k < it->count; k++) {
			const rating *r = &g->ratings[it->first + k];
			abuf_printf(&b, "%s%s=%s", k ? ", " : "", store_names_get(names, r->annotator_id),
				    verdict_names[r->verdict]);
		}
		audit_conflict *c = &out->conflicts[out->n_conflicts++];
		c->ext_id = assay_strdup(it->ext_id);
		c->verdicts = abuf_take(&b);
		c->keep_reject = keep && reject;
	}
	return ASSAY_OK;
}

int audit_agreement_compute(store *s, audit_agreement_report *out, assay_error *err)
{
	*out = (audit_agreement_report){0};
	gather g = {0};
	store_names names = {0};
	int64_t *raters = NULL;
	uint32_t *c3 = NULL, *c2 = NULL;
	int rc = store_multi_verdicts_each(s, on_verdict, &g, err);
	if (rc == ASSAY_ENOMEM)
		assay_fail(err, rc, "out of memory");
	if (rc == ASSAY_OK)
		rc = store_annotator_names(s, &names, err);
	if (rc < 0)
		goto done;
	raters = malloc((names.n + 1) * sizeof *raters);
	c3 = counts_for(&g, 3);
	c2 = counts_for(&g, 2);
	if (!raters || !c3 || !c2) {
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
		goto done;
	}
	size_t n_raters = 0;
	for (size_t i = 0; i < g.n_ratings; i++)
		if (rater_index(raters, n_raters, g.ratings[i].annotator_id) < 0)
			raters[n_raters++] = g.ratings[i].annotator_id;
	out->n_items = g.n_items;
	out->n_raters = n_raters;
	if ((rc = audit_fleiss(c3, g.n_items, 3, &out->fleiss3, err)) < 0 ||
	    (rc = audit_fleiss(c2, g.n_items, 2, &out->fleiss2, err)) < 0 ||
	    (rc = audit_kripp_alpha(c3, g.n_items, 3, &out->alpha3, err)) < 0 ||
	    (rc = audit_kripp_alpha(c2, g.n_items, 2, &out->alpha2, err)) < 0 ||
	    (rc = pairwise(&g, raters, n_raters, &names, out, err)) < 0)
		goto done;
	if (conflicts(&g, &names, out) < 0)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
done:
	for (size_t i = 0; i < g.n_items; i++)
		free(g.items[i].ext_id);
	free(g.items);
	free(g.ratings);
	free(raters);
	free(c3);
	free(c2);
	store_names_free(&names);
	if (rc < 0)
		audit_agreement_free(out);
	return rc;
}

void audit_agreement_free(audit_agreement_report *r)
{
	for (size_t i = 0; i < r->n_pairs; i++) {
		free(r->pairs[i].a);
		free(r->pairs[i].b);
	}
	free(r->pairs);
	for (size_t i = 0; i < r->n_conflicts; i++) {
		free(r->conflicts[i].ext_id);
		free(r->conflicts[i].verdicts);
	}
	free(r->conflicts);
	*r = (audit_agreement_report){0};
}

/* ---- Calibration ---------------------------------------------------------- */

#define MAX_SCORERS 64

/* Per scorer: its (score, verdict) pairs, both ways of counting "bad". */
typedef struct pairs {
	char *name;
	audit_scored *v1, *v2;
	size_t n, cap;
	uint64_t flag_tp, flag_fp, flag_fn, flag_tn;
} pairs;

/* Everything one pass over the store collects. cls[sample_id] is 0 for an
 * undecided sample, else 1 | bad << 1 | bad-or-edited << 2. */
typedef struct calib_pass {
	uint8_t *cls;
	int64_t max_id;
	pairs sc[MAX_SCORERS];
	size_t n_sc, last;
	bool full;
} calib_pass;

static int on_counts(void *ud, int64_t id, int rejected, int edited, int total)
{
	calib_pass *c = ud;
	if (id < 0 || id > c->max_id)
		return 0;
	c->cls[id] = (uint8_t)(1 | (2 * rejected >= total) << 1 |
			       (2 * (rejected + edited) >= total) << 2);
	return 0;
}

static pairs *scorer_slot(calib_pass *c, const char *name)
{
	if (c->n_sc && strcmp(c->sc[c->last].name, name) == 0)
		return &c->sc[c->last];
	for (size_t i = 0; i < c->n_sc; i++)
		if (strcmp(c->sc[i].name, name) == 0) {
			c->last = i;
			return &c->sc[i];
		}
	if (c->n_sc == MAX_SCORERS) {
		c->full = true;
		return NULL;
	}
	pairs *p = &c->sc[c->n_sc];
	memset(p, 0, sizeof *p);
	if (!(p->name = assay_strdup(name)))
		return NULL;
	c->last = c->n_sc++;
	return p;
}

static int add_pair(calib_pass *c, int64_t id, const char *scorer, double value, bool flagged)
{
	if (id < 0 || id > c->max_id || !c->cls[id] || isnan(value))
		return 0;
	pairs *p = scorer_slot(c, scorer);
	if (!p)
		return c->full ? 0 : ASSAY_ENOMEM;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		audit_scored *a = realloc(p->v1, cap * sizeof *a);
		if (!a)
			return ASSAY_ENOMEM;
		p->v1 = a;
		audit_scored *b = realloc(p->v2, cap * sizeof *b);
		if (!b)
			return ASSAY_ENOMEM;
		p->v2 = b;
		p->cap = cap;
	}
	bool bad = c->cls[id] & 2, bad2 = c->cls[id] & 4;
	p->v1[p->n] = (audit_scored){value, bad};
	p->v2[p->n++] = (audit_scored){value, bad2};
	p->flag_tp += flagged && bad;
	p->flag_fp += flagged && !bad;
	p->flag_fn += !flagged && bad;
	p->flag_tn += !flagged && !bad;
	return 0;
}

static int on_score(void *ud, int64_t id, const char *scorer, double value, bool flagged)
{
	return add_pair(ud, id, scorer ? scorer : "?", value, flagged);
}

static int on_quality(void *ud, int64_t id, double value)
{
	return add_pair(ud, id, "quality", value, false);
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : NAN;
}

static int report_one(pairs *p, audit_scorer_report *out, assay_error *err)
{
	memset(out, 0, sizeof *out);
	out->scorer = p->name;
	p->name = NULL;
	audit_calib c1 = {0}, c2 = {0};
	int rc = audit_calib_init(&c1, p->v1, p->n, err);
	if (rc == ASSAY_OK)
		rc = audit_calib_init(&c2, p->v2, p->n, err);
	if (rc == ASSAY_OK)
		rc = audit_auc_ci_auto(&c1, &out->auc, err);
	if (rc == ASSAY_OK)
		rc = audit_auc_ci_auto(&c2, &out->auc2, err);
	if (rc == ASSAY_OK)
		rc = audit_histogram(&c1, 10, out->hist_bad, out->hist_good, err);
	if (rc == ASSAY_OK) {
		out->n = p->n;
		out->n_rejected = c1.n_bad;
		out->n_bad2 = c2.n_bad;
		audit_best_threshold(&c1, 0.95, &out->best95);
		audit_threshold *t = &out->at_flag;
		t->t = NAN;
		t->tp = p->flag_tp;
		t->fp = p->flag_fp;
		t->fn = p->flag_fn;
		t->tn = p->flag_tn;
		t->precision = ratio(t->tp, t->tp + t->fp);
		t->recall = ratio(t->tp, t->tp + t->fn);
		t->f1 = isnan(t->precision) || isnan(t->recall) ? NAN
			: t->precision + t->recall == 0 ? 0
			: 2 * t->precision * t->recall / (t->precision + t->recall);
		t->flagged_share = ratio(t->tp + t->fp, p->n);
		t->found = t->tp + t->fp > 0;
	}
	audit_calib_free(&c1);
	audit_calib_free(&c2);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	const audit_scorer_report *x = a, *y = b;
	/* the combined score last */
	bool qx = strcmp(x->scorer, "quality") == 0, qy = strcmp(y->scorer, "quality") == 0;
	if (qx != qy)
		return qx - qy;
	return strcmp(x->scorer, y->scorer);
}

int audit_calibration_compute(store *s, audit_calibration *out, assay_error *err)
{
	*out = (audit_calibration){0};
	calib_pass c = {0};
	int rc = store_max_sample_id(s, &c.max_id, err);
	if (rc == ASSAY_OK) {
		c.cls = calloc((size_t)c.max_id + 1, 1);
		if (!c.cls)
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	if (rc == ASSAY_OK)
		rc = store_verdict_counts_each(s, on_counts, &c, err);
	if (rc == ASSAY_OK)
		rc = store_scores_each(s, on_score, &c, err);
	if (rc == ASSAY_OK)
		rc = store_quality_each(s, on_quality, &c, err);
	if (rc == ASSAY_ENOMEM)
		assay_fail(err, rc, "out of memory");
	if (rc == ASSAY_OK && c.n_sc) {
		out->v = calloc(c.n_sc, sizeof *out->v);
		if (!out->v)
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	for (size_t i = 0; rc == ASSAY_OK && i < c.n_sc; i++, out->n++)
		rc = report_one(&c.sc[i], &out->v[i], err);
	if (rc == ASSAY_OK && out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, by_name);
	for (size_t i = 0; i < c.n_sc; i++) {
		free(c.sc[i].name);
		free(c.sc[i].v1);
		free(c.sc[i].v2);
	}
	free(c.cls);
	if (rc < 0)
		audit_calibration_free(out);
	return rc;
}

void audit_calibration_free(audit_calibration *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].scorer);
	free(c->v);
	*c = (audit_calibration){0};
}
