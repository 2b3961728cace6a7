/* test_scorers.c — the scorer table, configuration keys, versions, the
 * ramp and the combined score (src/score/scorers.c, conf_keys.c), and the
 * field scorer (src/score/field.c). */
#include <math.h>

#include "assay/conf.h"
#include "helpers.h"
#include "unit.h"

TEST(table_rows)
{
	CHECK_INT(ASSAY_ARRAY_LEN(score_defs), SCORE_COUNT);
	for (size_t i = 0; i < SCORE_COUNT; i++) {
		CHECK(score_find(score_defs[i].name) == &score_defs[i]);
		CHECK(score_defs[i].threshold > 0 && score_defs[i].threshold < 1);
		CHECK((score_defs[i].kind == SCORE_KIND_TEXT) == (score_defs[i].fn != NULL));
	}
	CHECK(score_find("nope") == NULL);
	CHECK(score_defs[SCORE_NEARDUP].builtin);
	CHECK(!score_defs[SCORE_LLM_JUDGE].builtin);
}

TEST(ramp_and_hits)
{
	CHECK_NEAR(score_ramp(0, 0, 0.3), 1, 1e-12);
	CHECK_NEAR(score_ramp(0.3, 0, 0.3), 0.5, 1e-12);
	CHECK_NEAR(score_ramp(0.6, 0, 0.3), 0, 1e-12);
	CHECK_NEAR(score_ramp(0.9, 0, 0.3), 0, 1e-12);
	CHECK_NEAR(score_ramp(-1, 0, 0.3), 1, 1e-12);
	/* Lower is worse. */
	CHECK_NEAR(score_ramp(0.8, 0.9, 0.8), 0.5, 1e-12);
	CHECK_NEAR(score_ramp(1.0, 0.9, 0.8), 1, 1e-12);
	CHECK(isnan(score_ramp(NAN, 0, 1)));
}

TEST(combine_product)
{
	double w[3] = {1, 1, 1};
	double v[3] = {1, 1, 1};
	CHECK_NEAR(score_combine(v, w, 3), 1, 1e-12);
	double v2[3] = {0.5, 0.8, NAN};
	CHECK_NEAR(score_combine(v2, w, 3), 0.4, 1e-12);
	double w2[3] = {2, 0, 1};
	CHECK_NEAR(score_combine(v2, w2, 3), 0.25, 1e-12);
	double v3[3] = {0, 1, 1};
	CHECK_NEAR(score_combine(v3, w, 3), 0, 1e-12);
	CHECK_NEAR(score_combine(v, w, 0), 1, 1e-12);
	/* Out of range values are clamped. */
	double v4[1] = {1.5};
	CHECK_NEAR(score_combine(v4, w, 1), 1, 1e-12);
}

TEST(config_keys)
{
	score_config c;
	score_config_init(&c);
	assay_error err = {0};
	CHECK_INT(score_config_set(&c, "score.repetition", "threshold", "0.3", &err), 0);
	CHECK_NEAR(c.threshold[SCORE_REPETITION], 0.3, 1e-12);
	CHECK_INT(score_config_set(&c, "weights", "gopher", "0.5", &err), 0);
	CHECK_NEAR(c.weight[SCORE_GOPHER], 0.5, 1e-12);
	CHECK_INT(score_config_set(&c, "score.hedging", "weight", "2", &err), 0);
	CHECK_NEAR(c.weight[SCORE_HEDGING], 2, 1e-12);
	CHECK(score_config_set(&c, "score.repetition", "threshold", "1.5", &err) < 0);
	CHECK_CONTAINS(err.msg, "[score.repetition] threshold: expected a value in [0, 1]");
	CHECK(score_config_set(&c, "score.nope", "threshold", "0.5", &err) < 0);
	CHECK_CONTAINS(err.msg, "[score.nope]: no scorer named \"nope\" (known: length, gopher, ");
	CHECK_CONTAINS(err.msg, ", task, learned)");
	CHECK(score_config_set(&c, "weights", "hedgin", "0.5", &err) < 0);
	CHECK_CONTAINS(err.msg, "[weights]: no scorer named \"hedgin\" (known: length, gopher, ");
	CHECK(score_config_set(&c, "score.length", "colour", "red", &err) < 0);
	CHECK_STR(err.msg, "[score.length]: unknown key \"colour\" (known: threshold, weight, "
			   "min_words, max_words, min_chars, max_chars)");
	CHECK(score_config_set(&c, "score.gopher", "min_words", "1", &err) < 0);
	CHECK_STR(err.msg, "[score.gopher]: unknown key \"min_words\" (known: threshold, weight)");
	CHECK(score_config_set(&c, "weights", "gopher", "x", &err) < 0);
	CHECK_INT(score_config_set(&c, "score.llm-judge", "endpoint", "http://h/v1", &err), 0);
	CHECK_STR(c.judge.endpoint, "http://h/v1");
	CHECK_INT(score_config_set(&c, "score.llm-judge", "timeout", "2.5", &err), 0);
	CHECK_INT(c.judge.net.timeout_ms, 2500);
	CHECK_INT(score_config_set(&c, "score.classifier", "label_bad", "yes", &err), 0);
	CHECK(c.classifier.label_bad);
	CHECK(score_config_set(&c, "score.llm-judge", "prompt_file", "/nonexistent/x", &err) < 0);
	CHECK_INT(err.code, ASSAY_EIO);
	score_config_free(&c);
}

