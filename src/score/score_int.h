/* score_int.h — what the files of src/score/ share: the rule scorers'
 * entry points, reason formatting and phrase tables. */
#ifndef ASSAY_SCORE_INT_H
#define ASSAY_SCORE_INT_H

#include <math.h>
#include <stddef.h>

#include "assay/score.h"

/* The text scorers (rules.c, patterns.c, field.c). */
void score_length(score_text *t, const score_config *cfg, score_result *out);
void score_gopher(score_text *t, const score_config *cfg, score_result *out);
void score_repetition(score_text *t, const score_config *cfg, score_result *out);
void score_artifacts(score_text *t, const score_config *cfg, score_result *out);
void score_truncation(score_text *t, const score_config *cfg, score_result *out);
void score_charset(score_text *t, const score_config *cfg, score_result *out);
void score_hedging(score_text *t, const score_config *cfg, score_result *out);
void score_field(score_text *t, const score_config *cfg, score_result *out);
void score_task(score_text *t, const score_config *cfg, score_result *out);

/* Rows of a scorer's keys (score_key). F is the score_config field the
 * value goes in; a field of the wrong type does not compile (_Generic has
 * no match). V is an enum score_key_version. */
#define SCORE_AT_(F, type) _Generic(((score_config *)0)->F, type: offsetof(score_config, F))
#define SCORE_INT(NAME, F, LO, HI, DEF, V, WANT)                                             \
	{.name = NAME, .type = SCORE_KEY_INT, .at = SCORE_AT_(F, int), .lo = LO, .hi = HI,    \
	 .def = DEF, .version = V, .want = WANT}
/* An INT stored as the value plus ADD (retries -> attempts). */
#define SCORE_INT_PLUS(NAME, F, LO, HI, ADD, WANT)                                           \
	{.name = NAME, .type = SCORE_KEY_INT, .at = SCORE_AT_(F, int), .lo = LO, .hi = HI,    \
	 .add = ADD, .want = WANT}
#define SCORE_DOUBLE(NAME, F, LO, OPEN, HI, DEF, V, WANT)                                    \
	{.name = NAME, .type = SCORE_KEY_DOUBLE, .at = SCORE_AT_(F, double), .lo = LO,        \
	 .lo_open = OPEN, .hi = HI, .def = DEF, .version = V, .want = WANT}
/* A DOUBLE that also sets the bool GIVEN (the field's range was given). */
#define SCORE_DOUBLE_GIVEN(NAME, F, GIVEN, DEF, V, WANT)                                     \
	{.name = NAME, .type = SCORE_KEY_DOUBLE, .at = SCORE_AT_(F, double), .lo = -HUGE_VAL,  \
	 .hi = HUGE_VAL, .def = DEF, .given = SCORE_AT_(GIVEN, bool), .version = V,           \
	 .want = WANT}
#define SCORE_BOOL(NAME, F, DEF, V, WANT)                                                    \
	{.name = NAME, .type = SCORE_KEY_BOOL, .at = SCORE_AT_(F, bool), .def = DEF,           \
	 .version = V, .want = WANT}
#define SCORE_STRING(NAME, F, V)                                                             \
	{.name = NAME, .type = SCORE_KEY_STRING, .at = SCORE_AT_(F, char *), .version = V}
#define SCORE_FILE(NAME, F)                                                                  \
	{.name = NAME, .type = SCORE_KEY_FILE, .at = SCORE_AT_(F, char *)}
#define SCORE_SECONDS(NAME, F, HI, WANT)                                                     \
	{.name = NAME, .type = SCORE_KEY_SECONDS, .at = SCORE_AT_(F, long), .lo = 0,          \
	 .lo_open = true, .hi = HI, .want = WANT}
#define SCORE_SCRIPTS(NAME, F, V, WANT)                                                      \
	{.name = NAME, .type = SCORE_KEY_SCRIPTS, .at = SCORE_AT_(F, uint32_t), .version = V, \
	 .want = WANT}

/* Appends to out the values of d's keys that its version follows, then
 * d->params's (keys.c). */
void score_config_params(const score_def *d, const score_config *c, abuf *out);

/* Whether the context (case-folded ASCII) holds needle as whole words. */
bool score_context_has(const score_text *t, const char *needle);
/* The same over the text itself. */
bool score_text_has(const score_text *t, const char *needle);
/* Which of needles[0..k) (k <= 64) s[0..n) holds as score_context_has
 * would find them: bit j for needles[j]. One pass over s. */
uint64_t score_words_in(const char *s, size_t n, const char *const *needles, size_t k);
/* Whether the context asks for verse, a story, a riddle, a joke or a
 * dialogue (where a refusal or "Answer:" may be part of the piece). */
bool score_context_asks_fiction(const score_text *t);
/* Whether byte offset at of the text lies inside a ``` code block. */
bool score_in_code(const score_text *t, size_t at);

/* Sets out->value and a formatted reason (and clears the detail). */
void score_set(score_result *out, double value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A reason or detail written piece by piece and cut where snprintf would
 * cut it: for the results every text gets, where formatting cost more
 * than the rule. */
typedef struct score_fmt {
	char *p;
	size_t cap, len; /* len: what snprintf would return */
} score_fmt;

/* score_set's value and empty detail, with f ready to write the reason. */
void score_set_start(score_result *out, double value, score_fmt *f);
/* f over buf (cap bytes, cap > 0), empty. */
void score_fmt_init(score_fmt *f, char *buf, size_t cap);
void score_fmt_str(score_fmt *f, const char *s);
/* As "%zu" and "%d" write them. */
void score_fmt_uint(score_fmt *f, size_t v);
void score_fmt_int(score_fmt *f, int v);

/* The value for n hits of a rule that should never fire: 1 for none, 0.4
 * for one, 0.2 for two, 0 for three or more. */
double score_hits(size_t n);

/* Case-folded hash of a word as the analyser computes it (for tables). */
uint32_t score_word_hash(const char *w, size_t n);

/* A phrase: words (case-folded hashes) matched at word boundaries. */
enum score_anchor {
	ANCHOR_ANY,   /* anywhere */
	ANCHOR_START, /* the first words of the text */
	ANCHOR_LINE,  /* the first words of a line */
	ANCHOR_SENT,  /* the first words of a sentence */
};

typedef struct score_phrase {
	const char *text; /* lower case, words separated by single spaces */
	int anchor;	  /* enum score_anchor */
	int kind;	  /* the table's own category */
} score_phrase;

/* A compiled phrase table: hashes per phrase. */
typedef struct score_phrases {
	const score_phrase *v;
	size_t n;
	uint32_t (*hashes)[8];
	uint8_t *n_words;
	uint64_t bloom[64];   /* first-word hashes seen (12 low bits), to skip most words */
	uint16_t bucket[128]; /* first phrase by first-word hash; UINT16_MAX: none */
	uint16_t *chain;      /* next phrase in the same bucket */
} score_phrases;

/* Compiles a table once (thread-unsafe lazy init by the caller). */
int score_phrases_compile(score_phrases *p, const score_phrase *v, size_t n);

/* Calls fn for each phrase match in t, leftmost first and non-overlapping;
 * returns the number of matches. */
size_t score_phrases_match(const score_phrases *p, const score_text *t,
			   void (*fn)(void *ud, const score_phrase *ph, size_t word), void *ud);

/* Copies the text of words [first, first+n) into out (cap bytes) as shown
 * in a reason: at most ~40 bytes, control characters as '?'. */
void score_quote(const score_text *t, size_t first, size_t n, char *out, size_t cap);

#endif
