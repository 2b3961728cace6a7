/* edbuf.c — the editor's pure model, part one: the text and its layout,
 * cluster boundaries, and cursor moves (by cluster, word, line, display
 * line with a goal column). No curses here, so it is unit-tested alone. */
#include <stdlib.h>
#include <string.h>

#include "editor.h"
#include "edbuf_int.h"

int tui_edbuf_init(tui_edbuf *b, const char *s, size_t n, int width)
{
	*b = (tui_edbuf){.goal = -1, .width = width < 1 ? 1 : width};
	size_t len;
	char *fixed = text_utf8_repair(s ? s : "", s ? n : 0, &len);
	if (!fixed)
		return ASSAY_ENOMEM;
	int rc = abuf_append(&b->text, fixed, len);
	if (rc < 0) {
		free(fixed);
		return rc;
	}
	b->orig = fixed;
	b->orig_len = len;
	return ASSAY_OK;
}

void tui_edbuf_free(tui_edbuf *b)
{
	abuf_free(&b->text);
	text_cells_free(&b->cells);
	text_lines_free(&b->lines);
	free(b->orig);
	edbuf_undo_clear(b);
	free(b->undo);
	*b = (tui_edbuf){.goal = -1, .width = 1};
}

const char *tui_edbuf_text(const tui_edbuf *b, size_t *len)
{
	if (len)
		*len = b->text.len;
	return b->text.data ? b->text.data : "";
}

bool tui_edbuf_changed(const tui_edbuf *b)
{
	return b->text.len != b->orig_len ||
	       (b->text.len && memcmp(b->text.data, b->orig, b->text.len) != 0);
}

void tui_edbuf_set_width(tui_edbuf *b, int width)
{
	if (width < 1)
		width = 1;
	if (width != b->width) {
		b->width = width;
		b->layout_ok = false;
	}
}

int tui_edbuf_layout(tui_edbuf *b)
{
	if (b->layout_ok)
		return ASSAY_OK;
	const char *s = tui_edbuf_text(b, NULL);
	int rc = text_cells_build(s, b->text.len, &b->cells);
	if (rc == ASSAY_OK)
		rc = text_wrap(s, &b->cells, b->width, &b->lines);
	b->layout_ok = rc == ASSAY_OK;
	return rc;
}

/* ---- Cluster boundaries --------------------------------------------------- */

/* A position at or before x that is surely a cluster boundary: the start of
 * the text, just after a newline, or a printable ASCII character that
 * follows an ASCII byte (nothing joins those). Keeps boundary searches
 * local instead of walking from the start of a 100k-character line. */
static size_t safe_start(const char *s, size_t x)
{
	for (size_t p = x; p > 0; p--) {
		unsigned char prev = (unsigned char)s[p - 1], c = (unsigned char)s[p];
		if (prev == '\n')
			return p;
		if (c >= 0x20 && c < 0x7F && prev < 0x80)
			return p;
	}
	return 0;
}

size_t edbuf_next(const tui_edbuf *b, size_t off)
{
	return text_grapheme_next(tui_edbuf_text(b, NULL), b->text.len, off);
}

/* The last cluster boundary at or before off. */
size_t edbuf_snap_back(const tui_edbuf *b, size_t off)
{
	if (off >= b->text.len)
		return b->text.len;
	const char *s = tui_edbuf_text(b, NULL);
	size_t p = safe_start(s, off);
	for (;;) {
		size_t q = text_grapheme_next(s, b->text.len, p);
		if (q > off || q == p)
			return p;
		p = q;
	}
}

/* The first cluster boundary at or after off. */
size_t edbuf_snap_fwd(const tui_edbuf *b, size_t off)
{
	size_t p = edbuf_snap_back(b, off);
	return p == off ? off : edbuf_next(b, p);
}

/* The cluster boundary before off (off > 0). */
size_t edbuf_prev(const tui_edbuf *b, size_t off)
{
	if (off == 0)
		return 0;
	return edbuf_snap_back(b, off - 1);
}

/* Start of the line holding off: just after the previous LF (a CRLF ends
 * in one). A bare CR is inside the line: the screen shows it as ^M there
 * and text_wrap does not break at it. */
