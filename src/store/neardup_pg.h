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
int store_neardup_put_pg(store *s, const store_neardup *row,
			 const uint32_t keys[STORE_NEARDUP_KEYS], assay_error *err);
int store_neardup_grow_pg(store *s, int64_t sample_id, int64_t size, int agree_max,
			  assay_error *err);
int store_neardup_scan_pg(store *s, int64_t upto,
			  int (*fn)(void *ud, int64_t sample_id,
				    const uint32_t keys[STORE_NEARDUP_KEYS], assay_error *err),
			  void *ud, assay_error *err);

#endif
