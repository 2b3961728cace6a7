/* test_text_store.c — tests for src/store/text_store.c: a sample's text
 * stored once (read from its record when its bytes appear there, stored on
 * its own when not), and the move of the texts an earlier build stored
 * twice, with its progress. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/store.h"
#include "unit.h"

static char path[64];

static void cleanup(void)
{
	unit_remove_db(path);
}

static store *fresh(void)
{
	snprintf(path, sizeof path, "/tmp/assay-text-store-%d.db", (int)getpid());
	cleanup();
	store *s = NULL;
	assay_error e = {0};
	if (store_open(path, NULL, &s, &e) != ASSAY_OK)
		abort();
	return s;
}

/* The texts and their records: verbatim (with UTF-8), a text that is
 * only part of a string, written with escapes (a quote, a newline,
 * \uXXXX), not in the record at all, and empty. */
static const struct {
	const char *text, *record;
	bool once;
} cases[] = {
	{"h\xc3\xa9llo w\xc3\xb6rld", "{\"id\":1,\"text\":\"h\xc3\xa9llo w\xc3\xb6rld\"}", true},
	{"text", "{\"text\":\"text\"}", true},
	{"say \"hi\"", "{\"text\":\"say \\\"hi\\\"\"}", false},
	{"two\nlines", "{\"text\":\"two\\nlines\"}", false},
	{"caf\xc3\xa9", "{\"text\":\"caf\\u00e9\"}", false},
	{"from the turns", "{\"messages\":[]}", false},
	{"", "{\"text\":\"\"}", false},
};
#define N_CASES (sizeof cases / sizeof *cases)

static void insert_cases(store *s)
{
	assay_error e = {0};
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	store_batch b = {.name = "b", .source = "x", .format = "jsonl", .created_at = 1};
	CHECK_INT(store_batch_create(s, &b, &e), ASSAY_OK);
	for (size_t i = 0; i < N_CASES; i++) {
		char id[8];
		snprintf(id, sizeof id, "s%zu", i);
		store_new_sample ns = {.batch_id = b.id, .ext_id = id, .line = (int64_t)i + 1,
				       .text_field = "text", .text = cases[i].text,
				       .text_len = strlen(cases[i].text), .record = cases[i].record,
				       .record_len = strlen(cases[i].record), .hash = i + 1};
		int outcome;
		int64_t sid;
		CHECK_INT(store_sample_insert(s, &ns, &outcome, &sid, &e), ASSAY_OK);
		CHECK_INT(outcome, STORE_INSERTED);
	}
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
}

/* Every text reads back as it was given, through the store and in SQL;
 * once[i]: whether case i's own copy is empty (read from the record). */
