/* audit_pairs.c — the dashboard's pairs panel: the figures of `assay stats
 * --pairs` (win rates and the Bradley-Terry ranking of the generator
 * models, position bias, agreement, the flip rate of the claimed chosen)
 * as text rows, in the rounding of stats' text output. Model and batch
 * names are drawn through tui_put (untrusted text). */
#include <math.h>
#include <stdio.h>

#include "audit_int.h"

/* "12.3% (4.5-20.1%, 3 of 9)", or "-" without observations. */
static const char *rate_text(const audit_rate *r, char *buf, size_t n)
{
	if (r->n)
		snprintf(buf, n, "%.1f%% (%.1f-%.1f%%, %llu of %llu)", 100 * r->rate, 100 * r->lo,
			 100 * r->hi, (unsigned long long)r->k, (unsigned long long)r->n);
	else
		snprintf(buf, n, "- (none)");
	return buf;
}

static const char *coef_text(double v, char *buf, size_t n)
{
	if (isfinite(v))
		snprintf(buf, n, "%.3f", v);
	else
		snprintf(buf, n, "-");
	return buf;
}

/* One model's row: the name in its column, then the figures. */
static void model_row(dash *d, int y, const audit_pairs_report *r, size_t i)
{
	const audit_winrate *w = &r->win[i];
	const audit_bt_model *m = r->bt.m ? &r->bt.m[i] : NULL;
	char line[160], bt[64], wr[64];
	if (m && m->estimable && isfinite(m->lo))
		snprintf(bt, sizeof bt, "%.0f (%.0f-%.0f), %u", m->score, m->lo, m->hi, m->rank);
	else if (m && m->estimable)
		snprintf(bt, sizeof bt, "%.0f, %u", m->score, m->rank);
	else
		snprintf(bt, sizeof bt, "-");
	if (w->win.n)
		snprintf(wr, sizeof wr, "%.1f%% (%.1f-%.1f%%)", 100 * w->win.rate, 100 * w->win.lo,
			 100 * w->win.hi);
	else
		snprintf(wr, sizeof wr, "-");
	snprintf(line, sizeof line, "%4llu %4llu %4llu %4llu  %-21s %s",
		 (unsigned long long)w->wins, (unsigned long long)w->losses,
		 (unsigned long long)w->ties, (unsigned long long)w->both_bad, wr, bt);
	tui_put(d->b, y, 2, 14, r->models[i], CONF_ROLE_SAMPLE_TEXT);
	tui_put(d->b, y, 17, COLS - 18, line, CONF_ROLE_SAMPLE_TEXT);
}

/* The lines below the models: bias, agreement, the claimed chosen. */
static int summary(dash *d, int y, int end, const audit_pairs_report *r)
{
	char line[256], a[64], b[16], c[16], e[16], f[16];
	if (r->bias.left.n)
		snprintf(line, sizeof line, "position bias: the left side chosen %s",
			 rate_text(&r->bias.left, a, sizeof a));
	else
		snprintf(line, sizeof line, "position bias: %s", AUDIT_PAIRS_NO_PLACEMENT);
	if (y < end)
		tui_put(d->b, y++, 2, COLS - 4, line, CONF_ROLE_SAMPLE_TEXT);
	snprintf(line, sizeof line, "agreement over %zu pairs decided by two or more:",
		 r->fleiss3.n_items);
	if (y < end)
		tui_put(d->b, y++, 2, COLS - 4, line, CONF_ROLE_SAMPLE_TEXT);
	snprintf(line, sizeof line, "3-way Fleiss %s, alpha %s; 2-way Fleiss %s, alpha %s",
		 coef_text(r->fleiss3.value, b, sizeof b), coef_text(r->alpha3.value, c, sizeof c),
		 coef_text(r->fleiss2.value, e, sizeof e), coef_text(r->alpha2.value, f, sizeof f));
	if (y < end)
		tui_put(d->b, y++, 4, COLS - 6, line, CONF_ROLE_SAMPLE_TEXT);
	snprintf(line, sizeof line, "claimed chosen reversed: %s; ties %llu, both bad %llu",
		 rate_text(&r->flip.rate, a, sizeof a), (unsigned long long)r->flip.ties,
		 (unsigned long long)r->flip.both_bad);
	if (y < end)
		tui_put(d->b, y++, 2, COLS - 4, line, CONF_ROLE_SAMPLE_TEXT);
	for (size_t i = 0; i < r->n_batches && y < end; i++, y++) {
		tui_put(d->b, y, 4, 28, r->batches[i], CONF_ROLE_SAMPLE_TEXT);
		tui_put(d->b, y, 34, COLS - 35, rate_text(&r->flip_batch[i].rate, a, sizeof a),
			CONF_ROLE_SAMPLE_TEXT);
	}
	return y;
}

void dash_pairs_draw(dash *d, int y, int rows)
{
	const audit_pairs_report *r = &d->pairs;
	char note[96];
	snprintf(note, sizeof note, "%llu preferences on %llu pairs",
		 (unsigned long long)r->verdicts, (unsigned long long)r->pairs);
	tui_put(d->b, y, 1, COLS - 2, dash_panels[DASH_PAIRS].title, CONF_ROLE_HELP_TITLE);
	/* Bradley-Terry on the Elo scale with its 95% bootstrap interval */
	int end = y + rows;
	y += 1;
	if (y < end)
		tui_put(d->b, y++, 2, COLS - 4, note, CONF_ROLE_META_KEY);
	if (!r->verdicts) {
		tui_put(d->b, y + 1, 2, COLS - 4, "No pair has a preference here.",
			CONF_ROLE_META_KEY);
		return;
	}
	char head[160];
	snprintf(head, sizeof head, "%-14s %4s %4s %4s %4s  %-21s %s", "model", "wins", "loss",
		 "ties", "bad", "win rate (95% CI)", "Bradley-Terry, rank");
	/* to the column the model rows reach: "rank" whole at 80 columns */
	if (y < end)
		tui_put(d->b, y++, 2, COLS - 3, head, CONF_ROLE_META_KEY);
	for (size_t i = 0; i < r->n_models && y < end; i++)
		model_row(d, y++, r, i);
	summary(d, y + 1, end, r);
}
