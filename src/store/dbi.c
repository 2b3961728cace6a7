/* dbi.c — the engine-neutral half of the SQL interface: choosing the
 * engine from the target, the statement cache, placeholder translation
 * and redaction of connection URIs. */
#include "dbi_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool dbi_is_pg_uri(const char *target)
{
	return strncmp(target, "postgresql://", 13) == 0 ||
	       strncmp(target, "postgres://", 11) == 0;
}

/* Copies n bytes of s into out (room left *room), advancing both. */
static void put(char **out, size_t *room, const char *s, size_t n)
{
	if (*room <= 1)
		return;
	if (n > *room - 1)
		n = *room - 1;
	memcpy(*out, s, n);
	*out += n;
	*room -= n;
	**out = '\0';
}

/* The name of the query-string parameter at p (after ? or &), its
 * percent-escapes decoded as libpq decodes them, into name; false when it
 * is too long to be one of libpq's. */
static bool param_name(const char *p, char *name, size_t size)
{
	size_t n = 0;
	while (*p && *p != '=' && *p != '&') {
		int c = (unsigned char)*p++;
		if (c == '%' && isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1])) {
			char hex[3] = {p[0], p[1], '\0'};
			c = (int)strtol(hex, NULL, 16);
			p += 2;
		}
		if (n + 1 >= size)
			return false;
		name[n++] = (char)c;
	}
	name[n] = '\0';
	return true;
}

/* Whether the query-string parameter at p holds a secret: password= or
 * sslpassword= (the key file's passphrase), however its name is spelled. */
static bool is_secret_param(const char *p)
{
	char name[32];
	return param_name(p, name, sizeof name) &&
	       (strcmp(name, "password") == 0 || strcmp(name, "sslpassword") == 0);
}

void dbi_redact(const char *target, char *out, size_t n)
{
	if (n == 0)
		return;
	out[0] = '\0';
	if (!dbi_is_pg_uri(target)) {
		put(&out, &n, target, strlen(target));
		return;
	}
	const char *auth = strstr(target, "://") + 3;
	const char *host_end = auth + strcspn(auth, "/?");
	const char *at = memchr(auth, '@', (size_t)(host_end - auth));
	const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon) { /* user:password@host */
		put(&out, &n, target, (size_t)(colon + 1 - target));
		put(&out, &n, "***", 3);
		target = at;
	}
	/* the rest, with the secrets in the query string hidden */
	const char *q = strchr(target, '?');
	if (!q) {
		put(&out, &n, target, strlen(target));
		return;
	}
	put(&out, &n, target, (size_t)(q + 1 - target));
	for (const char *p = q + 1; *p;) {
		size_t len = strcspn(p, "&");
		if (is_secret_param(p)) {
			size_t name = strcspn(p, "=&");
			put(&out, &n, p, name);
			put(&out, &n, "=***", 4);
		} else {
			put(&out, &n, p, len);
		}
		p += len;
		if (*p == '&')
			put(&out, &n, p++, 1);
	}
}

/* Skips a literal, quoted name or comment starting at p, copying it to
 * *o; returns the position after it, or p when none starts there. */
static const char *skip_quoted(const char *p, char **o)
{
	const char *start = p;
	if (*p == '\'' || *p == '"') {
		char qc = *p++;
		while (*p && !(*p == qc && p[1] != qc))
			p += *p == qc ? 2 : 1;
		if (*p)
			p++;
	} else if (p[0] == '-' && p[1] == '-') {
		p += strcspn(p, "\n");
	} else if (p[0] == '/' && p[1] == '*') {
		const char *end = strstr(p + 2, "*/");
		p = end ? end + 2 : p + strlen(p);
	} else {
		return p;
	}
	memcpy(*o, start, (size_t)(p - start));
	*o += p - start;
	return p;
}

