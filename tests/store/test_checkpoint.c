/* test_checkpoint.c — a connection that leaves its checkpoints elsewhere
 * (the review screen while it retrains) never folds the write-ahead log
 * into the database on its commits, however long the log grows; another
 * connection's store_checkpoint does; and SQLite's default comes back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "assay/store.h"
#include "fixture.h"
#include "unit.h"

static long long file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* Commits n samples of ~8 KB each (two pages apiece in the log). */
static void write_samples(store *s, int64_t batch, int from, int n)
{
	assay_error e = {0};
	char *text = malloc(8001);
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	for (int i = from; i < from + n; i++) {
		memset(text, 'a' + i % 26, 8000);
		snprintf(text, 16, "%d ", i);
		text[strlen(text)] = ' ';
		text[8000] = '\0';
		CHECK(fixture_add_sample(s, batch, i, text) > 0);
		if (i % 20 == 19) {
			CHECK_INT(store_commit(s, &e), ASSAY_OK);
			CHECK_INT(store_begin(s, &e), ASSAY_OK);
		}
	}
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	free(text);
}

static void commits_leave_the_log_to_another_connections_checkpoint(void)
{
	int64_t batch = 0;
	store *s = fixture_samples("ckpt", 1, "", &batch), *other = NULL;
	assay_error e = {0};
	CHECK_INT(store_open(path, NULL, &other, &e), ASSAY_OK);
	CHECK_INT(store_checkpoints_elsewhere(s, true, &e), ASSAY_OK);
	long long before = file_size(path);
	char wal[96];
	snprintf(wal, sizeof wal, "%s-wal", path);
	/* ~2,400 pages: past the 1,000 at which SQLite folds by default */
	write_samples(s, batch, 10, 1200);
	CHECK(file_size(wal) > 1000LL * 4096);
	CHECK_INT(file_size(path), before);
	CHECK_INT(store_checkpoint(other, &e), ASSAY_OK);
	CHECK(file_size(path) > before + 1000LL * 8000);
	/* the default again: the commits fold the log themselves */
	CHECK_INT(store_checkpoints_elsewhere(s, false, &e), ASSAY_OK);
	before = file_size(path);
	write_samples(s, batch, 2000, 1200);
	CHECK(file_size(path) > before + 500LL * 8000);
	store_close(other);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(commits_leave_the_log_to_another_connections_checkpoint))
