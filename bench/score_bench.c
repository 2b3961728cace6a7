/* score_bench.c — throughput of the built-in text scorers (length, gopher,
 * repetition, artifacts, truncation, charset, hedging) on one core: texts
 * are loaded into memory first, so only analysis and scoring are timed.
 * Usage: score_bench [FILE.jsonl [MAX [ROUNDS]]] (the "caption" field, else
 * "text" or "response"; default sample-data/captions.jsonl). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/score.h"

static char **load(const char *path, size_t max, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(1);
	}
	char **v = NULL, *line = NULL;
	size_t cap = 0, lcap = 0;
	ssize_t len;
	*n = 0;
	while (*n < max && (len = getline(&line, &lcap, f)) > 0) {
		cJSON *r = cJSON_ParseWithLength(line, (size_t)len);
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "caption");
		if (!cJSON_IsString(t))
			t = cJSON_GetObjectItemCaseSensitive(r, "text");
		if (!cJSON_IsString(t))
			t = cJSON_GetObjectItemCaseSensitive(r, "response");
		if (cJSON_IsString(t)) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 1024;
				v = realloc(v, cap * sizeof *v);
			}
			v[(*n)++] = strdup(t->valuestring);
		}
		cJSON_Delete(r);
	}
	free(line);
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "sample-data/captions.jsonl";
	size_t max = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000;
	int rounds = argc > 3 ? atoi(argv[3]) : 0;
	size_t n;
	char **texts = load(path, max, &n);
	if (n == 0) {
		fprintf(stderr, "%s: no texts\n", path);
		return 1;
	}
	size_t *lens = malloc(n * sizeof *lens), bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += lens[i] = strlen(texts[i]);
	/* Small inputs are scored several times so the timing means something. */
	if (rounds <= 0)
		rounds = n >= 200000 ? 1 : (int)(200000 / n) + 1;
	score_config cfg;
	score_config_init(&cfg);
	score_text t = {0};
	score_result res;
	const enum score_id ids[] = {SCORE_LENGTH,    SCORE_GOPHER,	SCORE_REPETITION,
				     SCORE_ARTIFACTS, SCORE_TRUNCATION, SCORE_CHARSET,
				     SCORE_HEDGING};
	size_t flagged[ASSAY_ARRAY_LEN(ids)] = {0};
	/* Warm-up: phrase tables, caches. */
	for (size_t i = 0; i < n && i < 1000; i++)
		score_text_analyse(&t, texts[i], lens[i], &cfg);
	int64_t t0 = assay_mono_ns();
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			score_text_analyse(&t, texts[i], lens[i], &cfg);
			for (size_t k = 0; k < ASSAY_ARRAY_LEN(ids); k++) {
				score_text_run(ids[k], &t, &cfg, &res);
				flagged[k] += res.flagged;
			}
		}
	double secs = (double)(assay_mono_ns() - t0) / 1e9;
	double total = (double)n * rounds;
	printf("texts %zu x %d rounds, %.1f bytes each on average\n", n, rounds, (double)bytes / n);
	printf("built-in scorers (7, without neardup): %.0f captions/s, %.2f us each, %.1f MB/s\n",
	       total / secs, secs / total * 1e6, (double)bytes * rounds / secs / 1e6);
	/* Each scorer's own time (one more round, a clock reading between two
	 * calls, as the import's pipeline measures them). */
	double own[ASSAY_ARRAY_LEN(ids)] = {0}, analysing = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t a = assay_mono_ns();
		score_text_analyse(&t, texts[i], lens[i], &cfg);
		int64_t b = assay_mono_ns();
		analysing += (double)(b - a);
		for (size_t k = 0; k < ASSAY_ARRAY_LEN(ids); k++) {
			score_text_run(ids[k], &t, &cfg, &res);
			a = assay_mono_ns();
			own[k] += (double)(a - b);
			b = a;
		}
	}
	printf("  %-11s %7.3f us each\n", "(analysis)", analysing / 1e3 / (double)n);
	for (size_t k = 0; k < ASSAY_ARRAY_LEN(ids); k++)
		printf("  %-11s flagged %5.2f%%, %7.3f us each\n", score_defs[ids[k]].name,
		       100.0 * (double)flagged[k] / total, own[k] / 1e3 / (double)n);
	/* Signatures for neardup, for reference. */
	uint32_t sig[SCORE_MH_K];
	t0 = assay_mono_ns();
	for (size_t i = 0; i < n; i++) {
		score_text_analyse(&t, texts[i], lens[i], NULL);
		score_minhash(&t, sig);
	}
	secs = (double)(assay_mono_ns() - t0) / 1e9;
	printf("analysis + MinHash signature: %.0f captions/s\n", (double)n / secs);
	score_text_free(&t);
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	free(lens);
	return 0;
}