char *dbi_pg_text(const char *sql, int *nparams)
{
	/* "?" becomes at most "$" and six digits: eight times the length is ample */
	char *out = malloc(strlen(sql) * 8 + 1);
	if (!out)
		return NULL;
	char *o = out;
	int next = 1, high = 0;
	for (const char *p = sql; *p;) {
		const char *q = skip_quoted(p, &o);
		if (q != p) {
			p = q;
			continue;
		}
		if (*p == '$' && isdigit((unsigned char)p[1])) { /* already $N */
			int num = 0;
			*o++ = *p++;
			while (isdigit((unsigned char)*p)) {
				if (num < 100000)
					num = num * 10 + (*p - '0');
				*o++ = *p++;
			}
			if (num > high)
				high = num;
			continue;
		}
		if (*p != '?') {
			*o++ = *p++;
			continue;
		}
		p++;
		int num = 0;
		if (isdigit((unsigned char)*p)) {
			while (isdigit((unsigned char)*p) && num < 100000)
				num = num * 10 + (*p++ - '0');
		} else {
			num = next;
		}
		next = num + 1;
		if (num > high)
			high = num;
		o += sprintf(o, "$%d", num);
	}
	*o = '\0';
	*nparams = high;
	return out;
}

int dbi_open(const char *target, bool create, bool readonly, dbi **out, assay_error *err)
{
	*out = NULL;
	dbi *db = calloc(1, sizeof *db);
	char label[1024];
	dbi_redact(target, label, sizeof label);
	if (!db || !(db->label = assay_strdup(label))) {
		free(db);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	db->ops = dbi_is_pg_uri(target) ? &dbi_pg_ops : &dbi_sqlite_ops;
	int rc = db->ops->open(db, target, create, readonly, err);
	if (rc != ASSAY_OK) {
		free(db->label);
		free(db);
		return rc;
	}
	*out = db;
	return ASSAY_OK;
}

int dbi_wrap_sqlite(void *handle, const char *label,
		    int (*fail)(void *ud, int rc, assay_error *err, const char *what), void *ud,
		    dbi **out, assay_error *err)
{
	dbi *db = calloc(1, sizeof *db);
	if (!db || !(db->label = assay_strdup(label))) {
		free(db);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	db->ops = &dbi_sqlite_ops;
	db->conn = handle;
	db->borrowed = true;
	db->fail = fail;
	db->fail_ud = ud;
	*out = db;
	return ASSAY_OK;
}

bool dbi_in_tx(dbi *db)
{
	return db->ops->in_tx(db);
}

void dbi_close(dbi *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < DBI_STMT_SLOTS; i++) {
		if (db->cache[i].st) {
			db->ops->finalize(db->cache[i].st);
			free(db->cache[i].st);
		}
	}
	if (!db->borrowed)
		db->ops->close(db);
	free(db->label);
	free(db);
}

dbi_engine dbi_engine_of(const dbi *db)
{
	return db->ops->engine;
}

int dbi_exec(dbi *db, const char *sql, assay_error *err)
{
	if (db->before && dbi_before_run(db, err) < 0)
		return err->code;
	return db->ops->exec(db, sql, err);
}

void dbi_before_next(dbi *db, int (*fn)(void *ud, assay_error *err), void *ud)
{
	db->before = fn;
	db->before_ud = ud;
}

int dbi_before_run(dbi *db, assay_error *err)
{
	int (*fn)(void *, assay_error *) = db->before;
	db->before = NULL;
	return fn ? fn(db->before_ud, err) : ASSAY_OK;
}

dbi_stmt *dbi_stmt_get(dbi *db, const dbi_query *q, assay_error *err)
{
	if (db->before && dbi_before_run(db, err) < 0)
		return NULL;
	size_t i = assay_ptr_slot(q, DBI_STMT_SLOTS);
	for (size_t probe = 0; probe < DBI_STMT_SLOTS; probe++, i = (i + 1) % DBI_STMT_SLOTS) {
		if (db->cache[i].q == q) {
			db->ops->reset(db->cache[i].st);
			return db->cache[i].st;
		}
		if (db->cache[i].q)
			continue;
		dbi_stmt *st = calloc(1, sizeof *st);
		if (!st) {
			assay_fail(err, ASSAY_ENOMEM, "out of memory");
			return NULL;
		}
		st->db = db;
		st->q = q;
		if (db->ops->prepare(st, err) != ASSAY_OK) {
			free(st);
			return NULL;
		}
		db->cache[i].q = q;
		db->cache[i].st = st;
		return st;
	}
	assay_fail(err, ASSAY_EDB, "internal: statement cache full at %s", q->name);
	return NULL;
}

/* What an adopted statement is called in messages. */
static const dbi_query q_composed = {"composed_statement", "", NULL};

dbi_stmt *dbi_adopt_sqlite(dbi *db, void *raw)
{
	dbi_stmt *st = calloc(1, sizeof *st);
	if (!st) {
		dbi_stmt tmp = {.db = db, .q = &q_composed, .handle = raw};
		db->ops->finalize(&tmp);
		return NULL;
	}
	*st = (dbi_stmt){.db = db, .q = &q_composed, .handle = raw, .adopted = true};
	return st;
}

dbi_stmt *dbi_compose_pg(dbi *db, const char *sql, int own_param, const char *own_value,
			 assay_error *err)
{
	if (db->ops->engine != DBI_PG) {
		assay_fail(err, ASSAY_EDB, "internal: a composed statement on SQLite");
		return NULL;
	}
	dbi_stmt *st = calloc(1, sizeof *st);
	dbi_query *q = calloc(1, sizeof *q);
	char *text = assay_strdup(sql);
	if (!st || !q || !text) {
		free(st);
		free(q);
		free(text);
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	*q = (dbi_query){.name = q_composed.name, .pg = text};
	*st = (dbi_stmt){.db = db, .q = q, .adopted = true, .own_q = q, .keep_from = own_param};
	if (db->ops->prepare(st, err) != ASSAY_OK) {
		free(text);
		free(q);
		free(st);
		return NULL;
	}
	db->ops->bind_text(st, own_param, own_value, strlen(own_value));
	return st;
}

void dbi_stmt_free(dbi_stmt *st)
{
	if (!st)
		return;
	st->db->ops->finalize(st);
	if (st->own_q)
		free((char *)st->own_q->pg);
	free(st->own_q);
	free(st);
}

void dbi_bind_i64(dbi_stmt *st, int idx, int64_t v)
{
	if (st->keep_from > 0 && idx >= st->keep_from)
		return; /* a composed statement's own */
	st->db->ops->bind_i64(st, idx, v);
}

void dbi_bind_f64(dbi_stmt *st, int idx, double v)
{
	if (st->keep_from > 0 && idx >= st->keep_from)
		return; /* a composed statement's own */
	st->db->ops->bind_f64(st, idx, v);
}

void dbi_bind_text(dbi_stmt *st, int idx, const char *t, int64_t n)
{
	if (st->keep_from > 0 && idx >= st->keep_from)
		return; /* a composed statement's own */
	if (!t)
		st->db->ops->bind_null(st, idx);
	else
		st->db->ops->bind_text(st, idx, t, n < 0 ? strlen(t) : (size_t)n);
}

void dbi_bind_blob(dbi_stmt *st, int idx, const void *p, size_t n)
{
	if (st->keep_from > 0 && idx >= st->keep_from)
		return; /* a composed statement's own */
	st->db->ops->bind_blob(st, idx, p, n);
}

void dbi_bind_null(dbi_stmt *st, int idx)
{
	if (st->keep_from > 0 && idx >= st->keep_from)
		return; /* a composed statement's own */
	st->db->ops->bind_null(st, idx);
}

int dbi_step(dbi_stmt *st, assay_error *err, const char *what)
{
	return st->db->ops->step(st, err, what);
}

int dbi_run(dbi_stmt *st, assay_error *err, const char *what)
{
	int rc;
	while ((rc = dbi_step(st, err, what)) == DBI_ROW)
		;
	dbi_reset(st);
	return rc == DBI_DONE ? ASSAY_OK : rc;
}

bool dbi_col_null(dbi_stmt *st, int col)
{
	return st->db->ops->col_null(st, col);
}

int64_t dbi_col_i64(dbi_stmt *st, int col)
{
	return st->db->ops->col_i64(st, col);
}

double dbi_col_f64(dbi_stmt *st, int col)
{
	return st->db->ops->col_f64(st, col);
}

const char *dbi_col_text(dbi_stmt *st, int col, size_t *len)
{
	return st->db->ops->col_text(st, col, len);
}

const void *dbi_col_blob(dbi_stmt *st, int col, size_t *len)
{
	return st->db->ops->col_blob(st, col, len);
}

int dbi_col_count(dbi_stmt *st)
{
	return st->db->ops->col_count(st);
}

void dbi_reset(dbi_stmt *st)
{
	st->db->ops->reset(st);
}

int64_t dbi_changes(dbi *db)
{
	return db->ops->changes(db);
}
