/* json_pg.h — stored JSON text as the server's json type, read as SQLite
 * reads it (PostgreSQL-only SQL, macros of string literals). */
#ifndef ASSAY_STORE_JSON_PG_H
#define ASSAY_STORE_JSON_PG_H

/* The text col (JSON) as json, each string cut at its first \u0000 escape
 * (one with an even number of backslashes before it), as SQLite's json
 * functions read it: the server's refuse to de-escape \u0000, and one such
 * escape anywhere in the text (not only where a path leads) fails the
 * whole statement. */
#define JSON_SAFE_PG(col)                                                                          \
	"CAST(CASE WHEN strpos(" col ", '\\u0000') > 0 THEN regexp_replace(" col ","                \
	" '(?<!\\\\)((?:\\\\\\\\)*)\\\\u0000(?:[^\"\\\\]|\\\\.)*', '\\1', 'g') ELSE " col        \
	" END AS JSON)"

#endif
