/* html.c — `assay report --html`: one self-contained HTML page (inline CSS
 * and SVG, no scripts, nothing fetched) with the audit's charts and tables,
 * for people who do not use a terminal. Every string from the data is
 * escaped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html_int.h"

void audit_html_esc(abuf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': abuf_puts(b, "&amp;"); break;
		case '<': abuf_puts(b, "&lt;"); break;
		case '>': abuf_puts(b, "&gt;"); break;
		case '"': abuf_puts(b, "&quot;"); break;
		case '\'': abuf_puts(b, "&#39;"); break;
		default:
			if ((unsigned char)*s >= 0x20 && *s != 0x7f)
				abuf_putc(b, *s);
		}
	}
}

static void esc(abuf *b, const char *s)
{
	audit_html_esc(b, s);
}

static const char style[] =
	"<style>"
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
	"max-width:1100px;color:#1d1d27;background:#fafafc;padding:0 1em}"
	"h1{font-size:1.6em;margin-bottom:.1em}h2{font-size:1.15em;margin-top:2em;"
	"border-bottom:1px solid #ddd;padding-bottom:.2em}"
	".muted{color:#667}.grid{display:flex;flex-wrap:wrap;gap:1.5em}"
	".card{background:#fff;border:1px solid #e3e3ea;border-radius:6px;padding:.8em 1em}"
	"table{border-collapse:collapse;margin:.5em 0;background:#fff}"
	"th,td{border-bottom:1px solid #eee;padding:.3em .7em;text-align:right}"
	"th:first-child,td:first-child{text-align:left}th{background:#f1f1f6}"
	"svg text{font:11px system-ui,sans-serif;fill:#333}"
	".big{font-size:1.8em;font-weight:600}"
	"td.text{text-align:left;max-width:40em}"
	"img.thumb{float:left;margin:0 .6em .3em 0;image-rendering:pixelated}"
	".slice{background:#fff8e0;border:1px solid #e8d48a;border-radius:6px;padding:.5em 1em}"
	"</style>";

/* A group's label: a group of its own (no value) in italics, a value that
 * could be taken for one, such as "(none)", in quotes. */
static void key_label(abuf *b, const audit_group *g)
{
	const char *v = g->key[0] ? g->key[0] : "";
	if (g->key_kind[0] != AUDIT_KEY_VALUE) {
		abuf_puts(b, "<tspan font-style='italic'>");
		esc(b, v);
		abuf_puts(b, "</tspan>");
	} else if (*v == '(' || *v == '"') {
		abuf_puts(b, "&quot;");
		esc(b, v);
		abuf_puts(b, "&quot;");
	} else {
		esc(b, v);
	}
}

/* What a bar shows: the reject rate, or for reasons the reason's share of
 * the rejections (the decisions that were not rejections have no bar). */
static const audit_rate *bar_rate(const audit_group *g, bool reasons)
{
	return reasons ? &g->reason_share : &g->reject_rate;
}

/* A horizontal bar chart of rates with Wilson whiskers. */
static void bar_chart(abuf *b, const char *title, const audit_group *all, size_t n_all,
		      bool reasons)
{
	const audit_group *g[40];
	size_t n = 0;
	for (size_t i = 0; i < n_all && n < 40; i++)
		if (!reasons || all[i].key_kind[0] != AUDIT_KEY_NOT_REJECTED)
			g[n++] = &all[i];
	int row = 22, label = 170, width = 360, h = (int)n * row + 30;
	abuf_printf(b, "<div class='card'><h3>");
	esc(b, title);
	abuf_printf(b, "</h3><svg width='%d' height='%d' role='img'>",
		    label + width + (reasons ? 270 : 120), h);
	for (int t = 0; t <= 4; t++) {
		int x = label + width * t / 4;
		abuf_printf(b, "<line x1='%d' y1='0' x2='%d' y2='%d' stroke='#eee'/>"
			       "<text x='%d' y='%d' text-anchor='middle'>%d%%</text>",
			    x, x, h - 18, x, h - 4, t * 25);
	}
	for (size_t i = 0; i < n; i++) {
		const audit_rate *r = bar_rate(g[i], reasons);
		int y = (int)i * row + 4;
		double rate = isnan(r->rate) ? 0 : r->rate;
		abuf_printf(b, "<text x='%d' y='%d' text-anchor='end'>", label - 8, y + 13);
		key_label(b, g[i]);
		abuf_printf(b, "</text><rect x='%d' y='%d' width='%.1f' height='14' fill='#d9534f' "
			       "opacity='.8'/>",
			    label, y + 2, rate * width);
		if (!isnan(r->rate))
			abuf_printf(b, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#333'/>"
				       "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#333'/>"
				       "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#333'/>",
				    label + r->lo * width, y + 9, label + r->hi * width, y + 9,
				    label + r->lo * width, y + 5, label + r->lo * width, y + 13,
				    label + r->hi * width, y + 5, label + r->hi * width, y + 13);
		if (reasons)
			abuf_printf(b, "<text x='%d' y='%d'>%.1f%% of rejections, %.1f%% of all "
				       "decisions</text>",
				    label + width + 6, y + 13, rate * 100,
				    isnan(g[i]->decision_share.rate) ? 0 : g[i]->decision_share.rate * 100);
		else
			abuf_printf(b, "<text x='%d' y='%d'>%.1f%% of %llu</text>", label + width + 6,
				    y + 13, rate * 100, (unsigned long long)g[i]->decided);
	}
	abuf_puts(b, "</svg></div>");
}

