/* review_reasons.c — the reason picker's order on the review screen: the
 * reasons named after the sample's flagged scorers first (a sample flagged
 * by `repetition` offers "repetition" as 1), then the reason the learned
 * model finds likely (its score's detail "reason"), then the rest in the
 * configured order. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"

/* Appends reason `name` (case aside) to out unless it is there already. */
static void take(const tui_reasons *r, const char *name, bool *taken, const char **out,
		 size_t *n)
{
	for (size_t i = 0; name && i < r->n; i++)
		if (!taken[i] && strcasecmp(r->v[i], name) == 0) {
			taken[i] = true;
			out[(*n)++] = r->v[i];
			return;
		}
}

/* The learned model's likely reason, from its score's detail JSON. */
static void take_learned(app *a, bool *taken, const char **out, size_t *n)
{
	for (size_t i = 0; i < a->n_scores; i++) {
		if (strcmp(a->scores[i].scorer, "learned") != 0 || !a->scores[i].detail[0])
			continue;
		cJSON *d = cJSON_Parse(a->scores[i].detail);
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(d, "reason");
		if (cJSON_IsString(why))
			take(&a->reasons, why->valuestring, taken, out, n);
		cJSON_Delete(d);
	}
}

void tui_pick_reason_for(app *a, tui_text_done done)
{
	const tui_reasons *r = &a->reasons;
	const char **out = calloc(r->n ? r->n : 1, sizeof *out);
	bool *taken = calloc(r->n ? r->n : 1, sizeof *taken);
	if (!out || !taken) {
		free(out);
		free(taken);
		tui_pick_reason(&a->view, (const char *const *)r->v, r->n, done);
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < a->n_scores && a->scores[i].flagged; i++)
		take(r, a->scores[i].scorer, taken, out, &n);
	take_learned(a, taken, out, &n);
	for (size_t i = 0; i < r->n; i++)
		if (!taken[i])
			out[n++] = r->v[i];
	tui_pick_reason(&a->view, out, n, done);
	free(out);
	free(taken);
}
