/* store.h — the SQLite store: the only place in assay that speaks SQL.
 * One handle per process; statements are prepared once and cached in it.
 * Sections below are owned by the layer that needs them (import, scores,
 * review, stats, export); each is implemented in its own src/store/ file. */
#ifndef ASSAY_STORE_H
#define ASSAY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 3
/* PRAGMA application_id of an assay database: "assy". */
#define STORE_APPLICATION_ID 0x61737379

typedef struct store store;

typedef struct store_options {
	bool readonly;        /* open read-only; never create or migrate */
	bool must_exist;      /* fail with ASSAY_ENOTFOUND when the file is missing */
	int busy_timeout_ms;  /* how long to wait for another writer; 0 = default (15 s) */
	bool sync_full;       /* PRAGMA synchronous=FULL (survive power loss), else NORMAL */
	bool small_cache;     /* a 2 MiB page cache (the review screen: memory stays flat
				 whatever the database's size), else 16 MiB; read-only
				 connections always have the small one */
	/* Called once before an existing database is upgraded to this build's
	 * schema (which can take a while on millions of rows); may be NULL. */
	void (*upgrading)(void *ud, const char *path, int from, int to);
	/* Called while the scores are rewritten one row per sample (every
	 * 100,000 old rows and at the end); may be NULL. */
	void (*upgrade_progress)(void *ud, int64_t done, int64_t total);
	void *ud;
	/* The command opening the store, for messages; a store that cannot
	 * run it yet (a PostgreSQL store for commands not moved onto it) says
	 * so when opened. May be NULL. */
	const char *command;
} store_options;

/* Opens (creating if needed, unless opt->readonly or opt->must_exist) the
 * database at path (an SQLite file), or at a PostgreSQL connection URI
 * (postgresql://... or postgres://...: the store's tables in the
 * connection's current schema, created on first use), checks that it is an assay database of a version this
 * build understands, and migrates it forward. A file that is not SQLite, an
 * SQLite file of another application, or a newer schema is refused without
 * being modified (ASSAY_ENOTDB / ASSAY_EVERSION). opt may be NULL. New files
 * are created 0600 unless the umask is stricter. */
int store_open(const char *path, const store_options *opt, store **out, assay_error *err);
void store_close(store *s);
const char *store_path(const store *s);
/* Whether a write to path, or to the open file st describes, would land in
 * the database or one of SQLite's side files (-wal, -shm, -journal): the
 * same file (device and inode, whatever the name), or a name in the
 * database's directory that is theirs, existing or not. path's last
 * component must not be a symbolic link (resolve it first); either argument
 * may be NULL. Returns NULL, or which file ("the database", "its -wal
 * file", ...). */
struct stat;
const char *store_own_file(const store *s, const char *path, const struct stat *st);

/* Another read-only connection to s's database, for reading on another
 * thread (a handle is used by one thread at a time). */
int store_open_reader(store *s, store **out, assay_error *err);

/* A read transaction: every query until store_read_end sees the same
 * snapshot of the database. ASSAY_ECONFLICT inside another transaction. */
