/* scorers.c — the scorer table: one row per scorer with its keys, its
 * function and what its version follows; score versions and the combined
 * score. The keys are read in keys.c. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/text.h"
#include "score_int.h"

/* ---- the keys of each scorer's [score.NAME] section ------------------------ */

static const score_key length_keys[] = {
    SCORE_INT("min_words", min_words, 0, 1e9, 5, SCORE_KEY_VERSIONED, "an integer"),
    SCORE_INT("max_words", max_words, 0, 1e9, 300, SCORE_KEY_VERSIONED, "an integer"),
    SCORE_INT("min_chars", min_chars, 0, 1e9, 20, SCORE_KEY_VERSIONED, "an integer"),
    SCORE_INT("max_chars", max_chars, 0, 1e9, 3000, SCORE_KEY_VERSIONED, "an integer"),
};

static const score_key artifacts_keys[] = {
    SCORE_BOOL("markdown", markdown_ok, false, SCORE_KEY_VERSIONED,
	       "yes (Markdown is normal) or no"),
};

static const score_key charset_keys[] = {
    SCORE_SCRIPTS("scripts", scripts, SCORE_KEY_VERSIONED,
		  "a list of latin, greek, cyrillic, armenian, hebrew, arabic, indic, thai, "
		  "cjk, other"),
};

static const score_key neardup_keys[] = {
    SCORE_DOUBLE("jaccard", jaccard, 0, true, 1, 0.8, SCORE_KEY_VERSIONED,
		 "a similarity in (0, 1]"),
};

static const score_key field_keys[] = {
    SCORE_STRING("name", field, SCORE_KEY_VERSIONED),
    SCORE_DOUBLE_GIVEN("min", field_min, field_range, 0, SCORE_KEY_VERSIONED_EXACT, "a number"),
    SCORE_DOUBLE_GIVEN("max", field_max, field_range, 1, SCORE_KEY_VERSIONED_EXACT, "a number"),
};

/* The keys both remote scorers have, for R (judge or classifier). */
#define REMOTE_KEYS(R)                                                                       \
	SCORE_STRING("endpoint", R.endpoint, SCORE_KEY_UNVERSIONED),                          \
	    SCORE_INT("concurrency", R.concurrency, 1, 1024, 8, SCORE_KEY_UNVERSIONED,        \
		      "an integer from 1 to 1024"),                                           \
	    SCORE_SECONDS("timeout", R.net.timeout_ms, 86400, "seconds (e.g. 30 or 0.5)"),    \
	    SCORE_SECONDS("connect_timeout", R.net.connect_timeout_ms, 86400,                 \
			  "seconds (e.g. 30 or 0.5)"),                                        \
	    SCORE_INT_PLUS("retries", R.net.max_attempts, 0, 20, 1, "an integer from 0 to 20"), \
	    SCORE_BOOL("insecure", R.net.insecure, false, SCORE_KEY_UNVERSIONED, "yes or no")

static const score_key judge_keys[] = {
    REMOTE_KEYS(judge),
    SCORE_STRING("model", judge.model, SCORE_KEY_UNVERSIONED),
    SCORE_FILE("prompt_file", judge.prompt),
    SCORE_BOOL("response_format", judge.response_format, true, SCORE_KEY_UNVERSIONED,
	       "yes or no"),
};

static const score_key classifier_keys[] = {
    REMOTE_KEYS(classifier),
    SCORE_STRING("label", classifier.label, SCORE_KEY_UNVERSIONED),
    SCORE_BOOL("label_bad", classifier.label_bad, false, SCORE_KEY_UNVERSIONED, "yes or no"),
    SCORE_BOOL("pairs", classifier.pairs, false, SCORE_KEY_UNVERSIONED, "yes or no"),
};

static const score_key learned_keys[] = {
    SCORE_INT("min_verdicts", learned_min_verdicts, 0, 1e9, 200, SCORE_KEY_UNVERSIONED,
	      "a whole number of verdicts"),
};

/* What a remote scorer's version follows: its endpoint's configuration
 * (never the API key). */
static void judge_params(const score_config *cfg, abuf *out)
{
	abuf_printf(out, "|%016llx",
		    (unsigned long long)score_remote_config_hash(SCORE_LLM_JUDGE, &cfg->judge));
}

static void classifier_params(const score_config *cfg, abuf *out)
{
	abuf_printf(out, "|%016llx", (unsigned long long)score_remote_config_hash(
					 SCORE_CLASSIFIER, &cfg->classifier));
}

/* A new model makes every learned score stale. */
static void learned_params(const score_config *cfg, abuf *out)
{
	abuf_printf(out, "|model %lld", (long long)cfg->learned_model);
}

/* ---- one row per scorer -------------------------------------------------------- */

