/* audit_data.c — what the dashboard's panels show, computed when a panel
 * is first needed (a grouping over a million decisions takes a few hundred
 * milliseconds, so only the visible one is computed before the first
 * frame), and the decisions behind a bar for the read-only drill-down. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_int.h"

const dash_panel_def dash_panels[DASH_N] = {
    [DASH_ANNOTATORS] = {"annotators", "rejection rate per annotator", "annotator",
			 AUDIT_BY_ANNOTATOR, NULL},
    [DASH_REASONS] = {"reasons", "share of the rejections per reason", "reason", AUDIT_BY_REASON,
		      NULL},
    [DASH_BATCHES] = {"batches", "rejection rate per batch", "batch", AUDIT_BY_BATCH, NULL},
    [DASH_MODELS] = {"models", "rejection rate per model (meta.model)", "model", AUDIT_BY_FIELD,
		     "meta.model"},
    [DASH_DAYS] = {"days", "decisions and rejection rate per day (UTC)", "day", AUDIT_BY_DAY, NULL},
    [DASH_SCORERS] = {"scorers", "scorers against the human verdict", "scorer", -1, NULL},
    [DASH_LISTS] = {"samples", "the samples behind the figures", "sample", -2, NULL},
    [DASH_PAIRS] = {"pairs", "pairs: win rates, Bradley-Terry ranking, position bias, flips",
		    "model", -3, NULL},
};

/* The JSON path audit_stats_compute uses for meta.model. */
static const char model_path[] = "$.\"meta\".\"model\"";

static int cmp_name(const void *x, const void *y)
{
	const dash_bar *a = x, *b = y;
	return strcmp(a->label, b->label);
}

/* Highest rate first; ties by name so the order is stable. */
static int cmp_rate(const void *x, const void *y)
{
	const dash_bar *a = x, *b = y;
	double ra = isnan(a->rate.rate) ? -1 : a->rate.rate;
	double rb = isnan(b->rate.rate) ? -1 : b->rate.rate;
	if (ra != rb)
		return ra < rb ? 1 : -1;
	return strcmp(a->label, b->label);
}

void dash_sort(dash *d)
{
	for (int i = 0; i < DASH_N; i++) {
		dash_panel_data *p = &d->p[i];
		/* days keep their calendar order */
		if (!p->ready || !p->n || i == DASH_DAYS)
			continue;
		const char *sel = p->bars[p->sel].label;
		qsort(p->bars, p->n, sizeof *p->bars,
		      d->by_rate || i == DASH_REASONS ? cmp_rate : cmp_name);
		for (size_t k = 0; k < p->n; k++)
			if (p->bars[k].label == sel)
				p->sel = (int)k;
	}
}

/* The bars of a grouping: every group, except for reasons, where the
 * decisions that were not rejections are left out and a bar is the
 * reason's share of the rejections. */
static int make_bars(dash *d, int i)
{
	dash_panel_data *p = &d->p[i];
	p->bars = calloc(p->st.n ? p->st.n : 1, sizeof *p->bars);
	if (!p->bars)
		return ASSAY_ENOMEM;
	for (size_t k = 0; k < p->st.n; k++) {
		const audit_group *g = &p->st.groups[k];
		dash_bar *b = &p->bars[p->n];
		if (i == DASH_REASONS) {
			if (!g->rejected)
				continue;
			audit_wilson(g->rejected, p->st.total.rejected, AUDIT_Z95, &b->rate, NULL);
		} else {
			b->rate = g->reject_rate;
		}
		b->label = g->key[0] ? g->key[0] : "?";
		b->g = g;
		p->n++;
	}
	return ASSAY_OK;
}

static void compute_grouping(dash *d, int i, assay_error *err)
{
	dash_panel_data *p = &d->p[i];
	audit_stats_opts so = {
	    .by = {dash_panels[i].by},
	    .n_by = 1,
	    .field = dash_panels[i].field,
	    .since_ms = d->o->since_ms,
	    .until_ms = d->o->until_ms,
	    .batch = d->o->batch,
	    .where = d->o->where,
	};
	if (audit_stats_compute(d->s, &so, &p->st, err) < 0)
		return;
	if (make_bars(d, i) < 0) {
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return;
	}
	if (!d->have_total) {
		d->total = p->st.total;
		d->have_total = true;
	}
	p->ready = true;
	if (i == DASH_DAYS) /* the latest day first in view */
		p->sel = p->n ? (int)p->n - 1 : 0;
	dash_sort(d);
}

void dash_compute(dash *d, int i)
{
	dash_panel_data *p = &d->p[i];
	if (p->ready || p->error[0])
		return;
	assay_error err = {0};
	if (i == DASH_SCORERS) {
		if (audit_calibration_compute(d->s, d->o->where, &d->cal, &err) == ASSAY_OK)
			p->ready = true;
	} else if (i == DASH_LISTS) {
		if (dash_lists_compute(d, &err) == ASSAY_OK)
			p->ready = true;
	} else if (i == DASH_PAIRS) {
		store_prefs_filter f = {.batch_id = d->batch_id, .since_ms = d->o->since_ms,
					.until_ms = d->o->until_ms, .where = d->o->where};
		if (audit_pairs_report_compute(d->s, &f, &d->pairs, &err) == ASSAY_OK)
			p->ready = true;
	} else {
		compute_grouping(d, i, &err);
	}
	if (!p->ready)
		snprintf(p->error, sizeof p->error, "%s", err.msg[0] ? err.msg : "out of memory");
}

