/* store_audit.h — part of the store's interface: stats and audit queries, export.
 * Included by assay/store.h (include that, never this file). */
#ifndef ASSAY_STORE_AUDIT_H
#define ASSAY_STORE_AUDIT_H

#ifndef ASSAY_STORE_H
#error "include assay/store.h, not store_audit.h"
#endif

/* ======================================================================
 * Stats and audit queries (src/store/stats.c)
 * ====================================================================== */

enum store_verdict_code { STORE_ACCEPTED = 0, STORE_EDITED = 1, STORE_REJECTED = 2 };

/* One current decision (skips left out), as stats sees it. Strings are
 * valid during the callback only. */
typedef struct store_stat_row {
	int64_t sample_id;
	int64_t annotator_id;
	int64_t batch_id;
	int verdict;           /* enum store_verdict_code */
	const char *reason;    /* NULL unless rejected */
	const char *field;     /* the value at filter->field_path, or NULL */
	int64_t decided_at;    /* unix ms */
	int64_t ms_spent;
	int64_t edit_distance; /* -1 unless edited (and measured) */
	int64_t words;         /* the original's word count, -1 when unknown */
	/* NULL: the row is one decision. Else (filter->sums) the row is a
	 * group of decisions alike in every key the filter asks for, summed
	 * on the server: its keys are the row's (the day's as decided_at at
	 * its midnight, verdict STORE_REJECTED or STORE_ACCEPTED as the group
	 * is of rejections or not), its figures these. */
	const struct store_stat_sums *sums;
} store_stat_row;

/* A group's figures (store_stat_row.sums): its decisions by verdict, the
 * edits measured (edit_distance and words both known) with their sums,
 * and the milliseconds spent on each decision that has some (> 0, capped
 * at UINT32_MAX), in no order. Valid during the callback only. */
typedef struct store_stat_sums {
	uint64_t decided, accepted, edited, rejected;
	uint64_t edits_measured, dist_sum, words_sum;
	const uint32_t *ms;
	size_t n_ms;
} store_stat_sums;

/* A compiled --where (src/store/where.c). */
struct store_where;

typedef struct store_stats_filter {
	int64_t since_ms;        /* 0: from the start */
	int64_t until_ms;        /* 0: to the end (exclusive) */
	const char *field_path;  /* a JSON path into the record ("$.meta.model"), or NULL */
	int64_t annotator_id;    /* 0: all */
	int64_t batch_id;        /* 0: all */
	bool need_batch;         /* rows must carry their batch id */
	int64_t first_sample;    /* only samples with ids in [first, last]; */
	int64_t last_sample;     /* 0, 0: all (a pass split across readers) */
	const struct store_where *where; /* only the samples it selects, or NULL */
	bool no_reason;          /* rows need not carry the reason (NULL) */
	/* The caller takes summed rows (row.sums) where the store sums on a
	 * server: keyed by the batch (need_batch), the reason (!no_reason),
	 * the record's field (field_path) and these; a key not asked for is
	 * 0 or NULL in the row. An SQLite store hands decisions one by one. */
	bool sums;
	bool need_annotator;     /* summed rows carry the annotator */
	bool need_day;           /* summed rows carry the day (UTC) */
} store_stats_filter;

int store_stats_each(store *s, const store_stats_filter *f,
		     int (*fn)(void *ud, const store_stat_row *row), void *ud, assay_error *err);

/* Names by id, for annotators and batches: *names[i] is the name of id
 * ids[i]; free with store_names_free. */
typedef struct store_names {
	int64_t *ids;
	char **names;
	size_t n;
} store_names;

int store_annotator_names(store *s, store_names *out, assay_error *err);
int store_batch_names(store *s, store_names *out, assay_error *err);
const char *store_names_get(const store_names *n, int64_t id);
void store_names_free(store_names *n);

/* The readers below take a compiled --where (only the samples it selects)
 * or NULL (every sample, by the cached statements). */
/* Every verdict on samples that two or more annotators decided, ordered by
 * sample: fn gets (sample_id, ext_id, annotator_id, verdict). Machines'
 * verdicts (annotators named STORE_AUTO_PREFIX...) are left out. */
int store_multi_verdicts_each(store *s, const struct store_where *w,
			      int (*fn)(void *ud, int64_t sample_id, const char *ext_id,
					int64_t annotator_id, int verdict),
			      void *ud, assay_error *err);

/* For scorer calibration: the largest sample id; per-sample counts of the
 * verdicts that are not skips (in sample order, samples with none left
 * out); the names of the scorers with stored scores (sorted; free with
 * store_strings_free); every scorer's scores in one pass (see
 * store_score_rows_each); every combined score (ascending). Each is one
 * pass; calibration runs them on several reader connections at once
 * (store_open_reader). */
int store_max_sample_id(store *s, int64_t *id, assay_error *err);
/* Every decision in sample order, its verdict as its first letter: 'a'ccepted,
 * 'e'dited, 'r'ejected or 's'kipped. */
int store_verdicts_each(store *s, const struct store_where *w,
			int (*fn)(void *ud, int64_t sample_id, char verdict), void *ud,
			assay_error *err);
