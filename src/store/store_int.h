/* store_int.h — what the files of src/store/ share: the handle, the
 * statement cache and the mapping of SQLite errors to assay errors. */
#ifndef ASSAY_STORE_INT_H
#define ASSAY_STORE_INT_H

#include <sqlite3.h>

#include "assay/store.h"
#include "dbi.h"

#define STORE_STMT_SLOTS 256
/* Scorer slots per database: the flags of a sample's scores are one 64-bit
 * mask. */
#define STORE_MAX_SLOTS 64

/* A scorer version: its id in scorer_versions (never 0). */
struct store_ver {
	uint32_t id;
	int slot;
	char *version;
};

struct store {
	sqlite3 *db;   /* NULL on a PostgreSQL store */
	dbi *dbi;      /* the connection through the SQL interface: on SQLite it
			  wraps db, so the store's files move onto it one at a time */
	bool pg;       /* a PostgreSQL server rather than an SQLite file */
	char *target;  /* what was opened (a connection URI keeps its password) */
	const char *command; /* the command that opened it, for messages */
	char *path;    /* the file, or the URI with its password redacted */
	char *name;    /* PostgreSQL: schema@database, for screens (name_pg.c) */
	bool readonly;
	bool must_exist; /* PostgreSQL: an empty schema is refused, not made a store */
	bool in_tx;
	int busy_ms; /* SQLite: how long a write waits for another writer */
	int lock_ms; /* PostgreSQL: the lock wait store_busy_wait set (0: none) */
	/* Prepared statements keyed by the address of their SQL text, which is
	 * always a string literal in one of the src/store/ files. */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} stmts[STORE_STMT_SLOTS];
	/* The scorers table and scorer_versions, cached (score_pack.c);
	 * forgotten at a rollback, reloaded when a slot is not known. */
	char **slot_names;
	size_t n_slots;
	struct store_ver *vers;
	size_t n_vers;
	bool slots_loaded;
	bool slots_made; /* since the last commit: a rollback forgets them */
	uint64_t slots_epoch; /* changes when they are forgotten (score_slots_epoch) */
	/* The reasons' forms (score_forms.c): the connection's cache, shared
	 * with note_at; NULL until first used. */
	struct score_forms *forms;
	struct row_sink *sink; /* the scan running through row_sink() (row_sink.c) */
	int64_t import_run; /* the last run of records import streamed (samples_pg.c) */
	/* PostgreSQL: this connection holds the score runs' lock
	 * (scores_pg_lock.c); the score writes not sent yet (scores_pg_batch.c) */
	bool score_locked;
	struct scores_pg_pending *pending;
	/* PostgreSQL: the server's clock less this one's, and when it was
	 * read (monotonic ns; 0: never) (queue_pg.c) */
	int64_t clock_skew_ms, clock_read_ns;
	/* SQLite: the checkpoint thread of a bulk write (checkpointer.c);
	 * NULL when none runs. ckpt_every: frames that wake it (0: default) */
	struct store_ckpt *ckpt;
	int ckpt_every;
	store_ckpt_stats ckpt_stats;
};

/* Starts the checkpoint thread of a bulk write (nothing on PostgreSQL, a
 * read-only or in-memory store, or when one runs); stops and joins it, its
 * connection closed, and folds what is left of the log (passive). */
int store_ckpt_start(store *s, assay_error *err);
void store_ckpt_stop(store *s);

/* A scan's rows handed to C inside SQLite's loop (row_sink.c): fn gets
 * the values a statement passes to row_sink(...); a nonzero return stops
 * the scan and is what store_sink_run returns (which fills err only for
 * SQLite's own errors). */
typedef int (*store_sink_fn)(void *ud, sqlite3_value **v);
int store_sink_register(store *s);
int store_sink_run(store *s, sqlite3_stmt *st, store_sink_fn fn, void *ud, const char *what,
		   assay_error *err);

/* The score writes a PostgreSQL transaction holds back (scores_pg_batch.c):
 * sent before the commit (a failure fails it), dropped at a rollback,
 * freed with the store. Nothing on SQLite. */
int scores_pg_flush(store *s, assay_error *err);
void scores_pg_discard(store *s);
void scores_pg_pending_free(store *s);