int store_read_begin(store *s, assay_error *err);
void store_read_end(store *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Writers wait up to the busy timeout
 * for each other; nesting is not supported (returns ASSAY_ECONFLICT). */
int store_begin(store *s, assay_error *err);
int store_commit(store *s, assay_error *err);
void store_rollback(store *s);
bool store_in_tx(const store *s);

/* For bulk writes (import, scoring): a larger page cache, so the unique
 * indexes of a million-sample batch stay in memory between commits (peak
 * memory stays under 64 MiB), and fewer WAL checkpoints. */
int store_bulk_mode(store *s, assay_error *err);

/* ======================================================================
 * Batches and import (src/store/batches.c, src/store/samples.c)
 * ====================================================================== */

typedef struct store_batch {
	int64_t id;
	char *name;
	char *source;       /* file path (absolute), "-" for stdin, or URL */
	char *format;       /* "jsonl", "json" or "csv" */
	char *text_field;   /* --text, or "" for the default lookup */
	char *id_field;     /* --id, or "" for the default ("id", else line) */
	char *meta_fields;  /* JSON array of field paths, or "" for all but the text */
	char *kind;         /* --kind: "caption", "response", "text", or "" (by field name) */
	char *context_fields; /* --context as a JSON array, or "" for the default lookup */
	char *dedup_on;     /* --dedup-on: "text", "context+text", "none", or "" (default) */
	char *turn;         /* --turn N as given, or "" for a conversation's last assistant turn */
	char *media_fields; /* --media, comma-separated, or "" for the default names */
	char *media_root;   /* --media-root (absolute), or "" for the source file's directory */
	char *media_maps;   /* --media-map rules as a JSON array of "PREFIX=URL_PREFIX", or "" */
	char *pair_fields;  /* --pair "A,B", or "" for the default names */
	char *pair_model_fields; /* --pair-model "A,B", or "" for the default names */
	int64_t created_at; /* unix ms */
	int64_t finished_at;/* unix ms, 0 while importing or when interrupted */
	int64_t n_read, n_imported, n_duplicate, n_rejected;
} store_batch;

void store_batch_free(store_batch *b);

/* Looks a batch up by name; ASSAY_ENOTFOUND when absent. */
int store_batch_by_name(store *s, const char *name, store_batch *out, assay_error *err);
/* The most recent batch imported from source; ASSAY_ENOTFOUND when none. */
int store_batch_by_source(store *s, const char *source, store_batch *out, assay_error *err);
/* Creates a batch from b (id and counts ignored); sets b->id. */
int store_batch_create(store *s, store_batch *b, assay_error *err);
/* Changes where a batch's media are found; a NULL argument keeps its
 * value (media move; what a sample is does not change). */
int store_batch_set_media(store *s, int64_t batch_id, const char *fields, const char *root,
			  const char *maps, assay_error *err);
/* Recomputes the batch's counts from its rows; n_read is max(n_read, read). */
int store_batch_refresh_counts(store *s, int64_t batch_id, int64_t read, bool finished,
			       assay_error *err);
/* Every batch, oldest first. *out is an array of *n batches; free each
 * with store_batch_free and the array with free(). */
int store_batch_list(store *s, store_batch **out, size_t *n, assay_error *err);

/* One record to import. */
typedef struct store_new_sample {
	int64_t batch_id;
	const char *ext_id;      /* the record's id (or its line number) */
	int64_t line;            /* 1-based line (record) number in its source */
	const char *text_field;  /* the field path the text came from */
	const char *text;
	size_t text_len;
	const char *record;      /* the original record as received */
	size_t record_len;
	const char *context;     /* JSON array of {"name"|"role", "text"}, or NULL */
	size_t context_len;
	uint64_t hash;           /* the duplicate key: text_normalized_hash of what makes
				    the sample (its text, or context and text) */
	/* A pair of candidates (text is candidate a): a JSON object
	 * {"a_field", "b_field", "b_text", "a_model", "b_model" (strings or
	 * null), "claimed" ("a", "b" or null), "chat" (boolean)}, stored in
	 * the same statement group as the sample; NULL for a single sample. */
	const char *pair;
	size_t pair_len;
} store_new_sample;

enum store_insert_outcome {
	STORE_INSERTED,   /* a new sample */
	STORE_DUPLICATE,  /* same normalized text as an existing sample: recorded as a dropped copy */
	STORE_PRESENT,    /* this batch already holds this record (a re-run) */
	STORE_ID_TAKEN,   /* this batch holds another record with the same id */
};

/* Inserts a sample unless it is a duplicate or already present; sets
 * *outcome and *sample_id (the new sample, the kept copy, or the holder of
 * the id). Must run inside a transaction. */
int store_sample_insert(store *s, const store_new_sample *in, int *outcome, int64_t *sample_id,
			assay_error *err);
/* Records that line `line` of `source` could not be imported, and why. */
int store_reject_add(store *s, int64_t batch_id, const char *source, int64_t line,
		     const char *reason, assay_error *err);

/* A sample as stored. */
typedef struct store_sample {
	int64_t id;
	int64_t batch_id;
	char *batch_name;
	char *ext_id;
	int64_t line;
	char *text_field;
	char *text;
	char *record;
	char *meta_fields;  /* the batch's meta field list ("" = all but the text) */
	char *context;      /* JSON array of {"name"|"role", "text"}, or NULL when none */
	char *kind;         /* the batch's declared kind, "" when not declared */
	uint64_t hash;
	double quality;     /* NAN when not scored */
} store_sample;

void store_sample_free(store_sample *s);
int store_sample_get(store *s, int64_t id, store_sample *out, assay_error *err);
/* Finds a sample by its external id (optionally within a batch name, else
 * any batch; ASSAY_ECONFLICT when several batches have it). */
int store_sample_by_ext_id(store *s, const char *ext_id, const char *batch, store_sample *out,
			   assay_error *err);

/* One part of what a sample is judged against: a named field
 * ("instruction") or a conversation turn (role "user", "assistant", ...). */
typedef struct store_turn {
	char *name; /* the field's name, or NULL for a turn */
	char *role; /* the turn's role, or NULL for a field */
	char *text;
} store_turn;

/* A sample's context, in order (*n 0 when it has none); free with
 * store_turns_free. (src/store/context.c) */
int store_sample_context(store *s, int64_t sample_id, store_turn **out, size_t *n,
			 assay_error *err);
void store_turns_free(store_turn *v, size_t n);

/* ---- Scores of corrected texts (src/store/context.c) ---- */

struct store_score_row;
struct store_score;

/* The text an edited sample is exported with (a lead's edit, else the
 * latest edit among the current verdicts), allocated into *text; *found
 * false when the sample is not edited. */
int store_edit_latest(store *s, int64_t sample_id, char **text, bool *found, assay_error *err);
/* Up to max ids, ascending and above after, of samples with an edit. */
int store_edited_ids(store *s, int64_t after, int64_t *ids, size_t max, size_t *n,
		     assay_error *err);
/* Replaces the (sample, scorer) score of the corrected text whose hash is
 * text_hash (r->sample_id, scorer, version, value, flag, reason). */
int store_edit_score_put(store *s, const struct store_score_row *r, uint64_t text_hash,
			 assay_error *err);
/* The hash of the corrected text the sample's edit scores were computed
 * on (*found false when it has none). */
int store_edit_scored_hash(store *s, int64_t sample_id, uint64_t *hash, bool *found,
			   assay_error *err);
/* Writes the combined score of the corrected text (NAN: NULL). */
int store_edit_quality_set(store *s, int64_t sample_id, double quality, assay_error *err);
/* Every score of the sample's corrected text, by scorer name, and its
 * combined score (*quality NAN when none), while the sample is edited (an
 * annotator's current verdict or an adjudication); none once no edit
 * stands. Free with store_scores_free. */
int store_edit_scores_get(store *s, int64_t sample_id, struct store_score **out, size_t *n,
			  double *quality, assay_error *err);

/* ======================================================================
 * Overview (src/store/info.c)
 * ====================================================================== */

typedef struct store_info_batch {
	store_batch batch;
	int64_t samples;     /* samples in the batch */
	int64_t decided;     /* samples with at least one accept/edit/reject */
	int64_t accepted, edited, rejected; /* current decisions by verdict */
	int64_t scored;      /* samples with a combined quality score */
} store_info_batch;

typedef struct store_info_scorer {
	char *name;
	char *version;
	int64_t samples;
	int64_t flagged;
} store_info_scorer;

typedef struct store_info {
	int schema_version;
	int64_t file_bytes;
	store_info_batch *batches;
	size_t n_batches;
	store_info_scorer *scorers;
	size_t n_scorers;
	int64_t samples, decided, annotators, events;
} store_info;

int store_info_get(store *s, store_info *out, assay_error *err);
void store_info_free(store_info *info);

/* Checks the database file's structure: PRAGMA quick_check (every page and
 * b-tree; O(size)), or integrity_check when full (also that every index
 * matches its table). Up to STORE_CHECK_MAX problems, as SQLite words
 * them, go into *problems (NULL and 0 when the file is whole; free with
 * store_strings_free). ASSAY_ENOTDB when SQLite cannot even read the
 * schema. */
#define STORE_CHECK_MAX 20
int store_check(store *s, bool full, char ***problems, size_t *n, assay_error *err);

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
/* Samples in the query's batches, and their largest id (for progress). */
int store_score_scope(store *s, const store_score_query *q, int64_t *count, int64_t *max_id,
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

/* Inserts or replaces the (sample, scorer) score. Run inside a transaction
 * for speed (one per page). */
int store_score_put(store *s, const store_score_row *r, assay_error *err);
/* The n scores of one sample (all rows of the same sample_id) in one write
 * of its row: what the other scorers stored for it stays. */
int store_scores_put(store *s, const store_score_row *rows, size_t n, assay_error *err);
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

/* For the combined score: every stored value (NULLs as NAN) of the samples
 * with ids in [lo, hi], in (sample, scorer) order. */
int store_scores_range_each(store *s, int64_t lo, int64_t hi,
			    int (*fn)(void *ud, int64_t sample_id, const char *scorer,
				      double value),
			    void *ud, assay_error *err);
/* Writes the combined score on the sample (NAN: NULL). */
int store_quality_set(store *s, int64_t sample_id, double quality, assay_error *err);
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

/* (end of scores section) */

/* ======================================================================
 * Review: annotators, queue, leases, decisions, undo, notes
 * (src/store/review.c)
 * ====================================================================== */

/* The id of the annotator called name, created on first use. */
int store_annotator_ensure(store *s, const char *name, int64_t *id, assay_error *err);

/* Annotators whose name starts with this are machines (`decide --auto`
 * records as auto:learned@VERSION): agreement statistics leave them out and
 * export's provenance marks their decisions. */
#define STORE_AUTO_PREFIX "auto:"

/* What an annotator did to a sample. */
enum store_kind {
	STORE_ACCEPT,
	STORE_EDIT,    /* text: the corrected text */
	STORE_REJECT,  /* reason: why */
	STORE_SKIP,    /* comes back at the end of the queue */
	STORE_NOTE,    /* text: the note; no verdict */
};

typedef struct store_decision_in {
	int64_t sample_id;
	int64_t annotator_id;
	int kind;             /* enum store_kind */
	const char *text;     /* edit: the new text; note: the note */
	const char *reason;   /* reject: the reason */
	int64_t ms_spent;     /* time the sample was on screen */
	const char *session;  /* the review session, or NULL */
	/* On a pair (store_pair_get): the preference (enum store_pref; a pair
	 * takes no verdict without one but a skip or a note) with kind
	 * STORE_ACCEPT (a, b, tie), STORE_EDIT (a or b, text: the chosen one
	 * corrected) or STORE_REJECT (both-bad; reason optional); and which
	 * candidate was on the left (enum store_place). */
	int pref;
	int placement;
} store_decision_in;

/* Writes the event and (for all but notes) the current decision in one
 * transaction, and releases the annotator's lease on the sample. An edit
 * records its word edit distance to the original. An edit equal to the
 * original is refused (ASSAY_EINVAL). Sets *event_id. */
int store_decide(store *s, const store_decision_in *in, int64_t *event_id, assay_error *err);

/* A lead's final verdict on a sample (kind STORE_ACCEPT, EDIT or REJECT),
 * which export honours over the annotators' verdicts. */
int store_adjudicate(store *s, const store_decision_in *in, int64_t *event_id, assay_error *err);

/* Undoes the annotator's latest verdict that is not undone yet: writes an
 * undo event and restores the sample's previous decision by this annotator
 * (or removes it). Works across sessions and restarts: the undo stack is
 * read from the events. *sample_id gets the sample; ASSAY_ENOTFOUND when
 * there is nothing left to undo. */
int store_undo(store *s, int64_t annotator_id, const char *session, int64_t *sample_id,
	       assay_error *err);
/* Undoes every verdict of the annotator, newest first, each as store_undo
 * does (an undo event each), in transactions of a few hundred; *n gets how
 * many were undone (0: nothing to undo). */
int store_undo_all(store *s, int64_t annotator_id, const char *session, int64_t *n,
		   assay_error *err);
/* Undoes the annotator's latest verdict on one sample as store_undo does
 * (ASSAY_ENOTFOUND: none); inside the caller's transaction if one is open. */
int store_undo_on(store *s, int64_t annotator_id, int64_t sample_id, const char *session,
		  assay_error *err);

/* A sample `decide --auto` would reject: undecided (no verdict but skips,
 * no adjudication) with a learned score of the given model. */
typedef struct store_auto_row {
	int64_t sample_id;
	char *ext_id;
	double value;  /* the learned value: 1 - P(rejected) */
	char *why;     /* the learned score's reason in words */
	char *likely;  /* the model's likely reject reason, or NULL */
} store_auto_row;

/* Up to max such samples with a learned value <= max_value from model
 * `model`, after (*after_value, *after_id) in (value, id) order (start
 * with -INFINITY, 0; both advance): *rows (an array of *n; free with
 * store_auto_rows_free) is empty at the end. */
int store_auto_page(store *s, int64_t model, double max_value, size_t max, double *after_value,
		    int64_t *after_id, store_auto_row **rows, size_t *n, assay_error *err);
void store_auto_rows_free(store_auto_row *rows, size_t n);
/* Whether a sample is still undecided (no verdict but skips, no
 * adjudication) and on nobody's screen (no live lease): decide --auto
 * checks it again inside the transaction that would reject it. */
int store_auto_open(store *s, int64_t sample_id, int64_t now_ms, bool *open, assay_error *err);
/* How many undecided samples have no learned score of model `model` (not
 * scored since it was trained). */
int store_auto_unscored(store *s, int64_t model, int64_t *n, assay_error *err);

/* ---- The review queue (src/store/queue.c) ---- */

/* learned: the learned scorer's value ascending (the likeliest rejection
 * first); uncertain: its distance to 0.5 ascending (the decision boundary
 * first). Both show the samples without a learned value after the others,
 * in import order. */
enum store_order {
	STORE_ORDER_QUALITY,
	STORE_ORDER_IMPORT,
	STORE_ORDER_RANDOM,
	STORE_ORDER_LEARNED,
	STORE_ORDER_UNCERTAIN,
};
enum store_show {
	STORE_SHOW_UNDECIDED, /* not decided by this annotator (skipped ones come at the end) */
	STORE_SHOW_SKIPPED,
	STORE_SHOW_REJECTED,
	STORE_SHOW_EDITED,
	STORE_SHOW_ALL,
};

/* What an annotator reviews, in which order. */
typedef struct store_queue {
	int64_t annotator_id;
	int64_t batch_id;     /* 0: every batch */
	int order;            /* enum store_order */
	uint64_t seed;        /* for STORE_ORDER_RANDOM */
	int show;             /* enum store_show */
	int overlap;          /* up to this many annotators decide a sample (>= 1) */
	int64_t lease_ms;     /* how long a sample on screen stays this annotator's */
	struct queue_slice *slice; /* only a --where's samples (store_queue_where), or NULL */
	bool peek;            /* store_queue_next only looks: nothing is leased or written
				 (what comes next, to prepare it) */
} store_queue;

struct store_where;
/* Narrows q to the samples w selects (NULL: every sample again): each
 * order's probe and the counts are prepared once with it here, kept until
 * store_queue_where_free (or the next call; before store_close). A cursor
 * that walked under another filter must be zeroed. */
int store_queue_where(store *s, store_queue *q, const struct store_where *w, assay_error *err);
void store_queue_where_free(store_queue *q);

/* Where the annotator is in the queue: a key in the queue's order. Zero it
 * to start a walk; store_queue_next fills and advances it. */
#define STORE_CURSOR_AHEAD 32
typedef struct store_cursor {
	int phase;            /* 0: unscored (quality order), 1: main pass, 2: skipped, 3: done,
				 4: no learned value (learned orders) */
	double quality;       /* the order's key: quality, learned value, distance to 0.5 */
	int64_t key;          /* the hash, for the random order */
	int64_t id;
	bool started;         /* false: a fresh cursor */
	bool ring;            /* the pass began mid-order: it wraps round to where it began */
	bool wrapped;         /* in the wrapped-round part of the pass */
	int stop_phase;       /* where the pass began (the wrapped part stops there) */
	double stop_quality;
	int64_t stop_key, stop_id;
	/* the uncertain order: the near-duplicate cluster handed out last, and
	 * the samples handed out ahead of the cursor to keep its members apart */
	int64_t last_cluster;
	int64_t ahead[STORE_CURSOR_AHEAD];
	int n_ahead;
} store_cursor;

/* Claims the next sample after *cur (and advances it): eligible samples are
 * those the filter shows that fewer than `overlap` other annotators decided
 * or hold. The walk reads outside any write transaction; the sample found
 * is checked again and leased to this annotator in one short IMMEDIATE
 * transaction, so two annotators never get the same sample in exclusive
 * mode and a long walk never holds up the others' decisions. Every query
 * walks an index from the cursor. ASSAY_ENOTFOUND when the queue is empty.
 *
 * A fresh cursor on the undecided samples resumes where work stopped, read
 * from the events (no state file): at the sample of the annotator's latest
 * verdict or undo, or with overlap 1 at the furthest of that and anyone's
 * latest verdict (in the queue's order and batch). The pass goes from there
 * to the end of the order, then wraps round from its start up to where it
 * began (picking up samples left behind: undone, leases that expired, new
 * imports), then the annotator's skipped samples in import order. So the
 * first sample is found without walking the decided ones. The random order
 * is the hash index walked as a ring from a point derived from the seed.
 * The uncertain order never hands out two members of one near-duplicate
 * cluster (the neardup score's) in a row while the same part of the pass
 * holds a sample of another: that one goes first, the one passed over
 * right after it (up to STORE_CURSOR_AHEAD samples handed out ahead of
 * their turn and still offered). */
int store_queue_next(store *s, const store_queue *q, store_cursor *cur, int64_t *sample_id,
		     assay_error *err);
/* Whether any sample has a combined quality score (quality order then). */
int store_has_quality(store *s, bool *yes, assay_error *err);
/* Whether any sample has a learned score (the learned orders need one). */
int store_has_learned(store *s, bool *yes, assay_error *err);
/* Samples the queue's filter covers, and how many this annotator decided. */
int store_queue_counts(store *s, const store_queue *q, int64_t *total, int64_t *decided,
		       assay_error *err);
/* Takes the lease on a sample and gives up the others this annotator
 * holds (what store_queue_next does to the sample it hands out). */
int store_lease_renew(store *s, const store_queue *q, int64_t sample_id, assay_error *err);
/* Takes (or extends) the lease on a sample, keeping the others this
 * annotator holds: walking back through a session keeps the sample the
 * queue handed out. */
int store_lease_take(store *s, const store_queue *q, int64_t sample_id, assay_error *err);
/* Extends every lease this annotator holds to q->lease_ms from now. */
int store_lease_renew_all(store *s, const store_queue *q, assay_error *err);
int store_lease_release(store *s, int64_t annotator_id, int64_t sample_id, assay_error *err);
/* Gives up every lease this annotator holds (the session ends). */
int store_lease_release_all(store *s, int64_t annotator_id, assay_error *err);

/* This annotator's current verdict on a sample: verdict "" when none. */
typedef struct store_decision {
	char verdict[16];
	char *text;
	char *reason;
	int64_t decided_at;
	int pref; /* on a pair: enum store_pref (the candidate as imported) */
} store_decision;

int store_decision_get(store *s, int64_t sample_id, int64_t annotator_id, store_decision *out,
		       assay_error *err);
void store_decision_free(store_decision *d);

/* The notes on a sample, oldest first, as "who: text" lines. */
int store_notes_for(store *s, int64_t sample_id, char ***out, size_t *n, assay_error *err);

/* The next sample after after_id (in id order, wrapping once) whose text
 * contains needle (ASCII case-insensitive); ASSAY_ENOTFOUND when none. */
int store_search(store *s, const store_queue *q, const char *needle, int64_t after_id,
		 int64_t *sample_id, assay_error *err);

/* ---- Adjudication (src/store/adjudicate.c) ---- */

/* The first conflicting sample after after_id, in id order: two or more
 * annotators' current verdicts (skips left out) that are not all the same
 * (on a pair: their preferences), and no lead adjudication yet. batch_id 0: any batch. Walks the decisions'
 * key from the cursor. ASSAY_ENOTFOUND when none is left. */
int store_conflict_next(store *s, int64_t batch_id, int64_t after_id, int64_t *sample_id,
			assay_error *err);
/* How many samples store_conflict_next would walk from the start. */
int store_conflict_count(store *s, int64_t batch_id, int64_t *n, assay_error *err);

/* One annotator's current verdict on a sample, with the annotator's name. */
typedef struct store_named_verdict {
	int64_t annotator_id;
	char *annotator;
	char verdict[16];   /* "accepted", "edited", "rejected" */
	char *text;         /* the correction when edited, else NULL */
	char *reason;       /* the reason when rejected, else NULL */
	int64_t decided_at; /* unix ms */
	int pref;           /* on a pair: enum store_pref, the candidate as imported */
	int placement;      /* on a pair: enum store_place, which was on the left */
} store_named_verdict;

/* Every annotator's current verdict on a sample (skips left out), oldest
 * first. *out (an array of *n) is freed with store_named_verdicts_free. */
int store_verdicts_of(store *s, int64_t sample_id, store_named_verdict **out, size_t *n,
		      assay_error *err);
void store_named_verdicts_free(store_named_verdict *v, size_t n);

/* The lead's adjudication of a sample (verdict "" when none); *lead, when
 * not NULL, gets the lead's name (caller frees; NULL when none). Free *out
 * with store_decision_free. */
int store_adjudication_get(store *s, int64_t sample_id, store_decision *out, char **lead,
			   assay_error *err);

/* (end of review section) */

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
} store_stat_row;

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
} store_export_filter;

