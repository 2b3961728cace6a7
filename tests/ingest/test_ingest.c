/* test_ingest.c — tests for src/ingest/: field paths, record checks, the
 * format readers and the import driver (chunked commits, stop, strict). */
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/ingest/record.h"
#include "assay/ingest.h"
#include "unit.h"

static char dir[64];

/* Removes the directory with whatever the tests wrote in it (files only). */
static void cleanup(void)
{
	unit_remove_dir(dir);
}

static const char *path_of(const char *name)
{
	static char p[160];
	if (!dir[0]) {
		strcpy(dir, "/tmp/assay-ingest-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
	}
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

/* Writes a file and returns its path (valid until the next call). */
static const char *write_file(const char *name, const char *body)
{
	static char keep[160];
	snprintf(keep, sizeof keep, "%s", path_of(name));
	FILE *f = fopen(keep, "wb");
	fputs(body, f);
	fclose(f);
	return keep;
}

TEST(field_paths_and_formats)
{
	cJSON *o = cJSON_Parse("{\"a\":{\"b\":{\"c\":\"deep\"}},\"a.b\":\"exact\",\"x\":1}");
	CHECK_STR(ingest_field(o, "a.b.c")->valuestring, "deep");
	CHECK_STR(ingest_field(o, "a.b")->valuestring, "exact");
	CHECK(ingest_field(o, "a.z") == NULL);
	CHECK(ingest_field(o, "x.y") == NULL);
	cJSON_Delete(o);
	CHECK_STR(ingest_format_for("data.CSV"), "csv");
	CHECK_STR(ingest_format_for("x.json"), "json");
	CHECK_STR(ingest_format_for("x.jsonl"), "jsonl");
	CHECK_STR(ingest_format_for("https://h/x.csv?token=1"), "csv");
	CHECK_STR(ingest_format_for("-"), "jsonl");
}

static int parse(const char *raw, const char *text_field, const char *id_field, rec_fields *f,
		 char *why)
{
	abuf scratch = {0};
	rec_options o = {.text_field = text_field, .id_field = id_field, .scratch = &scratch};
	int rc = rec_parse(raw, strlen(raw), &o, 7, f, why, 256);
	abuf_free(&scratch);
	return rc;
}

TEST(record_checks)
{
	rec_fields f;
	char why[256];
	CHECK_INT(parse("{\"id\": 5, \"caption\": \"A cat.\"}", NULL, NULL, &f, why), ASSAY_OK);
	CHECK_STR(f.text, "A cat.");
	CHECK_STR(f.id, "5");
	CHECK_STR(f.text_field, "caption");
	rec_fields_free(&f);
	CHECK_INT(parse("{\"text\": \"t\"}", NULL, NULL, &f, why), ASSAY_OK);
	CHECK_STR(f.id, "7"); /* the line number */
	rec_fields_free(&f);
	CHECK_INT(parse("{\"m\": {\"t\": \"x\"}, \"k\": \"id9\"}", "m.t", "k", &f, why), ASSAY_OK);
	CHECK_STR(f.id, "id9");
	rec_fields_free(&f);
	struct {
		const char *raw, *why;
	} bad[] = {
		{"{\"text\": 1.5}", "field \"text\": expected a string, got a number"},
		{"{\"text\": \"a\", \"id\": 1.5}", "field \"id\": expected a string or an integer"},
		{"{\"text\": \"a\", \"id\": \"\"}", "field \"id\" is empty"},
		{"{\"a\": {\"b\": 1, \"b\": 2}, \"text\": \"x\"}", "duplicate key \"b\""},
		{"[{\"text\": \"x\"}]", "expected a JSON object, got an array"},
		{"{\"text\": \"x\"", "not valid JSON"},
		{"{\"other\": \"x\"}", "no text field"},
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(bad); i++) {
		CHECK_INT(parse(bad[i].raw, NULL, NULL, &f, why), ASSAY_EFORMAT);
		CHECK_CONTAINS(why, bad[i].why);
		rec_fields_free(&f);
	}
	CHECK_INT(parse("{\"t\": \"x\"}", NULL, "nope", &f, why), ASSAY_EFORMAT);
	rec_fields_free(&f);
	CHECK_INT(parse("{\"t\": \"x\"}", "t", "nope", &f, why), ASSAY_EFORMAT);
	CHECK_CONTAINS(why, "no field \"nope\" (the id field named by --id)");
	rec_fields_free(&f);
	/* the same text up to case and spacing hashes the same */
	uint64_t h1, h2;
	parse("{\"text\": \"A  Cat\"}", NULL, NULL, &f, why);
	h1 = f.hash;
	rec_fields_free(&f);
	parse("{\"text\": \"a cat\"}", NULL, NULL, &f, why);
	h2 = f.hash;
	rec_fields_free(&f);
	CHECK(h1 == h2);
}

static store *fresh(const char *name)
{
	store *s = NULL;
	assay_error e = {0};
	const char *p = path_of(name);
	unlink(p);
	if (store_open(p, NULL, &s, &e) < 0)
		abort();
	return s;
}

static int reports;
static void count_report(void *ud, const char *src, int64_t line, const char *why)
{
	(void)ud, (void)src, (void)line, (void)why;
	reports++;
}

TEST(import_chunks_and_counts)
{
	abuf body = {0};
	for (int i = 0; i < 1000; i++)
		abuf_printf(&body, "{\"id\": %d, \"text\": \"sample %d\"}\n", i, i % 900);
	abuf_puts(&body, "not json\n");
	const char *p = write_file("a.jsonl", body.data);
	abuf_free(&body);
	store *s = fresh("a.db");
	ingest_options o = {.batch = "b", .commit_every = 64, .report = count_report};
	ingest_result r;
	assay_error e = {0};
	reports = 0;
	CHECK_INT(ingest_import(s, p, &o, &r, &e), ASSAY_EPARTIAL);
	CHECK_INT(r.read, 1001);
	CHECK_INT(r.imported, 900);
	CHECK_INT(r.duplicate, 100);
	CHECK_INT(r.rejected, 1);
	CHECK_INT(reports, 1);
	store_batch b = {0};
	CHECK_INT(store_batch_by_name(s, "b", &b, &e), ASSAY_OK);
	CHECK_INT(b.n_imported, 900);
	CHECK_INT(b.n_duplicate, 100);
	CHECK_INT(b.n_rejected, 1);
	CHECK(b.finished_at > 0);
	store_batch_free(&b);
	/* again: everything is already there */
	CHECK_INT(ingest_import(s, p, &o, &r, &e), ASSAY_EPARTIAL);
	CHECK_INT(r.imported, 0);
	CHECK_INT(r.present, 1000);
	store_close(s);
}

/* Whether the store checks references again: a score of a sample that is
 * not there is refused. */
static bool references_checked(store *s)
{
	assay_error e = {0};
	store_score_row row = {999999, "length", "1", 0.5, false, "none", NULL};
	store_begin(s, &e);
	int rc = store_score_put(s, &row, &e);
	store_rollback(s);
	return rc < 0;
}

/* Runs sql on the database file at path through a connection of its own. */
static void exec_on(const char *path, const char *sql)
{
	sqlite3 *db;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The import's last commit fails (here the batch cannot be marked
 * finished): its transaction is rolled back and references are checked
 * again, as after any other failure, and the next import on the
 * connection starts as usual. */
TEST(import_last_commit_failed)
{
	abuf body = {0};
	for (int i = 0; i < 1000; i++)
		abuf_printf(&body, "{\"id\": %d, \"text\": \"sample %d\"}\n", i, i);
	const char *p = write_file("f.jsonl", body.data);
	abuf_free(&body);
	store *s = fresh("f.db");
	exec_on(path_of("f.db"), "CREATE TRIGGER full BEFORE UPDATE OF finished_at ON batches"
				 " WHEN NEW.finished_at IS NOT OLD.finished_at"
				 " BEGIN SELECT RAISE(ABORT, 'disk full'); END");
	ingest_options o = {.batch = "f"};
	ingest_result r;
	assay_error e = {0};
	CHECK(ingest_import(s, p, &o, &r, &e) < 0);
	CHECK_CONTAINS(e.msg, "disk full");
	CHECK(!store_in_tx(s)); /* fails: the transaction is left open */
	store_batch b = {0};
	CHECK_INT(store_batch_by_name(s, "f", &b, &e), ASSAY_ENOTFOUND); /* rolled back */
	exec_on(path_of("f.db"), "DROP TRIGGER full");
	/* a second import in the same process (import f.jsonl g.jsonl) */
	const char *q = write_file("g.jsonl", "{\"text\": \"next\"}\n");
	ingest_options next = {.batch = "g"};
	CHECK_INT(ingest_import(s, q, &next, &r, &e), ASSAY_OK); /* fails: nested transaction */
	/* fails: PRAGMA foreign_keys = ON was a no-op inside the open transaction */
	CHECK(references_checked(s));
	store_close(s);
}

TEST(import_stop_and_strict)
{
	const char *p = write_file("c.jsonl", "{\"text\": \"one\"}\n{\"text\": \"two\"}\n{bad\n");
	store *s = fresh("c.db");
	volatile sig_atomic_t stop = 1;
	ingest_options o = {.batch = "stopped", .stop = &stop};
	ingest_result r;
	assay_error e = {0};
	CHECK_INT(ingest_import(s, p, &o, &r, &e), ASSAY_EINTR);
	/* a stop lands at the end of a run of records: the first record's, or,
	 * when the reader had already handed over the whole file, the file's */
	CHECK(r.read >= 1 && r.read <= 3);
	store_batch b = {0};
	CHECK_INT(store_batch_by_name(s, "stopped", &b, &e), ASSAY_OK);
	CHECK_INT(b.finished_at, 0); /* not finished: a re-run completes it */
	store_batch_free(&b);
	ingest_options strict = {.batch = "strict", .strict = true};
	CHECK_INT(ingest_import(s, p, &strict, &r, &e), ASSAY_EFORMAT);
	CHECK_CONTAINS(e.msg, "c.jsonl:3: not valid JSON");
	CHECK_INT(store_batch_by_name(s, "strict", &b, &e), ASSAY_ENOTFOUND);
	CHECK(references_checked(s)); /* left off while it wrote, back on after its rollback */
	ingest_options other = {.batch = "stopped", .text_field = "caption"};
	CHECK_INT(ingest_import(s, p, &other, &r, &e), ASSAY_EINVAL);
	CHECK_CONTAINS(e.msg, "was imported with --text");
	store_close(s);
}

/* Imports p into batch `name` with the stop raised (or not); returns the
 * batch's count of rejected records. */
static int64_t rejected_after(store *s, const char *p, const char *name, const char *format,
			      int stop_raised, int want_rc)
{
	volatile sig_atomic_t stop = stop_raised;
	ingest_options o = {.batch = name, .format = format, .stop = &stop};
	ingest_result r;
	assay_error e = {0};
	CHECK_INT(ingest_import(s, p, &o, &r, &e), want_rc);
	CHECK_INT(r.rejected, 0 + (want_rc == ASSAY_EPARTIAL));
	store_batch b = {0};
	CHECK_INT(store_batch_by_name(s, name, &b, &e), ASSAY_OK);
	int64_t n = b.n_rejected;
	store_batch_free(&b);
	return n;
}

/* An interrupted pipe ends inside a line (its writer stopped too): that
 * unfinished line is unread input, not a bad record; without a stop the
 * same cut-off line is refused as before. */
TEST(stop_leaves_the_cut_off_line_unread)
{
	store *s = fresh("cut.db");
	const char *p = write_file("cut.jsonl", "{\"text\": \"half a rec");
	CHECK_INT(rejected_after(s, p, "stopped", NULL, 1, ASSAY_EINTR), 0);
	p = write_file("cut2.jsonl", "{\"text\": \"whole\"}\n{\"text\": \"half a rec");
	CHECK_INT(rejected_after(s, p, "ended", NULL, 0, ASSAY_EPARTIAL), 1);
	p = write_file("cut.csv", "id,text\n1,\"half a fie");
	CHECK_INT(rejected_after(s, p, "csv", NULL, 1, ASSAY_EINTR), 0);
	p = write_file("cut.json", "[{\"text\": \"half an ele");
	CHECK_INT(rejected_after(s, p, "json", NULL, 1, ASSAY_EINTR), 0);
	store_close(s);
}

TEST(readers_json_csv_and_refusals)
{
	store *s = fresh("d.db");
	ingest_result r;
	assay_error e = {0};
	const char *p = write_file("x.json", " [ {\"text\": \"a\"} ,\n{\"text\": \"b, ]\"} ]  ");
	ingest_options o = {.batch = "json"};
	CHECK_INT(ingest_import(s, p, &o, &r, &e), ASSAY_OK);
	CHECK_INT(r.imported, 2);
	p = write_file("x.csv", "\xEF\xBB\xBFtext,n\r\n\"multi\nline\",1\r\nplain,2\r\n");
	o.batch = "csv";
	CHECK_INT(ingest_import(s, p, &o, &r, &e), ASSAY_OK);
	CHECK_INT(r.imported, 2);
	store_sample smp;
	CHECK_INT(store_sample_by_ext_id(s, "2", "csv", &smp, &e), ASSAY_OK);
	CHECK_STR(smp.text, "multi\nline");
	CHECK_STR(smp.record, "{\"text\":\"multi\\nline\",\"n\":\"1\"}");
	store_sample_free(&smp);
	p = write_file("z.jsonl", "\x1f\x8b\x08\x00rest");
	o.batch = "gz";
	CHECK_INT(ingest_import(s, p, &o, &r, &e), ASSAY_EFORMAT);
	CHECK_CONTAINS(e.msg, "gzip-compressed");
	CHECK_INT(ingest_import(s, path_of("missing"), &o, &r, &e), ASSAY_ENOTFOUND);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(field_paths_and_formats), UNIT_CASE(record_checks),
	  UNIT_CASE(import_chunks_and_counts), UNIT_CASE(import_last_commit_failed),
	  UNIT_CASE(import_stop_and_strict), UNIT_CASE(stop_leaves_the_cut_off_line_unread),
	  UNIT_CASE(readers_json_csv_and_refusals))
