/* pairs.c — the counting statistics of pair verdicts: win rates per model,
 * position bias with an exact binomial test, agreement adapters over
 * agreement.c and the flip rate of imported chosen/rejected labels. The
 * Bradley-Terry ranking is in bt.c. */
#include <math.h>
#include <stdlib.h>

#include "assay/audit_pairs.h"

static bool pref_valid(int pref)
{
	return pref >= 0 && pref < AUDIT_PREF_COUNT;
}

/* Adds `count` verdicts `pref` to model m's record, from m's side
 * (as_a: m was candidate a). */
static void tally(audit_winrate *m, int pref, bool as_a, uint64_t count)
{
	if (pref == AUDIT_PREF_TIE)
		m->ties += count;
	else if (pref == AUDIT_PREF_BOTH_BAD)
		m->both_bad += count;
	else if ((pref == AUDIT_PREF_A) == as_a)
		m->wins += count;
	else
		m->losses += count;
}

int audit_winrates(const audit_pair_count *v, size_t n, size_t n_models, audit_winrate *out,
		   assay_error *err)
{
	for (size_t m = 0; m < n_models; m++)
		out[m] = (audit_winrate){.score = NAN};
	for (size_t i = 0; i < n; i++) {
		if (v[i].a >= n_models || v[i].b >= n_models || !pref_valid(v[i].pref))
			return assay_fail(err, ASSAY_EINVAL,
					  "win rates: row %zu has models %u, %u and verdict %d "
					  "(expected models below %zu, verdict 0..3)",
					  i, v[i].a, v[i].b, v[i].pref, n_models);
		if (v[i].a == v[i].b) {
			out[v[i].a].self += v[i].count;
			continue;
		}
		tally(&out[v[i].a], v[i].pref, true, v[i].count);
		tally(&out[v[i].b], v[i].pref, false, v[i].count);
	}
	for (size_t m = 0; m < n_models; m++) {
		audit_winrate *w = &out[m];
		uint64_t decisive = w->wins + w->losses, played = decisive + w->ties;
		int rc = audit_wilson(w->wins, decisive, AUDIT_Z95, &w->win, err);
		if (rc == ASSAY_OK)
			rc = audit_wilson(w->ties, played, AUDIT_Z95, &w->tie, err);
		if (rc < 0)
			return rc;
		if (played)
			w->score = ((double)w->wins + 0.5 * (double)w->ties) / (double)played;
	}
	return ASSAY_OK;
}

double audit_binom_test_half(uint64_t k, uint64_t n)
{
	if (n == 0 || k > n)
		return NAN;
	uint64_t m = k < n - k ? k : n - k;
	if (2 * m == n)
		return 1.0;
	/* P(X <= m) for X ~ Bin(n, 1/2): start from the largest term, pmf(m),
	 * and walk down with pmf(i - 1) = pmf(i) i / (n - i + 1) until the
	 * terms no longer change the sum. */
	double nn = (double)n, mm = (double)m;
	double term = exp(lgamma(nn + 1.0) - lgamma(mm + 1.0) - lgamma(nn - mm + 1.0) -
			  nn * 0.6931471805599453);
	double sum = term;
	for (uint64_t i = m; i > 0 && term > sum * 1e-17; i--) {
		term *= (double)i / (double)(n - i + 1);
		sum += term;
	}
	return fmin(1.0, 2.0 * sum);
}

void audit_position_bias_compute(uint64_t left, uint64_t right, audit_position_bias *out)
{
	audit_wilson(left, left + right, AUDIT_Z95, &out->left, NULL);
	out->p_value = audit_binom_test_half(left, left + right);
}

int audit_pref_category(int pref, int ways)
{
	if (pref == AUDIT_MISSING)
		return AUDIT_MISSING;
	if (!pref_valid(pref))
		return -2;
	if (pref == AUDIT_PREF_A || pref == AUDIT_PREF_B)
		return pref;
	return ways == AUDIT_PAIR_3WAY ? 2 : AUDIT_MISSING;
}

static int check_ways(int ways, assay_error *err)
{
	if (ways == AUDIT_PAIR_3WAY || ways == AUDIT_PAIR_2WAY)
		return ASSAY_OK;
	return assay_fail(err, ASSAY_EINVAL, "pair agreement: %d-way is neither 2- nor 3-way",
			  ways);
}

