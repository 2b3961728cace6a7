/* lists_pg.h — the report's example lists on PostgreSQL (lists_pg.c),
 * which lists.c hands over to when s->pg (a slice too): the
 * contracts of store_pairs.h's store_rejection_examples and
 * store_auto_examples. */
#ifndef ASSAY_STORE_LISTS_PG_H
#define ASSAY_STORE_LISTS_PG_H

#include "store_int.h"

int store_rejection_examples_pg(store *s, const store_where *w, int per_reason,
				int (*fn)(void *ud, const store_example *e), void *ud,
				assay_error *err);
int store_auto_examples_pg(store *s, const store_where *w, int max,
			   int (*fn)(void *ud, const store_example *e), void *ud, assay_error *err);

#endif
