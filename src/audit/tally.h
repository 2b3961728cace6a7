/* tally.h — values counted by their bits (tally.c), for calibration: a
 * scorer gives a handful of distinct values to a million samples, so its
 * values by verdict are kept as counts, not a million doubles to store,
 * sort and merge. */
#ifndef ASSAY_AUDIT_TALLY_H
#define ASSAY_AUDIT_TALLY_H

#include "assay/audit.h"

/* Zeroed: empty. A table of distinct values and their counts while there
 * are at most TALLY_MAX of them; past that, a plain list of the values. */
typedef struct tally {
	uint64_t *keys, *counts; /* the table (0: a free slot; no value's key is 0) */
	size_t cap, distinct;
	double *list; /* the list, once the table is given up */
	size_t n_list, cap_list;
	bool listed;
	uint64_t n; /* values counted */
} tally;

/* ASSAY_ENOMEM (t stays usable as it was). v must not be NaN. */
int tally_add(tally *t, double v);
/* Adds from's values into into and empties from. ASSAY_ENOMEM. */
int tally_join(tally *into, tally *from);
/* The distinct values ascending and their counts (allocated, free both);
 * t is emptied. ASSAY_ENOMEM. */
int tally_sorted(tally *t, double **v, uint64_t **w, size_t *k, assay_error *err);
void tally_free(tally *t);

/* Sorted distinct values with counts a and b as one such list (allocated;
 * NULL: out of memory), equal values counted together. */
typedef struct tally_list {
	double *v;
	uint64_t *w;
	size_t k;
} tally_list;
int tally_list_merge(const tally_list *a, const tally_list *b, tally_list *out);
void tally_list_free(tally_list *l);

#endif
