/* groups.c — `assay stats`: current decisions grouped by annotator, batch,
 * reason, day, week or a record field, one pass over a lean query with a
 * hash table of groups, then rates with Wilson intervals, median time per
 * sample and edit sizes per group. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assay/audit_stats.h"
#include "assay/text.h"
#include "readers.h"

typedef struct acc {
	audit_group g;
	uint32_t *ms; /* milliseconds per sample (the total keeps none: it is
		       * every group's put together at the end) */
	size_t n_ms, cap_ms;
	uint64_t edits_measured, dist_sum, words_sum;
	uint64_t hash;
	char *joined; /* the key parts encoded (kind, length, bytes), for comparison */
	size_t joined_len;
} acc;

/* A row's group found by its keys as numbers: the annotator's and the
 * batch's ids, the day (a week is its days' one group). Every --by of
 * those kinds names its group by these numbers alone, so the group found
 * once for them is the group: rows skip spelling, hashing and comparing
 * the key's text. A slot is overwritten by another's numbers. */
#define MEMO_SLOTS 1024
typedef struct memo {
	int64_t k[AUDIT_MAX_BY];
	size_t group; /* index + 1; 0: empty */
} memo;

/* One worker's groups (the names are shared, read-only). */
typedef struct collect {
	const audit_stats_opts *o;
	const store_names *annotators, *batches;
	acc *v;
	size_t n, cap;
	size_t *slots; /* open addressing: index + 1, 0 = empty */
	size_t nslots;
	acc total;
	abuf key;
	/* the day last formatted as a day [0] and as a week [1], and how */
	bool day_known[2];
	int64_t day[2];
	char day_key[2][32];
	int rc;
	memo *memo; /* MEMO_SLOTS, when every --by is a number's (else NULL) */
} collect;

static const struct {
	const char *name;
	int by;
} by_names[] = {
	{"annotator", AUDIT_BY_ANNOTATOR}, {"batch", AUDIT_BY_BATCH}, {"reason", AUDIT_BY_REASON},
	{"day", AUDIT_BY_DAY},             {"week", AUDIT_BY_WEEK},   {"model", AUDIT_BY_FIELD},
};

int audit_by_parse(const char *name, int *by, const char **field)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(by_names); i++)
		if (strcmp(name, by_names[i].name) == 0) {
			*by = by_names[i].by;
			if (*by == AUDIT_BY_FIELD)
				*field = "meta.model";
			return ASSAY_OK;
		}
	if (strncmp(name, "meta.", 5) == 0 && name[5] && !strchr(name, '"')) {
		*by = AUDIT_BY_FIELD;
		*field = name;
		return ASSAY_OK;
	}
	return ASSAY_EINVAL;
}

const char *audit_by_name(int by)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(by_names); i++)
		if (by_names[i].by == by)
			return by_names[i].name;
	return "field";
}

/* "meta.source.kind" -> $."meta"."source"."kind" (each step quoted). */
static char *json_path(const char *dotted)
{
	abuf b = {0};
	abuf_putc(&b, '$');
	const char *p = dotted;
	while (*p) {
		size_t n = strcspn(p, ".");
		abuf_printf(&b, ".\"%.*s\"", (int)n, p);
		p += n + (p[n] == '.');
	}
	return abuf_take(&b);
}

/* What a group that is not a value is called in tables (by kind). */
static const char *const placeholders[] = {
	[AUDIT_KEY_MISSING] = "(none)",
	[AUDIT_KEY_NO_REASON] = "(no reason)",
	[AUDIT_KEY_NOT_REJECTED] = "(not rejected)",
};

int audit_by_reason_index(const audit_stats_opts *o)
{
	for (size_t i = 0; i < o->n_by; i++)
		if (o->by[i] == AUDIT_BY_REASON)
			return (int)i;
	return -1;
}

/* Appends one key part as its kind, its length and its bytes: no value,
 * whatever bytes it holds, can equal another part or a placeholder. */
static void key_put(abuf *key, uint8_t kind, const char *v)
{
	uint32_t n = (uint32_t)strlen(v);
	abuf_putc(key, (char)kind);
	abuf_append(key, &n, sizeof n);
	abuf_append(key, v, n);
}

