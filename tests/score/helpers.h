/* helpers.h — running one text scorer on a literal for the score tests. */
#ifndef ASSAY_TEST_SCORE_HELPERS_H
#define ASSAY_TEST_SCORE_HELPERS_H

#include <string.h>

#include "assay/score.h"

static score_config test_cfg_;
static int test_cfg_ready_;

static inline score_config *test_cfg(void)
{
	if (!test_cfg_ready_) {
		score_config_init(&test_cfg_);
		test_cfg_ready_ = 1;
	}
	return &test_cfg_;
}

/* Scores s (NUL-terminated) as a caption (caption = 1) or other text. */
static inline score_result score_as(enum score_id id, const char *s, int caption)
{
	score_text t = {0};
	score_result r;
	score_text_analyse(&t, s, strlen(s), test_cfg());
	t.caption = caption;
	score_text_run(id, &t, test_cfg(), &r);
	score_text_free(&t);
	return r;
}

static inline score_result score1(enum score_id id, const char *s)
{
	return score_as(id, s, 1);
}

#endif
