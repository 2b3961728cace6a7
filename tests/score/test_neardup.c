/* test_neardup.c — the near-duplicate index on disk (src/store/neardup.c,
 * src/score/neardup.c): a later run indexes only the new samples and
 * finds their near-duplicates among the stored signatures, a changed
 * threshold rebuilds the clusters, a database without the index gets it
 * built with progress, and short or empty texts are indexed like others. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/score.h"
#include "assay/store.h"
#include "assay/text.h"
#include "unit.h"

static char path[64];

static void cleanup(void)
{
	unit_remove_db(path);
}

static store *open_db(void)
{
	assay_error err = {0};
	store *s = NULL;
	if (store_open(path, NULL, &s, &err) < 0)
		abort();
	return s;
}

static store *fresh(void)
{
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/assay-neardup-%d.db", (int)getpid());
		atexit(cleanup);
	}
	cleanup();
	return open_db();
}

/* Adds a batch holding texts[0..n). */
static void add(store *s, const char *name, char **texts, size_t n)
{
	assay_error err = {0};
	char batch[32];
	snprintf(batch, sizeof batch, "%s", name);
	store_batch b = {.name = batch,
			 .source = "a.jsonl",
			 .format = "jsonl",
			 .text_field = "",
			 .id_field = "",
			 .meta_fields = ""};
	if (store_batch_create(s, &b, &err) < 0 || store_begin(s, &err) < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof id, "%s-%zu", name, i);
		store_new_sample ns = {.batch_id = b.id,
				       .ext_id = id,
				       .line = (int64_t)i + 1,
				       .text_field = "caption",
				       .text = texts[i],
				       .text_len = strlen(texts[i]),
				       .record = "{}",
				       .record_len = 2,
				       .hash = text_normalized_hash(texts[i], strlen(texts[i]), NULL)};
		int outcome;
		int64_t sid;
		if (store_sample_insert(s, &ns, &outcome, &sid, &err) < 0)
			abort();
	}
	store_commit(s, &err);
}

/* The text of sample src of a synthetic set, or with one of its 25 words
 * changed (a bigram Jaccard of 22/24). */
static char *text_of(size_t src, bool changed)
{
	char *t = malloc(256);
	snprintf(t, 256,
		 "sample %zu has words w%zu x%zu y%zu z%zu and v%zu u%zu "
		 "t%zu s%zu r%zu a b c d e f g h i j k l m q%zu",
		 src, src * 3, src * 5, src * 7, src * 11, src * 13, src * 17, src * 19, src * 23,
		 src * 29, changed ? 1u : src * 31);
	return t;
}

/* Sample number i: every 100th repeats sample i-50 with one word changed. */
static char *synthetic(size_t i)
{
	return i % 100 == 99 ? text_of(i - 50, true) : text_of(i, false);
}

static void add_synthetic(store *s, const char *name, size_t from, size_t to)
{
	char **t = malloc((to - from) * sizeof *t);
	for (size_t i = from; i < to; i++)
		t[i - from] = synthetic(i);
	add(s, name, t, to - from);
	for (size_t i = from; i < to; i++)
		free(t[i - from]);
	free(t);
}

typedef struct seen {
	int64_t index_total; /* the total of the last "neardup index" progress */
	int index_lines;
} seen;

static void on_progress(void *ud, const score_progress *p)
{
	seen *x = ud;
	if (!strcmp(p->phase, "neardup index")) {
		x->index_lines++;
		x->index_total = p->total;
	}
}

static int64_t neardup_run_res(store *s, score_config *cfg, seen *x, score_run_result *res)
{
	static const char *const names[] = {"neardup"};
	assay_error err = {0};
	score_run_options o = {.names = names,
			       .n_names = 1,
			       .cfg = cfg,
			       .progress = x ? on_progress : NULL,
			       .ud = x};
	CHECK_INT(score_run(s, &o, res, &err), 0);
	return res->scored[SCORE_NEARDUP];
}