static void key_part(collect *c, int by, const store_stat_row *r)
{
	const char *v = NULL;
	uint8_t kind = AUDIT_KEY_VALUE;
	switch (by) {
	case AUDIT_BY_ANNOTATOR:
		v = store_names_get(c->annotators, r->annotator_id);
		break;
	case AUDIT_BY_BATCH:
		v = store_names_get(c->batches, r->batch_id);
		break;
	case AUDIT_BY_REASON:
		kind = r->verdict != STORE_REJECTED ? AUDIT_KEY_NOT_REJECTED
		       : r->reason && *r->reason   ? AUDIT_KEY_VALUE
						   : AUDIT_KEY_NO_REASON;
		v = kind == AUDIT_KEY_VALUE ? r->reason : "";
		break;
	case AUDIT_BY_DAY:
	case AUDIT_BY_WEEK: {
		/* Decisions come in runs of the same day: format each day once
		 * (--by day --by week keep one each). */
		int w = by == AUDIT_BY_WEEK;
		int64_t day = r->decided_at / 86400000 - (r->decided_at % 86400000 < 0);
		if (!c->day_known[w] || c->day[w] != day) {
			time_t t = (time_t)(day * 86400);
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(c->day_key[w], sizeof c->day_key[w], w ? "%G-W%V" : "%Y-%m-%d", &tm);
			c->day[w] = day;
			c->day_known[w] = true;
		}
		v = c->day_key[w];
		break;
	}
	default:
		kind = r->field ? AUDIT_KEY_VALUE : AUDIT_KEY_MISSING;
		v = r->field ? r->field : "";
	}
	key_put(&c->key, kind, v);
}

static acc *find_group(collect *c)
{
	uint64_t h = text_hash64(c->key.data, c->key.len, 0);
	if (c->n * 2 >= c->nslots) {
		size_t ns = c->nslots ? c->nslots * 2 : 64;
		size_t *slots = calloc(ns, sizeof *slots);
		if (!slots)
			return NULL;
		for (size_t i = 0; i < c->n; i++) {
			size_t k = c->v[i].hash & (ns - 1);
			while (slots[k])
				k = (k + 1) & (ns - 1);
			slots[k] = i + 1;
		}
		free(c->slots);
		c->slots = slots;
		c->nslots = ns;
	}
	size_t k = h & (c->nslots - 1);
	while (c->slots[k]) {
		acc *a = &c->v[c->slots[k] - 1];
		if (a->hash == h && a->joined_len == c->key.len &&
		    memcmp(a->joined, c->key.data, c->key.len) == 0)
			return a;
		k = (k + 1) & (c->nslots - 1);
	}
	if (ASSAY_GROW(c->v, c->n + 1, c->cap, 32) < 0)
		return NULL;
	acc *a = &c->v[c->n];
	memset(a, 0, sizeof *a);
	a->hash = h;
	a->joined = assay_strndup(c->key.data, c->key.len);
	a->joined_len = c->key.len;
	if (!a->joined)
		return NULL;
	const char *p = c->key.data;
	for (size_t i = 0; i < c->o->n_by; i++) {
		uint32_t n;
		memcpy(&n, p + 1, sizeof n);
		a->g.key_kind[i] = (uint8_t)p[0];
		a->g.key[i] = a->g.key_kind[i] == AUDIT_KEY_VALUE
				      ? assay_strndup(p + 1 + sizeof n, n)
				      : assay_strdup(placeholders[a->g.key_kind[i]]);
		p += 1 + sizeof n + n;
	}
	c->slots[k] = ++c->n;
	return a;
}

static int append_ms(acc *a, const uint32_t *ms, size_t n);

/* A group of decisions summed by the store (row.sums). */
static int add_sums(acc *a, const store_stat_sums *m, bool keep_ms)
{
	a->g.decided += m->decided;
	a->g.accepted += m->accepted;
	a->g.edited += m->edited;
	a->g.rejected += m->rejected;
	a->edits_measured += m->edits_measured;
	a->dist_sum += m->dist_sum;
	a->words_sum += m->words_sum;
	return keep_ms ? append_ms(a, m->ms, m->n_ms) : ASSAY_OK;
}

static int add(acc *a, const store_stat_row *r, bool keep_ms)
{
	if (r->sums)
		return add_sums(a, r->sums, keep_ms);
	a->g.decided++;
	a->g.accepted += r->verdict == STORE_ACCEPTED;
	a->g.edited += r->verdict == STORE_EDITED;
	a->g.rejected += r->verdict == STORE_REJECTED;
	if (r->edit_distance >= 0 && r->words >= 0) {
		a->edits_measured++;
		a->dist_sum += (uint64_t)r->edit_distance;
		a->words_sum += (uint64_t)r->words;
	}
	if (keep_ms && r->ms_spent > 0) {
		if (a->n_ms == a->cap_ms) {
			size_t cap = a->cap_ms ? a->cap_ms * 2 : 64;
			uint32_t *v = assay_realloc_big(a->ms, cap * sizeof *v);
			if (!v)
				return ASSAY_ENOMEM;
			a->ms = v;
			a->cap_ms = cap;
		}
		a->ms[a->n_ms++] = r->ms_spent > UINT32_MAX ? UINT32_MAX : (uint32_t)r->ms_spent;
	}
	return ASSAY_OK;
}