/* Daily volume bars with the rejection rate as a line. */
static void daily(abuf *b, const audit_group *g, size_t n)
{
	int w = 700, h = 140, pad = 30;
	uint64_t max = 1;
	for (size_t i = 0; i < n; i++)
		if (g[i].decided > max)
			max = g[i].decided;
	abuf_printf(b, "<div class='card'><h3>Decisions and rejection rate per day</h3>"
		       "<svg width='%d' height='%d' role='img'>",
		    w + 2 * pad, h + 40);
	double step = n ? (double)w / (double)n : w;
	abuf_puts(b, "<polyline fill='none' stroke='#d9534f' stroke-width='2' points='");
	for (size_t i = 0; i < n; i++) {
		double rate = isnan(g[i].reject_rate.rate) ? 0 : g[i].reject_rate.rate;
		abuf_printf(b, "%.1f,%.1f ", pad + step * ((double)i + 0.5), 10 + h * (1 - rate));
	}
	abuf_puts(b, "'/>");
	for (size_t i = 0; i < n; i++) {
		double bh = (double)h * (double)g[i].decided / (double)max;
		abuf_printf(b, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='#5b8def' "
			       "opacity='.55'><title>",
			    pad + step * (double)i + 1, 10 + h - bh, step > 3 ? step - 2 : step, bh);
		esc(b, g[i].key[0]);
		abuf_printf(b, ": %llu decided, %.1f%% rejected</title></rect>",
			    (unsigned long long)g[i].decided,
			    isnan(g[i].reject_rate.rate) ? 0 : g[i].reject_rate.rate * 100);
	}
	if (n) {
		abuf_printf(b, "<text x='%d' y='%d'>", pad, h + 28);
		esc(b, g[0].key[0]);
		abuf_printf(b, "</text><text x='%d' y='%d' text-anchor='end'>", pad + w, h + 28);
		esc(b, g[n - 1].key[0]);
		abuf_puts(b, "</text>");
	}
	abuf_puts(b, "</svg><div class='muted'>bars: decisions (max ");
	abuf_printf(b, "%llu); line: rejection rate</div></div>", (unsigned long long)max);
}

/* Score histogram, rejected (red) against kept (blue), as shares. */
static void histogram(abuf *b, const audit_scorer_report *s)
{
	int w = 260, h = 90;
	uint64_t nb = 0, ng = 0;
	for (int i = 0; i < 10; i++) {
		nb += s->hist_bad[i];
		ng += s->hist_good[i];
	}
	abuf_puts(b, "<div class='card'><h3>");
	esc(b, s->scorer);
	abuf_printf(b, "</h3><svg width='%d' height='%d' role='img'>", w + 20, h + 24);
	for (int i = 0; i < 10; i++) {
		double fb = nb ? (double)s->hist_bad[i] / (double)nb : 0;
		double fg = ng ? (double)s->hist_good[i] / (double)ng : 0;
		double x = 10 + i * w / 10.0;
		abuf_printf(b, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='#d9534f' "
			       "opacity='.7'/><rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' "
			       "fill='#5b8def' opacity='.7'/>",
			    x, h - fb * h, w / 20.0 - 1, fb * h, x + w / 20.0, h - fg * h,
			    w / 20.0 - 1, fg * h);
	}
	abuf_printf(b, "<text x='10' y='%d'>0</text><text x='%d' y='%d' text-anchor='end'>1</text>"
		       "</svg><div class='muted'>AUC %.3f; red: rejected (%llu), blue: kept "
		       "(%llu)</div></div>",
		    h + 16, w + 10, h + 16, isnan(s->auc.auc) ? 0 : s->auc.auc,
		    (unsigned long long)nb, (unsigned long long)ng);
}

