/* review_edit.c — the review screen's edits: the built-in editor, $VISUAL /
 * $EDITOR, and the LLM's suggested correction (asked without blocking,
 * shown as a word diff, taken into the editor). The sample stays leased to
 * the annotator however long an editor runs. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "assay/net.h"
#include "assay/score.h"
#include "assay/tui_editor.h"

/* an editor may stay open long: the sample is held at least this long */
#define EDIT_LEASE_MS (2 * 60 * 60 * 1000)

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
	if (store_lease_take(a->s, &q, a->smp.id, &e) < 0 || store_lease_renew_all(a->s, &q, &e) < 0)
		tui_message(a, true, "%s", e.msg);
	a->leased_ns = assay_mono_ns();
}

void tui_draft_settled(app *a, int64_t id)
{
	if (a->draft_for != id)
		return;
	free(a->draft);
	a->draft = NULL;
	a->draft_for = 0;
}

void tui_draft_keep(app *a, int64_t id, char **text)
{
	if (a->draft != *text) {
		free(a->draft);
		a->draft = *text;
		*text = NULL;
	}
	a->draft_for = id;
	a->draft_warned = false;
	/* what happened to the text first (a long reason is cut at the
	 * screen's edge), then the store's "not saved: why" */
	char why[sizeof a->msg];
	memcpy(why, a->msg, sizeof why);
	tui_message(a, true, "your edit is kept (e opens it again), %.400s", why);
}

bool tui_draft_holds_quit(app *a)
{
	if (!a->draft || a->draft_warned)
		return false;
	a->draft_warned = true;
	tui_message(a, true, "unsaved edit kept until you quit: e saves it, q again quits "
			     "without it");
	return true;
}

/* After an edit is saved it is recorded, and shown as a word diff. One the
 * store refused stays as the sample's draft (taken over from *text), so
 * the annotator's correction is never lost: `e` opens it again. */
static void record_edit(app *a, char **text)
{
	int64_t id = a->smp.id;
	if (tui_decide(a, STORE_EDIT, *text, NULL, true)) {
		tui_draft_settled(a, id);
		a->diff = true;
		a->layout_dirty = true;
		tui_message(a, false, "edit saved; l or Right: next sample, d: toggle the diff");
		return;
	}
	tui_draft_keep(a, id, text);
}

/* The editor calls this on a resize: the screen behind is redrawn. */
static int editor_resize(void *ctx, WINDOW **win)
{
	app *a = ctx;
	tui_draw(a);
	wresize(*win, LINES, COLS);
	mvwin(*win, 0, 0);
	return 0;
}

static const char *current_text(const app *a)
{
	if (a->draft && a->draft_for == a->smp.id)
		return a->draft;
	return strcmp(a->dec.verdict, "edited") == 0 && a->dec.text ? a->dec.text : a->smp.text;
}

int tui_edit_full_screen(app *a, const char *title, const char *text, char **out,
			 assay_error *err)
{
	*out = NULL;
	WINDOW *win = newwin(LINES, COLS, 0, 0);
	if (!win)
		return assay_fail(err, ASSAY_ENOMEM, "no room for the editor's window");
	tui_editor_theme th = {
		.text = a->attr[CONF_ROLE_SAMPLE_TEXT],
		.placeholder = a->attr[CONF_ROLE_SAMPLE_PLACEHOLDER],
		.title = a->attr[CONF_ROLE_STATUS_BAR],
		.status = a->attr[CONF_ROLE_FOOTER_TEXT],
		.prompt = a->attr[CONF_ROLE_DIALOG],
	};
	tui_editor_host host = {editor_resize, a};
	size_t out_len = 0;
	int rc = tui_editor_run(win, title, text, strlen(text), out, &out_len, &th, &host, err);
	delwin(win);
	touchwin(stdscr);
	return rc;
}

/* The built-in editor on text; a saved change is recorded as an edit, and
 * so is a suggestion saved as it came (take_as_is). */
static void edit_text(app *a, const char *text, bool take_as_is)
{
	char title[300];
	snprintf(title, sizeof title, "edit %s   Ctrl-S save   Esc cancel", a->smp.ext_id);
	char *out = NULL;
	assay_error err = {0};
	hold_lease(a, true);
	int rc = tui_edit_full_screen(a, title, text, &out, &err);
	hold_lease(a, false);
	bool draft = a->draft && a->draft_for == a->smp.id && text == a->draft;
	if (rc == TUI_EDITOR_SAVED && strcmp(out, a->smp.text) != 0) {
		record_edit(a, &out);
	} else if (rc == TUI_EDITOR_UNCHANGED && (take_as_is || draft) &&
		   strcmp(text, a->smp.text) != 0) {
		/* saving a suggestion as it came, or a kept draft unchanged */
		char *copy = assay_strdup(text);
		if (copy)
			record_edit(a, &copy);
		free(copy);
	}
	else if (rc == TUI_EDITOR_SAVED || rc == TUI_EDITOR_UNCHANGED)
		tui_message(a, false, "no change");
	else if (rc < 0)
		tui_message(a, true, "%s", err.msg);
	free(out);
}

void tui_key_edit(app *a)
{
	if (a->has_sample)
		edit_text(a, current_text(a), false);
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
		tui_message(a, true, "no suggestion: %s", err ? err->msg : "unknown error");
		return;
	}
	free(a->suggestion);
	a->suggestion = assay_strndup(text, len);
	a->layout_dirty = true;
	tui_message(a, false, "suggestion shown as a diff: Enter takes it into the editor, x discards");
}

void tui_key_suggest(app *a)
{
	if (!a->has_sample)
		return;
	if (!a->o->judge) {
		tui_message(a, true, "S needs an LLM endpoint: set [score.llm-judge] endpoint and "
				     "model in the configuration");
		return;
	}
	assay_error err = {0};
	if (!a->pool && !(a->pool = net_pool_new(&a->o->judge->net, 2, &err))) {
		tui_message(a, true, "%s", err.msg);
		return;
	}
	if (!a->sg && !(a->sg = score_suggester_new(a->o->judge, &err))) {
		tui_message(a, true, "%s", err.msg);
		return;
	}
	const char *text = current_text(a);
	if (score_suggest_submit(a->sg, a->pool, text, strlen(text), on_suggestion, a, &err) < 0) {
		tui_message(a, true, "%s", err.msg);
		return;
	}
	a->suggest_for = a->smp.id;
	tui_message(a, false, "asking for a suggestion (keep working; it appears when ready)");
}

void tui_key_take_suggestion(app *a)
{
	if (a->has_sample && a->suggestion) {
		char *s = assay_strdup(a->suggestion);
		if (s)
			edit_text(a, s, true);
		free(s);
	}
}

void tui_key_discard_suggestion(app *a)
{
	if (a->suggestion) {
		free(a->suggestion);
		a->suggestion = NULL;
		a->layout_dirty = true;
		tui_message(a, false, "suggestion discarded");
	}
}

void tui_key_edit_external(app *a)
{
	if (!a->has_sample)
		return;
	const char *text = current_text(a);
	char *out = NULL;
	size_t out_len = 0;
	bool changed = false;
	assay_error err = {0};
	hold_lease(a, true);
	def_prog_mode();
	endwin();
	int rc = tui_external_edit(text, strlen(text), &out, &out_len, &changed, &err);
	reset_prog_mode();
	hold_lease(a, false);
	refresh();
	if (rc < 0)
		tui_message(a, true, "no edit: %s", err.msg);
	else if (!changed || strcmp(out, a->smp.text) == 0)
		tui_message(a, false, "no change");
	else
		record_edit(a, &out);
	free(out);
}