static int64_t neardup_run(store *s, score_config *cfg, seen *x)
{
	score_run_result res;
	return neardup_run_res(s, cfg, x, &res);
}

/* The neardup score of sample id: its value, flag and reason. */
static double score_of(store *s, int64_t id, bool *flagged, char *reason, size_t size)
{
	assay_error err = {0};
	store_score *v;
	size_t n;
	double out = -1;
	store_scores_get(s, id, &v, &n, &err);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].scorer, "neardup")) {
			out = v[i].value;
			*flagged = v[i].flagged;
			snprintf(reason, size, "%s", v[i].reason);
		}
	store_scores_free(v, n);
	return out;
}

/* Samples flagged at the expected place (member of sample i-50) and
 * elsewhere, over ids [1, n]. */
static void count_flags(store *s, size_t n, size_t *found, size_t *false_pos)
{
	*found = *false_pos = 0;
	for (size_t i = 0; i < n; i++) {
		bool flagged = false;
		char reason[256], want[64];
		score_of(s, (int64_t)i + 1, &flagged, reason, sizeof reason);
		snprintf(want, sizeof want, "similar to sample #%zu ", i - 50 + 1);
		if (i % 100 == 99)
			*found += flagged && strstr(reason, want) != NULL;
		else
			*false_pos += flagged;
	}
}

