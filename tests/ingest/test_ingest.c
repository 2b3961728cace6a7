/* test_ingest.c — tests for src/ingest/: field paths, record checks, the
 * format readers and the import driver (chunked commits, stop, strict). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/ingest/record.h"
#include "assay/ingest.h"
#include "unit.h"

static char dir[64];

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "%s", dir);
	const char *names[] = {"a.jsonl", "a.db", "c.jsonl", "c.db", "d.db", "x.json", "x.csv",
			       "z.jsonl"};
	char p[200];
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(names); i++) {
		const char *suffix[] = {"", "-wal", "-shm"};
		for (size_t k = 0; k < 3; k++) {
			snprintf(p, sizeof p, "%s/%s%s", cmd, names[i], suffix[k]);
			unlink(p);
		}
	}
	rmdir(dir);
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

/* A scoring hook that checks what it is given: each run's views, then a
 * write per new sample inside the import's transaction, with its text. */
typedef struct hook_seen {
	store *s;
	ingest_view v[2][1024]; /* the run started last, and the one finished */
	size_t n[2];
	bool started;
	size_t runs, views, writes, bad;
	size_t pending, flushed, dropped; /* writes kept back, then flushed or dropped */
	volatile sig_atomic_t *stop; /* raised at write stop_at; flushes after that fail */
	size_t stop_at, flushes_stopped;
	size_t fail_at; /* the write that fails (0: none), itself kept back */
	size_t commits, flushed_committed; /* commits told of; writes flushed before them */
} hook_seen;

/* Keeps a copy of the views (they need not outlive the call; what they
 * point to lives until the run is inserted). */
static int hook_start(void *ud, const ingest_view *v, size_t n, assay_error *err)
{
	(void)err;
	hook_seen *h = ud;
	h->bad += h->started || n > 1024; /* one run at a time */
	h->started = true;
	memcpy(h->v[0], v, (n < 1024 ? n : 1024) * sizeof *v);
	h->n[0] = n;
	h->runs++;
	for (size_t i = 0; i < n; i++)
		h->views += v[i].text != NULL;
	return 0;
}

static int hook_finish(void *ud, assay_error *err)
{
	(void)err;
	hook_seen *h = ud;
	h->bad += !h->started;
	h->started = false;
	memcpy(h->v[1], h->v[0], h->n[0] * sizeof *h->v[0]);
	h->n[1] = h->n[0];
	return 0;
}

static int hook_write(void *ud, size_t i, int64_t sample_id, assay_error *err)
{
	hook_seen *h = ud;
	store_sample x;
	h->writes++;
	h->pending++;
	if (h->stop && h->writes == h->stop_at)
		*h->stop = 1;
	if (h->writes == h->fail_at)
		return assay_fail(err, ASSAY_EIO, "writing scores: disk full");
	if (i >= h->n[1] || !h->v[1][i].text || !store_in_tx(h->s) ||
	    store_sample_get(h->s, sample_id, &x, err) < 0)
		return h->bad++, 0;
	h->bad += strcmp(x.text, h->v[1][i].text) != 0;
	store_sample_free(&x);
	return 0;
}

/* The writes kept back: flushed inside the transaction they belong to,
 * dropped once it is rolled back. */
static int hook_flush(void *ud, bool keep, assay_error *err)
{
	hook_seen *h = ud;
	/* the second flush after the stop: the one the import's last commit asks for */
	if (keep && h->stop && *h->stop && h->flushes_stopped++ >= 1)
		return assay_fail(err, ASSAY_EIO, "writing scores: disk full");
	if (keep) {
		h->bad += !store_in_tx(h->s);
		h->flushed += h->pending;
	} else {
		h->bad += store_in_tx(h->s);
		h->dropped += h->pending;
	}
	h->pending = 0;
	return 0;
}

