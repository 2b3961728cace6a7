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

static void commits_leave_the_log_to_another_connections_checkpoint(void)
{
	int64_t batch = 0;
	store *s = fixture_samples("ckpt", 1, "", &batch), *other = NULL;
	assay_error e = {0};
	CHECK_INT(store_open(path, NULL, &other, &e), ASSAY_OK);
	CHECK_INT(store_checkpoints_elsewhere(s, true, &e), ASSAY_OK);
	long long before = fixture_file_size(path);
	char wal[96];
	snprintf(wal, sizeof wal, "%s-wal", path);
	/* ~2,400 pages: past the 1,000 at which SQLite folds by default */
	fixture_write_pages(s, batch, 10, 1200, 20);
	CHECK(fixture_file_size(wal) > 1000LL * 4096);
	CHECK_INT(fixture_file_size(path), before);
	CHECK_INT(store_checkpoint(other, &e), ASSAY_OK);
	CHECK(fixture_file_size(path) > before + 1000LL * 8000);
	/* the default again: the commits fold the log themselves */
	CHECK_INT(store_checkpoints_elsewhere(s, false, &e), ASSAY_OK);
	before = fixture_file_size(path);
	fixture_write_pages(s, batch, 2000, 1200, 20);
	CHECK(fixture_file_size(path) > before + 500LL * 8000);
	store_close(other);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(commits_leave_the_log_to_another_connections_checkpoint))
