/* neardup_old.c — a chunk of new samples matched against the samples the
 * index on disk already holds: one pass over the stored band keys (most
 * recent first), each key looked up among the chunk's sorted keys behind a
 * bit filter; at most ND_CHAIN samples per band and new sample are taken,
 * as the in-memory index walks its buckets; then each candidate's stored
 * signature is read once and compared. Memory follows the chunk. */
#include <stdlib.h>
#include <string.h>

#include "neardup_int.h"

/* The bit filter has 16 bits per key of the chunk (a stored key passes it
 * by chance 1 time in 16 or less), 2^12 to 2^24 of them: a few new samples
 * make one that stays in the cache while every stored key is looked up. */
#define FILTER_MIN 12
#define FILTER_MAX 24
/* Candidates collected before they are compared (and let go): ~7 MiB. */
#define HIT_CAP (1u << 18)

typedef struct old_pass {
	store *s;
	const uint8_t *(*sig)(void *ud, size_t i);
	void *ud;
	nd_chunk *ch;
	uint64_t *pairs; /* key << 32 | chunk index << 5 | band, sorted */
	size_t n_pairs;
	uint64_t *filter;
	unsigned filter_bits;
	uint8_t *taken; /* per chunk index and band: candidates taken */
	int64_t *hit_ids; /* candidates: stored sample hit_ids[i] for chunk sample hit_at[i] */
	uint32_t *hit_at;
	size_t n_hits, cap_hits;
} old_pass;

static int old_compare(old_pass *p, assay_error *err);

static uint32_t filter_slot(const old_pass *p, uint32_t key)
{
	return (key * 0x9E3779B1u) >> (32 - p->filter_bits);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int add_hit(old_pass *p, int64_t id, uint32_t at, assay_error *err)
{
	if (p->n_hits == HIT_CAP && old_compare(p, err) < 0)
		return err->code;
	if (p->n_hits == p->cap_hits) {
		size_t cap = p->cap_hits ? 2 * p->cap_hits : 4096;
		int64_t *ids = realloc(p->hit_ids, cap * sizeof *ids);
		if (ids)
			p->hit_ids = ids;
		uint32_t *ats = ids ? realloc(p->hit_at, cap * sizeof *ats) : NULL;
		if (!ats)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory for near-duplicates");
		p->hit_at = ats;
		p->cap_hits = cap;
	}
	p->hit_ids[p->n_hits] = id;
	p->hit_at[p->n_hits++] = at;
	return ASSAY_OK;
}

/* One stored sample: every chunk sample sharing one of its keys, in a band
 * that has not taken ND_CHAIN candidates yet, is a candidate. */
static int old_row(void *ud, int64_t id, const uint32_t keys[STORE_NEARDUP_KEYS],
		   assay_error *err)
{
	old_pass *p = ud;
	for (size_t k = 0; k < STORE_NEARDUP_KEYS; k++) {
		uint32_t f = filter_slot(p, keys[k]);
		if (!(p->filter[f >> 6] >> (f & 63) & 1))
			continue;
		uint64_t lo = (uint64_t)keys[k] << 32;
		size_t a = 0, b = p->n_pairs;
		while (a < b) {
			size_t mid = a + (b - a) / 2;
			if (p->pairs[mid] < lo)
				a = mid + 1;
			else
				b = mid;
		}
		for (; a < p->n_pairs && p->pairs[a] >> 32 == keys[k]; a++) {
			uint32_t at = (uint32_t)p->pairs[a] >> 5, band = (uint32_t)p->pairs[a] & 31;
			uint8_t *t = &p->taken[(size_t)at * SCORE_MH_BANDS + band];
			if (*t >= ND_CHAIN)
				continue;
			(*t)++;
			if (add_hit(p, id, at, err) < 0)
				return err->code;
		}
	}
	return ASSAY_OK;
}

static int cmp_hit(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Each candidate's signature read once, compared with the chunk samples
 * that met it: the most similar wins, the earliest on a tie (so batches of
 * candidates compared apart give what one would). */
static int old_compare(old_pass *p, assay_error *err)
{
	uint64_t *order = malloc((p->n_hits ? p->n_hits : 1) * 2 * sizeof *order);
	if (!order)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for near-duplicates");
	for (size_t i = 0; i < p->n_hits; i++) {
		order[2 * i] = (uint64_t)p->hit_ids[i];
		order[2 * i + 1] = p->hit_at[i];
	}
	qsort(order, p->n_hits, 2 * sizeof *order, cmp_hit);
	store_neardup row;
	bool found = false;
	int rc = ASSAY_OK;
	for (size_t i = 0; i < p->n_hits && rc == 0; i++) {
		int64_t id = (int64_t)order[2 * i];
		size_t at = (size_t)order[2 * i + 1];
		if ((i == 0 || order[2 * (i - 1)] != order[2 * i]) &&
		    (rc = store_neardup_get(p->s, id, &row, &found, err)) < 0)
			break;
		if (!found)
			continue;
		int a = score_minhash_agree(p->sig(p->ud, at), row.sig);
		nd_chunk *ch = p->ch;
		if (score_minhash_jaccard(a) > 0 &&
		    (a > ch->old_agree[at] || (a == ch->old_agree[at] && id < ch->old_id[at]))) {
			ch->old_agree[at] = a;
			ch->old_id[at] = id;
		}
	}
	free(order);
	p->n_hits = 0;
	return rc;
}

int nd_old_match(store *s, int64_t upto, nd_chunk *ch,
		 const uint8_t *(*sig)(void *ud, size_t i), void *ud, size_t *bytes,
		 assay_error *err)
{
	memset(ch->old_id, 0, ch->n * sizeof *ch->old_id);
	memset(ch->old_agree, 0, ch->n * sizeof *ch->old_agree);
	if (upto <= 0 || ch->n == 0)
		return ASSAY_OK;
	old_pass p = {.s = s, .sig = sig, .ud = ud, .ch = ch, .n_pairs = ch->n * SCORE_MH_BANDS};
	p.pairs = malloc(p.n_pairs * sizeof *p.pairs);
	p.filter_bits = FILTER_MIN;
	while (p.filter_bits < FILTER_MAX && ((size_t)1 << p.filter_bits) < 16 * p.n_pairs)
		p.filter_bits++;
	p.filter = calloc(((size_t)1 << p.filter_bits) / 64, sizeof *p.filter);
	p.taken = calloc(p.n_pairs, 1);
	if (!p.pairs || !p.filter || !p.taken) {
		free(p.pairs);
		free(p.filter);
		free(p.taken);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for near-duplicates");
	}
	for (size_t i = 0; i < ch->n; i++)
		for (size_t b = 0; b < SCORE_MH_BANDS; b++) {
			uint32_t key = ch->keys[i][b], f = filter_slot(&p, key);
			p.pairs[i * SCORE_MH_BANDS + b] = (uint64_t)key << 32 | (uint32_t)(i << 5 | b);
			p.filter[f >> 6] |= 1ull << (f & 63);
		}
	qsort(p.pairs, p.n_pairs, sizeof *p.pairs, cmp_u64);
	int rc = store_neardup_scan(s, upto, old_row, &p, err);
	size_t held = p.n_pairs * (sizeof *p.pairs + 1) + ((size_t)1 << p.filter_bits) / 8 +
		      p.cap_hits * (sizeof *p.hit_ids + sizeof *p.hit_at + 16);
	if (held > *bytes)
		*bytes = held;
	free(p.pairs);
	free(p.filter);
	free(p.taken);
	if (rc == 0)
		rc = old_compare(&p, err);
	free(p.hit_ids);
	free(p.hit_at);
	return rc;
}
