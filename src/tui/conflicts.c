/* conflicts.c — `assay review --conflicts`: a lead walks the samples whose
 * annotators disagree, sees every verdict, reason and edit (as a word diff
 * against the original) side by side, and records the final word with
 * store_adjudicate, which export honours over the annotators' verdicts. */
#include <stdlib.h>
#include <string.h>

#include "assay/score.h"
#include "assay/tui.h"
#include "editor.h"
#include "ctxpane.h"
#include "dialogs.h"
#include "conflicts_int.h"


static void drop_sample(cview *cv)
{
	if (cv->has_sample)
		store_sample_free(&cv->smp);
	store_named_verdicts_free(cv->v, cv->nv);
	store_decision_free(&cv->adj);
	free(cv->adj_lead);
	cv->v = NULL;
	cv->nv = 0;
	cv->adj_lead = NULL;
	cv->has_sample = false;
	if (cv->is_pair)
		store_pair_free(&cv->pair);
	cv->is_pair = false;
	cv->pair_diff = false;
	tui_doc_reset(&cv->doc);
	tui_ctx_free(&cv->ctx);
}

static int verdict_role(const char *v)
{
	return strcmp(v, "rejected") == 0 ? CONF_ROLE_SCORE_BAD
	       : strcmp(v, "edited") == 0 ? CONF_ROLE_SCORE_WARN
					  : CONF_ROLE_SCORE_OK;
}

/* The original, then each annotator's verdict, reason and edit (as a diff). */
static void build(cview *cv)
{
	tui_doc *d = &cv->doc;
	tui_doc_reset(d);
	tui_doc_line(d, "original", CONF_ROLE_META_KEY);
	tui_doc_add(d, cv->smp.text, strlen(cv->smp.text), CONF_ROLE_SAMPLE_TEXT);
	tui_doc_add(d, "\n", 1, CONF_ROLE_SAMPLE_TEXT);
	if (cv->adj.verdict[0]) {
		abuf line = {0};
		abuf_printf(&line, "final (%s): %s%s%s", cv->adj_lead ? cv->adj_lead : "?",
			    cv->adj.verdict, cv->adj.reason ? ": " : "",
			    cv->adj.reason ? cv->adj.reason : "");
		tui_doc_add(d, "\n", 1, CONF_ROLE_SAMPLE_TEXT);
		tui_doc_line(d, line.data ? line.data : "", CONF_ROLE_STATUS_ACCENT);
		abuf_free(&line);
		if (cv->adj.text) {
			tui_doc_diff(d, cv->smp.text, cv->adj.text);
			tui_doc_add(d, "\n", 1, CONF_ROLE_SAMPLE_TEXT);
		}
	}
	for (size_t i = 0; i < cv->nv; i++) {
		const store_named_verdict *v = &cv->v[i];
		abuf line = {0};
		abuf_printf(&line, "%zu  %s  %s%s%s", i + 1, v->annotator, v->verdict,
			    v->reason ? ": " : "", v->reason ? v->reason : "");
		tui_doc_add(d, "\n", 1, CONF_ROLE_SAMPLE_TEXT);
		tui_doc_line(d, line.data ? line.data : "", verdict_role(v->verdict));
		abuf_free(&line);
		if (strcmp(v->verdict, "edited") == 0 && v->text) {
			tui_doc_diff(d, cv->smp.text, v->text);
			tui_doc_add(d, "\n", 1, CONF_ROLE_SAMPLE_TEXT);
		}
	}
}

static void load(cview *cv, int64_t id)
{
	drop_sample(cv);
	assay_error err = {0};
	if (store_sample_get(cv->b->s, id, &cv->smp, &err) < 0) {
		tui_message(cv->b, true, "%s", err.msg);
		return;
	}
	cv->has_sample = true;
	if (store_verdicts_of(cv->b->s, id, &cv->v, &cv->nv, &err) < 0 ||
	    store_adjudication_get(cv->b->s, id, &cv->adj, &cv->adj_lead, &err) < 0 ||
	    store_pair_get(cv->b->s, id, &cv->pair, &cv->is_pair, &err) < 0)
		tui_message(cv->b, true, "%s", err.msg);
	/* a pair is settled by preference, with keys of its own */
	cv->view.keys = cv->is_pair ? tui_pair_conflict_keys : tui_conflict_keys;
	cv->view.n_keys = cv->is_pair ? tui_n_pair_conflict_keys : tui_n_conflict_keys;
	if (cv->is_pair)
		tui_conflicts_pair_build(cv);
	else
		build(cv);
	cv->scroll = 0;
	cv->shown_ns = assay_mono_ns();
}

