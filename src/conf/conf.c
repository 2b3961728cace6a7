/* conf.c — the key table (insertion order plus a hash index), merging loads
 * with later keys overriding earlier ones, conf_set and iteration. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

conf *conf_new(void)
{
	return calloc(1, sizeof(conf));
}

void conf_free(conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].key);
		free(c->e[i].value);
		free(c->e[i].raw);
	}
	for (size_t i = 0; i < c->norigins; i++)
		free(c->origins[i]);
	free(c->e);
	free(c->slots);
	free(c->origins);
	free(c);
}

/* FNV-1a: short keys, no adversary worth more (files are capped). */
static uint32_t hash_key(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

long conf_find(const conf *c, const char *key)
{
	if (!c->nslots)
		return -1;
	size_t mask = c->nslots - 1;
	for (size_t i = hash_key(key) & mask;; i = (i + 1) & mask) {
		uint32_t slot = c->slots[i];
		if (slot == 0)
			return -1;
		if (strcmp(c->e[slot - 1].key, key) == 0)
			return (long)slot - 1;
	}
}

/* Places entry idx in the index (which has room). */
static void index_put(uint32_t *slots, size_t nslots, const char *key, size_t idx)
{
	size_t mask = nslots - 1, i = hash_key(key) & mask;
	while (slots[i])
		i = (i + 1) & mask;
	slots[i] = (uint32_t)idx + 1;
}

/* Makes room for extra more entries in the array and the index. */
static int reserve(conf *c, size_t extra)
{
	size_t need = c->n + extra;
	if (ASSAY_GROW(c->e, need, c->cap, 16) < 0)
		return ASSAY_ENOMEM;
	if (need * 2 > c->nslots) {
		size_t ns = c->nslots ? c->nslots : 32;
		while (ns < need * 2)
			ns *= 2;
		uint32_t *slots = calloc(ns, sizeof *slots);
		if (!slots)
			return ASSAY_ENOMEM;
		for (size_t i = 0; i < c->n; i++)
			index_put(slots, ns, c->e[i].key, i);
		free(c->slots);
		c->slots = slots;
		c->nslots = ns;
	}
	return ASSAY_OK;
}

int conf_append(conf *c, char *key, char *value, char *raw, size_t origin, int line)
{
	assert(!key || conf_find(c, key) < 0);
	if (!key || !value || reserve(c, 1) != ASSAY_OK) {
		free(key);
		free(value);
		free(raw);
		return ASSAY_ENOMEM;
	}
	c->e[c->n] = (struct conf_entry){key, value, raw, origin, line};
	index_put(c->slots, c->nslots, key, c->n);
	c->n++;
	return ASSAY_OK;
}

int conf_add_origin(conf *c, const char *name, size_t *idx)
{
	char *copy = assay_strdup(name);
	char **o = copy ? realloc(c->origins, (c->norigins + 1) * sizeof *o) : NULL;
	if (!o) {
		free(copy);
		return ASSAY_ENOMEM;
	}
	c->origins = o;
	c->origins[c->norigins] = copy;
	*idx = c->norigins++;
	return ASSAY_OK;
}

/* Puts key = value (both taken) into c, replacing an existing value in
 * place so iteration keeps the order in which keys were first set. */
static int put(conf *c, char *key, char *value, char *raw, size_t origin, int line)
{
	long at = conf_find(c, key);
	if (at < 0)
		return conf_append(c, key, value, raw, origin, line);
	struct conf_entry *e = &c->e[at];
	free(key);
	free(e->value);
	free(e->raw);
	e->value = value;
	e->raw = raw;
	e->origin = origin;
	e->line = line;
	return ASSAY_OK;
}

/* Line of the first entry of tmp that would take c past CONF_MAX_ENTRIES,
 * or 0 when all fit. */
static int overflow_line(const conf *c, const conf *tmp)
{
	size_t total = c->n;
	for (size_t i = 0; i < tmp->n; i++)
		if (conf_find(c, tmp->e[i].key) < 0 && ++total > CONF_MAX_ENTRIES)
			return tmp->e[i].line;
	return 0;
}

int conf_load_string(conf *c, const char *name, const char *text, size_t n, assay_error *err)
{
	conf *tmp = conf_new();
	size_t origin;
	if (!tmp)
		return assay_fail(err, ASSAY_ENOMEM, "%s: out of memory", name);
	int rc = conf_parse(tmp, name, text, n, err);
	if (rc == ASSAY_OK) {
		int line = overflow_line(c, tmp);
		if (line)
			rc = assay_fail(err, ASSAY_EFORMAT,
					"%s:%d: too many entries (the limit is %d)", name, line,
					CONF_MAX_ENTRIES);
	}
	/* Reserve everything first so the merge below cannot fail half-way. */
	if (rc == ASSAY_OK &&
	    (reserve(c, tmp->n) != ASSAY_OK || conf_add_origin(c, name, &origin) != ASSAY_OK))
		rc = assay_fail(err, ASSAY_ENOMEM, "%s: out of memory", name);
	for (size_t i = 0; rc == ASSAY_OK && i < tmp->n; i++) {
		struct conf_entry *e = &tmp->e[i];
		put(c, e->key, e->value, e->raw, origin, e->line);
		e->key = e->value = e->raw = NULL;
	}
	conf_free(tmp);
	return rc;
}

int conf_set_from(conf *c, const char *name, const char *key, const char *value)
{
	if (!key || !value || !conf_key_valid(key, strlen(key)))
		return ASSAY_EINVAL;
	if (conf_find(c, key) < 0 && c->n >= CONF_MAX_ENTRIES)
		return ASSAY_EFORMAT;
	size_t origin = 0;
	/* One origin of that name serves every key set from it. */
	while (origin < c->norigins && strcmp(c->origins[origin], name) != 0)
		origin++;
	if (origin == c->norigins && conf_add_origin(c, name, &origin) != ASSAY_OK)
		return ASSAY_ENOMEM;
	return put(c, assay_strdup(key), assay_strdup(value), NULL, origin, 0);
}

int conf_set(conf *c, const char *key, const char *value)
{
	return conf_set_from(c, "command line", key, value);
}

bool conf_has(const conf *c, const char *key)
{
	return conf_find(c, key) >= 0;
}

const char *conf_get(const conf *c, const char *key, const char *def)
{
	long at = conf_find(c, key);
	return at < 0 ? def : c->e[at].value;
}

const char *conf_origin(const conf *c, const char *key, int *line)
{
	long at = conf_find(c, key);
	if (at < 0)
		return NULL;
	if (line)
		*line = c->e[at].line;
	return c->origins[c->e[at].origin];
}

int conf_get_list(const conf *c, const char *key, char ***items, size_t *n)
{
	long at = conf_find(c, key);
	if (at < 0) {
		*items = NULL;
		*n = 0;
		return ASSAY_OK;
	}
	const struct conf_entry *e = &c->e[at];
	return conf_list_split(e->raw ? e->raw : e->value, e->raw == NULL, items, n);
}

size_t conf_count(const conf *c)
{
	return c->n;
}

bool conf_next(const conf *c, const char *prefix, size_t *pos, const char **key, const char **value)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	for (; *pos < c->n; (*pos)++) {
		const struct conf_entry *e = &c->e[*pos];
		if (plen == 0 || strncmp(e->key, prefix, plen) == 0) {
			*key = e->key;
			*value = e->value;
			(*pos)++;
			return true;
		}
	}
	return false;
}
