/* test_neardup_old.c — tests for src/score/neardup_old.c: a chunk matched
 * against the stored samples on one thread and on two (the blocks decoded
 * and the candidates compared on both) gives every sample the same score,
 * in a set whose clusters span the chunks with many ties. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/score.h"
#include "assay/store.h"
#include "assay/text.h"
#include "unit.h"

static char path[64];

static void cleanup(void)
{
	unit_remove_db(path);
}

/* Sample i of 300 clusters: its cluster's 24 words with one of them
 * changed, so that members share about half their bands and agree alike. */
static char *text_of(size_t i)
{
	size_t g = i % 300, at = i / 300 % 24;
	char *t = malloc(512);
	size_t len = 0;
	for (size_t w = 0; w < 24; w++)
		len += (size_t)snprintf(t + len, 512 - len, w == at ? "v%zu " : "g%zuw%zu ",
					w == at ? i : g, w);
	return t;
}

static store *make(size_t n)
{
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/assay-ndold-%d.db", (int)getpid());
		atexit(cleanup);
	}
	cleanup();
	assay_error err = {0};
	store *s = NULL;
	store_batch b = {.name = "one",
			 .source = "a.jsonl",
			 .format = "jsonl",
			 .text_field = "",
			 .id_field = "",
			 .meta_fields = ""};
	if (store_open(path, NULL, &s, &err) < 0 || store_batch_create(s, &b, &err) < 0 ||
	    store_begin(s, &err) < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		char id[32], *text = text_of(i);
		snprintf(id, sizeof id, "s-%zu", i);
		store_new_sample ns = {.batch_id = b.id,
				       .ext_id = id,
				       .line = (int64_t)i + 1,
				       .text_field = "caption",
				       .text = text,
				       .text_len = strlen(text),
				       .record = "{}",
				       .record_len = 2,
				       .hash = text_normalized_hash(text, strlen(text), NULL)};
		int outcome;
		int64_t sid;
		if (store_sample_insert(s, &ns, &outcome, &sid, &err) < 0)
			abort();
		free(text);
	}
	store_commit(s, &err);
	return s;
}

/* Every sample's neardup score as text, scored on `threads` threads. */
static char **scores_with_threads(const char *threads, size_t n)
{
	store *s = make(n);
	assay_error err = {0};
	static const char *const names[] = {"neardup"};
	score_config cfg;
	score_config_init(&cfg);
	score_run_options o = {.names = names, .n_names = 1, .cfg = &cfg};
	score_run_result res;
	setenv("ASSAY_THREADS", threads, 1);
	CHECK_INT(score_run(s, &o, &res, &err), 0);
	unsetenv("ASSAY_THREADS");
	char **out = calloc(n, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		store_score *v;
		size_t k;
		out[i] = calloc(1, 400);
		store_scores_get(s, (int64_t)i + 1, &v, &k, &err);
		for (size_t j = 0; j < k; j++)
			if (!strcmp(v[j].scorer, "neardup"))
				snprintf(out[i], 400, "%.17g %d %s", v[j].value, v[j].flagged,
					 v[j].reason);
		store_scores_free(v, k);
	}
	score_config_free(&cfg);
	store_close(s);
	return out;
}

/* Two chunks and more: the second's samples meet hundreds of stored
 * candidates each (batches of them large enough to be split), ties among
 * them everywhere. */
TEST(one_thread_and_two_give_the_same_scores)
{
	size_t n = SCORE_ND_CHUNK + 6000, differ = 0, flagged = 0, late = 0;
	char **one = scores_with_threads("1", n), **two = scores_with_threads("2", n);
	for (size_t i = 0; i < n; i++) {
		differ += strcmp(one[i], two[i]) != 0;
		flagged += strncmp(one[i], "1 ", 2) != 0;
		late += i >= SCORE_ND_CHUNK && strstr(one[i], "similar to sample #") != NULL;
		free(one[i]);
		free(two[i]);
	}
	free(one);
	free(two);
	CHECK_INT(differ, 0);
	/* the later chunk's samples joined clusters of the first */
	CHECK(late > 5900);
	CHECK(flagged > SCORE_ND_CHUNK);
}

UNIT_MAIN(UNIT_CASE(one_thread_and_two_give_the_same_scores))
