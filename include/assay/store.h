/* store.h — the store (SQLite, or a PostgreSQL server): the only way into
 * data; nothing outside src/store speaks SQL. One handle per process;
 * statements are prepared once and cached in it. This header holds opening,
 * transactions, batches, import and the overview; the other parts are in
 * store_scores.h, store_review.h, store_audit.h and store_pairs.h, included
 * at its end. Each part is owned by the layer that needs it and implemented
 * in its own src/store/ files. */
#ifndef ASSAY_STORE_H
#define ASSAY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 5
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
	/* Called while the texts an earlier build stored twice are read from
	 * their records instead (every 100,000 sample ids, on databases with
	 * more); may be NULL. */
	void (*text_progress)(void *ud, int64_t done, int64_t total);
	/* Called while an earlier build's combined scores are moved to their
	 * own table (every 200,000 sample ids, on databases with more); may be
	 * NULL. */
	void (*quality_progress)(void *ud, int64_t done, int64_t total);
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
/* How long a write waits for another writer's lock before ASSAY_EBUSY
 * (0: the store's own busy timeout again; on PostgreSQL the lock wait,
 * none by default). A screen waits in short tries so that its keys still
 * work. */
void store_busy_wait(store *s, int ms);
const char *store_path(const store *s);
/* What to call the database on a screen or in a report: an SQLite file's
 * path as given, a PostgreSQL store's "SCHEMA@DATABASE" (never the URI, which
 * may hold a password). */
const char *store_name(const store *s);
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

/* A read of several passes in one snapshot (a report's figures): on a
 * server store one read-only transaction on s, every pass reading on s
 * alone; on an SQLite file nothing (each pass reads as it did). */
int store_shared_read_begin(store *s, assay_error *err);
void store_shared_read_end(store *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Writers wait up to the busy timeout
 * for each other; nesting is not supported (returns ASSAY_ECONFLICT). */
int store_begin(store *s, assay_error *err);
int store_commit(store *s, assay_error *err);
void store_rollback(store *s);
bool store_in_tx(const store *s);

/* For bulk writes (import, scoring): a larger page cache, so the unique
 * indexes of a million-sample batch stay in memory between commits (peak
 * memory stays under 64 MiB), and the write-ahead log folded into the
 * database on a thread of its own with its own connection (passive
 * checkpoints, woken by the commits once the log holds enough frames), not
 * inside this connection's commits, unless the log grows far beyond that.
 * store_bulk_end (also done by store_close) stops and joins the thread and
 * folds what is left of the log; a second store_bulk_mode before it keeps
 * the running thread. */
int store_bulk_mode(store *s, assay_error *err);
void store_bulk_end(store *s);

/* What the checkpoints of bulk writes on a store did (counts since it was
 * opened): passive checkpoints run by the thread and by the writer itself
 * (the log far beyond the threshold, and the last one), the sum over them
 * of SQLite's count of the log's frames in the database after each (a
 * frame copied by an earlier one of the same log counts again), and the
 * longest log seen after a commit. */
typedef struct store_ckpt_stats {
	int64_t thread_runs, thread_frames;
	int64_t writer_runs, writer_frames;
	int64_t max_log;
} store_ckpt_stats;
void store_bulk_stats(const store *s, store_ckpt_stats *out);
/* The log's length in frames (pages) that wakes the checkpoint thread of
 * the next store_bulk_mode; 0: the default. */
void store_bulk_checkpoint_every(store *s, int frames);
/* An import writes only rows whose parents it wrote or found itself in
 * the same transaction (its batch's samples, their scores and notes, a
 * duplicate's sample): SQLite's check of each reference (a cursor opened
 * on the parent table and a seek, for every row and reference) is left
 * off while it writes (checked false) and put back after. Outside a
 * transaction (SQLite ignores the setting inside one); nothing on
 * PostgreSQL. */
int store_references_checked(store *s, bool checked, assay_error *err);

/* With elsewhere, this connection's commits never fold the write-ahead log
 * into the database (a checkpoint: copying and syncing up to thousands of
 * pages) and leave that to another process's store_checkpoint: the review
 * screen, whose retraining `assay learn` does it; without, SQLite's
 * default (every 1,000 pages) again. */
int store_checkpoints_elsewhere(store *s, bool elsewhere, assay_error *err);

/* Folds what it can of the write-ahead log into the database now, waiting
 * for no one (a passive checkpoint). */
int store_checkpoint(store *s, assay_error *err);

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
/* Creates a batch from b (id and counts ignored); sets b->id.
 * ASSAY_ECONFLICT when a batch of that name exists (nothing is written, and
 * the transaction stays usable: the caller may try another name). */
int store_batch_create(store *s, store_batch *b, assay_error *err);
/* Removes a batch, and the records it refused, when it holds no sample and
 * no duplicate (else leaves it as it is). */
int store_batch_drop_empty(store *s, int64_t batch_id, assay_error *err);
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
	/* Where the text's bytes appear in record, when the caller has looked
	 * (store_text_place, on its own thread): 1 at text_at, -1 nowhere, 0
	 * not looked for (the store looks). A wrong place is not trusted: the
	 * store compares the bytes and looks itself when they differ. */
	int text_found;
	int64_t text_at;
	/* filled by store_samples_insert_run: its outcome and sample id */
	int outcome;
	int64_t id;
} store_new_sample;

