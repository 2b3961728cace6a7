/* schema.c — the database schema and its migrations. Version N's script
 * turns a version N-1 database into version N; a new database runs them
 * all. Never edit a released step: add one. */
#include "store_int.h"

#include <stdio.h>

/* Version 1: the data model of DESIGN.md. */
static const char schema_v1[] =
	/* One row per import (a batch may be fed by several runs of import). */
	"CREATE TABLE batches ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  source TEXT NOT NULL,"
	"  format TEXT NOT NULL,"
	"  text_field TEXT NOT NULL DEFAULT '',"
	"  id_field TEXT NOT NULL DEFAULT '',"
	"  meta_fields TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL,"
	"  finished_at INTEGER NOT NULL DEFAULT 0,"
	"  n_read INTEGER NOT NULL DEFAULT 0,"
	"  n_imported INTEGER NOT NULL DEFAULT 0,"
	"  n_duplicate INTEGER NOT NULL DEFAULT 0,"
	"  n_rejected INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX batches_by_source ON batches(source, id);"

	/* The samples under review; hash is the 64-bit hash of the normalized
	 * text, unique so that an exact duplicate can never be stored twice. */
	"CREATE TABLE samples ("
	"  id INTEGER PRIMARY KEY,"
	"  batch_id INTEGER NOT NULL REFERENCES batches(id),"
	"  ext_id TEXT NOT NULL,"
	"  line INTEGER NOT NULL,"
	"  text_field TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  record TEXT NOT NULL,"
	"  hash INTEGER NOT NULL,"
	"  quality REAL,"
	"  UNIQUE (batch_id, ext_id));"
	"CREATE UNIQUE INDEX samples_by_hash ON samples(hash);"
	"CREATE INDEX samples_by_quality ON samples(quality, id);"
	"CREATE INDEX samples_by_batch_quality ON samples(batch_id, quality, id);"

	/* Copies dropped at import as exact duplicates of a kept sample. */
	"CREATE TABLE duplicates ("
	"  batch_id INTEGER NOT NULL REFERENCES batches(id),"
	"  ext_id TEXT NOT NULL,"
	"  line INTEGER NOT NULL,"
	"  sample_id INTEGER NOT NULL REFERENCES samples(id),"
	"  PRIMARY KEY (batch_id, ext_id)) WITHOUT ROWID;"
	"CREATE INDEX duplicates_by_sample ON duplicates(sample_id);"

	/* Lines an import could not take, and why. */
	"CREATE TABLE rejects ("
	"  batch_id INTEGER NOT NULL REFERENCES batches(id),"
	"  source TEXT NOT NULL,"
	"  line INTEGER NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  PRIMARY KEY (batch_id, source, line)) WITHOUT ROWID;"

	/* Automatic scores: one current row per (sample, scorer). */
	"CREATE TABLE scores ("
	"  sample_id INTEGER NOT NULL REFERENCES samples(id),"
	"  scorer TEXT NOT NULL,"
	"  value REAL,"
	"  flagged INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  version TEXT NOT NULL,"
	"  detail TEXT,"
	"  scored_at INTEGER NOT NULL,"
	"  PRIMARY KEY (sample_id, scorer)) WITHOUT ROWID;"
	"CREATE INDEX scores_by_scorer ON scores(scorer, value);"

	/* Remote scorer answers keyed by (scorer configuration, text hash). */
	"CREATE TABLE score_cache ("
	"  config_hash INTEGER NOT NULL,"
	"  text_hash INTEGER NOT NULL,"
	"  value REAL,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (config_hash, text_hash)) WITHOUT ROWID;"

	"CREATE TABLE annotators ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  first_seen INTEGER NOT NULL);"

	/* The append-only audit trail. */
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  sample_id INTEGER NOT NULL REFERENCES samples(id),"
	"  annotator_id INTEGER NOT NULL REFERENCES annotators(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('accept','edit','reject','skip','undo','note',"
	"                                     'adjudicate')),"
	"  verdict TEXT,"
	"  text TEXT,"
	"  reason TEXT,"
	"  undoes INTEGER REFERENCES events(id),"
	"  at INTEGER NOT NULL,"
	"  ms_spent INTEGER NOT NULL DEFAULT 0,"
	"  session TEXT);"
	"CREATE INDEX events_by_annotator ON events(annotator_id, id);"
	"CREATE INDEX events_by_sample ON events(sample_id, id);"
	"CREATE INDEX events_by_undoes ON events(undoes) WHERE undoes IS NOT NULL;"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"

	/* The current verdict per (sample, annotator), written in the same
	 * transaction as its event. */
	"CREATE TABLE decisions ("
	"  sample_id INTEGER NOT NULL REFERENCES samples(id),"
	"  annotator_id INTEGER NOT NULL REFERENCES annotators(id),"
	"  verdict TEXT NOT NULL CHECK (verdict IN ('accepted','edited','rejected','skipped')),"
	"  text TEXT,"
	"  reason TEXT,"
	"  event_id INTEGER NOT NULL REFERENCES events(id),"
	"  decided_at INTEGER NOT NULL,"
	"  ms_spent INTEGER NOT NULL DEFAULT 0,"
	/* For edits: word-level edit distance to the original and the
	 * original's word count (text_word_diff), kept so stats need no diff. */
	"  edit_distance INTEGER,"
	"  words INTEGER,"
	"  PRIMARY KEY (sample_id, annotator_id)) WITHOUT ROWID;"
	"CREATE INDEX decisions_by_annotator ON decisions(annotator_id, decided_at);"

	/* A lead's final word on a conflicting sample; export honours it. */
	"CREATE TABLE adjudications ("
	"  sample_id INTEGER PRIMARY KEY REFERENCES samples(id),"
	"  annotator_id INTEGER NOT NULL REFERENCES annotators(id),"
	"  verdict TEXT NOT NULL CHECK (verdict IN ('accepted','edited','rejected')),"
	"  text TEXT,"
	"  reason TEXT,"
	"  event_id INTEGER NOT NULL REFERENCES events(id),"
	"  decided_at INTEGER NOT NULL);"

	/* Which annotator has which sample on screen, until when. */
	"CREATE TABLE leases ("
	"  sample_id INTEGER NOT NULL REFERENCES samples(id),"
	"  annotator_id INTEGER NOT NULL REFERENCES annotators(id),"
	"  expires_at INTEGER NOT NULL,"
	"  PRIMARY KEY (sample_id, annotator_id)) WITHOUT ROWID;"
	"CREATE INDEX leases_by_annotator ON leases(annotator_id);";

