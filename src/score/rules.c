/* rules.c — the counting scorers: length bounds, the Gopher quality rules
 * and the Gopher repetition rules, adapted to short texts (Rae et al. 2021,
 * "Scaling Language Models: Methods, Analysis & Insights from Training
 * Gopher", appendix A.1.1, table A1). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score_int.h"

/* ---- length ----------------------------------------------------------------- */

/* 1 inside the bounds; outside, half the ratio to the bound crossed, so
 * any text outside its bounds is under 0.5. */
static double bound_value(double x, double lo, double hi)
{
	if (lo > 0 && x < lo)
		return 0.5 * x / lo;
	if (hi > 0 && x > hi)
		return 0.5 * hi / x;
	return 1.0;
}

void score_length(score_text *t, const score_config *cfg, score_result *out)
{
	/* Other texts than captions (answers, translations) may be one word. */
	int min_w = t->caption ? cfg->min_words : 1, min_c = t->caption ? cfg->min_chars : 1;
	double vw = bound_value((double)t->n_words, min_w, cfg->max_words);
	double vc = bound_value((double)t->chars, min_c, cfg->max_chars);
	const char *why = "";
	if (vw < 1 || vc < 1) {
		if (vw <= vc)
			why = (int)t->n_words < min_w ? ", fewer words than the minimum"
						      : ", more words than the maximum";
		else
			why = (int)t->chars < min_c ? ", fewer characters than the minimum"
						    : ", more characters than the maximum";
	}
	/* Every text gets this reason: written without the formatter, as
	 * "length: %zu words, %zu characters (bounds %d-%d words, %d-%d
	 * characters)%s" and "{"words":%zu,"chars":%zu}" would. */
	score_fmt f;
	score_set_start(out, fmin(vw, vc), &f);
	score_fmt_str(&f, "length: ");
	score_fmt_uint(&f, t->n_words);
	score_fmt_str(&f, " words, ");
	score_fmt_uint(&f, t->chars);
	score_fmt_str(&f, " characters (bounds ");
	score_fmt_int(&f, min_w);
	score_fmt_str(&f, "-");
	score_fmt_int(&f, cfg->max_words);
	score_fmt_str(&f, " words, ");
	score_fmt_int(&f, min_c);
	score_fmt_str(&f, "-");
	score_fmt_int(&f, cfg->max_chars);
	score_fmt_str(&f, " characters)");
	score_fmt_str(&f, why);
	score_fmt_init(&f, out->detail, sizeof out->detail);
	score_fmt_str(&f, "{\"words\":");
	score_fmt_uint(&f, t->n_words);
	score_fmt_str(&f, ",\"chars\":");
	score_fmt_uint(&f, t->chars);
	score_fmt_str(&f, "}");
}

/* ---- gopher ------------------------------------------------------------------ */

/* Gopher's stop words: a text must hold at least two of them. */
static const char *const stop_words[] = {"the", "be", "to", "of", "and", "that", "have", "with"};

static uint32_t stop_hashes[ASSAY_ARRAY_LEN(stop_words)];
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

/* The hashes, made once for every thread that scores. */
static void stop_hash(void)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(stop_words); i++)
		stop_hashes[i] = score_word_hash(stop_words[i], strlen(stop_words[i]));
}

static bool is_stop_word(uint32_t h)
{
	pthread_once(&stop_once, stop_hash);
	const uint32_t *hashes = stop_hashes;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(stop_hashes); i++)
		if (hashes[i] == h)
			return true;
	return false;
}

/* A line that starts with a bullet: - * • ‣ ◦ ▪ or "1." style numbers. */
static bool bullet_line(const score_text *t, const score_span *l)
{
	const unsigned char *p = (const unsigned char *)t->s + l->off;
	size_t n = l->len;
	if (n >= 2 && (p[0] == '-' || p[0] == '*' || p[0] == '+') && p[1] == ' ')
		return true;
	if (n >= 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA2 || p[2] == 0xA3))
		return true;
	if (n >= 3 && p[0] == 0xE2 && p[1] == 0x97 && p[2] == 0xA6)
		return true;
	if (n >= 3 && p[0] == 0xE2 && p[1] == 0x96 && p[2] == 0xAA)
		return true;
	return false;
}

static bool ellipsis_line(const score_text *t, const score_span *l)
{
	const char *end = t->s + l->off + l->len;
	if (l->len >= 3 && memcmp(end - 3, "...", 3) == 0)
		return true;
	return l->len >= 3 && memcmp(end - 3, "\xE2\x80\xA6", 3) == 0;
}

/* Short texts (under Gopher's 50-word minimum) need one function word of a
 * wider list from 8 words on: captions often hold none of Gopher's eight. */