/* Whether every --by of o names its group by a number (see memo). */
static bool numbered(const audit_stats_opts *o)
{
	for (size_t i = 0; i < o->n_by; i++)
		if (o->by[i] != AUDIT_BY_ANNOTATOR && o->by[i] != AUDIT_BY_BATCH &&
		    o->by[i] != AUDIT_BY_DAY && o->by[i] != AUDIT_BY_WEEK)
			return false;
	return true;
}

static int64_t number_of(int by, const store_stat_row *r)
{
	return by == AUDIT_BY_ANNOTATOR ? r->annotator_id
	       : by == AUDIT_BY_BATCH	? r->batch_id
					: r->decided_at / 86400000 - (r->decided_at % 86400000 < 0);
}

/* The row's memo slot, its numbers in k (NULL without a memo). */
static memo *memo_slot(collect *c, const store_stat_row *r, int64_t *k)
{
	if (!c->memo)
		return NULL;
	uint64_t h = 0x9E3779B97F4A7C15u;
	for (size_t i = 0; i < c->o->n_by; i++) {
		k[i] = number_of(c->o->by[i], r);
		h = (h ^ (uint64_t)k[i]) * 0x100000001B3u;
	}
	return &c->memo[(h ^ h >> 29) & (MEMO_SLOTS - 1)];
}

static int on_row(void *ud, const store_stat_row *r)
{
	collect *c = ud;
	int64_t k[AUDIT_MAX_BY] = {0};
	size_t n = c->o->n_by;
	memo *m = memo_slot(c, r, k);
	acc *a = NULL;
	if (m && m->group && memcmp(m->k, k, n * sizeof *k) == 0)
		a = &c->v[m->group - 1];
	if (!a) {
		abuf_reset(&c->key);
		for (size_t i = 0; i < n; i++)
			key_part(c, c->o->by[i], r);
		a = find_group(c);
		if (a && m) {
			memcpy(m->k, k, n * sizeof *k);
			m->group = (size_t)(a - c->v) + 1;
		}
	}
	if (!a || add(a, r, true) < 0 || add(&c->total, r, false) < 0)
		return ASSAY_ENOMEM;
	return 0;
}

static int append_ms(acc *a, const uint32_t *ms, size_t n)
{
	if (a->n_ms + n > a->cap_ms) {
		/* doubling: a summed group comes in several parts */
		size_t cap = a->n_ms + n > a->cap_ms * 2 ? a->n_ms + n : a->cap_ms * 2;
		uint32_t *v = assay_realloc_big(a->ms, cap * sizeof *v);
		if (!v)
			return ASSAY_ENOMEM;
		a->ms = v;
		a->cap_ms = cap;
	}
	if (n)
		memcpy(a->ms + a->n_ms, ms, n * sizeof *ms);
	a->n_ms += n;
	return ASSAY_OK;
}

/* Adds one worker's group into another's (the same key). */
static int merge_acc(acc *into, const acc *from)
{
	into->g.decided += from->g.decided;
	into->g.accepted += from->g.accepted;
	into->g.edited += from->g.edited;
	into->g.rejected += from->g.rejected;
	into->edits_measured += from->edits_measured;
	into->dist_sum += from->dist_sum;
	into->words_sum += from->words_sum;
	return append_ms(into, from->ms, from->n_ms);
}

static void drop_acc(acc *a)
{
	free(a->ms);
	free(a->joined);
	for (size_t k = 0; k < AUDIT_MAX_BY; k++)
		free(a->g.key[k]);
	memset(a, 0, sizeof *a);
}

/* Folds worker part `from` into `into`, emptying it. */
static int merge_parts(collect *into, collect *from)
{
	int rc = merge_acc(&into->total, &from->total);
	for (size_t i = 0; rc == ASSAY_OK && i < from->n; i++) {
		abuf_reset(&into->key);
		acc *a = abuf_append(&into->key, from->v[i].joined, from->v[i].joined_len) < 0
				 ? NULL
				 : find_group(into);
		rc = a ? merge_acc(a, &from->v[i]) : ASSAY_ENOMEM;
	}
	for (size_t i = 0; i < from->n; i++)
		drop_acc(&from->v[i]);
	drop_acc(&from->total);
	free(from->v);
	free(from->slots);
	free(from->memo);
	from->memo = NULL;
	abuf_free(&from->key);
	from->v = NULL;
	from->slots = NULL;
	from->n = from->cap = from->nslots = 0;
	return rc;
}