/* Version 2: the scorer index also holds the flag, so calibration reads
 * every (scorer, value, flagged, sample) from the index alone, already
 * sorted by value within each scorer; and `info` finds each scorer's
 * version with one seek. */
static const char schema_v2[] =
	"DROP INDEX scores_by_scorer;"
	"CREATE INDEX scores_by_scorer ON scores(scorer, value, flagged);"
	"CREATE INDEX scores_by_version ON scores(scorer, version);";

/* Version 3: the models `assay learn` trains from the verdicts; every
 * version is kept (the newest is in use), with what it learned from;
 * samples' contexts, batches' kinds and media, the scores of corrected
 * texts, and pairs of candidates with the preferences between them.
 * Version 3 grew over several builds before it settled, so it is a list of
 * steps, each naming the table (and column) it makes: a database an
 * earlier build left at version 3 gets the steps it lacks when it is next
 * opened for writing (store_schema_complete).
 *
 * Version 4: the same steps, all made, with rows an earlier build would
 * misread as its own: scores packed compactly (score_pack.c: two bits a
 * slot, float32 where exact) and reasons stored as forms and numbers
 * (score_forms.c). An earlier build refuses a version 4 database ("written
 * by a newer assay") instead of reading those rows as doubles and text.
 * Steps added after version 4 go on the same list, made when missing; the
 * version rises again only when rows change meaning.
 *
 * Version 5: the combined score moved to the table sample_quality (the
 * last step); an earlier build would read samples.quality, no longer
 * written, so it refuses a version 5 database. */
