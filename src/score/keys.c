/* keys.c — the scorers' configuration: every key of every row read,
 * checked against its type and bounds and stored by one function, the
 * defaults set from the rows, and the values a version follows. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "score_int.h"

/* threshold and weight: every scorer's, kept in arrays by score_id. */
static const score_key common_keys[] = {
    SCORE_DOUBLE("threshold", threshold[0], 0, false, 1, 0, SCORE_KEY_UNVERSIONED,
		 "a value in [0, 1]"),
    SCORE_DOUBLE("weight", weight[0], 0, false, 100, 1, SCORE_KEY_UNVERSIONED,
		 "a weight from 0 to 100"),
};

static_assert(offsetof(score_config, threshold) == 0, "score_key.given 0 means none");

static int bad_value(assay_error *err, const char *section, const char *key, const char *want,
		     const char *value)
{
	return assay_fail(err, ASSAY_EINVAL, "[%s] %s: expected %s, got \"%.80s\"", section, key,
			  want, value);
}

static bool parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static bool parse_int(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < 0 || v > 1000000000)
		return false;
	*out = (int)v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1") ||
	    !strcasecmp(s, "on"))
		*out = true;
	else if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0") ||
		 !strcasecmp(s, "off"))
		*out = false;
	else
		return false;
	return true;
}

static int set_string(char **dst, const char *value, assay_error *err)
{
	char *v = assay_strdup(value);
	if (!v)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	free(*dst);
	*dst = v;
	return ASSAY_OK;
}

static int read_file(const char *path, char **out, assay_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return assay_fail(err, ASSAY_EIO, "%s: %s", path, strerror(errno));
	abuf b = {0};
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (abuf_append(&b, chunk, got) < 0 || b.len > (1u << 20)) {
			fclose(f);
			abuf_free(&b);
			return assay_fail(err, ASSAY_EINVAL, "%s: a prompt file of more than 1 MiB",
					  path);
		}
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		abuf_free(&b);
		return assay_fail(err, ASSAY_EIO, "%s: read error", path);
	}
	char *text = abuf_take(&b);
	if (!text)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	free(*out);
	*out = text;
	return ASSAY_OK;
}

static const struct {
	const char *name;
	uint32_t bit;
} script_names[] = {
    {"latin", SCORE_SCRIPT_LATIN},	 {"greek", SCORE_SCRIPT_GREEK},
    {"cyrillic", SCORE_SCRIPT_CYRILLIC}, {"armenian", SCORE_SCRIPT_ARMENIAN},
    {"hebrew", SCORE_SCRIPT_HEBREW},	 {"arabic", SCORE_SCRIPT_ARABIC},
    {"indic", SCORE_SCRIPT_INDIC},	 {"thai", SCORE_SCRIPT_THAI},
    {"cjk", SCORE_SCRIPT_CJK},		 {"other", SCORE_SCRIPT_OTHER},
};

static bool parse_scripts(const char *value, uint32_t *out)
{
	uint32_t mask = 0;
	const char *p = value;
	while (*p) {
		size_t n = strcspn(p, ", ");
		bool found = n == 0;
		for (size_t i = 0; i < ASSAY_ARRAY_LEN(script_names) && !found; i++)
			if (strlen(script_names[i].name) == n &&
			    !strncasecmp(p, script_names[i].name, n)) {
				mask |= script_names[i].bit;
				found = true;
			}
		if (!found)
			return false;
		p += n;
		p += strspn(p, ", ");
	}
	*out = mask;
	return true;
}

static bool in_bounds(const score_key *k, double v)
{
	return (k->lo_open ? v > k->lo : v >= k->lo) && v <= k->hi;
}

/* Reads value as key k's type into dst, within k's bounds; false when it
 * is not one (the caller says what was expected). Strings go through
 * set_string and read_file, which report their own errors. */
static bool parse_value(const score_key *k, const char *value, void *dst)
{
	double d;
	int i;
	switch ((enum score_key_type)k->type) {
	case SCORE_KEY_INT:
		if (!parse_int(value, &i) || !in_bounds(k, i))
			return false;
		*(int *)dst = i + k->add;
		return true;
	case SCORE_KEY_DOUBLE:
		if (!parse_double(value, &d) || !in_bounds(k, d))
			return false;
		*(double *)dst = d;
		return true;
	case SCORE_KEY_SECONDS:
		if (!parse_double(value, &d) || !in_bounds(k, d))
			return false;
		*(long *)dst = (long)(d * 1000);
		return true;
	case SCORE_KEY_BOOL:
		return parse_bool(value, dst);
	case SCORE_KEY_SCRIPTS:
		return parse_scripts(value, dst);
	case SCORE_KEY_STRING:
	case SCORE_KEY_FILE:
		break;
	}
	return false;
}

/* The one place a key's value is checked and stored: dst is where k's
 * value lives for this scorer; key is the name the error gives. */
static int key_set(const score_key *k, score_config *c, void *dst, const char *section,
		   const char *key, const char *value, assay_error *err)
{
	assert(k->want || k->type == SCORE_KEY_STRING || k->type == SCORE_KEY_FILE);
	int rc = ASSAY_OK;
	if (k->type == SCORE_KEY_STRING)
		rc = set_string(dst, value, err);
	else if (k->type == SCORE_KEY_FILE)
		rc = read_file(value, dst, err);
	else if (!parse_value(k, value, dst))
		return bad_value(err, section, key, k->want, value);
	if (rc == 0 && k->given)
		*(bool *)((char *)c + k->given) = true;
	return rc;
}

