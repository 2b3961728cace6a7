/* test_learn.c — unit tests of src/learn/: the FTRL step against hand
 * computation, features, honesty of the figures (random labels give
 * chance), determinism, the saved bytes, the reason head, explanations. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/learn/ftrl.h"
#include "assay/learn.h"
#include "unit.h"

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Mann-Whitney AUC of p against labels (1 = rejected), ties half. */
static double auc(const float *p, const uint8_t *y, size_t n)
{
	double wins = 0, pos = 0, neg = 0;
	for (size_t i = 0; i < n; i++)
		pos += y[i], neg += !y[i];
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; y[i] && j < n; j++)
			if (!y[j])
				wins += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
	return wins / (pos * neg);
}

TEST(ftrl_step_matches_hand_computation)
{
	learn_settings s;
	learn_settings_default(&s);
	s.l1 = 0;
	s.l2 = 1;
	s.alpha = 0.1;
	s.beta = 1;
	s.bits = 16;
	ftrl m;
	CHECK_INT(ftrl_init(&m, 16), 0);
	learn_feat f = {.idx = 7, .val = 1};
	learn_fvec fv = {.v = &f, .n = 1};
	double p = learn_sigmoid(ftrl_logit(&s, &m, &fv));
	CHECK_NEAR(p, 0.5, 1e-12);
	/* g = (0.5 - 1) = -0.5; sigma = sqrt(0.25) / 0.1 = 5; z = -0.5; n = 0.25;
	 * w = 0.5 / ((1 + 0.5) / 0.1 + 1) = 0.03125 */
	ftrl_update(&s, &m, &fv, p, 1, 1.0);
	CHECK_NEAR(m.c[7].z, -0.5, 1e-7);
	CHECK_NEAR(m.c[7].n, 0.25, 1e-7);
	CHECK_NEAR(ftrl_weight(&s, m.c[7].z, m.c[7].n), 0.03125, 1e-7);
	CHECK_NEAR(m.c[7].w, 0.03125, 1e-7); /* the kept weight is the derived one */
	/* with L1 = 0.5 the same z sits on the ball's edge: weight 0 */
	s.l1 = 0.5;
	CHECK_NEAR(ftrl_weight(&s, m.c[7].z, m.c[7].n), 0.0, 0);
	/* a weight of 2 halves the step's gradient's sign-free size twice over */
	ftrl_free(&m);
}

static bool has_name(const learn_fvec *fv, const char *name)
{
	for (size_t i = 0; i < fv->n; i++)
		if (strcmp(learn_fvec_name(fv, i), name) == 0)
			return true;
	return false;
}

TEST(features_are_words_pairs_lengths_and_numbers)
{
	learn_settings s;
	learn_settings_default(&s);
	learn_field f[] = {{"instruction", "Draw a LOGO draw", 16}, {"text", "", 0}};
	learn_number num[] = {{"repetition", 0.3}, {"broken", NAN}};
	learn_example ex = {f, 2, num, 2};
	learn_fvec fv = {.keep_names = true};
	CHECK_INT(learn_extract(&s, &ex, &fv), 0);
	CHECK(has_name(&fv, "instruction\x1f" "draw"));
	CHECK(has_name(&fv, "instruction\x1f" "a logo"));
	CHECK(has_name(&fv, "instruction\x1f#len=3")); /* 4 words: 4-7 */
	CHECK(has_name(&fv, "text\x1f#len=0"));
	CHECK(has_name(&fv, "#score\x1frepetition"));
	CHECK(has_name(&fv, "#score\x1frepetition=1"));
	CHECK(!has_name(&fv, "#score\x1f" "broken"));
	for (size_t i = 0; i < fv.n; i++)
		for (size_t j = 0; j < i; j++)
			CHECK(fv.v[i].idx != fv.v[j].idx); /* each index once */
	for (size_t i = 0; i < fv.n; i++)
		if (strcmp(learn_fvec_name(&fv, i), "instruction\x1f" "draw") == 0)
			CHECK_NEAR(fv.v[i].val, 1.0, 0); /* said twice, present once */
	char buf[128];
	learn_feature_describe("instruction\x1f" "draw", buf, sizeof buf);
	CHECK(strcmp(buf, "instruction 'draw'") == 0);
	learn_feature_describe("text\x1f#len=7", buf, sizeof buf);
	CHECK(strcmp(buf, "text length 64-127 words") == 0);
	learn_feature_describe("#score\x1frepetition", buf, sizeof buf);
	CHECK(strcmp(buf, "score repetition") == 0);
	learn_feature_describe("#score\x1frepetition=1", buf, sizeof buf);
	CHECK(strcmp(buf, "score repetition 0.25-0.50") == 0);
	learn_feature_describe("#score\x1frepetition=4", buf, sizeof buf);
	CHECK(strcmp(buf, "score repetition = 1") == 0);
	learn_feature_describe("#score\x1f(all)=0", buf, sizeof buf);
	CHECK(strcmp(buf, "the scores' product 0.00-0.25") == 0);
	learn_fvec_free(&fv);
}

