/* audit_lists.c — the dashboard's samples panel: the samples behind its
 * figures, each list of the --where slice — the conflicts with every
 * verdict, the newest rejections of each reason with the sample and the
 * reason, and the surest automatic decisions. Enter opens a row's sample
 * with its decisions in the read-only review. Sample text, ids, names and
 * reasons are untrusted and drawn through tui_put. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"

/* A sample row's text: at most STORE_EXAMPLE_CHARS characters of it. */
static char *start_of(const char *s)
{
	size_t len = 0, chars = 0;
	for (; s && s[len]; len++)
		if (((unsigned char)s[len] & 0xC0) != 0x80 && chars++ == STORE_EXAMPLE_CHARS)
			break;
	return assay_strndup(s ? s : "", len);
}

/* Appends a row of kind with a formatted first column; NULL when out of
 * memory. */
__attribute__((format(printf, 3, 4))) static dash_row *add(dash_rows *r, int kind,
							    const char *fmt, ...)
{
	if (ASSAY_GROW(r->v, r->n + 1, r->cap, 32) < 0)
		return NULL;
	dash_row *row = &r->v[r->n];
	*row = (dash_row){.kind = kind};
	va_list ap;
	va_start(ap, fmt);
	abuf b = {0};
	int rc = abuf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc < 0 || !(row->a = abuf_take(&b)))
		return NULL;
	r->n++;
	return row;
}

/* The row's sample and the one annotator whose decision it shows. */
static int one_decision(dash_row *row, int64_t sample_id, int64_t annotator_id)
{
	row->sample_id = sample_id;
	row->annotators = malloc(sizeof *row->annotators);
	if (!row->annotators)
		return ASSAY_ENOMEM;
	row->annotators[0] = annotator_id;
	row->n_annotators = 1;
	return ASSAY_OK;
}

static int conflict_rows(dash *d, assay_error *err)
{
	audit_agreement_report ar;
	int rc = audit_agreement_compute(d->s, d->o->where, &ar, err);
	if (rc < 0)
		return rc;
	size_t n = ar.n_conflicts;
	char first[48] = "";
	if (n > AUDIT_LIST_MAX)
		snprintf(first, sizeof first, " (the first %d)", AUDIT_LIST_MAX);
	rc = add(&d->lists, DASH_ROW_HEAD, "Conflicts: %zu sample%s the annotators disagree on%s", n,
		 n == 1 ? "" : "s", first)
		 ? ASSAY_OK
		 : ASSAY_ENOMEM;
	if (rc == ASSAY_OK && !n && !add(&d->lists, DASH_ROW_NOTE, "No conflicts here."))
		rc = ASSAY_ENOMEM;
	for (size_t i = 0; rc == ASSAY_OK && i < n && i < AUDIT_LIST_MAX; i++) {
		const audit_conflict *c = &ar.conflicts[i];
		dash_row *row = add(&d->lists, DASH_ROW_CONFLICT, "%s", c->ext_id);
		store_sample sm = {0};
		if (!row || !(row->b = assay_strdup(c->verdicts)) ||
		    !(row->annotators = malloc(c->n_annotators * sizeof *row->annotators))) {
			rc = ASSAY_ENOMEM;
			break;
		}
		memcpy(row->annotators, c->annotator_ids, c->n_annotators * sizeof *row->annotators);
		row->n_annotators = c->n_annotators;
		row->sample_id = c->sample_id;
		if ((rc = store_sample_get(d->s, c->sample_id, &sm, err)) < 0)
			break;
		if (!(row->text = start_of(sm.text)))
			rc = ASSAY_ENOMEM;
		store_sample_free(&sm);
	}
	audit_agreement_free(&ar);
	return rc;
}

static int on_rejection(void *ud, const store_example *e)
{
	dash_rows *r = ud;
	dash_row *row = add(r, DASH_ROW_REJECTION, "%s", e->reason ? e->reason : "(no reason)");
	abuf b = {0};
	if (!row || abuf_printf(&b, "%s by %s", e->ext_id, e->annotator) < 0 ||
	    !(row->b = abuf_take(&b)) || !(row->text = start_of(e->text)))
		return ASSAY_ENOMEM;
	return one_decision(row, e->sample_id, e->annotator_id);
}

