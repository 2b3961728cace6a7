/* tally.c — values counted by their bits (see tally.h): an open-addressing
 * table of distinct values while they are few, a plain list past
 * TALLY_MAX of them; read back sorted, as distinct values with counts. */
#include <stdlib.h>
#include <string.h>

#include "dkey.h"
#include "tally.h"

/* Past this many distinct values a list costs less than the table. */
#define TALLY_MAX 4096

static size_t slot_of(uint64_t k, size_t cap)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

static size_t find(const tally *t, uint64_t k)
{
	size_t h = slot_of(k, t->cap);
	while (t->keys[h] && t->keys[h] != k)
		h = (h + 1) & (t->cap - 1);
	return h;
}

static int grow_table(tally *t)
{
	size_t cap = t->cap ? t->cap * 2 : 16;
	uint64_t *keys = calloc(cap, sizeof *keys), *counts = calloc(cap, sizeof *counts);
	if (!keys || !counts) {
		free(keys);
		free(counts);
		return ASSAY_ENOMEM;
	}
	tally bigger = {.keys = keys, .counts = counts, .cap = cap};
	for (size_t i = 0; i < t->cap; i++)
		if (t->keys[i]) {
			size_t h = find(&bigger, t->keys[i]);
			keys[h] = t->keys[i];
			counts[h] = t->counts[i];
		}
	free(t->keys);
	free(t->counts);
	t->keys = keys;
	t->counts = counts;
	t->cap = cap;
	return ASSAY_OK;
}

static int list_push(tally *t, double v, uint64_t count)
{
	if (t->n_list + count > t->cap_list) {
		size_t cap = t->cap_list ? t->cap_list : 4096;
		while (cap < t->n_list + count)
			cap *= 2;
		double *p = assay_realloc_big(t->list, cap * sizeof *p);
		if (!p)
			return ASSAY_ENOMEM;
		t->list = p;
		t->cap_list = cap;
	}
	for (uint64_t i = 0; i < count; i++)
		t->list[t->n_list++] = v;
	return ASSAY_OK;
}

/* Too many distinct values: the table's counts become the list's values. */
static int give_up_table(tally *t)
{
	for (size_t i = 0; i < t->cap; i++)
		if (t->keys[i] && list_push(t, dkey_double(t->keys[i]), t->counts[i]) < 0)
			return ASSAY_ENOMEM;
	free(t->keys);
	free(t->counts);
	t->keys = t->counts = NULL;
	t->cap = t->distinct = 0;
	t->listed = true;
	return ASSAY_OK;
}

static int add_n(tally *t, uint64_t k, uint64_t count)
{
	if (t->listed)
		return list_push(t, dkey_double(k), count);
	size_t h = t->cap ? find(t, k) : 0;
	if (!t->cap || !t->keys[h]) {
		if (t->distinct >= TALLY_MAX)
			return give_up_table(t) < 0 ? ASSAY_ENOMEM : list_push(t, dkey_double(k), count);
		if (2 * (t->distinct + 1) > t->cap) {
			if (grow_table(t) < 0)
				return ASSAY_ENOMEM;
			h = find(t, k);
		}
		t->keys[h] = k;
		t->counts[h] = 0;
		t->distinct++;
	}
	t->counts[h] += count;
	return ASSAY_OK;
}

int tally_add(tally *t, double v)
{
	uint64_t k = dkey_of(v);
	if (t->cap) { /* most values are in the table already */
		size_t h = find(t, k);
		if (t->keys[h]) {
			t->counts[h]++;
			t->n++;
			return ASSAY_OK;
		}
	}
	int rc = add_n(t, k, 1);
	t->n += rc == ASSAY_OK;
	return rc;
}

int tally_join(tally *into, tally *from)
{
	int rc = ASSAY_OK;
	for (size_t i = 0; rc == ASSAY_OK && i < from->cap; i++)
		if (from->keys[i])
			rc = add_n(into, from->keys[i], from->counts[i]);
	for (size_t i = 0; rc == ASSAY_OK && i < from->n_list; i++)
		rc = add_n(into, dkey_of(from->list[i]), 1);
	if (rc == ASSAY_OK)
		into->n += from->n;
	tally_free(from);
	return rc;
}

static int by_key(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return (*x > *y) - (*x < *y);
}

/* The table's (key, count) pairs in key order. */
static int table_sorted(tally *t, double *v, uint64_t *w)
{
	uint64_t(*pairs)[2] = malloc((t->distinct ? t->distinct : 1) * sizeof *pairs);
	if (!pairs)
		return ASSAY_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->keys[i]) {
			pairs[k][0] = t->keys[i];
			pairs[k++][1] = t->counts[i];
		}
	qsort(pairs, k, sizeof *pairs, by_key);
	for (size_t i = 0; i < k; i++) {
		v[i] = dkey_double(pairs[i][0]);
		w[i] = pairs[i][1];
	}
	free(pairs);
	return ASSAY_OK;
}

int tally_sorted(tally *t, double **v, uint64_t **w, size_t *k, assay_error *err)
{
	size_t most = t->listed ? t->n_list : t->distinct;
	*v = malloc((most ? most : 1) * sizeof **v);
	*w = malloc((most ? most : 1) * sizeof **w);
	*k = 0;
	int rc = *v && *w ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (rc == ASSAY_OK && !t->listed) {
		if ((rc = table_sorted(t, *v, *w)) < 0)
			assay_fail(err, rc, "out of memory");
		*k = t->distinct;
	} else if (rc == ASSAY_OK && (rc = audit_sort(t->list, t->n_list, err)) == ASSAY_OK) {
		for (size_t i = 0; i < t->n_list; i++) {
			if (*k && (*v)[*k - 1] == t->list[i]) {
				(*w)[*k - 1]++;
				continue;
			}
			(*v)[*k] = t->list[i];
			(*w)[(*k)++] = 1;
		}
	}
	tally_free(t);
	return rc;
}

void tally_free(tally *t)
{
	free(t->keys);
	free(t->counts);
	free(t->list);
	*t = (tally){0};
}

int tally_list_merge(const tally_list *a, const tally_list *b, tally_list *out)
{
	size_t most = a->k + b->k ? a->k + b->k : 1, i = 0, j = 0, o = 0;
	*out = (tally_list){malloc(most * sizeof *out->v), malloc(most * sizeof *out->w), 0};
	if (!out->v || !out->w) {
		tally_list_free(out);
		return ASSAY_ENOMEM;
	}
	while (i < a->k || j < b->k) {
		bool from_b = i >= a->k || (j < b->k && b->v[j] < a->v[i]);
		bool both = !from_b && j < b->k && b->v[j] == a->v[i];
		out->v[o] = from_b ? b->v[j] : a->v[i];
		out->w[o++] = (from_b ? b->w[j] : a->w[i]) + (both ? b->w[j] : 0);
		i += !from_b;
		j += from_b || both;
	}
	out->k = o;
	return ASSAY_OK;
}

void tally_list_free(tally_list *l)
{
	free(l->v);
	free(l->w);
	*l = (tally_list){0};
}
