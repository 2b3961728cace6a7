/* scorers.c — the scorer table (one row per scorer), the configuration
 * with its documented defaults, score versions and the combined score. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/text.h"
#include "score_int.h"

/* One row per scorer, in enum score_id order. */
const score_def score_defs[SCORE_COUNT] = {
    {"length", "1", 0.5, SCORE_KIND_TEXT, true, score_length,
     "word and character counts within bounds"},
    {"gopher", "2", 0.5, SCORE_KIND_TEXT, true, score_gopher,
     "Gopher quality rules: word length, symbols, letters, stop words, bullets"},
    {"repetition", "1", 0.5, SCORE_KIND_TEXT, true, score_repetition,
     "repeated sentences, frequent and duplicated n-grams, generation loops"},
    {"artifacts", "3", 0.5, SCORE_KIND_TEXT, true, score_artifacts,
     "refusals, meta-commentary, placeholders, Markdown, prompt leakage (not what the "
     "prompt asked for, not inside code)"},
    {"truncation", "2", 0.5, SCORE_KIND_TEXT, true, score_truncation,
     "ends mid-sentence, unbalanced quotes or brackets"},
    {"charset", "1", 0.5, SCORE_KIND_TEXT, true, score_charset,
     "replacement and control characters, bidi controls, mojibake, mixed scripts"},
    {"hedging", "1", 0.5, SCORE_KIND_TEXT, true, score_hedging,
     "generic openers and hedges, by density"},
    {"neardup", "2", 0.5, SCORE_KIND_CORPUS, true, NULL,
     "near-duplicates across the database over context and text (MinHash + LSH, "
     "Jaccard 0.8)"},
    {"field", "1", 0.5, SCORE_KIND_TEXT, false, score_field,
     "a numeric field of the record mapped to [0,1]"},
    {"llm-judge", "1", 0.5, SCORE_KIND_REMOTE, false, NULL,
     "an OpenAI-compatible chat endpoint grading with a rubric"},
    {"classifier", "1", 0.5, SCORE_KIND_REMOTE, false, NULL,
     "a text-classification endpoint (/predict), one label's score"},
    {"task", "1", 0.5, SCORE_KIND_TEXT, true, score_task,
     "responses that decline in disguise; prompts asking a text model for what it cannot "
     "make or see"},
    {"learned", "1", 0.5, SCORE_KIND_MODEL, true, NULL,
     "1 - P(rejected) by the model `assay learn` trained on the verdicts"},
};

const score_def *score_find(const char *name)
{
	for (size_t i = 0; i < SCORE_COUNT; i++)
		if (strcmp(score_defs[i].name, name) == 0)
			return &score_defs[i];
	return NULL;
}

void score_config_init(score_config *c)
{
	*c = (score_config){
	    .min_words = 5,
	    .max_words = 300,
	    .min_chars = 20,
	    .max_chars = 3000,
	    .jaccard = 0.8,
	    .field_min = 0,
	    .field_max = 1,
	    .learned_min_verdicts = 200,
	};
	for (size_t i = 0; i < SCORE_COUNT; i++) {
		c->threshold[i] = score_defs[i].threshold;
		c->weight[i] = 1.0;
	}
	c->judge.concurrency = c->classifier.concurrency = 8;
	c->judge.response_format = true;
}

static void remote_free(score_remote *r)
{
	free(r->endpoint);
	free(r->model);
	free(r->prompt);
	free(r->label);
}

void score_config_free(score_config *c)
{
	if (!c)
		return;
	free(c->field);
	remote_free(&c->judge);
	remote_free(&c->classifier);
	*c = (score_config){0};
}

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

static int set_scripts(score_config *c, const char *sec, const char *value, assay_error *err)
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
			return bad_value(err, sec, "scripts",
					 "a list of latin, greek, cyrillic, "
					 "armenian, hebrew, arabic, indic, thai, cjk, other",
					 value);
		p += n;
		p += strspn(p, ", ");
	}
	c->scripts = mask;
	return ASSAY_OK;
}

