/* test_rules_same.c — every rule scorer's result (value bits, flag,
 * reason, detail and the note's split into form and numbers) on the
 * benchmark's 10,000 generated captions, on sample-data/ and on random
 * hostile texts, the same as the build these scorers were first made
 * faster from: one digest per corpus and scorer, checked in below. A
 * change of a digest is a change of results; the texts' results are
 * written to score-results-CORPUS.txt (one line each) for a diff against
 * the same file from an earlier build (in ASSAY_RESULTS_DIR, else TMPDIR,
 * else /tmp; with ASSAY_RESULTS_DIR set they are written always). */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/score.h"
#include "assay/store_scores.h"
#include "unit.h"

typedef struct item {
	char *text, *context, *record;
} item;

typedef struct corpus {
	item *v;
	size_t n, cap;
} corpus;

static void corpus_add(corpus *c, const char *text, size_t len, const char *context,
		       const char *record)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 1024;
		c->v = realloc(c->v, c->cap * sizeof *c->v);
	}
	item *it = &c->v[c->n++];
	it->text = malloc(len + 1);
	memcpy(it->text, text, len);
	it->text[len] = 0;
	it->context = context ? strdup(context) : NULL;
	it->record = strdup(record ? record : "{}");
}

static void corpus_free(corpus *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].text);
		free(c->v[i].context);
		free(c->v[i].record);
	}
	free(c->v);
	*c = (corpus){0};
}

/* JSONL records: the text is "caption", "text", "response", "output" or
 * "answer"; the context "instruction" or "prompt". */
static void corpus_read(corpus *c, FILE *f)
{
	static const char *const texts[] = {"caption", "text", "response", "output", "answer"};
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		cJSON *r = cJSON_ParseWithLength(line, (size_t)len);
		const cJSON *t = NULL, *x = cJSON_GetObjectItemCaseSensitive(r, "instruction");
		for (size_t k = 0; k < ASSAY_ARRAY_LEN(texts) && !cJSON_IsString(t); k++)
			t = cJSON_GetObjectItemCaseSensitive(r, texts[k]);
		if (!cJSON_IsString(x))
			x = cJSON_GetObjectItemCaseSensitive(r, "prompt");
		if (cJSON_IsString(t))
			corpus_add(c, t->valuestring, strlen(t->valuestring),
				   cJSON_IsString(x) ? x->valuestring : NULL, line);
		cJSON_Delete(r);
	}
	free(line);
}

/* ---- random hostile texts ------------------------------------------------------ */

static uint64_t rnd_state = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)((rnd_state >> 16) % n);
}

/* Words, the scorers' phrases (as they are, upper case, run together),
 * characters of other scripts, invisible and control characters,
 * mojibake, broken UTF-8, brackets, numbers and punctuation. */
static const char *const pool[] = {
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "with",
    "is",
    "The",
    "A",
    "AN",
    "very",
    "same",
    "word",
    "loop",
    "cat",
    "Dog",
    "RUNS",
    "I'm sorry, but",
    "as an AI language model",
    "I cannot",
    "i can't help",
    "Certainly!",
    "Sure, here is",
    "Here is a caption:",
    "Answer:",
    "Note:",
    "User:",
    "Assistant:",
    "<|im_start|>",
    "[insert name]",
    "{{name}}",
    "TODO",
    "tbd",
    "FIXME",
    "xxx",
    "<br>",
    "**bold**",
    "# Title",
    "```",
    "```python",
    "1)",
    "2)",
    "A)",
    "- item",
    "* item",
    "\xE2\x80\xA2 item",
    "...",
    "\xE2\x80\xA6",
    "appears to be",
    "seems to",
    "might be",
    "possibly",
    "perhaps",
    "it is likely",
    "I think",
    "draw a picture",
    "create a logo",
    "the following article",
    "this video",
    "http://x.y",
    "www.",
    "today's weather",
    "current time",
    "nooutput",
    "as a text-based AI",
    "i can't browse",
    "write a poem",
    "tell me a joke",
    "role play",
    "caf\xC3\xA9",
    "na\xC3\xAFve",
    "\xC3\x83\xC2\xA9",
    "\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2",
    "\xD1\x80\xD0\xB0ypal",
    "\xE4\xB8\xAD\xE6\x96\x87",
    "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7",
    "\xE2\x80\x8B",
    "\xE2\x80\xAE",
    "\xEF\xBB\xBF",
    "\xEF\xBF\xBD",
    "\xFF",
    "\xC3",
    "\xE2\x80",
    "\xC2\x85",
    "\xE2\x80\xA8",
    "\x01",
    "\x1B[31m",
    "\x7F",
    "\r\n",
    "\r",
    "\t",
    "\xC2\xA0",
    "\xE2\x80\x99",
    "\xE2\x80\x9C",
    "\xE2\x80\x9D",
    "\"",
    "'",
    "-",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "12",
    "007",
    "3.14",
    "99999999999999999999",
    "2023-01-05",
    "#",
    "!",
    "?",
    ",",
    ".",
    ":",
    ";",
    "/",
    "\xEF\xBC\x81",
    "\xE3\x80\x82",
};

