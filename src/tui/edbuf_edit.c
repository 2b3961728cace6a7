/* edbuf_edit.c — the editor's pure model, part two: edits (typing, paste
 * cleaning, deleting by cluster, word and line) and undo by snapshots. */
#include <stdlib.h>
#include <string.h>

#include "editor.h"
#include "edbuf_int.h"

#define UNDO_MAX_STEPS 256
#define UNDO_MAX_BYTES (16u << 20)

void edbuf_undo_clear(tui_edbuf *b)
{
	for (size_t i = 0; i < b->undo_n; i++)
		free(b->undo[i].text);
	b->undo_n = 0;
	b->undo_bytes = 0;
}

static void undo_drop_oldest(tui_edbuf *b)
{
	b->undo_bytes -= b->undo[0].len;
	free(b->undo[0].text);
	memmove(b->undo, b->undo + 1, (b->undo_n - 1) * sizeof *b->undo);
	b->undo_n--;
}

/* Saves the text before an edit of this kind, unless it continues a run
 * of the same kind (typing, backspacing) that one undo step covers. Undo
 * is best effort: when memory is short the step is simply not kept. */
static void undo_prepare(tui_edbuf *b, int kind)
{
	bool same_run = kind != EDBUF_EDIT_OTHER && kind == b->last_edit;
	b->last_edit = kind;
	if (same_run)
		return;
	if (b->text.len > UNDO_MAX_BYTES) {
		edbuf_undo_clear(b);
		return;
	}
	while (b->undo_n &&
	       (b->undo_n >= UNDO_MAX_STEPS || b->undo_bytes + b->text.len > UNDO_MAX_BYTES))
		undo_drop_oldest(b);
	if (ASSAY_GROW(b->undo, b->undo_n + 1, b->undo_cap, 16) < 0)
		return;
	char *copy = assay_strndup(tui_edbuf_text(b, NULL), b->text.len);
	if (!copy)
		return;
	b->undo[b->undo_n++] = (struct tui_edbuf_undo){copy, b->text.len, b->cur};
	b->undo_bytes += b->text.len;
}

int tui_edbuf_undo(tui_edbuf *b)
{
	if (b->undo_n == 0)
		return ASSAY_ECONFLICT;
	struct tui_edbuf_undo *u = &b->undo[b->undo_n - 1];
	abuf_reset(&b->text);
	if (abuf_append(&b->text, u->text, u->len) < 0)
		return ASSAY_ENOMEM;
	b->cur = u->cur;
	b->undo_bytes -= u->len;
	free(u->text);
	b->undo_n--;
	b->layout_ok = false;
	b->goal = -1;
	b->last_edit = EDBUF_EDIT_NONE;
	return ASSAY_OK;
}

/* Replaces text[a, z) by ins[0..n) (valid UTF-8). */
static int splice(tui_edbuf *b, size_t a, size_t z, const char *ins, size_t n)
{
	if (n > z - a && abuf_reserve(&b->text, n - (z - a)) < 0)
		return ASSAY_ENOMEM;
	char *s = b->text.data;
	memmove(s + a + n, s + z, b->text.len - z + 1);
	memcpy(s + a, ins, n);
	b->text.len = b->text.len - (z - a) + n;
	b->layout_ok = false;
	b->goal = -1;
	return ASSAY_OK;
}

/* Deletes text[a, z) and leaves the cursor at a; what remains may join
 * into one cluster across the cut (a mark after a deleted tab joins the
 * letter before), so the cursor is moved back to a boundary. */
static int delete_range(tui_edbuf *b, size_t a, size_t z, int kind)
{
	if (a >= z)
		return ASSAY_OK;
	undo_prepare(b, kind);
	int rc = splice(b, a, z, "", 0);
	if (rc == ASSAY_OK)
		b->cur = edbuf_snap_back(b, a);
	return rc;
}

/* Inserts valid UTF-8 at the cursor; the cursor goes after it, forward to
 * a boundary (typing a letter before a combining mark makes one cluster). */
