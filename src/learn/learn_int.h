/* learn_int.h — what train.c shows model.c. Private to src/learn/. */
#ifndef ASSAY_LEARN_INT_H
#define ASSAY_LEARN_INT_H

#include "ftrl.h"

/* The reason head learns at most this many reasons (the most frequent
 * come first in practice: a reason joins when first seen), each over
 * 2^LEARN_REASON_BITS weights. */
#define LEARN_MAX_REASONS 16
#define LEARN_REASON_BITS 18
/* Signals kept with a model, and how often a feature must have occurred
 * to be named as one (rarer ones are noise). */
#define LEARN_MAX_SIGNALS 40
#define LEARN_SIGNAL_MIN_SEEN 3
/* The most memory the first pass keeps features in for the later ones. */
#define LEARN_CACHE_BYTES ((size_t)96 << 20)

typedef struct learn_trainer_view {
	const learn_settings *s;
	const ftrl *full;
	const ftrl *rhead;
	char *const *reasons;
	size_t n_reasons;
	const uint32_t *seen;
	const uint32_t *name_at;
	const char *names;
	size_t n_rej, n_kept;
} learn_trainer_view;

/* The features of the verdicts a later pass needs, kept by the first pass
 * (cache.c) within a budget of max_words; dropped (and every later pass
 * reads the verdicts again) when they would not fit. */
typedef struct learn_cache {
	uint32_t *w;
	size_t n, cap, max_words;
	size_t count; /* verdicts kept */
	bool dropped;
} learn_cache;

typedef struct cached_verdict {
	unsigned fold;
	bool eval;
	const char *reason; /* NUL-terminated, or NULL */
	size_t reason_len;
} cached_verdict;

/* Keeps fv and the verdict's fold, share and reason; false when the cache
 * is (now) dropped. */
bool cache_put(learn_cache *c, const learn_fvec *fv, unsigned fold, bool eval,
	       const char *reason);
/* The verdict kept at word at into *out and its features into fv (when
 * not NULL); returns where the next one starts, 0 out of memory. */
size_t cache_get(const learn_cache *c, size_t at, learn_fvec *fv, cached_verdict *out);
void cache_free(learn_cache *c);

void learn_trainer_parts(learn_trainer *t, learn_trainer_view *v);

/* A string field of a record for learn_record_scan: outer is the object
 * member it is in (NULL at the top level; outer_len bytes, not
 * NUL-terminated), key and val NUL-terminated (valid during the call).
 * Returns 1 to go on, or ASSAY_ENOMEM. */
typedef int learn_scan_fn(void *ud, const char *outer, size_t outer_len, const char *key,
			  size_t key_len, const char *val, size_t val_len);
/* Every string of the record's top-level object and of its object
 * members, in order, decoded as cJSON decodes them, without a tree; key
 * and val are scratch. 1 when read, 0 when the record must be parsed with
 * cJSON instead (fn may have been called), or ASSAY_ENOMEM. */
int learn_record_scan(const char *record, size_t len, learn_scan_fn *fn, void *ud, abuf *key,
		      abuf *val);

#endif