typedef struct {
	const char *table;
	const char *column; /* NULL: the step makes the table */
	const char *sql;
} schema_step;

static const schema_step schema_steps[] = {
	{"models", NULL,
	 "CREATE TABLE models ("
	 "  id INTEGER PRIMARY KEY,"
	 "  name TEXT NOT NULL,"
	 "  created_at INTEGER NOT NULL,"
	 "  n_rejected INTEGER NOT NULL,"
	 "  n_kept INTEGER NOT NULL,"
	 "  info TEXT NOT NULL,"
	 "  model BLOB NOT NULL);"
	 "CREATE INDEX models_by_name ON models(name, id);"},
	/* What a sample is judged against: its context (a JSON array of
	 * {"name"|"role", "text"} from --context or a conversation's earlier
	 * turns; NULL when none), the batch's declared kind, its --context
	 * and --turn, and what its exact duplicates were keyed on. The
	 * batches made before this step keyed them on the text alone. */
	{"samples", "context", "ALTER TABLE samples ADD COLUMN context TEXT;"},
	{"batches", "kind", "ALTER TABLE batches ADD COLUMN kind TEXT NOT NULL DEFAULT '';"},
	{"batches", "context_fields",
	 "ALTER TABLE batches ADD COLUMN context_fields TEXT NOT NULL DEFAULT '';"},
	{"batches", "dedup_on",
	 "ALTER TABLE batches ADD COLUMN dedup_on TEXT NOT NULL DEFAULT '';"
	 "UPDATE batches SET dedup_on = 'text';"},
	{"batches", "turn", "ALTER TABLE batches ADD COLUMN turn TEXT NOT NULL DEFAULT '';"},
	/* Where a batch's pictures are: its --media fields (comma-separated,
	 * "" for the default names), the directory relative paths resolve
	 * against ("" for the source file's), and its --media-map rules (a
	 * JSON array of "PREFIX=URL_PREFIX", "" for none). */
	{"batches", "media_fields",
	 "ALTER TABLE batches ADD COLUMN media_fields TEXT NOT NULL DEFAULT '';"},
	{"batches", "media_root",
	 "ALTER TABLE batches ADD COLUMN media_root TEXT NOT NULL DEFAULT '';"},
	{"batches", "media_maps",
	 "ALTER TABLE batches ADD COLUMN media_maps TEXT NOT NULL DEFAULT '';"},
	/* --pair and --pair-model as given ("A,B"; "" for the default names),
	 * so a later import into the batch reads the same candidates. */
	{"batches", "pair_fields",
	 "ALTER TABLE batches ADD COLUMN pair_fields TEXT NOT NULL DEFAULT '';"},
	{"batches", "pair_model_fields",
	 "ALTER TABLE batches ADD COLUMN pair_model_fields TEXT NOT NULL DEFAULT '';"},
	/* The built-in scores of an edited sample's corrected text, beside the
	 * original's (kept for calibration); text_hash says which edit. */
	{"samples", "edit_quality", "ALTER TABLE samples ADD COLUMN edit_quality REAL;"},
	{"edit_scores", NULL,
	 "CREATE TABLE edit_scores ("
	 "  sample_id INTEGER NOT NULL REFERENCES samples(id),"
	 "  scorer TEXT NOT NULL,"
	 "  value REAL,"
	 "  flagged INTEGER NOT NULL DEFAULT 0,"
	 "  reason TEXT NOT NULL DEFAULT '',"
	 "  version TEXT NOT NULL,"
	 "  text_hash INTEGER NOT NULL,"
	 "  scored_at INTEGER NOT NULL,"
	 "  PRIMARY KEY (sample_id, scorer)) WITHOUT ROWID;"},
	/* The scores become one row per sample in score_relayout.c, which
	 * also builds the review queue's learned indexes. */
	/* `decide --where ... --sample N`: a bulk verdict held back until a
	 * human has decided the N samples drawn from its slice (applied_at 0:
	 * pending); the slice is its canonical expression. */
	{"spotchecks", NULL,
	 "CREATE TABLE spotchecks ("
	 "  id INTEGER PRIMARY KEY,"
	 "  where_text TEXT NOT NULL,"
	 "  verdict TEXT NOT NULL CHECK (verdict IN ('accepted','rejected')),"
	 "  reason TEXT,"
	 "  annotator_id INTEGER NOT NULL REFERENCES annotators(id),"
	 "  seed INTEGER NOT NULL,"
	 "  max_disagree REAL NOT NULL,"
	 "  created_at INTEGER NOT NULL,"
	 "  applied_at INTEGER NOT NULL DEFAULT 0);"},
	{"spotcheck_samples", NULL,
	 "CREATE TABLE spotcheck_samples ("
	 "  spotcheck_id INTEGER NOT NULL REFERENCES spotchecks(id),"
	 "  sample_id INTEGER NOT NULL REFERENCES samples(id),"
	 "  PRIMARY KEY (spotcheck_id, sample_id)) WITHOUT ROWID;"},
	/* Pairwise preference review: a pair is a sample whose text is
	 * candidate a (the first of --pair) and whose pairs row holds
	 * candidate b, the fields both came from, their generator models (and
	 * the fields naming them), and the record's own claim of the better
	 * one (a dataset's chosen), kept to be verified. chat: the candidates
	 * are message lists. */
	{"pairs", NULL,
	 "CREATE TABLE pairs ("
	 "  sample_id INTEGER PRIMARY KEY REFERENCES samples(id),"
	 "  a_field TEXT NOT NULL,"
	 "  b_field TEXT NOT NULL,"
	 "  b_text TEXT NOT NULL,"
	 "  a_model TEXT,"
	 "  b_model TEXT,"
	 "  a_model_field TEXT,"
	 "  b_model_field TEXT,"
	 "  claimed TEXT CHECK (claimed IN ('a', 'b')),"
	 "  chat INTEGER NOT NULL DEFAULT 0);"},
	/* A verdict on a pair names the candidate as imported (pref), never the
	 * screen side; placement records which candidate was shown on the
	 * left ('ab': a, 'ba': b), so position bias can be measured. a and b
	 * are accepts (an edit when the chosen one was corrected), a tie an
	 * accept, both-bad a rejection. */
	{"events", "pref",
	 "ALTER TABLE events ADD COLUMN pref TEXT CHECK (pref IN ('a', 'b', 'tie', 'both-bad'));"},
	{"events", "placement",
	 "ALTER TABLE events ADD COLUMN placement TEXT CHECK (placement IN ('ab', 'ba'));"},
	{"decisions", "pref",
	 "ALTER TABLE decisions ADD COLUMN pref TEXT"
	 "  CHECK (pref IN ('a', 'b', 'tie', 'both-bad'));"},
	{"decisions", "placement",
	 "ALTER TABLE decisions ADD COLUMN placement TEXT CHECK (placement IN ('ab', 'ba'));"},
	/* A lead's final word on a pair is a preference too. */
	{"adjudications", "pref",
	 "ALTER TABLE adjudications ADD COLUMN pref TEXT"
	 "  CHECK (pref IN ('a', 'b', 'tie', 'both-bad'));"},
	/* Candidate b's scores by the rule scorers (candidate a's are the
	 * sample's own), one row per (pair, scorer) as the scorers wrote them. */
	{"pair_scores", NULL,
	 "CREATE TABLE pair_scores ("
	 "  sample_id INTEGER NOT NULL REFERENCES pairs(sample_id),"
	 "  scorer TEXT NOT NULL,"
	 "  value REAL,"
	 "  flagged INTEGER NOT NULL DEFAULT 0,"
	 "  reason TEXT NOT NULL DEFAULT '',"
	 "  version TEXT NOT NULL,"
	 "  detail TEXT NOT NULL DEFAULT '',"
	 "  scored_at INTEGER NOT NULL,"
	 "  PRIMARY KEY (sample_id, scorer)) WITHOUT ROWID;"},
	/* The text stored once: most texts' bytes appear verbatim in their
	 * record (a JSON string without escapes), and are read from there,
	 * text_len bytes from byte text_at; the others (text_len NULL) are in
	 * stored_text, '' otherwise. samples.text reads either (a virtual
	 * column: computed when read, stored nowhere). text_store.c moves the
	 * rows an earlier build wrote. */
	{"samples", "text_at",
	 "ALTER TABLE samples RENAME COLUMN text TO stored_text;"
	 "ALTER TABLE samples ADD COLUMN text_at INTEGER;"
	 "ALTER TABLE samples ADD COLUMN text_len INTEGER;"
	 "ALTER TABLE samples ADD COLUMN text TEXT GENERATED ALWAYS AS (CASE"
	 "  WHEN text_len IS NULL THEN stored_text"
	 "  ELSE CAST(substr(CAST(record AS BLOB), text_at + 1, text_len) AS TEXT) END) VIRTUAL;"},
	/* The forms of the scores' reasons and details (score_forms.c): a
	 * text with its numbers taken out, stored once and referred to by id
	 * from the samples' notes. */
	{"score_forms", NULL,
	 "CREATE TABLE score_forms ("
	 "  id INTEGER PRIMARY KEY,"
	 "  form TEXT NOT NULL);"},
	/* The near-duplicate index (neardup.c): each indexed sample's 8-bit
	 * MinHash signature and cluster (cluster and via NULL for a sample
	 * alone), its 20 LSH band keys as one blob, and the scorer version its
	 * clusters were made with and the id it is complete up to. A database
	 * made before this step has it built by its next scoring run. */
	{"neardup", NULL,
	 "CREATE TABLE neardup_index ("
	 "  id INTEGER PRIMARY KEY CHECK (id = 1),"
	 "  version TEXT NOT NULL,"
	 "  upto INTEGER NOT NULL DEFAULT 0);"
	 "CREATE TABLE neardup ("
	 "  sample_id INTEGER PRIMARY KEY,"
	 "  sig BLOB NOT NULL,"
	 "  cluster INTEGER,"
	 "  via INTEGER,"
	 "  agree_of INTEGER NOT NULL,"
	 "  agree_max INTEGER NOT NULL,"
	 "  size INTEGER NOT NULL);"
	 "CREATE TABLE neardup_keys ("
	 "  sample_id INTEGER PRIMARY KEY,"
	 "  keys BLOB NOT NULL);"},
	/* The band keys looked up by key (neardup_bands.c): blocks of (key,
	 * sample id) entries sorted by key, last the block's largest sample
	 * id; they replace the per-sample blobs, and the index is built again
	 * by the next scoring run (its scores stay as they are). */
	{"neardup_bands", NULL,
	 "CREATE TABLE neardup_bands ("
	 "  id INTEGER PRIMARY KEY,"
	 "  last INTEGER NOT NULL,"
	 "  entries BLOB NOT NULL);"
	 "DROP TABLE IF EXISTS neardup_keys;"
	 "DELETE FROM neardup;"
	 "DELETE FROM neardup_index;"},
	/* Version 5: the combined score in a narrow table of its own, one row
	 * per sample (quality NULL: not scored yet), so that writing it
	 * rewrites a few bytes instead of the sample's whole row (text,
	 * record); batch_id is the sample's, for the queue of one batch and
	 * `info`'s counts. The rows of a database made before are moved there
	 * by quality.c; samples.quality is no longer read or written (a
	 * new database has no such column). */
	{"sample_quality", NULL,
	 "CREATE TABLE sample_quality ("
	 "  sample_id INTEGER PRIMARY KEY,"
	 "  batch_id INTEGER NOT NULL,"
	 "  quality REAL);"
	 "DROP INDEX IF EXISTS samples_by_quality;"
	 "DROP INDEX IF EXISTS samples_by_batch_quality;"},
};

