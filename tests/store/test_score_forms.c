/* test_score_forms.c — tests for src/store/score_forms.c: the scores'
 * reasons and details stored as a form (kept once) and its numbers, read
 * back exactly as written; a rollback's forms forgotten; the learned
 * scorer's notes plain; a database an earlier build made (no forms table,
 * plain notes) carried forward when opened for writing; a note split
 * ahead of its write stored as the write would split it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "assay/store.h"
#include "assay/text.h"
#include "fixture.h"
#include "unit.h"

static store *fixture(void)
{
	return fixture_samples("scoreforms", 4, "", NULL);
}

static int64_t query_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t v = -1;
	sqlite3_open(path, &db);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

static void exec_sql(const char *sql)
{
	sqlite3 *db;
	sqlite3_open(path, &db);
	CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The reason and detail of sample id's scorer as store_scores_get reads them. */
static void check_note(store *s, int64_t id, const char *scorer, const char *reason,
		       const char *detail)
{
	store_score *v;
	size_t n;
	assay_error e = {0};
	CHECK_INT(store_scores_get(s, id, &v, &n, &e), ASSAY_OK);
	bool found = false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].scorer, scorer) == 0) {
			found = true;
			CHECK_STR(v[i].reason, reason);
			CHECK_STR(v[i].detail, detail);
		}
	CHECK(found);
	store_scores_free(v, n);
}

/* Texts with numbers share their form; every number comes back with its
 * own digits, whatever they look like. */
TEST(texts_come_back_exactly_and_share_forms)
{
	static const char *const reasons[] = {
	    "length: 52 words, 263 characters (bounds 5-300 words)",
	    "length: 43 words, 244 characters (bounds 5-300 words)",
	    "x: 0 and 007 and 0.050 and -12 and 1234567890123456789012 and 18446744073709551615",
	    "x: control \x01 byte 5",
	};
	store *s = fixture();
	assay_error e = {0};
	store_begin(s, &e);
	for (int i = 0; i < 4; i++) {
		store_score_row r = {i + 1, "length", "1", 0.5, false, reasons[i],
				     i < 2 ? "{\"words\":52,\"chars\":263}" : NULL};
		CHECK_INT(store_score_put(s, &r, &e), ASSAY_OK);
	}
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	for (int i = 0; i < 4; i++)
		check_note(s, i + 1, "length", reasons[i], i < 2 ? "{\"words\":52,\"chars\":263}" : "");
	store_close(s);
	/* two reasons share one form, the detail has one, the third its own;
	 * the control byte's text is stored as it is */
	CHECK_INT(query_int("SELECT count(*) FROM score_forms"), 3);
	CHECK(query_int("SELECT length(notes) FROM score_notes WHERE sample_id = 1") < 16);
	/* the view reads them too */
	store *r = NULL;
	CHECK_INT(store_open(path, NULL, &r, &e), ASSAY_OK);
	check_note(r, 2, "length", reasons[1], "{\"words\":52,\"chars\":263}");
	store_close(r);
}

/* A form made in a rolled back transaction is gone with it: a later form
 * taking its id is read as itself. */
