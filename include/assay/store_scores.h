/* store_scores.h — part of the store's interface: scores: what scoring runs read and write, the score cache.
 * Included by assay/store.h (include that, never this file). */
#ifndef ASSAY_STORE_SCORES_H
#define ASSAY_STORE_SCORES_H

#ifndef ASSAY_STORE_H
#error "include assay/store.h, not store_scores.h"
#endif

#include <signal.h>

/* ======================================================================
 * Scores (src/store/scores.c)
 * ====================================================================== */

/* A scorer a run wants current, with the version it would write. */
typedef struct store_score_want {
	const char *scorer;
	const char *version;
} store_score_want;

/* Which samples a scoring run reads. */
typedef struct store_score_query {
	const int64_t *batch_ids;     /* NULL: every batch */
	size_t n_batches;
	const store_score_want *want; /* at most 64 */
	size_t n_want;
	bool rescore;                 /* every sample, current or not */
	bool all;                     /* every sample, and masks still say what is not current */
	bool with_record;             /* also read the original record */
	bool undecided;               /* only samples without a verdict (skips aside) */
	int64_t max_id;               /* > 0: only ids up to it (a bounded step) */
	int64_t min_id;               /* > 0: only ids from it (the smallest in the batches:
				       * a page does not walk the samples before them) */
} store_score_query;

/* One sample of a page; strings are valid until the next page is read. */
typedef struct store_score_item {
	int64_t id;
	int64_t batch_id;
	uint64_t hash;
	const char *text;
	size_t text_len;
	const char *text_field;
	const char *record;   /* NULL unless with_record */
	size_t record_len;
	const char *context;  /* JSON array of {"name"|"role", "text"}, or NULL */
	size_t context_len;
	const char *kind;     /* the batch's declared kind, "" when not declared */
	uint64_t need;        /* bit i: want[i] is missing, of another version, or failed
				 (value NULL), so not current (all with rescore) */
} store_score_item;

/* A keyset cursor over samples in id order: each page is one query
 * (id > last_id ... LIMIT max), so memory is one page, never the data set.
 * Zero-initialise; free with store_score_page_free. */
typedef struct store_score_page {
	store_score_item *items;
	size_t n, cap;
	abuf arena;
	int64_t last_id;  /* the cursor: the largest id read so far */
} store_score_page;

/* Reads the next page of at most max samples after page->last_id that need
 * a score (any want not current; with rescore or all, every sample).
 * page->n == 0 at the end. */
int store_score_page_next(store *s, const store_score_query *q, size_t max,
			  store_score_page *page, assay_error *err);
void store_score_page_free(store_score_page *page);
/* One scoring run at a time: on PostgreSQL waits (calling waiting once,
 * then polling until *stop) while another connection's run holds the
 * store, then holds it until the store is closed; nothing on SQLite. */
int store_score_lock(store *s, volatile sig_atomic_t *stop, void (*waiting)(void *ud),
		     void *ud, assay_error *err);
/* The same lock, tried once: *got false while another connection's run
 * holds it (true on SQLite). */
int store_score_trylock(store *s, bool *got, assay_error *err);
/* Ends this connection's hold of the lock before the store is closed (the
 * review screen's refresh of the learned scores between two models). */
void store_score_unlock(store *s);
/* The samples in the query's batches: how many, their smallest id (where
 * the run's pages start) and their largest (for progress); ids 0 when
 * there are none. */
typedef struct store_score_span {
	int64_t count, min_id, max_id;
} store_score_span;
int store_score_scope(store *s, const store_score_query *q, store_score_span *out,
		      assay_error *err);

/* One score to write. */
typedef struct store_score_row {
	int64_t sample_id;
	const char *scorer;
	const char *version;
	double value;        /* NAN: the scorer failed for this sample; stored as NULL */
	bool flagged;
	const char *reason;
	const char *detail;  /* a JSON object, or NULL */
} store_score_row;

/* A score's reason and detail split into the forms they are stored as and
 * their numbers, on any thread and without a store, so that the write that
 * follows (store_scores_put_split) only looks the forms up: appended to out
 * (ASSAY_OK, or ASSAY_ENOMEM with out as it was). */
int store_note_split(const char *reason, const char *detail, abuf *out);

/* Inserts or replaces the (sample, scorer) score. Run inside a transaction
 * for speed (one per page). */
