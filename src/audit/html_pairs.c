/* html_pairs.c — the "Pairs" section of `assay report --html`: the figures
 * of `assay stats --pairs` (audit_pairs_report_compute) as tables, in the
 * same rounding as its text output. Every name from the data is escaped. */
#include <math.h>

#include "assay/audit_pairs.h"
#include "html_int.h"

/* A rate as a percentage with its interval and counts, or "-". */
static void rate_cells(abuf *b, const audit_rate *r)
{
	if (r->n)
		abuf_printf(b, "<td>%.1f%%</td><td>%.1f-%.1f%%</td><td>%llu of %llu</td>",
			    100 * r->rate, 100 * r->lo, 100 * r->hi, (unsigned long long)r->k,
			    (unsigned long long)r->n);
	else
		abuf_puts(b, "<td>-</td><td>-</td><td>0 of 0</td>");
}

static void coef_cell(abuf *b, double v)
{
	if (isfinite(v))
		abuf_printf(b, "<td>%.3f</td>", v);
	else
		abuf_puts(b, "<td>-</td>");
}

static void models_table(abuf *b, const audit_pairs_report *r)
{
	abuf_puts(b, "<h3>Generator models</h3><table class='pairs-models'><tr><th>model</th>"
		     "<th>wins</th><th>losses</th><th>ties</th><th>both bad</th>"
		     "<th>win rate</th><th>95% CI</th><th>decisive</th>"
		     "<th>Bradley-Terry (Elo scale)</th><th>95% CI</th><th>rank</th></tr>");
	for (size_t i = 0; i < r->n_models; i++) {
		const audit_winrate *w = &r->win[i];
		abuf_puts(b, "<tr><td>");
		audit_html_esc(b, r->models[i]);
		abuf_printf(b, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>",
			    (unsigned long long)w->wins, (unsigned long long)w->losses,
			    (unsigned long long)w->ties, (unsigned long long)w->both_bad);
		rate_cells(b, &w->win);
		const audit_bt_model *m = r->bt.m ? &r->bt.m[i] : NULL;
		if (m && m->estimable && isfinite(m->lo))
			abuf_printf(b, "<td>%.0f</td><td>%.0f-%.0f</td><td>%u</td></tr>", m->score,
				    m->lo, m->hi, m->rank);
		else if (m && m->estimable)
			abuf_printf(b, "<td>%.0f</td><td>-</td><td>%u</td></tr>", m->score, m->rank);
		else
			abuf_puts(b, "<td>-</td><td>-</td><td>-</td></tr>");
	}
	abuf_printf(b, "</table><p class='muted'>Win rate: wins over wins and losses, with its "
		       "95%% Wilson interval. Bradley-Terry: the models' strengths on the Elo "
		       "scale (ties half a win each), 95%% percentile intervals from %d of %d "
		       "bootstrap resamples; rank 1 is the best%s.</p>",
		    r->bt.resamples_used, r->bt.resamples,
		    r->bt.connected ? "" : " of its part (the models did not all meet)");
}

static void bias_and_agreement(abuf *b, const audit_pairs_report *r)
{
	abuf_puts(b, "<h3>Position bias</h3><table class='pairs-bias'><tr><th></th>"
		     "<th>share</th><th>95% CI</th><th>verdicts</th><th>p (binomial, 1/2)</th>"
		     "</tr><tr><td>the left side chosen</td>");
	rate_cells(b, &r->bias.left);
	coef_cell(b, r->bias.p_value);
	abuf_printf(b, "</tr></table><p class='muted'>Over the decisive verdicts whose left/right "
		       "placement was recorded (review shows the candidates in a random "
		       "order).</p><h3>Agreement on pairs</h3><p>%zu pairs decided by two or more "
		       "annotators.</p><table class='pairs-agreement'><tr><th>coefficient</th>"
		       "<th>a / b / tie / both bad</th><th>a / b</th></tr><tr><td>Fleiss' kappa"
		       "</td>",
		    r->fleiss3.n_items);
	coef_cell(b, r->fleiss3.value);
	coef_cell(b, r->fleiss2.value);
	abuf_puts(b, "</tr><tr><td>Krippendorff's alpha</td>");
	coef_cell(b, r->alpha3.value);
	coef_cell(b, r->alpha2.value);
	abuf_puts(b, "</tr></table>");
}

static void flip_row(abuf *b, const char *name, const audit_flip *f)
{
	abuf_puts(b, "<tr><td>");
	audit_html_esc(b, name);
	abuf_puts(b, "</td>");
	rate_cells(b, &f->rate);
	abuf_printf(b, "<td>%llu</td><td>%llu</td></tr>", (unsigned long long)f->ties,
		    (unsigned long long)f->both_bad);
}

static void flip_table(abuf *b, const audit_pairs_report *r)
{
	abuf_puts(b, "<h3>The records' claimed chosen</h3>");
	if (!r->n_batches) {
		abuf_puts(b, "<p>No pair came with a claimed chosen.</p>");
		return;
	}
	abuf_puts(b, "<table class='pairs-flip'><tr><th>batch</th><th>reversed</th>"
		     "<th>95% CI</th><th>of</th><th>ties</th><th>both bad</th></tr>");
	for (size_t i = 0; i < r->n_batches; i++)
		flip_row(b, r->batches[i], &r->flip_batch[i]);
	abuf_puts(b, "<tr><td><i>all</i></td>");
	rate_cells(b, &r->flip.rate);
	abuf_printf(b, "<td>%llu</td><td>%llu</td></tr></table><p class='muted'>How often the "
		       "annotators' preference reverses the dataset's chosen, over the "
		       "preferences for a or b.</p>",
		    (unsigned long long)r->flip.ties, (unsigned long long)r->flip.both_bad);
}

int audit_html_pairs(store *s, const store_where *where, abuf *b, assay_error *err)
{
	audit_pairs_report r;
	store_prefs_filter f = {.where = where};
	int rc = audit_pairs_report_compute(s, &f, &r, err);
	if (rc < 0)
		return rc;
	if (r.verdicts) {
		abuf_printf(b, "<h2 id='pairs'>Pairs</h2><p>%llu preferences on %llu pairs of "
			       "candidates (machines left out).</p>",
			    (unsigned long long)r.verdicts, (unsigned long long)r.pairs);
		models_table(b, &r);
		bias_and_agreement(b, &r);
		flip_table(b, &r);
	}
	audit_pairs_report_free(&r);
	return ASSAY_OK;
}
