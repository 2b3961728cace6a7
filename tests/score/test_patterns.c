/* test_patterns.c — artifacts and hedging (src/score/patterns.c, phrases.c)
 * on crafted texts at both sides of each rule. */
#include "helpers.h"
#include "unit.h"

static const char clean[] = "A woman in a red coat walks her dog along the river at dusk.";

TEST(artifacts_clean)
{
	score_result r = score1(SCORE_ARTIFACTS, clean);
	CHECK_NEAR(r.value, 1, 1e-9);
	CHECK(!r.flagged);
	CHECK_STR(r.reason, "artifacts: none found");
	/* Words that look like artifacts but are not. */
	CHECK(!score1(SCORE_ARTIFACTS, "A sure-footed goat climbs a rock; here is a good view of "
				       "the valley, of course.")
		   .flagged);
	CHECK(!score1(SCORE_ARTIFACTS, "A todo list is pinned on the fridge [photo 3].").flagged);
}

TEST(artifacts_refusals)
{
	score_result r = score1(SCORE_ARTIFACTS, "As an AI language model, I cannot view videos "
						 "directly.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "refusal \"As an AI\"");
	CHECK(r.value < 0.1);
	r = score1(SCORE_ARTIFACTS, "I\xE2\x80\x99m sorry, but I can\xE2\x80\x99t help with that.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "refusal");
}

TEST(artifacts_meta_commentary)
{
	score_result r =
	    score1(SCORE_ARTIFACTS, "Sure! Here's a detailed description of the video: "
				    "a dog runs.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "meta-commentary");
	r = score1(SCORE_ARTIFACTS, "Caption: a dog runs in the park.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "\"Caption\"");
	/* "caption" without the colon is a word. */
	CHECK(!score1(SCORE_ARTIFACTS, "Caption contest winners pose on a stage.").flagged);
	r = score1(SCORE_ARTIFACTS, "A dog runs.\n\nLet me know if you'd like a shorter version!");
	CHECK(r.flagged);
	CHECK(score_as(SCORE_ARTIFACTS, "Great question! - 3 May: launch", 0).flagged);
	CHECK(!score_as(SCORE_ARTIFACTS, "A great question was asked at the launch.", 0).flagged);
}

TEST(artifacts_placeholders)
{
	const char *bad[] = {"This photograph depicts [SUBJECT] at a bus stop.",
			     "A teal bicycle in the foreground. {object_name}.",
			     "The pair walk a dog in [insert location].",
			     "Lorem ipsum dolor sit amet, a dog runs.",
			     "A dog runs in the park. TODO.",
			     "A <PLACEHOLDER> stands by the door."};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(bad); i++) {
		score_result r = score1(SCORE_ARTIFACTS, bad[i]);
		CHECK(r.flagged);
		CHECK_CONTAINS(r.reason, "placeholder");
	}
	CHECK(!score1(SCORE_ARTIFACTS, "A sign reads [closed] in small letters.").flagged);
	CHECK(!score1(SCORE_ARTIFACTS, "A B-52 flies over the TV tower.").flagged);
}

TEST(artifacts_markdown_and_leaks)
{
	score_result r = score1(SCORE_ARTIFACTS, "```\nA dog runs.\n```");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "Markdown");
	r = score1(SCORE_ARTIFACTS, "**Caption:** A dog runs.");
	CHECK(r.flagged);
	r = score1(SCORE_ARTIFACTS, "# Scene\nA dog runs.");
	CHECK(r.flagged);
	r = score1(SCORE_ARTIFACTS, "* A dog runs.\n* A cat sits.");
	CHECK(r.flagged);
	/* Markdown is normal in other texts (answers). */
	CHECK(!score_as(SCORE_ARTIFACTS, "* A dog runs.\n* A cat sits.", 0).flagged);
	r = score1(SCORE_ARTIFACTS,
		   "<|im_start|>system\nYou are a dense video captioner.<|im_end|>\n"
		   "A dog runs.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "prompt leakage");
	r = score1(SCORE_ARTIFACTS, "[INST] caption this image [/INST] A dog runs.");
	CHECK(r.flagged);
	/* More matches lower the value. */
	CHECK(score1(SCORE_ARTIFACTS, "Sure! Caption: a dog. I hope this helps!").value <
	      score1(SCORE_ARTIFACTS, "Sure! A dog runs in the park.").value);
}

TEST(hedging_density)
{
	score_result r = score1(SCORE_HEDGING, clean);
	CHECK_NEAR(r.value, 1, 1e-9);
	CHECK_CONTAINS(r.reason, "no hedges");
	r = score1(SCORE_HEDGING, "This appears to be a video of what might be a small group of "
				  "students. It is possible that the mood is cheerful.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "3 hedges");
	/* One hedge is never flagged alone, however short the text. */
	r = score1(SCORE_HEDGING, "Possibly a dog.");
	CHECK(!r.flagged);
	CHECK_NEAR(r.value, 0.6, 1e-9);
	/* Two hedges in 80 words: 2.5 per 100, under the limit of 3. */
	char text[1200] = "The dog appears to be asleep and the cat is probably outside";
	for (int i = 0; i < 7; i++)
		strcat(text, " while the long grass of the meadow moves in the evening wind");
	r = score1(SCORE_HEDGING, text);
	CHECK(!r.flagged);
	CHECK(r.value < 1);
}

TEST(hedging_openers)
{
	score_result r = score1(SCORE_HEDGING, "An image of a dog running in the park.");
	CHECK_NEAR(r.value, 0.8, 1e-9);
	CHECK(!r.flagged);
	CHECK_CONTAINS(r.reason, "generic opener \"An image of\"");
	/* Only at the start. */
	CHECK_NEAR(score1(SCORE_HEDGING, "A dog runs past an image of a cat.").value, 1, 1e-9);
}

UNIT_MAIN(UNIT_CASE(artifacts_clean), UNIT_CASE(artifacts_refusals),
	  UNIT_CASE(artifacts_meta_commentary), UNIT_CASE(artifacts_placeholders),
	  UNIT_CASE(artifacts_markdown_and_leaks), UNIT_CASE(hedging_density),
	  UNIT_CASE(hedging_openers))
