/* review_search.c — searching the queue's texts from the review screen:
 * `/` asks (Enter on an empty prompt repeats the last search), N repeats
 * it; the sample found shows its matches highlighted and the first one
 * scrolled into view, and the message says when the search went round
 * the end of the queue; g goes to a sample by its id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"

static void run_search(app *a)
{
	int64_t id, from = a->has_sample ? a->smp.id : 0;
	assay_error err = {0};
	if (store_search(a->s, &a->q, a->needle, from, &id, &err) < 0) {
		tui_message(a->b, true, "%s", err.msg);
		return;
	}
	a->search_scroll = true;
	a->layout_dirty = true;
	/* store_search goes in id order from the sample on screen, once round */
	bool same = from && id == from, wrapped = from && id < from;
	if (!same)
		tui_go(a, id);
	tui_message(a->b, false, "%s \"%s\"%s (/ Enter or N: the next)",
		    same ? "only this sample contains" : "found", a->needle,
		    wrapped ? ", search wrapped round to the start of the queue" : "");
}

static void searched(tui_view *v, char *needle)
{
	app *a = APP(v);
	if (!needle)
		return;
	if (!*needle && !a->needle) {
		tui_message(a->b, false, "nothing to search for yet: type a text after /");
		free(needle);
		return;
	}
	if (*needle) {
		free(a->needle);
		a->needle = needle;
	} else {
		free(needle);
	}
	run_search(a);
}

void tui_key_search(tui_view *v)
{
	tui_prompt_or_empty(v, "search:", searched);
}

void tui_key_search_again(tui_view *v)
{
	app *a = APP(v);
	if (!a->needle)
		tui_message(a->b, false, "nothing to repeat: / searches first");
	else
		run_search(a);
}

/* The display line of byte offset off in the laid-out text. */
static int line_of(const app *a, size_t off)
{
	size_t lo = 0, hi = a->lines.n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		size_t first = a->lines.v[mid].first;
		if (first < a->cells.n && a->cells.v[first].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (int)lo;
}

void tui_search_mark(app *a)
{
	size_t n = a->needle ? strlen(a->needle) : 0;
	if (!n || !a->roles || !a->shown.data)
		return;
	const char *s = a->shown.data;
	bool first = true;
	for (size_t i = 0; i + n <= a->shown.len; i++) {
		if (strncasecmp(s + i, a->needle, n) != 0)
			continue;
		memset(a->roles + i, CONF_ROLE_SELECTION, n);
		if (first && a->search_scroll) {
			int line = line_of(a, i) - 1;
			a->scroll = line > 0 ? line : 0;
			a->search_scroll = false;
		}
		first = false;
		i += n - 1;
	}
}

static void go_to(tui_view *v, char *id)
{
	app *a = APP(v);
	if (!id)
		return;
	store_sample smp;
	assay_error err = {0};
	if (store_sample_by_ext_id(a->s, id, a->o->batch, &smp, &err) < 0) {
		tui_message(a->b, true, "%s", err.msg);
	} else {
		tui_go(a, smp.id);
		store_sample_free(&smp);
	}
	free(id);
}

void tui_key_goto(tui_view *v)
{
	tui_prompt(v, "go to id:", NULL, go_to);
}
