/* dialogs.c — the small modal pieces of the review screen: a one-line
 * prompt (notes, ids, searches, free-text reasons), the reason picker and
 * the help overlay generated from the key table. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "app.h"
#include "assay/tui_editor.h"

const char *const tui_default_reasons[] = {
	"hallucination", "factual error", "missing detail", "repetition", "formatting",
	"bias or unsafe", "refusal or meta-commentary", "duplicate", "other",
};
const size_t tui_n_default_reasons = ASSAY_ARRAY_LEN(tui_default_reasons);

/* A key from win, keeping the lease on the sample while waiting. */
static int wait_key(app *a, WINDOW *win)
{
	wtimeout(win, 1000);
	int ch;
	while ((ch = wgetch(win)) == ERR)
		tui_keep_lease(a);
	tui_keep_lease(a);
	return ch;
}

/* A bordered window centred on the screen. */
static WINDOW *box_window(app *a, int h, int w)
{
	if (h > LINES)
		h = LINES;
	if (w > COLS)
		w = COLS;
	WINDOW *win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
	if (!win)
		return NULL;
	wbkgd(win, a->attr[CONF_ROLE_DIALOG]);
	werase(win);
	box(win, 0, 0);
	keypad(win, TRUE);
	return win;
}

char *tui_prompt(app *a, const char *label, const char *initial)
{
	abuf text = {0};
	if (initial)
		abuf_puts(&text, initial);
	curs_set(1);
	timeout(1000);
	char *result = NULL;
	for (;;) {
		int y = LINES - 2;
		attrset(a->attr[CONF_ROLE_DIALOG]);
		mvhline(y, 0, ' ', COLS);
		attrset(A_NORMAL);
		int lw = tui_draw_text(stdscr, y, 1, COLS - 2, label, strlen(label),
				       a->attr[CONF_ROLE_DIALOG], a->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
		int room = COLS - 3 - lw;
		const char *s = text.data ? text.data : "";
		/* show the end of the text when it is wider than the room */
		size_t from = 0;
		while (room > 0 && text_width(s + from, text.len - from) > (size_t)room - 1)
			from = text_grapheme_next(s, text.len, from);
		int tw = tui_draw_text(stdscr, y, 2 + lw, room, s + from, text.len - from,
				       a->attr[CONF_ROLE_DIALOG], a->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
		move(y, 2 + lw + (tw > 0 ? tw : 0));
		refresh();
		wint_t ch;
		int kind = get_wch(&ch);
		tui_keep_lease(a);
		if (kind == ERR)
			continue;
		if (kind == KEY_CODE_YES) {
			if (ch == KEY_BACKSPACE && text.len) {
				text.len = text_grapheme_prev(text.data, text.len, text.len);
				text.data[text.len] = '\0';
			} else if (ch == KEY_ENTER) {
				break;
			} else if (ch == KEY_RESIZE) {
				tui_draw(a);
			}
			continue;
		}
		if (ch == 27) { /* Esc */
			abuf_free(&text);
			curs_set(0);
			return NULL;
		}
		if (ch == '\r' || ch == '\n')
			break;
		if ((ch == 127 || ch == 8) && text.len) {
			text.len = text_grapheme_prev(text.data, text.len, text.len);
			text.data[text.len] = '\0';
		} else if (ch == 21) { /* Ctrl-U */
			abuf_reset(&text);
		} else if (ch >= 0x20 && ch != 127 && text.len < 4000) {
			char enc[4];
			size_t n = text_utf8_encode((uint32_t)ch, enc);
			if (n)
				abuf_append(&text, enc, n);
		}
	}
	curs_set(0);
	result = abuf_take(&text);
	if (result && !*result) {
		free(result);
		result = NULL;
	}
	return result;
}

char *tui_pick_reason(app *a)
{
	int h = (int)a->n_reasons + 4, w = 44;
	for (;;) {
		WINDOW *win = box_window(a, h, w);
		if (!win)
			return NULL;
		mvwaddstr(win, 0, 2, " reject: why? ");
		for (size_t i = 0; i < a->n_reasons && (int)i + 2 < h - 1; i++) {
			char line[128];
			snprintf(line, sizeof line, "%zu  ", i + 1 < 10 ? i + 1 : 0);
			mvwaddstr(win, (int)i + 1, 2, line);
			tui_draw_text(win, (int)i + 1, 5, w - 7, a->reasons[i], strlen(a->reasons[i]),
				      a->attr[CONF_ROLE_DIALOG], a->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
		}
		mvwaddstr(win, h - 2, 2, "digit: pick   Esc: cancel");
		wrefresh(win);
		int ch = wait_key(a, win);
		delwin(win);
		touchwin(stdscr);
		if (ch == 27)
			return NULL;
		if (ch == KEY_RESIZE) {
			tui_draw(a);
			continue;
		}
		if (ch < '0' || ch > '9')
			continue;
		size_t k = ch == '0' ? 9 : (size_t)(ch - '1');
		if (k >= a->n_reasons)
			continue;
		if (strcmp(a->reasons[k], "other") == 0) {
			tui_draw(a);
			char *t = tui_prompt(a, "other reason:", NULL);
			if (!t)
				return NULL;
			char *r = malloc(strlen(t) + 8);
			if (r)
				sprintf(r, "other: %s", t);
			free(t);
			return r;
		}
		return assay_strdup(a->reasons[k]);
	}
}

void tui_help(app *a)
{
	/* a read-only review lists only the keys that work there */
	size_t shown[64], n = 0;
	for (size_t i = 0; i < tui_n_keys && n < ASSAY_ARRAY_LEN(shown); i++)
		if (!a->o->only || tui_key_browses(&tui_keys[i]))
			shown[n++] = i;
	for (;;) {
		/* as many columns of keys as the height needs */
		int rows = LINES - 4 < (int)n ? LINES - 4 : (int)n;
		if (rows < 1)
			rows = 1;
		int cols = ((int)n + rows - 1) / rows, colw = 50;
		int h = rows + 3, w = cols * colw + 3;
		WINDOW *win = box_window(a, h, w);
		if (!win)
			return;
		wattron(win, a->attr[CONF_ROLE_HELP_TITLE]);
		mvwaddstr(win, 0, 2, a->o->only ? " keys (read-only) " : " keys ");
		wattroff(win, a->attr[CONF_ROLE_HELP_TITLE]);
		for (size_t k = 0; k < n; k++) {
			const tui_key *key = &tui_keys[shown[k]];
			int y = (int)k % rows + 1, x = 2 + (int)k / rows * colw;
			mvwaddnstr(win, y, x, key->label, 10);
			mvwaddnstr(win, y, x + 11, key->help, colw - 13);
		}
		mvwaddstr(win, h - 2, 2, "press any key to close");
		wrefresh(win);
		int ch = wait_key(a, win);
		delwin(win);
		touchwin(stdscr);
		if (ch == KEY_RESIZE) {
			tui_draw(a);
			continue;
		}
		return;
	}
}