/* Calls fn for every sample (in id order) that passes the filter, with its
 * verdicts; stops when fn returns non-zero and returns that. Streams: memory
 * does not grow with the data set. */
int store_export_each(store *s, const store_export_filter *f,
		      int (*fn)(void *ud, const store_export_row *row), void *ud, assay_error *err);

/* The notes and scores of one sample for provenance, as a JSON object text
 * {"notes":[...],"scores":{"name":{"value":..,"flagged":..,"reason":..}},
 * "edit_scores":{...} (the corrected text's, while edited), "kind": the
 * batch's declared kind or null}; caller frees. */
int store_export_provenance(store *s, int64_t sample_id, char **json, assay_error *err);

/* An upper bound on the number of samples store_export_each visits (the
 * --where and batch counted, the --min and --max not). */
int store_export_estimate(store *s, const store_export_filter *f, int64_t *n, assay_error *err);

/* (end of export section) */

/* ======================================================================
 * Pairs of candidates and the preferences between them (src/store/pairs.c)
 * ====================================================================== */

/* A verdict on a pair names a candidate as imported, never a screen side. */
enum store_pref { STORE_PREF_NONE, STORE_PREF_A, STORE_PREF_B, STORE_PREF_TIE,
		  STORE_PREF_BOTH_BAD };
