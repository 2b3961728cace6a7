/* unit_pg.h — a fresh store for the unit tests that run on both engines:
 * an SQLite file, or a new schema on the PostgreSQL server tests/run
 * starts ($ASSAY_TEST_PG), named in the URI's search_path. */
#ifndef ASSAY_UNIT_PG_H
#define ASSAY_UNIT_PG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/store/dbi.h"
#include "unit.h"

enum { LITE, PG };

static char unit_pg_path[64];
static char unit_pg_uri[2048];

static inline void unit_pg_cleanup(void)
{
	unit_remove_db(unit_pg_path);
}

/* The target of a fresh store of the engine, its file or schema named
 * after tag: a new file, or a new schema. NULL when there is no server. */
static inline const char *unit_pg_fresh(int engine, const char *tag)
{
	static int serial;
	if (engine == LITE) {
		if (!unit_pg_path[0]) {
			snprintf(unit_pg_path, sizeof unit_pg_path, "/tmp/assay-%s-%d.db", tag,
				 (int)getpid());
			atexit(unit_pg_cleanup);
		}
		unit_pg_cleanup();
		return unit_pg_path;
	}
	const char *base = getenv("ASSAY_TEST_PG");
	if (!base || !*base)
		return NULL;
	char schema[64], sql[256];
	snprintf(schema, sizeof schema, "%.8s_%d_%d", tag, (int)getpid(), ++serial);
	snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema,
		 schema);
	dbi *db = NULL;
	assay_error err = {0};
	if (dbi_open(base, false, false, &db, &err) != ASSAY_OK || dbi_exec(db, sql, &err) < 0) {
		printf("#   %s\n", err.msg);
		dbi_close(db);
		return NULL;
	}
	dbi_close(db);
	snprintf(unit_pg_uri, sizeof unit_pg_uri, "%s%coptions=-csearch_path%%3D%s", base,
		 strchr(base, '?') ? '&' : '?', schema);
	return unit_pg_uri;
}

#endif