static void remember(cview *a, int64_t id)
{
	if (ASSAY_GROW(a->hist, a->n_hist + 1, a->cap_hist, 64) < 0)
		return;
	a->hist[a->n_hist++] = id;
	a->pos = a->n_hist - 1;
}

/* The next conflict: forward in this session's history, else the walk's. */
static void advance(cview *cv)
{
	cview *a = cv;
	if (a->n_hist && a->pos + 1 < a->n_hist) {
		load(cv, a->hist[++a->pos]);
		return;
	}
	int64_t id;
	assay_error err = {0};
	/* leased to this lead: another lead's walk passes over it */
	int rc = store_conflict_claim(a->b->s, &cv->q, cv->cursor, &id, &err);
	cv->leased_ns = assay_mono_ns();
	if (rc == ASSAY_OK) {
		cv->cursor = id;
		remember(a, id);
		load(cv, id);
	} else if (rc == ASSAY_ENOTFOUND) {
		drop_sample(cv);
		a->done = true;
		a->pos = a->n_hist;
	} else {
		tui_message(a->b, true, "%s", err.msg);
	}
}

/* Records the lead's verdict on the sample on screen and moves on; false
 * (and the sample stays) when the store refused it. While another writer
 * holds the lock it is kept (true) and saved once the lock is free. */
bool tui_conflicts_settle(cview *cv, int kind, int pref, const char *text, const char *reason,
			  const char *how)
{
	cview *a = cv;
	if (cv->pend.op)
		return false;
	store_decision_in in = {
	    .sample_id = a->smp.id,
	    .annotator_id = a->annotator_id,
	    .kind = kind,
	    .pref = pref,
	    .text = text,
	    .reason = reason,
	    .ms_spent = (assay_mono_ns() - a->shown_ns) / 1000000,
	    .session = a->session,
	};
	int64_t event_id;
	assay_error err = {0};
	store_busy_wait(a->b->s, TUI_TRY_FIRST_MS);
	int rc = store_adjudicate(a->b->s, &in, &event_id, &err);
	store_busy_wait(a->b->s, 0);
	if (rc == ASSAY_EBUSY)
		return tui_conflicts_pend(cv, &in, how);
	if (rc < 0) {
		tui_message(a->b, true, "not saved: %s", err.msg);
		return false;
	}
	tui_conflicts_saved(cv, &in, how);
	return true;
}

void tui_conflicts_saved(cview *cv, const store_decision_in *in, const char *how)
{
	cview *a = cv;
	int kind = in->kind;
	assay_error err = {0};
	/* the lead's correction is what export takes: scored as it is saved */
	bool scored;
	if (kind == STORE_EDIT && a->o->scoring &&
	    score_edit(a->b->s, a->o->scoring, in->sample_id, &scored, &err) < 0) {
		advance(cv);
		tui_message(a->b, true, "%s; its corrected text was not scored: %s", how, err.msg);
		return;
	}
	if (!cv->adj.verdict[0]) {
		cv->left -= cv->left > 0;
		a->sum.decided++;
	}
	a->sum.accepted += kind == STORE_ACCEPT;
	a->sum.edited += kind == STORE_EDIT;
	a->sum.rejected += kind == STORE_REJECT;
	char id[80];
	snprintf(id, sizeof id, "%s", a->smp.ext_id);
	advance(cv);
	tui_message(a->b, false, "%s: %s", id, how);
}

static void k_accept(tui_view *v)
{
	cview *a = CV(v);
	if (a->has_sample)
		tui_conflicts_settle(a, STORE_ACCEPT, 0, NULL, NULL, "accepted as generated");
}

static void rejected(tui_view *v, char *reason)
{
	cview *cv = CV(v);
	if (reason && cv->has_sample)
		tui_conflicts_settle(cv, STORE_REJECT, 0, NULL, reason, "rejected");
	free(reason);
}

static void k_reject(tui_view *v)
{
	cview *cv = CV(v);
	if (cv->has_sample)
		tui_pick_reason(v, (const char *const *)cv->reasons.v, cv->reasons.n, rejected);
}

