/* verdicts.c — agreement between annotators (pairwise Cohen, Fleiss,
 * Krippendorff over the samples two or more of them decided) and scorer
 * calibration against the human verdicts, gathered from the store and
 * handed to the maths of agreement.c and calibration.c. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assay/audit_stats.h"
#include "readers.h"

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

/* ---- Calibration ---------------------------------------------------------- */

/* One score's values split by verdict (each list ascending, as the scores
 * arrive from the store) and its confusion counts at the configured flag. */
typedef struct split {
	audit_calib c1; /* bad = rejected by most */
	audit_calib c2; /* bad = rejected or edited by most */
	uint64_t tp, fp, fn, tn;
	size_t n;
} split;

struct calib_run;

/* One score: a scorer's, or the combined score ("quality"). */
typedef struct stream {
	const char *name;
	bool quality;
	const struct calib_run *run;
	split sp;
} stream;

/* The whole computation, as tasks for parallel workers, each with its own
 * reader connection (all in read transactions begun together). The first
 * n_vt tasks read the verdicts of one range of sample ids each into cls;
 * task n_vt + i waits for them (they are all handed out before it, so they
 * are running or done), then reads score i, filing each value under its
 * sample's verdict as it arrives, and computes its row. cls holds 2 bits
 * per sample (a million samples in 250 KB, which stays in cache for the
 * random lookups): 0 undecided, 1 kept, 2 edited by most (rejected-or-
 * edited, but not rejected), 3 rejected by most. Ranges start at multiples
 * of 4, so no byte of cls is written by two tasks. */
typedef struct calib_run {
	audit_readers readers;
	uint8_t *cls;
	int64_t max_id;
	const store_where *where; /* the verdicts of this slice only, or NULL */
	size_t n_vt;
	atomic_int verdicts_done;
	atomic_int verdicts_failed;
	stream *st;
	size_t n_st;
	audit_scorer_report *out;
} calib_run;

static int on_counts(void *ud, int64_t id, int rejected, int edited, int total)
{
	calib_run *c = ud;
	if (id < 0 || id > c->max_id)
		return 0;
	unsigned k = 2 * rejected >= total ? 3 : 2 * (rejected + edited) >= total ? 2 : 1;
	c->cls[id >> 2] |= (uint8_t)(k << (2 * (id & 3)));
	return 0;
}

/* Files one value under its sample's verdict (undecided samples and
 * failed scores are left out). ASSAY_ENOMEM. */
static int classify(stream *t, int64_t id, double value, bool flagged)
{
	const calib_run *c = t->run;
	split *sp = &t->sp;
	if (isnan(value) || id < 0 || id > c->max_id)
		return 0;
	unsigned k = c->cls[id >> 2] >> (2 * (id & 3)) & 3;
	if (!k)
		return 0;
	bool bad = k == 3, bad2 = k >= 2;
	if (audit_calib_add(&sp->c1, value, bad) < 0 || audit_calib_add(&sp->c2, value, bad2) < 0)
		return ASSAY_ENOMEM;
	sp->n++;
	sp->tp += flagged && bad;
	sp->fp += flagged && !bad;
	sp->fn += !flagged && bad;
	sp->tn += !flagged && !bad;
	return 0;
}

static int on_score(void *ud, int64_t id, double value, bool flagged)
{
	return classify(ud, id, value, flagged);
}

static int on_quality(void *ud, int64_t id, double value)
{
	return classify(ud, id, value, false);
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : NAN;
}

/* One score's row of the report, from its split values. */
static int report(stream *t, audit_scorer_report *out, assay_error *err)
{
	split *sp = &t->sp;
	audit_calib *c1 = &sp->c1, *c2 = &sp->c2;
	int rc = ASSAY_OK;
	memset(out, 0, sizeof *out);
	if (!(out->scorer = assay_strdup(t->name)))
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	uint64_t tp = sp->tp, fp = sp->fp, fn = sp->fn, tn = sp->tn;
	size_t n = sp->n;
	if (rc == ASSAY_OK)
		rc = audit_calib_finish(c1, err);
	if (rc == ASSAY_OK)
		rc = audit_calib_finish(c2, err);
	if (rc == ASSAY_OK)
		rc = audit_auc_ci_auto(c1, &out->auc, err);
	if (rc == ASSAY_OK)
		rc = audit_auc_ci_auto(c2, &out->auc2, err);
	if (rc == ASSAY_OK)
		rc = audit_histogram(c1, 10, out->hist_bad, out->hist_good, err);
	if (rc == ASSAY_OK) {
		out->n = n;
		out->n_rejected = c1->n_bad;
		out->n_bad2 = c2->n_bad;
		audit_best_threshold(c1, 0.95, &out->best95);
		audit_threshold *th = &out->at_flag;
		*th = (audit_threshold){.t = NAN, .tp = tp, .fp = fp, .fn = fn, .tn = tn};
		th->precision = ratio(tp, tp + fp);
		th->recall = ratio(tp, tp + fn);
		th->f1 = isnan(th->precision) || isnan(th->recall) ? NAN
			 : th->precision + th->recall == 0 ? 0
			 : 2 * th->precision * th->recall / (th->precision + th->recall);
		th->flagged_share = ratio(tp + fp, n);
		th->found = tp + fp > 0;
		/* The combined score has no flag: nothing to measure, not zeros. */
		if (t->quality)
			th->precision = th->recall = th->f1 = th->flagged_share = NAN;
	}
	audit_calib_free(c1);
	audit_calib_free(c2);
	return rc;
}


