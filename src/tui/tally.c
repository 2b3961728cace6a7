/* tally.c — the session summary counted per sample. A sample accepted,
 * undone and rejected is one rejection; a sample whose only verdict was
 * undone counts nowhere (the quit summary counted every key press: "5
 * accepted ... 14 rejected, 2 undone" when 3 accepts remained). */
#include <stdlib.h>

#include "assay/store.h"
#include "tally.h"

struct tally_step {
	int64_t sample_id, seq;
	int kind;
	bool undone;
};

int tui_tally_decide(tui_tally *t, int64_t sample_id, int kind)
{
	if (ASSAY_GROW(t->v, t->n + 1, t->cap, 64) < 0)
		return ASSAY_ENOMEM;
	t->v[t->n++] = (struct tally_step){sample_id, t->seq++, kind, false};
	return ASSAY_OK;
}

void tui_tally_undo(tui_tally *t, int64_t sample_id)
{
	for (size_t i = t->n; i-- > 0;)
		if (t->v[i].sample_id == sample_id && !t->v[i].undone) {
			t->v[i].undone = true;
			return;
		}
}

/* By sample, then in the order decided. */
static int by_sample(const void *x, const void *y)
{
	const struct tally_step *a = x, *b = y;
	if (a->sample_id != b->sample_id)
		return a->sample_id < b->sample_id ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

void tui_tally_sum(const tui_tally *t, tui_summary *out)
{
	out->decided = out->accepted = out->edited = out->rejected = out->skipped = 0;
	struct tally_step *v = malloc((t->n ? t->n : 1) * sizeof *v);
	if (!v)
		return;
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i].undone)
			v[n++] = t->v[i];
	qsort(v, n, sizeof *v, by_sample);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && v[i + 1].sample_id == v[i].sample_id)
			continue; /* a later verdict on the same sample counts */
		int k = v[i].kind;
		out->accepted += k == STORE_ACCEPT;
		out->edited += k == STORE_EDIT;
		out->rejected += k == STORE_REJECT;
		out->skipped += k == STORE_SKIP;
		out->decided += k == STORE_ACCEPT || k == STORE_EDIT || k == STORE_REJECT;
	}
	free(v);
}

void tui_tally_free(tui_tally *t)
{
	free(t->v);
	*t = (tui_tally){0};
}
