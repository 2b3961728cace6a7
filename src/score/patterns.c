/* patterns.c — scorers that look for what generators leave behind: LLM
 * artifacts (refusals, meta-commentary, placeholders, Markdown, prompt
 * leakage) and hedging. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "score_int.h"

enum art_kind { ART_REFUSAL, ART_LEAK, ART_PLACEHOLDER, ART_META, ART_MARKDOWN, ART_KINDS };

static const char *const art_names[ART_KINDS] = {"refusal", "prompt leakage", "placeholder",
						 "meta-commentary", "Markdown"};
/* The value one match of each kind leaves (several matches lower it). */
static const double art_value[ART_KINDS] = {0.05, 0.1, 0.15, 0.25, 0.3};

#define R(t)                                                                                       \
	{                                                                                          \
		t, ANCHOR_ANY, ART_REFUSAL                                                         \
	}
static const score_phrase art_phrases[] = {
    R("as an ai"),
    R("as a language model"),
    R("as an artificial intelligence"),
    R("i'm sorry but"),
    R("i am sorry but"),
    R("i'm sorry i"),
    R("i am sorry i"),
    R("i cannot assist"),
    R("i can't assist"),
    R("i cannot help"),
    R("i can't help"),
    R("i cannot view"),
    R("i can't view"),
    R("i cannot see"),
    R("i can't see"),
    R("i cannot provide"),
    R("i can't provide"),
    R("i cannot describe"),
    R("i can't describe"),
    R("i cannot identify"),
    R("i can't identify"),
    R("i cannot fulfill"),
    R("i can't fulfill"),
    R("i cannot comply"),
    R("i can't comply"),
    R("i'm unable to"),
    R("i am unable to"),
    R("i'm not able to"),
    R("i am not able to"),
    R("i don't have the ability"),
    R("i do not have the ability"),
    R("i apologize but"),
    R("i must decline"),
    R("i won't be able to"),
    R("unable to assist"),
    {"sure", ANCHOR_START, ART_META},
    {"certainly", ANCHOR_START, ART_META},
    {"of course", ANCHOR_START, ART_META},
    {"absolutely", ANCHOR_START, ART_META},
    {"okay", ANCHOR_START, ART_META},
    {"great question", ANCHOR_START, ART_META},
    {"good question", ANCHOR_START, ART_META},
    {"here is a caption", ANCHOR_ANY, ART_META},
    {"here's a caption", ANCHOR_ANY, ART_META},
    {"here is a description", ANCHOR_ANY, ART_META},
    {"here's a description", ANCHOR_ANY, ART_META},
    {"here is a detailed", ANCHOR_ANY, ART_META},
    {"here's a detailed", ANCHOR_ANY, ART_META},
    {"let me know if", ANCHOR_ANY, ART_META},
    {"i hope this", ANCHOR_ANY, ART_META},
    {"hope this helps", ANCHOR_ANY, ART_META},
    {"would you like me to", ANCHOR_ANY, ART_META},
    {"feel free to ask", ANCHOR_ANY, ART_META},
    {"if you'd like", ANCHOR_SENT, ART_META},
    {"if you would like", ANCHOR_SENT, ART_META},
    {"is there anything else", ANCHOR_ANY, ART_META},
    {"this caption", ANCHOR_ANY, ART_META},
    {"i've described", ANCHOR_ANY, ART_META},
    {"i have described", ANCHOR_ANY, ART_META},
    {"as requested", ANCHOR_ANY, ART_META},
    {"caption:", ANCHOR_LINE, ART_META},
    {"description:", ANCHOR_LINE, ART_META},
    {"image description:", ANCHOR_LINE, ART_META},
    {"video description:", ANCHOR_LINE, ART_META},
    {"alt text:", ANCHOR_LINE, ART_META},
    {"answer:", ANCHOR_LINE, ART_META},
    {"output:", ANCHOR_LINE, ART_META},
    {"response:", ANCHOR_LINE, ART_META},
    {"you are a", ANCHOR_LINE, ART_LEAK},
    {"you are an", ANCHOR_LINE, ART_LEAK},
    {"describe the video", ANCHOR_ANY, ART_LEAK},
    {"describe the image", ANCHOR_ANY, ART_LEAK},
    {"describe this video", ANCHOR_ANY, ART_LEAK},
    {"describe this image", ANCHOR_ANY, ART_LEAK},
    {"describe the photo", ANCHOR_ANY, ART_LEAK},
    {"caption this image", ANCHOR_ANY, ART_LEAK},
    {"caption this video", ANCHOR_ANY, ART_LEAK},
    {"write a caption", ANCHOR_ANY, ART_LEAK},
    {"system:", ANCHOR_LINE, ART_LEAK},
    {"system:", ANCHOR_START, ART_LEAK},
    {"user:", ANCHOR_ANY, ART_LEAK},
    {"assistant:", ANCHOR_LINE, ART_LEAK},
    {"instruction:", ANCHOR_LINE, ART_LEAK},
    {"lorem ipsum", ANCHOR_ANY, ART_PLACEHOLDER},
};
#undef R