/* Which candidate was on the left of the screen. */
enum store_place { STORE_PLACE_NONE, STORE_PLACE_AB /* a left */, STORE_PLACE_BA };

/* "a", "b", "tie", "both-bad" (NULL for none) and back (STORE_PREF_NONE
 * for anything else). */
const char *store_pref_name(int pref);
int store_pref_parse(const char *name);

typedef struct store_pair {
	int64_t sample_id;
	char *a_field, *b_field;
	char *a_text, *b_text;
	char *a_model, *b_model; /* NULL when not known */
	char *a_model_field, *b_model_field; /* the fields they came from, or NULL */
	int claimed;             /* STORE_PREF_A, STORE_PREF_B or STORE_PREF_NONE */
	bool chat;               /* the candidates were message lists */
} store_pair;

/* The pair stored as sample sample_id; *found false when it is a single
 * sample. Free with store_pair_free. */
int store_pair_get(store *s, int64_t sample_id, store_pair *out, bool *found,
		   assay_error *err);
void store_pair_free(store_pair *p);

/* The current preference of one annotator on a pair. */
typedef struct store_pref_row {
	int64_t sample_id, annotator_id, batch_id;
	const char *annotator;
	const char *a_model, *b_model; /* NULL when not known */
	int claimed;   /* enum store_pref: A, B or NONE */
	int pref;      /* enum store_pref */
	int placement; /* enum store_place */
	const char *text;   /* the corrected chosen one, or NULL */
	const char *reason; /* or NULL */
	int64_t at;
} store_pref_row;