void dash_free(dash *d)
{
	for (int i = 0; i < DASH_N; i++) {
		audit_stats_free(&d->p[i].st);
		free(d->p[i].bars);
		d->p[i] = (dash_panel_data){0};
	}
	if (d->cal.v)
		audit_calibration_free(&d->cal);
	d->cal = (audit_calibration){0};
	dash_lists_free(&d->lists);
	audit_pairs_report_free(&d->pairs);
	d->have_total = false;
	store_names_free(&d->annotators);
	store_names_free(&d->batches);
}

/* ---- The drill-down ------------------------------------------------------- */

typedef struct picker {
	dash *d;
	int panel;
	const char *key;
	int kind; /* enum audit_key_kind of the bar's group */
	bool all;
	tui_pick *v;
	size_t n, cap;
	bool capped;
} picker;

/* Whether a decision's reason or model falls in the bar's group: by the
 * group's key kind as the grouping made it (src/audit/groups.c), so a
 * model literally named "(none)" is not the group of missing models. */
static bool in_group(const char *value, const char *key, int kind)
{
	switch (kind) {
	case AUDIT_KEY_VALUE:
		return value && strcmp(value, key) == 0;
	case AUDIT_KEY_MISSING:
		return !value;
	case AUDIT_KEY_NO_REASON:
		return !value || !*value;
	default:
		return false;
	}
}

static int on_decision(void *ud, const store_stat_row *r)
{
	picker *p = ud;
	bool rejected = r->verdict == STORE_REJECTED;
	if (!rejected && (!p->all || p->panel == DASH_REASONS))
		return 0;
	if (p->panel == DASH_REASONS && !in_group(r->reason, p->key, p->kind))
		return 0;
	if (p->panel == DASH_MODELS && !in_group(r->field, p->key, p->kind))
		return 0;
	if (p->n == DASH_MAX_PICKS) {
		p->capped = true;
		return 1;
	}
	if (ASSAY_GROW(p->v, p->n + 1, p->cap, 256) < 0)
		return ASSAY_ENOMEM;
	p->v[p->n++] = (tui_pick){r->sample_id, r->annotator_id,
				  store_names_get(&p->d->annotators, r->annotator_id)};
	return 0;
}

static int cmp_pick(const void *x, const void *y)
{
	const tui_pick *a = x, *b = y;
	if (a->sample_id != b->sample_id)
		return a->sample_id < b->sample_id ? -1 : 1;
	return (a->annotator_id > b->annotator_id) - (a->annotator_id < b->annotator_id);
}

static int64_t id_of(const store_names *n, const char *name)
{
	for (size_t i = 0; i < n->n; i++)
		if (strcmp(n->names[i], name) == 0)
			return n->ids[i];
	return -1;
}

/* Narrows f to the bar's group where the query can (annotator, batch,
 * day); reasons and models are matched row by row. */
static int narrow(dash *d, int panel, const char *key, store_stats_filter *f, assay_error *err)
{
	if (panel == DASH_ANNOTATORS && (f->annotator_id = id_of(&d->annotators, key)) < 0)
		return assay_fail(err, ASSAY_ENOTFOUND, "no annotator named \"%s\"", key);
	if (panel == DASH_BATCHES && (f->batch_id = id_of(&d->batches, key)) < 0)
		return assay_fail(err, ASSAY_ENOTFOUND, "no batch named \"%s\"", key);
	if (panel == DASH_MODELS)
		f->field_path = model_path;
	if (panel == DASH_DAYS) {
		struct tm tm = {0};
		const char *end = strptime(key, "%Y-%m-%d", &tm);
		if (!end || *end)
			return assay_fail(err, ASSAY_EINVAL, "not a day: \"%s\"", key);
		int64_t from = (int64_t)timegm(&tm) * 1000, to = from + 86400000;
		if (from > f->since_ms)
			f->since_ms = from;
		if (!f->until_ms || to < f->until_ms)
			f->until_ms = to;
	}
	return ASSAY_OK;
}

int dash_picks(dash *d, int i, bool all, tui_pick **out, size_t *n, bool *capped, assay_error *err)
{
	*out = NULL;
	*n = 0;
	*capped = false;
	dash_panel_data *p = &d->p[i];
	if (i == DASH_SCORERS || i == DASH_LISTS || !p->ready || !p->n)
		return assay_fail(err, ASSAY_ENOTFOUND, "no bar to open here");
	int rc = ASSAY_OK;
	if (!d->annotators.n && (rc = store_annotator_names(d->s, &d->annotators, err)) < 0)
		return rc;
	if (!d->batches.n && (rc = store_batch_names(d->s, &d->batches, err)) < 0)
		return rc;
	store_stats_filter f = {.since_ms = d->o->since_ms,
				.until_ms = d->o->until_ms,
				.batch_id = d->batch_id,
				.where = d->o->where};
	const dash_bar *bar = &p->bars[p->sel];
	picker pk = {.d = d, .panel = i, .key = bar->label, .kind = bar->g->key_kind[0], .all = all};
	if ((rc = narrow(d, i, pk.key, &f, err)) < 0)
		return rc;
	if (d->batch_id && f.batch_id != d->batch_id) /* another batch than --batch */
		return ASSAY_OK;
	rc = store_stats_each(d->s, &f, on_decision, &pk, err);
	if (rc == ASSAY_ENOMEM)
		assay_fail(err, rc, "out of memory");
	if (rc < 0) {
		free(pk.v);
		return rc;
	}
	if (pk.n)
		qsort(pk.v, pk.n, sizeof *pk.v, cmp_pick);
	*out = pk.v;
	*n = pk.n;
	*capped = pk.capped;
	return ASSAY_OK;
}