static void cell(abuf *b, double v, int decimals, const char *suffix)
{
	if (isnan(v))
		abuf_puts(b, "<td>-</td>");
	else
		abuf_printf(b, "<td>%.*f%s</td>", decimals, v, suffix);
}

static void calibration_table(abuf *b, const audit_calibration *c)
{
	abuf_puts(b, "<table><tr><th>scorer</th><th>samples</th><th>AUC (reject)</th>"
		     "<th>95% CI</th><th>AUC (reject or edit)</th><th>flag precision</th>"
		     "<th>flag recall</th><th>F1</th><th>t at 95% precision</th>"
		     "<th>auto-reject below t</th></tr>");
	for (size_t i = 0; i < c->n; i++) {
		const audit_scorer_report *s = &c->v[i];
		abuf_puts(b, "<tr><td>");
		esc(b, s->scorer);
		abuf_printf(b, "%s</td><td>%zu</td>", s->in_sample ? "*" : "", s->n);
		cell(b, s->auc.auc, 3, "");
		if (isnan(s->auc.lo))
			abuf_puts(b, "<td>-</td>");
		else
			abuf_printf(b, "<td>%.3f-%.3f</td>", s->auc.lo, s->auc.hi);
		cell(b, s->auc2.auc, 3, "");
		cell(b, s->at_flag.precision, 2, "");
		cell(b, s->at_flag.recall, 2, "");
		cell(b, s->at_flag.f1, 2, "");
		cell(b, s->best95.t, 3, "");
		if (s->best95.found)
			abuf_printf(b, "<td>removes %.1f%%, %.1f%% of them rejected</td></tr>",
				    s->best95.flagged_share * 100, s->best95.precision * 100);
		else
			abuf_puts(b, "<td>no threshold reaches 95% precision</td></tr>");
	}
	abuf_puts(b, "</table>");
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].in_sample && strcmp(c->v[i].scorer, "learned") == 0) {
			abuf_puts(b, "<p>* in-sample: the learned model was trained on these "
				     "verdicts, so its figures flatter it");
			if (!isnan(c->v[i].oof_auc))
				abuf_printf(b, "; <code>assay learn</code> measured its AUC out of "
					       "fold: %.3f", c->v[i].oof_auc);
			abuf_puts(b, ". The combined quality score includes the learned score "
				     "once its model has learned enough verdicts (<code>[score.learned] "
				     "min_verdicts</code>): then its figures flatter it too.</p>");
		}
}

static void agreement_table(abuf *b, const audit_agreement_report *r)
{
	abuf_printf(b, "<p>%zu samples decided by two or more of %zu annotators.</p>", r->n_items,
		    r->n_raters);
	if (!r->n_items)
		return;
	abuf_puts(b, "<table><tr><th>coefficient</th><th>accepted / edited / rejected</th>"
		     "<th>keep / reject</th><th>samples</th></tr>");
	abuf_puts(b, "<tr><td>Fleiss' kappa</td>");
	cell(b, r->fleiss3.value, 3, "");
	cell(b, r->fleiss2.value, 3, "");
	abuf_printf(b, "<td>%zu</td></tr><tr><td>Krippendorff's alpha</td>", r->fleiss3.n_items);
	cell(b, r->alpha3.value, 3, "");
	cell(b, r->alpha2.value, 3, "");
	abuf_printf(b, "<td>%zu</td></tr>", r->alpha3.n_items);
	for (size_t i = 0; i < r->n_pairs; i++) {
		abuf_puts(b, "<tr><td>Cohen's kappa ");
		esc(b, r->pairs[i].a);
		abuf_puts(b, " / ");
		esc(b, r->pairs[i].b);
		abuf_puts(b, "</td>");
		cell(b, r->pairs[i].kappa3.value, 3, "");
		cell(b, r->pairs[i].kappa2.value, 3, "");
		abuf_printf(b, "<td>%zu</td></tr>", r->pairs[i].kappa3.n_items);
	}
	abuf_printf(b, "</table><p>%zu conflicting samples.</p>", r->n_conflicts);
}

/* Appends the first max characters of s (UTF-8), escaped. */
static void esc_start(abuf *b, const char *s, size_t max)
{
	size_t len = 0, chars = 0;
	for (; s[len]; len++)
		if (((unsigned char)s[len] & 0xC0) != 0x80 && chars++ == max)
			break;
	char *cut = assay_strndup(s, len);
	esc(b, cut ? cut : "");
	free(cut);
}

