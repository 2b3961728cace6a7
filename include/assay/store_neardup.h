/* store_neardup.h — the near-duplicate index kept in the database
 * (src/store/neardup.c): each indexed sample's signature and place in its
 * cluster, the LSH band keys, and the scorer version the clusters were
 * formed under. Samples are indexed in id order, so the indexed ones are
 * always the first ones and a run indexes only the samples after them. */
#ifndef ASSAY_STORE_NEARDUP_H
#define ASSAY_STORE_NEARDUP_H

#include "assay/store.h"

/* Bytes of a stored signature (SCORE_MH_BYTES). */
#define STORE_ND_SIG 128

typedef struct store_nd_row {
	int64_t sample_id;
	uint8_t sig[STORE_ND_SIG];
	int64_t cluster; /* the sample its cluster starts at (itself when first) */
	int64_t of;	 /* the earlier sample it is a near-duplicate of, or 0 */
	double sim_of;	 /* its estimated similarity to its most similar earlier sample */
	double sim_max;	 /* the highest of sim_of and the later members' similarity to it */
	int64_t size;	 /* samples in the cluster it starts (1 when none) */
} store_nd_row;

/* The version the stored clusters were formed under ("" when none); out
 * needs cap bytes. */
int store_nd_version(store *s, char *out, size_t cap, assay_error *err);
/* Empties the index and records version for what will be added. */
int store_nd_reset(store *s, const char *version, assay_error *err);
/* The largest indexed sample id (0 when the index is empty). */
int store_nd_last(store *s, int64_t *last, assay_error *err);
/* Adds one sample (inside the caller's transaction). */
int store_nd_add(store *s, const store_nd_row *row, assay_error *err);
/* Adds n band keys, keys[i] of sample ids[i] (fastest in key order, as
 * signed 32-bit values). */
int store_nd_add_bands(store *s, const uint32_t *keys, const int64_t *ids, size_t n,
		       assay_error *err);

/* A sample holding a band key. */
typedef struct store_nd_hit {
	uint32_t key;
	int64_t sample_id;
} store_nd_hit;

/* The indexed samples holding any of keys[0..n) (distinct), the
 * cap most recent per key, in key order (as signed 32-bit values) and the
 * most recent first within a key; *hits is allocated (free it), *n_hits
 * its count. One statement, whatever n. */
int store_nd_lookup(store *s, const uint32_t *keys, size_t n, size_t cap, store_nd_hit **hits,
		    size_t *n_hits, assay_error *err);
/* One indexed sample (*found false when it is not indexed). */
int store_nd_get(store *s, int64_t sample_id, store_nd_row *row, bool *found, assay_error *err);
/* A new member joined the cluster starting at `cluster` as a near-duplicate
 * of `of` at similarity sim: the cluster counts one more sample and of's
 * highest similarity rises to sim when below. */
int store_nd_grow(store *s, int64_t cluster, int64_t of, double sim, assay_error *err);

#endif
