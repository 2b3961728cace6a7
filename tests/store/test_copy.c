/* test_copy.c — the store's copy (src/store/copy*.c): its list of tables
 * is the schema's (every table of a new store, each column with its kind,
 * so a new table or column cannot be left out of a copy unnoticed), and
 * the canonical row hash the verification sums tells apart what differs
 * and only that. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/store/copy_int.h"
#include "unit.h"

static char path[64];

static store *fresh(void)
{
	snprintf(path, sizeof path, "/tmp/assay-copy-%d.db", (int)getpid());
	unlink(path);
	store *s = NULL;
	assay_error err = {0};
	CHECK_INT(store_open(path, NULL, &s, &err), ASSAY_OK);
	return s;
}

static void done(store *s)
{
	store_close(s);
	const char *suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		char p[96];
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
}

static int listed(const char *name)
{
	for (size_t i = 0; i < copy_n_tables; i++)
		if (strcmp(copy_tables[i].name, name) == 0)
			return (int)i;
	return -1;
}

static char kind_of(const char *decl)
{
	return strcmp(decl, "INTEGER") == 0 ? 'i'
	       : strcmp(decl, "REAL") == 0  ? 'r'
	       : strcmp(decl, "TEXT") == 0  ? 't'
	       : strcmp(decl, "BLOB") == 0  ? 'b'
					    : '?';
}

TEST(every_table_and_column_of_the_schema_is_copied)
{
	store *s = fresh();
	sqlite3_stmt *st;
	size_t seen = 0;
	CHECK_INT(sqlite3_prepare_v2(s->db, "SELECT name FROM sqlite_master WHERE type = 'table'"
				     " AND name NOT LIKE 'sqlite_%'", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int i = listed(name);
		if (i < 0)
			printf("# table %s is not copied\n", name);
		CHECK(i >= 0);
		if (i < 0)
			continue;
		seen++;
		sqlite3_stmt *cols;
		CHECK_INT(sqlite3_prepare_v2(s->db, "SELECT type, name FROM pragma_table_info(?1)"
					     " ORDER BY cid", -1, &cols, NULL), SQLITE_OK);
		sqlite3_bind_text(cols, 1, name, -1, SQLITE_TRANSIENT);
		size_t n = 0;
		/* the packed scores' columns are blobs on SQLite; a notes blob is
		 * read twice (M: its details, a column of PostgreSQL's) */
		char types[COPY_MAX_COLUMNS + 1];
		size_t nt = 0;
		for (const char *t = copy_tables[i].types; *t; t++)
			if (*t != 'M')
				types[nt++] = strchr("FVN", *t) ? 'b' : *t;
		types[nt] = '\0';
		while (sqlite3_step(cols) == SQLITE_ROW) {
			/* the text's place in its record: the destination's own */
			const char *col = (const char *)sqlite3_column_text(cols, 1);
			if (strcmp(name, "samples") == 0 &&
			    (strcmp(col, "text_at") == 0 || strcmp(col, "text_len") == 0))
				continue;
			char k = kind_of((const char *)sqlite3_column_text(cols, 0));
			CHECK(n < strlen(types) && types[n] == k);
			n++;
		}
		sqlite3_finalize(cols);
		CHECK_INT((long long)n, (long long)strlen(types));
	}
	sqlite3_finalize(st);
	CHECK_INT((long long)seen, (long long)copy_n_tables);
	done(s);
}

static const dbi_query q_row = {"test_copy_row", "SELECT ?1, ?2, ?3", NULL};

/* The hash of the row (a, b, c) of kinds types; NULL for a or b of NULL. */
static uint64_t hash3(store *s, const char *types, const char *a, const char *b, double c)
{
	assay_error err = {0};
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_row, &err);
	CHECK(st != NULL);
	if (a)
		dbi_bind_text(st, 1, a, -1);
	if (b)
		dbi_bind_text(st, 2, b, -1);
	dbi_bind_f64(st, 3, c);
	CHECK_INT(dbi_step(st, &err, "row"), DBI_ROW);
	abuf scratch = {0};
	uint64_t h = copy_row_hash(st, types, &scratch);
	dbi_reset(st);
	abuf_free(&scratch);
	return h;
}

TEST(row_hash_tells_apart_what_differs)
{
	store *s = fresh();
	uint64_t base = hash3(s, "ttr", "ab", "c", 1.5);
	CHECK(base == hash3(s, "ttr", "ab", "c", 1.5));
	CHECK(base != hash3(s, "ttr", "a", "bc", 1.5));     /* where a value ends */
	CHECK(base != hash3(s, "ttr", "ab", "c", 1.5000000000000002));
	CHECK(hash3(s, "ttr", NULL, "c", 1) != hash3(s, "ttr", "", "c", 1)); /* NULL is no "" */
	CHECK(hash3(s, "ttr", "x", "c", 0.0) == hash3(s, "ttr", "x", "c", -0.0));
	CHECK(hash3(s, "tbr", "x", "c", 1) != hash3(s, "ttr", "x", "c", 1)); /* the kind counts */
	done(s);
}

UNIT_MAIN(UNIT_CASE(every_table_and_column_of_the_schema_is_copied),
	  UNIT_CASE(row_hash_tells_apart_what_differs))
