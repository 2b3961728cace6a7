/* names.c — the names of annotators and batches by id (store_names), for
 * readers of millions of rows: the statement returns ids and C names them,
 * instead of joining both tables on every row (a quarter of export's
 * query). */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static const dbi_query q_annotators = {"names_annotators",
				       "SELECT id, name FROM annotators ORDER BY id", NULL};
static const dbi_query q_batches = {"names_batches", "SELECT id, name FROM batches ORDER BY id",
				    NULL};

static int names(store *s, bool batches, store_names *out, assay_error *err)
{
	*out = (store_names){0};
	dbi_stmt *st = batches ? dbi_stmt_get(s->dbi, &q_batches, err)
			       : dbi_stmt_get(s->dbi, &q_annotators, err);
	if (!st)
		return err->code;
	size_t cap_ids = 0, cap_names = 0;
	int rc;
	while ((rc = dbi_step(st, err, "reading names")) == DBI_ROW) {
		size_t len = 0;
		const char *name = dbi_col_text(st, 1, &len);
		char *copy = NULL;
		if (ASSAY_GROW(out->ids, out->n + 1, cap_ids, 16) < 0 ||
		    ASSAY_GROW(out->names, out->n + 1, cap_names, 16) < 0 ||
		    !(copy = malloc(len + 1))) {
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
			break;
		}
		memcpy(copy, name, len);
		copy[len] = '\0';
		out->ids[out->n] = dbi_col_i64(st, 0);
		out->names[out->n++] = copy;
	}
	dbi_reset(st);
	if (rc < 0) {
		store_names_free(out);
		return rc;
	}
	return ASSAY_OK;
}

int store_annotator_names(store *s, store_names *out, assay_error *err)
{
	return names(s, false, out, err);
}

int store_batch_names(store *s, store_names *out, assay_error *err)
{
	return names(s, true, out, err);
}

/* The index of id in n, or n->n. */
static size_t where_is(const store_names *n, int64_t id)
{
	/* ids come ordered: binary search */
	size_t lo = 0, hi = n->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (n->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n->n && n->ids[lo] == id ? lo : n->n;
}

const char *store_names_get(const store_names *n, int64_t id)
{
	size_t at = where_is(n, id);
	return at < n->n ? n->names[at] : "?";
}

const char *store_names_find(store *s, store_names *n, bool batches, int64_t id,
			     assay_error *err)
{
	size_t at = where_is(n, id);
	if (at == n->n) {
		store_names_free(n);
		if ((batches ? store_batch_names(s, n, err) : store_annotator_names(s, n, err)) < 0)
			return NULL;
		at = where_is(n, id);
	}
	return at < n->n ? n->names[at] : NULL;
}

void store_names_free(store_names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->names[i]);
	free(n->names);
	free(n->ids);
	*n = (store_names){0};
}
