/* export_int.h — what the export's files share: where records go and the
 * running export. */
#ifndef ASSAY_EXPORT_INT_H
#define ASSAY_EXPORT_INT_H

#include "assay/export.h"
#include "assay/net.h"

/* Where records go: an atomic file (or stdout), or an HTTP upload. */
typedef struct sink {
	export_out *file;
	net_upload *up;
	int64_t count;
	bool header_done;
} sink;

/* The columns of a CSV and the cells of its row being written (csv.c). */
typedef struct export_csv export_csv;

typedef struct job {
	store *s;
	const export_options *o;
	export_summary *sum;
	sink sinks[16];
	size_t n_sinks;
	abuf rec, line;
	export_csv *csv;
	assay_error *err;
	int64_t total;
	abuf *capture; /* per split: lines kept here instead of written (a
			  worker of the export on several threads) */
} job;

/* Writes one finished line (a JSONL record and its newline) of the sample
 * ext_id into its split's sink and counts it. */
int export_put(job *j, const char *ext_id, const char *data, size_t len);

/* One sample (store_export_each's callback; ud is the job): resolve,
 * filter, build the record, write it. */
int export_sample(void *ud, const store_export_row *row);

/* Writes lines into split which's sink as they are (no count). */
int export_sink_write(job *j, size_t which, const void *data, size_t len);

/* The export on every core, when it can run so (JSONL, SQLite, enough
 * samples): *taken says whether it ran; when not, nothing was done. */
int export_parallel(job *j, bool *taken);

/* --format csv: the columns (--fields, else every top-level key of the
 * records the export will write, by a pass over them with filter f), into
 * j->csv; then each record's row (and the header before a sink's first). */
int export_csv_columns(job *j, const store_export_filter *f);
int export_csv_row(job *j, sink *k, const char *rec, size_t len, abuf *out);
void export_csv_free(export_csv *c);

/* --format dpo: one pair (store_pairs_each's callback; ud is the job). */
int export_dpo_each(void *ud, const store_pair_row *r);

#endif
