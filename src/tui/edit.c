/* edit.c — the built-in editor over the whole screen (or below a few rows
 * its owner keeps) as a view, and the draft an edit the store refused is
 * kept in. */
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
	int (*band)(tui_view *owner); /* rows kept above for the owner */
	tui_editor_host host;
} full_screen;

static int band_rows(const full_screen *fs)
{
	int k = fs->band ? fs->band(fs->owner) : 0;
	return k > 0 && LINES - k >= EDITOR_MIN_ROWS ? k : 0;
}

/* The window follows the screen, below the owner's rows. */
static int full_screen_resize(void *ctx, WINDOW **win)
{
	full_screen *fs = ctx;
	int k = band_rows(fs);
	wresize(fs->win, LINES - k, COLS);
	mvwin(fs->win, k, 0);
	*win = fs->win;
	return 0;
}

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
	return tui_edit_below(owner, NULL, title, text, done);
}

bool tui_edit_below(tui_view *owner, int (*band)(tui_view *owner), const char *title,
		    const char *text, tui_edit_done done)
{
	tui_base *b = owner->base;
	assay_error err = {0};
	full_screen *fs = calloc(1, sizeof *fs);
	if (fs)
		*fs = (full_screen){.owner = owner, .done = done, .band = band};
	int k = fs ? band_rows(fs) : 0;
	WINDOW *win = fs ? newwin(LINES - k, COLS, k, 0) : NULL;
	if (!win) {
		free(fs);
		tui_message(b, true, "no room for the editor's window");
		return false;
	}
	fs->win = win;
	fs->host = (tui_editor_host){.resize = full_screen_resize, .ctx = fs};
	tui_editor_theme th = {
		.text = b->attr[CONF_ROLE_SAMPLE_TEXT],
		.placeholder = b->attr[CONF_ROLE_SAMPLE_PLACEHOLDER],
		.title = b->attr[CONF_ROLE_STATUS_BAR],
		.status = b->attr[CONF_ROLE_FOOTER_TEXT],
		.prompt = b->attr[CONF_ROLE_DIALOG],
	};
	if (editor_push(b, win, title, text, strlen(text), &th, &fs->host, &fs->view,
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