int audit_pairs_cohen(const int *a, const int *b, size_t n, int ways, audit_agreement *out,
		      assay_error *err)
{
	*out = (audit_agreement){.value = NAN, .observed = NAN, .expected = NAN};
	if (check_ways(ways, err) < 0)
		return err ? err->code : ASSAY_EINVAL;
	int *ca = malloc((n ? n : 1) * sizeof *ca), *cb = malloc((n ? n : 1) * sizeof *cb);
	if (!ca || !cb) {
		free(ca);
		free(cb);
		return assay_fail(err, ASSAY_ENOMEM, "pair agreement: out of memory");
	}
	int rc = ASSAY_OK;
	for (size_t i = 0; i < n && rc == ASSAY_OK; i++) {
		ca[i] = audit_pref_category(a[i], ways);
		cb[i] = audit_pref_category(b[i], ways);
		if (ca[i] == -2 || cb[i] == -2)
			rc =
			    assay_fail(err, ASSAY_EINVAL, "pair agreement: pair %zu has verdict %d",
				       i, ca[i] == -2 ? a[i] : b[i]);
	}
	if (rc == ASSAY_OK)
		rc = audit_cohen(ca, cb, n, ways, out, err);
	free(ca);
	free(cb);
	return rc;
}

int audit_pairs_agreement(const uint32_t *counts, size_t n_items, int ways, audit_agreement *fleiss,
			  audit_agreement *alpha, assay_error *err)
{
	if (check_ways(ways, err) < 0)
		return err ? err->code : ASSAY_EINVAL;
	size_t w = (size_t)ways;
	uint32_t *folded = malloc((n_items ? n_items : 1) * w * sizeof *folded);
	if (!folded)
		return assay_fail(err, ASSAY_ENOMEM, "pair agreement: out of memory for %zu pairs",
				  n_items);
	for (size_t i = 0; i < n_items; i++) {
		const uint32_t *in = counts + i * AUDIT_PREF_COUNT;
		uint32_t *row = folded + i * w;
		row[0] = in[AUDIT_PREF_A];
		row[1] = in[AUDIT_PREF_B];
		if (ways == AUDIT_PAIR_3WAY)
			row[2] = in[AUDIT_PREF_TIE] + in[AUDIT_PREF_BOTH_BAD];
	}
	int rc = ASSAY_OK;
	if (fleiss)
		rc = audit_fleiss(folded, n_items, ways, fleiss, err);
	if (rc == ASSAY_OK && alpha)
		rc = audit_kripp_alpha(folded, n_items, ways, alpha, err);
	free(folded);
	return rc;
}

static void flip_add(audit_flip *f, int claimed, int pref)
{
	if (pref == AUDIT_PREF_TIE)
		f->ties++;
	else if (pref == AUDIT_PREF_BOTH_BAD)
		f->both_bad++;
	else if (pref == claimed)
		f->agree++;
	else
		f->flips++;
}

static void flip_finish(audit_flip *f)
{
	audit_wilson(f->flips, f->agree + f->flips, AUDIT_Z95, &f->rate, NULL);
}

int audit_flip_rates(const audit_flip_obs *v, size_t n, size_t n_groups, audit_flip *groups,
		     audit_flip *total, assay_error *err)
{
	for (size_t g = 0; g < n_groups; g++)
		groups[g] = (audit_flip){0};
	*total = (audit_flip){0};
	for (size_t i = 0; i < n; i++) {
		bool claim_ok = v[i].claimed == AUDIT_PREF_A || v[i].claimed == AUDIT_PREF_B;
		if (v[i].group >= n_groups || !claim_ok || !pref_valid(v[i].pref))
			return assay_fail(err, ASSAY_EINVAL,
					  "flip rate: verdict %zu has group %u, claim %d, verdict "
					  "%d (expected a group below %zu, claim a or b)",
					  i, v[i].group, v[i].claimed, v[i].pref, n_groups);
		flip_add(&groups[v[i].group], v[i].claimed, v[i].pref);
		flip_add(total, v[i].claimed, v[i].pref);
	}
	for (size_t g = 0; g < n_groups; g++)
		flip_finish(&groups[g]);
	flip_finish(total);
	return ASSAY_OK;
}