static const char *const seps[] = {" ", " ", " ", "", "\n", "\n\n", ". ", ", ", "! ", "? ", "  "};

static size_t put(char *b, size_t o, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (o + n >= cap)
		return o;
	memcpy(b + o, s, n);
	return o + n;
}

/* One random text of about words pieces into b (cap bytes); its length. */
static size_t random_text(char *b, size_t cap, size_t words)
{
	size_t o = 0;
	switch (rnd(5)) {
	case 0: /* a phrase said again and again: the repetition rules */
	{
		char ph[256];
		size_t k = 0, m = 1 + rnd(6);
		for (size_t i = 0; i < m; i++) {
			k = put(ph, k, sizeof ph, pool[rnd(ASSAY_ARRAY_LEN(pool))]);
			k = put(ph, k, sizeof ph, seps[rnd(ASSAY_ARRAY_LEN(seps))]);
		}
		ph[k] = 0;
		for (size_t r = 1 + rnd(30); r > 0; r--)
			o = put(b, o, cap, ph);
		break;
	}
	case 1: /* any bytes but NUL */
		for (size_t i = rnd(400); i > 0 && o + 1 < cap; i--)
			b[o++] = (char)(1 + rnd(255));
		break;
	default:
		for (size_t i = 0; i < words; i++) {
			o = put(b, o, cap, pool[rnd(ASSAY_ARRAY_LEN(pool))]);
			o = put(b, o, cap, seps[rnd(ASSAY_ARRAY_LEN(seps))]);
		}
	}
	b[o] = 0;
	return o;
}

static void random_corpus(corpus *c, size_t n)
{
	char text[8192], context[2048];
	for (size_t i = 0; i < n; i++) {
		size_t len = random_text(text, sizeof text, rnd(i % 7 == 0 ? 400 : 80));
		random_text(context, sizeof context, rnd(40));
		corpus_add(c, text, len, rnd(3) ? context : NULL, NULL);
	}
}

/* ---- results and their digests ---------------------------------------------------- */

static const enum score_id ids[] = {SCORE_LENGTH,    SCORE_GOPHER,     SCORE_REPETITION,
				    SCORE_ARTIFACTS, SCORE_TRUNCATION, SCORE_CHARSET,
				    SCORE_HEDGING,   SCORE_FIELD,      SCORE_TASK};
static const char *const kinds[] = {"caption", "response", "text"};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* The split note as hex, each form's hash left out (it keys a map in
 * memory, and is free to change). */
static void split_hex(const unsigned char *b, size_t n, abuf *out)
{
	for (size_t i = 0; i < n;) {
		unsigned char tag = b[i++];
		abuf_printf(out, "%02x", tag);
		if (tag != 1)
			continue;
		i += 8;
		size_t end = i;
		while (b[end])
			end++;
		end += 1;
		end += 1 + b[end];
		for (; i < end; i++)
			abuf_printf(out, "%02x", b[i]);
	}
}

/* Every result on c into d[kind][scorer]; each as a line to f if any. */
static void results(const corpus *c, uint64_t d[3][ASSAY_ARRAY_LEN(ids)], FILE *f)
{
	score_config cfg;
	score_config_init(&cfg);
	score_text t = {0};
	score_result res;
	abuf split = {0}, line = {0};
	for (int k = 0; k < 3; k++)
		for (size_t s = 0; s < ASSAY_ARRAY_LEN(ids); s++)
			d[k][s] = 14695981039346656037ull;
	for (size_t i = 0; i < c->n; i++)
		for (int k = 0; k < 3; k++) {
			const item *it = &c->v[i];
			score_text_analyse(&t, it->text, strlen(it->text), &cfg);
			const char *ctx =
			    k == 1 ? (it->context ? it->context : "user: describe the picture")
				   : NULL;
			t.context = ctx;
			t.context_len = ctx ? strlen(ctx) : 0;
			score_text_kind(&t, kinds[k], "caption");
			t.record = it->record;
			t.record_len = strlen(it->record);
			for (size_t s = 0; s < ASSAY_ARRAY_LEN(ids); s++) {
				score_text_run(ids[s], &t, &cfg, &res);
				uint64_t bits;
				memcpy(&bits, &res.value, sizeof bits);
				abuf_reset(&split);
				abuf_reset(&line);
				store_note_split(res.reason, res.detail, &split);
				abuf_printf(&line, "%zu %d %d %016" PRIx64 " %d [%s] [%s] ", i, k,
					    (int)ids[s], bits, res.flagged, res.reason, res.detail);
				split_hex((const unsigned char *)split.data, split.len, &line);
				abuf_append(&line, "\n", 1);
				d[k][s] = fnv(d[k][s], line.data, line.len);
				if (f)
					fwrite(line.data, 1, line.len, f);
			}
		}
	score_text_free(&t);
	abuf_free(&split);
	abuf_free(&line);
}

