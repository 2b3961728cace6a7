/* cache.c — the verdicts' features kept in memory between passes, so a
 * later pass replays them instead of reading and extracting every verdict
 * again: per verdict a header word (feature count, fold, evaluated), the
 * reason's length and bytes, then a word per feature (its index; bit 31
 * set when a word with its value follows: most values are 1). */
#include <stdlib.h>
#include <string.h>

#include "learn_int.h"

#define HAS_VALUE 0x80000000u

void cache_free(learn_cache *c)
{
	free(c->w);
	*c = (learn_cache){.max_words = c->max_words};
}

/* Room for n more words; false (and the cache dropped) past the budget. */
static bool cache_room(learn_cache *c, size_t n)
{
	if (c->n + n <= c->cap)
		return true;
	size_t cap = c->cap ? c->cap * 2 : (size_t)1 << 20;
	while (cap < c->n + n)
		cap *= 2;
	if (cap > c->max_words)
		cap = c->max_words;
	uint32_t *w = cap >= c->n + n ? assay_realloc_big(c->w, cap * sizeof *w) : NULL;
	if (!w) {
		cache_free(c);
		c->dropped = true;
		return false;
	}
	c->w = w;
	c->cap = cap;
	return true;
}

bool cache_put(learn_cache *c, const learn_fvec *fv, unsigned fold, bool eval,
	       const char *reason)
{
	if (c->dropped)
		return false;
	/* the reason with its NUL, in whole words */
	size_t rlen = reason ? strlen(reason) : 0, rwords = reason ? rlen / 4 + 1 : 0;
	if (fv->n >= (1u << 24)) {
		cache_free(c);
		c->dropped = true;
	}
	if (c->dropped || !cache_room(c, 2 + rwords + 2 * fv->n))
		return false;
	uint32_t *w = c->w + c->n;
	*w++ = (uint32_t)fv->n << 8 | fold << 1 | (eval ? 1u : 0u);
	*w++ = reason ? (uint32_t)rlen + 1 : 0;
	if (rwords) {
		w[rwords - 1] = 0;
		memcpy(w, reason, rlen);
		w += rwords;
	}
	for (size_t k = 0; k < fv->n; k++) {
		float v = fv->v[k].val;
		*w++ = fv->v[k].idx | (v == 1.0f ? 0 : HAS_VALUE);
		if (v != 1.0f)
			memcpy(w++, &v, sizeof v);
	}
	c->n = (size_t)(w - c->w);
	c->count++;
	return true;
}

size_t cache_get(const learn_cache *c, size_t at, learn_fvec *fv, cached_verdict *out)
{
	const uint32_t *w = c->w + at;
	size_t n = w[0] >> 8, rl = w[1];
	out->fold = (w[0] >> 1) & 0x7f;
	out->eval = w[0] & 1;
	out->reason = rl ? (const char *)(w + 2) : NULL;
	out->reason_len = rl ? rl - 1 : 0;
	w += 2 + (rl ? (rl - 1) / 4 + 1 : 0);
	if (fv && ASSAY_GROW(fv->v, n, fv->cap, 256) < 0)
		return 0;
	const uint32_t *f = w;
	for (size_t k = 0; k < n; k++) {
		float v = 1.0f;
		uint32_t x = *f++;
		if (x & HAS_VALUE)
			memcpy(&v, f++, sizeof v);
		if (fv)
			fv->v[k] = (learn_feat){.idx = x & ~HAS_VALUE, .val = v};
	}
	if (fv)
		fv->n = n;
	return (size_t)(f - c->w);
}
