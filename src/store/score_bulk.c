/* score_bulk.c — a bulk rewrite of the learned and combined scores (a new
 * model rescoring most samples): one transaction in which the four indexes
 * those values feed are dropped, the rows written in key order, and the
 * indexes built again at the end. Each row written through a live index
 * costs a delete and an insert at random places in it, which at a million
 * samples no longer fit in the cache; an index built after the rows is one
 * sort. Being one transaction, a kill or an error leaves the database as it
 * was, indexes included (the cost: other writers wait for the whole run). */
#include "store_int.h"

/* The definitions are schema.c's (samples) and score_relayout.c's
 * (sample_scores), word for word: tests/store/test_score_bulk.c compares
 * the schema text before and after a bulk write. */
static const char sql_drop[] =
	"DROP INDEX samples_by_quality;"
	"DROP INDEX samples_by_batch_quality;"
	"DROP INDEX sample_scores_by_learned;"
	"DROP INDEX sample_scores_by_uncertainty;";
static const char sql_build[] =
	"CREATE INDEX samples_by_quality ON samples(quality, id);"
	"CREATE INDEX samples_by_batch_quality ON samples(batch_id, quality, id);"
	"CREATE INDEX sample_scores_by_learned ON sample_scores(learned, sample_id)"
	"  WHERE learned IS NOT NULL;"
	"CREATE INDEX sample_scores_by_uncertainty ON sample_scores(abs(learned - 0.5), sample_id)"
	"  WHERE learned IS NOT NULL;";
/* The rows are visited in key order: a cache of this size holds the
 * pages being filled and the sorter's runs when the indexes are built. */
static const char sql_cache_big[] = "PRAGMA cache_size = -131072";
static const char sql_cache_back[] = "PRAGMA cache_size = -40000";

int store_score_bulk_begin(store *s, bool *bulk, assay_error *err)
{
	*bulk = false;
	if (s->pg || s->in_tx)
		return ASSAY_OK; /* PostgreSQL, or inside a caller's transaction: row by row */
	int rc = store_begin(s, err);
	if (rc == 0)
		rc = store_exec(s, sql_drop, err);
	if (rc == 0)
		rc = store_exec(s, sql_cache_big, err);
	if (rc < 0) {
		store_rollback(s);
		return rc;
	}
	*bulk = true;
	return ASSAY_OK;
}

int store_score_bulk_end(store *s, bool keep, assay_error *err)
{
	int rc = keep ? store_exec(s, sql_build, err) : ASSAY_OK;
	if (keep && rc == 0)
		rc = store_commit(s, err);
	else
		store_rollback(s);
	assay_error ignored = {0};
	store_exec(s, sql_cache_back, &ignored);
	return rc;
}