int store_score_put(store *s, const store_score_row *r, assay_error *err);
/* The n scores of one sample (all rows of the same sample_id) in one write
 * of its row: what the other scorers stored for it stays. */
int store_scores_put(store *s, const store_score_row *rows, size_t n, assay_error *err);
/* A scorer's slot in the packed rows and its version's id, kept by a
 * caller that writes the same scorers again and again: {0} at first. */
typedef struct store_slot_ref {
	uint64_t epoch; /* of the store's cache it was found in; 0: none */
	int slot;
	uint32_t ver;
} store_slot_ref;
/* The same with rows[i]'s reason and detail as store_note_split split them
 * in split[i] (NULL: split here) and, when refs is not NULL, rows[i]'s
 * scorer and version in refs[i]: used while current, else looked up (or
 * made) and kept there (a rollback that took a slot away makes it stale). */
int store_scores_put_split(store *s, const store_score_row *rows, const void *const *split,
			   store_slot_ref *refs, size_t n, assay_error *err);
/* Many samples' scores written together (score_write.c): each sample's
 * rows are packed by store_score_batch_add as store_scores_put_split
 * takes them (the forms of their notes made at once) and written by
 * store_score_batch_flush, a few statements for many samples, inside the
 * same transaction; on PostgreSQL add writes them at once. After a
 * rollback the batch is dropped unwritten. */
typedef struct store_score_batch store_score_batch;
int store_score_batch_new(store_score_batch **out, assay_error *err);
void store_score_batch_free(store_score_batch *b);
int store_score_batch_add(store *s, store_score_batch *b, const store_score_row *rows,
			  const void *const *split, store_slot_ref *refs, size_t n,
			  assay_error *err);
/* Writes what b holds and empties it (also when the write fails). */
int store_score_batch_flush(store *s, store_score_batch *b, assay_error *err);
void store_score_batch_drop(store_score_batch *b);
/* A long rewrite of the learned and combined scores (most samples, in key
 * order) in steps (score_bulk.c): transactions that each hold the write
 * lock about a third of a second, with a pause after each in which
 * another writer (an annotator's decision) gets in. The caller brackets
 * each page's writes with store_score_step_open and store_score_step_close
 * (ok: the page was written; a step commits once it is old enough, a
 * failed page rolls its step back) and ends with store_score_steps_end
 * (keep: commit the open step; else roll it back). Committed steps stay.
 * On PostgreSQL, or inside an open transaction, a step is one page.
 * store_score_bulk_begin, when most samples are being rewritten and no
 * annotator holds a lease, commits the open step and turns the rest of
 * the run into one transaction with the indexes over learned and combined
 * scores dropped; store_score_steps_end builds them again (keep) or rolls
 * that transaction back. */
typedef struct store_score_steps {
	bool on;       /* steps in use (else one transaction per page) */
	bool bulk;     /* the rest of the run is one transaction, indexes dropped */
	int64_t began; /* when the open step began (monotonic ns) */
	int64_t ended; /* when the last step ended (monotonic ns; 0: none yet) */
	size_t steps;  /* steps begun */
	size_t sort_threads; /* in bulk: the threads the indexes were sorted on (0: this one) */
} store_score_steps;
int store_score_steps_begin(store *s, store_score_steps *st, assay_error *err);
int store_score_step_open(store *s, store_score_steps *st, assay_error *err);
int store_score_step_close(store *s, store_score_steps *st, bool ok, assay_error *err);
int store_score_steps_end(store *s, store_score_steps *st, bool keep, assay_error *err);
int store_score_bulk_begin(store *s, store_score_steps *st, assay_error *err);
/* Replaces only the reason and detail of a stored score (neardup: a
 * cluster's first sample gaining members). */
int store_score_set_detail(store *s, int64_t sample_id, const char *scorer, const char *reason,
			   const char *detail, assay_error *err);

/* A stored score, as the review screen shows it. */
typedef struct store_score {
	char *scorer;
	char *version;
	double value;      /* NAN when the scorer failed */
	bool flagged;
	char *reason;
	char *detail;      /* "" when none */
	int64_t scored_at; /* unix ms */
} store_score;

/* Every score of one sample, by scorer name. Free with store_scores_free. */
int store_scores_get(store *s, int64_t sample_id, store_score **out, size_t *n,
		     assay_error *err);