/* Every current preference in (sample, decision time) order; machines
 * (STORE_AUTO_PREFIX) left out unless machines. batch_id 0: all. fn's
 * non-zero return stops the walk and is returned. */
int store_prefs_each(store *s, int64_t batch_id, bool machines,
		     int (*fn)(void *ud, const store_pref_row *r), void *ud, assay_error *err);

/* A pair as export sees it, with its annotators' current preferences.
 * Pointers are valid during the callback only. */
typedef struct store_pair_row {
	int64_t sample_id;
	const char *ext_id, *batch;
	const char *record;
	size_t record_len;
	const char *context;       /* JSON array of {"name"|"role", "text"}, or NULL */
	const char *text_field;    /* candidate a's path (a turn's, for chat) */
	store_pair pair;           /* borrowed strings */
	const store_pref_row *prefs;
	size_t n_prefs;
	/* A lead's adjudication (review --conflicts): its preference
	 * (STORE_PREF_NONE when none), corrected chosen one and lead. */
	int adj_pref;
	const char *adj_text, *adj_lead;
} store_pair_row;

/* Every pair (of the batch named batch, NULL: all; with the annotator
 * named annotator's preferences only, NULL: all) in id order. */
int store_pairs_each(store *s, const char *batch, const char *annotator,
		     int (*fn)(void *ud, const store_pair_row *r), void *ud, assay_error *err);

