/* editor_draw.c — drawing the editor's window (its text cell by cell
 * through draw.h). */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "draw.h"
#include "editor_int.h"

int editor_text_rows(const editor *ed)
{
	int h = getmaxy(ed->win);
	return h - 2 > 1 ? h - 2 : 1;
}

/* Fills row y with spaces in attribute a. */
static void blank_row(WINDOW *win, int y, attr_t a)
{
	wattrset(win, a);
	wmove(win, y, 0);
	for (int x = getmaxx(win); x > 0; x--)
		waddch(win, ' ' | a);
}

static void draw_title(editor *ed, int w)
{
	blank_row(ed->win, 0, ed->th.title);
	int x = 1;
	if (ed->title)
		x += tui_draw_text(ed->win, 0, x, w - 12, ed->title, strlen(ed->title),
				   ed->th.title, ed->th.title);
	if (tui_edbuf_changed(&ed->buf))
		tui_draw_text(ed->win, 0, x, w - x, " [modified]", 11, ed->th.title, ed->th.title);
}

/* What F1 lists: every key editor.c's tables bind. */
const tui_key editor_keys[] = {
	{0, 0, "Ctrl-S F2", "save", NULL, 0},
	{0, 0, "Esc", "cancel (asks when changed)", NULL, 0},
	{0, 0, "Ctrl-Z", "undo (Ctrl-_ too)", NULL, 0},
	{0, 0, "arrows", "move; Ctrl-B/F/P/N too", NULL, 0},
	{0, 0, "Home End", "line start / end; Ctrl-A / Ctrl-E too", NULL, 0},
	{0, 0, "Ctrl-Left", "word left / right (Alt-b, Alt-f)", NULL, 0},
	{0, 0, "PgUp PgDn", "page up / down", NULL, 0},
	{0, 0, "Alt-< Alt->", "start / end of the text", NULL, 0},
	{0, 0, "Backspace", "delete the character before", NULL, 0},
	{0, 0, "Delete", "delete the character after (Ctrl-D)", NULL, 0},
	{0, 0, "Ctrl-W", "delete the word before (Alt-Backspace)", NULL, 0},
	{0, 0, "Alt-D", "delete the next word (Ctrl-Delete)", NULL, 0},
	{0, 0, "Ctrl-K", "delete to the line end (joins at it)", NULL, 0},
	{0, 0, "Ctrl-U", "delete to the line start (joins at it)", NULL, 0},
	{0, 0, "Ctrl-L", "redraw", NULL, 0},
	{0, 0, "F1 Alt-?", "this list", NULL, 0},
};
const size_t editor_n_keys = ASSAY_ARRAY_LEN(editor_keys);

/* Index of the first cell at or after byte offset off. */
static size_t cell_index(const editor *ed, size_t off)
{
	size_t lo = 0, hi = ed->buf.cells.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ed->buf.cells.v[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The cursor's place in the text, not on the screen: its line (1-based,
 * counted by LF) and its column (1-based, in the cells of that line as
 * the layout has them). */
static void cursor_place(const editor *ed, size_t *line, size_t *col)
{
	const char *s = tui_edbuf_text(&ed->buf, NULL);
	size_t cur = ed->buf.cur, start = 0;
	*line = 1;
	for (const char *p = s; (p = memchr(p, '\n', cur - (size_t)(p - s))); p++) {
		(*line)++;
		start = (size_t)(p - s) + 1;
	}
	*col = cell_index(ed, cur) - cell_index(ed, start) + 1;
}

static void draw_status(editor *ed, int y, int w)
{
	blank_row(ed->win, y, ed->th.status);
	if (ed->confirm) {
		const char *q = "Discard changes? (y/n)";
		tui_draw_text(ed->win, y, 1, w - 2, q, strlen(q), ed->th.prompt, ed->th.prompt);
		return;
	}
	char pos[64];
	size_t line, col;
	cursor_place(ed, &line, &col);
	int pn = snprintf(pos, sizeof pos, "Ln %zu, Col %zu", line, col);
	const char *left = ed->note ? ed->note : "^S save  Esc cancel  ^Z undo  F1 all keys";
	int room = w - 2 - (pn + 2 < w / 2 ? pn + 2 : 0);
	tui_draw_text(ed->win, y, 1, room, left, strlen(left), ed->th.status, ed->th.status);
	if (pn + 2 < w / 2)
		tui_draw_text(ed->win, y, w - 1 - pn, pn, pos, (size_t)pn, ed->th.status,
			      ed->th.status);
}

/* Keeps the cursor's display line within the rows shown, and the rows
 * filled when the text got shorter. */
static void scroll_to(editor *ed, size_t row, int rows)
{
	size_t n = ed->buf.lines.n;
	if (ed->top + (size_t)rows > n)
		ed->top = n > (size_t)rows ? n - (size_t)rows : 0;
	if (row < ed->top)
		ed->top = row;
	if (row >= ed->top + (size_t)rows)
		ed->top = row - (size_t)rows + 1;
}

static void draw_line(editor *ed, int y, const text_line *l, int tw)
{
	const char *s = tui_edbuf_text(&ed->buf, NULL);
	int x = 0;
	wmove(ed->win, y, 0);
	for (size_t i = l->first; i < l->end && x < tw; i++) {
		const text_cell *c = &ed->buf.cells.v[i];
		if (c->kind == TEXT_NEWLINE)
			break;
		x += tui_draw_cell(ed->win, y, x, tw - x, s, c, ed->th.text, ed->th.placeholder);
	}
}

static void draw_small(editor *ed, int w)
{
	werase(ed->win);
	const char *m = "terminal too small";
	tui_draw_text(ed->win, 0, 0, w, m, strlen(m), ed->th.status, ed->th.status);
	wnoutrefresh(ed->win);
}

void editor_draw(editor *ed)
{
	int h, w;
	getmaxyx(ed->win, h, w);
	if (h < EDITOR_MIN_ROWS || w < EDITOR_MIN_COLS) {
		draw_small(ed, w);
		return;
	}
	int rows = h - 2, tw = w - 1;
	size_t row;
	int col;
	/* One column stays free so the cursor fits after a full line. */
	tui_edbuf_set_width(&ed->buf, tw);
	if (tui_edbuf_cursor_pos(&ed->buf, &row, &col) < 0) {
		draw_small(ed, w);
		return;
	}
	scroll_to(ed, row, rows);
	werase(ed->win);
	draw_title(ed, w);
	wattrset(ed->win, ed->th.text);
	for (int r = 0; r < rows; r++) {
		blank_row(ed->win, 1 + r, ed->th.text);
		if (ed->top + (size_t)r < ed->buf.lines.n)
			draw_line(ed, 1 + r, &ed->buf.lines.v[ed->top + (size_t)r], tw);
	}
	draw_status(ed, h - 1, w);
	wattrset(ed->win, A_NORMAL);
	wmove(ed->win, 1 + (int)(row - ed->top), col < tw ? col : tw);
	wnoutrefresh(ed->win);
}