static void sql(const char *q)
{
	sqlite3 *db;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

TEST(later_runs_read_only_the_new_samples)
{
	store *s = fresh();
	score_config cfg;
	score_config_init(&cfg);
	add_synthetic(s, "one", 0, 3000);
	CHECK_INT(neardup_run(s, &cfg, NULL), 3000);
	size_t found, false_pos;
	count_flags(s, 3000, &found, &false_pos);
	CHECK_INT(found, 30);
	CHECK_INT(false_pos, 0);
	/* The stored texts gone: what the next run finds among them comes
	 * from the index on disk, never from reading them again. */
	store_close(s);
	sql("UPDATE samples SET stored_text = 'gone', text_len = NULL");
	s = open_db();
	CHECK_INT(neardup_run(s, &cfg, NULL), 0);
	add_synthetic(s, "two", 3000, 3200);
	char *late = text_of(2000, true); /* an earlier sample's near-duplicate */
	add(s, "three", &late, 1);
	free(late);
	CHECK_INT(neardup_run(s, &cfg, NULL), 201);
	count_flags(s, 3200, &found, &false_pos);
	CHECK_INT(found, 32);
	CHECK_INT(false_pos, 0);
	bool flagged;
	char reason[256];
	CHECK(score_of(s, 3201, &flagged, reason, sizeof reason) < 0.2);
	CHECK(flagged);
	CHECK_CONTAINS(reason, "similar to sample #2001 ");
	/* The first of its cluster, scored by an earlier run, says so now. */
	CHECK_NEAR(score_of(s, 2001, &flagged, reason, sizeof reason), 1, 1e-9);
	CHECK(!flagged);
	CHECK_CONTAINS(reason, "first of a cluster of 2");
	char version[32];
	int64_t max_id;
	assay_error err = {0};
	CHECK_INT(store_neardup_state(s, version, sizeof version, &max_id, &err), 0);
	CHECK_INT(max_id, 3201);
	score_config_free(&cfg);
	store_close(s);
}

TEST(threshold_change_rebuilds_the_clusters)
{
	store *s = fresh();
	score_config cfg;
	score_config_init(&cfg);
	add_synthetic(s, "one", 0, 300);
	CHECK_INT(neardup_run(s, &cfg, NULL), 300);
	size_t found, false_pos;
	count_flags(s, 300, &found, &false_pos);
	CHECK_INT(found, 3);
	assay_error err = {0};
	CHECK_INT(score_config_set(&cfg, "score.neardup", "jaccard", "0.99", &err), 0);
	seen x = {0};
	CHECK_INT(neardup_run(s, &cfg, &x), 300);
	CHECK_INT(x.index_total, 300);
	count_flags(s, 300, &found, &false_pos);
	CHECK_INT(found, 0);
	CHECK_INT(false_pos, 0);
	score_config_free(&cfg);
	store_close(s);
}

/* A database an earlier build left without the index: scored, and its
 * scores current, it gets the index built (with progress) and no score
 * is written again; a later sample still meets the earlier ones. */
TEST(database_without_the_index_gets_it_built)
{
	store *s = fresh();
	score_config cfg;
	score_config_init(&cfg);
	add_synthetic(s, "one", 0, 500);
	CHECK_INT(neardup_run(s, &cfg, NULL), 500);
	store_close(s);
	sql("DROP TABLE neardup_bands; DROP TABLE neardup; DROP TABLE neardup_index");
	s = open_db();
	seen x = {0};
	CHECK_INT(neardup_run(s, &cfg, &x), 0);
	CHECK(x.index_lines > 0);
	CHECK_INT(x.index_total, 500);
	add_synthetic(s, "two", 500, 600);
	CHECK_INT(neardup_run(s, &cfg, NULL), 100);
	size_t found, false_pos;
	count_flags(s, 600, &found, &false_pos);
	CHECK_INT(found, 6);
	CHECK_INT(false_pos, 0);
	score_config_free(&cfg);
	store_close(s);
}

/* The rows of samples 1..n, each field (as text, to compare). */
static char *rows_of(store *s, size_t n)
{
	size_t cap = n * 320 + 1, len = 0;
	char *out = malloc(cap);
	for (size_t i = 0; i < n; i++) {
		assay_error err = {0};
		bool found = false;
		store_neardup r = {0};
		CHECK_INT(store_neardup_get(s, (int64_t)i + 1, &r, &found, &err), 0);
		len += (size_t)snprintf(out + len, cap - len, "%d %lld %lld %lld %d %d %lld ", found,
					(long long)r.sample_id, (long long)r.cluster,
					(long long)r.via, r.agree_of, r.agree_max, (long long)r.size);
		for (size_t k = 0; k < STORE_NEARDUP_SIG; k++)
			len += (size_t)snprintf(out + len, cap - len, "%02x", r.sig[k]);
	}
	return out;
}

/* rows followed by the band index's blocks (a stale one left behind
 * would be matched once the index grows past its samples). */
static char *with_blocks(char *rows)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db,
				     "SELECT group_concat(last || ':' || hex(entries), ' ')"
				     " FROM (SELECT * FROM neardup_bands ORDER BY id)",
				     -1, &st, NULL),
		  SQLITE_OK);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	const char *b = (const char *)sqlite3_column_text(st, 0);
	size_t n = strlen(rows), m = b ? strlen(b) : 0;
	rows = realloc(rows, n + m + 2);
	rows[n] = '|';
	memcpy(rows + n + 1, b ? b : "", m + 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rows;
}

/* Two runs: samples 0..150, then 150..300; with `stale` rows a stopped
 * run could have left above the index's end before the second. */
static char *two_runs(bool stale)
{
	store *s = fresh();
	score_config cfg;
	score_config_init(&cfg);
	add_synthetic(s, "one", 0, 150);
	CHECK_INT(neardup_run(s, &cfg, NULL), 150);
	add_synthetic(s, "two", 150, 300);
	if (stale) {
		store_close(s);
		sql("INSERT INTO neardup SELECT sample_id + 150, sig, NULL, NULL, 1, 1, 7"
		    " FROM neardup WHERE sample_id <= 150;"
		    " INSERT INTO neardup_bands (last, entries) SELECT last + 150, entries"
		    " FROM neardup_bands;"
		    " UPDATE neardup SET size = size WHERE sample_id = 1");
		s = open_db();
	}
	seen x = {0};
	CHECK_INT(neardup_run(s, &cfg, &x), 150);
	CHECK_INT(x.index_total, 150);
	char *rows = rows_of(s, 300);
	rows = with_blocks(rows);
	size_t found, false_pos;
	count_flags(s, 300, &found, &false_pos);
	CHECK_INT(found, 3);
	CHECK_INT(false_pos, 0);
	score_config_free(&cfg);
	store_close(s);
	return rows;
}