/* A single sample as import --group-by pairs it up. Strings are valid
 * during the callback only. */
typedef struct store_group_row {
	const char *group;   /* the group field's value as JSON text */
	int64_t sample_id;
	const char *ext_id, *text;
	const char *context; /* JSON array of {"name"|"role", "text"}, or NULL */
	const char *model;   /* the record's model, else meta.model, or NULL */
	const char *batch;
} store_group_row;

/* Every single sample (not a pair, not in batch into_batch; of batch
 * from_batch, NULL: any) whose record holds field (a dotted path; a
 * literal key with the dot wins), in (group value, id) order. fn's
 * non-zero return stops the walk and is returned. */
int store_group_each(store *s, const char *from_batch, const char *into_batch, const char *field,
		     int (*fn)(void *ud, const store_group_row *r), void *ud, assay_error *err);

/* ======================================================================
 * Learned models (src/store/models.c)
 * ====================================================================== */

/* One stored version of a model: its bytes, when it was trained, on how
 * many verdicts of each class, and what it was trained with (info: JSON
 * text of settings, features and figures). */
typedef struct store_model {
	int64_t version; /* the row id: versions only grow */
	int64_t created_at;
	int64_t n_rejected, n_kept;
	char *info;
	void *bytes;
	size_t len;
} store_model;