void store_scores_free(store_score *v, size_t n);
/* Whether the sample has a score of scorer at version (failed or not):
 * one row's version ids read, not its scores. */
int store_score_current(store *s, int64_t sample_id, const char *scorer, const char *version,
			bool *current, assay_error *err);

/* For the combined score: every stored value (NULLs as NAN) of the samples
 * with ids in [lo, hi], in (sample, scorer) order. */
int store_scores_range_each(store *s, int64_t lo, int64_t hi,
			    int (*fn)(void *ud, int64_t sample_id, const char *scorer,
				      double value),
			    void *ud, assay_error *err);
/* One sample's packed scores as store_score_rows_read gives them: per
 * slot (n of them) the value (NAN: unscored or failed) and version id (0:
 * unscored), the flag bitmask, and the reason and detail of the slot asked
 * for ("" when none). Valid during the call. */
/* A sample's packed row as stored, for store_score_rewrite: row false
 * when there is none (or on PostgreSQL, which does not give it);
 * has_notes false when the sample has no notes row. */
typedef struct store_score_stored {
	bool row, has_notes;
	uint64_t flags;
	const void *vals, *vers, *notes;
	size_t vals_len, vers_len, notes_len;
} store_score_stored;
typedef struct store_score_rowview {
	int64_t sample_id;
	const double *vals;
	const uint32_t *vers;
	size_t n;
	uint64_t flags;
	const char *reason, *detail;
	store_score_stored stored; /* the row as stored (valid during the call) */
} store_score_rowview;

/* Every stored row of the samples with ids in [lo, hi], in id order, with
 * note_slot's reason and detail (note_slot < 0: none read). */
int store_score_rows_read(store *s, int64_t lo, int64_t hi, int note_slot,
			  int (*fn)(void *ud, const store_score_rowview *row), void *ud,
			  assay_error *err);
/* Writes the learned scorer's score r of a sample whose packed row was
 * read as old: one UPDATE of the row with the score put in (the others
 * kept as they are) and one of its notes, where store_score_put would
 * insert, find the row taken and merge into it. The rows written are
 * store_score_put's; it is what is done instead when the row or its notes
 * are no longer as read, when old has no row, for another scorer and on
 * PostgreSQL. ref: as store_scores_put_split's. Returns 0 when the row
 * was written as read, 1 when the score was merged into the row as it is
 * now (its other scores may then differ from those read: the combined
 * score must be read back from it), or an error. */
int store_score_rewrite(store *s, const store_score_row *r, const store_score_stored *old,
			store_slot_ref *ref, assay_error *err);
/* The slot of a scorer and the id of one of its versions (-1 and 0 when
 * never stored). */
int store_score_slot(store *s, const char *name, const char *version, int *slot,
		     uint32_t *version_id, assay_error *err);
/* Writes the combined score on the sample (NAN: NULL). */
int store_quality_set(store *s, int64_t sample_id, double quality, assay_error *err);
/* The first combined score of samples that hold no score yet: for each of
 * ids[0..n) (ascending) without any score and without a combined score,
 * writes quality[i] and sets set[i] (else set[i] false and nothing is
 * written). Called before the samples' scores are written, in the same
 * transaction: a sample set here holds only the scores written next. */
int store_quality_first(store *s, const int64_t *ids, const double *quality, size_t n,
			bool *set, assay_error *err);
/* Before a pass that writes first combined scores (at most at_most of
 * them, in a database of rows samples): when most samples hold none yet
 * and no annotator holds a lease, drops the two indexes of the combined
 * score (committed) and sets *paused; store_quality_repair builds them
 * again. SQLite only, outside a transaction; otherwise nothing is done. */
int store_quality_pause(store *s, int64_t at_most, int64_t rows, bool *paused,
			assay_error *err);
/* Builds the combined score's indexes when they are missing (a pause that
 * did not end: the pass killed); nothing when both are there. */
int store_quality_repair(store *s, assay_error *err);
/* Up to max ids, ascending and above after, of samples that hold scores but
 * no combined score; *n gets how many. */
int store_quality_missing(store *s, int64_t after, int64_t *ids, size_t max, size_t *n,
			  assay_error *err);

/* The answer cache of the remote scorers, keyed by (configuration hash,
 * text hash). *found false when absent; *reason is allocated (caller frees). */
int store_score_cache_get(store *s, uint64_t config_hash, uint64_t text_hash, bool *found,
			  double *value, char **reason, assay_error *err);