TEST(a_rolled_back_form_is_forgotten)
{
	store *s = fixture();
	assay_error e = {0};
	store_score_row a = {1, "gopher", "1", 1.0, false, "gopher: first text", NULL};
	store_begin(s, &e);
	CHECK_INT(store_score_put(s, &a, &e), ASSAY_OK);
	store_rollback(s);
	store_score_row b = {2, "gopher", "1", 1.0, false, "gopher: second text", NULL};
	store_begin(s, &e);
	CHECK_INT(store_score_put(s, &b, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	check_note(s, 2, "gopher", "gopher: second text", "");
	store_close(s);
	CHECK_INT(query_int("SELECT count(*) FROM score_forms"), 1);
}

/* The learned scorer reads its own notes back plain (learned_rows.c). */
TEST(the_learned_scorers_notes_stay_plain)
{
	store *s = fixture();
	assay_error e = {0};
	store_score_row r = {3, "learned", "m1", 0.25, false, "learned: 25% reject", "{\"m\":1}"};
	store_begin(s, &e);
	CHECK_INT(store_score_put(s, &r, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	check_note(s, 3, "learned", "learned: 25% reject", "{\"m\":1}");
	store_close(s);
	CHECK_INT(query_int("SELECT count(*) FROM score_forms"), 0);
	CHECK_INT(query_int("SELECT instr(notes, CAST('learned: 25% reject' AS BLOB)) > 0"
			    " FROM score_notes WHERE sample_id = 3"),
		  1);
}

/* A database of the previous build: no forms table, every note plain.
 * Opened for writing it gains the table, keeps its notes and writes new
 * ones compact beside them. */
TEST(an_earlier_builds_database_is_carried_forward)
{
	store *s = fixture();
	assay_error e = {0};
	store_close(s);
	exec_sql("DROP TABLE score_forms;"
		 "INSERT INTO scorers (slot, name) VALUES (0, 'length');"
		 "INSERT INTO scorer_versions (id, slot, version) VALUES (1, 0, '1');"
		 "INSERT INTO sample_scores (sample_id, flags, scored_at, vals, vers)"
		 "  VALUES (1, 0, 5, zeroblob(8), X'01000000');"
		 "INSERT INTO score_notes (sample_id, notes)"
		 "  VALUES (1, X'00' || CAST('length: 7 words' AS BLOB) || X'00'"
		 "  || CAST('{\"w\":7}' AS BLOB) || X'00');");
	CHECK_INT(store_open(path, NULL, &s, &e), ASSAY_OK);
	CHECK_INT(query_int("SELECT count(*) FROM sqlite_master WHERE name = 'score_forms'"), 1);
	check_note(s, 1, "length", "length: 7 words", "{\"w\":7}");
	store_score_row r = {2, "length", "1", 0.5, false, "length: 9 words", "{\"w\":9}"};
	store_begin(s, &e);
	CHECK_INT(store_score_put(s, &r, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	check_note(s, 1, "length", "length: 7 words", "{\"w\":7}");
	check_note(s, 2, "length", "length: 9 words", "{\"w\":9}");
	store_close(s);
	CHECK_INT(query_int("SELECT count(*) FROM score_forms"), 2);
}

/* A note whose form is gone from score_forms (a damaged database) cannot
 * be carried into a merge: the write fails and the stored notes stay as
 * they were, rather than losing the reasons it could not read. */
TEST(a_note_whose_form_is_missing_fails_the_write)
{
	store *s = fixture();
	assay_error e = {0};
	store_score_row a = {1, "length", "1", 0.5, false, "length: 7 words", NULL};
	store_begin(s, &e);
	CHECK_INT(store_score_put(s, &a, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_close(s);
	int64_t before = query_int("SELECT length(notes) FROM score_notes WHERE sample_id = 1");
	exec_sql("UPDATE score_forms SET id = id + 100"); /* the note's id now names none */
	CHECK_INT(store_open(path, NULL, &s, &e), ASSAY_OK);
	store_score_row b = {1, "gopher", "1", 1.0, true, "gopher: 3 symbols", NULL};
	store_begin(s, &e);
	int rc = store_score_put(s, &b, &e);
	if (rc == ASSAY_OK)
		rc = store_commit(s, &e);
	else
		store_rollback(s);
	CHECK(rc < 0);
	CHECK_CONTAINS(e.msg, "reason form missing");
	store_close(s);
	CHECK_INT(query_int("SELECT length(notes) FROM score_notes WHERE sample_id = 1"), before);
}

/* A note split ahead on another thread (store_note_split) is stored byte
 * for byte as the same note split by the write itself, whatever its
 * texts: numbers of every kind, one too many numbers, a text stored as
 * it is, an empty part; a row of several scorers mixes both ways. */
TEST(a_note_split_ahead_is_stored_as_one_split_by_the_write)
{
	static const char *const texts[][2] = {
	    {"length: 52 words, 263 characters", "{\"words\":52,\"chars\":263}"},
	    {"x: 0 and 007 and 0.050 and -12 and 1234567890123456789012 and 18446744073709551615",
	     ""},
	    {"x: control \x01 byte 5", "{\"n\":5}"},
	    {"", "{\"only\":\"detail\"}"},
	    {"n: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26", NULL},
	};
	static const char *const scorers[] = {"length", "gopher", "charset", "hedging", "task"};
	store *s = fixture();
	assay_error e = {0};
	store_score_row rows[2][5];
	abuf split = {0};
	size_t at[5];
	for (int i = 0; i < 5; i++) {
		for (int k = 0; k < 2; k++)
			rows[k][i] = (store_score_row){k + 1, scorers[i], "1", 0.5, i == 2,
						       texts[i][0], texts[i][1]};
		at[i] = split.len;
		CHECK_INT(store_note_split(texts[i][0], texts[i][1], &split), ASSAY_OK);
	}
	const void *ahead[5];
	for (int i = 0; i < 5; i++)
		ahead[i] = i == 3 ? NULL : split.data + at[i];
	store_begin(s, &e);
	CHECK_INT(store_scores_put(s, rows[0], 5, &e), ASSAY_OK);
	CHECK_INT(store_scores_put_split(s, rows[1], ahead, NULL, 5, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	for (int i = 0; i < 5; i++)
		check_note(s, 2, scorers[i], texts[i][0], texts[i][1] ? texts[i][1] : "");
	store_close(s);
	abuf_free(&split);
	CHECK_INT(query_int("SELECT a.notes = b.notes AND length(a.notes) > 0 FROM score_notes a,"
			    " score_notes b WHERE a.sample_id = 1 AND b.sample_id = 2"),
		  1);
	CHECK_INT(query_int("SELECT count(DISTINCT vals) FROM sample_scores"), 1);
}

UNIT_MAIN(UNIT_CASE(texts_come_back_exactly_and_share_forms),
	  UNIT_CASE(a_rolled_back_form_is_forgotten),
	  UNIT_CASE(the_learned_scorers_notes_stay_plain),
	  UNIT_CASE(an_earlier_builds_database_is_carried_forward),
	  UNIT_CASE(a_note_whose_form_is_missing_fails_the_write),
	  UNIT_CASE(a_note_split_ahead_is_stored_as_one_split_by_the_write))
