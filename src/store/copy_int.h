/* copy_int.h — what the files of the store's copy share: the tables in
 * dependency order with their columns' kinds, and each table's queries. */
#ifndef ASSAY_STORE_COPY_INT_H
#define ASSAY_STORE_COPY_INT_H

#include "assay/store_copy.h"
#include "store_int.h"

typedef struct copy_table {
	const char *name;
	/* one letter per column, in the order the queries list them: i
	 * integer, r real, t text, b blob; the packed scores (copy_scores.c):
	 * F values, V version ids, N a notes blob's reasons, M its details */
	const char *types;
	/* the column of the key a chunk ends on: its rows are read in this
	 * key's order and rows sharing a value never straddle two chunks */
	int key;
	bool identity; /* its id is an identity column on PostgreSQL */
} copy_table;

extern const copy_table copy_tables[];
extern const size_t copy_n_tables;

/* Table i's statements: its rows with key > ?1 in key order, the insert
 * of one row (?1..?N in the column order), its row count, and on
 * PostgreSQL the setting of its identity past the largest id. */
dbi_stmt *copy_read_stmt(store *s, size_t i, assay_error *err);
dbi_stmt *copy_insert_stmt(store *s, size_t i, assay_error *err);
dbi_stmt *copy_count_stmt(store *s, size_t i, assay_error *err);
dbi_stmt *copy_setval_stmt(store *s, size_t i, assay_error *err);

/* The most columns a copied table has (batches: 22). */
#define COPY_MAX_COLUMNS 32

/* A batch of rows for a PostgreSQL destination (copy_bulk.c): each
 * column's values as one array literal. Zero it before use. */
typedef struct copy_bulk {
	abuf cols[COPY_MAX_COLUMNS];
	abuf scratch;
	size_t rows, bytes;
} copy_bulk;

/* Appends the source's current row (of table types) to the batch. */
int copy_bulk_add(copy_bulk *bk, dbi_stmt *from, const char *types, assay_error *err);
/* Inserts the batch into table i of dst (one statement), and empties it. */
int copy_bulk_flush(copy_bulk *bk, store *dst, size_t i, assay_error *err);
void copy_bulk_free(copy_bulk *bk);

/* The 64-bit hash of the current row of a table's read statement, in a
 * canonical form both engines give alike (each column's kind, then its
 * value: integers and reals as their 8 bytes, -0.0 as 0.0, text and
 * blobs as their length and bytes). scratch is reused between rows. */
uint64_t copy_row_hash(dbi_stmt *st, const char *types, abuf *scratch);

/* A packed scores column (type F, V, N or M) of the current row of a read
 * statement of either engine: as SQLite's blob (canonical: every NaN
 * alike, notes in slot order, for hashing), or as PostgreSQL's array
 * literal. */
int copy_packed_blob(dbi_stmt *st, int c, char type, bool canonical, abuf *out);
int copy_packed_literal(dbi_stmt *st, int c, char type, abuf *out);

/* Counts and checksums every table on both sides into res (src read
 * inside the caller's read transaction; dst in one of its own); fails
 * with ASSAY_EDB on the first table that differs. */
int copy_verify(store *src, store *dst, store_copy_result *res, assay_error *err);

/* The number of rows of table i in s. */
int copy_count(store *s, size_t i, int64_t *n, assay_error *err);

#endif
