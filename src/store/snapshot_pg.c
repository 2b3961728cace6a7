/* snapshot_pg.c — a read of several passes in one snapshot (a report, the
 * stats of one command): on a PostgreSQL server one REPEATABLE READ READ
 * ONLY transaction on the store's connection, so a decision landing
 * between two passes is in all of them or in none. The passes then read
 * on that connection alone (audit's readers see it in a transaction): a
 * snapshot exported to other connections would need its name spliced
 * into SET TRANSACTION's text, which takes no parameter. */
#include "store_int.h"

int store_shared_read_begin(store *s, assay_error *err)
{
	if (!s->pg)
		return ASSAY_OK;
	if (s->in_tx)
		return assay_fail(err, ASSAY_ECONFLICT, "internal: nested transaction");
	/* the snapshot is taken at the first statement: now, not at the
	 * first pass's */
	int rc = store_pg_exec_tx(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
				  "starting a read transaction", err);
	if (rc == ASSAY_OK)
		rc = store_pg_exec_tx(s, "SELECT 1", "starting a read transaction", err);
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	s->in_tx = true;
	return ASSAY_OK;
}

void store_shared_read_end(store *s)
{
	if (s->pg && s->in_tx)
		store_rollback(s);
}