/* Adds a version of the model called name; *version gets its number. */
int store_model_put(store *s, const char *name, const store_model *m, int64_t *version,
		    assay_error *err);
/* The newest version of name into *out (*found false when none); free
 * with store_model_free. */
int store_model_latest(store *s, const char *name, store_model *out, bool *found,
		       assay_error *err);
void store_model_free(store_model *m);
/* How many samples hold a verdict other than a skip (what `learn` learns
 * from, before resolving annotators). */
int store_decided_count(store *s, int64_t *n, assay_error *err);

/* ======================================================================
 * Slices: a --where expression compiled to SQL (src/store/where.c)
 * ====================================================================== */

struct query_expr;

enum store_where_type { STORE_WHERE_INT, STORE_WHERE_REAL, STORE_WHERE_TEXT };

/* One bound value of a compiled --where. */
typedef struct store_where_value {
	int type; /* enum store_where_type */
	int64_t i;
	double d;
	char *text;
} store_where_value;

/* A compiled --where: a boolean SQL fragment over the samples table
 * aliased s, and the values of its parameters ?100, ?101, ... in order (a
 * statement around it numbers its own parameters ?1..?99). No value is
 * ever part of the SQL text. */
typedef struct store_where {
	char *sql;
	/* the same test with score tests as a probe per sample, for a walk
	 * along another index (the review queue); the same values */
	char *sql_each;
	store_where_value *values;
	size_t n_values;
	bool regex; /* matches a /regex/ (a function the store registers) */
	bool kind;  /* tests a text's kind (likewise) */
} store_where;

/* Compiles e (NULL: every sample). What each field means:
 *  flagged(N), score.N OP x, learned OP x: the sample's score by scorer N
 *    ("learned": the learned model's), a failed score matching nothing;
 *  quality OP x: the combined score (an unscored sample matches nothing);
 *  meta.P OP v: the record's field meta.P, a number compared with a number,
 *    a string equal to a string (a record that is not JSON matches nothing);
 *  batch = B: imported in the batch named B;
 *  kind = K: the text's kind as the scorers take it (text_kind: the
 *    batch's declared kind, else by its text field and context);
 *  verdict, reason, annotator, decided_after, decided_before: a current
 *    decision (a skip is one) of the sample has it; such tests joined by
 *    `and` hold for one and the same decision (annotator = "bob" and
 *    verdict = rejected: bob rejected it); verdict = undecided: no current
 *    decision but skips; decided_after = D: on or after D's midnight UTC;
 *    decided_before = D: before it;
 *  conflict: two current verdicts (skips aside) differ, adjudicated or not;
 *  edited: a current verdict is an edit;
 *  spotcheck = N: drawn for the spot-check N (store_spotcheck_add);
 *  text ~ "s": the text contains s, ASCII letters in any case; text ~ /re/:
 *    a POSIX extended regex, ignoring case, matches the text.
 *  `F != v` is exactly `not F = v`. Free out with store_where_free. */
