/* pairs_report.c — the statistics of pairwise preferences read from the
 * store in one pass (store_prefs_each, in pair order) and handed to the
 * pure functions of pairs.c and bt.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/audit_pairs.h"
#include "assay/store.h"

typedef struct acc {
	audit_pairs_report *r;
	audit_pair_count *counts;
	size_t n_counts, cap_counts;
	uint32_t *per_pair; /* AUDIT_PREF_COUNT per pair with two or more verdicts */
	size_t n_multi, cap_multi;
	uint32_t cur[AUDIT_PREF_COUNT];
	int64_t cur_sample;
	audit_flip_obs *flips;
	size_t n_flips, cap_flips;
	int64_t *batch_ids;
	bool nomem;
} acc;

static void *grow(void *v, size_t *cap, size_t need, size_t size, bool *nomem)
{
	if (need <= *cap)
		return v;
	size_t c = *cap ? *cap * 2 : 64;
	void *p = realloc(v, c * size);
	if (!p) {
		*nomem = true;
		return v;
	}
	*cap = c;
	return p;
}

/* The index of a name in *names (added when new). */
static uint32_t index_of(char ***names, size_t *n, const char *name, bool *nomem)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*names)[i], name) == 0)
			return (uint32_t)i;
	char **v = realloc(*names, (*n + 1) * sizeof *v);
	char *copy = assay_strdup(name);
	if (!v || !copy) {
		free(copy);
		if (v)
			*names = v;
		*nomem = true;
		return 0;
	}
	*names = v;
	v[*n] = copy;
	return (uint32_t)(*n)++;
}

/* The verdict counts of the pair just finished, when two or more gave one. */
static void close_pair(acc *a)
{
	uint32_t n = 0;
	for (int p = 0; p < AUDIT_PREF_COUNT; p++)
		n += a->cur[p];
	if (n >= 2) {
		a->per_pair = grow(a->per_pair, &a->cap_multi, (a->n_multi + 1) * AUDIT_PREF_COUNT,
				   sizeof *a->per_pair, &a->nomem);
		if (!a->nomem)
			memcpy(a->per_pair + a->n_multi++ * AUDIT_PREF_COUNT, a->cur, sizeof a->cur);
	}
	memset(a->cur, 0, sizeof a->cur);
}

static int each(void *ud, const store_pref_row *row)
{
	acc *a = ud;
	audit_pairs_report *r = a->r;
	int pref = row->pref - STORE_PREF_A; /* enum audit_pref */
	if (row->sample_id != a->cur_sample) {
		close_pair(a);
		a->cur_sample = row->sample_id;
		r->pairs++;
	}
	r->verdicts++;
	a->cur[pref]++;
	uint32_t ma = index_of(&r->models, &r->n_models, row->a_model ? row->a_model : "(unknown)",
			       &a->nomem);
	uint32_t mb = index_of(&r->models, &r->n_models, row->b_model ? row->b_model : "(unknown)",
			       &a->nomem);
	a->counts = grow(a->counts, &a->cap_counts, a->n_counts + 1, sizeof *a->counts, &a->nomem);
	if (!a->nomem)
		a->counts[a->n_counts++] = (audit_pair_count){ma, mb, pref, 1};
	bool decisive = pref == AUDIT_PREF_A || pref == AUDIT_PREF_B;
	if (decisive && row->placement != STORE_PLACE_NONE)
		(pref == AUDIT_PREF_A) == (row->placement == STORE_PLACE_AB) ? r->left++ : r->right++;
	if (row->claimed != STORE_PREF_NONE) {
		size_t nb = r->n_batches;
		char name[32];
		snprintf(name, sizeof name, "%lld", (long long)row->batch_id);
		uint32_t g = index_of(&r->batches, &r->n_batches, name, &a->nomem);
		if (r->n_batches > nb) {
			int64_t *ids = realloc(a->batch_ids, r->n_batches * sizeof *ids);
			a->nomem |= !ids;
			if (ids)
				(a->batch_ids = ids)[g] = row->batch_id;
		}
		a->flips = grow(a->flips, &a->cap_flips, a->n_flips + 1, sizeof *a->flips, &a->nomem);
		if (!a->nomem)
			a->flips[a->n_flips++] = (audit_flip_obs){g, row->claimed - STORE_PREF_A, pref};
	}
	return a->nomem ? ASSAY_ENOMEM : 0;
}

/* The batches' names in place of their ids. */
static int name_batches(store *s, audit_pairs_report *r, const int64_t *ids, assay_error *err)
{
	store_names names;
	int rc = store_batch_names(s, &names, err);
	for (size_t i = 0; rc == ASSAY_OK && i < r->n_batches; i++) {
		const char *n = store_names_get(&names, ids[i]);
		char *copy = n ? assay_strdup(n) : NULL;
		if (copy) {
			free(r->batches[i]);
			r->batches[i] = copy;
		}
	}
	if (rc == ASSAY_OK)
		store_names_free(&names);
	return rc;
}

static int figures(store *s, acc *a, assay_error *err)
{
	audit_pairs_report *r = a->r;
	r->win = calloc(r->n_models ? r->n_models : 1, sizeof *r->win);
	r->flip_batch = calloc(r->n_batches ? r->n_batches : 1, sizeof *r->flip_batch);
	if (!r->win || !r->flip_batch)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	int rc = audit_winrates(a->counts, a->n_counts, r->n_models, r->win, err);
	if (rc == ASSAY_OK && r->n_models)
		rc = audit_bt_fit(a->counts, a->n_counts, r->n_models, NULL, &r->bt, err);
	audit_position_bias_compute(r->left, r->right, &r->bias);
	if (rc == ASSAY_OK)
		rc = audit_pairs_agreement(a->per_pair, a->n_multi, AUDIT_PAIR_3WAY, &r->fleiss3,
					   &r->alpha3, err);
	if (rc == ASSAY_OK)
		rc = audit_pairs_agreement(a->per_pair, a->n_multi, AUDIT_PAIR_2WAY, &r->fleiss2,
					   &r->alpha2, err);
	if (rc == ASSAY_OK)
		rc = audit_flip_rates(a->flips, a->n_flips, r->n_batches, r->flip_batch, &r->flip,
				      err);
	if (rc == ASSAY_OK)
		rc = name_batches(s, r, a->batch_ids, err);
	return rc;
}

int audit_pairs_report_compute(store *s, const store_prefs_filter *f, audit_pairs_report *out,
			       assay_error *err)
{
	*out = (audit_pairs_report){0};
	acc a = {.r = out, .cur_sample = -1};
	int rc = store_prefs_each(s, f, each, &a, err);
	if (rc == ASSAY_ENOMEM || a.nomem)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (rc == ASSAY_OK) {
		close_pair(&a);
		rc = a.nomem ? assay_fail(err, ASSAY_ENOMEM, "out of memory") : figures(s, &a, err);
	}
	free(a.counts);
	free(a.per_pair);
	free(a.flips);
	free(a.batch_ids);
	if (rc < 0)
		audit_pairs_report_free(out);
	return rc;
}

void audit_pairs_report_free(audit_pairs_report *r)
{
	for (size_t i = 0; i < r->n_models; i++)
		free(r->models[i]);
	for (size_t i = 0; i < r->n_batches; i++)
		free(r->batches[i]);
	free(r->models);
	free(r->batches);
	free(r->win);
	free(r->flip_batch);
	audit_bt_free(&r->bt);
	*r = (audit_pairs_report){0};
}
