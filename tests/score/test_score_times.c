/* test_score_times.c — a scoring run's figures (src/score/run.c): each rule
 * scorer is given its own time, not the time of the pass they share. */
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

/* n long texts of distinct words (the repetition scorer hashes every
 * n-gram of them; the length scorer only counts). */
static store *long_texts(size_t n)
{
	snprintf(path, sizeof path, "/tmp/assay-times-%d.db", (int)getpid());
	atexit(cleanup);
	cleanup();
	assay_error err = {0};
	store *s = NULL;
	if (store_open(path, NULL, &s, &err) < 0)
		abort();
	store_batch b = {.name = "b", .source = "a.jsonl", .format = "jsonl", .text_field = "",
			 .id_field = "", .meta_fields = ""};
	store_batch_create(s, &b, &err);
	abuf text = {0};
	store_begin(s, &err);
	for (size_t i = 0; i < n; i++) {
		abuf_reset(&text);
		for (size_t w = 0; w < 4000; w++)
			abuf_printf(&text, "w%zux%zu ", i, w * 7919 % 4001);
		abuf_printf(&text, "end.");
		char id[32];
		snprintf(id, sizeof id, "s%zu", i);
		store_new_sample ns = {.batch_id = b.id, .ext_id = id, .line = (int64_t)i + 1,
				       .text_field = "caption", .text = text.data,
				       .text_len = text.len, .record = "{}", .record_len = 2,
				       .hash = text_normalized_hash(text.data, text.len, NULL)};
		int outcome;
		int64_t sid;
		if (store_sample_insert(s, &ns, &outcome, &sid, &err) < 0)
			abort();
	}
	store_commit(s, &err);
	abuf_free(&text);
	return s;
}

/* The rule scorers' seconds are each their own calls' time: with the
 * shared work they add up to no more than the run took on its two cores
 * (each one given the whole pass's time would add up to seven times the
 * run), and they differ (the whole pass's time shared out would make them
 * equal). */
TEST(rule_scorers_have_their_own_time)
{
	setenv("ASSAY_THREADS", "2", 1);
	store *s = long_texts(40);
	assay_error err = {0};
	score_config cfg;
	score_config_init(&cfg);
	const char *names[] = {"length", "gopher", "repetition", "artifacts", "truncation",
			       "charset", "hedging"};
	score_run_options o = {.cfg = &cfg, .names = names, .n_names = 7};
	score_run_result res;
	int64_t t0 = assay_mono_ns();
	CHECK_INT(score_run(s, &o, &res, &err), 0);
	double wall = (double)(assay_mono_ns() - t0) / 1e9;
	double sum = res.shared_seconds;
	for (size_t i = 0; i < 7; i++) {
		enum score_id k = (enum score_id)(score_find(names[i]) - score_defs);
		CHECK_INT(res.scored[k], 40);
		CHECK(res.seconds[k] > 0);
		sum += res.seconds[k];
	}
	CHECK(res.shared_seconds > 0);
	CHECK(sum <= 2 * wall);
	/* measured per scorer, not the pass's time shared out (which order
	 * two scorers' times fall in depends on the host's load) */
	bool differ = false;
	for (size_t i = 1; i < 7; i++)
		differ |= res.seconds[score_find(names[i]) - score_defs] !=
			  res.seconds[score_find(names[0]) - score_defs];
	CHECK(differ);
	score_config_free(&cfg);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(rule_scorers_have_their_own_time))