/* Keys of the remote scorers' sections. */
static int set_remote(score_remote *r, bool judge, const char *sec, const char *key,
		      const char *value, assay_error *err)
{
	double d;
	int i;
	if (!strcmp(key, "endpoint"))
		return set_string(&r->endpoint, value, err);
	if (!strcmp(key, "concurrency"))
		return parse_int(value, &i) && i >= 1 && i <= 1024
			   ? (r->concurrency = i, 0)
			   : bad_value(err, sec, key, "an integer from 1 to 1024", value);
	if (!strcmp(key, "timeout") || !strcmp(key, "connect_timeout")) {
		if (!parse_double(value, &d) || d <= 0 || d > 86400)
			return bad_value(err, sec, key, "seconds (e.g. 30 or 0.5)", value);
		*(key[0] == 't' ? &r->net.timeout_ms : &r->net.connect_timeout_ms) =
		    (long)(d * 1000);
		return ASSAY_OK;
	}
	if (!strcmp(key, "retries"))
		return parse_int(value, &i) && i <= 20
			   ? (r->net.max_attempts = i + 1, 0)
			   : bad_value(err, sec, key, "an integer from 0 to 20", value);
	if (!strcmp(key, "insecure"))
		return parse_bool(value, &r->net.insecure)
			   ? 0
			   : bad_value(err, sec, key, "yes or no", value);
	if (judge && !strcmp(key, "model"))
		return set_string(&r->model, value, err);
	if (judge && !strcmp(key, "prompt_file"))
		return read_file(value, &r->prompt, err);
	if (judge && !strcmp(key, "response_format"))
		return parse_bool(value, &r->response_format)
			   ? 0
			   : bad_value(err, sec, key, "yes or no", value);
	if (!judge && !strcmp(key, "label"))
		return set_string(&r->label, value, err);
	if (!judge && !strcmp(key, "label_bad"))
		return parse_bool(value, &r->label_bad)
			   ? 0
			   : bad_value(err, sec, key, "yes or no", value);
	if (!judge && !strcmp(key, "pairs"))
		return parse_bool(value, &r->pairs) ? 0
						    : bad_value(err, sec, key, "yes or no", value);
	return assay_fail(err, ASSAY_EINVAL, "[%s]: unknown key \"%.80s\"", sec, key);
}

/* Keys of one built-in scorer's section (threshold and weight aside). */
static int set_rule(score_config *c, enum score_id id, const char *sec, const char *key,
		    const char *value, assay_error *err)
{
	int *ip = NULL;
	if (id == SCORE_LENGTH) {
		ip = !strcmp(key, "min_words")	 ? &c->min_words
		     : !strcmp(key, "max_words") ? &c->max_words
		     : !strcmp(key, "min_chars") ? &c->min_chars
		     : !strcmp(key, "max_chars") ? &c->max_chars
						 : NULL;
		if (ip)
			return parse_int(value, ip) ? 0
						    : bad_value(err, sec, key, "an integer", value);
	}
	if (id == SCORE_ARTIFACTS && !strcmp(key, "markdown"))
		return parse_bool(value, &c->markdown_ok)
			   ? 0
			   : bad_value(err, sec, key, "yes (Markdown is normal) or no", value);
	if (id == SCORE_CHARSET && !strcmp(key, "scripts"))
		return set_scripts(c, sec, value, err);
	if (id == SCORE_NEARDUP && !strcmp(key, "jaccard")) {
		double d;
		return parse_double(value, &d) && d > 0 && d <= 1
			   ? (c->jaccard = d, 0)
			   : bad_value(err, sec, key, "a similarity in (0, 1]", value);
	}
	if (id == SCORE_FIELD && !strcmp(key, "name"))
		return set_string(&c->field, value, err);
	if (id == SCORE_FIELD && (!strcmp(key, "min") || !strcmp(key, "max"))) {
		double d;
		if (!parse_double(value, &d))
			return bad_value(err, sec, key, "a number", value);
		*(key[1] == 'i' ? &c->field_min : &c->field_max) = d;
		c->field_range = true;
		return ASSAY_OK;
	}
	if (id == SCORE_LEARNED && !strcmp(key, "min_verdicts"))
		return parse_int(value, &c->learned_min_verdicts) && c->learned_min_verdicts >= 0
			   ? 0
			   : bad_value(err, sec, key, "a whole number of verdicts", value);
	if (id == SCORE_LLM_JUDGE || id == SCORE_CLASSIFIER)
		return set_remote(id == SCORE_LLM_JUDGE ? &c->judge : &c->classifier,
				  id == SCORE_LLM_JUDGE, sec, key, value, err);
	return assay_fail(err, ASSAY_EINVAL, "[%s]: unknown key \"%.80s\"", sec, key);
}

int score_config_set(score_config *c, const char *section, const char *key, const char *value,
		     assay_error *err)
{
	double d;
	if (!strcmp(section, "weights")) {
		const score_def *def = score_find(key);
		if (!def)
			return assay_fail(err, ASSAY_EINVAL, "[weights]: no scorer named \"%.80s\"",
					  key);
		if (!parse_double(value, &d) || d < 0 || d > 100)
			return bad_value(err, section, key, "a weight from 0 to 100", value);
		c->weight[def - score_defs] = d;
		return ASSAY_OK;
	}
	if (strncmp(section, "score.", 6) != 0)
		return assay_fail(err, ASSAY_EINVAL, "[%.80s]: not a scoring section", section);
	const score_def *def = score_find(section + 6);
	if (!def)
		return assay_fail(err, ASSAY_EINVAL, "[%.80s]: no scorer named \"%.80s\"", section,
				  section + 6);
	enum score_id id = (enum score_id)(def - score_defs);
	if (!strcmp(key, "threshold")) {
		if (!parse_double(value, &d) || d < 0 || d > 1)
			return bad_value(err, section, key, "a value in [0, 1]", value);
		c->threshold[id] = d;
		return ASSAY_OK;
	}
	if (!strcmp(key, "weight")) {
		if (!parse_double(value, &d) || d < 0 || d > 100)
			return bad_value(err, section, key, "a weight from 0 to 100", value);
		c->weight[id] = d;
		return ASSAY_OK;
	}
	return set_rule(c, id, section, key, value, err);
}

