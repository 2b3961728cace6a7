/* audit_ui.c — pieces the lead's views share: the terminal set-up, drawing
 * untrusted text in a role, the footer and help overlay of a key table, and
 * a document of wrapped text with a role per byte (the conflicts view's
 * verdicts and word diffs). */
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "assay/tui_editor.h"
#include "audit_int.h"

int tui_view_open(SCREEN **scr, assay_error *err)
{
	*scr = newterm(NULL, stdout, stdin);
	if (!*scr)
		return assay_fail(err, ASSAY_EIO, "cannot open the terminal (is TERM set?)");
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	timeout(1000);
	return ASSAY_OK;
}

void tui_view_close(SCREEN *scr)
{
	endwin();
	fflush(stdout);
	delscreen(scr);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

bool tui_view_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

int tui_view_put(app *a, int y, int x, int w, const char *s, int role)
{
	if (w <= 0 || !s || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	int n = tui_draw_text(stdscr, y, x, w, s, strlen(s), a->attr[role],
			      a->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
	return n < 0 ? 0 : n;
}

void tui_view_fill(app *a, int y, int role)
{
	attrset(a->attr[role]);
	mvhline(y, 0, ' ', COLS);
	attrset(A_NORMAL);
}

void tui_view_too_small(app *a)
{
	erase();
	char msg[96];
	snprintf(msg, sizeof msg, "terminal too small: %dx%d (need at least %dx%d)", COLS, LINES,
		 TUI_VIEW_MIN_W, TUI_VIEW_MIN_H);
	int w = (int)strlen(msg) < COLS ? (int)strlen(msg) : COLS;
	tui_view_put(a, LINES / 2, (COLS - w) / 2 > 0 ? (COLS - w) / 2 : 0, COLS, msg,
		     CONF_ROLE_ERROR);
	refresh();
}

void tui_view_footer(app *a, int y, const tui_key *keys, size_t n)
{
	tui_view_fill(a, y, CONF_ROLE_FOOTER_TEXT);
	int x = 1;
	for (size_t i = 0; i < n && x < COLS - 2; i++) {
		if (!keys[i].hint)
			continue;
		x += tui_view_put(a, y, x, COLS - x - 1, keys[i].label, CONF_ROLE_FOOTER_KEY) + 1;
		x += tui_view_put(a, y, x, COLS - x - 1, keys[i].help, CONF_ROLE_FOOTER_TEXT) + 2;
	}
}

void tui_view_help(app *a, const char *title, const tui_key *keys, size_t n)
{
	for (;;) {
		int h = (int)n + 4 < LINES ? (int)n + 4 : LINES, w = 60 < COLS ? 60 : COLS;
		WINDOW *win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
		if (!win)
			return;
		wbkgd(win, a->attr[CONF_ROLE_DIALOG]);
		werase(win);
		box(win, 0, 0);
		keypad(win, TRUE);
		wattron(win, a->attr[CONF_ROLE_HELP_TITLE]);
		mvwaddnstr(win, 0, 2, title, w - 4);
		wattroff(win, a->attr[CONF_ROLE_HELP_TITLE]);
		for (size_t i = 0; i < n && (int)i + 2 < h - 1; i++) {
			mvwaddnstr(win, (int)i + 1, 2, keys[i].label, 12);
			mvwaddnstr(win, (int)i + 1, 15, keys[i].help, w - 17);
		}
		mvwaddnstr(win, h - 2, 2, "press any key to close", w - 4);
		wrefresh(win);
		int ch;
		while ((ch = wgetch(win)) == ERR)
			;
		delwin(win);
		touchwin(stdscr);
		if (ch == KEY_RESIZE) {
			if (a->redraw)
				a->redraw(a);
			continue;
		}
		return;
	}
}

bool tui_view_dispatch(app *a, const tui_key *keys, size_t n, int key)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i].key == key || (keys[i].alt && keys[i].alt == key)) {
			keys[i].fn(a);
			return true;
		}
	return false;
}

/* ---- The document ------------------------------------------------------- */

void tui_doc_reset(tui_doc *d)
{
	abuf_reset(&d->text);
	d->width = 0;
}

void tui_doc_free(tui_doc *d)
{
	abuf_free(&d->text);
	free(d->roles);
	text_cells_free(&d->cells);
	text_lines_free(&d->lines);
	*d = (tui_doc){0};
}