/* Now in ms by the store's clock, the one leases expire by: on PostgreSQL
 * the server's (read again after a minute), on SQLite this machine's
 * (queue_pg.c). */
int store_clock_ms(store *s, int64_t *now, assay_error *err);

/* The store's key of the advisory locks its writers share on PostgreSQL
 * (the score run's, scores_pg_lock.c, with -1): the oid of the store's
 * assay_meta table, found through the search_path as the store's tables
 * are. A key read from the connection (current_schema()) would differ
 * between two connections whose search_paths lead to the same tables. */
#define PG_STORE_KEY "('assay_meta'::regclass::oid::integer)"
/* The two keys of sample $1's claim lock (queue_pg.c, auto_pg.c): the
 * store's and the id's low 31 bits (never negative). */
#define PG_SAMPLE_KEYS "('assay_meta'::regclass::oid::integer), ($1::bigint & 2147483647)::integer"

/* Copies a column as an allocated string ("" when NULL). NULL on ENOMEM. */
char *store_dcol_str(dbi_stmt *st, int col);

/* Fails with "COMMAND is not available on a PostgreSQL store yet" ("this
 * step of COMMAND" once connected): what
 * every part of the store not yet moved onto dbi answers there. */
int store_sqlite_only(store *s, assay_error *err);
/* A PostgreSQL store's short name from its connection URI: "SCHEMA@DB"
 * (its search_path and database), never a credential. Allocated; NULL on
 * ENOMEM. */
char *store_pg_name(const char *target);

/* Opens a PostgreSQL store (db_pg.c): connects, creates the schema in the
 * connection's current schema on first use, checks its version. */
int store_open_pg(const char *target, const store_options *opt, store **out, assay_error *err);
/* A checked decision on PostgreSQL, recorded in one round trip: its
 * event, its verdict and the lease's release (review_pg.c). */
typedef struct review_pg_decision {
	const store_decision_in *in;
	const char *kind, *verdict, *text, *reason, *pref, *placement;
	int64_t at, distance, words; /* distance < 0: not an edit */
} review_pg_decision;
int review_decide_pg(store *s, const review_pg_decision *d, int64_t *event_id, assay_error *err);
/* store_undo_all on PostgreSQL (review_pg.c): every verdict of the
 * annotator that no undo points at undone in one statement, the latest
 * first, as the walk down its events does one by one. */
int review_undo_all_pg(store *s, int64_t annotator_id, const char *session, int64_t *n,
		       assay_error *err);

/* store_check on a PostgreSQL store (check_pg.c). */
int store_check_pg(store *s, bool full, char ***problems, size_t *n, assay_error *err);
/* Transactions on a PostgreSQL store (db_pg.c). */
int store_pg_exec_tx(store *s, const char *sql, const char *what, assay_error *err);
/* Creates or checks the PostgreSQL schema (schema_pg.c), inside a
 * transaction holding the schema lock. */
int store_pg_schema(store *s, assay_error *err);

/* The cached, reset statement for sql (a string literal), prepared on first
 * use; NULL with err filled on failure. */
sqlite3_stmt *store_stmt(store *s, const char *sql, assay_error *err);

/* Fills err from the connection's last error (rc is the SQLite result
 * code) with "what: message", mapping busy, full, read-only and corrupt
 * databases to their assay codes. Returns the assay code. */
int store_sqlerr(store *s, int rc, assay_error *err, const char *what);

/* Whether the file system holding path is mounted read-only. */
bool store_on_read_only_fs(const char *path);

/* Waits up to ms for another writer, trying again every few milliseconds
 * (score_bulk.c: a long rescore pauses that long between its steps). */
void store_busy_poll(sqlite3 *db, int ms);

/* Runs SQL text with no parameters and no rows (schema, pragmas). */
int store_exec(store *s, const char *sql, assay_error *err);

/* Copies a column as an allocated string ("" when NULL). NULL on ENOMEM. */
char *store_col_str(sqlite3_stmt *st, int col);

/* Binds text (n bytes, or strlen when n < 0) or NULL when t is NULL. */
int store_bind_text(sqlite3_stmt *st, int idx, const char *t, int64_t n);

/* A page of sample ids: sql takes the id to go past as ?1 and the page
 * size as ?2 and returns one id column; up to max ids into ids. */
