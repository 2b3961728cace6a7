/* group.c — import --group-by: the single samples of one prompt, already
 * imported one per record, paired up as records of two candidates that
 * the ordinary import then reads as pairs (so duplicates, re-runs, the
 * context and the batch's options work as for any pair file). Every pair
 * of a group, or a budget of them chosen by a seeded hash. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "assay/ingest.h"
#include "assay/text.h"

typedef struct member {
	char *ext_id, *text, *model, *context;
} member;

typedef struct grouping {
	store *s;
	const ingest_group_options *o;
	FILE *out;
	ingest_group_result *res;
	assay_error *err;
	char *group; /* the current group's value (JSON text) */
	member *m;
	size_t n, cap;
} grouping;

static void members_clear(grouping *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->m[i].ext_id);
		free(g->m[i].text);
		free(g->m[i].model);
		free(g->m[i].context);
	}
	g->n = 0;
}

/* The named parts of a stored context as fields of obj (a field the record
 * has already stays as it is). */
static bool add_context(cJSON *obj, const char *context)
{
	cJSON *arr = context ? cJSON_Parse(context) : NULL;
	bool ok = true;
	for (const cJSON *p = arr ? arr->child : NULL; ok && p; p = p->next) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(p, "text");
		if (cJSON_IsString(name) && cJSON_IsString(text) &&
		    !cJSON_GetObjectItemCaseSensitive(obj, name->valuestring))
			ok = cJSON_AddStringToObject(obj, name->valuestring, text->valuestring);
	}
	cJSON_Delete(arr);
	return ok;
}

static bool add_opt(cJSON *obj, const char *key, const char *value)
{
	return !value || cJSON_AddStringToObject(obj, key, value);
}

/* Whether the batch has the pair id already (an earlier run made it):
 * left out, so a group that grew does not move the lines of the others. */
static int present(grouping *g, const char *id, bool *yes)
{
	store_sample smp;
	assay_error e = {0};
	int rc = store_sample_by_ext_id(g->s, id, g->o->into_batch, &smp, &e);
	*yes = rc == ASSAY_OK;
	if (rc == ASSAY_OK)
		store_sample_free(&smp);
	if (rc < 0 && rc != ASSAY_ENOTFOUND) {
		*g->err = e;
		return rc;
	}
	return ASSAY_OK;
}

/* The record of the pair (a, b) of the current group, as one line. */
static int put_pair(grouping *g, const member *a, const member *b)
{
	char *id = malloc(strlen(a->ext_id) + strlen(b->ext_id) + 2);
	if (!id)
		return assay_fail(g->err, ASSAY_ENOMEM, "out of memory");
	sprintf(id, "%s~%s", a->ext_id, b->ext_id);
	bool yes = false;
	int rc = present(g, id, &yes);
	if (rc < 0 || yes) {
		g->res->present += yes;
		free(id);
		return rc;
	}
	cJSON *obj = cJSON_CreateObject();
	cJSON *value = cJSON_Parse(g->group);
	bool ok = obj && value;
	if (ok) {
		ok = cJSON_AddStringToObject(obj, "id", id) &&
		     cJSON_AddItemToObject(obj, g->o->field, value);
		value = NULL;
	}
	ok = ok && add_context(obj, a->context) &&
	     add_opt(obj, "response_a", a->text) && add_opt(obj, "response_b", b->text) &&
	     add_opt(obj, "model_a", a->model) && add_opt(obj, "model_b", b->model) &&
	     add_opt(obj, "a_id", a->ext_id) && add_opt(obj, "b_id", b->ext_id);
	char *line = ok ? cJSON_PrintUnformatted(obj) : NULL;
	rc = !line ? assay_fail(g->err, ASSAY_ENOMEM, "out of memory")
		 : fputs(line, g->out) < 0 || fputc('\n', g->out) < 0
		     ? assay_fail(g->err, ASSAY_EIO, "writing the pairs: %s", strerror(errno))
		     : ASSAY_OK;
	g->res->pairs += rc == ASSAY_OK;
	free(line);
	free(id);
	cJSON_Delete(value);
	cJSON_Delete(obj);
	return rc;
}

typedef struct pick {
	uint64_t h;
	uint32_t i, j;
} pick;

/* The pair's rank under the seed: a hash of the seed and both ids. */
static uint64_t pair_hash(const grouping *g, const member *a, const member *b)
{
	uint64_t h = text_hash64(a->ext_id, strlen(a->ext_id), g->o->seed ^ 0x67726f7570ull);
	return text_hash64(b->ext_id, strlen(b->ext_id), h);
}

static bool pick_less(const pick *x, const pick *y)
{
	return x->h < y->h || (x->h == y->h && (x->i < y->i || (x->i == y->i && x->j < y->j)));
}

