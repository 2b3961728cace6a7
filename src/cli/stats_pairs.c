/* stats_pairs.c — `assay stats --pairs`: the pairs' figures (win rates and
 * the Bradley-Terry ranking of the generator models, position bias,
 * agreement, the flip rate of the claimed chosen) as text or JSON. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "stats_pairs.h"

static cJSON *num(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *rate_json(const audit_rate *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "rate", num(r->rate));
	cJSON_AddItemToObject(o, "low", num(r->lo));
	cJSON_AddItemToObject(o, "high", num(r->hi));
	cJSON_AddNumberToObject(o, "k", (double)r->k);
	cJSON_AddNumberToObject(o, "n", (double)r->n);
	return o;
}

static cJSON *flip_json(const audit_flip *f)
{
	cJSON *o = rate_json(&f->rate);
	cJSON_AddNumberToObject(o, "agree", (double)f->agree);
	cJSON_AddNumberToObject(o, "flips", (double)f->flips);
	cJSON_AddNumberToObject(o, "ties", (double)f->ties);
	cJSON_AddNumberToObject(o, "both_bad", (double)f->both_bad);
	return o;
}

static void to_json(const audit_pairs_report *r, cJSON *root)
{
	cJSON *p = cJSON_AddObjectToObject(root, "pairs");
	cJSON_AddNumberToObject(p, "pairs", (double)r->pairs);
	cJSON_AddNumberToObject(p, "verdicts", (double)r->verdicts);
	cJSON *models = cJSON_AddArrayToObject(p, "models");
	for (size_t i = 0; i < r->n_models; i++) {
		const audit_winrate *w = &r->win[i];
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "model", r->models[i]);
		cJSON_AddNumberToObject(m, "wins", (double)w->wins);
		cJSON_AddNumberToObject(m, "losses", (double)w->losses);
		cJSON_AddNumberToObject(m, "ties", (double)w->ties);
		cJSON_AddNumberToObject(m, "both_bad", (double)w->both_bad);
		cJSON_AddItemToObject(m, "win_rate", rate_json(&w->win));
		const audit_bt_model *b = r->bt.m ? &r->bt.m[i] : NULL;
		cJSON_AddItemToObject(m, "bt_score", num(b ? b->score : NAN));
		cJSON_AddItemToObject(m, "bt_low", num(b ? b->lo : NAN));
		cJSON_AddItemToObject(m, "bt_high", num(b ? b->hi : NAN));
		cJSON_AddNumberToObject(m, "bt_rank", b ? (double)b->rank : 0);
		cJSON_AddItemToArray(models, m);
	}
	cJSON *bias = rate_json(&r->bias.left);
	cJSON_AddItemToObject(bias, "p_value", num(r->bias.p_value));
	cJSON_AddItemToObject(p, "position_bias", bias);
	cJSON *ag = cJSON_AddObjectToObject(p, "agreement");
	cJSON_AddNumberToObject(ag, "pairs", (double)r->fleiss3.n_items);
	cJSON_AddItemToObject(ag, "fleiss_3way", num(r->fleiss3.value));
	cJSON_AddItemToObject(ag, "alpha_3way", num(r->alpha3.value));
	cJSON_AddItemToObject(ag, "fleiss_2way", num(r->fleiss2.value));
	cJSON_AddItemToObject(ag, "alpha_2way", num(r->alpha2.value));
	cJSON *flip = flip_json(&r->flip);
	cJSON *by = cJSON_AddObjectToObject(flip, "by_batch");
	for (size_t i = 0; i < r->n_batches; i++)
		cJSON_AddItemToObject(by, r->batches[i], flip_json(&r->flip_batch[i]));
	cJSON_AddItemToObject(p, "flip", flip);
}

static void pct(const audit_rate *r)
{
	if (r->n)
		printf("%.1f%% (95%% CI %.1f-%.1f%%, %llu of %llu)", 100 * r->rate, 100 * r->lo,
		       100 * r->hi, (unsigned long long)r->k, (unsigned long long)r->n);
	else
		fputs("- (none)", stdout);
}

/* A coefficient, or - when it is undefined (no overlap, one category). */
static void coef(double v)
{
	if (isfinite(v))
		printf("%.3f", v);
	else
		putchar('-');
}

static void name(const char *s, int width)
{
	cli_put_safe(stdout, s);
	int n = (int)strlen(s);
	printf("%*s", n < width ? width - n : 1, "");
}

static void to_text(const audit_pairs_report *r)
{
	printf("pairs: %llu preferences on %llu pairs\n", (unsigned long long)r->verdicts,
	       (unsigned long long)r->pairs);
	/* the dashboard's columns: 76 wide with a model name of up to 14 */
	printf("%-14s %4s %4s %4s %4s  %-21s %s\n", "model", "wins", "loss", "ties", "bad",
	       "win rate (95% CI)", "Bradley-Terry, rank");
	for (size_t i = 0; i < r->n_models; i++) {
		const audit_winrate *w = &r->win[i];
		char wr[64] = "-";
		name(r->models[i], 15);
		printf("%4llu %4llu %4llu %4llu  ", (unsigned long long)w->wins,
		       (unsigned long long)w->losses, (unsigned long long)w->ties,
		       (unsigned long long)w->both_bad);
		if (w->win.n)
			snprintf(wr, sizeof wr, "%.1f%% (%.1f-%.1f%%)", 100 * w->win.rate,
				 100 * w->win.lo, 100 * w->win.hi);
		printf("%-21s ", wr);
		const audit_bt_model *b = r->bt.m ? &r->bt.m[i] : NULL;
		if (b && b->estimable)
			printf("%.0f (%.0f-%.0f), %u\n", b->score, b->lo, b->hi, b->rank);
		else
			puts("-");
	}
	puts("(Bradley-Terry on the Elo scale, 1000 the mean, with a 95% bootstrap interval)");
	fputs("position bias: ", stdout);
	if (r->bias.left.n)
		fputs("the left side chosen ", stdout);
	if (r->bias.left.n)
		pct(&r->bias.left);
	else
		fputs(AUDIT_PAIRS_NO_PLACEMENT, stdout);
	if (isfinite(r->bias.p_value))
		printf(", p = %.3g", r->bias.p_value);
	printf("\nagreement over %zu pairs with two or more annotators:\n  3-way Fleiss ",
	       r->fleiss3.n_items);
	coef(r->fleiss3.value);
	fputs(", alpha ", stdout);
	coef(r->alpha3.value);
	fputs("; 2-way Fleiss ", stdout);
	coef(r->fleiss2.value);
	fputs(", alpha ", stdout);
	coef(r->alpha2.value);
	putchar('\n');
	fputs("claimed chosen reversed: ", stdout);
	pct(&r->flip.rate);
	printf("; ties %llu, both bad %llu\n", (unsigned long long)r->flip.ties,
	       (unsigned long long)r->flip.both_bad);
	for (size_t i = 0; i < r->n_batches; i++) {
		fputs("  batch ", stdout);
		name(r->batches[i], 30);
		pct(&r->flip_batch[i].rate);
		putchar('\n');
	}
}

void stats_print_pairs(const audit_pairs_report *r, cJSON *root)
{
	if (root)
		to_json(r, root);
	else
		to_text(r);
}