static const score_key *key_find(const score_key *keys, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* Where scorer id's value of a common key (threshold, weight) lives. */
static void *common_at(score_config *c, const score_key *k, enum score_id id)
{
	return (char *)c + k->at + (size_t)id * sizeof(double);
}

/* Fails on a name that is none of the known ones (a scorer's: def NULL;
 * else a key of def's section: threshold, weight and its own), listing
 * them. */
static int unknown(assay_error *err, const char *what, const score_def *def)
{
	abuf b = {0};
	if (def) {
		abuf_puts(&b, "threshold, weight");
		for (size_t i = 0; i < def->n_keys; i++)
			abuf_printf(&b, ", %s", def->keys[i].name);
	} else {
		for (size_t i = 0; i < SCORE_COUNT; i++)
			abuf_printf(&b, "%s%s", i ? ", " : "", score_defs[i].name);
	}
	if (!b.data)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	assay_fail(err, ASSAY_EINVAL, "%s (known: %s)", what, b.data);
	abuf_free(&b);
	return ASSAY_EINVAL;
}

int score_config_set(score_config *c, const char *section, const char *key, const char *value,
		     assay_error *err)
{
	char what[256];
	if (!strcmp(section, "weights")) {
		const score_def *def = score_find(key);
		snprintf(what, sizeof what, "[weights]: no scorer named \"%.80s\"", key);
		if (!def)
			return unknown(err, what, NULL);
		const score_key *w = &common_keys[1];
		return key_set(w, c, common_at(c, w, (enum score_id)(def - score_defs)), section,
			       key, value, err);
	}
	if (strncmp(section, "score.", 6) != 0)
		return assay_fail(err, ASSAY_EINVAL, "[%.80s]: not a scoring section", section);
	const score_def *def = score_find(section + 6);
	snprintf(what, sizeof what, "[%.80s]: no scorer named \"%.80s\"", section, section + 6);
	if (!def)
		return unknown(err, what, NULL);
	const score_key *k = key_find(common_keys, ASSAY_ARRAY_LEN(common_keys), key);
	if (k)
		return key_set(k, c, common_at(c, k, (enum score_id)(def - score_defs)), section,
			       key, value, err);
	k = key_find(def->keys, def->n_keys, key);
	if (k)
		return key_set(k, c, (char *)c + k->at, section, key, value, err);
	snprintf(what, sizeof what, "[%.80s]: unknown key \"%.80s\"", section, key);
	return unknown(err, what, def);
}

void score_config_init(score_config *c)
{
	*c = (score_config){0};
	for (size_t i = 0; i < SCORE_COUNT; i++) {
		for (size_t j = 0; j < ASSAY_ARRAY_LEN(common_keys); j++)
			*(double *)common_at(c, &common_keys[j], (enum score_id)i) =
			    common_keys[j].def;
		c->threshold[i] = score_defs[i].threshold;
		for (size_t j = 0; j < score_defs[i].n_keys; j++) {
			const score_key *k = &score_defs[i].keys[j];
			void *dst = (char *)c + k->at;
			if (k->type == SCORE_KEY_INT && k->def)
				*(int *)dst = (int)k->def;
			else if (k->type == SCORE_KEY_DOUBLE && k->def)
				*(double *)dst = k->def;
			else if (k->type == SCORE_KEY_BOOL && k->def)
				*(bool *)dst = true;
		}
	}
}

void score_config_free(score_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < SCORE_COUNT; i++)
		for (size_t j = 0; j < score_defs[i].n_keys; j++) {
			const score_key *k = &score_defs[i].keys[j];
			if (k->type == SCORE_KEY_STRING || k->type == SCORE_KEY_FILE)
				free(*(char **)((char *)c + k->at));
		}
	*c = (score_config){0};
}

void score_config_params(const score_def *d, const score_config *c, abuf *out)
{
	for (size_t j = 0; j < d->n_keys; j++) {
		const score_key *k = &d->keys[j];
		const void *v = (const char *)c + k->at;
		if (k->version == SCORE_KEY_UNVERSIONED)
			continue;
		switch ((enum score_key_type)k->type) {
		case SCORE_KEY_INT:
			abuf_printf(out, "|%d", *(const int *)v);
			break;
		case SCORE_KEY_BOOL:
			abuf_printf(out, "|%d", *(const bool *)v);
			break;
		case SCORE_KEY_SCRIPTS:
			abuf_printf(out, "|%u", *(const uint32_t *)v);
			break;
		case SCORE_KEY_DOUBLE:
			abuf_printf(out, k->version == SCORE_KEY_VERSIONED_EXACT ? "|%.17g" : "|%.6g",
				    *(const double *)v);
			break;
		case SCORE_KEY_STRING:
		case SCORE_KEY_FILE:
			abuf_printf(out, "|%s", *(char *const *)v ? *(char *const *)v : "");
			break;
		case SCORE_KEY_SECONDS:
			abuf_printf(out, "|%ld", *(const long *)v);
			break;
		}
	}
	if (d->params)
		d->params(c, out);
}
