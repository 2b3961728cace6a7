/* fixture.h — the store tests' database: one file per test program
 * (/tmp/assay-TAG-PID.db, its name in `path`), removed with its -wal and
 * -shm before each fixture and at exit, and the plain samples most of the
 * tests start from. Included by one test file per program. */
#ifndef ASSAY_TEST_STORE_FIXTURE_H
#define ASSAY_TEST_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay/store.h"
#include "assay/text.h"
#include "unit.h"

static char path[64];

static void cleanup(void)
{
	unit_remove_db(path);
}

/* A fresh, empty database at path (/tmp/assay-TAG-PID.db). */
static inline store *fixture_open(const char *tag)
{
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/assay-%s-%d.db", tag, (int)getpid());
		atexit(cleanup);
	}
	cleanup();
	store *s = NULL;
	assay_error e = {0};
	if (store_open(path, NULL, &s, &e) < 0)
		abort();
	return s;
}

/* Inserts sample "s<i>" (line i + 1) with text into batch; its id, or -1. */
static inline int64_t fixture_add_sample(store *s, int64_t batch, int i, const char *text)
{
	char id[16];
	snprintf(id, sizeof id, "s%d", i);
	store_new_sample ns = {.batch_id = batch, .ext_id = id, .line = i + 1,
			       .text_field = "text", .text = text, .text_len = strlen(text),
			       .record = "{}", .record_len = 2,
			       .hash = text_normalized_hash(text, strlen(text), NULL)};
	int outcome;
	int64_t sid = -1;
	assay_error e = {0};
	store_sample_insert(s, &ns, &outcome, &sid, &e);
	return sid;
}

/* The size of file p in bytes, or -1. */
static inline long long fixture_file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* Writes samples from..from+n-1 of ~8 KB each (two pages apiece in the
 * write-ahead log), a commit every `per` samples. */
static inline void fixture_write_pages(store *s, int64_t batch, int from, int n, int per)
{
	assay_error e = {0};
	char *text = malloc(8001);
	CHECK(text != NULL);
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	for (int i = from; i < from + n; i++) {
		memset(text, 'a' + i % 26, 8000);
		snprintf(text, 16, "%d ", i);
		text[strlen(text)] = ' ';
		text[8000] = '\0';
		CHECK(fixture_add_sample(s, batch, i, text) > 0);
		if ((i - from) % per == per - 1) {
			CHECK_INT(store_commit(s, &e), ASSAY_OK);
			CHECK_INT(store_begin(s, &e), ASSAY_OK);
		}
	}
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	free(text);
}

/* A fresh database with batch "b" (its id in *batch unless NULL) and n
 * samples s0..s(n-1), ids 1..n, sample i's text "sample text number
 * <i><suffix>". */
static inline store *fixture_samples(const char *tag, int n, const char *suffix, int64_t *batch)
{
	store *s = fixture_open(tag);
	assay_error e = {0};
	store_begin(s, &e);
	store_batch b = {.name = "b", .source = "x", .format = "jsonl", .created_at = 1};
	store_batch_create(s, &b, &e);
	if (batch)
		*batch = b.id;
	for (int i = 0; i < n; i++) {
		char text[64];
		snprintf(text, sizeof text, "sample text number %d%s", i, suffix);
		fixture_add_sample(s, b.id, i, text);
	}
	store_commit(s, &e);
	return s;
}

#endif