/* The conflicting samples with every verdict on them and their text. */
static int conflict_list(store *s, const audit_report_opts *o, abuf *b,
			 const audit_agreement_report *r, assay_error *err)
{
	if (!r->n_conflicts)
		return ASSAY_OK;
	abuf_puts(b, "<h3>Conflicts");
	if (r->n_conflicts > AUDIT_LIST_MAX)
		abuf_printf(b, " (the first %d of %zu)", AUDIT_LIST_MAX, r->n_conflicts);
	abuf_puts(b, "</h3><table><tr><th>sample</th><th>verdicts</th><th>keep vs reject</th>"
		     "<th>text</th></tr>");
	for (size_t i = 0; i < r->n_conflicts && i < AUDIT_LIST_MAX; i++) {
		store_sample sm;
		int rc = store_sample_get(s, r->conflicts[i].sample_id, &sm, err);
		if (rc < 0)
			return rc;
		abuf_puts(b, "<tr><td>");
		esc(b, r->conflicts[i].ext_id);
		abuf_puts(b, "</td><td>");
		esc(b, r->conflicts[i].verdicts);
		abuf_printf(b, "</td><td>%s</td><td class='text'>",
			    r->conflicts[i].keep_reject ? "yes" : "no");
		if (o->thumb)
			o->thumb(o->thumb_ud, r->conflicts[i].sample_id, b);
		esc_start(b, sm.text ? sm.text : "", STORE_EXAMPLE_CHARS);
		abuf_puts(b, "</td></tr>");
		store_sample_free(&sm);
	}
	abuf_puts(b, "</table>");
	return ASSAY_OK;
}

typedef struct list_run {
	const audit_report_opts *o;
	abuf *b;
	size_t n;
	bool auto_list;
} list_run;

/* One row of a list: the sample, who decided what, and its text. */
static int on_example(void *ud, const store_example *e)
{
	list_run *l = ud;
	abuf *b = l->b;
	if (!l->n++)
		abuf_puts(b, l->auto_list ? "<table><tr><th>sample</th><th>annotator</th>"
					    "<th>verdict</th><th>P(rejected)</th><th>text</th></tr>"
					  : "<table><tr><th>reason</th><th>sample</th>"
					    "<th>annotator</th><th>text</th></tr>");
	abuf_puts(b, "<tr><td>");
	if (l->auto_list) {
		esc(b, e->ext_id);
		abuf_puts(b, "</td><td>");
		esc(b, e->annotator);
		abuf_puts(b, "</td><td>");
		esc(b, e->verdict);
		if (e->reason) {
			abuf_puts(b, ": ");
			esc(b, e->reason);
		}
		abuf_puts(b, "</td>");
		cell(b, isnan(e->learned) ? NAN : 1 - e->learned, 3, "");
	} else {
		if (e->reason)
			esc(b, e->reason);
		else
			abuf_puts(b, "<i>no reason</i>");
		abuf_puts(b, "</td><td>");
		esc(b, e->ext_id);
		abuf_puts(b, "</td><td>");
		esc(b, e->annotator);
		abuf_puts(b, "</td>");
	}
	abuf_puts(b, "<td class='text'>");
	if (l->o->thumb)
		l->o->thumb(l->o->thumb_ud, e->sample_id, b);
	if (e->context) { /* what was asked, above the answer */
		abuf_puts(b, "<div class='muted'>");
		esc(b, e->context);
		abuf_puts(b, "</div>");
	}
	esc(b, e->text);
	abuf_puts(b, "</td></tr>");
	return 0;
}

/* The samples behind the figures: rejections per reason, and the surest
 * automatic decisions when an auto: annotator decided any. */
static int example_lists(store *s, const audit_report_opts *o, abuf *b, assay_error *err)
{
	list_run l = {.o = o, .b = b};
	abuf_printf(b, "<h2>Rejections by reason: examples</h2><p class='muted'>The newest %d "
		       "of each reason, the first %d characters of each text.</p>",
		    AUDIT_PER_REASON, STORE_EXAMPLE_CHARS);
	int rc = store_rejection_examples(s, o->where, AUDIT_PER_REASON, on_example, &l, err);
	if (rc < 0)
		return rc;
	abuf_puts(b, l.n ? "</table>" : "<p>No rejection yet.</p>");
	l = (list_run){.o = o, .b = b, .auto_list = true};
	size_t at = b->len;
	abuf_printf(b, "<h2>The surest automatic decisions</h2><p class='muted'>Decisions by "
		       "auto: annotators, the learned model's surest first (at most %d).</p>",
		    AUDIT_LIST_MAX);
	if ((rc = store_auto_examples(s, o->where, AUDIT_LIST_MAX, on_example, &l, err)) < 0)
		return rc;
	if (l.n)
		abuf_puts(b, "</table>");
	else
		b->data[b->len = at] = '\0'; /* no automatic decision: no section */
	return ASSAY_OK;
}

