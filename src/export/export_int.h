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

typedef struct job {
	store *s;
	const export_options *o;
	export_summary *sum;
	sink sinks[16];
	size_t n_sinks;
	abuf rec, line;
	char **csv_cols;
	size_t n_csv_cols;
	assay_error *err;
	int64_t total;
} job;

/* Writes one finished line (a JSONL record and its newline) of the sample
 * ext_id into its split's sink and counts it. */
int export_put(job *j, const char *ext_id, const char *data, size_t len);

/* --format dpo: one pair (store_pairs_each's callback; ud is the job). */
int export_dpo_each(void *ud, const store_pair_row *r);

#endif
