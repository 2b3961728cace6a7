/* name_pg.c — the short name a PostgreSQL store shows on a screen's top bar
 * and at the head of a report: its schema and database ("team1@assay"),
 * read from the connection URI by libpq itself, never its credentials. */
#include "store_int.h"

#include <libpq-fe.h>
#include <string.h>

/* The search_path an options value sets ("-csearch_path=NAME" or
 * "-c search_path=NAME"), into out ("" when none). */
static void search_path_of(const char *options, char *out, size_t n)
{
	out[0] = '\0';
	const char *p = options ? strstr(options, "search_path=") : NULL;
	if (!p)
		return;
	p += strlen("search_path=");
	size_t len = strcspn(p, " ,");
	if (len >= n)
		len = n - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

char *store_pg_name(const char *target)
{
	PQconninfoOption *opts = PQconninfoParse(target, NULL);
	const char *db = NULL, *options = NULL;
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
		else if (strcmp(o->keyword, "options") == 0)
			options = o->val;
	}
	char schema[128];
	search_path_of(options, schema, sizeof schema);
	abuf b = {0};
	int rc = 0;
	if (schema[0])
		rc |= abuf_puts(&b, schema) | abuf_putc(&b, '@');
	rc |= abuf_puts(&b, db && *db ? db : "postgresql");
	PQconninfoFree(opts);
	if (rc < 0) {
		abuf_free(&b);
		return NULL;
	}
	return abuf_take(&b);
}
