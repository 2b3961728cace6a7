/* conflicts_pair.c — the adjudication screen on a pair of candidates whose
 * annotators' preferences differ (a against b, a against a tie or both
 * bad): both candidates named as imported, every preference with where the
 * annotator saw a (left or right), reason and correction, and the keys a
 * lead settles it with (a, b, =, 0, e, 1-9), each recorded as an
 * adjudication with its preference. */
#include <stdlib.h>
#include <string.h>

#include "assay/tui.h"
#include "conflicts_int.h"
#include "editor.h"

static const char *cand_text(const cview *cv, int pref)
{
	return pref == STORE_PREF_B ? cv->pair.b_text : cv->pair.a_text;
}

static int pref_role(int pref)
{
	return pref == STORE_PREF_BOTH_BAD ? CONF_ROLE_SCORE_BAD
	       : pref == STORE_PREF_TIE	   ? CONF_ROLE_SCORE_WARN
					   : CONF_ROLE_SCORE_OK;
}

/* "prefers a", "tie", "both bad". */
static const char *pref_words(int pref)
{
	switch (pref) {
	case STORE_PREF_A:
		return "prefers a";
	case STORE_PREF_B:
		return "prefers b";
	case STORE_PREF_TIE:
		return "tie";
	case STORE_PREF_BOTH_BAD:
		return "both bad";
	default:
		return "no preference";
	}
}

/* A candidate's heading and text; with d, b as a word diff against a. */
static void candidate(cview *cv, int pref)
{
	tui_doc *d = &cv->doc;
	const char *model = pref == STORE_PREF_A ? cv->pair.a_model : cv->pair.b_model;
	abuf line = {0};
	abuf_printf(&line, "%s%s%s%s", pref == STORE_PREF_A ? "a" : "b", model ? "  (" : "",
		    model ? model : "", model ? ")" : "");
	tui_doc_line(d, line.data ? line.data : "", CONF_ROLE_META_KEY);
	abuf_free(&line);
	if (pref == STORE_PREF_B && cv->pair_diff)
		tui_doc_diff(d, cv->pair.a_text, cv->pair.b_text);
	else
		tui_doc_add(d, cand_text(cv, pref), strlen(cand_text(cv, pref)),
			    CONF_ROLE_SAMPLE_TEXT);
	tui_doc_add(d, "\n", 1, CONF_ROLE_SAMPLE_TEXT);
}

/* One preference line (with its correction as a diff against the
 * candidate it corrects). */
static void preference(cview *cv, const char *who, int pref, int placement, const char *reason,
		       const char *text, int role)
{
	tui_doc *d = &cv->doc;
	abuf line = {0};
	abuf_printf(&line, "%s  %s%s%s%s", who, pref_words(pref),
		    placement == STORE_PLACE_AB	  ? "  (a on the left)"
		    : placement == STORE_PLACE_BA ? "  (a on the right)"
						  : "",
		    reason ? ": " : "", reason ? reason : "");
	tui_doc_add(d, "\n", 1, CONF_ROLE_SAMPLE_TEXT);
	tui_doc_line(d, line.data ? line.data : "", role);
	abuf_free(&line);
	if (text && (pref == STORE_PREF_A || pref == STORE_PREF_B)) {
		tui_doc_line(d, pref == STORE_PREF_A ? "corrected a:" : "corrected b:",
			     CONF_ROLE_META_KEY);
		tui_doc_diff(d, cand_text(cv, pref), text);
		tui_doc_add(d, "\n", 1, CONF_ROLE_SAMPLE_TEXT);
	}
}

