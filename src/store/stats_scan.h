/* stats_scan.h — the SQLite scans of stats.c and score_rows.c with their
 * rows handed to C inside the scan (stats_scan.c): the same callbacks and
 * rows as the public readers they serve, on an SQLite store, without a
 * --where. */
#ifndef ASSAY_STATS_SCAN_H
#define ASSAY_STATS_SCAN_H

#include "assay/store_audit.h"

int stats_scan_decisions(store *s, const store_stats_filter *f,
			 int (*fn)(void *ud, const store_stat_row *row), void *ud,
			 assay_error *err);

/* Verdicts counted per sample as they come in sample order (stats.c):
 * a sample's rejected, edited and total (skips aside) go to fn when the
 * next sample's first verdict comes; verdict_counts_end hands the last. */
typedef struct verdict_counts {
	int (*fn)(void *ud, int64_t sample_id, int rejected, int edited, int total);
	void *ud;
	int64_t cur;
	int rejected, edited, total;
} verdict_counts;
/* Counts one verdict ('s': skipped) of sample id; ud is a verdict_counts. */
int verdict_counts_add(void *ud, int64_t id, char verdict);
/* rc, or the last sample's counts handed to fn when rc is ASSAY_OK. */
int verdict_counts_end(verdict_counts *c, int rc);

int stats_scan_verdict_counts(store *s, int64_t first, int64_t last,
			      int (*fn)(void *ud, int64_t sample_id, int rejected, int edited,
					int total),
			      void *ud, assay_error *err);
int stats_scan_quality(store *s, int (*fn)(void *ud, int64_t sample_id, double quality),
		       void *ud, assay_error *err);
int stats_scan_score_rows(store *s, int64_t first, int64_t last,
			  int (*fn)(void *ud, int64_t sample_id, const double *vals, size_t n,
				    uint64_t flags),
			  void *ud, assay_error *err);

#endif
