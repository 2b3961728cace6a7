/* test_pg_store.c — the parts of the store that run on both engines, run
 * on both: an SQLite file and a fresh schema on the PostgreSQL server
 * tests/run starts ($ASSAY_TEST_PG; without it the PostgreSQL half of each
 * case is skipped and says so). The same calls must give the same answers;
 * and the two schemas must hold the same tables and columns. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/store/dbi.h"
#include "assay/store.h"
#include "assay/text.h"
#include "unit_pg.h"

static const char *const engine_name[] = {"sqlite", "pg"};

static const char *fresh(int engine)
{
	return unit_pg_fresh(engine, "pgstore");
}

static store *open_fresh(int engine)
{
	const char *target = fresh(engine);
	if (!target) {
		printf("#   ASSAY_TEST_PG is not set: the PostgreSQL half is skipped\n");
		return NULL;
	}
	store *s = NULL;
	assay_error err = {0};
	if (store_open(target, NULL, &s, &err) < 0) {
		printf("#   %s: %s\n", engine_name[engine], err.msg);
		CHECK(0);
		return NULL;
	}
	return s;
}

static int64_t add(store *s, int64_t batch, const char *ext, int line, const char *text,
		   int *outcome)
{
	store_new_sample ns = {.batch_id = batch, .ext_id = ext, .line = line, .text_field = "text",
			       .text = text, .text_len = strlen(text), .record = "{\"k\": 1}",
			       .record_len = 8,
			       .context = "[{\"role\": \"user\", \"text\": \"hi \\u00e9\"}]",
			       .context_len = 40,
			       .hash = text_normalized_hash(text, strlen(text), NULL)};
	int64_t id = -1;
	assay_error err = {0};
	CHECK_INT(store_sample_insert(s, &ns, outcome, &id, &err), ASSAY_OK);
	return id;
}

/* Batches and the four outcomes of an insert, the same on both engines. */
static void import_case(int engine)
{
	store *s = open_fresh(engine);
	if (!s)
		return;
	assay_error err = {0};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	store_batch b = {.name = "b1", .source = "/x.jsonl", .format = "jsonl", .created_at = 5};
	CHECK_INT(store_batch_create(s, &b, &err), ASSAY_OK);
	CHECK_INT(b.id, 1);
	/* a name taken: said, and the transaction goes on (no failed statement) */
	store_batch again = {.name = "b1", .source = "/y.jsonl", .format = "jsonl",
			     .created_at = 6};
	CHECK_INT(store_batch_create(s, &again, &err), ASSAY_ECONFLICT);
	CHECK_STR(err.msg, "batch \"b1\" already exists");
	int out;
	CHECK_INT(add(s, b.id, "a", 1, "first text", &out), 1);
	CHECK_INT(out, STORE_INSERTED);
	CHECK_INT(add(s, b.id, "b", 2, "second text", &out), 2);
	CHECK_INT(add(s, b.id, "c", 3, "First  TEXT", &out), 1); /* normalised duplicate */
	CHECK_INT(out, STORE_DUPLICATE);
	CHECK_INT(add(s, b.id, "a", 1, "first text", &out), 1);
	CHECK_INT(out, STORE_PRESENT);
	CHECK_INT(add(s, b.id, "b", 9, "another text", &out), 2);
	CHECK_INT(out, STORE_ID_TAKEN);
	CHECK_INT(store_reject_add(s, b.id, "/x.jsonl", 4, "bad", &err), ASSAY_OK);
	CHECK_INT(store_reject_add(s, b.id, "/x.jsonl", 4, "worse", &err), ASSAY_OK);
	CHECK_INT(store_batch_refresh_counts(s, b.id, 5, true, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	store_batch got;
	CHECK_INT(store_batch_by_name(s, "b1", &got, &err), ASSAY_OK);
	CHECK_INT(got.n_read, 5);
	CHECK_INT(got.n_imported, 2);
	CHECK_INT(got.n_duplicate, 1);
	CHECK_INT(got.n_rejected, 1);
	CHECK(got.finished_at > 0);
	store_batch_free(&got);
	CHECK_INT(store_batch_by_name(s, "none", &got, &err), ASSAY_ENOTFOUND);
	store_sample x;
	CHECK_INT(store_sample_by_ext_id(s, "b", NULL, &x, &err), ASSAY_OK);
	CHECK_STR(x.text, "second text");
	CHECK_STR(x.batch_name, "b1");
	CHECK(isnan(x.quality));
	store_sample_free(&x);
	store_turn *turns;
	size_t n;
	CHECK_INT(store_sample_context(s, 1, &turns, &n, &err), ASSAY_OK);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(turns[0].role, "user");
		CHECK(turns[0].name == NULL);
		CHECK_STR(turns[0].text, "hi \xc3\xa9");
	}
	store_turns_free(turns, n);
	/* a batch holding samples stays; one holding only refusals goes, with them */
	store_batch none = {.name = "refused", .source = "/z.jsonl", .format = "jsonl",
			    .created_at = 7};
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	CHECK_INT(store_batch_create(s, &none, &err), ASSAY_OK);
	CHECK_INT(store_reject_add(s, none.id, "/z.jsonl", 1, "bad", &err), ASSAY_OK);
	CHECK_INT(store_batch_drop_empty(s, b.id, &err), ASSAY_OK);
	CHECK_INT(store_batch_drop_empty(s, none.id, &err), ASSAY_OK);
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	CHECK_INT(store_batch_by_name(s, "b1", &got, &err), ASSAY_OK);
	CHECK_INT(got.n_rejected, 1);
	store_batch_free(&got);
	CHECK_INT(store_batch_by_name(s, "refused", &got, &err), ASSAY_ENOTFOUND);
	store_close(s);
}

TEST(import_sqlite) { import_case(LITE); }
TEST(import_pg) { import_case(PG); }

static int decide(store *s, int64_t ann, int64_t id, int kind, const char *text)
{
	store_decision_in in = {.sample_id = id, .annotator_id = ann, .kind = kind,
				.text = kind == STORE_EDIT || kind == STORE_NOTE ? text : NULL,
				.reason = kind == STORE_REJECT ? text : NULL};
	int64_t ev;
	assay_error err = {0};
	return store_decide(s, &in, &ev, &err);
}

typedef struct seen {
	char line[1024];
} seen;

static int on_row(void *ud, const store_export_row *r)
{
	seen *w = ud;
	size_t len = strlen(w->line);
	snprintf(w->line + len, sizeof w->line - len, "%s:", r->ext_id);
	for (size_t i = 0; i < r->n_verdicts; i++) {
		len = strlen(w->line);
		snprintf(w->line + len, sizeof w->line - len, "%s=%s%s%s,", r->verdicts[i].annotator,
			 r->verdicts[i].verdict, r->verdicts[i].text ? "/" : "",
			 r->verdicts[i].text ? r->verdicts[i].text : "");
	}
	len = strlen(w->line);
	snprintf(w->line + len, sizeof w->line - len, "%s;",
		 r->adjudication ? r->adjudication->verdict : "");
	return 0;
}

/* Decisions and their events in one transaction, undo, adjudication,
 * export's rows and info's counts: the same on both engines. */
static void review_case(int engine)
{
	store *s = open_fresh(engine);
	if (!s)
		return;
	assay_error err = {0};
	store_begin(s, &err);
	store_batch b = {.name = "b1", .source = "x", .format = "jsonl", .created_at = 1};
	store_batch_create(s, &b, &err);
	int out;
	const char *texts[] = {"one red kite", "two red kites", "three red kites", "four kites"};
	char ext[8];
	for (int i = 0; i < 4; i++) {
		snprintf(ext, sizeof ext, "s%d", i);
		add(s, b.id, ext, i + 1, texts[i], &out);
	}
	store_commit(s, &err);
	int64_t ann, bob, lead;
	CHECK_INT(store_annotator_ensure(s, "ann", &ann, &err), ASSAY_OK);
	CHECK_INT(store_annotator_ensure(s, "bob", &bob, &err), ASSAY_OK);
	CHECK_INT(store_annotator_ensure(s, "ann", &lead, &err), ASSAY_OK);
	CHECK_INT(lead, ann);
	CHECK_INT(store_annotator_ensure(s, "lead", &lead, &err), ASSAY_OK);
	CHECK_INT(decide(s, ann, 1, STORE_ACCEPT, NULL), ASSAY_OK);
	CHECK_INT(decide(s, ann, 2, STORE_EDIT, "two blue kites"), ASSAY_OK);
	CHECK_INT(decide(s, ann, 3, STORE_REJECT, "wrong"), ASSAY_OK);
	CHECK_INT(decide(s, bob, 1, STORE_REJECT, "no"), ASSAY_OK);
	CHECK_INT(decide(s, bob, 4, STORE_SKIP, NULL), ASSAY_OK);
	CHECK_INT(decide(s, bob, 4, STORE_NOTE, "later"), ASSAY_OK);
	CHECK_INT(decide(s, ann, 2, STORE_EDIT, "two red kites"), ASSAY_EINVAL); /* the same */
	CHECK_INT(decide(s, ann, 99, STORE_ACCEPT, NULL), ASSAY_ENOTFOUND);
	/* a failed decision leaves the connection usable */
	CHECK_INT(decide(s, ann, 4, STORE_ACCEPT, NULL), ASSAY_OK);
	int64_t undone = 0;
	CHECK_INT(store_undo(s, ann, NULL, &undone, &err), ASSAY_OK);
	CHECK_INT(undone, 4);
	store_decision_in adj = {.sample_id = 1, .annotator_id = lead, .kind = STORE_ACCEPT};
	int64_t ev;
	CHECK_INT(store_adjudicate(s, &adj, &ev, &err), ASSAY_OK);
	char *edit = NULL;
	bool found = false;
	CHECK_INT(store_edit_latest(s, 2, &edit, &found, &err), ASSAY_OK);
	CHECK(found);
	CHECK_STR(edit, "two blue kites");
	free(edit);
	seen w = {""};
	store_export_filter f = {0};
	CHECK_INT(store_export_each(s, &f, on_row, &w, &err), ASSAY_OK);
	CHECK_STR(w.line, "s0:ann=accepted,bob=rejected,accepted;s1:ann=edited/two blue kites,;"
			  "s2:ann=rejected,;s3:;");
	int64_t est = 0;
	CHECK_INT(store_export_estimate(s, &f, &est, &err), ASSAY_OK);
	CHECK_INT(est, 4);
	store_info in;
	CHECK_INT(store_info_get(s, &in, &err), ASSAY_OK);
	CHECK_INT(in.samples, 4);
	CHECK_INT(in.decided, 3);
	CHECK_INT(in.annotators, 3);
	CHECK_INT(in.events, 9);
	CHECK_INT(in.n_batches, 1);
	if (in.n_batches == 1) {
		CHECK_INT(in.batches[0].decided, 3);
		CHECK_INT(in.batches[0].accepted, 1);
		CHECK_INT(in.batches[0].edited, 1);
		CHECK_INT(in.batches[0].rejected, 2);
	}
	store_info_free(&in);
	int64_t n_undone = 0;
	CHECK_INT(store_undo_all(s, bob, NULL, &n_undone, &err), ASSAY_OK);
	CHECK_INT(n_undone, 2);
	store_close(s);
}

TEST(review_sqlite) { review_case(LITE); }
TEST(review_pg) { review_case(PG); }

static int64_t next_of(store *s, store_queue *q, store_cursor *c)
{
	int64_t id = 0;
	assay_error err = {0};
	int rc = store_queue_next(s, q, c, &id, &err);
	return rc == ASSAY_OK ? id : rc;
}

/* The queue's claims through two connections: exclusive leases, a lease
 * counted until it expires (no process clears it), a decision releasing
 * its lease in its own transaction; the same on both engines. */
static void queue_case(int engine)
{
	store *s = open_fresh(engine);
	if (!s)
		return;
	const char *target = engine == LITE ? unit_pg_path : unit_pg_uri;
	store *t = NULL;
	assay_error err = {0};
	store_begin(s, &err);
	store_batch b = {.name = "b1", .source = "x", .format = "jsonl", .created_at = 1};
	store_batch_create(s, &b, &err);
	int out;
	const char *texts[] = {"one red kite", "two red kites", "three red kites", "four kites"};
	char ext[8];
	for (int i = 0; i < 4; i++) {
		snprintf(ext, sizeof ext, "s%d", i);
		add(s, b.id, ext, i + 1, texts[i], &out);
	}
	store_commit(s, &err);
	CHECK_INT(store_open(target, NULL, &t, &err), ASSAY_OK);
	int64_t ann, bob, carl;
	store_annotator_ensure(s, "ann", &ann, &err);
	store_annotator_ensure(t, "bob", &bob, &err);
	store_annotator_ensure(t, "carl", &carl, &err);
	store_queue qa = {.annotator_id = ann, .overlap = 1, .lease_ms = 60000};
	store_queue qb = {.annotator_id = bob, .overlap = 1, .lease_ms = 60000};
	store_queue qc = {.annotator_id = carl, .overlap = 1, .lease_ms = 60000};
	store_cursor ca = {0}, cb = {0}, cc = {0};
	CHECK_INT(next_of(s, &qa, &ca), 1);
	CHECK_INT(next_of(t, &qb, &cb), 2); /* 1 is ann's */
	CHECK_INT(decide(s, ann, 1, STORE_ACCEPT, NULL), ASSAY_OK);
	CHECK_INT(next_of(s, &qa, &ca), 3);
	/* bob's lease on 2 expires: carl is offered it, with no cleaner */
	qb.lease_ms = 1;
	CHECK_INT(store_lease_renew_all(t, &qb, &err), ASSAY_OK);
	usleep(20000);
	CHECK_INT(next_of(t, &qc, &cc), 2);
	CHECK_INT(decide(t, carl, 2, STORE_REJECT, "no"), ASSAY_OK);
	CHECK_INT(next_of(t, &qc, &cc), 4);
	CHECK_INT(next_of(s, &qa, &ca), ASSAY_ENOTFOUND); /* 4 is carl's; ann holds 3 */
	CHECK_INT(store_lease_release_all(s, ann, &err), ASSAY_OK);
	CHECK_INT(store_lease_release_all(t, carl, &err), ASSAY_OK);
	int64_t total = 0, decided = 0;
	CHECK_INT(store_queue_counts(t, &qc, &total, &decided, &err), ASSAY_OK);
	CHECK_INT(total, 4);
	CHECK_INT(decided, 1);
	int64_t found = 0;
	CHECK_INT(store_search(s, &qa, "THREE", 0, &found, &err), ASSAY_OK);
	CHECK_INT(found, 3);
	store_close(t);
	store_close(s);
}

TEST(queue_sqlite) { queue_case(LITE); }
TEST(queue_pg) { queue_case(PG); }

/* Every table.column of an engine's store, sorted, one per line. */
static char *columns(dbi *db, bool pg)
{
	/* SQLite stores a sample's text once (samples.text is a virtual
	 * column reading stored_text or the record at text_at, text_len);
	 * PostgreSQL stores samples.text itself; a sample's reasons and
	 * details are one notes blob on SQLite, two arrays on PostgreSQL */
	static const dbi_query q_lite = {
	    "t_columns",
	    "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_xinfo(m.name) p"
	    " WHERE m.type = 'table' AND NOT (m.name = 'samples'"
	    "  AND p.name IN ('stored_text', 'text_at', 'text_len'))"
	    " AND NOT (m.name = 'score_notes' AND p.name = 'notes') ORDER BY 1",
	    NULL};
	static const dbi_query q_pg = {
	    "t_columns_pg", NULL,
	    "SELECT table_name || '.' || column_name FROM information_schema.columns"
	    " WHERE table_schema = current_schema() AND table_name <> 'assay_meta'"
	    " AND NOT (table_name = 'score_notes' AND column_name IN ('reasons', 'details'))"
	    " ORDER BY (table_name || '.' || column_name) COLLATE \"C\""};
	assay_error err = {0};
	dbi_stmt *st = pg ? dbi_stmt_get(db, &q_pg, &err) : dbi_stmt_get(db, &q_lite, &err);
	abuf b = {0};
	int rc = DBI_DONE;
	while (st && (rc = dbi_step(st, &err, "columns")) == DBI_ROW)
		abuf_printf(&b, "%s\n", dbi_col_text(st, 0, NULL));
	if (!st || rc < 0)
		printf("#   %s\n", err.msg);
	return abuf_take(&b);
}

/* The two schemas hold the same tables and columns (a column added to one
 * engine's schema and not the other's fails here). */
TEST(same_schema_on_both_engines)
{
	store *lite = open_fresh(LITE);
	store *pg = open_fresh(PG);
	if (!lite || !pg) {
		store_close(lite);
		return;
	}
	store_close(lite);
	store_close(pg);
	dbi *a = NULL, *b = NULL;
	assay_error err = {0};
	CHECK_INT(dbi_open(unit_pg_path, false, true, &a, &err), ASSAY_OK);
	CHECK_INT(dbi_open(unit_pg_uri, false, true, &b, &err), ASSAY_OK);
	if (a && b) {
		char *ca = columns(a, false), *cb = columns(b, true);
		CHECK(ca && strlen(ca) > 500);
		CHECK_STR(cb, ca);
		free(ca);
		free(cb);
	}
	dbi_close(a);
	dbi_close(b);
}

/* A store opened for a command not moved onto PostgreSQL refuses it by
 * name; an SQLite store takes every command. */
TEST(unconverted_command_refused_by_name)
{
	const char *target = fresh(PG);
	if (!target) {
		printf("#   ASSAY_TEST_PG is not set: skipped\n");
		return;
	}
	store *s = NULL;
	assay_error err = {0};
	store_options o = {.command = "frobnicate"};
	CHECK_INT(store_open(target, &o, &s, &err), ASSAY_ECONFLICT);
	CHECK_CONTAINS(err.msg, "frobnicate is not available on a PostgreSQL store yet");
	CHECK(s == NULL);
	/* every command of the program runs there now */
	static const char *const all[] = {"import", "score", "info",  "review", "decide", "stats",
					  "audit",  "report", "export", "learn", "copy",   "batch"};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		o.command = all[i];
		CHECK_INT(store_open(target, &o, &s, &err), ASSAY_OK);
		store_close(s);
		s = NULL;
	}
	o.command = "import";
	CHECK_INT(store_open(target, &o, &s, &err), ASSAY_OK);
	/* a step of it still on SQLite only: refused, not crashed */
	store_score_row row = {.sample_id = 1, .scorer = "x", .version = "1", .value = 0.5};
	CHECK_INT(store_pair_b_score_put(s, &row, &err), ASSAY_ECONFLICT);
	CHECK_CONTAINS(err.msg, "this step of import is not available on a PostgreSQL store yet");
	store_close(s);
	o.command = "frobnicate";
	CHECK_INT(store_open(fresh(LITE), &o, &s, &err), ASSAY_OK);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(import_sqlite), UNIT_CASE(import_pg), UNIT_CASE(review_sqlite),
	  UNIT_CASE(review_pg), UNIT_CASE(queue_sqlite), UNIT_CASE(queue_pg),
	  UNIT_CASE(same_schema_on_both_engines),
	  UNIT_CASE(unconverted_command_refused_by_name))