/* 1-9: annotator N's verdict, reason or edit, as it is. */
static void k_take(tui_view *v)
{
	cview *cv = CV(v);
	if (!cv->has_sample)
		return;
	if (cv->digit < 1 || (size_t)cv->digit > cv->nv) {
		tui_message(cv->b, true, "there is no verdict %d here", cv->digit);
		return;
	}
	const store_named_verdict *nv = &cv->v[cv->digit - 1];
	if (cv->is_pair) {
		tui_conflicts_pair_take(cv, nv);
		return;
	}
	int kind = strcmp(nv->verdict, "rejected") == 0		   ? STORE_REJECT
		   : strcmp(nv->verdict, "edited") == 0 && nv->text ? STORE_EDIT
								    : STORE_ACCEPT;
	char how[64];
	snprintf(how, sizeof how, "took verdict %d (%s)", cv->digit, nv->verdict);
	/* copies: tui_conflicts_settle() moves on and frees the verdicts */
	char *text = nv->text ? assay_strdup(nv->text) : NULL;
	char *reason = nv->reason ? assay_strdup(nv->reason) : NULL;
	tui_conflicts_settle(cv, kind, 0, kind == STORE_EDIT ? text : NULL,
			     kind == STORE_REJECT ? reason : NULL, how);
	free(text);
	free(reason);
}

/* The editor's answer on the final text: settled as the lead's edit, or
 * kept as a draft when the store refused it. */
static void edited(tui_view *v, int rc, char *out, const assay_error *err)
{
	cview *cv = CV(v);
	const char *from = cv->edit_from;
	cv->edit_from = NULL;
	if (!cv->has_sample || !from)
		;
	else if (rc < 0)
		tui_message(cv->b, true, "%s", err->msg);
	else if (rc != TUI_EDITOR_SAVED && rc != TUI_EDITOR_UNCHANGED)
		tui_message(cv->b, false, "edit cancelled");
	else if (strcmp(out ? out : from, cv->smp.text) == 0)
		tui_message(cv->b, false, "that is the original text: a accepts it as it is");
	else if (!out && !(out = assay_strdup(from)))
		tui_message(cv->b, true, "out of memory");
	else {
		int64_t id = cv->smp.id;
		if (tui_conflicts_settle(cv, STORE_EDIT, 0, out, NULL, "edited"))
			tui_draft_settled(&cv->draft, id);
		else
			tui_draft_keep(cv->b, &cv->draft, id, &out); /* refused: never lost */
	}
	free(out);
}

static void edit_from(cview *cv, const char *from)
{
	char title[300];
	snprintf(title, sizeof title, "final text of %s   Ctrl-S save   Esc cancel", cv->smp.ext_id);
	cv->edit_from = from;
	if (!tui_edit_full_screen(&cv->view, title, from, edited))
		cv->edit_from = NULL;
}

/* The answer to "edit from": 0 the original, a digit an annotator's edit. */
static bool pick_start(tui_view *v, int key)
{
	cview *cv = CV(v);
	cv->b->msg[0] = '\0';
	if (key == 27)
		return true;
	if (key == '0') {
		edit_from(cv, cv->smp.text);
		return true;
	}
	size_t k = key >= '1' && key <= '9' ? (size_t)(key - '1') : cv->nv;
	if (k < cv->nv && strcmp(cv->v[k].verdict, "edited") == 0 && cv->v[k].text) {
		edit_from(cv, cv->v[k].text);
		return true;
	}
	tui_message(cv->b, true, "pick 0 (the original) or the number of an edited verdict; Esc "
				 "cancels");
	return false;
}

/* The editor starts from the lead's edit the store refused earlier, else
 * the original, or an annotator's edit picked by digit when there are
 * edits. */
static void k_edit(tui_view *v)
{
	cview *cv = CV(v);
	if (!cv->has_sample)
		return;
	const char *draft = tui_draft_of(&cv->draft, cv->smp.id);
	size_t edits = 0;
	for (size_t i = 0; i < cv->nv; i++)
		edits += strcmp(cv->v[i].verdict, "edited") == 0 && cv->v[i].text;
	if (draft || !edits) {
		edit_from(cv, draft ? draft : cv->smp.text);
		return;
	}
	tui_message(cv->b, false, "edit from: 0 the original, 1-%zu that annotator's edit (Esc "
				  "cancels)", cv->nv);
	tui_choose(v, pick_start);
}

static void k_next(tui_view *v)
{
	cview *cv = CV(v);
	if (cv->has_sample && cv->pos + 1 >= cv->n_hist && !cv->adj.verdict[0])
		cv->sum.skipped++;
	advance(cv);
}

static void k_prev(tui_view *v)
{
	cview *cv = CV(v);
	if (cv->pos == 0 || !cv->n_hist) {
		tui_message(cv->b, false, "this is the first conflict of the session");
		return;
	}
	cv->done = false;
	cv->pos--;
	load(cv, cv->hist[cv->pos]);
}