int store_ids_page(store *s, const char *sql, int64_t after, int64_t *ids, size_t max,
		   size_t *n, const char *what, assay_error *err);

/* The scores sql selects for one sample (?1), as rows of scorer, version,
 * value, flagged, reason, detail, scored_at; free with store_scores_free. */
int store_scores_read(store *s, const char *sql, int64_t sample_id, store_score **out,
		      size_t *n, const char *what, assay_error *err);

/* Steps a statement expected to produce no row (INSERT, UPDATE). */
int store_step_done(store *s, sqlite3_stmt *st, assay_error *err, const char *what);

/* Writes the pairs row of a new sample from the import's JSON
 * (store_new_sample.pair). */
int store_pair_insert(store *s, int64_t sample_id, const char *json, size_t len,
		      assay_error *err);

/* Applies the schema and migrations up to STORE_SCHEMA_VERSION. */
int store_schema_apply(store *s, int from_version, assay_error *err);
/* Whether a step of schema.c's list is missing (a version 3 database an
 * earlier build left); store_schema_apply makes the missing ones. */
int store_schema_missing(store *s, bool *missing, assay_error *err);
/* Whether the samples have the columns of the text stored once. */
int store_schema_text_once(store *s, bool *yes, assay_error *err);
/* Whether the combined scores are in their narrow table (schema version 5). */
int store_schema_quality_moved(store *s, bool *yes, assay_error *err);
/* The narrow table's two indexes, each name after AS (a string literal:
 * "IF NOT EXISTS ", "temp."); the same text wherever they are made, as
 * score_bulk.c drops and builds them. */
#define SQL_QUALITY_INDEXES_AS(AS)                                                                 \
	"CREATE INDEX " AS "sample_quality_by_quality ON sample_quality(quality, sample_id);"      \
	"CREATE INDEX " AS "sample_quality_by_batch ON sample_quality(batch_id, quality, sample_id);"
#define SQL_QUALITY_INDEXES SQL_QUALITY_INDEXES_AS("")

/* ---- the combined score's narrow table (quality.c) ---- */

/* The new sample's row (not scored yet), on SQLite; on PostgreSQL the
 * sample's insert writes it. */
int store_quality_row(store *s, int64_t sample_id, int64_t batch_id, assay_error *err);
/* An earlier build's samples.quality moved into the narrow table, and its
 * indexes built, inside the caller's transaction; progress every 200,000
 * sample ids when there are more. */
int store_quality_move(store *s, void (*progress)(void *ud, int64_t done, int64_t total),
		       void *ud, assay_error *err);
/* A read-only connection to a database made before the narrow table: a
 * copy of it in the connection's temporary schema. */
int store_quality_temp(store *s, assay_error *err);

/* ---- the text stored once (text_store.c) ---- */

/* Reads from their records the texts an earlier build stored a second
 * time (those whose bytes appear there), inside the caller's transaction;
 * progress every 100,000 sample ids when there are more. */
/* Runs sql_step, bound to the ids (?1, ?2], step ids at a time up to the
 * largest sample id, a progress line per step on a large table; what names
 * the work in an error (text_store.c). */
int store_move_by_ids(store *s, const char *sql_step, int64_t step, const char *what,
		      void (*progress)(void *ud, int64_t done, int64_t total), void *ud,
		      assay_error *err);
int store_text_move(store *s, void (*progress)(void *ud, int64_t done, int64_t total), void *ud,
		    assay_error *err);

/* The first parameter number of a compiled --where (store_where). */
#define STORE_WHERE_PARAM0 100

/* Prepares head, w's fragment and tail as one statement (not cached:
 * sqlite3_finalize it) with w's values bound, registering what w needs. */
int store_where_prepare(store *s, const char *head, const store_where *w, const char *tail,
			sqlite3_stmt **st, assay_error *err);
/* The same on either engine, read through the SQL interface (free it with
 * dbi_stmt_free; w's values stay bound at a dbi_reset): head and tail are
 * SQLite's text, head_pg and tail_pg PostgreSQL's (NULL: SQLite's with ?N
 * made $N); on PostgreSQL w's values are one parameter after theirs. NULL
 * with err filled. */
dbi_stmt *store_where_stmt(store *s, const char *sql_head, const char *sql_tail,
			   const char *sql_head_pg, const char *sql_tail_pg, const store_where *w,
			   assay_error *err);