static const char *const short_stop_words[] = {"the", "a",    "an",   "of", "in",   "on",
					       "to",  "and",  "with", "is", "are",  "at",
					       "for", "from", "by",   "be", "that", "have"};

static uint32_t short_stop_hashes[ASSAY_ARRAY_LEN(short_stop_words)];
static pthread_once_t short_stop_once = PTHREAD_ONCE_INIT;

static void short_stop_hash(void)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(short_stop_words); i++)
		short_stop_hashes[i] =
		    score_word_hash(short_stop_words[i], strlen(short_stop_words[i]));
}

static bool is_short_stop_word(uint32_t h)
{
	pthread_once(&short_stop_once, short_stop_hash);
	const uint32_t *hashes = short_stop_hashes;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(short_stop_hashes); i++)
		if (hashes[i] == h)
			return true;
	return false;
}

/* Gopher: two of its stop words in a text of 50 words or more; a shorter
 * text of 8 words or more needs one of the wider list. */
static size_t stop_words_needed(size_t n)
{
	return n >= 50 ? 2 : n >= 8 ? 1 : 0;
}

/* A response may be a short answer ("6", "Negative"), a list or code:
 * word length and letters are judged from 8 words on, bullets never, '#'
 * not where there is a code block. */
static void response_rules(const score_text *t, size_t nw, double v[6])
{
	if (nw < 8)
		v[0] = v[2] = 1;
	v[3] = 1;
	if (memmem(t->s, t->n, "```", 3))
		v[1] = 1;
}

void score_gopher(score_text *t, const score_config *cfg, score_result *out)
{
	(void)cfg;
	size_t nw = t->n_words, chars = 0, alpha = 0, stops = 0;
	for (size_t i = 0; i < nw; i++) {
		chars += t->words[i].chars;
		alpha += t->words[i].alpha;
		if (stops < 2 && (nw >= 50 ? is_stop_word(t->words[i].hash)
					   : is_short_stop_word(t->words[i].hash)))
			stops++;
	}
	size_t bullets = 0, ellipsis = 0;
	for (size_t i = 0; i < t->n_lines; i++) {
		bullets += bullet_line(t, &t->lines[i]);
		ellipsis += ellipsis_line(t, &t->lines[i]);
	}
	if (nw == 0) {
		score_set(out, 0, "gopher: no words");
		return;
	}
	double mean = (double)chars / (double)nw;
	double sym = (double)(t->hashes + t->ellipses) / (double)nw;
	double with_alpha = (double)alpha / (double)nw;
	double bul = t->n_lines ? (double)bullets / (double)t->n_lines : 0;
	double ell = t->n_lines ? (double)ellipsis / (double)t->n_lines : 0;
	size_t need = stop_words_needed(nw);
	/* Each rule's value; the worst explains the score. */
	double v[6] = {
	    bound_value(mean, 3, 10),
	    score_ramp(sym, 0.05, 0.1),
	    score_ramp(with_alpha, 0.9, 0.8),
	    score_ramp(bul, 0.45, 0.9),
	    score_ramp(ell, 0.15, 0.3),
	    stops >= need ? 1.0 : 0.5 * (double)stops / (double)need,
	};
	if (t->response)
		response_rules(t, nw, v);
	size_t w = 0;
	for (size_t i = 1; i < 6; i++)
		if (v[i] < v[w])
			w = i;
	if (v[w] >= 1) {
		score_set(out, 1, "gopher: passes every rule");
		return;
	}
	switch (w) {
	case 0:
		score_set(out, v[0], "gopher: mean word length %.1f characters (rule: 3 to 10)",
			  mean);
		break;
	case 1:
		score_set(out, v[1], "gopher: %.2f '#' and ellipses per word (rule: at most 0.1)",
			  sym);
		break;
	case 2:
		score_set(out, v[2], "gopher: %.0f%% of words have a letter (rule: at least 80%%)",
			  100 * with_alpha);
		break;
	case 3:
		score_set(out, v[3],
			  "gopher: %.0f%% of lines start with a bullet (rule: at most "
			  "90%%)",
			  100 * bul);
		break;
	case 4:
		score_set(out, v[4],
			  "gopher: %.0f%% of lines end with an ellipsis (rule: at most "
			  "30%%)",
			  100 * ell);
		break;
	default:
		score_set(out, v[5],
			  "gopher: %zu stop words (%s) in %zu words (rule: at least %zu)", stops,
			  nw >= 50 ? "the/be/to/of/and/that/have/with" : "the/a/of/in/...", nw,
			  need);
	}
	snprintf(out->detail, sizeof out->detail,
		 "{\"mean_word\":%.2f,\"symbols\":%.3f,\"alpha\":%.3f,\"stop\":%zu}", mean, sym,
		 with_alpha, stops);
}

