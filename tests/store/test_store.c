/* test_store.c — tests for src/store/db.c, schema.c, batches.c, samples.c
 * and info.c on real database files in a temporary directory. */
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "assay/store.h"
#include "assay/text.h"
#include "unit.h"

static char dir[64];

/* Removes the temporary directory and its files at exit. */
static void cleanup(void)
{
	unit_remove_dir(dir);
}

static const char *tmp_path(const char *name)
{
	static char path[160];
	if (!dir[0]) {
		strcpy(dir, "/tmp/assay-store-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
	}
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	char side[200];
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	return path;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	*n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

TEST(creates_new_database_0600_with_schema)
{
	const char *p = tmp_path("new.db");
	store *s = NULL;
	assay_error e = {0};
	mode_t old = umask(022);
	CHECK_INT(store_open(p, NULL, &s, &e), ASSAY_OK);
	umask(old);
	struct stat st;
	CHECK_INT(stat(p, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	store_close(s);
	sqlite3 *db;
	sqlite3_open(p, &db);
	sqlite3_stmt *q;
	sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL);
	CHECK_INT(sqlite3_step(q), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(q, 0), STORE_SCHEMA_VERSION);
	sqlite3_finalize(q);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL);
	sqlite3_step(q);
	CHECK_STR((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);
	/* Opening again is a no-op migration. */
	CHECK_INT(store_open(p, NULL, &s, &e), ASSAY_OK);
	store_close(s);
}

TEST(refuses_non_sqlite_file_untouched)
{
	const char *p = tmp_path("notes.txt");
	FILE *f = fopen(p, "w");
	fputs("these are my notes, not a database\n", f);
	fclose(f);
	size_t n1 = 0, n2 = 0;
	char *before = slurp(p, &n1);
	store *s = NULL;
	assay_error e = {0};
	CHECK_INT(store_open(p, NULL, &s, &e), ASSAY_ENOTDB);
	CHECK_CONTAINS(e.msg, "not an assay database (not an SQLite file)");
	CHECK(s == NULL);
	char *after = slurp(p, &n2);
	CHECK(n1 == n2 && memcmp(before, after, n1) == 0);
	char wal[200];
	snprintf(wal, sizeof wal, "%s-wal", p);
	CHECK(access(wal, F_OK) != 0);
	free(before);
	free(after);
}

TEST(refuses_foreign_sqlite_database_untouched)
{
	const char *p = tmp_path("other.db");
	sqlite3 *db;
	sqlite3_open(p, &db);
	sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL, NULL);
	sqlite3_close(db);
	size_t n1 = 0, n2 = 0;
	char *before = slurp(p, &n1);
	store *s = NULL;
	assay_error e = {0};
	CHECK_INT(store_open(p, NULL, &s, &e), ASSAY_ENOTDB);
	CHECK_CONTAINS(e.msg, "not an assay database (1 tables");
	char *after = slurp(p, &n2);
	CHECK(n1 == n2 && memcmp(before, after, n1) == 0);
	free(before);
	free(after);
}

TEST(refuses_newer_schema)
{
	const char *p = tmp_path("newer.db");
	store *s = NULL;
	assay_error e = {0};
	CHECK_INT(store_open(p, NULL, &s, &e), ASSAY_OK);
	store_close(s);
	sqlite3 *db;
	sqlite3_open(p, &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK_INT(store_open(p, NULL, &s, &e), ASSAY_EVERSION);
	CHECK_CONTAINS(e.msg, "written by a newer assay (schema version 99");
}

static char *index_sql(const char *path, const char *name)
{
	sqlite3 *db;
	sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	sqlite3_stmt *q;
	sqlite3_prepare_v2(db, "SELECT coalesce(sql, '') FROM sqlite_schema WHERE name = ?1", -1, &q,
			   NULL);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	char *out = strdup(sqlite3_step(q) == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0)
							 : "(none)");
	sqlite3_finalize(q);
	sqlite3_close(db);
	return out;
}

/* Turns a current database back into the version 1 layout, its scores
 * one row per (sample, scorer): ext_id "s0" with length 0.5 and gopher 0
 * flagged, "s1" with length unscored (failed). */
static void make_v1(const char *path)
{
	sqlite3 *db;
	sqlite3_open(path, &db);
	CHECK_INT(sqlite3_exec(db,
			       "DROP VIEW scores; DROP TABLE score_notes; DROP TABLE sample_scores;"
			       "DROP TABLE scorer_versions; DROP TABLE scorers;"
			       "CREATE TABLE scores ("
			       "  sample_id INTEGER NOT NULL REFERENCES samples(id),"
			       "  scorer TEXT NOT NULL, value REAL,"
			       "  flagged INTEGER NOT NULL DEFAULT 0,"
			       "  reason TEXT NOT NULL DEFAULT '', version TEXT NOT NULL,"
			       "  detail TEXT, scored_at INTEGER NOT NULL,"
			       "  PRIMARY KEY (sample_id, scorer)) WITHOUT ROWID;"
			       "CREATE INDEX scores_by_scorer ON scores(scorer, value);"
			       "DROP TABLE models;"
			       "DROP TABLE edit_scores;"
			       "DROP TABLE spotcheck_samples; DROP TABLE spotchecks;"
			       "DROP TABLE pairs;"
			       "ALTER TABLE events DROP COLUMN pref;"
			       "ALTER TABLE events DROP COLUMN placement;"
			       "ALTER TABLE decisions DROP COLUMN pref;"
			       "ALTER TABLE decisions DROP COLUMN placement;"
			       "ALTER TABLE adjudications DROP COLUMN pref;"
			       "ALTER TABLE batches DROP COLUMN pair_fields;"
			       "ALTER TABLE batches DROP COLUMN pair_model_fields;"
			       "ALTER TABLE samples DROP COLUMN context;"
			       "ALTER TABLE samples DROP COLUMN edit_quality;"
			       "ALTER TABLE samples DROP COLUMN text;"
			       "ALTER TABLE samples DROP COLUMN text_at;"
			       "ALTER TABLE samples DROP COLUMN text_len;"
			       "ALTER TABLE samples RENAME COLUMN stored_text TO text;"
			       "ALTER TABLE batches DROP COLUMN kind;"
			       "ALTER TABLE batches DROP COLUMN context_fields;"
			       "ALTER TABLE batches DROP COLUMN dedup_on;"
			       "ALTER TABLE batches DROP COLUMN turn;"
			       "ALTER TABLE batches DROP COLUMN media_fields;"
			       "ALTER TABLE batches DROP COLUMN media_root;"
			       "ALTER TABLE batches DROP COLUMN media_maps;"
			       "INSERT INTO batches (id, name, source, format, created_at)"
			       "  VALUES (1, 'b', 'x', 'jsonl', 1);"
			       "INSERT INTO samples (id, batch_id, ext_id, line, text_field, text, record,"
			       "  hash) VALUES (1, 1, 's0', 1, 'text', 'a', '{\"text\":\"a\"}', 1),"
			       "  (2, 1, 's1', 2, 'text', 'b\nc', '{\"text\":\"b\\nc\"}', 2);"
			       "INSERT INTO scores VALUES (1, 'length', 0.5, 0, 'length: fine', '1', NULL, 7),"
			       "  (1, 'gopher', 0, 1, 'gopher: bad', '2', '{\"k\":1}', 8),"
			       "  (2, 'length', NULL, 0, 'length: failed', '1', NULL, 9);"
			       "PRAGMA user_version = 1",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
}

/* The v1 scores of make_v1, as s reads them back. */
static void check_v1_scores(store *s)
{
	assay_error e = {0};
	store_score *v;
	size_t n;
	CHECK_INT(store_scores_get(s, 1, &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(v[0].scorer, "gopher");
		CHECK(v[0].value == 0 && v[0].flagged);
		CHECK_STR(v[0].reason, "gopher: bad");
		CHECK_STR(v[0].detail, "{\"k\":1}");
		CHECK_STR(v[0].version, "2");
		CHECK_STR(v[1].scorer, "length");
		CHECK(v[1].value == 0.5 && !v[1].flagged);
		CHECK_STR(v[1].detail, "");
	}
	store_scores_free(v, n);
	CHECK_INT(store_scores_get(s, 2, &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK(isnan(v[0].value) && strcmp(v[0].reason, "length: failed") == 0);
	store_scores_free(v, n);
}

static int upgrades, upgraded_from, upgraded_to;

static void count_upgrade(void *ud, const char *path, int from, int to)
{
	(void)ud;
	(void)path;
	upgrades++;
	upgraded_from = from;
	upgraded_to = to;
}

TEST(readers_upgrade_an_older_database_once)
{
	const char *p = tmp_path("v1.db");
	store *s = NULL;
	assay_error e = {0};
	upgrades = 0;
	store_options rw = {.upgrading = count_upgrade};
	CHECK_INT(store_open(p, &rw, &s, &e), ASSAY_OK);
	store_close(s);
	CHECK_INT(upgrades, 0); /* creating a database is no upgrade */
	make_v1(p);
	char *before = index_sql(p, "scores_by_scorer");
	CHECK_STR(before, "CREATE INDEX scores_by_scorer ON scores(scorer, value)");
	free(before);
	/* a reading command upgrades it through a writing connection, and
	 * says so once */
	store_options ro = {.readonly = true, .upgrading = count_upgrade};
	CHECK_INT(store_open(p, &ro, &s, &e), ASSAY_OK);
	store_info info;
	CHECK_INT(store_info_get(s, &info, &e), ASSAY_OK);
	store_info_free(&info);
	store_close(s);
	CHECK_INT(upgrades, 1);
	CHECK_INT(upgraded_from, 1);
	CHECK_INT(upgraded_to, STORE_SCHEMA_VERSION);
	CHECK_INT(store_open(p, &ro, &s, &e), ASSAY_OK);
	store_close(s);
	CHECK_INT(upgrades, 1); /* already current */
	/* the scores are one row per sample now, the old rows a view */
	char *after = index_sql(p, "scores_by_scorer"), *view = index_sql(p, "scores");
	CHECK_STR(after, "(none)");
	CHECK(strncmp(view, "CREATE VIEW scores", 18) == 0);
	free(after);
	free(view);
	CHECK_INT(store_open(p, &ro, &s, &e), ASSAY_OK);
	check_v1_scores(s);
	store_close(s);
	sqlite3 *db;
	sqlite3_open(p, &db);
	sqlite3_stmt *q;
	sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL);
	sqlite3_step(q);
	CHECK_INT(sqlite3_column_int(q, 0), STORE_SCHEMA_VERSION);
	sqlite3_finalize(q);
	/* the text in its record is read from there, the escaped one kept */
	sqlite3_prepare_v2(db, "SELECT group_concat(text || ':' || stored_text || ':' ||"
			       " coalesce(text_len, '-'), '|') FROM samples", -1, &q, NULL);
	sqlite3_step(q);
	CHECK_STR((const char *)sqlite3_column_text(q, 0), "a::1|b\nc:b\nc:-");
	sqlite3_finalize(q);
	sqlite3_close(db);
}

TEST(readers_read_an_older_database_they_cannot_write)
{
	if (geteuid() == 0)
		return; /* root may write a 0400 file; nothing to prove */
	const char *p = tmp_path("v1ro.db");
	store *s = NULL;
	assay_error e = {0};
	CHECK_INT(store_open(p, NULL, &s, &e), ASSAY_OK);
	store_close(s);
	make_v1(p);
	chmod(p, 0400);
	store_options ro = {.readonly = true};
	CHECK_INT(store_open(p, &ro, &s, &e), ASSAY_OK);
	store_info info;
	CHECK_INT(store_info_get(s, &info, &e), ASSAY_OK);
	CHECK_INT(info.samples, 2);
	CHECK_INT((int64_t)info.n_scorers, 2);
	store_info_free(&info);
	check_v1_scores(s);
	store_close(s);
	char *still = index_sql(p, "scores_by_scorer");
	CHECK_STR(still, "CREATE INDEX scores_by_scorer ON scores(scorer, value)");
	free(still);
	chmod(p, 0600);
}

/* Whether table.column (or the table, column NULL) is in the file. */
static bool has(const char *path, const char *table, const char *column)
{
	sqlite3 *db;
	sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	sqlite3_stmt *q;
	sqlite3_prepare_v2(db,
			   "SELECT CASE WHEN ?2 IS NULL THEN (SELECT count(*) FROM sqlite_schema"
			   " WHERE type = 'table' AND name = ?1) ELSE (SELECT count(*) FROM"
			   " pragma_table_info(?1) WHERE name = ?2) END",
			   -1, &q, NULL);
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, column, -1, SQLITE_STATIC);
	bool yes = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) > 0;
	sqlite3_finalize(q);
	sqlite3_close(db);
	return yes;
}

/* Version 3 grew over several builds: a file an earlier build left at
 * version 3 gets the steps it lacks, through a reader as through a writer,
 * and keeps its rows. */
TEST(an_earlier_version_3_gets_the_steps_it_lacks)
{
	const char *p = tmp_path("v3early.db");
	store *s = NULL;
	assay_error e = {0};
	CHECK_INT(store_open(p, NULL, &s, &e), ASSAY_OK);
	store_close(s);
	sqlite3 *db;
	sqlite3_open(p, &db);
	CHECK_INT(sqlite3_exec(db,
			       "INSERT INTO batches (name, source, format, created_at)"
			       " VALUES ('kept', 'f', 'jsonl', 1);"
			       "ALTER TABLE adjudications DROP COLUMN pref;"
			       "ALTER TABLE batches DROP COLUMN media_maps;"
			       "DROP TABLE pairs;",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	CHECK(!has(p, "adjudications", "pref"));
	CHECK(!has(p, "pairs", NULL));
	store_options ro = {.readonly = true};
	CHECK_INT(store_open(p, &ro, &s, &e), ASSAY_OK);
	store_close(s);
	CHECK(has(p, "adjudications", "pref"));
	CHECK(has(p, "batches", "media_maps"));
	CHECK(has(p, "pairs", NULL));
	CHECK(has(p, "batches", "kind")); /* a step it had is not run twice */
	sqlite3_open(p, &db);
	CHECK_INT(sqlite3_exec(db, "ALTER TABLE events DROP COLUMN placement", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(store_open(p, NULL, &s, &e), ASSAY_OK);
	store_info info;
	CHECK_INT(store_info_get(s, &info, &e), ASSAY_OK);
	CHECK_INT((int64_t)info.n_batches, 1);
	store_info_free(&info);
	store_close(s);
	CHECK(has(p, "events", "placement"));
}

TEST(missing_database_for_readers)
{
	store *s = NULL;
	assay_error e = {0};
	store_options ro = {.readonly = true};
	const char *p = tmp_path("missing.db");
	CHECK_INT(store_open(p, &ro, &s, &e), ASSAY_ENOTFOUND);
	CHECK_CONTAINS(e.msg, "no such database");
	CHECK(access(p, F_OK) != 0);
	CHECK_INT(store_open("/nonexistent-dir/x.db", NULL, &s, &e), ASSAY_EIO);
}

static store *fresh(const char *name)
{
	store *s = NULL;
	assay_error e = {0};
	if (store_open(tmp_path(name), NULL, &s, &e) != ASSAY_OK) {
		printf("# %s\n", e.msg);
		abort();
	}
	return s;
}

static int64_t make_batch(store *s, const char *name)
{
	store_batch b = {.name = (char *)name, .source = "/data/x.jsonl", .format = "jsonl",
			 .created_at = 1};
	assay_error e = {0};
	CHECK_INT(store_batch_create(s, &b, &e), ASSAY_OK);
	return b.id;
}

static int insert(store *s, int64_t batch, const char *id, int64_t line, const char *text,
		  uint64_t hash, int64_t *sid)
{
	store_new_sample ns = {.batch_id = batch, .ext_id = id, .line = line,
			       .text_field = "text", .text = text, .text_len = strlen(text),
			       .record = "{}", .record_len = 2, .hash = hash};
	int outcome = -1;
	assay_error e = {0};
	int rc = store_sample_insert(s, &ns, &outcome, sid, &e);
	return rc < 0 ? rc : outcome;
}

TEST(insert_outcomes)
{
	store *s = fresh("insert.db");
	assay_error e = {0};
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	int64_t b = make_batch(s, "b1"), id1, id;
	CHECK_INT(insert(s, b, "a", 1, "hello", 11, &id1), STORE_INSERTED);
	CHECK_INT(insert(s, b, "b", 2, "Hello ", 11, &id), STORE_DUPLICATE);
	CHECK_INT(id, id1);
	CHECK_INT(insert(s, b, "a", 1, "hello", 11, &id), STORE_PRESENT);
	CHECK_INT(insert(s, b, "b", 2, "Hello ", 11, &id), STORE_PRESENT);
	CHECK_INT(insert(s, b, "a", 7, "other", 12, &id), STORE_ID_TAKEN);
	int64_t b2 = make_batch(s, "b2");
	CHECK_INT(insert(s, b2, "a", 1, "hello", 11, &id), STORE_DUPLICATE);
	CHECK_INT(insert(s, b2, "z", 1, "new", 13, &id), STORE_INSERTED);
	CHECK_INT(store_reject_add(s, b, "x.jsonl", 9, "not valid JSON", &e), ASSAY_OK);
	CHECK_INT(store_batch_refresh_counts(s, b, 10, true, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_batch bb;
	CHECK_INT(store_batch_by_name(s, "b1", &bb, &e), ASSAY_OK);
	CHECK_INT(bb.n_imported, 1);
	CHECK_INT(bb.n_duplicate, 1);
	CHECK_INT(bb.n_rejected, 1);
	CHECK_INT(bb.n_read, 10);
	CHECK(bb.finished_at > 0);
	store_batch_free(&bb);
	CHECK_INT(store_batch_by_name(s, "nope", &bb, &e), ASSAY_ENOTFOUND);
	CHECK_INT(store_batch_by_source(s, "/data/x.jsonl", &bb, &e), ASSAY_OK);
	CHECK_STR(bb.name, "b2");
	store_batch_free(&bb);
	store_sample smp;
	CHECK_INT(store_sample_get(s, id1, &smp, &e), ASSAY_OK);
	CHECK_STR(smp.text, "hello");
	CHECK_STR(smp.batch_name, "b1");
	CHECK(isnan(smp.quality));
	store_sample_free(&smp);
	CHECK_INT(store_sample_by_ext_id(s, "a", NULL, &smp, &e), ASSAY_OK);
	store_sample_free(&smp);
	CHECK_INT(store_sample_by_ext_id(s, "zz", NULL, &smp, &e), ASSAY_ENOTFOUND);
	CHECK_INT(store_sample_get(s, 999, &smp, &e), ASSAY_ENOTFOUND);
	store_info in;
	CHECK_INT(store_info_get(s, &in, &e), ASSAY_OK);
	CHECK_INT(in.n_batches, 2);
	CHECK_INT(in.samples, 2);
	CHECK_INT(in.batches[0].samples, 1);
	CHECK_INT(in.decided, 0);
	store_info_free(&in);
	store_batch *list;
	size_t n;
	CHECK_INT(store_batch_list(s, &list, &n, &e), ASSAY_OK);
	CHECK_INT(n, 2);
	for (size_t i = 0; i < n; i++)
		store_batch_free(&list[i]);
	free(list);
	store_close(s);
}

TEST(a_batch_keeps_its_media_and_changes_only_what_is_given)
{
	store *s = fresh("media.db");
	assay_error e = {0};
	store_batch b = {.name = "m", .source = "/data/x.jsonl", .format = "jsonl", .created_at = 1,
			 .media_fields = "image,meta.uri", .media_root = "/pics",
			 .media_maps = "[\"s3://b/=https://h/\"]"};
	CHECK_INT(store_batch_create(s, &b, &e), ASSAY_OK);
	CHECK_INT(store_batch_set_media(s, b.id, NULL, "/moved", NULL, &e), ASSAY_OK);
	store_batch got;
	CHECK_INT(store_batch_by_name(s, "m", &got, &e), ASSAY_OK);
	CHECK_STR(got.media_fields, "image,meta.uri");
	CHECK_STR(got.media_root, "/moved");
	CHECK_STR(got.media_maps, "[\"s3://b/=https://h/\"]");
	store_batch_free(&got);
	CHECK_INT(make_batch(s, "plain") > 0, 1);
	CHECK_INT(store_batch_by_name(s, "plain", &got, &e), ASSAY_OK);
	CHECK_STR(got.media_root, "");
	CHECK_STR(got.media_maps, "");
	store_batch_free(&got);
	store_close(s);
}

TEST(rollback_leaves_nothing)
{
	store *s = fresh("rollback.db");
	assay_error e = {0};
	int64_t id;
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	CHECK_INT(store_begin(s, &e), ASSAY_ECONFLICT);
	int64_t b = make_batch(s, "gone");
	CHECK_INT(insert(s, b, "a", 1, "x", 5, &id), STORE_INSERTED);
	store_rollback(s);
	store_batch bb;
	CHECK_INT(store_batch_by_name(s, "gone", &bb, &e), ASSAY_ENOTFOUND);
	store_close(s);
}

TEST(busy_database_reports_lock)
{
	const char *p = tmp_path("busy.db");
	store *s = NULL;
	assay_error e = {0};
	store_options o = {.busy_timeout_ms = 100};
	CHECK_INT(store_open(p, &o, &s, &e), ASSAY_OK);
	sqlite3 *other;
	sqlite3_open(p, &other);
	CHECK_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(store_begin(s, &e), ASSAY_EBUSY);
	CHECK_CONTAINS(e.msg, "locked by another process");
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	store_rollback(s);
	store_close(s);
}

TEST(events_are_append_only)
{
	const char *p = tmp_path("events.db");
	store *s = fresh("events.db");
	store_close(s);
	sqlite3 *db;
	sqlite3_open(p, &db);
	sqlite3_exec(db,
		     "INSERT INTO batches(name,source,format,created_at) VALUES('b','s','jsonl',1);"
		     "INSERT INTO samples(batch_id,ext_id,line,text_field,stored_text,record,hash)"
		     " VALUES(1,'a',1,'text','t','{}',1);"
		     "INSERT INTO annotators(name,first_seen) VALUES('ann',1);"
		     "INSERT INTO events(sample_id,annotator_id,kind,at) VALUES(1,1,'accept',1);",
		     NULL, NULL, NULL);
	CHECK(sqlite3_exec(db, "UPDATE events SET kind='reject'", NULL, NULL, NULL) != SQLITE_OK);
	CHECK_CONTAINS(sqlite3_errmsg(db), "append-only");
	CHECK(sqlite3_exec(db, "DELETE FROM events", NULL, NULL, NULL) != SQLITE_OK);
	sqlite3_close(db);
}

/* A whole file passes both checks; one with a cell pointer overwritten in
 * a table page fails them with SQLite's description of each problem, one
 * per line, and is not written to. */
TEST(check_finds_damage_and_lists_it)
{
	const char *p = tmp_path("check.db");
	store *s = NULL;
	assay_error e = {0};
	CHECK_INT(store_open(p, NULL, &s, &e), ASSAY_OK);
	store_begin(s, &e);
	store_batch b = {.name = "b", .source = "x", .format = "jsonl", .created_at = 1};
	CHECK_INT(store_batch_create(s, &b, &e), ASSAY_OK);
	for (int i = 0; i < 2000; i++) {
		char id[16], text[96];
		snprintf(id, sizeof id, "s%d", i);
		snprintf(text, sizeof text, "sample text number %d, long enough to fill pages", i);
		store_new_sample ns = {.batch_id = b.id, .ext_id = id, .line = i + 1,
				       .text_field = "text", .text = text, .text_len = strlen(text),
				       .record = text, .record_len = strlen(text),
				       .hash = text_normalized_hash(text, strlen(text), NULL)};
		int outcome;
		int64_t sid;
		CHECK_INT(store_sample_insert(s, &ns, &outcome, &sid, &e), ASSAY_OK);
	}
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	char **problems;
	size_t n;
	for (int full = 0; full < 2; full++) {
		CHECK_INT(store_check(s, full, &problems, &n, &e), ASSAY_OK);
		CHECK_INT(n, 0);
		CHECK(problems == NULL);
	}
	store_close(s);
	/* settle the WAL into the file, then damage the cell pointers of a leaf
	 * page of the samples table (found by dbstat: where it lies depends on
	 * how many tables the schema has) */
	sqlite3 *db;
	sqlite3_open(p, &db);
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	sqlite3_stmt *st;
	long page = 0;
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT pageno FROM dbstat WHERE name = 'samples'"
				     " AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 5",
				     -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		page = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	CHECK(page > 1);
	FILE *f = fopen(p, "r+b");
	CHECK(f != NULL);
	fseek(f, (page - 1) * 4096 + 8, SEEK_SET);
	fwrite("\xff\xff\xff\xff", 1, 4, f);
	fclose(f);
	struct stat before, after;
	stat(p, &before);
	store_options ro = {.readonly = true};
	CHECK_INT(store_open(p, &ro, &s, &e), ASSAY_OK);
	CHECK_INT(store_check(s, false, &problems, &n, &e), ASSAY_OK);
	CHECK(n >= 1 && n <= STORE_CHECK_MAX);
	for (size_t i = 0; i < n; i++) {
		CHECK(strchr(problems[i], '\n') == NULL);
		CHECK(strncmp(problems[i], "***", 3) != 0);
	}
	store_strings_free(problems, n);
	store_close(s);
	stat(p, &after);
	CHECK_INT(after.st_mtime, before.st_mtime);
	CHECK_INT(after.st_size, before.st_size);
}

TEST(models_keep_every_version_and_serve_the_newest)
{
	const char *p = tmp_path("models.db");
	store *s = NULL;
	assay_error e = {0};
	CHECK_INT(store_open(p, &(store_options){0}, &s, &e), ASSAY_OK);
	store_model got;
	bool found = true;
	CHECK_INT(store_model_latest(s, "learned", &got, &found, &e), ASSAY_OK);
	CHECK(!found);
	unsigned char a[] = {1, 0, 2}, b[] = {9, 8, 0, 7, 6};
	store_model m = {.created_at = 5, .n_rejected = 3, .n_kept = 4, .info = "{\"k\":1}",
			 .bytes = a, .len = sizeof a};
	int64_t v1 = 0, v2 = 0;
	CHECK_INT(store_model_put(s, "learned", &m, &v1, &e), ASSAY_OK);
	m.bytes = b;
	m.len = sizeof b;
	m.n_kept = 40;
	CHECK_INT(store_model_put(s, "learned", &m, &v2, &e), ASSAY_OK);
	CHECK(v2 > v1);
	CHECK_INT(store_model_latest(s, "learned", &got, &found, &e), ASSAY_OK);
	CHECK(found);
	CHECK_INT(got.version, v2);
	CHECK_INT(got.n_kept, 40);
	CHECK_INT(got.len, sizeof b);
	CHECK(memcmp(got.bytes, b, sizeof b) == 0); /* bytes after a NUL kept */
	CHECK_STR(got.info, "{\"k\":1}");
	store_model_free(&got);
	CHECK_INT(store_model_latest(s, "other", &got, &found, &e), ASSAY_OK);
	CHECK(!found);
	store_close(s);
}

/* Whether another process could take a write lock over the bytes whose
 * read lock is SQLite's SHARED lock on the database file: what a closing
 * connection tries, to learn that it is the last one (and then checkpoints
 * and deletes the -wal and -shm files). Asked by a child without SQLite. */
static bool another_process_may_lock(const char *p)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(p, O_RDWR | O_CLOEXEC);
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
				   .l_start = 0x40000000 + 2, .l_len = 510};
		_exit(fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK ? 0 : 1);
	}
	int status = 0;
	CHECK_INT((int)waitpid(pid, &status, 0), (int)pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* A reader of this process's own (export's and audit's parallel readers)
 * opened and closed beside an open store leaves that store's locks on the
 * file: were they dropped (a plain open and close of the file drops every
 * lock the process holds on it), the next process to close the database
 * would take the open store for gone and delete the -wal file under it. */
TEST(a_reader_of_its_own_leaves_the_stores_locks_on_the_file)
{
	const char *p = tmp_path("locks.db");
	store *s = NULL, *rd = NULL;
	assay_error e = {0};
	CHECK_INT(store_open(p, NULL, &s, &e), ASSAY_OK);
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	CHECK(!another_process_may_lock(p));
	CHECK_INT(store_open_reader(s, &rd, &e), ASSAY_OK);
	CHECK(rd != NULL);
	CHECK(!another_process_may_lock(p));
	store_close(rd);
	CHECK(!another_process_may_lock(p));
	store_close(s);
	CHECK(another_process_may_lock(p));
}

/* What decide says of an id import dropped, and the id of a sample row. */
TEST(a_dropped_duplicate_is_found_by_its_id_and_batch)
{
	store *s = fresh("dups.db");
	assay_error e = {0};
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	int64_t b = make_batch(s, "b1"), id1, id;
	CHECK_INT(insert(s, b, "a", 1, "hello", 11, &id1), STORE_INSERTED);
	CHECK_INT(insert(s, b, "b", 2, "Hello ", 11, &id), STORE_DUPLICATE);
	int64_t b2 = make_batch(s, "b2");
	CHECK_INT(insert(s, b2, "b", 5, "hello", 11, &id), STORE_DUPLICATE);
	CHECK_INT(insert(s, b2, "c", 6, "hello", 11, &id), STORE_DUPLICATE);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_duplicate d;
	bool found;
	CHECK_INT(store_duplicate_find(s, "b", NULL, &d, &found, &e), ASSAY_OK);
	CHECK(found);
	CHECK_STR(d.batch_name, "b1"); /* the oldest batch first */
	CHECK_INT(d.line, 2);
	CHECK_STR(d.kept_ext_id, "a");
	CHECK_STR(d.kept_batch, "b1");
	store_duplicate_free(&d);
	CHECK_INT(store_duplicate_find(s, "b", "b2", &d, &found, &e), ASSAY_OK);
	CHECK(found);
	CHECK_STR(d.batch_name, "b2");
	CHECK_INT(d.line, 5);
	store_duplicate_free(&d);
	CHECK_INT(store_duplicate_find(s, "c", "b1", &d, &found, &e), ASSAY_OK);
	CHECK(!found && !d.batch_name);
	CHECK_INT(store_duplicate_find(s, "a", NULL, &d, &found, &e), ASSAY_OK);
	CHECK(!found); /* a kept sample is no duplicate */
	char *ext = NULL;
	CHECK_INT(store_sample_ext_id(s, id1, &ext, &e), ASSAY_OK);
	CHECK_STR(ext, "a");
	free(ext);
	CHECK_INT(store_sample_ext_id(s, id1 + 100, &ext, &e), ASSAY_ENOTFOUND);
	CHECK(ext == NULL);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(creates_new_database_0600_with_schema),
	  UNIT_CASE(a_reader_of_its_own_leaves_the_stores_locks_on_the_file), UNIT_CASE(check_finds_damage_and_lists_it),
	  UNIT_CASE(readers_upgrade_an_older_database_once),
	  UNIT_CASE(readers_read_an_older_database_they_cannot_write),
	  UNIT_CASE(refuses_non_sqlite_file_untouched),
	  UNIT_CASE(refuses_foreign_sqlite_database_untouched), UNIT_CASE(refuses_newer_schema),
	  UNIT_CASE(an_earlier_version_3_gets_the_steps_it_lacks),
	  UNIT_CASE(missing_database_for_readers), UNIT_CASE(insert_outcomes),
	  UNIT_CASE(a_dropped_duplicate_is_found_by_its_id_and_batch),
	  UNIT_CASE(a_batch_keeps_its_media_and_changes_only_what_is_given),
	  UNIT_CASE(rollback_leaves_nothing), UNIT_CASE(busy_database_reports_lock),
	  UNIT_CASE(events_are_append_only),
	  UNIT_CASE(models_keep_every_version_and_serve_the_newest))