int score_config_field(score_config *c, const char *spec, assay_error *err)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (n == 0)
		return assay_fail(err, ASSAY_EINVAL,
				  "--score-field: expected NAME or NAME:MIN:MAX, "
				  "got \"%.80s\"",
				  spec);
	char *name = assay_strndup(spec, n);
	if (!name)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (colon) {
		char *end;
		double lo = strtod(colon + 1, &end);
		double hi = *end == ':' ? strtod(end + 1, &end) : NAN;
		if (*end || !isfinite(lo) || !isfinite(hi) || hi <= lo) {
			free(name);
			return assay_fail(err, ASSAY_EINVAL,
					  "--score-field: expected NAME:MIN:MAX with "
					  "MIN < MAX, got \"%.80s\"",
					  spec);
		}
		c->field_min = lo;
		c->field_max = hi;
		c->field_range = true;
	} else {
		/* The run fills in the data's range. */
		c->field_min = 0;
		c->field_max = 1;
		c->field_range = false;
	}
	free(c->field);
	c->field = name;
	return ASSAY_OK;
}

void score_text_run(enum score_id id, score_text *t, const score_config *cfg, score_result *out)
{
	out->value = NAN;
	out->reason[0] = out->detail[0] = '\0';
	out->flagged = false;
	if (id >= SCORE_COUNT || !score_defs[id].fn)
		return;
	score_defs[id].fn(t, cfg, out);
	out->flagged = !isnan(out->value) && out->value < cfg->threshold[id];
}

void score_version(enum score_id id, const score_config *cfg, char out[32])
{
	abuf b = {0};
	abuf_printf(&b, "%s|%.6g", score_defs[id].name, cfg->threshold[id]);
	switch (id) {
	case SCORE_LENGTH:
		abuf_printf(&b, "|%d|%d|%d|%d", cfg->min_words, cfg->max_words, cfg->min_chars,
			    cfg->max_chars);
		break;
	case SCORE_ARTIFACTS:
		abuf_printf(&b, "|%d", cfg->markdown_ok);
		break;
	case SCORE_CHARSET:
		abuf_printf(&b, "|%u", cfg->scripts);
		break;
	case SCORE_NEARDUP:
		abuf_printf(&b, "|%.6g", cfg->jaccard);
		break;
	case SCORE_FIELD:
		abuf_printf(&b, "|%s|%.17g|%.17g", cfg->field ? cfg->field : "", cfg->field_min,
			    cfg->field_max);
		break;
	case SCORE_LLM_JUDGE:
		abuf_printf(&b, "|%016llx",
			    (unsigned long long)score_remote_config_hash(id, &cfg->judge));
		break;
	case SCORE_CLASSIFIER:
		abuf_printf(&b, "|%016llx",
			    (unsigned long long)score_remote_config_hash(id, &cfg->classifier));
		break;
	case SCORE_LEARNED: /* a new model makes every learned score stale */
		abuf_printf(&b, "|model %lld", (long long)cfg->learned_model);
		break;
	default:
		break;
	}
	uint64_t h = b.data ? text_hash64(b.data, b.len, 0) : 0;
	abuf_free(&b);
	snprintf(out, 32, "%s.%08x", score_defs[id].version, (unsigned)(h >> 32));
}

double score_combine(const double *values, const double *weights, size_t n)
{
	double q = 1.0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(values[i]) || weights[i] <= 0)
			continue;
		double v = values[i] < 0 ? 0 : values[i] > 1 ? 1 : values[i];
		q *= weights[i] == 1.0 ? v : pow(v, weights[i]);
	}
	return q;
}

int score_parse_names(const char *list, enum score_id *ids, size_t *n, assay_error *err)
{
	*n = 0;
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ",");
		if (len) {
			char name[64];
			if (len >= sizeof name)
				return assay_fail(err, ASSAY_EINVAL,
						  "--scorer: no scorer named \"%.*s\"",
						  (int)(len > 80 ? 80 : len), p);
			memcpy(name, p, len);
			name[len] = '\0';
			const score_def *d = score_find(name);
			if (!d) {
				abuf all = {0};
				for (size_t i = 0; i < SCORE_COUNT; i++)
					abuf_printf(&all, "%s%s", i ? ", " : "",
						    score_defs[i].name);
				assay_fail(err, ASSAY_EINVAL,
					   "--scorer: no scorer named \"%s\" (known: %s)", name,
					   all.data ? all.data : "");
				abuf_free(&all);
				return err->code;
			}
			enum score_id id = (enum score_id)(d - score_defs);
			bool seen = false;
			for (size_t i = 0; i < *n; i++)
				seen |= ids[i] == id;
			if (!seen)
				ids[(*n)++] = id;
		}
		p += len;
		p += *p == ',';
	}
	if (*n == 0)
		return assay_fail(err, ASSAY_EINVAL, "--scorer: no scorer named in \"%.80s\"",
				  list);
	return ASSAY_OK;
}