/* ---- scores packed one row per sample (score_pack.c) ---- */

/* Slot slot's value in a vals blob of len bytes; NaN when absent or failed. */
double score_pack_val(const void *vals, size_t len, int slot);
/* Every slot's value of a vals blob, at most max of them, in one pass
 * (NaN for those absent or failed); returns how many were written. */
size_t score_pack_unpack(const void *vals, size_t len, double *out, size_t max);
/* Slot slot's version id in a vers blob; 0 when not scored. */
uint32_t score_pack_ver(const void *vers, size_t len, int slot);
/* How many slots a row's vals or vers hold (either layout). */
size_t score_pack_nvals(const void *vals, size_t len);
size_t score_pack_nvers(const void *vers, size_t len);
/* n values or version ids in the compact layout into out (room for
 * 1 + n/4 + 8n + 2 bytes); the length written. */
size_t score_pack_vals(unsigned char *out, const double *v, size_t n);
size_t score_pack_vers(unsigned char *out, const uint32_t *id, size_t n);
/* A value as 8 and a version id as 4 little-endian bytes at slot (the
 * layout of earlier builds: copy's canonical form, score_stale's wants). */
void score_pack_put_val(unsigned char *vals, int slot, double v);
void score_pack_put_ver(unsigned char *vers, int slot, uint32_t id);
/* Appends slot's reason and detail to a notes blob (nothing when both are
 * empty). */
int score_pack_note(abuf *out, int slot, const char *reason, const char *detail);
/* Registers score_at, ver_at, note_at, score_merge, note_merge and
 * score_stale on a connection. */
int score_pack_register(sqlite3 *db);

/* ---- the reasons' forms (score_forms.c) ---- */
typedef struct score_forms score_forms;
/* The connection's cache of forms and the function that hands it to the
 * store; NULL on failure. */
score_forms *score_forms_register(sqlite3 *db);
/* Points s->forms at the connection's cache; -1 when it cannot. */
int score_forms_attach(store *s);
void score_forms_clear(score_forms *f);
void score_forms_destroy(void *f);
/* Loads the forms not yet cached (SQLITE_DONE or the error). */
int score_forms_load(score_forms *f, sqlite3 *db);
/* The form of id ("" for 0), loading it when new; NULL when unknown. */
const char *score_forms_text(score_forms *f, sqlite3 *db, uint64_t id);
/* A text as its form (each decimal number in it replaced by the byte
 * SCORE_FORM_NUM) and its numbers (score_forms_split.c: pure, any thread). */
#define SCORE_FORM_NUM '\x01'
#define SCORE_FORM_LEN_MAX 400
#define SCORE_FORM_NUMS_MAX 24
typedef struct score_form_split {
	char form[SCORE_FORM_LEN_MAX + 1];
	size_t len; /* strlen(form) */
	uint64_t num[SCORE_FORM_NUMS_MAX];
	size_t n;
} score_form_split;
/* Splits t; false when it is to be stored as it is. */
bool score_form_split_text(const char *t, score_form_split *sp);
/* The hash the forms' map is keyed by (of form's n bytes; the map only:
 * never stored). */
uint64_t score_form_hash(const char *form, size_t n);
/* Appends v + 1 as LEB128 (no byte of it is 0); -1 when out of memory. */
int score_leb_put(abuf *out, uint64_t v);
/* Writes v + 1 as LEB128 at b (at most 10 bytes); how many. */
size_t score_leb_encode(unsigned char *b, uint64_t v);
/* A note split ahead (store_note_split): its bytes' tags. */
enum { SCORE_SPLIT_EMPTY = 0, SCORE_SPLIT_FORM = 1, SCORE_SPLIT_PLAIN = 2 };
/* A notes blob being made: its plain records, and its compact entries by
 * slot (the bytes at[slot], len[slot] of parts, for the slots in mask). */
typedef struct score_notes_buf {
	abuf plain;
	abuf parts;
	uint32_t at[STORE_MAX_SLOTS], len[STORE_MAX_SLOTS];
	uint64_t mask;
} score_notes_buf;
void score_notes_buf_free(score_notes_buf *b);
/* Adds slot's reason and detail, as a compact entry when both have a form
 * (plain: always as they are); split: the two as store_note_split split
 * them, or NULL. */
