/* conflicts.c — `assay review --conflicts`: a lead walks the samples whose
 * annotators disagree, sees every verdict, reason and edit (as a word diff
 * against the original) side by side, and records the final word with
 * store_adjudicate, which export honours over the annotators' verdicts. */
#include <stdlib.h>
#include <string.h>

#include "assay/tui_editor.h"
#include "audit_int.h"

typedef struct cview {
	app a; /* first: key actions and dialogs get &cv->a */
	int64_t batch_id;
	int64_t cursor; /* the last conflict the walk reached */
	int64_t left;	/* conflicts not adjudicated yet */
	int digit;	/* the digit of the key being handled */
	store_named_verdict *v;
	size_t nv;
	store_decision adj; /* the sample's adjudication, verdict "" when none */
	char *adj_lead;
	tui_doc doc;
} cview;

static void drop_sample(cview *cv)
{
	if (cv->a.has_sample)
		store_sample_free(&cv->a.smp);
	store_named_verdicts_free(cv->v, cv->nv);
	store_decision_free(&cv->adj);
	free(cv->adj_lead);
	cv->v = NULL;
	cv->nv = 0;
	cv->adj_lead = NULL;
	cv->a.has_sample = false;
	tui_doc_reset(&cv->doc);
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
	tui_doc_add(d, cv->a.smp.text, strlen(cv->a.smp.text), CONF_ROLE_SAMPLE_TEXT);
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
			tui_doc_diff(d, cv->a.smp.text, cv->adj.text);
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
			tui_doc_diff(d, cv->a.smp.text, v->text);
			tui_doc_add(d, "\n", 1, CONF_ROLE_SAMPLE_TEXT);
		}
	}
}

static void load(cview *cv, int64_t id)
{
	drop_sample(cv);
	assay_error err = {0};
	if (store_sample_get(cv->a.s, id, &cv->a.smp, &err) < 0) {
		tui_message(&cv->a, true, "%s", err.msg);
		return;
	}
	cv->a.has_sample = true;
	if (store_verdicts_of(cv->a.s, id, &cv->v, &cv->nv, &err) < 0 ||
	    store_adjudication_get(cv->a.s, id, &cv->adj, &cv->adj_lead, &err) < 0)
		tui_message(&cv->a, true, "%s", err.msg);
	build(cv);
	cv->a.scroll = 0;
	cv->a.shown_ns = assay_mono_ns();
}

static void remember(app *a, int64_t id)
{
	if (a->n_hist == a->cap_hist) {
		size_t cap = a->cap_hist ? a->cap_hist * 2 : 64;
		int64_t *h = realloc(a->hist, cap * sizeof *h);
		if (!h)
			return;
		a->hist = h;
		a->cap_hist = cap;
	}
	a->hist[a->n_hist++] = id;
	a->pos = a->n_hist - 1;
}

/* The next conflict: forward in this session's history, else the walk's. */
static void advance(cview *cv)
{
	app *a = &cv->a;
	if (a->n_hist && a->pos + 1 < a->n_hist) {
		load(cv, a->hist[++a->pos]);
		return;
	}
	int64_t id;
	assay_error err = {0};
	int rc = store_conflict_next(a->s, cv->batch_id, cv->cursor, &id, &err);
	if (rc == ASSAY_OK) {
		cv->cursor = id;
		remember(a, id);
		load(cv, id);
	} else if (rc == ASSAY_ENOTFOUND) {
		drop_sample(cv);
		a->done = true;
		a->pos = a->n_hist;
	} else {
		tui_message(a, true, "%s", err.msg);
	}
}

/* Records the lead's verdict on the sample on screen and moves on; false
 * (and the sample stays) when the store refused it. */
