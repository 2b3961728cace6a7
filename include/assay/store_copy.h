/* store_copy.h — copying a whole store into another: an SQLite file or a
 * PostgreSQL schema on either side. Tables go in dependency order, ids
 * kept, in chunks each committed with a resume marker in the destination
 * (its table assay_copy), so a copy stopped at any point (even by SIGKILL)
 * continues where it stopped when run again; then every table is verified
 * by its row count and an order-independent checksum of its rows, read
 * back from both sides. */
#ifndef ASSAY_STORE_COPY_H
#define ASSAY_STORE_COPY_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "assay/store.h"

#define STORE_COPY_MAX_TABLES 32

/* One table's figures after the verification. */
typedef struct store_copy_table {
	const char *name;          /* static */
	int64_t src_rows, dst_rows;
	uint64_t src_sum, dst_sum; /* sums of the rows' 64-bit hashes */
	int64_t copied;            /* rows written by this run */
} store_copy_table;

typedef struct store_copy_options {
	int64_t chunk_rows; /* rows per committed transaction; 0: 10,000 */
	/* After each committed chunk of a table (finished: the table is
	 * complete): rows of the table now in the destination, of total. May
	 * be NULL. */
	void (*progress)(void *ud, const char *table, int64_t done, int64_t total, bool finished);
	/* Once per table a previous run left half copied, before it goes on:
	 * rows already there and the last key copied. May be NULL. */
	void (*resuming)(void *ud, const char *table, int64_t rows, int64_t last_key);
	void *ud;
	/* Set (by a signal handler) to stop after the chunk being written is
	 * committed: ASSAY_EINTR, and a rerun continues from there. May be
	 * NULL. */
	volatile sig_atomic_t *stop;
} store_copy_options;

typedef struct store_copy_result {
	store_copy_table tables[STORE_COPY_MAX_TABLES];
	size_t n;
	bool resumed;   /* a previous run's partial copy was continued */
	char from[512]; /* what a previous run recorded as the source (its label) */
} store_copy_result;

/* Copies every row of src into dst, then verifies. dst must hold no rows,
 * or be a partial (or complete) copy of the same source, which is
 * continued (or verified again); anything else is refused with
 * ASSAY_ECONFLICT before anything is written. A verification that finds a
 * table different fails with ASSAY_EDB naming the table, both counts and
 * both checksums (res holds every table's figures either way). On a
 * PostgreSQL destination the identity sequences are set past the largest
 * id copied. */
int store_copy(store *src, store *dst, const store_copy_options *opt, store_copy_result *res,
	       assay_error *err);

/* The tables store_copy copies, in its order: their number, and each name. */
size_t store_copy_n_tables(void);
const char *store_copy_table_name(size_t i);

#endif
