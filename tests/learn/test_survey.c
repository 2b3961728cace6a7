/* test_survey.c — fields that identify their record (src/learn/survey.c):
 * found by name and by their values, left out so they contribute nothing,
 * and kept with the model (format 2; a format 1 model still loads). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/learn.h"
#include "unit.h"

/* Record i: a caption, an id, a unique single word not named like an id,
 * an instruction of several words (unique as a whole), a model of three. */
static void record(char *buf, size_t size, unsigned i, const char *id, unsigned run)
{
	snprintf(buf, size,
		 "{\"id\":\"%s\",\"caption\":\"a cat on a mat\",\"run\":\"r%08x\","
		 "\"instruction\":\"describe picture number %u\",\"meta\":{\"model\":\"m%u\","
		 "\"uuid\":\"%s\"}}",
		 id, run * 2654435761u, i, i % 3, id);
}

TEST(identifiers_are_found_by_name_and_by_their_values)
{
	CHECK(learn_id_like_name("id") && learn_id_like_name("ID") &&
	      learn_id_like_name("meta.uuid") && learn_id_like_name("created_at"));
	CHECK(!learn_id_like_name("prompt_id") && !learn_id_like_name("model") &&
	      !learn_id_like_name("idea"));
	learn_survey *sv = learn_survey_new();
	learn_record r = {0};
	char buf[512], id[32];
	for (unsigned i = 0; i < 100; i++) {
		snprintf(id, sizeof id, "cap-%07u", i);
		record(buf, sizeof buf, i, id, i);
		CHECK_INT(learn_record_fields(buf, strlen(buf), "caption", NULL, "a cat", &r), 0);
		CHECK_INT(learn_survey_add(sv, &r), 0);
	}
	char **names;
	size_t n;
	CHECK_INT(learn_survey_result(sv, &names, &n), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(names[0], "id");
		CHECK_STR(names[1], "meta.uuid");
		CHECK_STR(names[2], "run");
	}
	learn_names_free(names, n);
	learn_survey_free(sv);
	/* too few records to judge values: only the names count */
	sv = learn_survey_new();
	for (unsigned i = 0; i < LEARN_SURVEY_MIN - 1; i++) {
		record(buf, sizeof buf, i, "x", i);
		CHECK_INT(learn_record_fields(buf, strlen(buf), "caption", NULL, "a cat", &r), 0);
		CHECK_INT(learn_survey_add(sv, &r), 0);
	}
	CHECK_INT(learn_survey_result(sv, &names, &n), 0);
	CHECK_INT(n, 2);
	learn_names_free(names, n);
	learn_survey_free(sv);
	learn_record_free(&r);
}

/* The features of record i with this id and run, the names left out. */
static void features(unsigned i, const char *id, unsigned run, char *const *out, size_t n_out,
		     learn_record *r, learn_fvec *fv)
{
	char buf[512];
	learn_settings s;
	learn_settings_default(&s);
	record(buf, sizeof buf, i, id, run);
	CHECK_INT(learn_record_fields(buf, strlen(buf), "caption", NULL, "a cat", r), 0);
	learn_record_drop(r, out, n_out);
	learn_example ex = {r->fields, r->n, NULL, 0};
	CHECK_INT(learn_extract(&s, &ex, fv), 0);
}

static bool same_features(const learn_fvec *a, const learn_fvec *b)
{
	if (a->n != b->n)
		return false;
	for (size_t k = 0; k < a->n; k++)
		if (a->v[k].idx != b->v[k].idx || a->v[k].val != b->v[k].val)
			return false;
	return true;
}

TEST(a_left_out_identifier_contributes_nothing)
{
	char *out[] = {"id", "meta.uuid", "run"};
	learn_record r = {0};
	learn_fvec a = {0}, b = {0};
	/* kept, the identifiers make two records differ */
	features(5, "cap-1", 1, NULL, 0, &r, &a);
	features(5, "cap-2", 2, NULL, 0, &r, &b);
	CHECK(!same_features(&a, &b));
	/* left out, they are the same record; the text is never left out */
	features(5, "cap-1", 1, out, 3, &r, &a);
	features(5, "cap-2", 2, out, 3, &r, &b);
	CHECK(same_features(&a, &b));
	CHECK_STR(r.fields[0].name, "text");
	for (size_t i = 0; i < r.n; i++)
		CHECK(strcmp(r.fields[i].name, "id") != 0 && strcmp(r.fields[i].name, "run") != 0);
	learn_fvec_free(&a);
	learn_fvec_free(&b);
	learn_record_free(&r);
}

/* A model of a few verdicts, with names left out. */
static learn_model *small_model(char *const *out, size_t n_out)
{
	learn_settings s;
	learn_settings_default(&s);
	s.bits = 16;
	assay_error err;
	learn_trainer *t = learn_trainer_new(&s, &err);
	for (unsigned p = 0; t && p < learn_trainer_passes(t); p++) {
		CHECK_INT(learn_trainer_pass(t, p, &err), 0);
		for (unsigned i = 0; i < 40; i++) {
			learn_field f[] = {{"text", i % 2 ? "bad words" : "good words", 9 + (i % 2 == 0)}};
			learn_example ex = {f, 1, NULL, 0};
			CHECK_INT(learn_trainer_feed(t, &ex, i, i % 2, NULL, &err), 0);
		}
	}
	learn_model *m = NULL;
	CHECK_INT(learn_trainer_model(t, &m, &err), 0);
	CHECK_INT(learn_model_left_out(m, out, n_out, &err), 0);
	learn_trainer_free(t);
	return m;
}

TEST(the_model_keeps_what_was_left_out_and_format_1_still_loads)
{
	char *out[] = {"id", "run"};
	learn_model *m = small_model(out, 2), *back = NULL;
	assay_error err;
	void *bytes;
	size_t len;
	CHECK_INT(learn_model_save(m, &bytes, &len, &err), 0);
	CHECK_INT(learn_model_load(bytes, len, &back, &err), 0);
	CHECK_INT(back ? back->n_left_out : 0, 2);
	if (back && back->n_left_out == 2) {
		CHECK_STR(back->left_out[0], "id");
		CHECK_STR(back->left_out[1], "run");
	}
	learn_model_free(back);
	free(bytes);
	learn_model_free(m);
	/* format 1: the same bytes without the names at the end */
	m = small_model(NULL, 0);
	CHECK_INT(learn_model_save(m, &bytes, &len, &err), 0);
	unsigned char *b = bytes;
	CHECK(b[4] == 2 && b[len - 4] == 0);
	b[4] = 1;
	back = NULL;
	CHECK_INT(learn_model_load(bytes, len - 4, &back, &err), 0);
	CHECK_INT(back ? back->n_left_out : 1, 0);
	learn_model_free(back);
	/* a format 1 model with bytes after its end is damaged */
	CHECK_INT(learn_model_load(bytes, len, &back, &err), ASSAY_EFORMAT);
	free(bytes);
	learn_model_free(m);
}

UNIT_MAIN(UNIT_CASE(identifiers_are_found_by_name_and_by_their_values),
	  UNIT_CASE(a_left_out_identifier_contributes_nothing),
	  UNIT_CASE(the_model_keeps_what_was_left_out_and_format_1_still_loads))