static bool settle(cview *cv, int kind, const char *text, const char *reason, const char *how)
{
	app *a = &cv->a;
	store_decision_in in = {
	    .sample_id = a->smp.id,
	    .annotator_id = a->annotator_id,
	    .kind = kind,
	    .text = text,
	    .reason = reason,
	    .ms_spent = (assay_mono_ns() - a->shown_ns) / 1000000,
	    .session = a->session,
	};
	int64_t event_id;
	assay_error err = {0};
	if (store_adjudicate(a->s, &in, &event_id, &err) < 0) {
		tui_message(a, true, "not saved: %s", err.msg);
		return false;
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
	tui_message(a, false, "%s: %s", id, how);
	return true;
}

static void draw(app *a);

static void k_accept(app *a)
{
	if (a->has_sample)
		settle((cview *)a, STORE_ACCEPT, NULL, NULL, "accepted as generated");
}

static void k_reject(app *a)
{
	if (!a->has_sample)
		return;
	char *reason = tui_pick_reason(a);
	if (reason)
		settle((cview *)a, STORE_REJECT, NULL, reason, "rejected");
	free(reason);
}

/* 1-9: annotator N's verdict, reason or edit, as it is. */
static void k_take(app *a)
{
	cview *cv = (cview *)a;
	if (!a->has_sample)
		return;
	if (cv->digit < 1 || (size_t)cv->digit > cv->nv) {
		tui_message(a, true, "there is no verdict %d here", cv->digit);
		return;
	}
	const store_named_verdict *v = &cv->v[cv->digit - 1];
	int kind = strcmp(v->verdict, "rejected") == 0		  ? STORE_REJECT
		   : strcmp(v->verdict, "edited") == 0 && v->text ? STORE_EDIT
								  : STORE_ACCEPT;
	char how[64];
	snprintf(how, sizeof how, "took verdict %d (%s)", cv->digit, v->verdict);
	/* copies: settle() moves on and frees the verdicts */
	char *text = v->text ? assay_strdup(v->text) : NULL;
	char *reason = v->reason ? assay_strdup(v->reason) : NULL;
	settle(cv, kind, kind == STORE_EDIT ? text : NULL, kind == STORE_REJECT ? reason : NULL,
	       how);
	free(text);
	free(reason);
}

/* Which text the editor starts from: the lead's edit the store refused
 * earlier, else the original or an annotator's edit picked by digit when
 * there are edits. NULL when cancelled. */
static const char *edit_start(cview *cv)
{
	if (cv->a.draft && cv->a.draft_for == cv->a.smp.id)
		return cv->a.draft;
	size_t edits = 0;
	for (size_t i = 0; i < cv->nv; i++)
		edits += strcmp(cv->v[i].verdict, "edited") == 0 && cv->v[i].text;
	if (!edits)
		return cv->a.smp.text;
	tui_message(&cv->a, false,
		    "edit from: 0 the original, 1-%zu that annotator's edit "
		    "(Esc cancels)",
		    cv->nv);
	for (;;) {
		draw(&cv->a);
		int ch = getch();
		if (ch == ERR || ch == KEY_RESIZE)
			continue;
		if (ch == 27) {
			cv->a.msg[0] = '\0';
			return NULL;
		}
		if (ch == '0') {
			cv->a.msg[0] = '\0';
			return cv->a.smp.text;
		}
		size_t k = ch >= '1' && ch <= '9' ? (size_t)(ch - '1') : cv->nv;
		if (k < cv->nv && strcmp(cv->v[k].verdict, "edited") == 0 && cv->v[k].text) {
			cv->a.msg[0] = '\0';
			return cv->v[k].text;
		}
		tui_message(&cv->a, true,
			    "pick 0 (the original) or the number of an edited "
			    "verdict; Esc cancels");
	}
}

static void k_edit(app *a)
{
	cview *cv = (cview *)a;
	if (!a->has_sample)
		return;
	const char *from = edit_start(cv);
	if (!from)
		return;
	char title[300];
	snprintf(title, sizeof title, "final text of %s   Ctrl-S save   Esc cancel", a->smp.ext_id);
	char *out = NULL;
	assay_error err = {0};
	int rc = tui_edit_full_screen(a, title, from, &out, &err);
	if (rc < 0)
		tui_message(a, true, "%s", err.msg);
	else if (rc != TUI_EDITOR_SAVED && rc != TUI_EDITOR_UNCHANGED)
		tui_message(a, false, "edit cancelled");
	else if (strcmp(out ? out : from, a->smp.text) == 0)
		tui_message(a, false, "that is the original text: a accepts it as it is");
	else {
		int64_t id = a->smp.id;
		if (!out && !(out = assay_strdup(from))) {
			tui_message(a, true, "out of memory");
			return;
		}
		if (settle(cv, STORE_EDIT, out, NULL, "edited"))
			tui_draft_settled(a, id);
		else
			tui_draft_keep(a, id, &out); /* refused: never lost */
	}
	free(out);
}

static void k_next(app *a)
{
	cview *cv = (cview *)a;
	if (a->has_sample && a->pos + 1 >= a->n_hist && !cv->adj.verdict[0])
		a->sum.skipped++;
	advance(cv);
}

static void k_prev(app *a)
{
	if (a->pos == 0 || !a->n_hist) {
		tui_message(a, false, "this is the first conflict of the session");
		return;
	}
	a->done = false;
	a->pos--;
	load((cview *)a, a->hist[a->pos]);
}


static const tui_key conflict_keys[];
static const size_t n_conflict_keys;

static void k_help(app *a)
{
	tui_view_help(a, " adjudication keys ", conflict_keys, n_conflict_keys);
}

static void k_quit(app *a)
{
	if (!tui_draft_holds_quit(a))
		a->quit = true;
}

static void k_redraw(app *a)
{
	clearok(curscr, TRUE);
	(void)a;
}

static const tui_key conflict_keys[] = {
    {'a', 0, "a", "accept", k_accept, true},
    {'e', 0, "e", "edit", k_edit, true},
    {'r', 0, "r", "reject", k_reject, true},
    {'1', 0, "1-9", "take N's verdict", k_take, true},
    {'s', 0, "s", "next", k_next, true},
    {'l', KEY_RIGHT, "l Right", "next conflict", k_next, false},
    {'h', KEY_LEFT, "h Left", "previous conflict of this session", k_prev, false},
    {'j', KEY_DOWN, "j Down", "scroll down", tui_k_down, false},
    {'k', KEY_UP, "k Up", "scroll up", tui_k_up, false},
    {KEY_NPAGE, ' ', "PgDn", "page down", tui_k_page_down, false},
    {KEY_PPAGE, 0, "PgUp", "page up", tui_k_page_up, false},
    {'?', 0, "?", "help", k_help, true},
    {12, 0, "Ctrl-L", "redraw the screen", k_redraw, false},
    {'q', 0, "q", "quit", k_quit, true},
};
static const size_t n_conflict_keys = ASSAY_ARRAY_LEN(conflict_keys);

static void top_bar(cview *cv)
{
	app *a = &cv->a;
	tui_view_fill(a, 0, CONF_ROLE_STATUS_BAR);
	char right[96], left[600];
	snprintf(right, sizeof right, " %lld left, %lld settled ", (long long)cv->left,
		 (long long)a->sum.decided);
	const char *db = strrchr(a->o->db_name, '/');
	snprintf(left, sizeof left, " assay | %s | conflicts | %s | lead %s",
		 db ? db + 1 : a->o->db_name, a->o->batch ? a->o->batch : "all batches",
		 a->o->annotator);
	int rw = (int)strlen(right);
	tui_view_put(a, 0, 0, COLS - rw - 1, left, CONF_ROLE_STATUS_BAR);
	if (rw < COLS)
		tui_view_put(a, 0, COLS - rw, rw, right, CONF_ROLE_STATUS_ACCENT);
}

/* The sample's id, batch and either what the verdicts are or how it was
 * settled. */
static void header(cview *cv, int y)
{
	app *a = &cv->a;
	char line[900];
	if (cv->adj.verdict[0]) {
		snprintf(line, sizeof line, "%s  (%s)  settled by %s: %s%s%s", a->smp.ext_id,
			 a->smp.batch_name, cv->adj_lead ? cv->adj_lead : "?", cv->adj.verdict,
			 cv->adj.reason ? ": " : "", cv->adj.reason ? cv->adj.reason : "");
	} else {
		size_t n[3] = {0};
		for (size_t i = 0; i < cv->nv; i++)
			n[strcmp(cv->v[i].verdict, "rejected") == 0 ? 2
			  : strcmp(cv->v[i].verdict, "edited") == 0 ? 1
								    : 0]++;
		snprintf(line, sizeof line,
			 "%s  (%s)  %zu verdicts: %zu accepted, %zu edited, "
			 "%zu rejected",
			 a->smp.ext_id, a->smp.batch_name, cv->nv, n[0], n[1], n[2]);
	}
	tui_view_put(a, y, 1, COLS - 2, line, CONF_ROLE_META_KEY);
}

static void draw(app *a)
{
	cview *cv = (cview *)a;
	if (COLS < TUI_VIEW_MIN_W || LINES < TUI_VIEW_MIN_H) {
		tui_view_too_small(a);
		return;
	}
	erase();
	top_bar(cv);
	int bottom = LINES - 1;
	if (a->msg[0]) {
		bottom--;
		tui_view_put(a, bottom, 1, COLS - 2, a->msg,
			     a->msg_error ? CONF_ROLE_ERROR : CONF_ROLE_STATUS_ACCENT);
	}
	tui_view_footer(a, LINES - 1, conflict_keys, n_conflict_keys);
	if (!a->has_sample) {
		tui_view_put(a, LINES / 2 - 1, 2, COLS - 4,
			     a->done ? "No conflicting sample left. q quits, h goes back."
				     : "No sample to show.",
			     CONF_ROLE_META_KEY);
		refresh();
		return;
	}
	header(cv, 1);
	a->text_rows = bottom - 2;
	tui_doc_layout(&cv->doc, COLS - 2);
	if (a->scroll > (int)cv->doc.lines.n - 1)
		a->scroll = cv->doc.lines.n ? (int)cv->doc.lines.n - 1 : 0;
	tui_doc_draw(a, &cv->doc, 2, 1, a->text_rows, a->scroll);
	if (cv->doc.lines.n > (size_t)a->text_rows) {
		char more[64];
		int last = a->scroll + a->text_rows;
		snprintf(more, sizeof more, " %d-%d of %zu lines (j/k) ", a->scroll + 1,
			 last < (int)cv->doc.lines.n ? last : (int)cv->doc.lines.n,
			 cv->doc.lines.n);
		tui_view_put(a, 1 + a->text_rows, COLS - (int)strlen(more) - 1, (int)strlen(more),
			     more, CONF_ROLE_STATUS_ACCENT);
	}
	refresh();
}

static void setup_reasons(app *a)
{
	if (a->o->config && conf_has(a->o->config, "reasons") &&
	    conf_get_list(a->o->config, "reasons", &a->reasons, &a->n_reasons) == 0 &&
	    a->n_reasons) {
		a->reasons_owned = true;
		if (a->n_reasons > 10)
			a->n_reasons = 10;
		return;
	}
	a->reasons = (char **)tui_default_reasons;
	a->n_reasons = tui_n_default_reasons;
}

static int start(cview *cv, assay_error *err)
{
	app *a = &cv->a;
	int rc = store_annotator_ensure(a->s, a->o->annotator, &a->annotator_id, err);
	if (rc < 0)
		return rc;
	if (a->o->batch) {
		store_batch b;
		if ((rc = store_batch_by_name(a->s, a->o->batch, &b, err)) < 0)
			return assay_fail(err, rc, "no batch named \"%s\"", a->o->batch);
		cv->batch_id = b.id;
		store_batch_free(&b);
	}
	snprintf(a->session, sizeof a->session, "%lld", (long long)assay_now_ms());
	return store_conflict_count(a->s, cv->batch_id, &cv->left, err);
}

int tui_conflicts_run(store *s, const tui_review_opts *o, tui_summary *sum, assay_error *err)
{
	cview cv = {.a = {.s = s, .o = o, .redraw = draw}};
	cv.a.scroll_lines = &cv.doc.lines;
	*sum = (tui_summary){0};
	int rc = start(&cv, err);
	SCREEN *scr = NULL;
	if (rc == ASSAY_OK)
		rc = tui_view_open(&scr, err);
	if (rc < 0)
		return rc;
	setup_reasons(&cv.a);
	tui_theme_apply(&cv.a, o->theme);
	cv.a.start_ns = assay_mono_ns();
	advance(&cv);
	while (!cv.a.quit) {
		draw(&cv.a);
		wint_t ch;
		int kind = get_wch(&ch);
		if (kind == ERR || (kind == KEY_CODE_YES && ch == KEY_RESIZE))
			continue;
		cv.a.msg[0] = '\0';
		int key = (int)ch;
		if (kind == OK && key >= '1' && key <= '9') {
			cv.digit = key - '0';
			key = '1';
		}
		tui_view_dispatch(&cv.a, conflict_keys, n_conflict_keys, key);
	}
	tui_view_close(scr);
	cv.a.sum.seconds = (double)(assay_mono_ns() - cv.a.start_ns) / 1e9;
	*sum = cv.a.sum;
	drop_sample(&cv);
	tui_doc_free(&cv.doc);
	if (cv.a.reasons_owned)
		conf_list_free(cv.a.reasons, cv.a.n_reasons);
	free(cv.a.hist);
	free(cv.a.draft);
	return ASSAY_OK;
}