/* Checks c's digests against want (from the first build); on a
 * difference writes every line to score-results-NAME.txt. */
static void check_corpus(const char *name, const corpus *c, const uint64_t want[3][9])
{
	uint64_t d[3][ASSAY_ARRAY_LEN(ids)];
	results(c, d, NULL);
	bool same = true;
	for (int k = 0; k < 3; k++)
		for (size_t s = 0; s < ASSAY_ARRAY_LEN(ids); s++)
			if (d[k][s] != want[k][s]) {
				printf("#   %s: %s as a %s: digest 0x%016" PRIx64
				       ", expected 0x%016" PRIx64 "\n",
				       name, score_defs[ids[s]].name, kinds[k], d[k][s],
				       want[k][s]);
				same = false;
			}
	CHECK(same);
	const char *dir = getenv("ASSAY_RESULTS_DIR");
	if (same && !dir)
		return;
	char path[512];
	if (!dir)
		dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(path, sizeof path, "%s/score-results-%s.txt", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		results(c, d, f);
		fclose(f);
		printf("#   %s: every result written to %s\n", name, path);
	}
}

/* ---- the corpora --------------------------------------------------------------- */

/* The benchmark's generated captions (bench/gen.py: the same bytes for the
 * same arguments). */
static void gen_corpus(corpus *c)
{
	FILE *f = popen("python3 bench/gen.py --kind captions --count 10000 --seed 1", "r");
	if (f) {
		corpus_read(c, f);
		pclose(f);
	}
}

static void sample_corpus(corpus *c)
{
	static const char *const files[] = {"sample-data/captions.jsonl",
					    "sample-data/instructions.jsonl",
					    "sample-data/tasks.jsonl", "sample-data/chat.jsonl"};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(files); i++) {
		FILE *f = fopen(files[i], "r");
		if (f) {
			corpus_read(c, f);
			fclose(f);
		}
	}
}

/* The digests the first build gave, by kind (caption, response, text)
 * and scorer (length, gopher, repetition, artifacts, truncation, charset,
 * hedging, field, task). */
#include "rules_same_digests.h"

TEST(the_benchmarks_captions_score_as_before)
{
	corpus c = {0};
	gen_corpus(&c);
	CHECK_INT(c.n, 10000);
	check_corpus("gen-captions", &c, want_gen);
	corpus_free(&c);
}

TEST(sample_data_scores_as_before)
{
	corpus c = {0};
	sample_corpus(&c);
	CHECK_INT(c.n, 768);
	check_corpus("sample-data", &c, want_sample);
	corpus_free(&c);
}

TEST(random_hostile_texts_score_as_before)
{
	corpus c = {0};
	random_corpus(&c, 6000);
	check_corpus("random", &c, want_random);
	corpus_free(&c);
}

/* With --digests: prints the digests of this build in the form of
 * rules_same_digests.h (to make that file from a build known good). */
static void print_digests(const char *name, const corpus *c)
{
	uint64_t d[3][ASSAY_ARRAY_LEN(ids)];
	results(c, d, NULL);
	printf("static const uint64_t %s[3][9] = {\n", name);
	for (int k = 0; k < 3; k++) {
		printf("    {");
		for (size_t s = 0; s < ASSAY_ARRAY_LEN(ids); s++)
			printf("0x%016" PRIx64 "ull%s", d[k][s],
			       s + 1 < ASSAY_ARRAY_LEN(ids) ? ", " : "");
		printf("},\n");
	}
	printf("};\n");
}

static int digests_main(void)
{
	corpus a = {0}, b = {0}, r = {0};
	gen_corpus(&a);
	sample_corpus(&b);
	random_corpus(&r, 6000);
	print_digests("want_gen", &a);
	print_digests("want_sample", &b);
	print_digests("want_random", &r);
	corpus_free(&a);
	corpus_free(&b);
	corpus_free(&r);
	return 0;
}

int main(int argc, char **argv)
{
	static const unit_case_ cases[] = {UNIT_CASE(the_benchmarks_captions_score_as_before),
					   UNIT_CASE(sample_data_scores_as_before),
					   UNIT_CASE(random_hostile_texts_score_as_before)};
	if (argc > 1 && strcmp(argv[1], "--digests") == 0)
		return digests_main();
	return unit_run_(cases, ASSAY_ARRAY_LEN(cases), argc, argv);
}