void tui_doc_add(tui_doc *d, const char *s, size_t n, int role)
{
	size_t at = d->text.len;
	if (abuf_append(&d->text, s, n) < 0)
		return;
	if (d->roles_cap < d->text.len + 1) {
		size_t cap = (d->text.len + 1) * 2;
		unsigned char *r = realloc(d->roles, cap);
		if (!r) {
			d->text.len = at;
			return;
		}
		d->roles = r;
		d->roles_cap = cap;
	}
	memset(d->roles + at, role, n);
	d->width = 0;
}

void tui_doc_line(tui_doc *d, const char *s, int role)
{
	size_t at = d->text.len;
	tui_doc_add(d, s, strlen(s), role);
	for (size_t i = at; i < d->text.len; i++)
		if (d->text.data[i] == '\n' || d->text.data[i] == '\r')
			d->text.data[i] = ' ';
	/* U+2028 and U+2029 break lines too */
	for (size_t i = at; i + 2 < d->text.len; i++)
		if ((unsigned char)d->text.data[i] == 0xe2 &&
		    (unsigned char)d->text.data[i + 1] == 0x80 &&
		    ((unsigned char)d->text.data[i + 2] == 0xa8 ||
		     (unsigned char)d->text.data[i + 2] == 0xa9))
			memset(d->text.data + i, ' ', 3);
	tui_doc_add(d, "\n", 1, role);
}

void tui_doc_diff(tui_doc *d, const char *orig, const char *edit)
{
	text_diff df = {0};
	if (text_word_diff(orig, strlen(orig), edit, strlen(edit), &df) < 0) {
		tui_doc_add(d, edit, strlen(edit), CONF_ROLE_SAMPLE_TEXT);
		text_diff_free(&df);
		return;
	}
	size_t b_at = 0; /* how far into the edit the text has come */
	for (size_t i = 0; i < df.n; i++) {
		const text_diff_chunk *c = &df.v[i];
		if (c->op == TEXT_DIFF_DELETE) {
			if (d->text.len && d->text.data[d->text.len - 1] != ' ' &&
			    d->text.data[d->text.len - 1] != '\n')
				tui_doc_add(d, " ", 1, CONF_ROLE_SAMPLE_TEXT);
			tui_doc_add(d, orig + c->off, c->len, CONF_ROLE_DIFF_REMOVED);
			tui_doc_add(d, " ", 1, CONF_ROLE_SAMPLE_TEXT);
			continue;
		}
		/* the edit's white space between chunks (after a removed chunk's
		 * space, a single space is already there) */
		if (c->off > b_at && !(d->text.len && d->text.data[d->text.len - 1] == ' ' &&
				       strspn(edit + b_at, " ") == c->off - b_at))
			tui_doc_add(d, edit + b_at, c->off - b_at, CONF_ROLE_SAMPLE_TEXT);
		tui_doc_add(d, edit + c->off, c->len,
			    c->op == TEXT_DIFF_INSERT ? CONF_ROLE_DIFF_ADDED
						      : CONF_ROLE_SAMPLE_TEXT);
		b_at = c->off + c->len;
	}
	if (b_at < strlen(edit))
		tui_doc_add(d, edit + b_at, strlen(edit) - b_at, CONF_ROLE_SAMPLE_TEXT);
	text_diff_free(&df);
}

void tui_doc_layout(tui_doc *d, int width)
{
	if (width < 1)
		width = 1;
	if (d->width == width)
		return;
	const char *s = d->text.data ? d->text.data : "";
	text_cells_build(s, d->text.len, &d->cells);
	text_wrap(s, &d->cells, width, &d->lines);
	d->width = width;
}

void tui_doc_draw(app *a, tui_doc *d, int y, int x, int rows, int scroll)
{
	for (int r = 0; r < rows && scroll >= 0 && (size_t)(scroll + r) < d->lines.n; r++) {
		const text_line *ln = &d->lines.v[scroll + r];
		int cx = x;
		for (size_t c = ln->first; c < ln->end && cx < x + d->width; c++) {
			const text_cell *cell = &d->cells.v[c];
			if (cell->kind == TEXT_NEWLINE)
				break;
			int role = d->roles ? d->roles[cell->off] : CONF_ROLE_SAMPLE_TEXT;
			cx +=
			    tui_draw_cell(stdscr, y + r, cx, x + d->width - cx, d->text.data, cell,
					  a->attr[role], a->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
		}
	}
}