static void scroll_by(tui_view *v, int by)
{
	cview *cv = CV(v);
	tui_scroll(&cv->scroll, cv->text_rows, cv->doc.lines.n, by);
}

static void k_down(tui_view *v)
{
	scroll_by(v, 1);
}

static void k_up(tui_view *v)
{
	scroll_by(v, -1);
}

static void k_page_down(tui_view *v)
{
	scroll_by(v, tui_page(CV(v)->text_rows));
}

static void k_page_up(tui_view *v)
{
	scroll_by(v, -tui_page(CV(v)->text_rows));
}

static void k_ctx_down(tui_view *v)
{
	tui_ctx_scroll(v->base, &CV(v)->ctx, 1);
}

static void k_ctx_up(tui_view *v)
{
	tui_ctx_scroll(v->base, &CV(v)->ctx, -1);
}

static void k_ctx_fold(tui_view *v)
{
	tui_ctx_fold(v->base, &CV(v)->ctx);
}

static void k_help(tui_view *v)
{
	tui_help(v, " adjudication keys ");
}

static void k_quit(tui_view *v)
{
	cview *cv = CV(v);
	if (tui_conflicts_pend_quit(cv))
		return;
	if (!tui_draft_holds_quit(cv->b, &cv->draft))
		v->done = true;
}

static void k_redraw(tui_view *v)
{
	(void)v;
	clearok(curscr, TRUE);
}

/* The keys both tables share: moving, scrolling, the context; help,
 * redraw and quit. */
#define CONFLICT_MOVES                                                                             \
	{'s', 0, "s", "next", k_next, TUI_KEY_HINT},                                               \
	    {'l', KEY_RIGHT, "l Right", "next conflict", k_next, 0},                               \
	    {'h', KEY_LEFT, "h Left", "previous conflict of this session", k_prev, 0},             \
	    {'j', KEY_DOWN, "j Down", "scroll down", k_down, TUI_KEY_WAIT},                        \
	    {'k', KEY_UP, "k Up", "scroll up", k_up, TUI_KEY_WAIT},                                \
	    {KEY_NPAGE, ' ', "PgDn", "page down", k_page_down, TUI_KEY_WAIT},                      \
	    {KEY_PPAGE, 0, "PgUp", "page up", k_page_up, TUI_KEY_WAIT},                            \
	    {'J', 0, "J", "scroll the context down", k_ctx_down, TUI_KEY_WAIT},                    \
	    {'K', 0, "K", "scroll the context up", k_ctx_up, TUI_KEY_WAIT},                        \
	    {'c', 0, "c", "fold or show the context", k_ctx_fold, TUI_KEY_WAIT},
#define CONFLICT_END                                                                               \
	{'?', 0, "?", "help", k_help, TUI_KEY_HINT | TUI_KEY_WAIT},                                \
	    {12, 0, "Ctrl-L", "redraw the screen", k_redraw, TUI_KEY_WAIT},                        \
	    {'q', 0, "q", "quit", k_quit, TUI_KEY_HINT | TUI_KEY_WAIT},

const tui_key tui_conflict_keys[] = {
    {'a', 0, "a", "accept", k_accept, TUI_KEY_HINT},
    {'e', 0, "e", "edit", k_edit, TUI_KEY_HINT},
    {'r', 0, "r", "reject", k_reject, TUI_KEY_HINT},
    {'1', 0, "1-9", "take N's verdict", k_take, TUI_KEY_HINT},
    CONFLICT_MOVES
    {'m', 0, "m", "show or hide the media pane", tui_conflicts_media_toggle, TUI_KEY_WAIT},
    {'z', 0, "z", "zoom the media to the whole screen", tui_conflicts_media_zoom, TUI_KEY_WAIT},
    {'[', 0, "[", "previous frames of the video", tui_conflicts_media_prev, TUI_KEY_WAIT},
    {']', 0, "]", "next frames of the video", tui_conflicts_media_next, TUI_KEY_WAIT},
    {'o', 0, "o", "open the original ($ASSAY_OPENER)", tui_conflicts_media_open, TUI_KEY_WAIT},
    {'y', 0, "y", "copy the media's path or URL (OSC 52)", tui_conflicts_media_copy, TUI_KEY_WAIT},
    CONFLICT_END
};
const size_t tui_n_conflict_keys = ASSAY_ARRAY_LEN(tui_conflict_keys);