void tui_conflicts_pair_build(cview *cv)
{
	tui_doc_reset(&cv->doc);
	candidate(cv, STORE_PREF_A);
	tui_doc_add(&cv->doc, "\n", 1, CONF_ROLE_SAMPLE_TEXT);
	candidate(cv, STORE_PREF_B);
	if (cv->adj.verdict[0]) {
		abuf who = {0};
		abuf_printf(&who, "final (%s):", cv->adj_lead ? cv->adj_lead : "?");
		preference(cv, who.data ? who.data : "final:", cv->adj.pref, STORE_PLACE_NONE,
			   cv->adj.reason, cv->adj.text, CONF_ROLE_STATUS_ACCENT);
		abuf_free(&who);
	}
	for (size_t i = 0; i < cv->nv; i++) {
		const store_named_verdict *v = &cv->v[i];
		abuf who = {0};
		abuf_printf(&who, "%zu  %s", i + 1, v->annotator);
		preference(cv, who.data ? who.data : "", v->pref, v->placement, v->reason,
			   strcmp(v->verdict, "edited") == 0 ? v->text : NULL, pref_role(v->pref));
		abuf_free(&who);
	}
}

void tui_conflicts_pair_header(const cview *cv, char *line, size_t cap)
{
	if (cv->adj.verdict[0]) {
		snprintf(line, cap, "%s  (%s)  pair settled by %s: %s%s%s", cv->smp.ext_id,
			 cv->smp.batch_name, cv->adj_lead ? cv->adj_lead : "?",
			 pref_words(cv->adj.pref), cv->adj.reason ? ": " : "",
			 cv->adj.reason ? cv->adj.reason : "");
		return;
	}
	size_t n[STORE_PREF_BOTH_BAD + 1] = {0};
	for (size_t i = 0; i < cv->nv; i++)
		if (cv->v[i].pref > STORE_PREF_NONE && cv->v[i].pref <= STORE_PREF_BOTH_BAD)
			n[cv->v[i].pref]++;
	snprintf(line, cap, "%s  (%s)  pair, %zu preferences: %zu a, %zu b, %zu tie, %zu both bad",
		 cv->smp.ext_id, cv->smp.batch_name, cv->nv, n[STORE_PREF_A], n[STORE_PREF_B],
		 n[STORE_PREF_TIE], n[STORE_PREF_BOTH_BAD]);
}

/* The verdict a preference is recorded as. */
static int kind_of(int pref, const char *text)
{
	return pref == STORE_PREF_BOTH_BAD ? STORE_REJECT : text ? STORE_EDIT : STORE_ACCEPT;
}

/* 1-9 on a pair: annotator N's preference with its correction and reason. */
int tui_conflicts_pair_take(cview *cv, const store_named_verdict *nv)
{
	int pref = nv->pref;
	const char *fix = strcmp(nv->verdict, "edited") == 0 ? nv->text : NULL;
	char how[80];
	snprintf(how, sizeof how, "took preference %d (%s%s)", cv->digit, pref_words(pref),
		 fix ? ", corrected" : "");
	/* copies: settling moves on and frees the verdicts */
	char *text = fix ? assay_strdup(fix) : NULL;
	char *reason = nv->reason ? assay_strdup(nv->reason) : NULL;
	bool ok = (!fix || text) && (!nv->reason || reason) &&
		  tui_conflicts_settle(cv, kind_of(pref, text), pref, text, reason, how);
	free(text);
	free(reason);
	return ok ? ASSAY_OK : ASSAY_EINVAL;
}

static void prefer(tui_view *v, int pref, const char *how)
{
	cview *cv = CV(v);
	if (cv->has_sample && cv->is_pair)
		tui_conflicts_settle(cv, STORE_ACCEPT, pref, NULL, NULL, how);
}

void tui_conflicts_pair_a(tui_view *v)
{
	prefer(v, STORE_PREF_A, "settled: a is better");
}

void tui_conflicts_pair_b(tui_view *v)
{
	prefer(v, STORE_PREF_B, "settled: b is better");
}

void tui_conflicts_pair_tie(tui_view *v)
{
	prefer(v, STORE_PREF_TIE, "settled: a tie");
}

static void both_bad(tui_view *v, char *reason)
{
	cview *cv = CV(v);
	if (reason && cv->has_sample && cv->is_pair)
		tui_conflicts_settle(cv, STORE_REJECT, STORE_PREF_BOTH_BAD, NULL, reason,
				     "settled: both bad");
	free(reason);
}