TEST(settings_out_of_range_are_named)
{
	learn_settings s;
	learn_settings_default(&s);
	assay_error err;
	s.folds = 1;
	CHECK_INT(learn_settings_check(&s, &err), ASSAY_EINVAL);
	CHECK(strstr(err.msg, "folds") != NULL);
	learn_settings_default(&s);
	s.bits = 30;
	CHECK(learn_trainer_new(&s, &err) == NULL);
	CHECK(strstr(err.msg, "bits") != NULL);
}

/* A synthetic set: an instruction and a response of random words; when
 * planted, "draw" in the instruction means rejected (for the reason
 * "impossible") and "seagull" in the response rejected for
 * "hallucination", each with 10% label noise. */
typedef struct sample {
	char ins[256], text[256];
	bool rejected;
	const char *reason;
} sample;

static void make_sample(sample *x, bool planted)
{
	int a = 0, b = 0;
	for (int i = 0; i < 8; i++)
		a += snprintf(x->ins + a, sizeof x->ins - a, "w%u ", (unsigned)(rnd() % 300));
	for (int i = 0; i < 12; i++)
		b += snprintf(x->text + b, sizeof x->text - b, "v%u ", (unsigned)(rnd() % 300));
	x->rejected = rnd() % 4 == 0;
	x->reason = x->rejected ? "other" : NULL;
	if (!planted)
		return;
	unsigned kind = (unsigned)(rnd() % 3);
	if (kind == 0)
		snprintf(x->ins + a, sizeof x->ins - a, "please draw it");
	if (kind == 1)
		snprintf(x->text + b, sizeof x->text - b, "a seagull flies");
	x->rejected = kind < 2;
	if (rnd() % 10 == 0)
		x->rejected = !x->rejected;
	x->reason = !x->rejected ? NULL : kind == 0 ? "impossible" : "hallucination";
}

static learn_trainer *train(const sample *v, size_t n, uint64_t seed)
{
	learn_settings s;
	learn_settings_default(&s);
	s.bits = 18;
	s.seed = seed;
	assay_error err;
	learn_trainer *t = learn_trainer_new(&s, &err);
	for (unsigned p = 0; t && p < learn_trainer_passes(t); p++) {
		CHECK_INT(learn_trainer_pass(t, p, &err), 0);
		for (size_t i = 0; i < n; i++) {
			learn_field f[] = {{"instruction", v[i].ins, strlen(v[i].ins)},
					   {"text", v[i].text, strlen(v[i].text)}};
			learn_example ex = {f, 2, NULL, 0};
			CHECK_INT(learn_trainer_feed(t, &ex, i, v[i].rejected, v[i].reason, &err), 0);
		}
	}
	return t;
}

