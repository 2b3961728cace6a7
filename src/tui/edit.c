/* edit.c — the built-in editor over the whole screen as a view, and the
 * draft an edit the store refused is kept in. */
#include <stdlib.h>
#include <string.h>

#include "edit.h"
#include "editor_int.h"

/* The editor's window and who gets its answer. */
typedef struct full_screen {
	tui_view view; /* the editor's owner as the editor sees it */
	tui_view *owner;
	tui_edit_done done;
	WINDOW *win;
} full_screen;

static void full_screen_done(tui_view *v, int rc, char *out, size_t len, const assay_error *err)
{
	(void)len;
	full_screen *fs = TUI_SELF(v, full_screen);
	delwin(fs->win);
	fs->done(fs->owner, rc, out, err);
	free(fs);
}

bool tui_edit_full_screen(tui_view *owner, const char *title, const char *text,
			  tui_edit_done done)
{
	tui_base *b = owner->base;
	assay_error err = {0};
	full_screen *fs = calloc(1, sizeof *fs);
	WINDOW *win = fs ? newwin(LINES, COLS, 0, 0) : NULL;
	if (!win) {
		free(fs);
		tui_message(b, true, "no room for the editor's window");
		return false;
	}
	*fs = (full_screen){.owner = owner, .done = done, .win = win};
	tui_editor_theme th = {
		.text = b->attr[CONF_ROLE_SAMPLE_TEXT],
		.placeholder = b->attr[CONF_ROLE_SAMPLE_PLACEHOLDER],
		.title = b->attr[CONF_ROLE_STATUS_BAR],
		.status = b->attr[CONF_ROLE_FOOTER_TEXT],
		.prompt = b->attr[CONF_ROLE_DIALOG],
	};
	if (editor_push(b, win, title, text, strlen(text), &th, NULL, &fs->view,
			full_screen_done, &err) < 0) {
		delwin(win);
		free(fs);
		tui_message(b, true, "%s", err.msg);
		return false;
	}
	return true;
}

void tui_draft_settled(tui_draft *d, int64_t id)
{
	if (d->id != id)
		return;
	free(d->text);
	d->text = NULL;
	d->id = 0;
}

void tui_draft_keep(tui_base *b, tui_draft *d, int64_t id, char **text)
{
	if (d->text != *text) {
		free(d->text);
		d->text = *text;
		*text = NULL;
	}
	d->id = id;
	d->warned = false;
	/* what happened to the text first (a long reason is cut at the
	 * screen's edge), then the store's "not saved: why" */
	char why[sizeof b->msg];
	memcpy(why, b->msg, sizeof why);
	tui_message(b, true, "your edit is kept (e opens it again), %.400s", why);
}

bool tui_draft_holds_quit(tui_base *b, tui_draft *d)
{
	if (!d->text || d->warned)
		return false;
	d->warned = true;
	tui_message(b, true, "unsaved edit kept until you quit: e saves it, q again quits "
			     "without it");
	return true;
}

const char *tui_draft_of(const tui_draft *d, int64_t id)
{
	return d->text && d->id == id ? d->text : NULL;
}

void tui_draft_free(tui_draft *d)
{
	free(d->text);
	*d = (tui_draft){0};
}