static int on_auto(void *ud, const store_example *e)
{
	dash_rows *r = ud;
	dash_row *row = add(r, DASH_ROW_AUTO, "%s", e->ext_id);
	char p[16] = "-";
	if (!isnan(e->learned))
		snprintf(p, sizeof p, "%.3f", 1 - e->learned);
	abuf b = {0};
	if (!row ||
	    abuf_printf(&b, "%s%s%s, P(rejected) %s, by %s", e->verdict, e->reason ? ": " : "",
			e->reason ? e->reason : "", p, e->annotator) < 0 ||
	    !(row->b = abuf_take(&b)) || !(row->text = start_of(e->text)))
		return ASSAY_ENOMEM;
	return one_decision(row, e->sample_id, e->annotator_id);
}

/* A list read through fn under its heading, or a note when it is empty. */
static int example_rows(dash *d, bool automatic, assay_error *err)
{
	dash_rows *r = &d->lists;
	if (!(automatic ? add(r, DASH_ROW_HEAD,
			      "The surest automatic decisions (auto: annotators, at most %d)",
			      AUDIT_LIST_MAX)
			: add(r, DASH_ROW_HEAD, "Rejections by reason: the newest %d of each",
			      AUDIT_PER_REASON)))
		return ASSAY_ENOMEM;
	size_t before = r->n;
	int rc = automatic ? store_auto_examples(d->s, d->o->where, AUDIT_LIST_MAX, on_auto, r, err)
			   : store_rejection_examples(d->s, d->o->where, AUDIT_PER_REASON,
						      on_rejection, r, err);
	if (rc < 0)
		return rc;
	if (r->n == before &&
	    !add(r, DASH_ROW_NOTE, automatic ? "No automatic decision here." : "No rejection here."))
		return ASSAY_ENOMEM;
	return ASSAY_OK;
}

int dash_lists_compute(dash *d, assay_error *err)
{
	dash_lists_free(&d->lists);
	int rc = conflict_rows(d, err);
	if (rc == ASSAY_OK)
		rc = example_rows(d, false, err);
	if (rc == ASSAY_OK)
		rc = example_rows(d, true, err);
	if (rc == ASSAY_ENOMEM)
		assay_fail(err, rc, "out of memory");
	if (rc < 0) {
		dash_lists_free(&d->lists);
		return rc;
	}
	d->p[DASH_LISTS].sel = 0;
	dash_lists_select(d, 0);
	return ASSAY_OK;
}

void dash_lists_free(dash_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].a);
		free(r->v[i].b);
		free(r->v[i].text);
		free(r->v[i].annotators);
	}
	free(r->v);
	*r = (dash_rows){0};
}

static bool is_sample(const dash_rows *r, int i)
{
	return i >= 0 && (size_t)i < r->n && r->v[i].kind != DASH_ROW_HEAD &&
	       r->v[i].kind != DASH_ROW_NOTE;
}

void dash_lists_select(dash *d, int n)
{
	dash_panel_data *p = &d->p[DASH_LISTS];
	int count = (int)d->lists.n, to = p->sel + n;
	if (!count)
		return;
	to = to < 0 ? 0 : to >= count ? count - 1 : to;
	int step = n < 0 ? -1 : 1;
	/* the nearest sample row that way, else the other way */
	for (int k = to; k >= 0 && k < count; k += step)
		if (is_sample(&d->lists, k)) {
			p->sel = k;
			return;
		}
	for (int k = to; k >= 0 && k < count; k -= step)
		if (is_sample(&d->lists, k)) {
			p->sel = k;
			return;
		}
}

/* The widest of column a or b among the sample rows, within [lo, hi]. */
static int column_width(const dash_rows *r, bool b, int lo, int hi)
{
	int w = lo;
	for (size_t i = 0; i < r->n; i++) {
		const char *s = b ? r->v[i].b : r->v[i].a;
		if (is_sample(r, (int)i) && s) {
			int sw = (int)text_width(s, strlen(s));
			w = sw > w ? sw : w;
		}
	}
	return w > hi ? hi : w;
}

