/* test_rules.c — length, gopher and repetition (src/score/rules.c) on
 * crafted texts at both sides of each rule. */
#include "helpers.h"
#include "unit.h"

static const char clean[] =
    "A woman in a red coat walks her dog along the river at dusk. The camera follows "
    "them from behind while the lights of the city come on across the water.";

TEST(length_bounds)
{
	score_result r = score1(SCORE_LENGTH, clean);
	CHECK_NEAR(r.value, 1, 1e-9);
	CHECK(!r.flagged);
	CHECK_CONTAINS(r.reason, "31 words");
	/* 5 words is the caption minimum, 4 is under it. */
	r = score1(SCORE_LENGTH, "A dog runs very fast.");
	CHECK(!r.flagged);
	r = score1(SCORE_LENGTH, "A dog runs fast.");
	CHECK(r.flagged);
	CHECK_NEAR(r.value, 0.4, 1e-9);
	CHECK_CONTAINS(r.reason, "fewer words than the minimum");
	/* Other texts may be one word. */
	r = score_as(SCORE_LENGTH, "Oui.", 0);
	CHECK(!r.flagged);
	/* Empty: 0. */
	r = score1(SCORE_LENGTH, "");
	CHECK_NEAR(r.value, 0, 1e-9);
	CHECK(r.flagged);
}

TEST(length_maximum)
{
	char big[4000] = "";
	for (int i = 0; i < 301; i++)
		strcat(big, "dog ");
	score_result r = score1(SCORE_LENGTH, big);
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "more words than the maximum");
	big[300 * 4] = '\0';
	r = score1(SCORE_LENGTH, big);
	CHECK(!r.flagged);
	/* Configured bounds apply. */
	score_config c;
	score_config_init(&c);
	assay_error err = {0};
	CHECK_INT(score_config_set(&c, "score.length", "max_words", "10", &err), 0);
	score_text t = {0};
	score_text_analyse(&t, clean, strlen(clean), &c);
	score_text_run(SCORE_LENGTH, &t, &c, &r);
	CHECK(r.flagged);
	CHECK_NEAR(r.value, 0.5 * 10 / 31, 1e-9);
	score_text_free(&t);
	score_config_free(&c);
}

TEST(gopher_mean_word_length)
{
	CHECK(!score1(SCORE_GOPHER, clean).flagged);
	/* Words of 11+ letters on average: over Gopher's 10. */
	score_result r = score1(SCORE_GOPHER, "Incomprehensibilities notwithstanding, "
					      "extraordinarily uncharacteristically.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "mean word length");
	/* Two-letter words: under 3. */
	r = score1(SCORE_GOPHER, "Go to it, do so, be on it, as I am.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "mean word length 1.9");
}

TEST(gopher_symbols_and_letters)
{
	score_result r = score1(SCORE_GOPHER, "#sunset #beach #waves #summer #fun at the sea");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "'#' and ellipses per word");
	/* One hashtag in twenty words is 0.05: fine. */
	r = score1(SCORE_GOPHER, "A dog and a cat sit on the porch of the old house in the "
				 "evening sun with a #view of the hills");
	CHECK(!r.flagged);
	r = score1(SCORE_GOPHER, "12 34 56 78 90 the cars 11 22 33");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "of words have a letter");
}

TEST(gopher_stop_words)
{
	/* Eight words or more with no function word at all. */
	score_result r = score1(SCORE_GOPHER, "Red car parked outside blue house near green tree");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "stop words");
	r = score1(SCORE_GOPHER, "Red car parked outside the blue house near green tree");
	CHECK(!r.flagged);
	/* Seven words need none. */
	CHECK(!score1(SCORE_GOPHER, "Red car parked outside blue house today").flagged);
}

TEST(gopher_bullets_and_ellipses)
{
	score_result r = score1(SCORE_GOPHER, "- a dog in the park\n- a cat on the wall\n"
					      "- a bird in the tree");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "start with a bullet");
	r = score1(SCORE_GOPHER, "The dog runs in the park and then...\nThe cat sits on the "
				 "wall and then...\nThe bird sings.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "end with an ellipsis");
	CHECK(!score1(SCORE_GOPHER, "The dog runs in the park.\nThe cat sits on the wall...\n"
				    "The bird sings.\nThe sun sets.")
		   .flagged);
}