/* Literal markers, matched byte for byte (case-sensitive). */
static const struct {
	const char *s;
	int kind;
} art_markers[] = {
    {"<|im_start|>", ART_LEAK},
    {"<|im_end|>", ART_LEAK},
    {"<|system|>", ART_LEAK},
    {"<|user|>", ART_LEAK},
    {"<|assistant|>", ART_LEAK},
    {"<|endoftext|>", ART_LEAK},
    {"<|eot_id|>", ART_LEAK},
    {"<|start_header_id|>", ART_LEAK},
    {"[INST]", ART_LEAK},
    {"[/INST]", ART_LEAK},
    {"<<SYS>>", ART_LEAK},
    {"<</SYS>>", ART_LEAK},
    {"<s>", ART_LEAK},
    {"</s>", ART_LEAK},
    {"### Instruction", ART_LEAK},
    {"### Response", ART_LEAK},
    {"```", ART_MARKDOWN},
    {"[insert", ART_PLACEHOLDER},
    {"[Insert", ART_PLACEHOLDER},
    {"[INSERT", ART_PLACEHOLDER},
    {"[your ", ART_PLACEHOLDER},
    {"[Your ", ART_PLACEHOLDER},
};

typedef struct art_state {
	const score_text *t;
	bool markdown_ok;
	bool fiction;  /* the prompt asks for verse, a story, a riddle, ... */
	size_t excused; /* matches the prompt explains (asked for, in code, in fiction) */
	size_t count[ART_KINDS];
	int worst;
	char quote[64];
} art_state;

/* Whether a match is what the prompt asked for: the phrase is in the
 * prompt itself (a letter asked to end with "let me know"), it lies in a
 * code block, or the prompt asks for fiction, where a refusal, "Answer:"
 * or "User:" can be a line of the piece. */
static bool art_excused(art_state *a, int kind, const char *s, size_t n)
{
	const score_text *t = a->t;
	if (kind == ART_MARKDOWN || s < t->s || s >= t->s + t->n)
		return false;
	if (score_in_code(t, (size_t)(s - t->s)))
		return true;
	if (!t->context)
		return false;
	if (a->fiction && kind != ART_PLACEHOLDER)
		return true;
	char phrase[64];
	size_t m = n < sizeof phrase - 1 ? n : sizeof phrase - 1, j = 0;
	for (size_t i = 0; i < m; i++) {
		char c = s[i];
		phrase[j++] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c == '\n' ? ' ' : c;
	}
	phrase[j] = '\0';
	return j > 0 && score_context_has(t, phrase);
}

static void art_hit(art_state *a, int kind, const char *s, size_t n)
{
	if (art_excused(a, kind, s, n)) {
		a->excused++;
		return;
	}
	a->count[kind]++;
	if (a->worst < 0 || art_value[kind] < art_value[a->worst]) {
		a->worst = kind;
		size_t m = n < 40 ? n : 40;
		while (m < n && m > 0 && ((unsigned char)s[m] & 0xC0) == 0x80)
			m--;
		size_t j = 0;
		for (size_t i = 0; i < m; i++)
			a->quote[j++] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
		a->quote[j] = '\0';
	}
}