static void finish(acc *a)
{
	audit_group *g = &a->g;
	audit_wilson(g->rejected, g->decided, AUDIT_Z95, &g->reject_rate, NULL);
	audit_wilson(g->edited, g->decided, AUDIT_Z95, &g->edit_rate, NULL);
	g->median_secs = audit_median_u32(a->ms, a->n_ms) / 1000.0;
	g->per_hour = audit_per_hour(1, g->median_secs);
	g->edit_distance = a->edits_measured ? (double)a->dist_sum / (double)a->edits_measured : NAN;
	g->edit_share = a->words_sum ? (double)a->dist_sum / (double)a->words_sum : NAN;
	free(a->ms);
	a->ms = NULL;
	free(a->joined);
	a->joined = NULL;
}

/* Key part i of two groups: values in byte order, then the groups of
 * their own (none, no reason, not rejected). */
static int cmp_part(const audit_group *a, const audit_group *b, int i)
{
	if (a->key_kind[i] != b->key_kind[i])
		return a->key_kind[i] < b->key_kind[i] ? -1 : 1;
	return strcmp(a->key[i], b->key[i]);
}

static int cmp_groups(const void *x, const void *y)
{
	const audit_group *a = x, *b = y;
	for (int i = 0; i < AUDIT_MAX_BY && a->key[i] && b->key[i]; i++) {
		int c = cmp_part(a, b, i);
		if (c)
			return c;
	}
	return 0;
}

/* A group and the key part its context leaves out (the reason). */
typedef struct ctx_ref {
	audit_group *g;
	int skip;
} ctx_ref;

static int cmp_context(const void *x, const void *y)
{
	const ctx_ref *a = x, *b = y;
	for (int i = 0; i < AUDIT_MAX_BY && a->g->key[i] && b->g->key[i]; i++) {
		int c = i == a->skip ? 0 : cmp_part(a->g, b->g, i);
		if (c)
			return c;
	}
	return 0;
}

static const audit_rate no_rate = {.rate = NAN, .lo = NAN, .hi = NAN};

/* --by reason: each group's share of the rejections and of the decisions
 * among the groups alike in every other key part (all of them when reason
 * is the only key). */
static int reason_shares(audit_stats *st, const audit_stats_opts *o)
{
	int r = audit_by_reason_index(o);
	st->total.reason_share = st->total.decision_share = no_rate;
	for (size_t i = 0; i < st->n; i++)
		st->groups[i].reason_share = st->groups[i].decision_share = no_rate;
	if (r < 0 || !st->n)
		return ASSAY_OK;
	ctx_ref *v = calloc(st->n, sizeof *v);
	if (!v)
		return ASSAY_ENOMEM;
	for (size_t i = 0; i < st->n; i++)
		v[i] = (ctx_ref){&st->groups[i], r};
	qsort(v, st->n, sizeof *v, cmp_context);
	for (size_t a = 0, b; a < st->n; a = b) {
		uint64_t decided = 0, rejected = 0;
		for (b = a; b < st->n && cmp_context(&v[a], &v[b]) == 0; b++) {
			decided += v[b].g->decided;
			rejected += v[b].g->rejected;
		}
		for (size_t k = a; k < b; k++) {
			audit_group *g = v[k].g;
			if (g->key_kind[r] != AUDIT_KEY_NOT_REJECTED)
				audit_wilson(g->rejected, rejected, AUDIT_Z95, &g->reason_share, NULL);
			audit_wilson(g->decided, decided, AUDIT_Z95, &g->decision_share, NULL);
		}
	}
	free(v);
	return ASSAY_OK;
}

static int resolve_id(const store_names *n, const char *name, int64_t *id, const char *what,
		      assay_error *err)
{
	for (size_t i = 0; i < n->n; i++)
		if (strcmp(n->names[i], name) == 0) {
			*id = n->ids[i];
			return ASSAY_OK;
		}
	return assay_fail(err, ASSAY_ENOTFOUND, "no %s named \"%s\"", what, name);
}

/* The pass over the decisions, split into ranges of sample ids read by
 * parallel workers (each range one task, each worker its own groups,
 * folded together at the end). */
typedef struct stats_run {
	store_stats_filter f;
	audit_readers readers;
	collect parts[ASSAY_MAX_WORKERS];
	int64_t max_id;
	size_t tasks;
} stats_run;

#define STATS_TASKS_PER_WORKER 4