/* ---- repetition ------------------------------------------------------------- */

/* Gopher's limits: top 2-, 3-, 4-gram character shares; duplicated 5- to
 * 10-gram character shares. */
static const double top_limit[5] = {0, 0, 0.20, 0.18, 0.16};
static const double dup_limit[11] = {0, 0, 0, 0, 0, 0.15, 0.14, 0.13, 0.12, 0.11, 0.10};

static uint32_t mix(uint32_t h, uint32_t w)
{
	h ^= w + 0x9E3779B9u + (h << 6) + (h >> 2);
	return h * 0x85EBCA6Bu;
}

/* Scratch layout: grams[W], marks[W], then by slot the table's keys
 * (hashes) and its counts, first and second occurrences: only the keys
 * are cleared for each n. */
static int scratch_for(score_text *t, size_t slots)
{
	size_t need = 2 * t->n_words + 4 * slots;
	if (need <= t->cap_scratch)
		return ASSAY_OK;
	uint32_t *p = realloc(t->scratch, need * sizeof *p);
	if (!p)
		return ASSAY_ENOMEM;
	t->scratch = p;
	t->cap_scratch = need;
	return ASSAY_OK;
}

typedef struct ngram_stats {
	double top[5];	/* top n-gram character share, n = 2..4 */
	double dup[11]; /* duplicated n-gram character share, n = 5..10 */
	size_t top_count[5];
	double dup_sent, dup_sent_chars;
	size_t loop_k, loop_p; /* a phrase of loop_p words said loop_k times in a row */
} ngram_stats;

/* For n = 2..10: the most frequent n-gram's share (n <= 4) and the share
 * of characters inside n-grams that occur twice or more (n >= 5). */
static void ngrams(score_text *t, ngram_stats *st, size_t total_chars)
{
	size_t W = t->n_words, slots = 16;
	unsigned bits = 4;
	while (slots < 2 * W) {
		slots *= 2;
		bits++;
	}
	if (W < 2 || scratch_for(t, slots) < 0)
		return;
	uint32_t *grams = t->scratch, *marks = grams + W, *keys = marks + W;
	uint32_t *counts = keys + slots, *firsts = counts + slots, *seconds = firsts + slots;
	for (size_t i = 0; i < W; i++)
		grams[i] = t->words[i].hash;
	bool any_dup = true;
	/* Gopher counts n-grams seen twice; in a short text one phrase said
	 * twice is normal ("carries a bundle of rebar ... carries a bundle of
	 * rebar"), so under 200 words an n-gram must be seen three times. */
	uint32_t min_dup = W < 200 ? 3 : 2;
	/* An n-gram seen k times has its (n-1)-gram prefix seen k times too, so
	 * once no n-gram reaches three (or min_dup) sightings, none longer does. */
	size_t prev_best = SIZE_MAX;
	for (size_t n = 2; n <= 10 && n <= W && (n < 5 || any_dup) && prev_best >= min_dup; n++) {
		size_t m = W - n + 1;
		for (size_t i = 0; i < m; i++)
			grams[i] = mix(grams[i], t->words[i + n - 1].hash);
		memset(keys, 0, slots * sizeof *keys);
		if (n >= 5)
			memset(marks, 0, W * sizeof *marks);
		size_t best_count = 0, best_first = 0;
		for (size_t i = 0; i < m; i++) {
			/* the slot from the high bits of a multiplicative hash: the
			 * low bit of h is always set */
			uint32_t h = grams[i] | 1, j = (h * 0x9E3779B1u) >> (32 - bits);
			while (keys[j] && keys[j] != h)
				j = (j + 1) & (uint32_t)(slots - 1);
			if (!keys[j]) {
				keys[j] = h;
				counts[j] = 1;
				firsts[j] = (uint32_t)i;
				continue;
			}
			uint32_t count = ++counts[j], first = firsts[j];
			if (count == 2)
				seconds[j] = (uint32_t)i;
			if (count > best_count) {
				best_count = count;
				best_first = first;
			}
			if (n < 5 || count < min_dup)
				continue;
			for (size_t k = 0; k < n; k++)
				marks[first + k] = marks[seconds[j] + k] = marks[i + k] = 1;
		}
		prev_best = best_count;
		if (n <= 4 && best_count >= 2) {
			size_t c = 0;
			for (size_t k = 0; k < n; k++)
				c += t->words[best_first + k].chars;
			st->top[n] = (double)(c * best_count) / (double)total_chars;
			st->top_count[n] = best_count;
		} else if (n >= 5) {
			size_t c = 0;
			for (size_t k = 0; k < W; k++)
				c += marks[k] ? t->words[k].chars : 0;
			st->dup[n] = (double)c / (double)total_chars;
			any_dup = c > 0;
		}
	}
}

