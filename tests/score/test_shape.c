/* test_shape.c — truncation and charset (src/score/shape.c) and the
 * analyser's character classes (src/score/analyse.c). */
#include "helpers.h"
#include "unit.h"

TEST(truncation_endings)
{
	CHECK(!score1(SCORE_TRUNCATION, "A dog runs in the park.").flagged);
	CHECK(!score1(SCORE_TRUNCATION, "A sign reads \"Open!\"").flagged);
	CHECK(score1(SCORE_TRUNCATION, "A dog (a collie) runs in the park.)  \n").flagged);
	score_result r = score1(SCORE_TRUNCATION, "The photo is taken from directl");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "ends without a full stop (last word \"directl\")");
	r = score1(SCORE_TRUNCATION, "A girl assembles a small bookshelf in a");
	CHECK(r.flagged);
	CHECK_NEAR(r.value, 0.1, 1e-9);
	CHECK_CONTAINS(r.reason, "mid-sentence on \"a\"");
	r = score1(SCORE_TRUNCATION, "The colours are red, green,");
	CHECK(r.flagged);
	/* Lists end without a full stop. */
	CHECK(
	    !score_as(SCORE_TRUNCATION, "- 23 February: deadline\n- 13 March: kickoff", 0).flagged);
	CHECK(score1(SCORE_TRUNCATION, "").flagged);
}