/* Indexed by enum score_id; a field a row leaves out is NULL or 0. */
const score_def score_defs[SCORE_COUNT] = {
    [SCORE_LENGTH] =
	{.name = "length",
	 .version = "1",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_TEXT,
	 .builtin = true,
	 .fn = score_length,
	 .summary = "word and character counts within bounds",
	 .keys = length_keys,
	 .n_keys = ASSAY_ARRAY_LEN(length_keys)},
    [SCORE_GOPHER] =
	{.name = "gopher",
	 .version = "2",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_TEXT,
	 .builtin = true,
	 .fn = score_gopher,
	 .summary = "Gopher quality rules: word length, symbols, letters, stop words, bullets"},
    [SCORE_REPETITION] =
	{.name = "repetition",
	 .version = "1",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_TEXT,
	 .builtin = true,
	 .fn = score_repetition,
	 .summary = "repeated sentences, frequent and duplicated n-grams, generation loops"},
    [SCORE_ARTIFACTS] =
	{.name = "artifacts",
	 .version = "3",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_TEXT,
	 .builtin = true,
	 .fn = score_artifacts,
	 .summary = "refusals, meta-commentary, placeholders, Markdown, prompt leakage (not what the "
		    "prompt asked for, not inside code)",
	 .keys = artifacts_keys,
	 .n_keys = ASSAY_ARRAY_LEN(artifacts_keys)},
    [SCORE_TRUNCATION] =
	{.name = "truncation",
	 .version = "2",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_TEXT,
	 .builtin = true,
	 .fn = score_truncation,
	 .summary = "ends mid-sentence, unbalanced quotes or brackets"},
    [SCORE_CHARSET] =
	{.name = "charset",
	 .version = "1",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_TEXT,
	 .builtin = true,
	 .fn = score_charset,
	 .summary = "replacement and control characters, bidi controls, mojibake, mixed scripts",
	 .keys = charset_keys,
	 .n_keys = ASSAY_ARRAY_LEN(charset_keys)},
    [SCORE_HEDGING] =
	{.name = "hedging",
	 .version = "1",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_TEXT,
	 .builtin = true,
	 .fn = score_hedging,
	 .summary = "generic openers and hedges, by density"},
    [SCORE_NEARDUP] =
	{.name = "neardup",
	 .version = "2",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_CORPUS,
	 .builtin = true,
	 .fn = NULL,
	 .summary = "near-duplicates across the database over context and text (MinHash + LSH, "
		    "Jaccard 0.8)",
	 .keys = neardup_keys,
	 .n_keys = ASSAY_ARRAY_LEN(neardup_keys)},
    [SCORE_FIELD] =
	{.name = "field",
	 .version = "1",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_TEXT,
	 .builtin = false,
	 .fn = score_field,
	 .summary = "a numeric field of the record mapped to [0,1]",
	 .keys = field_keys,
	 .n_keys = ASSAY_ARRAY_LEN(field_keys),
	 .needs = SCORE_NEEDS_RECORD | SCORE_NEEDS_RANGE},
    [SCORE_LLM_JUDGE] =
	{.name = "llm-judge",
	 .version = "1",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_REMOTE,
	 .builtin = false,
	 .fn = NULL,
	 .summary = "an OpenAI-compatible chat endpoint grading with a rubric",
	 .keys = judge_keys,
	 .n_keys = ASSAY_ARRAY_LEN(judge_keys),
	 .needs = SCORE_NEEDS_RECORD,
	 .params = judge_params},
    [SCORE_CLASSIFIER] =
	{.name = "classifier",
	 .version = "1",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_REMOTE,
	 .builtin = false,
	 .fn = NULL,
	 .summary = "a text-classification endpoint (/predict), one label's score",
	 .keys = classifier_keys,
	 .n_keys = ASSAY_ARRAY_LEN(classifier_keys),
	 .params = classifier_params},
    [SCORE_TASK] =
	{.name = "task",
	 .version = "1",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_TEXT,
	 .builtin = true,
	 .fn = score_task,
	 .summary = "responses that decline in disguise; prompts asking a text model for what "
		    "it cannot make or see"},
    [SCORE_LEARNED] =
	{.name = "learned",
	 .version = "1",
	 .threshold = 0.5,
	 .kind = SCORE_KIND_MODEL,
	 .builtin = true,
	 .fn = NULL,
	 .summary = "1 - P(rejected) by the model `assay learn` trained on the verdicts",
	 .keys = learned_keys,
	 .n_keys = ASSAY_ARRAY_LEN(learned_keys),
	 .params = learned_params},
};

const score_def *score_find(const char *name)
{
	for (size_t i = 0; i < SCORE_COUNT; i++)
		if (strcmp(score_defs[i].name, name) == 0)
			return &score_defs[i];
	return NULL;
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
	assert(id < SCORE_COUNT);
	abuf b = {0};
	abuf_printf(&b, "%s|%.6g", score_defs[id].name, cfg->threshold[id]);
	score_config_params(&score_defs[id], cfg, &b);
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