int store_where_compile(const struct query_expr *e, store_where *out, assay_error *err);
void store_where_free(store_where *w);
/* How many samples the compiled expression selects. */
int store_where_count(store *s, const store_where *w, int64_t *n, assay_error *err);
/* The same, and how many of them have a current verdict (a skip is none). */
int store_where_tally(store *s, const store_where *w, int64_t *n, int64_t *decided,
		      assay_error *err);
/* Calls fn with the id of every sample the expression selects, in id
 * order; stops when fn returns non-zero and returns that. Streams. */
int store_where_each(store *s, const store_where *w, int (*fn)(void *ud, int64_t sample_id),
		     void *ud, assay_error *err);

/* ---- Deciding a slice in bulk (src/store/slice.c) ---- */

/* A sample of a slice. Strings are valid during the callback only; text
 * is the sample's first STORE_EXAMPLE_CHARS characters. */
typedef struct store_slice_row {
	int64_t id;
	const char *ext_id;
	const char *text;
} store_slice_row;

enum store_slice_mine {
	STORE_SLICE_UNDECIDED, /* the annotator has no current verdict (a skip is none) */
	STORE_SLICE_DECIDED,   /* the annotator has a current decision (a skip is one) */
};

/* The id of the annotator named name, 0 when there is none (writes nothing). */
int store_annotator_find(store *s, const char *name, int64_t *id, assay_error *err);

/* Calls fn with every sample w selects that is `mine` (enum
 * store_slice_mine) for the annotator and, when except is not 0, was not
 * drawn for the spot-check except; in id order. fn must not write (collect
 * the ids); a non-zero return stops the walk and is returned. */
int store_slice_each(store *s, const store_where *w, int64_t annotator_id, int mine,
		     int64_t except, int (*fn)(void *ud, const store_slice_row *r), void *ud,
		     assay_error *err);

/* A bulk verdict on a slice held back until a human has decided the
 * samples drawn from it (spotcheck = ID in a --where selects those). */
typedef struct store_spotcheck {
	int64_t id;
	int kind;             /* STORE_ACCEPT or STORE_REJECT */
	const char *reason;   /* NULL: none */
	int64_t annotator_id; /* who records the bulk verdict */
	uint64_t seed;        /* the draw's seed */
	double max_disagree;  /* the share of the drawn samples that may disagree */
	int64_t created_at;
	int64_t n;            /* how many were drawn */
} store_spotcheck;

/* The newest pending spot-check of the slice where_text (its canonical
 * spelling) with sc's kind, reason and annotator: *found, and sc's id,
 * seed, max_disagree, created_at and n filled. */
int store_spotcheck_find(store *s, const char *where_text, store_spotcheck *sc, bool *found,
			 assay_error *err);
/* Stores a pending spot-check and the n samples drawn for it in one
 * transaction; sets sc->id, created_at and n. */
int store_spotcheck_add(store *s, const char *where_text, store_spotcheck *sc,
			const int64_t *ids, size_t n, assay_error *err);
/* How many drawn samples a human decided (a current verdict, skips and
 * annotators named STORE_AUTO_PREFIX... aside), and how many of those
 * hold a verdict other than sc's (an edit differs from an accept). */
int store_spotcheck_tally(store *s, const store_spotcheck *sc, int64_t *decided,
			  int64_t *disagree, assay_error *err);
/* Marks it applied: it is pending no more. */
int store_spotcheck_applied(store *s, int64_t id, assay_error *err);

/* ---- The samples behind a report's figures (src/store/lists.c) ---- */

/* One decision with its sample, for a list. Strings are valid during the
 * callback only; text is the sample's first STORE_EXAMPLE_CHARS
 * characters. */
#define STORE_EXAMPLE_CHARS 240
typedef struct store_example {
	const char *ext_id;
	const char *text;
	const char *annotator;
	const char *verdict;
	const char *reason;   /* NULL unless rejected (or rejected without one) */
	double learned;       /* the learned scorer's value, NAN when none */
	const char *context;  /* what the text answers, "name: text" lines (at most
				 STORE_EXAMPLE_CHARS), or NULL when none */
	int64_t sample_id, annotator_id;
} store_example;

/* Up to per_reason rejections of each reason (newest first; the reasons in
 * order, a rejection without a reason first), of the samples w selects
 * (NULL: all). */
int store_rejection_examples(store *s, const store_where *w, int per_reason,
			     int (*fn)(void *ud, const store_example *e), void *ud,
			     assay_error *err);
/* Up to max decisions (skips aside) by annotators named "auto:...", the
 * surest first: the learned value farthest from 0.5 (none counts as 0.5). */
int store_auto_examples(store *s, const store_where *w, int max,
			int (*fn)(void *ud, const store_example *e), void *ud, assay_error *err);

#endif