TEST(truncation_balance)
{
	score_result r = score1(SCORE_TRUNCATION, "A dog (a collie runs in the park.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "1 '(' not closed");
	r = score1(SCORE_TRUNCATION, "A sign reads \"Open all day.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "'\"' not closed");
	r = score1(SCORE_TRUNCATION, "A sign reads \xE2\x80\x9CWelcome.");
	CHECK(r.flagged);
	CHECK(!score1(SCORE_TRUNCATION, "A sign reads \xE2\x80\x9CWelcome\xE2\x80\x9D.").flagged);
	CHECK(!score1(SCORE_TRUNCATION, "The dog\xE2\x80\x99s ball [red] lies there.").flagged);
}

/* Responses (not captions) that end without a full stop and are whole:
 * short answers, numbers, lists, verse and code. */
TEST(truncation_responses_whole)
{
	static const char *const whole[] = {
	    "6",
	    "Negative",
	    "B) London",
	    "The answer is 42",
	    "Paris, the capital and largest city of France",
	    "Here is the function:\n\n```python\ndef add(a, b):\n    return a + b\n```",
	    "def add(a, b):\n    total = a + b\n    return total",
	    "Steps:\n1) Preheat the oven to 180 degrees\n2) Mix the flour (sifted) and sugar\n"
	    "3) Bake for 25 minutes",
	    "Which city is the capital of France?\nA) Paris\nB) London\nC) Berlin",
	    "10. Water the plants\n11. Sweep the floor\n12. Call the plumber",
	    "Roses are red,\nViolets are blue,\nSugar is sweet,\nAnd so are you",
	    "The fog comes\non little cat feet.\n\nIt sits looking\nover harbor and city\n"
	    "on silent haunches\nand then moves on",
	    "| city | country |\n|---|---|\n| Paris | France |\n| Rome | Italy |",
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(whole); i++) {
		score_result r = score_as(SCORE_TRUNCATION, whole[i], 0);
		if (r.flagged)
			printf("#   flagged: case %zu (%s)\n", i, r.reason);
		CHECK(!r.flagged);
	}
	/* List markers are not unbalanced brackets. */
	score_result r = score_as(SCORE_TRUNCATION, "Pick one: a) tea b) coffee c) water.", 0);
	CHECK(!r.flagged);
	r = score1(SCORE_TRUNCATION, "Options:\n1) a red kite.\n2) a blue kite.");
	CHECK(!r.flagged);
	CHECK_CONTAINS(r.reason, "full sentence");
}

/* Responses cut off mid-way are still flagged, and captions keep their
 * rule: any missing full stop. */
TEST(truncation_responses_cut)
{
	static const struct {
		const char *text, *says;
	} cut[] = {
	    {"Photosynthesis is how plants turn light into chemical energy. It takes place "
	     "in the chloroplasts, where chlorophyll absorbs",
	     "without a full stop (last word \"absorbs\")"},
	    {"The French Revolution began in 1789. It was caused by economic hardship and",
	     "mid-sentence on \"and\""},
	    {"To install the package, open a terminal and run the following command with the",
	     "mid-sentence on \"the\""},
	    {"A grey parrot sniffs at", "mid-sentence on \"at\""},
	    {"The design team agreed to add a self-service reset page after Oluwaseun",
	     "without a full stop (last word \"Oluwaseun\")"},
	    {"The first step is to measure the flour.\n\nThe second step is to mix it "
	     "with the eggs while",
	     "mid-sentence on \"while\""},
	    {"Here is the code:\n```python\ndef add(a, b):\n    return a +", "not closed"},
	    {"The result (see the table below is 6.", "'(' not closed"},
	    {"There are three main causes of the war:", "ends on ':'"},
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(cut); i++) {
		score_result r = score_as(SCORE_TRUNCATION, cut[i].text, 0);
		CHECK(r.flagged);
		CHECK_CONTAINS(r.reason, cut[i].says);
	}
	CHECK(score1(SCORE_TRUNCATION, "A dog runs across a sunny park").flagged);
	CHECK(score1(SCORE_TRUNCATION, "Negative").flagged);
	CHECK(score1(SCORE_TRUNCATION, "Roses are red,\nViolets are blue,\nSugar is sweet").flagged);
}

TEST(charset_rules)
{
	score_result r =
	    score1(SCORE_CHARSET, "Un caf\xC3\xA9 na\xC3\xAFve \xE6\x9D\xB1\xE4\xBA\xAC.");
	CHECK_NEAR(r.value, 1, 1e-9);
	r = score1(SCORE_CHARSET,
		   "The subject\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2s caf\xC3\x83\xC2\xA9.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "2 mojibake sequences");
	CHECK_NEAR(r.value, 0.2, 1e-9);
	/* The reason quotes the first sequence found, not a stock example. */
	CHECK_CONTAINS(r.reason, "first \"\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2\"");
	r = score1(SCORE_CHARSET, "Le p\xC3\x83\xC2\xA8re et la m\xC3\x83\xC2\xA8re.");
	CHECK_CONTAINS(r.reason, "2 mojibake sequences (first \"\xC3\x83\xC2\xA8\"");
	CHECK(!strstr(r.reason, "\xC3\x83\xC2\xA9"));
	/* A C1 control in the sequence is shown escaped, never raw. */
	r = score1(SCORE_CHARSET, "\xC3\x83\xC2\x89t\xC3\x83\xC2\xA9 d\xC3\x83\xC2\xA9j\xC3\x83\xC2\xA0.");
	CHECK_CONTAINS(r.reason, "4 mojibake sequences (first \"\xC3\x83\\u0089\"");
	CHECK(!strchr(r.reason, '\x1b') && !strstr(r.reason, "\xC2\x89"));
	r = score1(SCORE_CHARSET, "A dog \xEF\xBF\xBD runs.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "1 replacement character");
	CHECK_NEAR(r.value, 0.4, 1e-9);
	r = score1(SCORE_CHARSET, "A dog \xff runs.");
	CHECK(r.flagged);
	r = score1(SCORE_CHARSET, "\x1b[2J\x1b[31mA dog runs.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "2 control characters");
	CHECK_NEAR(r.value, 0.2, 1e-9);
	r = score1(SCORE_CHARSET, "A dog \xE2\x80\xAE runs.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "bidi control");
	r = score1(SCORE_CHARSET, "A dog\xE2\x80\x8B runs.");
	CHECK_CONTAINS(r.reason, "invisible");
	/* "pаypal" with a Cyrillic а. */
	r = score1(SCORE_CHARSET, "Log in to p\xD0\xB0ypal now.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "word mixing scripts");
	/* A ZWJ chain of unrelated emoji is hidden from most readers; a skin
	 * tone, a family and a flag are not. */
	r = score1(SCORE_CHARSET, "Great job \xF0\x9F\x91\x8D\xE2\x80\x8D\xF0\x9F\x96\x95"
				  "\xE2\x80\x8D\xF0\x9F\x92\xA9 well done.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "2 hidden sequences");
	CHECK_CONTAINS(r.detail, "\"hidden\":2");
	r = score1(SCORE_CHARSET, "Tagged\xF3\xA0\x81\x89\xF3\xA0\x81\x87 text.\rOver");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "3 hidden sequences");
	CHECK(!score1(SCORE_CHARSET, "Great job \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD, family "
				     "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D"
				     "\xF0\x9F\x91\xA7 in \xF0\x9F\x87\xAB\xF0\x9F\x87\xB7.")
		    .flagged);
	/* Emoji with ZWJ, tabs and newlines are fine. */
	CHECK(!score1(SCORE_CHARSET,
		      "A family \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9 waves.\n"
		      "\tBye.")
		   .flagged);
}

TEST(charset_expected_scripts)
{
	score_config c;
	score_config_init(&c);
	assay_error err = {0};
	CHECK_INT(score_config_set(&c, "score.charset", "scripts", "latin", &err), 0);
	const char *cjk = "\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAE\xE5\xA4\x9C";
	score_text t = {0};
	score_result r;
	score_text_analyse(&t, cjk, strlen(cjk), &c);
	score_text_run(SCORE_CHARSET, &t, &c, &r);
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "outside the expected scripts");
	score_text_analyse(&t, "A dog.", 6, &c);
	score_text_run(SCORE_CHARSET, &t, &c, &r);
	CHECK(!r.flagged);
	CHECK(score_config_set(&c, "score.charset", "scripts", "latin,klingon", &err) < 0);
	CHECK_CONTAINS(err.msg, "scripts");
	score_text_free(&t);
	score_config_free(&c);
}

TEST(analyse_structure)
{
	score_text t = {0};
	const char *s = "Don't stop!  The well-lit caf\xC3\xA9 is open.\nSecond line here";
	CHECK_INT(score_text_analyse(&t, s, strlen(s), NULL), 0);
	CHECK_INT(t.n_words, 10);
	CHECK_INT(t.n_sents, 3);
	CHECK_INT(t.n_lines, 2);
	CHECK_INT(t.words[0].len, 5); /* "Don't" */
	CHECK_INT(t.words[3].len, 8); /* "well-lit" */
	CHECK(t.words[7].line_start);
	CHECK(t.words[2].sent_start);
	CHECK_INT(t.chars, strlen(s) - 1);
	/* Case folding: "The" and "the" hash alike. */
	score_text u = {0};
	score_text_analyse(&u, "the", 3, NULL);
	CHECK_INT(t.words[2].hash, u.words[0].hash);
	CHECK(score_caption_field("caption"));
	CHECK(score_caption_field("meta.alt_text"));
	CHECK(!score_caption_field("response"));
	score_text_free(&t);
	score_text_free(&u);
}

UNIT_MAIN(UNIT_CASE(truncation_endings), UNIT_CASE(truncation_balance),
	  UNIT_CASE(truncation_responses_whole), UNIT_CASE(truncation_responses_cut), UNIT_CASE(charset_rules),
	  UNIT_CASE(charset_expected_scripts), UNIT_CASE(analyse_structure))
