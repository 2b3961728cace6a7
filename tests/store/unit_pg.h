/* unit_pg.h — a fresh store for the unit tests that run on both engines:
 * an SQLite file, or a new schema on the PostgreSQL server tests/run
 * starts ($ASSAY_TEST_PG), named in the URI's search_path; and the same
 * with a batch of samples in it. */
#ifndef ASSAY_UNIT_PG_H
#define ASSAY_UNIT_PG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/store/dbi.h"
#include "assay/store.h"
#include "assay/text.h"
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

/* A fresh store of the engine (unit_pg_fresh) with n samples s0..s(n-1) in
 * one batch "b1" (ids 1..n): texts[i] when given, else "the text of sample
 * i". NULL when there is no server (said: the PostgreSQL half is skipped). */
static inline store *unit_pg_store(int engine, const char *tag, int n,
				   const char *const *texts)
{
	const char *target = unit_pg_fresh(engine, tag);
	if (!target) {
		printf("#   ASSAY_TEST_PG is not set: the PostgreSQL half is skipped\n");
		return NULL;
	}
	store *s = NULL;
	assay_error err = {0};
	CHECK_INT(store_open(target, NULL, &s, &err), ASSAY_OK);
	if (!s)
		return NULL;
	CHECK_INT(store_begin(s, &err), ASSAY_OK);
	store_batch b = {.name = "b1", .source = "/x.jsonl", .format = "jsonl", .created_at = 5};
	CHECK_INT(store_batch_create(s, &b, &err), ASSAY_OK);
	for (int i = 0; i < n; i++) {
		char ext[16], own[48];
		snprintf(ext, sizeof ext, "s%d", i);
		snprintf(own, sizeof own, "the text of sample %d", i);
		const char *text = texts ? texts[i] : own;
		store_new_sample ns = {.batch_id = b.id, .ext_id = ext, .line = i + 1,
				       .text_field = "text", .text = text, .text_len = strlen(text),
				       .record = "{}", .record_len = 2,
				       .hash = text_normalized_hash(text, strlen(text), NULL)};
		int out;
		int64_t id;
		CHECK_INT(store_sample_insert(s, &ns, &out, &id, &err), ASSAY_OK);
	}
	CHECK_INT(store_commit(s, &err), ASSAY_OK);
	return s;
}

#endif