static void row_line(dash *d, int y, const dash_row *row, bool sel, int wa, int wb)
{
	tui_base *a = d->b;
	if (row->kind == DASH_ROW_HEAD) {
		tui_put(a, y, 1, COLS - 2, row->a, CONF_ROLE_HELP_TITLE);
		return;
	}
	if (row->kind == DASH_ROW_NOTE) {
		tui_put(a, y, 3, COLS - 4, row->a, CONF_ROLE_META_KEY);
		return;
	}
	if (sel)
		tui_put(a, y, 0, 1, ">", CONF_ROLE_SELECTION);
	int x = 2;
	tui_put(a, y, x, wa, row->a, sel ? CONF_ROLE_SELECTION : CONF_ROLE_META_VALUE);
	x += wa + 2;
	if (x < COLS)
		tui_put(a, y, x, wb, row->b, CONF_ROLE_META_KEY);
	x += wb + 2;
	if (x < COLS - 4 && row->text)
		tui_put(a, y, x, COLS - x - 1, row->text, CONF_ROLE_SAMPLE_TEXT);
}

void dash_lists_draw(dash *d, int y, int rows)
{
	dash_panel_data *p = &d->p[DASH_LISTS];
	const dash_rows *r = &d->lists;
	bool filtered = d->o->since_ms || d->o->until_ms || d->o->batch;
	tui_put(d->b, y, 1, COLS - 2, "the samples behind the figures", CONF_ROLE_HELP_TITLE);
	const char *note = filtered ? "every batch and day of the slice" : "Enter: a sample, read-only";
	int nw = (int)strlen(note);
	if (nw + 34 < COLS)
		tui_put(d->b, y, COLS - nw - 1, nw, note, CONF_ROLE_META_KEY);
	int list = rows - 2; /* the title and the selected row's line */
	if (p->sel < p->top)
		p->top = p->sel;
	if (list > 0 && p->sel >= p->top + list)
		p->top = p->sel - list + 1;
	if (p->top > 0 && p->top == p->sel && r->v[p->sel - 1].kind == DASH_ROW_HEAD)
		p->top--; /* a list's first sample with its heading */
	int wa = column_width(r, false, 4, COLS / 5 < 24 ? COLS / 5 : 24);
	int wb = column_width(r, true, 8, COLS / 2 < 56 ? COLS / 2 : 56);
	for (int k = 0; k < list && p->top + k < (int)r->n; k++)
		row_line(d, y + 1 + k, &r->v[p->top + k], p->top + k == p->sel, wa, wb);
	if (!is_sample(r, p->sel))
		return;
	const dash_row *s = &r->v[p->sel];
	char line[1024];
	snprintf(line, sizeof line, "%s: %s; Enter shows %s", s->a, s->b,
		 s->n_annotators == 1 ? "its decision read-only" : "its decisions read-only");
	tui_put(d->b, y + rows - 1, 1, COLS - 2, line, CONF_ROLE_META_KEY);
}

int dash_lists_picks(dash *d, tui_pick **out, size_t *n, char *title, size_t title_size,
		     assay_error *err)
{
	*out = NULL;
	*n = 0;
	const dash_panel_data *p = &d->p[DASH_LISTS];
	if (!p->ready || !is_sample(&d->lists, p->sel))
		return assay_fail(err, ASSAY_ENOTFOUND, "no sample to open here");
	int rc;
	if (!d->annotators.n && (rc = store_annotator_names(d->s, &d->annotators, err)) < 0)
		return rc;
	const dash_row *row = &d->lists.v[p->sel];
	tui_pick *v = calloc(row->n_annotators, sizeof *v);
	if (!v)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	for (size_t i = 0; i < row->n_annotators; i++)
		v[i] = (tui_pick){row->sample_id, row->annotators[i],
				  store_names_get(&d->annotators, row->annotators[i])};
	static const char *const what[] = {[DASH_ROW_CONFLICT] = "the conflict on",
					   [DASH_ROW_REJECTION] = "a rejection for",
					   [DASH_ROW_AUTO] = "an automatic decision on"};
	if (row->kind == DASH_ROW_REJECTION)
		snprintf(title, title_size, "%s %s: %s", what[row->kind], row->a, row->b);
	else
		snprintf(title, title_size, "%s %s", what[row->kind], row->a);
	*out = v;
	*n = row->n_annotators;
	return ASSAY_OK;
}