int score_forms_note(store *s, score_notes_buf *b, int slot, const char *reason,
		     const char *detail, bool plain, const void *split);
/* Appends b's plain records and its one compact record to out. */
int score_notes_finish(score_notes_buf *b, abuf *out);
/* In the compact record whose bytes after its first start at rec: slot's
 * reason and detail (each NUL-terminated); false when it has none. */
bool score_forms_find(score_forms *f, sqlite3 *db, const unsigned char *rec,
		      const unsigned char *end, int slot, abuf *reason, abuf *detail);
/* Appends the record's entries to out as plain records. */
bool score_forms_plain(score_forms *f, sqlite3 *db, const unsigned char *rec,
		       const unsigned char *end, abuf *out);
/* Adds the record's entries of the slots outside drop to into;
 * ASSAY_EFORMAT when it cannot be read (a form missing from score_forms). */
int score_forms_keep(score_forms *f, sqlite3 *db, const unsigned char *rec,
		     const unsigned char *end, uint64_t drop, score_notes_buf *into);
int score_slots_load(store *s, assay_error *err);
void score_slots_forget(store *s);
/* The slots' present epoch: never 0, unique in the process, changed
 * whenever the cache is forgotten (a store_slot_ref of it is current). */
uint64_t score_slots_epoch(store *s);
/* The name of a slot (reloading the cache once when unknown), or NULL. */
const char *score_slot_name(store *s, int slot, assay_error *err);
/* The slot of scorer name (-1: none) and the id of its version (0: none;
 * version NULL: not looked up). */
int score_slot_find(store *s, const char *name, const char *version, int *slot, uint32_t *ver,
		    assay_error *err);
/* The same, made when new, inside a write transaction. */
int score_slot_make(store *s, const char *name, const char *version, int *slot, uint32_t *ver,
		    assay_error *err);
/* One sample's packed scores: its blobs are bytes of the batch's buffer. */
typedef struct score_batch_row {
	int64_t sample_id, at;
	uint64_t flags, mask;
	double learned;
	bool has_learned;
	size_t vals, vals_len, vers, vers_len, notes, notes_len;
} score_batch_row;

/* The scores of many samples kept to be written together (score_write.c). */
struct store_score_batch {
	score_batch_row *rows;
	size_t n, cap;
	abuf bytes;
	score_notes_buf nb; /* reused from sample to sample */
};

/* Packs the n scores of one sample (rows[i].sample_id all alike) scored at
 * at into b, to be written by store_score_batch_flush (score_write.c). */
int score_batch_pack(store *s, store_score_batch *b, const store_score_row *rows,
		     const void *const *split, store_slot_ref *refs, size_t n, int64_t at,
		     assay_error *err);
/* Frees what b holds and empties it (b itself is the caller's). */
void score_batch_clear(store_score_batch *b);
/* Writes a sample's notes record (len 0: its slots in mask dropped), merged
 * into the notes row (score_rows.c). */
int score_notes_put(store *s, int64_t id, const void *notes, size_t len, uint64_t mask,
		    assay_error *err);
/* A note that could not be packed: out of memory, or the form it needed
 * could not be stored and the transaction went with it (score_forms.c). */
int score_notes_fail(assay_error *err, int rc);
/* Row r's slot and version id: ref's while current, else made (and kept
 * in ref, which may be NULL). */
int score_slot_of(store *s, const store_score_row *r, store_slot_ref *ref, int *slot,
		  uint32_t *ver, assay_error *err);
/* store_scores_put with the time the scores were made. */
int store_scores_put_at(store *s, const store_score_row *rows, size_t n, int64_t at,
			assay_error *err);
/* Rewrites the rows of the old table scores (one per sample and scorer)
 * into the packed layout and replaces the table by a view of it, when the
 * database still has the table: inside the migration's transaction; or,
 * temp, into the connection's temporary schema (a database that cannot be
 * upgraded), in a transaction of its own. */
int score_relayout(store *s, bool temp, void (*progress)(void *ud, int64_t done, int64_t total),
		   void *ud, assay_error *err);

/* The name of id in n, the names read again once when id is not there (a
 * row made after they were read); NULL when it is still not there. */
const char *store_names_find(store *s, store_names *n, bool batches, int64_t id,
			     assay_error *err);

#endif
