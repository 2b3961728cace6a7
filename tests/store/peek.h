/* peek.h — the store tests' direct reads of an SQLite store's file (its
 * connection, store_int.h): one integer, or every row's text. */
#ifndef ASSAY_TEST_STORE_PEEK_H
#define ASSAY_TEST_STORE_PEEK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "../../src/store/store_int.h"

/* The first column of the first row as an integer; -1 without one. */
static inline int64_t one(store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The first column of every row, a line each (allocated; "" without rows). */
static inline char *rows_text(store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	size_t len = 0;
	char *out = calloc(1, 1);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		size_t n = t ? strlen(t) : 0;
		out = realloc(out, len + n + 2);
		memcpy(out + len, t ? t : "", n);
		len += n;
		out[len++] = '\n';
		out[len] = '\0';
	}
	sqlite3_finalize(st);
	return out;
}

#endif