/* Told after each commit, out of the transaction, with nothing left kept back. */
static void hook_committed(void *ud)
{
	hook_seen *h = ud;
	h->bad += store_in_tx(h->s) || h->pending;
	h->commits++;
	h->flushed_committed = h->flushed;
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

TEST(import_scoring_hook)
{
	abuf body = {0};
	for (int i = 0; i < 1000; i++)
		abuf_printf(&body, "{\"id\": %d, \"text\": \"sample %d\"}\n", i, i % 900);
	abuf_puts(&body, "not json\n");
	const char *p = write_file("a.jsonl", body.data);
	abuf_free(&body);
	store *s = fresh("a.db");
	static hook_seen h; /* two runs' views: too large for the stack */
	memset(&h, 0, sizeof h);
	h.s = s;
	ingest_scoring sc = {.ud = &h, .start = hook_start, .finish = hook_finish,
			     .write = hook_write, .flush = hook_flush, .committed = hook_committed};
	ingest_options o = {.batch = "b", .commit_every = 64, .scoring = &sc};
	ingest_result r;
	assay_error e = {0};
	CHECK_INT(ingest_import(s, p, &o, &r, &e), ASSAY_EPARTIAL);
	CHECK_INT(r.imported, 900);
	CHECK_INT(r.scored, 900);
	CHECK_INT(h.writes, 900);
	CHECK_INT(h.bad, 0);
	CHECK_INT(h.views, 1000); /* duplicates are scored, not written; the bad line neither */
	CHECK(h.runs > 0);
	CHECK_INT(h.flushed, 900); /* every write kept back was flushed before its commit */
	CHECK(h.commits >= 2);     /* told of each commit: the last one after every write */
	CHECK_INT(h.flushed_committed, 900);
	CHECK_INT(h.pending, 0);
	CHECK(references_checked(s)); /* left off while it wrote, back on after */
	/* again: the batch is resumed, nothing new, nothing scored */
	h.writes = 0;
	CHECK_INT(ingest_import(s, p, &o, &r, &e), ASSAY_EPARTIAL);
	CHECK_INT(r.scored, 0);
	CHECK_INT(h.writes, 0);
	CHECK_INT(h.bad, 0);
	CHECK(!h.started); /* every run started was finished */
	/* a source refused by --strict: the writes kept back go with it. The
	 * reader thread hands records over as they are ready, so where the runs
	 * end (a run's writes are flushed, inside the transaction) varies: every
	 * write is either flushed before the refusal or dropped with it. */
	const char *q = write_file("strict.jsonl", "{\"text\": \"x one\"}\n{\"text\": \"x two\"}\n"
						   "{\"text\": \"x three\"}\n{bad\n");
	ingest_options strict = {.batch = "strict", .strict = true, .scoring = &sc};
	h.flushed = h.commits = 0;
	CHECK_INT(ingest_import(s, q, &strict, &r, &e), ASSAY_EFORMAT);
	CHECK_INT(h.commits, 0); /* nothing of it committed */
	CHECK_INT(h.flushed + h.dropped, 3);
	CHECK_INT(h.pending, 0);
	CHECK_INT(h.bad, 0);
	CHECK(references_checked(s));
	/* a write that fails: what its run kept back (at least that write, in
	 * whatever run) is dropped with the rollback, never left pending */
	const char *f = write_file("fail.jsonl", "{\"text\": \"y one\"}\n{\"text\": \"y two\"}\n"
						 "{\"text\": \"y three\"}\n");
	ingest_options failing = {.batch = "fail", .strict = true, .scoring = &sc};
	h.writes = h.flushed = h.dropped = 0;
	h.fail_at = 3;
	CHECK_INT(ingest_import(s, f, &failing, &r, &e), ASSAY_EIO);
	CHECK_CONTAINS(e.msg, "disk full");
	CHECK_INT(h.writes, 3);
	CHECK(h.dropped >= 1);
	CHECK_INT(h.flushed + h.dropped, 3);
	CHECK_INT(h.pending, 0);
	CHECK_INT(h.bad, 0);
	CHECK(references_checked(s));
	store_close(s);
}

/* The import's last commit fails (here its scores kept back cannot be
 * written): its transaction is rolled back and references are checked
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
	static hook_seen h;
	memset(&h, 0, sizeof h);
	volatile sig_atomic_t stop = 0;
	h.s = s;
	h.stop = &stop;
	h.stop_at = 1; /* within the first run (at most half the ring: not the file's end) */
	ingest_scoring sc = {.ud = &h, .start = hook_start, .finish = hook_finish,
			     .write = hook_write, .flush = hook_flush};
	ingest_options o = {.batch = "f", .scoring = &sc, .stop = &stop};
	ingest_result r;
	assay_error e = {0};
	CHECK_INT(ingest_import(s, p, &o, &r, &e), ASSAY_EIO);
	CHECK_CONTAINS(e.msg, "disk full");
	CHECK(!store_in_tx(s)); /* fails: the transaction is left open */
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
	ingest_options other = {.batch = "stopped", .text_field = "caption"};
	CHECK_INT(ingest_import(s, p, &other, &r, &e), ASSAY_EINVAL);
	CHECK_CONTAINS(e.msg, "was imported with --text");
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
	  UNIT_CASE(import_chunks_and_counts), UNIT_CASE(import_scoring_hook),
	  UNIT_CASE(import_last_commit_failed), UNIT_CASE(import_stop_and_strict),
	  UNIT_CASE(readers_json_csv_and_refusals))