TEST(repetition_clean_and_sentences)
{
	score_result r = score1(SCORE_REPETITION, clean);
	CHECK_NEAR(r.value, 1, 1e-9);
	r = score1(SCORE_REPETITION, "A man reads a book. The sun is setting. The sun is setting. "
				     "The sun is setting.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "sentences repeat");
	/* One sentence said twice among five: 20%, under the 30% rule. */
	r = score1(SCORE_REPETITION, "A man reads a book on a bench. The sun is setting. Birds "
				     "fly over the lake at dusk. Children play football nearby "
				     "with their father. The sun is setting.");
	CHECK(!r.flagged);
}

TEST(repetition_loops_and_ngrams)
{
	score_result r =
	    score1(SCORE_REPETITION, "In the background, a couple carry a cardboard box, "
				     "a cardboard box, a cardboard box, a cardboard box");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "%");
	/* A phrase said twice is how people write (short texts need three). */
	r = score1(SCORE_REPETITION, "The man carries a bundle of rebar across the site. Later in "
				     "the clip, the man carries a bundle of rebar.");
	CHECK(!r.flagged);
	/* A generation loop of one word. */
	r = score1(SCORE_REPETITION, "The crowd shouts yes yes yes yes yes yes yes at the end.");
	CHECK(r.flagged);
	CHECK(r.value < 0.2);
	r = score1(SCORE_REPETITION, "The crowd shouts yes yes at the end of the match today.");
	CHECK(!r.flagged);
}

TEST(repetition_long_document_rules)
{
	/* Over 200 words, an n-gram seen twice counts (Gopher as published). */
	char doc[8000] = "";
	const char *words[] = {"apple",	   "river",  "stone",  "cloud",	 "green",
			       "quiet",	   "table",  "window", "garden", "yellow",
			       "mountain", "silver", "lantern"};
	unsigned x = 7;
	for (int i = 0; i < 240; i++) {
		x = x * 1103515245u + 12345u;
		strcat(doc, words[(x >> 16) % 13]);
		strcat(doc, " ");
	}
	score_result base = score1(SCORE_REPETITION, doc);
	strcat(doc, "the quick brown fox jumps over the lazy dog near the bank of the wide river ");
	strcat(doc, "the quick brown fox jumps over the lazy dog near the bank of the wide river ");
	score_result r = score1(SCORE_REPETITION, doc);
	CHECK(r.value <= base.value);
}

TEST(repetition_hostile_sizes)
{
	/* A huge single-word loop stays bounded and flagged. */
	size_t n = 2000000;
	char *s = malloc(n + 1);
	for (size_t i = 0; i < n; i += 4)
		memcpy(s + i, "ab ", 4 > n - i ? n - i : 4);
	for (size_t i = 0; i < n; i++)
		if (!s[i])
			s[i] = ' ';
	s[n] = '\0';
	score_result r = score1(SCORE_REPETITION, s);
	CHECK(r.flagged);
	free(s);
	CHECK_NEAR(score1(SCORE_REPETITION, "").value, 1, 1e-9);
	/* Invalid UTF-8 is words too, not a crash. */
	CHECK(!score1(SCORE_REPETITION, "\xff\xfe caf\xc3 na\xefve\x80 ok").flagged);
}

UNIT_MAIN(UNIT_CASE(length_bounds), UNIT_CASE(length_maximum), UNIT_CASE(gopher_mean_word_length),
	  UNIT_CASE(gopher_symbols_and_letters), UNIT_CASE(gopher_stop_words),
	  UNIT_CASE(gopher_bullets_and_ellipses), UNIT_CASE(repetition_clean_and_sentences),
	  UNIT_CASE(repetition_loops_and_ngrams), UNIT_CASE(repetition_long_document_rules),
	  UNIT_CASE(repetition_hostile_sizes))
