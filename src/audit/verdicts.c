/* verdicts.c — agreement between annotators (pairwise Cohen, Fleiss,
 * Krippendorff over the samples two or more of them decided), gathered
 * from the store and handed to the maths of agreement.c (scorer
 * calibration is gathered in calib_run.c). */
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
		if (ASSAY_GROW(g->items, g->n_items + 1, g->cap_items, 64) < 0)
			return ASSAY_ENOMEM;
		g->items[g->n_items++] = (item){sample_id, assay_strdup(ext_id ? ext_id : ""),
						g->n_ratings, 0};
	}
	if (ASSAY_GROW(g->ratings, g->n_ratings + 1, g->cap_ratings, 128) < 0)
		return ASSAY_ENOMEM;
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
		c->sample_id = it->sample_id;
		c->ext_id = assay_strdup(it->ext_id);
		c->verdicts = abuf_take(&b);
		c->keep_reject = keep && reject;
		c->annotator_ids = malloc(it->count * sizeof *c->annotator_ids);
		if (!c->ext_id || !c->verdicts || !c->annotator_ids)
			return ASSAY_ENOMEM;
		for (size_t k = 0; k < it->count; k++)
			c->annotator_ids[k] = g->ratings[it->first + k].annotator_id;
		c->n_annotators = it->count;
	}
	return ASSAY_OK;
}

int audit_agreement_compute(store *s, const store_where *where, audit_agreement_report *out,
			    assay_error *err)
{
	*out = (audit_agreement_report){0};
	gather g = {0};
	store_names names = {0};
	int64_t *raters = NULL;
	uint32_t *c3 = NULL, *c2 = NULL;
	int rc = store_multi_verdicts_each(s, where, on_verdict, &g, err);
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
		free(r->conflicts[i].annotator_ids);
	}
	free(r->conflicts);
	*r = (audit_agreement_report){0};
}
