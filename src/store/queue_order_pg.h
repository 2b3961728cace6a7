/* queue_order_pg.h — the learned orders' statements on PostgreSQL
 * (queue_order_pg.c), which queue_order.c takes there. */
#ifndef ASSAY_STORE_QUEUE_ORDER_PG_H
#define ASSAY_STORE_QUEUE_ORDER_PG_H

#include "store_int.h"

/* The probe of the learned (0), uncertain (1) or unranked (2) part. */
dbi_stmt *queue_probe_pg(store *s, int learned_probe, assay_error *err);
/* The same with a --where slice w between its selection and its test
 * (dbi_stmt_free it). */
dbi_stmt *queue_slice_probe_pg(store *s, int learned_probe, const store_where *w,
			       assay_error *err);
/* Where a sample stands in a learned order (queue_order.c's q_pos_learned). */
dbi_stmt *queue_pos_learned_pg(store *s, assay_error *err);

#endif