/* The narrow table's indexes, made with the table on a new database (an
 * older one's are built once its rows are in: quality.c). */
static const char sql_quality_indexes[] = SQL_QUALITY_INDEXES;

static const char *const migrations[] = {
	NULL, /* version 0: the empty file */
	schema_v1,
	schema_v2,
};

/* Whether a step's table (or column) is there; one statement for both. */
static const char sql_has[] =
	"SELECT CASE WHEN ?2 IS NULL"
	" THEN (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1)"
	" ELSE (SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2) END";

static int step_present(store *s, const schema_step *step, bool *yes, assay_error *err)
{
	sqlite3_stmt *st = store_stmt(s, sql_has, err);
	if (!st)
		return err->code;
	sqlite3_bind_text(st, 1, step->table, -1, SQLITE_STATIC);
	if (step->column)
		sqlite3_bind_text(st, 2, step->column, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	int rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ASSAY_OK : store_sqlerr(s, rc, err, "reading the schema");
}

int store_schema_missing(store *s, bool *missing, assay_error *err)
{
	*missing = false;
	for (size_t i = 0; i < sizeof schema_steps / sizeof *schema_steps && !*missing; i++) {
		bool yes;
		int rc = step_present(s, &schema_steps[i], &yes, err);
		if (rc < 0)
			return rc;
		*missing = !yes;
	}
	return ASSAY_OK;
}

int store_schema_text_once(store *s, bool *yes, assay_error *err)
{
	static const schema_step text_at = {"samples", "text_at", NULL};
	return step_present(s, &text_at, yes, err);
}

int store_schema_quality_moved(store *s, bool *yes, assay_error *err)
{
	static const schema_step narrow = {"sample_quality", NULL, NULL};
	return step_present(s, &narrow, yes, err);
}

static int store_schema_complete(store *s, assay_error *err)
{
	for (size_t i = 0; i < sizeof schema_steps / sizeof *schema_steps; i++) {
		bool yes;
		int rc = step_present(s, &schema_steps[i], &yes, err);
		if (rc == 0 && !yes)
			rc = store_exec(s, schema_steps[i].sql, err);
		if (rc < 0)
			return assay_error_prefix(err, "completing the schema (%s%s%s)",
						  schema_steps[i].table, schema_steps[i].column ? "." : "",
						  schema_steps[i].column ? schema_steps[i].column : "");
	}
	return ASSAY_OK;
}

int store_schema_apply(store *s, int from_version, assay_error *err)
{
	int rc;
	for (int v = from_version + 1; v < 3; v++)
		if ((rc = store_exec(s, migrations[v], err)) < 0)
			return assay_error_prefix(err, "migrating to schema version %d", v);
	/* versions 3 to 5: the steps, each made when missing */
	if ((rc = store_schema_complete(s, err)) < 0)
		return assay_error_prefix(err, "migrating to schema version %d",
					  STORE_SCHEMA_VERSION);
	/* a new database: the narrow table's indexes, and no samples.quality
	 * (dropping it rewrites the rows: none yet) */
	if (from_version == 0 &&
	    ((rc = store_exec(s, sql_quality_indexes, err)) < 0 ||
	     (rc = store_exec(s, "ALTER TABLE samples DROP COLUMN quality", err)) < 0))
		return assay_error_prefix(err, "creating the schema");
	char sql[96];
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
		 STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
	return store_exec(s, sql, err);
}