/* Keeps the k smallest in a max-heap h[0..*n). */
static void heap_offer(pick *h, size_t *n, size_t k, pick p)
{
	size_t at;
	if (*n < k) {
		at = (*n)++;
		while (at && pick_less(&h[(at - 1) / 2], &p)) {
			h[at] = h[(at - 1) / 2];
			at = (at - 1) / 2;
		}
		h[at] = p;
		return;
	}
	if (!pick_less(&p, &h[0]))
		return;
	at = 0;
	for (;;) {
		size_t c = 2 * at + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && pick_less(&h[c], &h[c + 1]))
			c++;
		if (!pick_less(&p, &h[c]))
			break;
		h[at] = h[c];
		at = c;
	}
	h[at] = p;
}

static int by_position(const void *x, const void *y)
{
	const pick *a = x, *b = y;
	return a->i != b->i ? (a->i > b->i) - (a->i < b->i) : (a->j > b->j) - (a->j < b->j);
}

/* The budgeted pairs of the current group, in member order. */
static int put_budget(grouping *g, size_t k)
{
	pick *h = malloc(k * sizeof *h);
	if (!h)
		return assay_fail(g->err, ASSAY_ENOMEM, "out of memory");
	size_t n = 0;
	for (uint32_t i = 0; i < g->n; i++)
		for (uint32_t j = i + 1; j < g->n; j++)
			heap_offer(h, &n, k, (pick){pair_hash(g, &g->m[i], &g->m[j]), i, j});
	qsort(h, n, sizeof *h, by_position);
	int rc = ASSAY_OK;
	for (size_t p = 0; p < n && rc == ASSAY_OK; p++)
		rc = put_pair(g, &g->m[h[p].i], &g->m[h[p].j]);
	free(h);
	return rc;
}

/* Writes the pairs of the group gathered so far. */
static int flush(grouping *g)
{
	int rc = ASSAY_OK;
	uint64_t all = (uint64_t)g->n * (g->n - (g->n > 0)) / 2;
	uint64_t k = g->o->per_group > 0 && (uint64_t)g->o->per_group < all
			     ? (uint64_t)g->o->per_group
			     : all;
	if (g->n == 1)
		g->res->alone++;
	else if (g->n > 1 && k > INGEST_GROUP_PAIRS_MAX)
		rc = assay_fail(g->err, ASSAY_EINVAL, "the group %.80s has %zu samples, %llu pairs: "
				"more than %d; give --pairs-per-group", g->group, g->n,
				(unsigned long long)all, INGEST_GROUP_PAIRS_MAX);
	else if (g->n > 1 && k < all)
		rc = put_budget(g, (size_t)k);
	for (size_t i = 0; g->n > 1 && k == all && rc == ASSAY_OK && i < g->n; i++)
		for (size_t j = i + 1; j < g->n && rc == ASSAY_OK; j++)
			rc = put_pair(g, &g->m[i], &g->m[j]);
	g->res->groups += g->n > 1 && rc == ASSAY_OK;
	members_clear(g);
	return rc;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? assay_strdup(s) : NULL;
	*oom |= s && !d;
	return d;
}

static int each(void *ud, const store_group_row *r)
{
	grouping *g = ud;
	int rc = ASSAY_OK;
	if (!g->group || strcmp(g->group, r->group) != 0) {
		if ((rc = flush(g)) < 0)
			return rc;
		free(g->group);
		if (!(g->group = assay_strdup(r->group)))
			return assay_fail(g->err, ASSAY_ENOMEM, "out of memory");
	}
	if (g->n == INGEST_GROUP_MAX)
		return assay_fail(g->err, ASSAY_EINVAL, "the group %.80s has more than %d samples",
				  g->group, INGEST_GROUP_MAX);
	if (ASSAY_GROW(g->m, g->n + 1, g->cap, 16) < 0)
		return assay_fail(g->err, ASSAY_ENOMEM, "out of memory");
	bool oom = false;
	g->m[g->n++] = (member){.ext_id = dup_or_null(r->ext_id, &oom),
				.text = dup_or_null(r->text, &oom),
				.model = dup_or_null(r->model, &oom),
				.context = dup_or_null(r->context, &oom)};
	g->res->samples++;
	return oom ? assay_fail(g->err, ASSAY_ENOMEM, "out of memory") : ASSAY_OK;
}

int ingest_group_write(store *s, const ingest_group_options *o, FILE *out,
		       ingest_group_result *res, assay_error *err)
{
	*res = (ingest_group_result){0};
	grouping g = {.s = s, .o = o, .out = out, .res = res, .err = err};
	int rc = store_group_each(s, o->from_batch, o->into_batch, o->field, each, &g, err);
	if (rc == ASSAY_OK)
		rc = flush(&g);
	members_clear(&g);
	free(g.m);
	free(g.group);
	if (rc == ASSAY_OK && fflush(out) != 0)
		rc = assay_fail(err, ASSAY_EIO, "writing the pairs: %s", strerror(errno));
	return rc;
}
