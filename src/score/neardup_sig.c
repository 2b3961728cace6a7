/* neardup_sig.c — the near-duplicate signatures and band keys of a page of
 * samples, computed on several workers (each with its own analysis
 * buffers): the run then adds them to its chunk in id order, as one thread
 * would. */
#include <stdlib.h>

#include "neardup_int.h"

/* Samples a worker takes at a time. */
#define SIG_TASK 64

struct nd_sigs {
	size_t workers;
	const store_score_item *items;
	size_t n;
	nd_signed *out;
	score_text text[ASSAY_MAX_WORKERS];
	abuf context[ASSAY_MAX_WORKERS];
};

nd_sigs *nd_sigs_new(size_t workers, assay_error *err)
{
	nd_sigs *g = calloc(1, sizeof *g);
	if (!g) {
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	g->workers = workers < 1 ? 1 : workers > ASSAY_MAX_WORKERS ? ASSAY_MAX_WORKERS : workers;
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

/* Samples [task * SIG_TASK, ...) of the page: the full signature is
 * needed for the band keys only; the index keeps its low bytes. */
static int sig_task(void *ud, size_t worker, size_t task, assay_error *err)
{
	nd_sigs *g = ud;
	nd_signed *o = g->out;
	size_t end = (task + 1) * SIG_TASK < g->n ? (task + 1) * SIG_TASK : g->n;
	for (size_t i = task * SIG_TASK; i < end; i++) {
		const store_score_item *it = &g->items[i];
		uint32_t sig[SCORE_MH_K];
		int rc = nd_signature(&g->text[worker], &g->context[worker], it, sig, err);
		if (rc < 0)
			return rc;
		score_minhash_bands(sig, o->keys[i]);
		for (size_t k = 0; k < SCORE_MH_K; k++)
			o->sig[i][k] = (uint8_t)sig[k];
		o->id[i] = it->id;
		o->batch[i] = it->batch_id;
		o->need[i] = it->need != 0;
	}
	return ASSAY_OK;
}

int nd_sigs_page(nd_sigs *g, const store_score_item *items, size_t n, nd_signed *out,
		 assay_error *err)
{
	g->items = items;
	g->n = n < ND_PAGE ? n : ND_PAGE;
	g->out = out;
	out->n = 0;
	int rc = assay_parallel(g->workers, (g->n + SIG_TASK - 1) / SIG_TASK, sig_task, g, err);
	if (rc == 0)
		out->n = g->n;
	return rc;
}