enum store_insert_outcome {
	STORE_INSERTED,   /* a new sample */
	STORE_DUPLICATE,  /* same normalized text as an existing sample: recorded as a dropped copy */
	STORE_PRESENT,    /* this batch already holds this record (a re-run) */
	STORE_ID_TAKEN,   /* this batch holds another record with the same id */
};

/* Inserts a sample unless it is a duplicate or already present; sets
 * *outcome and *sample_id (the new sample, the kept copy, or the holder of
 * the id). A sample with a pair is two writes (the sample, then its
 * pair): that one must run inside a transaction so both land or neither;
 * any other is one write (import still runs a page per transaction, for
 * speed). */
int store_sample_insert(store *s, const store_new_sample *in, int *outcome, int64_t *sample_id,
			assay_error *err);
/* Inserts n records as store_sample_insert would one after another
 * (the same outcomes and ids, into each one's outcome and id): on
 * PostgreSQL the run streams with COPY. Inside a transaction. */
int store_samples_insert_run(store *s, store_new_sample *v, size_t n, assay_error *err);
/* Whether text's text_len bytes appear in the record, and where (*at):
 * what store_new_sample.text_found and text_at say (pure: any thread). */
bool store_text_place(const char *record, size_t record_len, const char *text,
		      size_t text_len, int64_t *at);
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
/* The external id of sample id, allocated into *ext_id (one indexed read,
 * none of the sample's text). */
int store_sample_ext_id(store *s, int64_t id, char **ext_id, assay_error *err);
/* Finds a sample by its external id (optionally within a batch name, else
 * any batch; ASSAY_ECONFLICT when several batches have it). */
int store_sample_by_ext_id(store *s, const char *ext_id, const char *batch, store_sample *out,
			   assay_error *err);

/* A record dropped at import as an exact duplicate of a kept sample. */
typedef struct store_duplicate {
	char *batch_name;  /* the batch it was imported into */
	int64_t line;      /* its line (record) there */
	char *kept_ext_id; /* the sample it duplicates: its external id */
	char *kept_batch;  /* and batch */
} store_duplicate;

/* The record with external id ext_id (within the batch named batch, else
 * in any batch, the oldest first) dropped at import as an exact
 * duplicate: *found false when there is none. Free with
 * store_duplicate_free. */
int store_duplicate_find(store *s, const char *ext_id, const char *batch, store_duplicate *out,
			 bool *found, assay_error *err);
void store_duplicate_free(store_duplicate *d);

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
	int64_t failed; /* scored, but the scorer failed: no value */
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

/* How to speak of store_check's result: the check's name, the sentence of
 * a whole store, the words of a damaged one and how to salvage it. On a
 * PostgreSQL store the check reads every table whole (and, when full,
 * through an index too, compared) and reports what the server could not
 * read. */
typedef struct store_check_words {
	const char *how, *whole, *damaged;
	char salvage[1200];
} store_check_text;
void store_check_words(store *s, bool full, store_check_text *w);

/* The rest of the interface, one header per part (each only through this one). */
#include "assay/store_scores.h"
#include "assay/store_review.h"
#include "assay/store_audit.h"
#include "assay/store_pairs.h"

#endif
