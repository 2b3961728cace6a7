/* neardup_bands.c — the near-duplicate index's band keys (neardup_bands):
 * blocks of (band key, sample id) entries in the compact form of
 * neardup_code.c, appended a run at a time and read whole, the last
 * written first, by a run that has new samples to match. Each row keeps
 * the largest sample id of its block (last), so that the blocks of a run
 * that did not finish can be dropped. */
#include "neardup_code.h"
#include "neardup_pg.h"
#include "store_int.h"

#include <stdlib.h>

static const char sql_block_put[] = "INSERT INTO neardup_bands (last, entries) VALUES (?1, ?2)";

int store_neardup_block_put(store *s, const uint32_t *keys, const int64_t *ids, size_t n,
			    assay_error *err)
{
	if (n == 0)
		return ASSAY_OK;
	int64_t last = ids[0];
	for (size_t i = 1; i < n; i++)
		last = ids[i] > last ? ids[i] : last;
	uint8_t *blob = malloc(neardup_code_bound(n));
	if (!blob)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for the near-duplicate index");
	size_t len = neardup_code_put(keys, ids, n, blob);
	int rc;
	if (s->pg) {
		rc = store_neardup_block_put_pg(s, last, blob, len, err);
	} else {
		sqlite3_stmt *st = store_stmt(s, sql_block_put, err);
		rc = st ? ASSAY_OK : err->code;
		if (st) {
			sqlite3_bind_int64(st, 1, last);
			sqlite3_bind_blob(st, 2, blob, (int)len, SQLITE_STATIC);
			rc = store_step_done(s, st, err, "writing the near-duplicate index");
		}
	}
	free(blob);
	return rc;
}

int store_neardup_block_emit(store_neardup_blocks *b, const void *blob, size_t len,
			     assay_error *err)
{
	if (b->ring)
		return neardup_ring_push(b, blob, len, err);
	size_t n = neardup_code_count(blob, len);
	if (n > b->cap) {
		uint32_t *k = realloc(b->keys, n * sizeof *k);
		if (k)
			b->keys = k;
		int64_t *v = k ? realloc(b->ids, n * sizeof *v) : NULL;
		if (!v)
			return assay_fail(err, ASSAY_ENOMEM,
					  "out of memory for the near-duplicate index");
		b->ids = v;
		b->cap = n;
	}
	long got = (long)n;
	if (b->want)
		got = neardup_code_match(blob, len, b->want, b->n_want, b->filter, b->keys, b->ids);
	else if (neardup_code_get(blob, len, b->keys, b->ids) < 0)
		got = -1;
	if (got < 0)
		return assay_fail(err, ASSAY_EDB,
				  "%s: a block of the near-duplicate index is damaged", b->path);
	return got ? b->fn(b->ud, b->keys, b->ids, (size_t)got, err) : ASSAY_OK;
}

static const char sql_block_scan[] = "SELECT entries FROM neardup_bands ORDER BY id DESC";

int store_neardup_block_scan(store *s, const uint32_t *want, size_t n_want, size_t workers,
			     int (*fn)(void *ud, const uint32_t *keys, const int64_t *ids, size_t n,
				       assay_error *err),
			     void *ud, assay_error *err)
{
	store_neardup_blocks b = {
	    .fn = fn, .ud = ud, .path = s->path, .want = want, .n_want = n_want};
	int rc = ASSAY_OK, out = ASSAY_OK;
	if (want && !(b.filter = malloc(NEARDUP_FILTER_WORDS * sizeof *b.filter)))
		return assay_fail(err, ASSAY_ENOMEM, "out of memory for the near-duplicate index");
	if (want)
		neardup_code_filter(want, n_want, b.filter);
	neardup_ring_start(&b, workers);
	if (s->pg) {
		out = store_neardup_block_scan_pg(s, &b, err);
	} else {
		sqlite3_stmt *st = store_stmt(s, sql_block_scan, err);
		if (!st) {
			neardup_ring_finish(&b, err->code, err);
			free(b.filter);
			return err->code;
		}
		while (out == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
			out = store_neardup_block_emit(&b, sqlite3_column_blob(st, 0),
						       (size_t)sqlite3_column_bytes(st, 0), err);
		sqlite3_reset(st);
		if (out == 0 && rc != SQLITE_DONE)
			out = store_sqlerr(s, rc, err, "reading the near-duplicate index");
	}
	out = neardup_ring_finish(&b, out, err);
	free(b.filter);
	free(b.keys);
	free(b.ids);
	return out;
}

static const char sql_trim[] = "DELETE FROM neardup_bands WHERE last > ?1";

int store_neardup_trim(store *s, int64_t upto, assay_error *err)
{
	if (s->pg)
		return store_neardup_trim_pg(s, upto, err);
	sqlite3_stmt *st = store_stmt(s, sql_trim, err);
	if (!st)
		return err->code;
	sqlite3_bind_int64(st, 1, upto);
	return store_step_done(s, st, err, "writing the near-duplicate index");
}