static int insert_valid(tui_edbuf *b, const char *s, size_t n, int kind)
{
	if (n == 0)
		return ASSAY_OK;
	undo_prepare(b, kind);
	int rc = splice(b, b->cur, b->cur, s, n);
	if (rc == ASSAY_OK)
		b->cur = edbuf_snap_fwd(b, b->cur + n);
	return rc;
}

int tui_edbuf_insert(tui_edbuf *b, const char *s, size_t n)
{
	size_t len;
	char *fixed = text_utf8_repair(s, n, &len);
	if (!fixed)
		return ASSAY_ENOMEM;
	int rc = insert_valid(b, fixed, len, EDBUF_EDIT_OTHER);
	free(fixed);
	return rc;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

int tui_edbuf_insert_cp(tui_edbuf *b, uint32_t cp)
{
	if (is_control(cp) && cp != '\n' && cp != '\t')
		return ASSAY_OK;
	char enc[4];
	size_t n = text_utf8_encode(cp, enc);
	if (n == 0)
		return ASSAY_OK;
	return insert_valid(b, enc, n, cp == '\n' ? EDBUF_EDIT_OTHER : EDBUF_EDIT_TYPE);
}

/* Cleans pasted bytes into out: CRLF and CR to LF, controls but LF and TAB
 * dropped, invalid UTF-8 to U+FFFD. */
static int clean_paste(const char *s, size_t n, abuf *out)
{
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		bool ok;
		size_t len = text_utf8_next(s + i, n - i, &cp, &ok);
		int rc = ASSAY_OK;
		if (!ok) {
			rc = abuf_append(out, "\xEF\xBF\xBD", 3);
		} else if (cp == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				len = 2;
			rc = abuf_putc(out, '\n');
		} else if (!is_control(cp) || cp == '\n' || cp == '\t') {
			rc = abuf_append(out, s + i, len);
		}
		if (rc < 0)
			return rc;
		i += len;
	}
	return ASSAY_OK;
}

int tui_edbuf_paste(tui_edbuf *b, const char *s, size_t n)
{
	abuf clean = {0};
	int rc = clean_paste(s, n, &clean);
	if (rc == ASSAY_OK)
		rc = insert_valid(b, clean.data, clean.len, EDBUF_EDIT_OTHER);
	abuf_free(&clean);
	return rc;
}

int tui_edbuf_backspace(tui_edbuf *b)
{
	return delete_range(b, edbuf_prev(b, b->cur), b->cur, EDBUF_EDIT_BACKSPACE);
}

int tui_edbuf_delete(tui_edbuf *b)
{
	return delete_range(b, b->cur, edbuf_next(b, b->cur), EDBUF_EDIT_DELETE);
}

int tui_edbuf_kill_word(tui_edbuf *b)
{
	size_t p = text_word_prev(tui_edbuf_text(b, NULL), b->text.len, b->cur);
	return delete_range(b, edbuf_snap_back(b, p), b->cur, EDBUF_EDIT_OTHER);
}

int tui_edbuf_kill_word_next(tui_edbuf *b)
{
	size_t p = text_word_next(tui_edbuf_text(b, NULL), b->text.len, b->cur);
	return delete_range(b, b->cur, edbuf_snap_fwd(b, p), EDBUF_EDIT_OTHER);
}

int tui_edbuf_kill_end(tui_edbuf *b)
{
	size_t e = edbuf_line_end(b, b->cur);
	if (e == b->cur)
		e = edbuf_next(b, b->cur);
	return delete_range(b, b->cur, e, EDBUF_EDIT_OTHER);
}

int tui_edbuf_kill_start(tui_edbuf *b)
{
	size_t h = edbuf_line_start(b, b->cur);
	if (h == b->cur)
		h = edbuf_prev(b, b->cur);
	return delete_range(b, h, b->cur, EDBUF_EDIT_OTHER);
}
