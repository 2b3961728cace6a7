/* review_edit.c — the review screen's edits: the built-in editor, $VISUAL /
 * $EDITOR, and the LLM's suggested correction (asked without blocking,
 * shown as a word diff, taken into the editor). The sample stays leased to
 * the annotator however long an editor runs; d shows an edit as a word
 * diff against the original. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "assay/net.h"
#include "assay/score.h"
#include "editor.h"

/* Holds the annotator's samples for an editor (at least EDIT_LEASE_MS), or
 * back to the usual lease after it (hold false). */
static void hold_lease(app *a, bool hold)
{
	if (!a->leasing || !a->has_sample)
		return;
	store_queue q = a->q;
	if (hold && q.lease_ms < EDIT_LEASE_MS)
		q.lease_ms = EDIT_LEASE_MS;
	assay_error e = {0};
	if (tui_lease_hold(a, &q, &e) < 0)
		tui_message(a->b, true, "%s", e.msg);
	a->leased_ns = assay_mono_ns();
	a->holding = hold;
}

int tui_edit_scores_load(app *a, assay_error *err)
{
	tui_edit_scores_free(a);
	return store_edit_scores_get(a->s, a->smp.id, &a->edit_scores, &a->n_edit_scores,
				     &a->edit_quality, err);
}

void tui_edit_scores_free(app *a)
{
	store_scores_free(a->edit_scores, a->n_edit_scores);
	a->edit_scores = NULL;
	a->n_edit_scores = 0;
	a->edit_quality = NAN;
}

/* Called once the edit is committed, before the sample is read again: the
 * scores of the text the annotator just saved are on screen with it. */
void tui_edit_rescore(app *a)
{
	if (!a->o->scoring || !a->has_sample)
		return;
	bool scored;
	assay_error e = {0};
	if (score_edit(a->s, a->o->scoring, a->smp.id, &scored, &e) < 0)
		tui_message(a->b, true, "edit saved; its corrected text was not scored: %s", e.msg);
}

const store_score *tui_edit_score_of(const app *a, const store_score *sc)
{
	for (size_t i = 0; i < a->n_edit_scores; i++)
		if (strcmp(a->edit_scores[i].scorer, sc->scorer) == 0)
			return &a->edit_scores[i];
	return NULL;
}

/* After an edit is saved it is recorded, and shown as a word diff. One the
 * store refused stays as the sample's draft (taken over from *text), so
 * the annotator's correction is never lost: `e` opens it again. */
static void record_edit(app *a, char **text)
{
	int64_t id = a->smp.id;
	/* an earlier refusal's message goes: only what this save says stays */
	tui_message(a->b, false, "%s", "");
	if (!tui_decide(a, STORE_EDIT, *text, NULL, true))
		tui_draft_keep(a->b, &a->draft, id, text);
	else if (!a->pend.op) /* else kept until another writer's lock is free */
		tui_edit_saved(a, id);
}

void tui_edit_saved(app *a, int64_t id)
{
	tui_draft_settled(&a->draft, id);
	a->diff = true;
	a->layout_dirty = true;
	if (!a->b->msg_error) /* else the rescoring said why it failed */
		tui_message(a->b, false, "edit saved; l or Right: next sample, d: toggle the diff");
}

static const char *current_text(const app *a)
{
	const char *draft = tui_draft_of(&a->draft, a->smp.id);
	if (draft)
		return draft;
	return strcmp(a->dec.verdict, "edited") == 0 && a->dec.text ? a->dec.text : a->smp.text;
}

/* The editor's answer: a saved change is recorded as an edit, and so is
 * a suggestion saved as it came, or a kept draft saved unchanged. */
static void edited(tui_view *v, int rc, char *out, const assay_error *err)
{
	app *a = APP(v);
	hold_lease(a, false);
	const char *text = a->editing;
	bool draft = text && tui_draft_of(&a->draft, a->smp.id) == text;
	if (!a->has_sample || !text)
		;
	else if (rc == TUI_EDITOR_SAVED && strcmp(out, a->smp.text) != 0) {
		record_edit(a, &out);
	} else if (rc == TUI_EDITOR_UNCHANGED && (a->editing_as_is || draft) &&
		   strcmp(text, a->smp.text) != 0) {
		char *copy = assay_strdup(text);
		if (copy)
			record_edit(a, &copy);
		free(copy);
	} else if (rc == TUI_EDITOR_SAVED || rc == TUI_EDITOR_UNCHANGED)
		tui_message(a->b, false, "no change");
	else if (rc < 0)
		tui_message(a->b, true, "%s", err->msg);
	free(out);
	free(a->editing_copy);
	a->editing_copy = NULL;
	a->editing = NULL;
}