/* Per sample with sample ids in [first, last], in order: how many of its
 * verdicts (skips left out) reject, edit, and in all. */
int store_verdict_counts_each(store *s, const struct store_where *w, int64_t first, int64_t last,
			      int (*fn)(void *ud, int64_t sample_id, int rejected, int edited,
					int total),
			      void *ud, assay_error *err);
int store_scorer_names(store *s, char ***names, size_t *n, assay_error *err);
void store_strings_free(char **v, size_t n);
/* (A slice's calibration narrows the verdicts, not the scores: a sample
 * outside it has no verdict counted, so its scores are passed over.) */
/* The scorers by slot: (*names)[slot] is the name of the scorer stored in
 * that slot (NULL for a slot none holds), *n the highest slot + 1. Free
 * with store_strings_free. */
int store_scorer_slots(store *s, char ***names, size_t *n, assay_error *err);
/* Every sample's stored scores with sample ids in [first, last], in id
 * order, one call per sample: vals[slot] for the n slots its row holds
 * (NAN: not scored by that slot's scorer, or failed) and its flag mask
 * (bit slot set: flagged). */
int store_score_rows_each(store *s, int64_t first, int64_t last,
			  int (*fn)(void *ud, int64_t sample_id, const double *vals, size_t n,
				    uint64_t flags),
			  void *ud, assay_error *err);
int store_quality_each(store *s, int (*fn)(void *ud, int64_t sample_id, double quality), void *ud,
		       assay_error *err);

/* (end of stats section) */

/* ======================================================================
 * Export (src/store/export.c)
 * ====================================================================== */

/* One annotator's current verdict on a sample, or a lead's adjudication. */
typedef struct store_verdict {
	const char *annotator;
	const char *verdict; /* "accepted", "edited", "rejected" */
	const char *text;    /* the correction when edited, else NULL */
	const char *reason;  /* the reason when rejected, else NULL */
	int64_t at;          /* unix ms */
	/* The field the correction replaces: NULL for the sample's text field;
	 * a pair's b field when the chosen one corrected is candidate b (a
	 * message list when field_chat: the correction is its last assistant
	 * turn's content). */
	const char *field;
	bool field_chat;
	const char *original; /* with field: the text it replaces (candidate b's) */
	int pref; /* on a pair, the preference (enum store_pref); else STORE_PREF_NONE */
	int placement; /* on a pair, which candidate was on the left (enum store_place) */
} store_verdict;

/* A sample with every verdict on it, as export sees it. Pointers are valid
 * only during the callback. */
typedef struct store_export_row {
	int64_t sample_id;
	const char *ext_id;
	const char *batch;
	const char *record;
	size_t record_len;
	const char *text_field;
	const char *text;
	double quality;              /* NAN when not scored */
	const store_verdict *verdicts;
	size_t n_verdicts;           /* skips are not verdicts and are left out */
	const store_verdict *adjudication; /* NULL unless a lead decided */
} store_export_row;

typedef struct store_export_filter {
	const char *batch;        /* NULL: every batch */
	const char *annotator;    /* NULL: every annotator's verdicts */
	const char **min_scorer;  /* keep samples whose score for min_scorer[i] */
	const double *min_value;  /* is at least min_value[i] */
	size_t n_min;
	const char **max_scorer;  /* and whose score for max_scorer[i] */
	const double *max_value;  /* is at most max_value[i] */
	size_t n_max;
	const struct store_where *where; /* only the samples it selects, or NULL */
	int64_t after_id, upto_id; /* only ids in (after_id, upto_id]; both 0: every id
				      (SQLite only: see store_export_ranges) */
	bool decided; /* only samples with a verdict (a decision other than a
			 skip, or an adjudication): a read as long as the
			 verdicts, however many samples the database holds */
	bool no_text; /* row.text is "" (SQLite: the text, computed from the
			 record, is not read; for readers that never use it) */
} store_export_filter;

/* Calls fn for every sample (in id order) that passes the filter, with its
 * verdicts; stops when fn returns non-zero and returns that. Streams: memory
 * does not grow with the data set. */
int store_export_each(store *s, const store_export_filter *f,
		      int (*fn)(void *ud, const store_export_row *row), void *ud, assay_error *err);

/* Whether store_export_each can read ranges of ids (*ranges; SQLite: each
 * on its own reader, store_open_reader), and the largest sample id. */
int store_export_ranges(store *s, int64_t *max_id, bool *ranges, assay_error *err);

/* The notes and scores of one sample for provenance, as a JSON object text
 * {"notes":[...],"scores":{"name":{"value":..,"flagged":..,"reason":..}},
 * "edit_scores":{...} (the corrected text's, while edited), "kind": the
 * batch's declared kind or null}; caller frees. */
int store_export_provenance(store *s, int64_t sample_id, char **json, assay_error *err);

/* An upper bound on the number of samples store_export_each visits (the
 * --where and batch counted, the --min and --max not). */
int store_export_estimate(store *s, const store_export_filter *f, int64_t *n, assay_error *err);

/* (end of export section) */

#endif