static sample *make_set(size_t n, bool planted, uint64_t seed)
{
	rng_state = seed;
	sample *v = calloc(n, sizeof *v);
	for (size_t i = 0; i < n; i++)
		make_sample(&v[i], planted);
	return v;
}

TEST(random_labels_give_chance_and_planted_signals_are_found)
{
	size_t n = 3000;
	sample *v = make_set(n, false, 42);
	learn_trainer *t = train(v, n, 1);
	learn_eval e;
	learn_trainer_eval(t, &e);
	CHECK_INT(e.n, n);
	double oof = auc(e.oof, e.rejected, e.n), prog = auc(e.progressive, e.rejected, e.n);
	printf("# random labels: out-of-fold AUC %.3f, progressive %.3f\n", oof, prog);
	CHECK(fabs(oof - 0.5) <= 0.05);
	CHECK(fabs(prog - 0.5) <= 0.05);
	learn_trainer_free(t);
	free(v);

	v = make_set(n, true, 43);
	t = train(v, n, 1);
	learn_trainer_eval(t, &e);
	oof = auc(e.oof, e.rejected, e.n);
	printf("# planted signals: out-of-fold AUC %.3f, reason accuracy %.2f\n", oof,
	       e.reason_accuracy);
	CHECK(oof > 0.85);
	CHECK(e.reason_accuracy > 0.8);
	learn_model *m = NULL;
	assay_error err;
	CHECK_INT(learn_trainer_model(t, &m, &err), 0);
	bool draw = false, seagull = false;
	for (size_t i = 0; m && i < m->n_signals; i++) {
		draw |= strcmp(m->signals[i].name, "instruction\x1f" "draw") == 0 &&
			m->signals[i].weight > 0;
		seagull |= strcmp(m->signals[i].name, "text\x1fseagull") == 0 &&
			   m->signals[i].weight > 0;
	}
	CHECK(draw && seagull);
	learn_model_free(m);
	learn_trainer_free(t);
	free(v);
}

TEST(same_seed_same_bytes_and_bytes_round_trip)
{
	size_t n = 600;
	sample *v = make_set(n, true, 7);
	learn_trainer *a = train(v, n, 5), *b = train(v, n, 5), *c = train(v, n, 6);
	learn_model *ma, *mb, *mc, *back;
	assay_error err;
	CHECK_INT(learn_trainer_model(a, &ma, &err), 0);
	CHECK_INT(learn_trainer_model(b, &mb, &err), 0);
	CHECK_INT(learn_trainer_model(c, &mc, &err), 0);
	void *ba, *bb, *bc, *bback;
	size_t la, lb, lc, lback;
	CHECK_INT(learn_model_save(ma, &ba, &la, &err), 0);
	CHECK_INT(learn_model_save(mb, &bb, &lb, &err), 0);
	CHECK_INT(learn_model_save(mc, &bc, &lc, &err), 0);
	CHECK(la == lb && memcmp(ba, bb, la) == 0);
	CHECK(la != lc || memcmp(ba, bc, la) != 0);
	CHECK_INT(learn_model_load(ba, la, &back, &err), 0);
	CHECK_INT(learn_model_save(back, &bback, &lback, &err), 0);
	CHECK(la == lback && memcmp(ba, bback, la) == 0);
	learn_model_free(back);
	/* every cut and a flipped magic are refused, never read past the end */
	for (size_t cut = 0; cut < la; cut += 1 + cut / 7) {
		learn_model *bad = NULL;
		CHECK_INT(learn_model_load(ba, cut, &bad, &err), ASSAY_EFORMAT);
		CHECK(bad == NULL);
	}
	((char *)ba)[0] = 'X';
	back = NULL;
	CHECK_INT(learn_model_load(ba, la, &back, &err) == ASSAY_EFORMAT, 1);
	CHECK(back == NULL);
	free(ba), free(bb), free(bc), free(bback);
	learn_model_free(ma), learn_model_free(mb), learn_model_free(mc);
	learn_trainer_free(a), learn_trainer_free(b), learn_trainer_free(c);
	free(v);
}

