/* copy_check.c — the verification of a copy: every table's row count and
 * an order-independent checksum (the sum of its rows' hashes) computed
 * here, over the rows as read through the SQL interface, so both engines
 * give the same figures for the same rows. */
#include "copy_int.h"

#include <string.h>

#include "assay/text.h"

#define ROW_SEED 0x636f70795f726f77ULL

static void put_u64(abuf *b, uint64_t v)
{
	unsigned char le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	abuf_append(b, le, sizeof le);
}

uint64_t copy_row_hash(dbi_stmt *st, const char *types, abuf *scratch)
{
	abuf_reset(scratch);
	for (int c = 0; types[c]; c++) {
		if (dbi_col_null(st, c)) {
			abuf_putc(scratch, 'N');
			continue;
		}
		abuf_putc(scratch, types[c]);
		if (types[c] == 'i') {
			put_u64(scratch, (uint64_t)dbi_col_i64(st, c));
		} else if (types[c] == 'r') {
			double v = dbi_col_f64(st, c);
			uint64_t bits;
			if (v == 0)
				v = 0.0; /* -0.0 and 0.0 are one value */
			memcpy(&bits, &v, sizeof bits);
			put_u64(scratch, bits);
		} else if (strchr("FVNM", types[c])) {
			abuf packed = {0};
			copy_packed_blob(st, c, types[c], true, &packed);
			put_u64(scratch, packed.len);
			abuf_append(scratch, packed.data ? packed.data : "", packed.len);
			abuf_free(&packed);
		} else {
			size_t n = 0;
			const void *p = types[c] == 't' ? (const void *)dbi_col_text(st, c, &n)
							: dbi_col_blob(st, c, &n);
			put_u64(scratch, n);
			abuf_append(scratch, p, n);
		}
	}
	return text_hash64(scratch->data ? scratch->data : "", scratch->len, ROW_SEED);
}

/* Table i's row count and checksum in s. */
static int table_sum(store *s, size_t i, int64_t *rows, uint64_t *sum, assay_error *err)
{
	*rows = 0;
	*sum = 0;
	dbi_stmt *st = copy_read_stmt(s, i, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, INT64_MIN);
	abuf scratch = {0};
	int rc;
	while ((rc = dbi_step(st, err, "reading rows to verify")) == DBI_ROW) {
		*sum += copy_row_hash(st, copy_tables[i].types, &scratch);
		++*rows;
	}
	dbi_reset(st);
	abuf_free(&scratch);
	return rc < 0 ? assay_error_prefix(err, "%s: table %s", store_path(s), copy_tables[i].name)
		      : ASSAY_OK;
}

int copy_count(store *s, size_t i, int64_t *n, assay_error *err)
{
	*n = 0;
	dbi_stmt *st = copy_count_stmt(s, i, err);
	if (!st)
		return err->code;
	int rc = dbi_step(st, err, "counting rows");
	if (rc == DBI_ROW)
		*n = dbi_col_i64(st, 0);
	dbi_reset(st);
	return rc < 0 ? rc : ASSAY_OK;
}

/* Reads dst's side of every table in one snapshot. */
static int dst_sums(store *dst, store_copy_result *res, assay_error *err)
{
	int rc = store_read_begin(dst, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < copy_n_tables && rc == ASSAY_OK; i++)
		rc = table_sum(dst, i, &res->tables[i].dst_rows, &res->tables[i].dst_sum, err);
	store_read_end(dst);
	return rc;
}

int copy_verify(store *src, store *dst, store_copy_result *res, assay_error *err)
{
	int rc = ASSAY_OK;
	for (size_t i = 0; i < copy_n_tables && rc == ASSAY_OK; i++) {
		res->tables[i].name = copy_tables[i].name;
		rc = table_sum(src, i, &res->tables[i].src_rows, &res->tables[i].src_sum, err);
	}
	if (rc == ASSAY_OK)
		rc = dst_sums(dst, res, err);
	res->n = copy_n_tables;
	for (size_t i = 0; i < copy_n_tables && rc == ASSAY_OK; i++) {
		const store_copy_table *t = &res->tables[i];
		if (t->src_rows != t->dst_rows || t->src_sum != t->dst_sum)
			rc = assay_fail(err, ASSAY_EDB,
					"verification failed: table %s differs: the source has %lld "
					"rows (checksum %016llx), the copy %lld rows (checksum "
					"%016llx); the source changed during the copy, or the copy "
					"was written to: copy again into an empty database",
					t->name, (long long)t->src_rows,
					(unsigned long long)t->src_sum, (long long)t->dst_rows,
					(unsigned long long)t->dst_sum);
	}
	return rc;
}
