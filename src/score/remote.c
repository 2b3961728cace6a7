/* remote.c — the remote scorers' requests and answers: rubric templates,
 * chat-completions bodies, tolerant parsing of a judge's JSON verdict,
 * /predict label lists, and the configuration hash of the answer cache. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"
#include "score_int.h"

/* Hashes a string field with a separator so "ab"+"c" differs from "a"+"bc". */
static uint64_t mix_str(uint64_t h, const char *s)
{
	h = text_hash64(s ? s : "", s ? strlen(s) : 0, h);
	return text_hash64(s ? "\x1f" : "\x1e", 1, h);
}

uint64_t score_remote_config_hash(enum score_id id, const score_remote *r)
{
	uint64_t h = mix_str(0x5ca1ab1eull, score_defs[id].name);
	h = mix_str(h, r->endpoint);
	if (id == SCORE_LLM_JUDGE) {
		h = mix_str(h, r->model);
		h = mix_str(h, r->prompt ? r->prompt : score_default_rubric);
	} else {
		h = mix_str(h, r->label);
		h = mix_str(h, r->label_bad ? "bad" : "good");
	}
	return h;
}
const char score_default_rubric[] = "x";