static void art_phrase(void *ud, const score_phrase *ph, size_t w)
{
	art_state *a = ud;
	size_t k = 1;
	for (const char *p = ph->text; *p; p++)
		k += *p == ' ';
	const score_word *first = &a->t->words[w], *last = &a->t->words[w + k - 1];
	art_hit(a, ph->kind, a->t->s + first->off, last->off + last->len - first->off);
}

static bool is_ident(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* [SUBJECT], <PLACEHOLDER>, {object_name}: a bracketed identifier. Returns
 * its length (brackets included) or 0. */
static size_t bracket_placeholder(const char *s, size_t n)
{
	char close = s[0] == '[' ? ']' : s[0] == '<' ? '>' : '}';
	size_t i = 1, upper = 0, lower = 0, under = 0;
	while (i < n && i < 40 &&
	       (is_ident((unsigned char)s[i]) || (s[i] == ' ' && close == ']'))) {
		upper += s[i] >= 'A' && s[i] <= 'Z';
		lower += s[i] >= 'a' && s[i] <= 'z';
		under += s[i] == '_';
		i++;
	}
	if (i >= n || s[i] != close || i < 3)
		return 0;
	bool ok = close == '}' ? (lower + upper > 0) : (upper >= 2 && lower == 0);
	return ok || (close != '}' && under > 0 && lower + upper > 0) ? i + 1 : 0;
}

/* Byte-level markers: literal strings, bracketed placeholders, Markdown
 * headings and bold. */
static void art_markers_scan(art_state *a)
{
	const char *s = a->t->s;
	size_t n = a->t->n, bold = 0;
	/* nothing to look at before the first of these bytes */
	for (size_t i = a->t->markup ? a->t->markup - 1 : n; i < n; i++) {
		char c = s[i];
		if (c != '<' && c != '[' && c != '{' && c != '`' && c != '#' && c != '*')
			continue;
		bool matched = false;
		for (size_t m = 0; m < ASSAY_ARRAY_LEN(art_markers) && !matched; m++) {
			size_t len = strlen(art_markers[m].s);
			if (art_markers[m].s[0] == c && i + len <= n &&
			    memcmp(s + i, art_markers[m].s, len) == 0) {
				if (art_markers[m].kind != ART_MARKDOWN || !a->markdown_ok)
					art_hit(a, art_markers[m].kind, s + i, len);
				i += len - 1;
				matched = true;
			}
		}
		if (matched)
			continue;
		size_t len;
		if ((c == '[' || c == '<' || c == '{') &&
		    (len = bracket_placeholder(s + i, n - i))) {
			art_hit(a, ART_PLACEHOLDER, s + i, len);
			i += len - 1;
		} else if (c == '#' && (i == 0 || s[i - 1] == '\n') && !a->markdown_ok) {
			size_t j = i;
			while (j < n && s[j] == '#')
				j++;
			if (j < n && s[j] == ' ' && j - i <= 6)
				art_hit(a, ART_MARKDOWN, s + i, j - i + 1);
		} else if (c == '*' && i + 1 < n && s[i + 1] == '*') {
			if (++bold == 2 && !a->markdown_ok)
				art_hit(a, ART_MARKDOWN, "**", 2);
			i++;
		}
	}
}

/* Two or more lines that start like list items ("- ", "* ", "• ", "1. "). */
static void art_lists(art_state *a)
{
	const score_text *t = a->t;
	size_t items = 0;
	for (size_t i = 0; i < t->n_lines; i++) {
		const unsigned char *p = (const unsigned char *)t->s + t->lines[i].off;
		size_t n = t->lines[i].len;
		bool item =
		    (n >= 2 && (p[0] == '-' || p[0] == '*' || p[0] == '+') && p[1] == ' ') ||
		    (n >= 3 && p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xA2) ||
		    (n >= 3 && p[0] >= '1' && p[0] <= '9' && p[1] == '.' && p[2] == ' ');
		items += item;
	}
	if (items >= 2 && !a->markdown_ok)
		art_hit(a, ART_MARKDOWN, "a list", 6);
}

/* The hashes of TODO, TBD, FIXME and XXX, made with the phrase table. */
static uint32_t todo_hash[4];

/* TODO, TBD, FIXME, XXX written in capitals. */
static void art_todo(art_state *a)
{
	const uint32_t *h = todo_hash;
	for (size_t i = 0; i < a->t->n_words; i++) {
		const score_word *w = &a->t->words[i];
		if (w->upper && w->alpha && w->chars >= 3 &&
		    (w->hash == h[0] || w->hash == h[1] || w->hash == h[2] || w->hash == h[3]))
			art_hit(a, ART_PLACEHOLDER, a->t->s + w->off, w->len);
	}
}

/* The phrase tables, compiled once for every thread that scores (the
 * rule scorers run on several cores at once); a table that could not be
 * compiled stays empty (v NULL) and its scorer says so. */
static score_phrases art_table, hedge_table;
static pthread_once_t art_once = PTHREAD_ONCE_INIT, hedge_once = PTHREAD_ONCE_INIT;

static void art_compile(void)
{
	todo_hash[0] = score_word_hash("todo", 4);
	todo_hash[1] = score_word_hash("tbd", 3);
	todo_hash[2] = score_word_hash("fixme", 5);
	todo_hash[3] = score_word_hash("xxx", 3);
	if (score_phrases_compile(&art_table, art_phrases, ASSAY_ARRAY_LEN(art_phrases)) < 0)
		art_table.v = NULL;
}

void score_artifacts(score_text *t, const score_config *cfg, score_result *out)
{
	pthread_once(&art_once, art_compile);
	const score_phrases *table = &art_table;
	if (!table->v) {
		score_set(out, NAN, "artifacts: out of memory");
		return;
	}
	art_state a = {.t = t,
		       .markdown_ok = cfg->markdown_ok || !t->caption,
		       .fiction = score_context_asks_fiction(t),
		       .worst = -1};
	score_phrases_match(table, t, art_phrase, &a);
	art_markers_scan(&a);
	art_lists(&a);
	art_todo(&a);
	size_t total = 0;
	for (int k = 0; k < ART_KINDS; k++)
		total += a.count[k];
	if (total == 0) {
		if (a.excused)
			score_set(out, 1, "artifacts: none but %zu the prompt asked for or in code",
				  a.excused);
		else
			score_set(out, 1, "artifacts: none found");
		return;
	}
	double v = art_value[a.worst] * pow(0.8, (double)(total - 1));
	score_set(out, v, "artifacts: %s \"%s\"%s%zu match%s", art_names[a.worst], a.quote,
		  total > 1 ? " and others, " : ", ", total, total > 1 ? "es" : "");
	snprintf(out->detail, sizeof out->detail,
		 "{\"refusal\":%zu,\"leak\":%zu,\"placeholder\":%zu,\"meta\":%zu,\"markdown\":%zu}",
		 a.count[ART_REFUSAL], a.count[ART_LEAK], a.count[ART_PLACEHOLDER],
		 a.count[ART_META], a.count[ART_MARKDOWN]);
}

/* ---- hedging ------------------------------------------------------------ */

enum { HEDGE, OPENER };

#define H(t)                                                                                       \
	{                                                                                          \
		t, ANCHOR_ANY, HEDGE                                                               \
	}
#define O(t)                                                                                       \
	{                                                                                          \
		t, ANCHOR_START, OPENER                                                            \
	}
static const score_phrase hedge_phrases[] = {
    H("appears to be"),
    H("appear to be"),
    H("appears to"),
    H("it appears"),
    H("seems to be"),
    H("seem to be"),
    H("seems to"),
    H("it seems"),
    H("seems as though"),
    H("seems like"),
    H("possibly"),
    H("perhaps"),
    H("maybe"),
    H("might be"),
    H("may be"),
    H("could be"),
    H("probably"),
    H("presumably"),
    H("apparently"),
    H("what looks like"),
    H("it looks like"),
    H("what appears to be"),
    H("hard to say"),
    H("hard to tell"),
    H("difficult to say"),
    H("difficult to tell"),
    H("difficult to determine"),
    H("it is possible"),
    H("it's possible"),
    H("somewhat unclear"),
    H("not entirely clear"),
    H("unclear"),
    H("some kind of"),
    H("some sort of"),
    H("or something"),
    H("i think"),
    H("i believe"),
    H("from what can be seen"),
    H("for certain"),
    H("for sure"),
    H("it is likely"),
    H("it's likely"),
    H("likely"),
    O("an image of"),
    O("a picture of"),
    O("a photo of"),
    O("a photograph of"),
    O("a video of"),
    O("an illustration of"),
    O("image of"),
    O("picture of"),
    O("this is an image of"),
    O("this is a picture of"),
    O("this is a photo of"),
    O("this is a video of"),
    O("this image"),
    O("this picture"),
};
#undef H
#undef O

typedef struct hedge_state {
	const score_text *t;
	size_t hedges, opener_words;
	size_t first_hedge, first_len;
	bool have_first;
} hedge_state;

static void hedge_hit(void *ud, const score_phrase *ph, size_t w)
{
	hedge_state *h = ud;
	size_t k = 1;
	for (const char *p = ph->text; *p; p++)
		k += *p == ' ';
	if (ph->kind == OPENER) {
		h->opener_words = k;
		return;
	}
	h->hedges++;
	if (!h->have_first) {
		h->have_first = true;
		h->first_hedge = w;
		h->first_len = k;
	}
}

static void hedge_compile(void)
{
	if (score_phrases_compile(&hedge_table, hedge_phrases, ASSAY_ARRAY_LEN(hedge_phrases)) < 0)
		hedge_table.v = NULL;
}

void score_hedging(score_text *t, const score_config *cfg, score_result *out)
{
	(void)cfg;
	pthread_once(&hedge_once, hedge_compile);
	const score_phrases *table = &hedge_table;
	if (!table->v) {
		score_set(out, NAN, "hedging: out of memory");
		return;
	}
	hedge_state h = {.t = t};
	score_phrases_match(table, t, hedge_hit, &h);
	double per100 = t->n_words ? 100.0 * (double)h.hedges / (double)t->n_words : 0;
	/* One hedge is how people write (never flagged alone); past that, a
	 * hedge every 33 words (3 per 100) is the limit. */
	double v = h.hedges ? score_ramp(per100, 1.0, 3.0) : 1.0;
	if (h.hedges == 1 && v < 0.6)
		v = 0.6;
	double vo = h.opener_words ? 0.8 : 1.0;
	char q[64];
	if (h.hedges && v <= vo) {
		score_quote(t, h.first_hedge, h.first_len, q, sizeof q);
		score_set(out, v,
			  "hedging: %zu hedge%s (\"%s\"...) in %zu words, %.1f per 100 "
			  "(limit 3)",
			  h.hedges, h.hedges > 1 ? "s" : "", q, t->n_words, per100);
	} else if (h.opener_words) {
		score_quote(t, 0, h.opener_words, q, sizeof q);
		score_set(out, vo, "hedging: generic opener \"%s\"%s", q,
			  h.hedges ? " and a hedge" : "");
	} else {
		score_fmt f; /* most texts: "hedging: no hedges in %zu words" */
		score_set_start(out, 1, &f);
		score_fmt_str(&f, "hedging: no hedges in ");
		score_fmt_uint(&f, t->n_words);
		score_fmt_str(&f, " words");
	}
	if (h.hedges || h.opener_words)
		snprintf(out->detail, sizeof out->detail,
			 "{\"hedges\":%zu,\"per100\":%.2f,\"opener\":%s}", h.hedges, per100,
			 h.opener_words ? "true" : "false");
}
