/* fuzz_json.h — a strict JSON oracle for the fuzz targets: SQLite's
 * json_valid (RFC 8259; no JSON5 in the SQLite assay builds against), the
 * same parser stats and export filters apply to stored records. cJSON is
 * laxer (leading zeros, "1.", raw control characters, any byte <= 0x20 as
 * white space), so it cannot be the judge. */
#ifndef ASSAY_FUZZ_JSON_H
#define ASSAY_FUZZ_JSON_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>

/* Whether s[0..n) is one JSON object, strictly. */
static inline bool fuzz_strict_object(const char *s, size_t n)
{
	static sqlite3 *db;
	static sqlite3_stmt *st;
	if (!st) {
		if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
		    sqlite3_prepare_v2(db, "SELECT json_valid(?1) AND json_type(?1) = 'object'", -1,
				       &st, NULL) != SQLITE_OK)
			abort();
	}
	sqlite3_bind_text64(st, 1, n ? s : "", n, SQLITE_STATIC, SQLITE_UTF8);
	bool ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ok;
}

#endif
