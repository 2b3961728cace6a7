/* test_fast_paths.c — the rule scorers' shortcuts give what the long way
 * gives: reasons written without the formatter (byte for byte, cut where
 * snprintf cuts), the analyser's run of ASCII letters and digits, the
 * hidden-sequence count skipped for plain ASCII, and the marker scan that
 * starts at the first bracket, backquote, '#' or '*'. */
#include <stdio.h>

#include "../../src/score/score_int.h"
#include "helpers.h"
#include "unit.h"

static const char clean[] =
    "A woman in a red coat walks her dog along the river at dusk. The camera follows "
    "them from behind while the lights of the city come on across the water.";

TEST(reasons_every_text_gets)
{
	score_result r = score1(SCORE_LENGTH, clean);
	CHECK_STR(r.reason, "length: 31 words, 151 characters (bounds 5-300 words, 20-3000 "
			    "characters)");
	CHECK_STR(r.detail, "{\"words\":31,\"chars\":151}");
	r = score1(SCORE_LENGTH, "A dog runs fast.");
	CHECK_STR(r.reason, "length: 4 words, 16 characters (bounds 5-300 words, 20-3000 "
			    "characters), fewer words than the minimum");
	r = score_as(SCORE_LENGTH, "", 0);
	CHECK_STR(r.reason, "length: 0 words, 0 characters (bounds 1-300 words, 1-3000 "
			    "characters), fewer words than the minimum");
	CHECK_STR(r.detail, "{\"words\":0,\"chars\":0}");
	r = score1(SCORE_HEDGING, clean);
	CHECK_STR(r.reason, "hedging: no hedges in 31 words");
	CHECK_STR(r.detail, "");
	CHECK_NEAR(r.value, 1, 1e-12);
}

/* score_fmt writes what snprintf writes, whatever the room. */
TEST(fmt_cuts_like_snprintf)
{
	for (size_t cap = 1; cap <= 40; cap++) {
		char got[64], want[64];
		memset(got, 'x', sizeof got);
		score_fmt f;
		score_fmt_init(&f, got, cap);
		score_fmt_str(&f, "n: ");
		score_fmt_uint(&f, 18446744073709551615u);
		score_fmt_str(&f, ", ");
		score_fmt_int(&f, -2147483647 - 1);
		score_fmt_str(&f, "/");
		score_fmt_int(&f, 0);
		int n = snprintf(want, cap, "n: %zu, %d/%d", (size_t)18446744073709551615u,
				 -2147483647 - 1, 0);
		CHECK_STR(got, want);
		CHECK_INT((long long)f.len, n);
		CHECK(got[cap] == 'x'); /* nothing past the room */
	}
}

/* A word's hash, counts and flags are those of the characters one by one:
 * runs of ASCII letters and digits broken by an inner apostrophe, a hyphen,
 * a non-ASCII letter and a digit. */
TEST(ascii_runs)
{
	score_text t = {0};
	const char *s = "NASA's Caf\303\25142 x-ray ABC 7 dog2B.";
	CHECK_INT(score_text_analyse(&t, s, strlen(s), test_cfg()), 0);
	CHECK_INT((long long)t.n_words, 6);
	const char *want[] = {"nasa's", "caf\303\25142", "x-ray", "abc", "7", "dog2b"};
	const int upper[] = {0, 0, 0, 1, 1, 0}, alpha[] = {1, 1, 1, 1, 0, 1};
	const int chars[] = {6, 6, 5, 3, 1, 5};
	for (size_t i = 0; i < 6 && i < t.n_words; i++) {
		CHECK_INT(t.words[i].hash, score_word_hash(want[i], strlen(want[i])));
		CHECK_INT(t.words[i].upper, upper[i]);
		CHECK_INT(t.words[i].alpha, alpha[i]);
		CHECK_INT(t.words[i].chars, chars[i]);
	}
	CHECK_INT((long long)t.letters, 20);
	CHECK_INT((long long)t.digits, 4);
	CHECK_INT((long long)t.chars, 32);
	CHECK_INT((long long)t.non_ascii, 1);
	CHECK_INT((long long)t.n_sents, 1);
	CHECK_INT(t.sents[0].len, (long long)strlen(s));
	CHECK_INT(t.words[0].sent_start, 1);
	CHECK_INT(t.words[0].line_start, 1);
	CHECK_INT(t.words[1].sent_start, 0);
	score_text_free(&t);
}

/* The hidden-sequence count is skipped only where it finds nothing: a bare
 * CR in ASCII and a joined emoji still count; plain ASCII is clean. */
TEST(hidden_only_where_possible)
{
	score_result r = score1(SCORE_CHARSET, clean);
	CHECK_STR(r.reason, "charset: clean");
	r = score1(SCORE_CHARSET, "A dog runs.\rA cat sits.");
	CHECK(r.flagged);
	CHECK_NEAR(r.value, 0.4, 1e-12);
	CHECK_CONTAINS(r.reason, "1 hidden sequence");
	CHECK_CONTAINS(r.detail, "\"hidden\":1");
	r = score1(SCORE_CHARSET, "A dog runs.\r\nA cat sits.");
	CHECK_STR(r.reason, "charset: clean");
	/* dog + ZWJ + cat: not a recommended sequence */
	r = score1(SCORE_CHARSET, "A pet \xF0\x9F\x90\x95\xE2\x80\x8D\xF0\x9F\x90\x88 sleeps.");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.detail, "\"hidden\":1");
}

/* Markers after the first markup byte are found, and one at the very
 * start of the text. */
TEST(markers_from_first_markup)
{
	score_result r = score1(SCORE_ARTIFACTS, "A man * holds a sign saying [SUBJECT] here.");
	CHECK(r.flagged);
	CHECK_STR(r.reason, "artifacts: placeholder \"[SUBJECT]\", 1 match");
	r = score1(SCORE_ARTIFACTS, "```A man holds a sign.```");
	CHECK(r.flagged);
	CHECK_CONTAINS(r.reason, "Markdown \"```\" and others, 2 matches");
	r = score1(SCORE_ARTIFACTS, "#### A heading\nA man holds a sign.");
	CHECK_CONTAINS(r.reason, "Markdown \"#### \"");
	CHECK_STR(score1(SCORE_ARTIFACTS, clean).reason, "artifacts: none found");
}

UNIT_MAIN(UNIT_CASE(reasons_every_text_gets), UNIT_CASE(fmt_cuts_like_snprintf),
	  UNIT_CASE(ascii_runs), UNIT_CASE(hidden_only_where_possible),
	  UNIT_CASE(markers_from_first_markup))