static int stats_task(void *ud, size_t worker, size_t task, assay_error *err)
{
	stats_run *r = ud;
	store_stats_filter f = r->f;
	if (r->tasks > 1) {
		int64_t chunk = r->max_id / (int64_t)r->tasks + 1;
		f.first_sample = 1 + (int64_t)task * chunk;
		f.last_sample = task + 1 == r->tasks ? INT64_MAX : f.first_sample + chunk - 1;
	}
	int rc = store_stats_each(r->readers.s[worker], &f, on_row, &r->parts[worker], err);
	return rc == ASSAY_ENOMEM ? assay_fail(err, rc, "out of memory") : rc;
}

int audit_stats_compute(store *s, const audit_stats_opts *o, audit_stats *out, assay_error *err)
{
	*out = (audit_stats){0};
	stats_run r = {.f = {.since_ms = o->since_ms, .until_ms = o->until_ms, .where = o->where,
			     .no_reason = audit_by_reason_index(o) < 0, .sums = true}};
	store_names annotators = {0}, batches = {0};
	char *path = NULL;
	audit_readers_open(s, &r.readers);
	int rc = store_annotator_names(s, &annotators, err);
	if (rc == ASSAY_OK)
		rc = store_batch_names(s, &batches, err);
	if (rc == ASSAY_OK && o->annotator)
		rc = resolve_id(&annotators, o->annotator, &r.f.annotator_id, "annotator", err);
	if (rc == ASSAY_OK && o->batch)
		rc = resolve_id(&batches, o->batch, &r.f.batch_id, "batch", err);
	if (rc == ASSAY_OK)
		rc = store_max_sample_id(s, &r.max_id, err);
	for (size_t i = 0; i < o->n_by; i++) {
		if (o->by[i] == AUDIT_BY_FIELD && !path)
			r.f.field_path = path = json_path(o->field);
		r.f.need_batch |= o->by[i] == AUDIT_BY_BATCH;
		r.f.need_annotator |= o->by[i] == AUDIT_BY_ANNOTATOR;
		r.f.need_day |= o->by[i] == AUDIT_BY_DAY || o->by[i] == AUDIT_BY_WEEK;
	}
	for (size_t w = 0; w < r.readers.n; w++) {
		r.parts[w] = (collect){.o = o, .annotators = &annotators, .batches = &batches};
		/* no memo (out of memory) is only slower */
		if (numbered(o))
			r.parts[w].memo = calloc(MEMO_SLOTS, sizeof(memo));
	}
	r.tasks = r.readers.n > 1 ? r.readers.n * STATS_TASKS_PER_WORKER : 1;
	if (rc == ASSAY_OK)
		rc = assay_parallel(r.readers.n, r.tasks, stats_task, &r, err);
	audit_readers_close(&r.readers);
	collect *c = &r.parts[0];
	for (size_t w = 1; w < ASSAY_MAX_WORKERS; w++)
		if (merge_parts(c, &r.parts[w]) < 0 && rc == ASSAY_OK)
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (rc == ASSAY_OK) {
		out->groups = calloc(c->n ? c->n : 1, sizeof *out->groups);
		if (!out->groups)
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	/* The total's median is over every group's times: reserve them once. */
	size_t all_ms = 0;
	for (size_t i = 0; i < c->n; i++)
		all_ms += c->v[i].n_ms;
	if (rc == ASSAY_OK && all_ms &&
	    !(c->total.ms = assay_realloc_big(NULL, all_ms * sizeof *c->total.ms)))
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	c->total.cap_ms = all_ms;
	for (size_t i = 0; i < c->n; i++) {
		if (rc == ASSAY_OK && append_ms(&c->total, c->v[i].ms, c->v[i].n_ms) < 0)
			rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
		finish(&c->v[i]);
		if (out->groups)
			out->groups[i] = c->v[i].g;
		else
			for (size_t k = 0; k < AUDIT_MAX_BY; k++)
				free(c->v[i].g.key[k]);
	}
	finish(&c->total);
	out->total = c->total.g;
	if (out->groups) {
		out->n = c->n;
		qsort(out->groups, out->n, sizeof *out->groups, cmp_groups);
	}
	if (rc == ASSAY_OK && reason_shares(out, o) < 0)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	free(c->v);
	free(c->slots);
	free(c->memo);
	free(path);
	abuf_free(&c->key);
	store_names_free(&annotators);
	store_names_free(&batches);
	if (rc < 0)
		audit_stats_free(out);
	return rc;
}

void audit_stats_free(audit_stats *st)
{
	for (size_t i = 0; i < st->n; i++)
		for (size_t k = 0; k < AUDIT_MAX_BY; k++)
			free(st->groups[i].key[k]);
	free(st->groups);
	*st = (audit_stats){0};
}