int store_score_cache_put(store *s, uint64_t config_hash, uint64_t text_hash, double value,
			  const char *reason, assay_error *err);

/* The smallest and largest number at a record field (dotted path; an exact
 * key wins over a nested one) over the query's batches; *n gets how many
 * samples hold a number there. */
int store_field_range(store *s, const store_score_query *q, const char *field, double *min,
		      double *max, int64_t *n, assay_error *err);

/* ======================================================================
 * The near-duplicate index (src/store/neardup.c)
 * ====================================================================== */

/* Bytes of a stored signature: one byte of each min-hash (SCORE_MH_K). */
#define STORE_NEARDUP_SIG 120

/* One indexed sample. Similarities are kept as how many of the signature's
 * bytes agree (0..STORE_NEARDUP_SIG); the scorer turns them into Jaccard
 * estimates. */
typedef struct store_neardup {
	int64_t sample_id;
	uint8_t sig[STORE_NEARDUP_SIG];
	int64_t cluster; /* the first sample of its cluster (itself when none) */
	int64_t via;     /* the earlier sample it joined the cluster through; 0: none */
	int agree_of;    /* its agreement with its most similar earlier sample */
	int agree_max;   /* the highest agreement it has with any sample */
	int64_t size;    /* samples in the cluster it starts (1 when none joined) */
} store_neardup;

/* The scorer version the index was built with ("" when never built) and
 * the largest sample id it is complete up to (0 when none): every sample up
 * to it is indexed; rows above it (a run's that did not finish) are never
 * read, and replaced when their samples are indexed. */
int store_neardup_state(store *s, char *version, size_t size, int64_t *upto,
			assay_error *err);
/* Empties the index and records the version it is rebuilt with. */
int store_neardup_reset(store *s, const char *version, assay_error *err);
/* Records that every sample up to upto is indexed (in the transaction
 * that wrote the last of them). */
int store_neardup_done(store *s, int64_t upto, assay_error *err);
/* The indexed row of a sample; *found false when it is not indexed. */
int store_neardup_get(store *s, int64_t sample_id, store_neardup *out, bool *found,
		      assay_error *err);
/* A reader of the indexed samples' signatures alone, many in a row (a
 * chunk's candidates, their ids ascending): on SQLite a blob handle moved
 * from row to row, not a statement run for each. Used on s's thread, and
 * closed before s's transaction ends. */
typedef struct store_neardup_sigs store_neardup_sigs;
int store_neardup_sigs_open(store *s, store_neardup_sigs **out, assay_error *err);
/* The signature of a sample into sig; *found false when it is not indexed
 * (as store_neardup_get). */
int store_neardup_sigs_get(store_neardup_sigs *r, int64_t sample_id,
			   uint8_t sig[STORE_NEARDUP_SIG], bool *found, assay_error *err);
void store_neardup_sigs_close(store_neardup_sigs *r);
/* Indexes a sample (or rewrites its row); the rows of a run are appended
 * in id order. */
int store_neardup_put(store *s, const store_neardup *row, assay_error *err);
/* A sample's cluster grew, or a later sample found it more similar. */
int store_neardup_grow(store *s, int64_t sample_id, int64_t size, int agree_max,
		       assay_error *err);

/* The band keys' index (src/store/neardup_bands.c): blocks of (band key,
 * sample id) entries, each block's keys in ascending order and stored in
 * about 3.6 bytes an entry. Appends a block of n entries. */
int store_neardup_block_put(store *s, const uint32_t *keys, const int64_t *ids, size_t n,
			    assay_error *err);
/* Calls fn with the entries of every block, the last written first: only
 * those whose key is one of want[0, n_want) (ascending), or all of them
 * when want is NULL. The blocks are decoded on `workers` threads (the
 * caller's among them: 1 for none other); fn is called on the caller's,
 * with the same blocks in the same order whatever their count. */
int store_neardup_block_scan(store *s, const uint32_t *want, size_t n_want, size_t workers,
			     int (*fn)(void *ud, const uint32_t *keys, const int64_t *ids,
				       size_t n, assay_error *err),
			     void *ud, assay_error *err);
/* Drops the blocks holding a sample above upto (a run that did not
 * finish), so that only the samples indexed up to it are ever matched. */
int store_neardup_trim(store *s, int64_t upto, assay_error *err);

/* (end of scores section) */

#endif
