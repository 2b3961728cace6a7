/* db_pg.c — opening a store on a PostgreSQL server: the connection (a
 * libpq URI: its password, PGPASSFILE or the PG* environment; sslmode as
 * the URI or PGSSLMODE says), the commands that can run there yet, and
 * transactions. The store's tables live in the connection's current
 * schema (the first of its search_path that exists): one schema per
 * project. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

/* The commands whose every step of the store runs on PostgreSQL; the
 * others are refused when they open the store, before anything is read. */
static const char *const pg_commands[] = {"import", "decide", "export", "info", "review",
						   "copy", "stats", "batch", "score", "learn", "audit", "report"};

static bool pg_ready(const char *command)
{
	if (!command)
		return true; /* a library caller: each part of the store answers */
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(pg_commands); i++)
		if (strcmp(pg_commands[i], command) == 0)
			return true;
	return false;
}

int store_pg_exec_tx(store *s, const char *sql, const char *what, assay_error *err)
{
	int rc = dbi_exec(s->dbi, sql, err);
	return rc < 0 ? assay_error_prefix(err, "%s", what) : ASSAY_OK;
}

int store_open_pg(const char *target, const store_options *opt, store **out, assay_error *err)
{
	*out = NULL;
	char label[1024];
	dbi_redact(target, label, sizeof label);
	store *s = calloc(1, sizeof *s);
	if (!s || !(s->path = assay_strdup(label)) || !(s->target = assay_strdup(target)) ||
	    !(s->name = store_pg_name(target))) {
		if (s) {
			free(s->path);
			free(s->target);
			free(s->name);
		}
		free(s);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	s->pg = true;
	s->readonly = opt->readonly;
	s->must_exist = opt->must_exist;
	s->command = opt->command;
	int rc;
	if (!pg_ready(opt->command)) {
		rc = store_sqlite_only(s, err);
		goto fail;
	}
	if ((rc = dbi_open(target, false, opt->readonly, &s->dbi, err)) < 0)
		goto fail;
	if ((rc = store_pg_schema(s, err)) < 0)
		goto fail;
	*out = s;
	return ASSAY_OK;
fail:
	store_close(s);
	return rc;
}
