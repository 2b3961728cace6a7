/* json_pg.h — stored JSON text as the server's json type, read as SQLite
 * reads it (PostgreSQL-only SQL, macros of string literals). */
#ifndef ASSAY_STORE_JSON_PG_H
#define ASSAY_STORE_JSON_PG_H

/* The text col (JSON) with every \u0000 escape made \ufffd (an escape is
 * one with an even number of backslashes before it), as json: the
 * server's json functions refuse to de-escape \u0000, and one such escape
 * anywhere in the text (not only where a path leads) fails the whole
 * statement, where SQLite's reads the text as it is. */
#define JSON_SAFE_PG(col)                                                                          \
	"CAST(CASE WHEN strpos(" col ", '\\u0000') > 0 THEN regexp_replace(" col ","                \
	" '(?<!\\\\)((?:\\\\\\\\)*)\\\\u0000', '\\1\\\\ufffd', 'g') ELSE " col " END AS JSON)"

#endif
