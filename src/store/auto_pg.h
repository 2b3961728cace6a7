/* auto_pg.h — what `decide --auto` reads on PostgreSQL (auto_pg.c), which
 * auto.c hands over to when s->pg: the same contracts as store_review.h's
 * store_auto_open, store_auto_page and store_auto_unscored. */
#ifndef ASSAY_STORE_AUTO_PG_H
#define ASSAY_STORE_AUTO_PG_H

#include "store_int.h"

int store_auto_open_pg(store *s, int64_t sample_id, int64_t now_ms, bool *open,
		       assay_error *err);
int store_auto_page_pg(store *s, int64_t model, double max_value, size_t max,
		       double *after_value, int64_t *after_id, store_auto_row **rows, size_t *n,
		       assay_error *err);
/* The page's rejections in a few statements (store_auto_reject's, inside
 * its transaction): 1 done, 0 when the rows must go one by one (a reason
 * refused or a pair among them: nothing written), < 0 error. */
int store_auto_reject_pg(store *s, int64_t who, const store_auto_row *rows, size_t n,
			 const char *reason, int64_t *done, assay_error *err);
/* A row's reason to reject with: the one given, else its likely one, else
 * "other". */
const char *store_auto_reason(const store_auto_row *r, const char *reason);
int store_auto_unscored_pg(store *s, int64_t model, int64_t *n, assay_error *err);

#endif
