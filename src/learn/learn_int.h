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

void learn_trainer_parts(learn_trainer *t, learn_trainer_view *v);

#endif