size_t edbuf_line_start(const tui_edbuf *b, size_t off)
{
	const char *s = tui_edbuf_text(b, NULL);
	while (off > 0 && s[off - 1] != '\n')
		off--;
	return off;
}

/* End of the line holding off: at its LF or CRLF, or the text's end. */
size_t edbuf_line_end(const tui_edbuf *b, size_t off)
{
	const char *s = tui_edbuf_text(b, NULL);
	while (off < b->text.len && s[off] != '\n' &&
	       !(s[off] == '\r' && off + 1 < b->text.len && s[off + 1] == '\n'))
		off++;
	return off;
}

/* ---- Moves ---------------------------------------------------------------- */

/* Every move but a vertical one forgets the goal column and ends a run of
 * typing for undo. */
static void moved(tui_edbuf *b, size_t off)
{
	b->cur = off;
	b->goal = -1;
	b->last_edit = EDBUF_EDIT_NONE;
}

void tui_edbuf_set_cursor(tui_edbuf *b, size_t off)
{
	moved(b, edbuf_snap_back(b, off));
}

void tui_edbuf_left(tui_edbuf *b)
{
	moved(b, edbuf_prev(b, b->cur));
}

void tui_edbuf_right(tui_edbuf *b)
{
	moved(b, edbuf_next(b, b->cur));
}

void tui_edbuf_word_left(tui_edbuf *b)
{
	size_t p = text_word_prev(tui_edbuf_text(b, NULL), b->text.len, b->cur);
	moved(b, edbuf_snap_back(b, p));
}

void tui_edbuf_word_right(tui_edbuf *b)
{
	size_t p = text_word_next(tui_edbuf_text(b, NULL), b->text.len, b->cur);
	moved(b, edbuf_snap_fwd(b, p));
}

void tui_edbuf_home(tui_edbuf *b)
{
	moved(b, edbuf_line_start(b, b->cur));
}

void tui_edbuf_end(tui_edbuf *b)
{
	moved(b, edbuf_line_end(b, b->cur));
}

void tui_edbuf_top(tui_edbuf *b)
{
	moved(b, 0);
}

void tui_edbuf_bottom(tui_edbuf *b)
{
	moved(b, b->text.len);
}

/* Index of the first cell at or after byte offset off. */
static size_t cell_at(const tui_edbuf *b, size_t off)
{
	size_t lo = 0, hi = b->cells.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->cells.v[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the display line holding cell k (the last line starting at or
 * before it, so a cell that begins a wrapped line belongs to that line). */
static size_t line_of(const tui_edbuf *b, size_t k)
{
	size_t lo = 0, hi = b->lines.n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->lines.v[mid].first <= k)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static int cols_before(const tui_edbuf *b, const text_line *l, size_t k)
{
	int col = 0;
	for (size_t i = l->first; i < k && i < l->end; i++)
		col += b->cells.v[i].width;
	return col;
}

int tui_edbuf_cursor_pos(tui_edbuf *b, size_t *row, int *col)
{
	int rc = tui_edbuf_layout(b);
	if (rc < 0)
		return rc;
	size_t k = cell_at(b, b->cur);
	size_t r = line_of(b, k);
	*row = r;
	*col = cols_before(b, &b->lines.v[r], k);
	return ASSAY_OK;
}

void tui_edbuf_vertical(tui_edbuf *b, long delta)
{
	size_t row;
	int col;
	if (tui_edbuf_cursor_pos(b, &row, &col) < 0)
		return;
	if (b->goal < 0)
		b->goal = col;
	b->last_edit = EDBUF_EDIT_NONE;
	long target = (long)row + delta;
	if (target < 0)
		target = 0;
	if (target >= (long)b->lines.n)
		target = (long)b->lines.n - 1;
	if ((size_t)target == row)
		return;
	const text_line *l = &b->lines.v[target];
	/* The cursor may not sit after a line's last cell unless that is the
	 * end of the text: there it would belong to the next display line. */
	size_t lim = (size_t)target + 1 == b->lines.n || l->end == l->first ? l->end : l->end - 1;
	size_t k = l->first;
	int x = 0;
	while (k < lim && x + b->cells.v[k].width <= b->goal)
		x += b->cells.v[k++].width;
	b->cur = k < b->cells.n ? b->cells.v[k].off : b->text.len;
}