/* Rows above the id the index is complete up to (never recorded
 * complete): the next run drops them and makes them again. */
TEST(rows_above_the_index_end_are_made_again)
{
	char *clean = two_runs(false), *stale = two_runs(true);
	CHECK(strcmp(clean, stale) == 0);
	free(clean);
	free(stale);
}

/* Texts of no word to five: indexed and scored like others; a caption
 * of six words with one more added is a near-duplicate. */
TEST(short_and_empty_texts)
{
	store *s = fresh();
	score_config cfg;
	score_config_init(&cfg);
	char *t[] = {"",
		     "dog",
		     "dog cat",
		     "dog cat bird",
		     "a b c d e",
		     "a b c d f",
		     "red car parked on the street",
		     "red car parked on the street today",
		     "cat"};
	size_t n = sizeof t / sizeof *t;
	add(s, "short", t, n);
	CHECK_INT(neardup_run(s, &cfg, NULL), (int64_t)n);
	for (size_t i = 0; i < n; i++) {
		bool flagged = false;
		char reason[256];
		double v = score_of(s, (int64_t)i + 1, &flagged, reason, sizeof reason);
		CHECK_INT(flagged, i == 7);
		CHECK(i == 7 ? v < 0.2 : v == 1);
		if (i == 7)
			CHECK_CONTAINS(reason, "similar to sample #7 ");
	}
	score_config_free(&cfg);
	store_close(s);
}

/* One run over more than a chunk: a near-duplicate of a sample of an
 * earlier chunk is found through the keys that chunk stored (sample i=32799
 * of the second chunk repeats i=32749 of the first; the last sample one of
 * the first chunk's first samples), and the first of its cluster, written
 * with the first chunk, says its cluster grew. */
TEST(duplicates_across_chunks_are_found)
{
	store *s = fresh();
	score_config cfg;
	score_config_init(&cfg);
	size_t n = SCORE_ND_CHUNK + 300;
	add_synthetic(s, "one", 0, n);
	char *late = text_of(3, true);
	add(s, "two", &late, 1);
	free(late);
	CHECK_INT(neardup_run(s, &cfg, NULL), (int64_t)n + 1);
	size_t found, false_pos;
	count_flags(s, n, &found, &false_pos);
	CHECK_INT(found, n / 100);
	CHECK_INT(false_pos, 0);
	bool flagged;
	char reason[256];
	CHECK(score_of(s, 32800, &flagged, reason, sizeof reason) < 0.2);
	CHECK(flagged);
	CHECK_CONTAINS(reason, "similar to sample #32750 ");
	CHECK(score_of(s, (int64_t)n + 1, &flagged, reason, sizeof reason) < 0.2);
	CHECK(flagged);
	CHECK_CONTAINS(reason, "similar to sample #4 ");
	CHECK_NEAR(score_of(s, 4, &flagged, reason, sizeof reason), 1, 1e-9);
	CHECK_CONTAINS(reason, "first of a cluster of 2");
	CHECK_NEAR(score_of(s, 32750, &flagged, reason, sizeof reason), 1, 1e-9);
	CHECK_CONTAINS(reason, "first of a cluster of 2");
	score_config_free(&cfg);
	store_close(s);
}

/* The memory a run holds is one chunk's: three chunks and more of new
 * samples take no more than two (the LSH's capacity stays the chunk's, the
 * candidates met in the stored keys are compared in bounded batches). */