static void check_cases(const bool *once)
{
	store *s = NULL;
	assay_error e = {0};
	CHECK_INT(store_open(path, NULL, &s, &e), ASSAY_OK);
	for (size_t i = 0; i < N_CASES; i++) {
		store_sample x;
		CHECK_INT(store_sample_get(s, (int64_t)i + 1, &x, &e), ASSAY_OK);
		CHECK_STR(x.text, cases[i].text);
		CHECK_STR(x.record, cases[i].record);
		store_sample_free(&x);
	}
	store_close(s);
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_stmt *q;
	sqlite3_prepare_v2(db, "SELECT text, stored_text = '', text_len IS NOT NULL FROM samples"
			       " ORDER BY id", -1, &q, NULL);
	for (size_t i = 0; i < N_CASES && sqlite3_step(q) == SQLITE_ROW; i++) {
		CHECK_STR((const char *)sqlite3_column_text(q, 0), cases[i].text);
		CHECK_INT(sqlite3_column_int(q, 1), once[i] || !*cases[i].text);
		CHECK_INT(sqlite3_column_int(q, 2), once[i]);
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
}

TEST(a_text_in_its_record_is_stored_once)
{
	store *s = fresh();
	insert_cases(s);
	store_close(s);
	bool once[N_CASES];
	for (size_t i = 0; i < N_CASES; i++)
		once[i] = cases[i].once;
	check_cases(once);
	cleanup();
}

/* store_text_place finds what the store would; a place the caller gives
 * is taken when the bytes there are the text's, looked for again when not
 * (a wrong offset, one past the record's end), and "nowhere" stores the
 * text on its own: every text reads back as it was given. */
TEST(a_place_found_on_another_thread_is_checked)
{
	int64_t at = -1;
	CHECK(store_text_place(cases[0].record, strlen(cases[0].record), cases[0].text,
			       strlen(cases[0].text), &at));
	CHECK_INT(at, 16);
	CHECK(!store_text_place(cases[2].record, strlen(cases[2].record), cases[2].text,
				strlen(cases[2].text), &at));
	store *s = fresh();
	assay_error e = {0};
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	store_batch b = {.name = "b", .source = "x", .format = "jsonl", .created_at = 1};
	CHECK_INT(store_batch_create(s, &b, &e), ASSAY_OK);
	/* given right, given wrong, given past the end, said to be nowhere */
	const int found[] = {1, 1, 1, -1};
	const int64_t given[] = {16, 3, 40, 0};
	for (size_t i = 0; i < 4; i++) {
		char id[8];
		snprintf(id, sizeof id, "s%zu", i);
		store_new_sample ns = {.batch_id = b.id, .ext_id = id, .line = (int64_t)i + 1,
				       .text_field = "text", .text = cases[0].text,
				       .text_len = strlen(cases[0].text), .record = cases[0].record,
				       .record_len = strlen(cases[0].record), .hash = i + 1,
				       .text_found = found[i], .text_at = given[i]};
		int outcome;
		int64_t sid;
		CHECK_INT(store_sample_insert(s, &ns, &outcome, &sid, &e), ASSAY_OK);
	}
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_close(s);
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_stmt *q;
	sqlite3_prepare_v2(db, "SELECT text, text_at FROM samples ORDER BY id", -1, &q, NULL);
	for (size_t i = 0; i < 4 && sqlite3_step(q) == SQLITE_ROW; i++) {
		CHECK_STR((const char *)sqlite3_column_text(q, 0), cases[0].text);
		CHECK_INT(sqlite3_column_type(q, 1) == SQLITE_NULL, i == 3);
		if (i < 3)
			CHECK_INT(sqlite3_column_int64(q, 1), 16);
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	cleanup();
}

static int64_t progress_done[8], progress_total;
static int progress_calls;

static void count_progress(void *ud, int64_t done, int64_t total)
{
	(void)ud;
	if (progress_calls < 8)
		progress_done[progress_calls] = done;
	progress_calls++;
	progress_total = total;
}

/* A database an earlier build of schema 3 wrote: every text stored on its
 * own too, no text_at or text_len; one sample with id 250000. */
static void make_texts_twice(void)
{
	sqlite3 *db;
	sqlite3_open(path, &db);
	CHECK_INT(sqlite3_exec(db,
			       "ALTER TABLE samples DROP COLUMN text;"
			       "UPDATE samples SET stored_text = CAST(substr(CAST(record AS BLOB),"
			       "  text_at + 1, text_len) AS TEXT) WHERE text_len IS NOT NULL;"
			       "ALTER TABLE samples DROP COLUMN text_at;"
			       "ALTER TABLE samples DROP COLUMN text_len;"
			       "ALTER TABLE samples RENAME COLUMN stored_text TO text;"
			       "UPDATE samples SET id = 250000 WHERE id = 2;",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
}

TEST(an_earlier_database_stores_its_texts_once_when_opened)
{
	store *s = fresh();
	insert_cases(s);
	store_close(s);
	make_texts_twice();
	assay_error e = {0};
	store_options rw = {.text_progress = count_progress};
	CHECK_INT(store_open(path, &rw, &s, &e), ASSAY_OK);
	store_close(s);
	/* ids up to 250000: a line at 100000, 200000 and the end */
	CHECK_INT(progress_calls, 3);
	CHECK_INT(progress_done[0], 100000);
	CHECK_INT(progress_done[2], 250000);
	CHECK_INT(progress_total, 250000);
	sqlite3 *db;
	sqlite3_open(path, &db);
	CHECK_INT(sqlite3_exec(db, "UPDATE samples SET id = 2 WHERE id = 250000", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	bool once[N_CASES];
	for (size_t i = 0; i < N_CASES; i++)
		once[i] = cases[i].once;
	check_cases(once);
	/* opened again: nothing more to move */
	progress_calls = 0;
	CHECK_INT(store_open(path, &rw, &s, &e), ASSAY_OK);
	store_close(s);
	CHECK_INT(progress_calls, 0);
	cleanup();
}

UNIT_MAIN(UNIT_CASE(a_text_in_its_record_is_stored_once),
	  UNIT_CASE(a_place_found_on_another_thread_is_checked),
	  UNIT_CASE(an_earlier_database_stores_its_texts_once_when_opened))