TEST(a_prediction_says_why_and_guesses_the_reason)
{
	size_t n = 2000;
	sample *v = make_set(n, true, 11);
	learn_trainer *t = train(v, n, 1);
	learn_model *m;
	assay_error err;
	CHECK_INT(learn_trainer_model(t, &m, &err), 0);
	learn_field f[] = {{"instruction", "please draw a logo for my shop", 30},
			   {"text", "v1 v2 v3", 8}};
	learn_example ex = {f, 2, NULL, 0};
	learn_fvec fv = {0};
	learn_prediction p;
	abuf why = {0}, text = {0};
	CHECK_INT(learn_predict(m, &ex, &fv, &p, &why, &err), 0);
	CHECK(p.p_reject > 0.5);
	CHECK(why.data && strstr(why.data, "instruction 'draw'") != NULL);
	CHECK(p.reason && strcmp(p.reason, "impossible") == 0);
	CHECK_INT(learn_reason_text(&p, why.data, &text), 0);
	printf("# %s\n", text.data);
	CHECK(strncmp(text.data, "learned: ", 9) == 0);
	CHECK(strstr(text.data, "% likely rejected; instruction '") != NULL);
	CHECK(strstr(text.data, "draw") != NULL);
	CHECK(strstr(text.data, "(likely reason: impossible)") != NULL);
	abuf_free(&why), abuf_free(&text);
	learn_fvec_free(&fv);
	learn_model_free(m);
	learn_trainer_free(t);
	free(v);
}

TEST(passes_must_repeat_the_same_verdicts)
{
	learn_settings s;
	learn_settings_default(&s);
	s.bits = 16;
	assay_error err;
	learn_trainer *t = learn_trainer_new(&s, &err);
	learn_field f[] = {{"text", "a", 1}};
	learn_example ex = {f, 1, NULL, 0};
	CHECK_INT(learn_trainer_pass(t, 0, &err), 0);
	CHECK_INT(learn_trainer_feed(t, &ex, 1, true, NULL, &err), 0);
	CHECK_INT(learn_trainer_feed(t, &ex, 2, false, NULL, &err), 0);
	CHECK_INT(learn_trainer_pass(t, 1, &err), 0);
	CHECK_INT(learn_trainer_feed(t, &ex, 1, false, NULL, &err), ASSAY_EINVAL);
	CHECK(strstr(err.msg, "changed between passes") != NULL);
	learn_trainer_free(t);
}

TEST(wild_numbers_are_clamped_and_a_diverged_model_is_never_saved)
{
	learn_settings s;
	learn_settings_default(&s);
	s.bits = 16;
	learn_number num[] = {{"length", 1e30}, {"gopher", -5}};
	learn_example ex = {NULL, 0, num, 2};
	learn_fvec fv = {.keep_names = true};
	CHECK_INT(learn_extract(&s, &ex, &fv), 0);
	for (size_t i = 0; i < fv.n; i++) {
		if (strcmp(learn_fvec_name(&fv, i), "#score\x1flength") == 0)
			CHECK_NEAR(fv.v[i].val, 1.0, 0);
		if (strcmp(learn_fvec_name(&fv, i), "#score\x1fgopher") == 0)
			CHECK_NEAR(fv.v[i].val, 0.0, 0);
	}
	learn_fvec_free(&fv);
	/* a step with an infinite gradient leaves the state finite */
	ftrl m;
	CHECK_INT(ftrl_init(&m, 16), 0);
	learn_feat f = {.idx = 3, .val = INFINITY};
	learn_fvec one = {.v = &f, .n = 1};
	ftrl_update(&s, &m, &one, 0.5, 1, 1.0);
	CHECK(isfinite(m.c[3].z) && isfinite(m.c[3].n) && isfinite(m.c[3].w));
	ftrl_free(&m);
	/* a model holding a NaN weight is refused, not written */
	learn_trainer *t = learn_trainer_new(&s, &(assay_error){0});
	learn_model *mod;
	assay_error err;
	CHECK_INT(learn_trainer_model(t, &mod, &err), 0);
	mod->w[5] = NAN;
	void *bytes = NULL;
	size_t len;
	CHECK_INT(learn_model_save(mod, &bytes, &len, &err), ASSAY_EINVAL);
	CHECK(bytes == NULL && strstr(err.msg, "not a number") != NULL);
	learn_model_free(mod);
	learn_trainer_free(t);
}