/* Sentences that repeat an earlier one (same words, case and punctuation
 * aside), as a share of sentences and of characters. */
static void dup_sentences(score_text *t, ngram_stats *st)
{
	size_t S = t->n_sents, dup = 0, dup_chars = 0, chars = 0;
	if (S < 2)
		return;
	uint32_t local[64];
	uint32_t *h = S <= 64 ? local : malloc(S * sizeof *h);
	if (!h)
		return;
	for (size_t i = 0; i < S; i++) {
		const score_span *sp = &t->sents[i];
		uint32_t x = 0x12345u;
		for (size_t k = 0; k < sp->n_words; k++)
			x = mix(x, t->words[sp->first_word + k].hash);
		h[i] = sp->n_words ? x : 0;
		chars += sp->len;
		for (size_t j = 0; j < i && h[i]; j++)
			if (h[j] == h[i]) {
				dup++;
				dup_chars += sp->len;
				break;
			}
	}
	if (h != local)
		free(h);
	st->dup_sent = (double)dup / (double)S;
	st->dup_sent_chars = chars ? (double)dup_chars / (double)chars : 0;
}

/* The longest run of one phrase (1 to 10 words) said three or more times
 * in a row, spanning at least 6 words: a generation loop. */
static void loops(const score_text *t, ngram_stats *st)
{
	size_t W = t->n_words;
	for (size_t p = 1; p <= 10 && 3 * p <= W; p++) {
		size_t run = 0;
		for (size_t i = 0; i + p < W; i++) {
			run = t->words[i].hash == t->words[i + p].hash ? run + 1 : 0;
			size_t k = run / p + 1;
			if (run >= 2 * p && run + p >= 6 && k > st->loop_k) {
				st->loop_k = k;
				st->loop_p = p;
			}
		}
	}
}

void score_repetition(score_text *t, const score_config *cfg, score_result *out)
{
	(void)cfg;
	ngram_stats st = {0};
	size_t chars = 0;
	for (size_t i = 0; i < t->n_words; i++)
		chars += t->words[i].chars;
	if (chars == 0) {
		score_set(out, 1, "repetition: no words");
		return;
	}
	ngrams(t, &st, chars);
	dup_sentences(t, &st);
	/* A loop repeats its first two words three times or more. */
	if (st.top_count[2] >= 3)
		loops(t, &st);
	double best = 1;
	score_set(out, 1, "repetition: no repeated sentences or phrases");
	double v = score_ramp(st.dup_sent, 0.15, 0.3);
	if (v < best) {
		best = v;
		score_set(out, v,
			  "repetition: %.0f%% of sentences repeat an earlier one (rule: at "
			  "most 30%%)",
			  100 * st.dup_sent);
	}
	v = score_ramp(st.dup_sent_chars, 0.1, 0.2);
	if (v < best) {
		best = v;
		score_set(out, v,
			  "repetition: %.0f%% of characters in repeated sentences (rule: "
			  "at most 20%%)",
			  100 * st.dup_sent_chars);
	}
	for (int n = 2; n <= 4; n++) {
		v = st.top_count[n] >= 3 ? score_ramp(st.top[n], top_limit[n] / 2, top_limit[n])
					 : 1;
		if (v < best) {
			best = v;
			score_set(out, v,
				  "repetition: %.0f%% of characters in the most frequent "
				  "%d-gram, said %zu times (rule: at most %.0f%%)",
				  100 * st.top[n], n, st.top_count[n], 100 * top_limit[n]);
		}
	}
	for (int n = 5; n <= 10; n++) {
		v = score_ramp(st.dup[n], dup_limit[n] / 2, dup_limit[n]);
		if (v < best) {
			best = v;
			score_set(out, v,
				  "repetition: %.0f%% of characters in duplicate %d-grams "
				  "(rule: at most %.0f%%)",
				  100 * st.dup[n], n, 100 * dup_limit[n]);
		}
	}
	v = st.loop_k >= 3 ? score_ramp((double)st.loop_k, 1, 2.5) : 1;
	if (v < best) {
		best = v;
		score_set(out, v,
			  "repetition: a %zu-word phrase said %zu times in a row (a "
			  "generation loop)",
			  st.loop_p, st.loop_k);
	}
	if (best < 1)
		snprintf(out->detail, sizeof out->detail,
			 "{\"dup_sentences\":%.3f,\"top2\":%.3f,\"dup5\":%.3f,\"dup10\":%.3f,"
			 "\"loop\":%zu}",
			 st.dup_sent, st.top[2], st.dup[5], st.dup[10], st.loop_k);
}