/* Verdict task i of n_vt: the samples of its range of ids. */
static int read_verdicts(calib_run *c, store *s, size_t i, assay_error *err)
{
	int64_t chunk = ((c->max_id / (int64_t)c->n_vt) | 3) + 1; /* a multiple of 4 */
	int64_t first = (int64_t)i * chunk, last = i + 1 == c->n_vt ? INT64_MAX : first + chunk - 1;
	int rc = store_verdict_counts_each(s, c->where, first, last, on_counts, c, err);
	if (rc < 0)
		atomic_store(&c->verdicts_failed, 1);
	atomic_fetch_add(&c->verdicts_done, 1);
	return rc;
}

static int calib_task(void *ud, size_t worker, size_t task, assay_error *err)
{
	calib_run *c = ud;
	store *s = c->readers.s[worker];
	if (task < c->n_vt)
		return read_verdicts(c, s, task, err);
	stream *t = &c->st[task - c->n_vt];
	while (atomic_load(&c->verdicts_done) < (int)c->n_vt)
		nanosleep(&(struct timespec){.tv_nsec = 100000}, NULL);
	if (atomic_load(&c->verdicts_failed)) /* that task's error is the one reported */
		return ASSAY_ECONFLICT;
	/* one value per sample at most: reserved (pages are touched only as
	 * they fill), grown only if a snapshot grew meanwhile */
	if (audit_calib_reserve(&t->sp.c1, (size_t)c->max_id + 1) < 0 ||
	    audit_calib_reserve(&t->sp.c2, (size_t)c->max_id + 1) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	int rc = t->quality ? store_quality_each(s, on_quality, t, err)
			    : store_scorer_scores_each(s, t->name, on_score, t, err);
	if (rc == ASSAY_ENOMEM)
		return assay_fail(err, rc, "out of memory");
	if (rc < 0)
		return rc;
	return report(t, &c->out[task - c->n_vt], err);
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

int audit_calibration_compute(store *s, const store_where *where, audit_calibration *out,
			      assay_error *err)
{
	*out = (audit_calibration){0};
	calib_run c = {.where = where};
	char **names = NULL;
	size_t n_names = 0;
	audit_readers_open(s, &c.readers);
	int rc = store_max_sample_id(s, &c.max_id, err);
	if (rc == ASSAY_OK)
		rc = store_scorer_names(s, &names, &n_names, err);
	if (rc == ASSAY_OK) {
		c.cls = calloc((size_t)c.max_id / 4 + 1, 1);
		c.st = calloc(n_names + 1, sizeof *c.st);
		c.out = calloc(n_names + 1, sizeof *c.out);
		if (!c.cls || !c.st || !c.out)
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	if (rc == ASSAY_OK) {
		for (size_t i = 0; i < n_names; i++)
			c.st[i] = (stream){.name = names[i], .run = &c};
		c.st[n_names] = (stream){.name = "quality", .quality = true, .run = &c};
		c.n_st = n_names + 1;
		c.n_vt = c.readers.n;
		atomic_init(&c.verdicts_done, 0);
		atomic_init(&c.verdicts_failed, 0);
		rc = assay_parallel(c.readers.n, c.n_vt + c.n_st, calib_task, &c, err);
	}
	audit_readers_close(&c.readers);
	if (rc == ASSAY_OK) {
		/* scores nobody decided on are left out of the table */
		for (size_t i = 0; i < c.n_st; i++) {
			if (c.out[i].n)
				c.out[out->n++] = c.out[i];
			else
				free(c.out[i].scorer);
		}
		out->v = c.out;
		c.out = NULL;
		if (out->n > 1)
			qsort(out->v, out->n, sizeof *out->v, by_name);
	} else if (c.out) {
		for (size_t i = 0; i < c.n_st; i++)
			free(c.out[i].scorer);
	}
	for (size_t i = 0; i < c.n_st; i++) {
		audit_calib_free(&c.st[i].sp.c1); /* left by a task that failed */
		audit_calib_free(&c.st[i].sp.c2);
	}
	store_strings_free(names, n_names);
	free(c.st);
	free(c.out);
	free(c.cls);
	if (rc < 0 || !out->n) {
		audit_calibration_free(out);
		if (rc >= 0)
			*out = (audit_calibration){0};
	}
	return rc;
}

void audit_calibration_free(audit_calibration *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].scorer);
	free(c->v);
	*c = (audit_calibration){0};
}
