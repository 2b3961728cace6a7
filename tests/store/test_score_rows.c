/* test_score_rows.c — tests for src/store/score_pack.c and score_rows.c: a
 * sample's scores as one packed row, written whole or in part, read back by
 * sample, by range, by scorer and through the view. */
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

/* A database with samples 1..3. */
static store *fixture(void)
{
	return fixture_samples("scorerows", 3, "", NULL);
}

static const store_score *find(const store_score *v, size_t n, const char *scorer)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].scorer, scorer) == 0)
			return &v[i];
	return NULL;
}

/* A re-run of one scorer rewrites its slot alone: the value, the flag, the
 * reason and the version of the others stay. */
TEST(a_part_written_keeps_the_rest_of_the_row)
{
	store *s = fixture();
	assay_error e = {0};
	store_score_row rows[] = {
	    {1, "length", "1", 0.5, false, "length: fine", NULL},
	    {1, "gopher", "2", 0.1, true, "gopher: bad", "{\"k\":1}"},
	    {1, "hedging", "1", NAN, false, "hedging: failed", NULL},
	};
	store_begin(s, &e);
	CHECK_INT(store_scores_put(s, rows, 3, &e), ASSAY_OK);
	store_score_row again = {1, "gopher", "3", 0.9, false, "gopher: passes", NULL};
	CHECK_INT(store_score_put(s, &again, &e), ASSAY_OK);
	CHECK_INT(store_score_set_detail(s, 1, "length", "length: now", "{\"n\":2}", &e),
		  ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_score *v;
	size_t n;
	CHECK_INT(store_scores_get(s, 1, &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 3);
	const store_score *g = find(v, n, "gopher"), *l = find(v, n, "length"),
			  *h = find(v, n, "hedging");
	CHECK(g && l && h);
	if (g && l && h) {
		CHECK(g->value == 0.9 && !g->flagged);
		CHECK_STR(g->version, "3");
		CHECK_STR(g->reason, "gopher: passes");
		CHECK_STR(g->detail, "");
		CHECK(l->value == 0.5 && !l->flagged);
		CHECK_STR(l->reason, "length: now");
		CHECK_STR(l->detail, "{\"n\":2}");
		CHECK(isnan(h->value));
		CHECK_STR(h->reason, "hedging: failed");
	}
	store_scores_free(v, n);
	CHECK_INT(store_scores_get(s, 2, &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 0);
	store_scores_free(v, n);
	store_close(s);
}

static int on_range(void *ud, int64_t id, const char *scorer, double value)
{
	char *out = ud;
	snprintf(out + strlen(out), 256 - strlen(out), "%lld:%s=%g;", (long long)id, scorer,
		 value);
	return 0;
}

static int on_rows(void *ud, int64_t id, const double *vals, size_t n, uint64_t flags)
{
	char *out = ud;
	snprintf(out + strlen(out), 256 - strlen(out), "%lld:", (long long)id);
	for (size_t k = 0; k < n; k++)
		snprintf(out + strlen(out), 256 - strlen(out), "%s%g%s", k ? "," : "", vals[k],
			 flags >> k & 1 ? "!" : "");
	snprintf(out + strlen(out), 256 - strlen(out), ";");
	return 0;
}

/* The range reader gives every stored slot of each row (a failed one as
 * NaN); the rows reader gives each row's values by slot and its flags, in
 * one scan for every scorer, and the slots are named. */
TEST(range_and_scorer_readers)
{
	store *s = fixture();
	assay_error e = {0};
	store_begin(s, &e);
	store_score_row a[] = {{1, "length", "1", 0.7, false, "", NULL},
			       {1, "gopher", "1", 0.2, true, "", NULL}};
	store_score_row b[] = {{3, "gopher", "1", 0.1, true, "", NULL},
			       {3, "length", "1", NAN, false, "", NULL}};
	CHECK_INT(store_scores_put(s, a, 2, &e), ASSAY_OK);
	CHECK_INT(store_scores_put(s, b, 2, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	char out[256] = "";
	CHECK_INT(store_scores_range_each(s, 1, 3, on_range, out, &e), ASSAY_OK);
	CHECK_STR(out, "1:length=0.7;1:gopher=0.2;3:length=nan;3:gopher=0.1;");
	out[0] = 0;
	CHECK_INT(store_score_rows_each(s, 0, 2, on_rows, out, &e), ASSAY_OK);
	CHECK_STR(out, "1:0.7,0.2!;");
	out[0] = 0;
	CHECK_INT(store_score_rows_each(s, 0, INT64_MAX, on_rows, out, &e), ASSAY_OK);
	CHECK_STR(out, "1:0.7,0.2!;3:nan,0.1!;");
	char **slots;
	size_t n_slots;
	CHECK_INT(store_scorer_slots(s, &slots, &n_slots, &e), ASSAY_OK);
	CHECK_INT(n_slots, 2);
	if (n_slots == 2) {
		CHECK_STR(slots[0], "length");
		CHECK_STR(slots[1], "gopher");
	}
	store_strings_free(slots, n_slots);
	char **names;
	size_t n;
	CHECK_INT(store_scorer_names(s, &names, &n, &e), ASSAY_OK);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(names[0], "gopher");
		CHECK_STR(names[1], "length");
	}
	store_strings_free(names, n);
	store_close(s);
}

/* A scorer made in a transaction that rolls back is forgotten: the next
 * write makes it again, in the same slot the database gives it. */
TEST(a_rolled_back_scorer_is_made_again)
{
	store *s = fixture();
	assay_error e = {0};
	store_score_row r = {2, "judge", "v1", 0.4, true, "judge: meh", NULL};
	store_begin(s, &e);
	CHECK_INT(store_score_put(s, &r, &e), ASSAY_OK);
	store_rollback(s);
	store_begin(s, &e);
	CHECK_INT(store_score_put(s, &r, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_score *v;
	size_t n;
	CHECK_INT(store_scores_get(s, 2, &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(v[0].scorer, "judge");
		CHECK(v[0].flagged && v[0].value == 0.4);
	}
	store_scores_free(v, n);
	store_close(s);
	/* the view lists it, read with the database's own functions */
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_stmt *q;
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT count(*) FROM scorers", -1, &q, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(q), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(q, 0), 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* A writer that keeps its scorers' slots (store_slot_ref) uses them while
 * they stand: the ref stays as it was across writes and commits. A slot
 * made in a transaction that rolls back is not used again: another
 * scorer takes that slot next, and the kept ref finds its own anew
 * instead of writing over the other's scores. */
TEST(a_kept_slot_is_found_again_after_a_rollback)
{
	store *s = fixture();
	assay_error e = {0};
	store_score_row judge = {2, "judge", "v1", 0.4, true, "judge: meh", NULL};
	store_score_row other = {2, "other", "v1", 0.9, false, "other: fine", NULL};
	store_slot_ref ref = {0};
	store_begin(s, &e);
	CHECK_INT(store_scores_put_split(s, &judge, NULL, &ref, 1, &e), ASSAY_OK);
	CHECK(ref.epoch != 0);
	store_rollback(s);
	store_begin(s, &e);
	CHECK_INT(store_score_put(s, &other, &e), ASSAY_OK); /* takes judge's old slot */
	CHECK_INT(store_scores_put_split(s, &judge, NULL, &ref, 1, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_slot_ref kept = ref;
	judge.sample_id = 3;
	store_begin(s, &e);
	CHECK_INT(store_scores_put_split(s, &judge, NULL, &ref, 1, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	CHECK(ref.epoch == kept.epoch && ref.slot == kept.slot && ref.ver == kept.ver);
	store_score *v;
	size_t n;
	CHECK_INT(store_scores_get(s, 2, &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 2);
	const store_score *j = find(v, n, "judge"), *o = find(v, n, "other");
	CHECK(j && o);
	if (j && o) {
		CHECK(j->flagged && j->value == 0.4);
		CHECK_STR(j->reason, "judge: meh");
		CHECK(!o->flagged && o->value == 0.9);
		CHECK_STR(o->reason, "other: fine");
	}
	store_scores_free(v, n);
	CHECK_INT(store_scores_get(s, 3, &v, &n, &e), ASSAY_OK);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(v[0].scorer, "judge");
	store_scores_free(v, n);
	store_close(s);
}

/* A score test of a slice reads the value and the flag by the scorer's
 * name; the learned value also sits in its column. */
TEST(learned_value_in_its_column)
{
	store *s = fixture();
	assay_error e = {0};
	store_score_row r = {3, "learned", "m1", 0.25, false, "", "{\"model\":\"m1\"}"};
	store_begin(s, &e);
	CHECK_INT(store_score_put(s, &r, &e), ASSAY_OK);
	store_score_row other = {3, "length", "1", 0.5, false, "", NULL};
	CHECK_INT(store_score_put(s, &other, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	bool yes = false;
	CHECK_INT(store_has_learned(s, &yes, &e), ASSAY_OK);
	CHECK(yes);
	store_close(s);
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_stmt *q;
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT sample_id, learned FROM sample_scores", -1, &q,
				     NULL),
		  SQLITE_OK);
	CHECK_INT(sqlite3_step(q), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(q, 0), 3);
	CHECK(sqlite3_column_double(q, 1) == 0.25);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static int on_exact(void *ud, int64_t id, const double *vals, size_t n, uint64_t flags)
{
	(void)flags;
	double *want = ud;
	CHECK_INT(id, 2);
	CHECK_INT(n, 8);
	for (size_t k = 0; k < n && k < 8; k++) {
		CHECK((isnan(want[k]) && isnan(vals[k])) ||
		      memcmp(&want[k], &vals[k], sizeof want[k]) == 0);
	}
	return 0;
}

static int64_t blob_len(const char *sql)
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

/* The compact layout gives back every value bit for bit (1.0, a float32,
 * a float64, -0, an infinity, a tiny and a huge one, a failed one), in a
 * row far smaller than 8 bytes a slot; a row an earlier build wrote (8 and
 * 4 bytes a slot) is read as it is and merged into the compact layout when
 * one of its slots is written again. */
TEST(values_come_back_exactly_from_the_compact_layout)
{
	double want[8] = {1.0, 0.5, 0.123456789, -0.0, INFINITY, 1e-320, 1e300, NAN};
	static const char *const names[8] = {"a", "b", "c", "d", "e", "f", "g", "h"};
	store *s = fixture();
	assay_error e = {0};
	store_score_row rows[8];
	for (int i = 0; i < 8; i++)
		rows[i] = (store_score_row){2, names[i], "1", want[i], false, "", NULL};
	store_begin(s, &e);
	CHECK_INT(store_scores_put(s, rows, 8, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	CHECK_INT(store_score_rows_each(s, 2, 2, on_exact, want, &e), ASSAY_OK);
	CHECK(blob_len("SELECT length(vals) FROM sample_scores WHERE sample_id = 2") < 40);
	CHECK(blob_len("SELECT length(vers) FROM sample_scores WHERE sample_id = 2") < 12);
	store_close(s);
	/* sample 1 as an earlier build wrote it: slots a and b, 0.25 and 0.75 */
	sqlite3 *db;
	sqlite3_open(path, &db);
	CHECK_INT(sqlite3_exec(db,
			       "INSERT INTO sample_scores (sample_id, flags, scored_at, vals, vers)"
			       " VALUES (1, 2, 5, X'000000000000D03F000000000000E83F',"
			       " X'0100000002000000')",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(store_open(path, NULL, &s, &e), ASSAY_OK);
	char out[256] = "";
	CHECK_INT(store_scores_range_each(s, 1, 1, on_range, out, &e), ASSAY_OK);
	CHECK_STR(out, "1:a=0.25;1:b=0.75;");
	store_score_row again = {1, "b", "1", 0.3, false, "", NULL};
	store_begin(s, &e);
	CHECK_INT(store_score_put(s, &again, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	out[0] = 0;
	CHECK_INT(store_scores_range_each(s, 1, 1, on_range, out, &e), ASSAY_OK);
	CHECK_STR(out, "1:a=0.25;1:b=0.3;");
	store_close(s);
	CHECK(blob_len("SELECT length(vals) % 8 FROM sample_scores WHERE sample_id = 1") != 0);
}

/* ---- the learned rescore's write of a row it read (store_score_rewrite) ---------- */

/* A sample's packed row as read, copied out of the reader's call. */
typedef struct kept_row {
	store_score_stored st;
	unsigned char vals[600], vers[400], notes[2000];
} kept_row;

static int on_keep_row(void *ud, const store_score_rowview *row)
{
	kept_row *k = ud;
	k->st = row->stored;
	CHECK(row->stored.row);
	CHECK(row->stored.vals_len <= sizeof k->vals && row->stored.vers_len <= sizeof k->vers &&
	      row->stored.notes_len <= sizeof k->notes);
	memcpy(k->vals, row->stored.vals, row->stored.vals_len);
	memcpy(k->vers, row->stored.vers, row->stored.vers_len);
	if (row->stored.notes_len)
		memcpy(k->notes, row->stored.notes, row->stored.notes_len);
	k->st.vals = k->vals;
	k->st.vers = k->vers;
	k->st.notes = row->stored.has_notes ? k->notes : NULL;
	return 0;
}

static void read_row(store *s, int64_t id, kept_row *k)
{
	assay_error e = {0};
	memset(k, 0, sizeof *k);
	int slot;
	uint32_t ver;
	CHECK_INT(store_score_slot(s, "learned", NULL, &slot, &ver, &e), ASSAY_OK);
	CHECK_INT(store_score_rows_read(s, id, id, slot, on_keep_row, k, &e), ASSAY_OK);
}

/* Sample id's stored row (all but the time) as one text. */
static void row_text(int64_t id, char *out, size_t cap)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	out[0] = 0;
	sqlite3_open(path, &db);
	if (sqlite3_prepare_v2(db,
			       "SELECT ss.flags || '|' || quote(ss.learned) || '|' || hex(ss.vals) ||"
			       " '|' || hex(ss.vers) || '|' || coalesce(hex(n.notes), 'none')"
			       " FROM sample_scores ss LEFT JOIN score_notes n USING (sample_id)"
			       " WHERE ss.sample_id = ?1",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, id);
		if (sqlite3_step(q) == SQLITE_ROW)
			snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* The rows the rescore's write leaves are those of store_score_put, byte
 * for byte: the other scorers' values, flags, versions and reasons (plain
 * and compact) stay, the learned slot's value, flag, reason and detail are
 * the new ones; also for a first learned score, a sample without notes and
 * a learned score whose reason and detail are empty. */
TEST(a_learned_rewrite_writes_the_rows_a_put_writes)
{
	store *s = fixture_samples("scorerows", 4, "", NULL);
	assay_error e = {0};
	store_begin(s, &e);
	for (int64_t id = 1; id <= 2; id++) {
		store_score_row rows[] = {
		    {id, "length", "1", 0.5, true, "length: 52 words", NULL},
		    {id, "gopher", "2", 0.125, false, "gopher: fine", "{\"k\":1}"},
		    {id, "hedging", "1", NAN, false, "", NULL},
		};
		CHECK_INT(store_scores_put(s, rows, 3, &e), ASSAY_OK);
	}
	for (int64_t id = 3; id <= 4; id++) {
		store_score_row bare = {id, "length", "1", 0.75, false, "", NULL};
		CHECK_INT(store_score_put(s, &bare, &e), ASSAY_OK);
	}
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_score_row next[] = {
	    {0, "learned", "m1", 0.25, true, "learned: 75% likely rejected; text 'x'",
	     "{\"p_reject\":0.75}"},
	    {0, "learned", "m2", 0.875, false, "learned: 12% likely rejected", "{\"m\":2}"},
	    {0, "learned", "m3", 0.5, false, "", ""},
	};
	for (size_t k = 0; k < ASSAY_ARRAY_LEN(next); k++) {
		kept_row one, three;
		read_row(s, 1, &one);
		read_row(s, 3, &three);
		store_slot_ref ref = {0};
		store_begin(s, &e);
		store_score_row r = next[k];
		r.sample_id = 1;
		CHECK_INT(store_score_rewrite(s, &r, &one.st, &ref, &e), ASSAY_OK);
		r.sample_id = 2;
		CHECK_INT(store_score_put(s, &r, &e), ASSAY_OK);
		r.sample_id = 3;
		CHECK_INT(store_score_rewrite(s, &r, &three.st, &ref, &e), ASSAY_OK);
		r.sample_id = 4;
		CHECK_INT(store_score_put(s, &r, &e), ASSAY_OK);
		CHECK_INT(store_commit(s, &e), ASSAY_OK);
		char a[2048], b[2048], c[2048], d[2048];
		row_text(1, a, sizeof a);
		row_text(2, b, sizeof b);
		row_text(3, c, sizeof c);
		row_text(4, d, sizeof d);
		CHECK(a[0] != 0 && c[0] != 0);
		CHECK_STR(a, b);
		CHECK_STR(c, d);
	}
	store_score *v;
	size_t n;
	CHECK_INT(store_scores_get(s, 1, &v, &n, &e), ASSAY_OK);
	const store_score *g = find(v, n, "gopher"), *l = find(v, n, "learned");
	CHECK(g && l);
	if (g && l) {
		CHECK(g->value == 0.125);
		CHECK_STR(g->detail, "{\"k\":1}");
		CHECK(l->value == 0.5 && !l->flagged);
		CHECK_STR(l->version, "m3");
	}
	store_scores_free(v, n);
	store_close(s);
}

/* The rescore's write updates the row and the notes it read in place: it
 * never inserts (an insert, even one that turns into an update on the
 * conflict, fires the triggers below). */
TEST(a_learned_rewrite_updates_the_row_it_read)
{
	store *s = fixture();
	assay_error e = {0};
	store_score_row rows[] = {{1, "length", "1", 0.5, false, "length: 52 words", NULL},
				  {1, "learned", "m1", 0.25, false, "learned: old", "{}"}};
	store_begin(s, &e);
	CHECK_INT(store_scores_put(s, rows, 2, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_close(s);
	sqlite3 *db;
	sqlite3_open(path, &db);
	CHECK_INT(sqlite3_exec(db,
			       "CREATE TRIGGER t1 BEFORE INSERT ON sample_scores"
			       " BEGIN SELECT RAISE(ABORT, 'inserted'); END;"
			       "CREATE TRIGGER t2 BEFORE INSERT ON score_notes"
			       " BEGIN SELECT RAISE(ABORT, 'inserted'); END;",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(store_open(path, NULL, &s, &e), ASSAY_OK);
	kept_row k;
	read_row(s, 1, &k);
	store_score_row r = {1, "learned", "m2", 0.75, true, "learned: new", "{\"m\":2}"};
	store_begin(s, &e);
	CHECK_INT(store_score_rewrite(s, &r, &k.st, NULL, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_begin(s, &e);
	CHECK(store_score_put(s, &r, &e) < 0); /* what the triggers refuse */
	store_rollback(s);
	store_score *v;
	size_t n;
	CHECK_INT(store_scores_get(s, 1, &v, &n, &e), ASSAY_OK);
	const store_score *l = find(v, n, "learned"), *len = find(v, n, "length");
	CHECK(l && len);
	if (l && len) {
		CHECK(l->value == 0.75 && l->flagged);
		CHECK_STR(l->reason, "learned: new");
		CHECK_STR(l->detail, "{\"m\":2}");
		CHECK_STR(len->reason, "length: 52 words");
	}
	store_scores_free(v, n);
	store_close(s);
}

/* A row or notes changed by another writer after the rescore read them
 * (between two steps of a long run) are merged into as they are now: the
 * other writer's scores and reasons stay. */
TEST(a_row_changed_since_it_was_read_keeps_the_change)
{
	store *s = fixture();
	assay_error e = {0};
	store_score_row rows[] = {{1, "length", "1", 0.5, false, "length: 52 words", NULL},
				  {1, "gopher", "1", 0.5, false, "gopher: fine", NULL},
				  {1, "learned", "m1", 0.25, false, "learned: old", "{}"}};
	store_begin(s, &e);
	CHECK_INT(store_scores_put(s, rows, 3, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	kept_row k;
	read_row(s, 1, &k);
	store_score_row other = {1, "gopher", "2", 0.0625, true, "gopher: now bad", NULL};
	store_begin(s, &e);
	CHECK_INT(store_score_put(s, &other, &e), ASSAY_OK);
	store_score_row r = {1, "learned", "m2", 0.75, false, "learned: new", "{\"m\":2}"};
	/* 1: merged into the row as it is now (the caller reads it back) */
	CHECK_INT(store_score_rewrite(s, &r, &k.st, NULL, &e), 1);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	read_row(s, 1, &k);
	store_begin(s, &e);
	CHECK_INT(store_score_set_detail(s, 1, "length", "length: 9 words", "{\"n\":9}", &e),
		  ASSAY_OK);
	store_score_row r3 = {1, "learned", "m3", 0.125, false, "learned: third", "{\"m\":3}"};
	/* only the notes changed: the row was as read, its scores too */
	CHECK_INT(store_score_rewrite(s, &r3, &k.st, NULL, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	store_score *v;
	size_t n;
	CHECK_INT(store_scores_get(s, 1, &v, &n, &e), ASSAY_OK);
	const store_score *g = find(v, n, "gopher"), *l = find(v, n, "learned"),
			  *len = find(v, n, "length");
	CHECK(g && l && len);
	if (g && l && len) {
		CHECK(g->value == 0.0625 && g->flagged);
		CHECK_STR(g->version, "2");
		CHECK_STR(g->reason, "gopher: now bad");
		CHECK(l->value == 0.125);
		CHECK_STR(l->reason, "learned: third");
		CHECK_STR(len->reason, "length: 9 words");
		CHECK_STR(len->detail, "{\"n\":9}");
	}
	store_scores_free(v, n);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(a_part_written_keeps_the_rest_of_the_row),
	  UNIT_CASE(range_and_scorer_readers), UNIT_CASE(a_rolled_back_scorer_is_made_again),
	  UNIT_CASE(a_kept_slot_is_found_again_after_a_rollback),
	  UNIT_CASE(learned_value_in_its_column),
	  UNIT_CASE(values_come_back_exactly_from_the_compact_layout),
	  UNIT_CASE(a_learned_rewrite_writes_the_rows_a_put_writes),
	  UNIT_CASE(a_learned_rewrite_updates_the_row_it_read),
	  UNIT_CASE(a_row_changed_since_it_was_read_keeps_the_change))