TEST(the_reason_heads_figure_never_sees_the_label)
{
	/* reasons drawn at random among 16: the progressive accuracy must be
	 * chance (1/16), not helped by the verdict's own reason */
	learn_settings s;
	learn_settings_default(&s);
	s.bits = 16;
	s.epochs = 1;
	assay_error err;
	learn_trainer *t = learn_trainer_new(&s, &err);
	rng_state = 99;
	char text[64], reason[16];
	CHECK_INT(learn_trainer_pass(t, 0, &err), 0);
	for (uint64_t i = 0; i < 400; i++) {
		snprintf(text, sizeof text, "w%u w%u", (unsigned)(rnd() % 50), (unsigned)(rnd() % 50));
		snprintf(reason, sizeof reason, "r%u", (unsigned)(rnd() % 16));
		learn_field fl[] = {{"text", text, strlen(text)}};
		learn_example ex = {fl, 1, NULL, 0};
		CHECK_INT(learn_trainer_feed(t, &ex, i, true, reason, &err), 0);
	}
	learn_eval e;
	learn_trainer_eval(t, &e);
	printf("# random reasons among 16: progressive accuracy %.3f over %zu\n",
	       e.reason_accuracy, e.reason_n);
	CHECK(e.reason_n == 399); /* every rejection but the first is judged */
	CHECK(e.reason_accuracy < 1.0 / 16 + 0.03);
	learn_trainer_free(t);
}

TEST(record_keys_cannot_pose_as_scores_or_the_text)
{
	const char *rec = "{\"id\":\"a\",\"caption\":\"x\",\"#score\":\"truncation\","
			  "\"text\":\"other\",\"text~\":\"y\",\"meta\":{\"model\":\"m1\"}}";
	learn_record r = {0};
	CHECK_INT(learn_record_fields(rec, strlen(rec), "caption", NULL, "x", &r), 0);
	bool score = false, text = false, meta = false;
	for (size_t i = 0; i < r.n; i++) {
		score |= strcmp(r.fields[i].name, "#score") == 0;
		text |= i > 0 && strcmp(r.fields[i].name, "text") == 0;
		meta |= strcmp(r.fields[i].name, "meta.model") == 0;
		CHECK(strcmp(r.fields[i].name, "text~") != 0);
	}
	CHECK(strcmp(r.fields[0].name, "text") == 0);
	CHECK(!score && !text && meta);
	learn_record_free(&r);
}

UNIT_MAIN(UNIT_CASE(ftrl_step_matches_hand_computation),
	  UNIT_CASE(features_are_words_pairs_lengths_and_numbers),
	  UNIT_CASE(settings_out_of_range_are_named),
	  UNIT_CASE(random_labels_give_chance_and_planted_signals_are_found),
	  UNIT_CASE(same_seed_same_bytes_and_bytes_round_trip),
	  UNIT_CASE(a_prediction_says_why_and_guesses_the_reason),
	  UNIT_CASE(passes_must_repeat_the_same_verdicts),
	  UNIT_CASE(wild_numbers_are_clamped_and_a_diverged_model_is_never_saved),
	  UNIT_CASE(the_reason_heads_figure_never_sees_the_label),
	  UNIT_CASE(record_keys_cannot_pose_as_scores_or_the_text))
