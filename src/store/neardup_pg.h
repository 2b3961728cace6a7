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

typedef struct neardup_ring neardup_ring;

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
	neardup_ring *ring; /* the blocks' decoding on other threads; NULL: none */
} store_neardup_blocks;

/* Decodes a block's bytes and hands its entries (the wanted ones) to
 * b->fn, at once or (with a ring) in the order read, once decoded. */
int store_neardup_block_emit(store_neardup_blocks *b, const void *blob, size_t len,
			     assay_error *err);

/* The blocks decoded on `workers` threads in all (neardup_scan.c; fewer than
 * 2: none but the caller's): b->ring set when any other thread started. */
void neardup_ring_start(store_neardup_blocks *b, size_t workers);
/* Copies a block read into the ring, handing the blocks decoded in turn to
 * b->fn. */
int neardup_ring_push(store_neardup_blocks *b, const void *blob, size_t len, assay_error *err);
/* With rc 0 hands every block left to b->fn; then stops the threads and
 * frees the ring. Returns rc, or the first error of the blocks left. */
int neardup_ring_finish(store_neardup_blocks *b, int rc, assay_error *err);
int store_neardup_block_scan_pg(store *s, store_neardup_blocks *b, assay_error *err);

#endif
