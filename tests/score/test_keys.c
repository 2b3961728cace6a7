/* test_keys.c — the scorer registry (src/score/scorers.c) and its keys
 * (src/score/keys.c): names are unique, every key of every row is checked
 * by the one reader (a value of the wrong type or out of bounds gives the
 * same error shape and leaves the value alone), defaults lie within the
 * bounds, and a versioned key changes its scorer's version. */
#include <math.h>
#include <stdio.h>

#include "assay/score.h"
#include "unit.h"

TEST(registry_names_unique)
{
	for (size_t i = 0; i < SCORE_COUNT; i++) {
		const score_def *d = &score_defs[i];
		CHECK(d->name && *d->name && d->version && *d->version && d->summary);
		CHECK((d->keys == NULL) == (d->n_keys == 0));
		for (size_t j = i + 1; j < SCORE_COUNT; j++)
			CHECK(strcmp(d->name, score_defs[j].name) != 0);
		for (size_t a = 0; a < d->n_keys; a++) {
			const char *n = d->keys[a].name;
			CHECK(strcmp(n, "threshold") != 0 && strcmp(n, "weight") != 0);
			for (size_t b = a + 1; b < d->n_keys; b++)
				CHECK(strcmp(n, d->keys[b].name) != 0);
		}
	}
}

/* The bytes of key k's value in c (ints, doubles, bools, masks, longs). */
static size_t key_size(const score_key *k)
{
	switch (k->type) {
	case SCORE_KEY_INT:
		return sizeof(int);
	case SCORE_KEY_DOUBLE:
		return sizeof(double);
	case SCORE_KEY_BOOL:
		return sizeof(bool);
	case SCORE_KEY_SCRIPTS:
		return sizeof(uint32_t);
	case SCORE_KEY_SECONDS:
		return sizeof(long);
	default:
		return sizeof(char *);
	}
}

/* Sets value and expects the one error shape, the value untouched. */
static void expect_refused(const score_def *d, const score_key *k, const char *value)
{
	score_config c;
	score_config_init(&c);
	char before[16], sec[64], want[512];
	memcpy(before, (char *)&c + k->at, key_size(k));
	snprintf(sec, sizeof sec, "score.%s", d->name);
	snprintf(want, sizeof want, "[%s] %s: expected %s, got \"%s\"", sec, k->name, k->want,
		 value);
	assay_error err = {0};
	int rc = score_config_set(&c, sec, k->name, value, &err);
	CHECK_INT(rc, ASSAY_EINVAL);
	CHECK_INT(err.code, ASSAY_EINVAL);
	CHECK_STR(err.msg, want);
	CHECK(memcmp(before, (char *)&c + k->at, key_size(k)) == 0);
	score_config_free(&c);
}

static void expect_taken(const score_def *d, const score_key *k, const char *value)
{
	score_config c;
	score_config_init(&c);
	char sec[64];
	snprintf(sec, sizeof sec, "score.%s", d->name);
	assay_error err = {0};
	CHECK_INT(score_config_set(&c, sec, k->name, value, &err), 0);
	if (err.code)
		printf("#   [%s] %s = %s: %s\n", sec, k->name, value, err.msg);
	score_config_free(&c);
}

/* A number key's bounds: inside them taken, just outside refused. */
static void check_bounds(const score_def *d, const score_key *k)
{
	char v[64];
	if (isfinite(k->hi)) {
		snprintf(v, sizeof v, "%.17g", k->hi);
		expect_taken(d, k, v);
		snprintf(v, sizeof v, "%.17g", k->hi + 1);
		expect_refused(d, k, v);
	}
	if (isfinite(k->lo)) {
		snprintf(v, sizeof v, "%.17g", k->lo);
		if (k->lo_open)
			expect_refused(d, k, v);
		else
			expect_taken(d, k, v);
		snprintf(v, sizeof v, "%.17g", k->lo - 1);
		expect_refused(d, k, v);
	}
}

TEST(every_key_checked_in_one_place)
{
	size_t checked = 0;
	for (size_t i = 0; i < SCORE_COUNT; i++) {
		const score_def *d = &score_defs[i];
		for (size_t j = 0; j < d->n_keys; j++) {
			const score_key *k = &d->keys[j];
			if (k->type == SCORE_KEY_STRING || k->type == SCORE_KEY_FILE)
				continue;
			CHECK(k->want && *k->want);
			expect_refused(d, k, "x?");
			if (k->type == SCORE_KEY_INT || k->type == SCORE_KEY_DOUBLE ||
			    k->type == SCORE_KEY_SECONDS)
				check_bounds(d, k);
			checked++;
		}
	}
	CHECK(checked >= 20);
}