/* One grouping's rates, computed and drawn as a bar chart. */
static int chart_by(store *s, const audit_report_opts *ro, abuf *b, int by, const char *field,
		    const char *title, assay_error *err)
{
	audit_stats_opts o = {.by = {by}, .n_by = 1, .field = field, .where = ro->where};
	audit_stats st;
	int rc = audit_stats_compute(s, &o, &st, err);
	if (rc < 0)
		return rc;
	if (st.n) {
		if (by == AUDIT_BY_DAY)
			daily(b, st.groups, st.n);
		else
			bar_chart(b, title, st.groups, st.n, by == AUDIT_BY_REASON);
	}
	audit_stats_free(&st);
	return ASSAY_OK;
}

int audit_report_html(store *s, const audit_report_opts *o, abuf *b, assay_error *err)
{
	audit_stats_opts all = {.by = {AUDIT_BY_ANNOTATOR}, .n_by = 1, .where = o->where};
	audit_stats st;
	int rc = audit_stats_compute(s, &all, &st, err);
	if (rc < 0)
		return rc;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char when[40];
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
	abuf_puts(b, "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
		     "<meta name='viewport' content='width=device-width'><title>assay audit</title>");
	abuf_puts(b, style);
	abuf_puts(b, "</head><body><h1>assay audit</h1><p class='muted'>");
	esc(b, o->db_name);
	abuf_printf(b, " &middot; %s</p>", when);
	if (o->where_text) {
		abuf_puts(b, "<p class='slice'>Only the samples where <code>");
		esc(b, o->where_text);
		abuf_puts(b, "</code>: every figure, chart and list below is of this slice.</p>");
	}
	abuf_printf(b, "<div class='grid'><div class='card'><div class='big'>%llu</div>decisions</div>"
		       "<div class='card'><div class='big'>%.1f%%</div>rejected</div>"
		       "<div class='card'><div class='big'>%.1f%%</div>edited</div>"
		       "<div class='card'><div class='big'>%zu</div>annotators</div></div>",
		    (unsigned long long)st.total.decided,
		    isnan(st.total.reject_rate.rate) ? 0 : st.total.reject_rate.rate * 100,
		    isnan(st.total.edit_rate.rate) ? 0 : st.total.edit_rate.rate * 100, st.n);
	audit_stats_free(&st);
	abuf_puts(b, "<h2>Rejection rates (bars) with 95% Wilson intervals (whiskers)</h2>"
		     "<div class='grid'>");
	if ((rc = chart_by(s, o, b, AUDIT_BY_ANNOTATOR, NULL, "by annotator", err)) < 0 ||
	    (rc = chart_by(s, o, b, AUDIT_BY_REASON, NULL, "by reason: share of the rejections",
			   err)) < 0 ||
	    (rc = chart_by(s, o, b, AUDIT_BY_BATCH, NULL, "by batch", err)) < 0 ||
	    (rc = chart_by(s, o, b, AUDIT_BY_FIELD, "meta.model", "by model", err)) < 0)
		return rc;
	abuf_puts(b, "</div><h2>Over time</h2>");
	if ((rc = chart_by(s, o, b, AUDIT_BY_DAY, NULL, "per day", err)) < 0)
		return rc;
	audit_agreement_report ar;
	if ((rc = audit_agreement_compute(s, o->where, &ar, err)) < 0)
		return rc;
	abuf_puts(b, "<h2>Agreement between annotators</h2>");
	agreement_table(b, &ar);
	rc = conflict_list(s, o, b, &ar, err);
	audit_agreement_free(&ar);
	if (rc < 0)
		return rc;
	audit_calibration cal;
	if ((rc = audit_calibration_compute(s, o->where, &cal, err)) < 0)
		return rc;
	abuf_puts(b, "<h2>Scorers against the human verdict</h2>");
	if (cal.n) {
		calibration_table(b, &cal);
		abuf_puts(b, "<div class='grid'>");
		for (size_t i = 0; i < cal.n; i++)
			histogram(b, &cal.v[i]);
		abuf_puts(b, "</div>");
	} else {
		abuf_puts(b, "<p>No scored sample has a human verdict yet.</p>");
	}
	audit_calibration_free(&cal);
	if ((rc = audit_html_pairs(s, o->where, b, err)) < 0 ||
	    (rc = example_lists(s, o, b, err)) < 0)
		return rc;
	abuf_puts(b, "<p class='muted'>A sample counts as rejected when most of its verdicts reject "
		     "it. Made by assay report.</p></body></html>\n");
	return b->data ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
}