void tui_conflicts_pair_both_bad(tui_view *v)
{
	cview *cv = CV(v);
	if (cv->has_sample && cv->is_pair)
		tui_pick_reason(v, (const char *const *)cv->reasons.v, cv->reasons.n, both_bad);
}

void tui_conflicts_pair_diff(tui_view *v)
{
	cview *cv = CV(v);
	if (!cv->has_sample || !cv->is_pair)
		return;
	cv->pair_diff = !cv->pair_diff;
	tui_conflicts_pair_build(cv);
}

/* The editor's answer: a changed text is the corrected chosen one, settled
 * as the lead's preference for it; a refused one is kept as a draft. */
static void edited(tui_view *v, int rc, char *out, const assay_error *err)
{
	cview *cv = CV(v);
	int pref = cv->edit_pref;
	const char *from = cv->edit_from;
	cv->edit_pref = STORE_PREF_NONE;
	cv->edit_from = NULL;
	if (!cv->has_sample || !cv->is_pair || !pref || !from)
		;
	else if (rc < 0)
		tui_message(cv->b, true, "%s", err->msg);
	else if (rc != TUI_EDITOR_SAVED && rc != TUI_EDITOR_UNCHANGED)
		tui_message(cv->b, false, "edit cancelled");
	else if (!out && !(out = assay_strdup(from)))
		tui_message(cv->b, true, "out of memory");
	else if (strcmp(out, cand_text(cv, pref)) == 0)
		tui_message(cv->b, false, "no change: %s takes %s as it is",
			    pref == STORE_PREF_A ? "a" : "b", pref == STORE_PREF_A ? "a" : "b");
	else {
		int64_t id = cv->smp.id;
		if (tui_conflicts_settle(cv, STORE_EDIT, pref, out, NULL,
					 pref == STORE_PREF_A ? "settled: a, corrected"
							      : "settled: b, corrected"))
			tui_draft_settled(&cv->draft, id);
		else
			tui_draft_keep(cv->b, &cv->draft, id, &out); /* refused: never lost */
	}
	free(out);
}

/* The text the editor starts from: a draft the store refused, else the
 * latest annotator's correction of that candidate, else the candidate. */
static const char *start_text(cview *cv, int pref)
{
	const char *draft = tui_draft_of(&cv->draft, cv->smp.id);
	if (draft)
		return draft;
	const char *from = cand_text(cv, pref);
	for (size_t i = 0; i < cv->nv; i++)
		if (cv->v[i].pref == pref && strcmp(cv->v[i].verdict, "edited") == 0 &&
		    cv->v[i].text)
			from = cv->v[i].text;
	return from;
}

static bool pick_candidate(tui_view *v, int key)
{
	cview *cv = CV(v);
	cv->b->msg[0] = '\0';
	if (key == 27)
		return true;
	if (key != 'a' && key != 'b') {
		tui_message(cv->b, true, "a or b: the candidate to correct; Esc cancels");
		return false;
	}
	cv->edit_pref = key == 'a' ? STORE_PREF_A : STORE_PREF_B;
	cv->edit_from = start_text(cv, cv->edit_pref);
	char title[300];
	snprintf(title, sizeof title, "corrected %c of %s (it is preferred)   Ctrl-S save   Esc "
		 "cancel", key, cv->smp.ext_id);
	if (!tui_edit_full_screen(&cv->view, title, cv->edit_from, edited)) {
		cv->edit_pref = STORE_PREF_NONE;
		cv->edit_from = NULL;
	}
	return true;
}

void tui_conflicts_pair_edit(tui_view *v)
{
	cview *cv = CV(v);
	if (!cv->has_sample || !cv->is_pair)
		return;
	tui_message(cv->b, false, "correct which: a or b (Esc cancels)");
	tui_choose(v, pick_candidate);
}