/* On a pair: a preference names the candidate as imported (a, b), as in
 * decide prefer; the rest as above. */
const tui_key tui_pair_conflict_keys[] = {
    {'a', 0, "a", "a is better", tui_conflicts_pair_a, TUI_KEY_HINT},
    {'b', 0, "b", "b is better", tui_conflicts_pair_b, TUI_KEY_HINT},
    {'=', 0, "=", "tie", tui_conflicts_pair_tie, TUI_KEY_HINT},
    {'0', 0, "0", "both bad", tui_conflicts_pair_both_bad, TUI_KEY_HINT},
    {'e', 0, "e", "correct a or b (it is preferred)", tui_conflicts_pair_edit, TUI_KEY_HINT},
    {'1', 0, "1-9", "take N's preference", k_take, TUI_KEY_HINT},
    {'d', 0, "d", "b as a word diff against a", tui_conflicts_pair_diff,
     TUI_KEY_HINT | TUI_KEY_WAIT},
    CONFLICT_MOVES
    CONFLICT_END
};
const size_t tui_n_pair_conflict_keys = ASSAY_ARRAY_LEN(tui_pair_conflict_keys);

static int start(cview *cv, assay_error *err)
{
	int rc = store_annotator_ensure(cv->b->s, cv->o->annotator, &cv->annotator_id, err);
	if (rc < 0)
		return rc;
	if (cv->o->batch) {
		store_batch b;
		if ((rc = store_batch_by_name(cv->b->s, cv->o->batch, &b, err)) < 0)
			return assay_fail(err, rc, "no batch named \"%s\"", cv->o->batch);
		cv->batch_id = b.id;
		store_batch_free(&b);
	}
	snprintf(cv->session, sizeof cv->session, "%lld", (long long)assay_now_ms());
	cv->q = (store_queue){.annotator_id = cv->annotator_id, .batch_id = cv->batch_id,
			      .overlap = 1,
			      .lease_ms = cv->o->lease_ms > 0 ? cv->o->lease_ms : 10 * 60 * 1000};
	return store_conflict_count(cv->b->s, cv->batch_id, &cv->left, err);
}

/* 1-9 all run k_take (the table's row '1') with the digit kept. */
static int conflicts_key(tui_view *v, int kind, wint_t ch)
{
	if (kind == OK && ch >= '1' && ch <= '9') {
		CV(v)->digit = (int)ch - '0';
		ch = '1';
	}
	return tui_view_keys(v, kind, ch);
}

static void conflicts_open(tui_view *v)
{
	cview *cv = CV(v);
	cv->start_ns = assay_mono_ns();
	advance(cv);
}

static void free_state(cview *cv)
{
	drop_sample(cv);
	tui_pend_clear(&cv->pend);
	tui_media_free(&cv->media);
	tui_doc_free(&cv->doc);
	tui_reasons_free(&cv->reasons);
	tui_draft_free(&cv->draft);
	free(cv->hist);
	free(cv);
}

static void conflicts_close(tui_view *v)
{
	cview *cv = CV(v);
	assay_error e = {0};
	store_lease_release_all(cv->b->s, cv->annotator_id, &e); /* back to the other leads */
	cv->sum.seconds = (double)(assay_mono_ns() - cv->start_ns) / 1e9;
	*cv->out = cv->sum;
	free_state(cv);
}

static const tui_view_ops conflicts_ops = {
	.name = "conflicts",
	.open = conflicts_open,
	.draw = tui_conflicts_draw,
	.key = conflicts_key,
	.tick = tui_conflicts_tick,
	.pollfds = tui_conflicts_pollfds,
	.close = conflicts_close,
};

int tui_conflicts_run(store *s, const tui_review_opts *o, tui_summary *sum, assay_error *err)
{
	*sum = (tui_summary){0};
	tui_base b = {.s = s, .db_name = o->db_name, .config = o->config};
	cview *cv = calloc(1, sizeof *cv);
	if (!cv)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	*cv = (cview){.view = {.ops = &conflicts_ops, .keys = tui_conflict_keys,
			       .n_keys = tui_n_conflict_keys},
		      .b = &b, .o = o, .out = sum};
	tui_reasons_load(&cv->reasons, o->config);
	tui_media_init(&cv->media, &b);
	int rc = start(cv, err);
	if (rc == ASSAY_OK)
		rc = tui_open(&b, o->theme, err);
	if (rc < 0) {
		free_state(cv);
		return rc;
	}
	tui_push(&b, &cv->view);
	tui_run(&b);
	tui_close(&b);
	return ASSAY_OK;
}