static size_t peak_of(size_t n)
{
	store *s = fresh();
	score_config cfg;
	score_config_init(&cfg);
	add_synthetic(s, "one", 0, n);
	score_run_result res;
	CHECK_INT(neardup_run_res(s, &cfg, NULL, &res), (int64_t)n);
	score_config_free(&cfg);
	store_close(s);
	return res.peak_index_bytes;
}

TEST(memory_does_not_grow_with_the_samples)
{
	size_t two = peak_of(2 * SCORE_ND_CHUNK), three = peak_of(3 * SCORE_ND_CHUNK + 100);
	CHECK(two > 0);
	CHECK(three <= two + 64 * 1024);
	CHECK(three < 64u << 20);
}

/* Samples over three pages of the run (some with a context: the answer
 * "6" to two questions is no near-duplicate), scored with one thread and
 * again with two computing the signatures: every score is the same. */
static char **scores_with_threads(const char *threads, size_t n)
{
	store *s = fresh();
	assay_error err = {0};
	store_batch b = {.name = "ctx",
			 .source = "a.jsonl",
			 .format = "jsonl",
			 .text_field = "",
			 .id_field = "",
			 .meta_fields = ""};
	if (store_batch_create(s, &b, &err) < 0 || store_begin(s, &err) < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		char id[32], ctx[96];
		char *text = i % 3 ? synthetic(i) : strdup(i % 2 ? "6" : "six is the answer");
		snprintf(id, sizeof id, "c-%zu", i);
		snprintf(ctx, sizeof ctx, "[{\"role\":\"user\",\"text\":\"what is %zu plus 2\"}]",
			 i % 40);
		store_new_sample ns = {.batch_id = b.id,
				       .ext_id = id,
				       .line = (int64_t)i + 1,
				       .text_field = "caption",
				       .text = text,
				       .text_len = strlen(text),
				       .record = "{}",
				       .record_len = 2,
				       .context = i % 3 ? NULL : ctx,
				       .context_len = i % 3 ? 0 : strlen(ctx)};
		ns.hash = text_normalized_hash(text, strlen(text), NULL) ^ (i % 3 ? 0 : i % 40 + 1);
		int outcome;
		int64_t sid;
		if (store_sample_insert(s, &ns, &outcome, &sid, &err) < 0)
			abort();
		free(text);
	}
	store_commit(s, &err);
	setenv("ASSAY_THREADS", threads, 1);
	score_config cfg;
	score_config_init(&cfg);
	neardup_run(s, &cfg, NULL);
	unsetenv("ASSAY_THREADS");
	char **out = calloc(n, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		bool flagged = false;
		char reason[256];
		double v = score_of(s, (int64_t)i + 1, &flagged, reason, sizeof reason);
		out[i] = malloc(300);
		snprintf(out[i], 300, "%.17g %d %s", v, flagged, reason);
	}
	score_config_free(&cfg);
	store_close(s);
	return out;
}

TEST(signatures_on_two_threads_change_nothing)
{
	size_t n = 9000, differ = 0, flagged = 0;
	char **one = scores_with_threads("1", n), **two = scores_with_threads("2", n);
	for (size_t i = 0; i < n; i++) {
		differ += strcmp(one[i], two[i]) != 0;
		flagged += strstr(one[i], " 1 neardup") != NULL;
		free(one[i]);
		free(two[i]);
	}
	free(one);
	free(two);
	CHECK_INT(differ, 0);
	/* Near-duplicates were found (36 here): the runs compared something. */
	CHECK(flagged > 20);
}

UNIT_MAIN(UNIT_CASE(later_runs_read_only_the_new_samples),
	  UNIT_CASE(duplicates_across_chunks_are_found),
	  UNIT_CASE(memory_does_not_grow_with_the_samples),
	  UNIT_CASE(threshold_change_rebuilds_the_clusters),
	  UNIT_CASE(database_without_the_index_gets_it_built), UNIT_CASE(short_and_empty_texts),
	  UNIT_CASE(rows_above_the_index_end_are_made_again),
	  UNIT_CASE(signatures_on_two_threads_change_nothing))