TEST(defaults_within_bounds)
{
	score_config c;
	score_config_init(&c);
	for (size_t i = 0; i < SCORE_COUNT; i++) {
		const score_def *d = &score_defs[i];
		CHECK_NEAR(c.threshold[i], d->threshold, 0);
		CHECK_NEAR(c.weight[i], 1, 0);
		for (size_t j = 0; j < d->n_keys; j++) {
			const score_key *k = &d->keys[j];
			const void *v = (const char *)&c + k->at;
			if (k->type == SCORE_KEY_INT) {
				CHECK_INT(*(const int *)v, (int)k->def);
				CHECK(*(const int *)v >= k->lo && *(const int *)v <= k->hi);
			} else if (k->type == SCORE_KEY_DOUBLE) {
				CHECK_NEAR(*(const double *)v, k->def, 0);
				CHECK(k->lo_open ? *(const double *)v > k->lo
						 : *(const double *)v >= k->lo);
				CHECK(*(const double *)v <= k->hi);
			}
		}
	}
	CHECK_INT(c.min_words, 5);
	CHECK_NEAR(c.jaccard, 0.8, 0);
	CHECK_INT(c.judge.concurrency, 8);
	CHECK(c.judge.response_format);
	score_config_free(&c);
}

/* A valid value other than the default, for a versioned key. */
static const char *other_value(const score_key *k)
{
	switch (k->type) {
	case SCORE_KEY_INT:
		return "7";
	case SCORE_KEY_DOUBLE:
		return "0.25";
	case SCORE_KEY_BOOL:
		return "yes";
	case SCORE_KEY_SCRIPTS:
		return "latin,cjk";
	case SCORE_KEY_SECONDS:
		return "2.5";
	default:
		return "meta.reward";
	}
}

TEST(versioned_keys_change_the_version)
{
	for (size_t i = 0; i < SCORE_COUNT; i++) {
		const score_def *d = &score_defs[i];
		for (size_t j = 0; j < d->n_keys; j++) {
			const score_key *k = &d->keys[j];
			if (k->type == SCORE_KEY_FILE)
				continue; /* a file's text: the remote tests */
			score_config a, b;
			score_config_init(&a);
			score_config_init(&b);
			char sec[64], va[32], vb[32];
			snprintf(sec, sizeof sec, "score.%s", d->name);
			assay_error err = {0};
			CHECK_INT(score_config_set(&b, sec, k->name, other_value(k), &err), 0);
			score_version((enum score_id)i, &a, va);
			score_version((enum score_id)i, &b, vb);
			/* A row's params may follow more (a remote endpoint's hash). */
			if (k->version == SCORE_KEY_UNVERSIONED && !d->params)
				CHECK_STR(va, vb);
			else if (k->version != SCORE_KEY_UNVERSIONED && strcmp(va, vb) == 0) {
				printf("#   [%s] %s does not change the version\n", sec, k->name);
				CHECK(0);
			}
			score_config_free(&a);
			score_config_free(&b);
		}
	}
}

/* The common keys go through the same reader, for every scorer. */
TEST(threshold_and_weight_for_every_row)
{
	for (size_t i = 0; i < SCORE_COUNT; i++) {
		score_config c;
		score_config_init(&c);
		char sec[64], want[256];
		snprintf(sec, sizeof sec, "score.%s", score_defs[i].name);
		assay_error err = {0};
		CHECK(score_config_set(&c, sec, "threshold", "-0.5", &err) < 0);
		snprintf(want, sizeof want, "[%s] threshold: expected a value in [0, 1], got \"-0.5\"",
			 sec);
		CHECK_STR(err.msg, want);
		CHECK(score_config_set(&c, "weights", score_defs[i].name, "101", &err) < 0);
		snprintf(want, sizeof want,
			 "[weights] %s: expected a weight from 0 to 100, got \"101\"",
			 score_defs[i].name);
		CHECK_STR(err.msg, want);
		CHECK_INT(score_config_set(&c, sec, "weight", "0", &err), 0);
		CHECK_NEAR(c.weight[i], 0, 0);
		score_config_free(&c);
	}
}

UNIT_MAIN(UNIT_CASE(registry_names_unique), UNIT_CASE(every_key_checked_in_one_place),
	  UNIT_CASE(defaults_within_bounds), UNIT_CASE(versioned_keys_change_the_version),
	  UNIT_CASE(threshold_and_weight_for_every_row))