TEST(config_from_conf_file)
{
	conf *cf = conf_new();
	assay_error err = {0};
	const char text[] = "[score.length]\nmin_words = 2\n[weights]\nhedging = 0.25\n"
			    "[score]\nsomething_else = 1\n";
	CHECK_INT(conf_load_string(cf, "assay.conf", text, sizeof text - 1, &err), 0);
	score_config c;
	score_config_init(&c);
	CHECK_INT(score_config_from_conf(&c, cf, &err), 0);
	CHECK_INT(c.min_words, 2);
	CHECK_NEAR(c.weight[SCORE_HEDGING], 0.25, 1e-12);
	const char bad[] = "[score.gopher]\nthreshold = 2\n";
	CHECK_INT(conf_load_string(cf, "assay.conf", bad, sizeof bad - 1, &err), 0);
	CHECK(score_config_from_conf(&c, cf, &err) < 0);
	CHECK_CONTAINS(err.msg, "assay.conf:2");
	score_config_free(&c);
	conf_free(cf);
}

TEST(versions_follow_settings)
{
	score_config a, b;
	score_config_init(&a);
	score_config_init(&b);
	char va[32], vb[32];
	score_version(SCORE_LENGTH, &a, va);
	score_version(SCORE_LENGTH, &b, vb);
	CHECK_STR(va, vb);
	CHECK(va[0] == '1' && va[1] == '.');
	b.min_words = 2;
	score_version(SCORE_LENGTH, &b, vb);
	CHECK(strcmp(va, vb) != 0);
	/* Weights do not change what a scorer says. */
	b = a;
	b.weight[SCORE_LENGTH] = 3;
	score_version(SCORE_LENGTH, &b, vb);
	CHECK_STR(va, vb);
	b.threshold[SCORE_LENGTH] = 0.7;
	score_version(SCORE_LENGTH, &b, vb);
	CHECK(strcmp(va, vb) != 0);
	/* The API key never enters a version or a cache key. */
	score_version(SCORE_LLM_JUDGE, &a, va);
	uint64_t h1 = score_remote_config_hash(SCORE_LLM_JUDGE, &a.judge);
	a.judge.net.bearer = "sk-secret";
	score_version(SCORE_LLM_JUDGE, &a, vb);
	CHECK_STR(va, vb);
	CHECK(h1 == score_remote_config_hash(SCORE_LLM_JUDGE, &a.judge));
	a.judge.model = "m2";
	CHECK(h1 != score_remote_config_hash(SCORE_LLM_JUDGE, &a.judge));
	a.judge.model = NULL;
}

TEST(parse_names)
{
	enum score_id ids[SCORE_COUNT];
	size_t n;
	assay_error err = {0};
	CHECK_INT(score_parse_names("length,neardup,length", ids, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_INT(ids[1], SCORE_NEARDUP);
	CHECK(score_parse_names("length,bogus", ids, &n, &err) < 0);
	CHECK_CONTAINS(err.msg, "no scorer named \"bogus\" (known: length, gopher");
	CHECK(score_parse_names(",", ids, &n, &err) < 0);
}

static score_result field_on(score_config *c, const char *record)
{
	score_text t = {0};
	score_result r;
	score_text_analyse(&t, "x", 1, c);
	t.record = record;
	t.record_len = record ? strlen(record) : 0;
	score_text_run(SCORE_FIELD, &t, c, &r);
	score_text_free(&t);
	return r;
}

TEST(field_mapping)
{
	score_config c;
	score_config_init(&c);
	assay_error err = {0};
	CHECK_INT(score_config_field(&c, "logprob:-1:0", &err), 0);
	score_result r = field_on(&c, "{\"logprob\": -0.3}");
	CHECK_NEAR(r.value, 0.7, 1e-9);
	CHECK(!r.flagged);
	CHECK_CONTAINS(r.reason, "logprob = -0.3");
	r = field_on(&c, "{\"logprob\": -0.8}");
	CHECK(r.flagged);
	CHECK_NEAR(field_on(&c, "{\"logprob\": -5}").value, 0, 1e-9);
	CHECK_NEAR(field_on(&c, "{\"logprob\": \"-0.5\"}").value, 0.5, 1e-9);
	r = field_on(&c, "{\"other\": 1}");
	CHECK(isnan(r.value));
	CHECK(!r.flagged);
	CHECK_CONTAINS(r.reason, "no number at \"logprob\"");
	CHECK(isnan(field_on(&c, "not json").value));
	CHECK_INT(score_config_field(&c, "meta.reward", &err), 0);
	CHECK(!c.field_range);
	CHECK_NEAR(field_on(&c, "{\"meta\": {\"reward\": 0.25}}").value, 0.25, 1e-9);
	CHECK_NEAR(field_on(&c, "{\"meta.reward\": 0.9, \"meta\": {\"reward\": 0.1}}").value, 0.9,
		   1e-9);
	CHECK(score_config_field(&c, "x:1", &err) < 0);
	CHECK(score_config_field(&c, "x:2:1", &err) < 0);
	CHECK(score_config_field(&c, ":0:1", &err) < 0);
	score_config_free(&c);
}

UNIT_MAIN(UNIT_CASE(table_rows), UNIT_CASE(ramp_and_hits), UNIT_CASE(combine_product),
	  UNIT_CASE(config_keys), UNIT_CASE(config_from_conf_file),
	  UNIT_CASE(versions_follow_settings), UNIT_CASE(parse_names), UNIT_CASE(field_mapping))