/* The context's first turns and the flagged scores' reasons stay above
 * the editor. */
static int band(tui_view *v)
{
	return tui_band_rows(APP(v));
}

/* The built-in editor on text (a copy is kept when owned); a saved change
 * is recorded as an edit, and so is a suggestion saved as it came
 * (take_as_is). */
static void edit_text(app *a, const char *text, char *owned, bool take_as_is)
{
	char title[300];
	snprintf(title, sizeof title, "edit %s   Ctrl-S save   Esc cancel", a->smp.ext_id);
	a->editing = text;
	a->editing_copy = owned;
	a->editing_as_is = take_as_is;
	hold_lease(a, true);
	if (!tui_edit_below(&a->view, band, title, text, edited)) {
		hold_lease(a, false);
		free(owned);
		a->editing_copy = NULL;
		a->editing = NULL;
	}
}

void tui_key_edit(tui_view *v)
{
	app *a = APP(v);
	if (a->has_sample)
		edit_text(a, current_text(a), NULL, false);
}

/* Called from net_pool_step when the LLM answered (or failed). */
static void on_suggestion(void *ud, const char *text, size_t len, const assay_error *err)
{
	app *a = ud;
	int64_t asked = a->suggest_for;
	a->suggest_for = 0;
	if (!a->has_sample || a->smp.id != asked)
		return; /* the annotator moved on: the answer is dropped */
	if (!text) {
		tui_message(a->b, true, "no suggestion: %s", err ? err->msg : "unknown error");
		return;
	}
	free(a->suggestion);
	a->suggestion = assay_strndup(text, len);
	a->layout_dirty = true;
	tui_message(a->b, false, "suggestion shown as a diff: Enter takes it into the editor, x discards");
}

void tui_key_suggest(tui_view *v)
{
	app *a = APP(v);
	if (!a->has_sample)
		return;
	if (!a->o->judge) {
		tui_message(a->b, true, "S needs an LLM endpoint: set [score.llm-judge] endpoint and "
				     "model in the configuration");
		return;
	}
	assay_error err = {0};
	if (!a->pool && !(a->pool = net_pool_new(&a->o->judge->net, 2, &err))) {
		tui_message(a->b, true, "%s", err.msg);
		return;
	}
	if (!a->sg && !(a->sg = score_suggester_new(a->o->judge, &err))) {
		tui_message(a->b, true, "%s", err.msg);
		return;
	}
	const char *text = current_text(a);
	if (score_suggest_submit(a->sg, a->pool, text, strlen(text), on_suggestion, a, &err) < 0) {
		tui_message(a->b, true, "%s", err.msg);
		return;
	}
	a->suggest_for = a->smp.id;
	tui_message(a->b, false, "asking for a suggestion (keep working; it appears when ready)");
}

void tui_key_take_suggestion(tui_view *v)
{
	app *a = APP(v);
	if (a->has_sample && a->suggestion) {
		char *s = assay_strdup(a->suggestion);
		if (s)
			edit_text(a, s, s, true);
	}
}

void tui_key_discard_suggestion(tui_view *v)
{
	app *a = APP(v);
	if (a->suggestion) {
		free(a->suggestion);
		a->suggestion = NULL;
		a->layout_dirty = true;
		tui_message(a->b, false, "suggestion discarded");
	}
}

void tui_key_edit_external(tui_view *v)
{
	app *a = APP(v);
	if (!a->has_sample)
		return;
	const char *text = current_text(a);
	char *out = NULL;
	size_t out_len = 0;
	bool changed = false;
	assay_error err = {0};
	hold_lease(a, true);
	int rc = tui_external_edit(text, strlen(text), &out, &out_len, &changed, &err);
	hold_lease(a, false);
	if (rc < 0)
		tui_message(a->b, true, "no edit: %s", err.msg);
	else if (!changed || strcmp(out, a->smp.text) == 0)
		tui_message(a->b, false, "no change");
	else
		record_edit(a, &out);
	free(out);
}

void tui_key_diff(tui_view *v)
{
	app *a = APP(v);
	if (!a->has_sample || strcmp(a->dec.verdict, "edited") != 0) {
		tui_message(a->b, false, "d shows the diff of an edited sample; this one is not edited");
		return;
	}
	a->diff = !a->diff;
	a->layout_dirty = true;
}
