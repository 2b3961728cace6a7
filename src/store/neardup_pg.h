/* neardup_pg.h — the near-duplicate index's functions (store_scores.h) on
 * a PostgreSQL store (neardup_pg.c); neardup.c hands over to them. */
#ifndef ASSAY_STORE_NEARDUP_PG_H
#define ASSAY_STORE_NEARDUP_PG_H

#include "store_int.h"

int store_neardup_state_pg(store *s, char *version, size_t size, int64_t *upto,
			   assay_error *err);
int store_neardup_reset_pg(store *s, const char *version, assay_error *err);
int store_neardup_done_pg(store *s, int64_t upto, assay_error *err);
int store_neardup_get_pg(store *s, int64_t sample_id, store_neardup *out, bool *found,
			 assay_error *err);
int store_neardup_put_pg(store *s, const store_neardup *row, assay_error *err);
int store_neardup_grow_pg(store *s, int64_t sample_id, int64_t size, int agree_max,
			  assay_error *err);
int store_neardup_block_put_pg(store *s, int64_t last, const void *blob, size_t len,
			       assay_error *err);
int store_neardup_trim_pg(store *s, int64_t upto, assay_error *err);

/* A scan of the band blocks (neardup_bands.c): the decoded entries of the
 * block in hand, handed to fn. */
typedef struct store_neardup_blocks {
	int (*fn)(void *ud, const uint32_t *keys, const int64_t *ids, size_t n,
		  assay_error *err);
	void *ud;
	const char *path;
	const uint32_t *want; /* the keys wanted, ascending (NULL: all) */
	size_t n_want;
	uint64_t *filter; /* made from want (neardup_code_filter) */
	uint32_t *keys;
	int64_t *ids;
	size_t cap;
} store_neardup_blocks;

/* Decodes a block's bytes and hands its entries (the wanted ones) to
 * b->fn. */
int store_neardup_block_emit(store_neardup_blocks *b, const void *blob, size_t len,
			     assay_error *err);
int store_neardup_block_scan_pg(store *s, store_neardup_blocks *b, assay_error *err);

#endif
