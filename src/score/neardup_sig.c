/* neardup_sig.c — the near-duplicate signatures and band keys of a page of
 * samples, computed on every worker (each with its own analysis buffers):
 * the run then adds them to its chunk in id order, as one thread would. */
#include <stdlib.h>

#include "neardup_int.h"

/* Samples a worker takes at a time. */
#define SIG_TASK 64

struct nd_sigs {
	size_t workers;
	const store_score_item *items;
	size_t n;
	score_text text[ASSAY_MAX_WORKERS];
	abuf context[ASSAY_MAX_WORKERS];
	uint32_t sig[ND_PAGE][SCORE_MH_K];
	uint32_t keys[ND_PAGE][SCORE_MH_BANDS];
};

nd_sigs *nd_sigs_new(assay_error *err)
{
	nd_sigs *g = calloc(1, sizeof *g);
	if (!g) {
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	g->workers = assay_workers();
	return g;
}

void nd_sigs_free(nd_sigs *g)
{
	if (!g)
		return;
	for (size_t w = 0; w < ASSAY_MAX_WORKERS; w++) {
		score_text_free(&g->text[w]);
		abuf_free(&g->context[w]);
	}
	free(g);
}

size_t nd_sigs_bytes(const nd_sigs *g)
{
	return sizeof *g;
}

/* The signature of what makes the sample: its context and its text (two
 * answers "6" to different questions are not near-duplicates). */
static int nd_signature(score_text *t, abuf *context, const store_score_item *it,
			uint32_t sig[SCORE_MH_K], assay_error *err)
{
	const char *s = it->text;
	size_t n = it->text_len;
	if (it->context) {
		abuf_reset(context);
		if (score_context_text(it->context, it->context_len, context) < 0 ||
		    abuf_puts(context, "\n\n") < 0 ||
		    abuf_append(context, it->text, it->text_len) < 0)
			return assay_fail(err, ASSAY_ENOMEM, "out of memory");
		s = context->data;
		n = context->len;
	}
	if (score_text_analyse(t, s, n, NULL) < 0)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	score_minhash(t, sig);
	return ASSAY_OK;
}

static int sig_task(void *ud, size_t worker, size_t task, assay_error *err)
{
	nd_sigs *g = ud;
	size_t end = (task + 1) * SIG_TASK < g->n ? (task + 1) * SIG_TASK : g->n;
	for (size_t i = task * SIG_TASK; i < end; i++) {
		int rc = nd_signature(&g->text[worker], &g->context[worker], &g->items[i],
				      g->sig[i], err);
		if (rc < 0)
			return rc;
		score_minhash_bands(g->sig[i], g->keys[i]);
	}
	return ASSAY_OK;
}

int nd_sigs_page(nd_sigs *g, const store_score_item *items, size_t n, assay_error *err)
{
	g->items = items;
	g->n = n < ND_PAGE ? n : ND_PAGE;
	return assay_parallel(g->workers, (g->n + SIG_TASK - 1) / SIG_TASK, sig_task, g, err);
}

const uint32_t *nd_sigs_sig(const nd_sigs *g, size_t i)
{
	return g->sig[i];
}

const uint32_t *nd_sigs_keys(const nd_sigs *g, size_t i)
{
	return g->keys[i];
}
