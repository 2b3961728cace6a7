/* editor.c — the built-in editor's key loop: reads wide keys, decodes Alt
 * and CSI sequences curses did not (word moves, bracketed paste), maps
 * keys to model actions through one table, handles resize, save, cancel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialogs.h"
#include "editor_int.h"

#define PASTE_ON  "\033[?2004h"
#define PASTE_OFF "\033[?2004l"
#define PASTE_END "\033[201~"
#define PASTE_MAX (64u << 20)
#define CTRL(c)	  ((c)&0x1f)

enum action {
	ACT_NONE = 0,
	ACT_LEFT,
	ACT_RIGHT,
	ACT_UP,
	ACT_DOWN,
	ACT_WORD_LEFT,
	ACT_WORD_RIGHT,
	ACT_HOME,
	ACT_END,
	ACT_TOP,
	ACT_BOTTOM,
	ACT_PAGE_UP,
	ACT_PAGE_DOWN,
	ACT_BACKSPACE,
	ACT_DELETE,
	ACT_KILL_WORD,
	ACT_KILL_WORD_NEXT,
	ACT_KILL_END,
	ACT_KILL_START,
	ACT_NEWLINE,
	ACT_UNDO,
	ACT_REDRAW,
	ACT_SAVE,
	ACT_ESCAPE,
	ACT_RESIZE,
	ACT_PASTE,
	ACT_HELP,
};

/* One row per key: function keys (KEY_*) and characters (controls). */
static const struct keybind {
	bool fkey;
	int code;
	enum action act;
} keymap[] = {
    {true, KEY_LEFT, ACT_LEFT},
    {false, CTRL('B'), ACT_LEFT},
    {true, KEY_RIGHT, ACT_RIGHT},
    {false, CTRL('F'), ACT_RIGHT},
    {true, KEY_UP, ACT_UP},
    {false, CTRL('P'), ACT_UP},
    {true, KEY_DOWN, ACT_DOWN},
    {false, CTRL('N'), ACT_DOWN},
    {true, KEY_HOME, ACT_HOME},
    {false, CTRL('A'), ACT_HOME},
    {true, KEY_END, ACT_END},
    {false, CTRL('E'), ACT_END},
    {true, KEY_SLEFT, ACT_WORD_LEFT},
    {true, KEY_SRIGHT, ACT_WORD_RIGHT},
    {true, KEY_PPAGE, ACT_PAGE_UP},
    {true, KEY_NPAGE, ACT_PAGE_DOWN},
    {true, KEY_BACKSPACE, ACT_BACKSPACE},
    {false, 0x7f, ACT_BACKSPACE},
    {false, CTRL('H'), ACT_BACKSPACE},
    {true, KEY_DC, ACT_DELETE},
    {false, CTRL('D'), ACT_DELETE},
    {false, CTRL('W'), ACT_KILL_WORD},
    {false, CTRL('K'), ACT_KILL_END},
    {false, CTRL('U'), ACT_KILL_START},
    {false, '\r', ACT_NEWLINE},
    {false, '\n', ACT_NEWLINE},
    {true, KEY_ENTER, ACT_NEWLINE},
    {false, CTRL('Z'), ACT_UNDO},
    {false, CTRL('_'), ACT_UNDO},
    {false, CTRL('L'), ACT_REDRAW},
    {false, CTRL('S'), ACT_SAVE},
    {true, KEY_F(2), ACT_SAVE},
    {true, KEY_F(1), ACT_HELP},
    {false, 0x1b, ACT_ESCAPE},
    {true, KEY_RESIZE, ACT_RESIZE},
};

/* Keys after ESC (Alt-key) and CSI sequences curses left undecoded. */
static const struct seqbind {
	const char *seq;
	enum action act;
} seqmap[] = {
    {"b", ACT_WORD_LEFT},
    {"f", ACT_WORD_RIGHT},
    {"B", ACT_WORD_LEFT},
    {"F", ACT_WORD_RIGHT},
    {"d", ACT_KILL_WORD_NEXT},
    {"[3;5~", ACT_KILL_WORD_NEXT},
    {"?", ACT_HELP},
    {"\x7f", ACT_KILL_WORD},
    {"\b", ACT_KILL_WORD},
    {"<", ACT_TOP},
    {">", ACT_BOTTOM},
    {"\x1b", ACT_ESCAPE},
    {"[1;5D", ACT_WORD_LEFT},
    {"[1;5C", ACT_WORD_RIGHT},
    {"[1;3D", ACT_WORD_LEFT},
    {"[1;3C", ACT_WORD_RIGHT},
    {"[1;5H", ACT_TOP},
    {"[1;5F", ACT_BOTTOM},
    {"[200~", ACT_PASTE},
};

/* A key code terminfo gives an extended key (kLFT5 ...), 0 if none. */
static int ext_key(const char *cap)
{
	char *s = tigetstr(cap);
	if (!s || s == (char *)-1)
		return 0;
	int code = key_defined(s);
	return code > 0 ? code : 0;
}

static enum action lookup_key(const editor *ed, bool fkey, wint_t ch)
{
	if (fkey && ch != 0) {
		int c = (int)ch;
		if (c == ed->key_cleft || c == ed->key_aleft)
			return ACT_WORD_LEFT;
		if (c == ed->key_cright || c == ed->key_aright)
			return ACT_WORD_RIGHT;
		if (c == ed->key_paste)
			return ACT_PASTE;
		if (c == ed->key_cdel)
			return ACT_KILL_WORD_NEXT;
	}
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(keymap); i++)
		if (keymap[i].fkey == fkey && (wint_t)keymap[i].code == ch)
			return keymap[i].act;
	return ACT_NONE;
}

/* After ESC: reads what is already queued (an Alt-key or a CSI sequence)
 * without waiting; nothing queued means the Esc key itself. */
static enum action read_escape(editor *ed)
{
	char seq[24];
	size_t n = 0;
	wint_t ch;
	wtimeout(ed->win, 0);
	int r = wget_wch(ed->win, &ch);
	if (r == OK && (ch == '[' || ch == 'O')) {
		seq[n++] = '[';
		wtimeout(ed->win, 20);
		/* parameters and intermediates, then one final byte */
		while (n < sizeof seq - 1 && wget_wch(ed->win, &ch) == OK && ch < 0x80) {
			seq[n++] = (char)ch;
			if (ch >= 0x40 && ch <= 0x7e)
				break;
		}
	} else if (r == OK && ch < 0x80) {
		seq[n++] = (char)ch;
	}
	wtimeout(ed->win, -1);
	if (r == ERR)
		return ACT_ESCAPE;
	seq[n] = '\0';
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(seqmap); i++)
		if (strcmp(seqmap[i].seq, seq) == 0)
			return seqmap[i].act;
	return ACT_NONE;
}

/* Reads a bracketed paste up to ESC[201~ with keypad off (so nothing in it
 * is decoded as a key) and inserts it cleaned. Gives up after a second of
 * silence, in case the end marker was lost. */
static int read_paste(editor *ed, bool *resized)
{
	abuf raw = {0};
	size_t endlen = strlen(PASTE_END);
	int rc = ASSAY_OK;
	keypad(ed->win, FALSE);
	wtimeout(ed->win, 1000);
	for (;;) {
		wint_t ch;
		int r = wget_wch(ed->win, &ch);
		if (r == ERR)
			break;
		if (r == KEY_CODE_YES) {
			*resized |= ch == KEY_RESIZE;
			continue;
		}
		char enc[4];
		size_t n = text_utf8_encode((uint32_t)ch, enc);
		if (raw.len + n > PASTE_MAX) /* keep reading to the end, drop the rest */
			raw.len = raw.len > endlen ? PASTE_MAX - endlen : raw.len;
		if ((rc = abuf_append(&raw, enc, n)) < 0)
			break;
		if (raw.len >= endlen &&
		    memcmp(raw.data + raw.len - endlen, PASTE_END, endlen) == 0) {
			raw.len -= endlen;
			break;
		}
	}
	keypad(ed->win, TRUE);
	wtimeout(ed->win, -1);
	if (rc == ASSAY_OK && raw.len)
		rc = tui_edbuf_paste(&ed->buf, raw.data, raw.len);
	abuf_free(&raw);
	return rc;
}

/* Sends a terminal mode switch. putp writes through stdio, not through
 * curses' own buffer, so flush curses first and stdio right after. */
static void term_mode(const char *seq)
{
	doupdate();
	putp(seq);
	fflush(stdout);
}

/* Lets the host re-lay out its windows, then redraws from scratch. */
static int do_resize(editor *ed)
{
	if (ed->host && ed->host->resize) {
		if (ed->host->resize(ed->host->ctx, &ed->win) != 0)
			return -1;
		keypad(ed->win, TRUE);
	} else if (ed->win != stdscr) {
		wresize(ed->win, LINES, COLS);
		mvwin(ed->win, 0, 0);
	}
	clearok(curscr, TRUE);
	return 0;
}

/* Applies a motion or edit; returns a status (only ENOMEM fails). */
static int apply(editor *ed, enum action act)
{
	tui_edbuf *b = &ed->buf;
	long page = editor_text_rows(ed) > 1 ? editor_text_rows(ed) - 1 : 1;
	switch (act) {
	case ACT_LEFT:
		tui_edbuf_left(b);
		break;
	case ACT_RIGHT:
		tui_edbuf_right(b);
		break;
	case ACT_UP:
		tui_edbuf_vertical(b, -1);
		break;
	case ACT_DOWN:
		tui_edbuf_vertical(b, 1);
		break;
	case ACT_WORD_LEFT:
		tui_edbuf_word_left(b);
		break;
	case ACT_WORD_RIGHT:
		tui_edbuf_word_right(b);
		break;
	case ACT_HOME:
		tui_edbuf_home(b);
		break;
	case ACT_END:
		tui_edbuf_end(b);
		break;
	case ACT_TOP:
		tui_edbuf_top(b);
		break;
	case ACT_BOTTOM:
		tui_edbuf_bottom(b);
		break;
	case ACT_PAGE_UP:
		tui_edbuf_vertical(b, -page);
		break;
	case ACT_PAGE_DOWN:
		tui_edbuf_vertical(b, page);
		break;
	case ACT_BACKSPACE:
		return tui_edbuf_backspace(b);
	case ACT_DELETE:
		return tui_edbuf_delete(b);
	case ACT_KILL_WORD:
		return tui_edbuf_kill_word(b);
	case ACT_KILL_WORD_NEXT:
		return tui_edbuf_kill_word_next(b);
	case ACT_KILL_END:
		return tui_edbuf_kill_end(b);
	case ACT_KILL_START:
		return tui_edbuf_kill_start(b);
	case ACT_NEWLINE:
		return tui_edbuf_insert_cp(b, '\n');
	case ACT_UNDO:
		if (tui_edbuf_undo(b) == ASSAY_ECONFLICT)
			ed->note = "nothing to undo";
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
	return ASSAY_OK;
}

/* Hands the result to the owner; the editor view closes. */
static int finish(editor *ed, int rc, const assay_error *err)
{
	char *out = NULL;
	size_t len = 0;
	assay_error e = {0};
	if (rc == TUI_EDITOR_SAVED && tui_edbuf_changed(&ed->buf)) {
		const char *s = tui_edbuf_text(&ed->buf, &len);
		if (!(out = assay_strndup(s, len)))
			rc = assay_fail(&e, ASSAY_ENOMEM, "out of memory saving the edit");
	} else if (rc == TUI_EDITOR_SAVED) {
		rc = TUI_EDITOR_UNCHANGED;
	}
	/* the window goes back as it came: the owner may delete it */
	term_mode(PASTE_OFF);
	keypad(ed->win, ed->had_keypad);
	wtimeout(ed->win, ed->delay);
	editor_done done = ed->done;
	ed->done = NULL;
	if (done)
		done(ed->owner, rc, out, len, err ? err : &e);
	else
		free(out);
	return TUI_CLOSE;
}

/* y or n after Esc with changes: TUI_CLOSE (cancelled) on y. */
static int confirm_key(editor *ed, int r, wint_t ch)
{
	if (r == OK && (ch == 'y' || ch == 'Y'))
		return finish(ed, TUI_EDITOR_CANCELLED, NULL);
	if (r == OK && (ch == 'n' || ch == 'N' || ch == 0x1b || ch == CTRL('G')))
		ed->confirm = false;
	return TUI_HANDLED;
}

/* A key for the editor: a motion, an edit, save or cancel. */
static int editor_key(tui_view *v, int r, wint_t ch)
{
	editor *ed = TUI_SELF(v, editor);
	ed->note = NULL;
	if (r == KEY_CODE_YES && ch == KEY_RESIZE) {
		if (do_resize(ed) < 0)
			return finish(ed, TUI_EDITOR_CANCELLED, NULL);
		return TUI_HANDLED;
	}
	if (ed->confirm)
		return confirm_key(ed, r, ch);
	enum action act = lookup_key(ed, r == KEY_CODE_YES, ch);
	if (act == ACT_ESCAPE)
		act = read_escape(ed);
	int rc = ASSAY_OK;
	bool resized = false;
	switch (act) {
	case ACT_NONE:
		if (r == OK)
			rc = tui_edbuf_insert_cp(&ed->buf, (uint32_t)ch);
		break;
	case ACT_SAVE:
		return finish(ed, TUI_EDITOR_SAVED, NULL);
	case ACT_ESCAPE:
		if (!tui_edbuf_changed(&ed->buf))
			return finish(ed, TUI_EDITOR_CANCELLED, NULL);
		ed->confirm = true;
		break;
	case ACT_PASTE:
		rc = read_paste(ed, &resized);
		break;
	case ACT_HELP:
		tui_help(v, " editor keys ");
		break;
	default:
		rc = apply(ed, act);
	}
	if (rc < 0) {
		assay_error e = {0};
		assay_fail(&e, rc, "out of memory while editing");
		return finish(ed, rc, &e);
	}
	if (resized && do_resize(ed) < 0)
		return finish(ed, TUI_EDITOR_CANCELLED, NULL);
	return TUI_HANDLED;
}

static void editor_view_draw(tui_view *v)
{
	editor_draw(TUI_SELF(v, editor));
}

static void editor_close(tui_view *v)
{
	editor *ed = TUI_SELF(v, editor);
	if (ed->done)
		finish(ed, TUI_EDITOR_CANCELLED, NULL);
	tui_edbuf_free(&ed->buf);
	free(ed->title_copy);
	free(ed);
}

static const tui_view_ops editor_ops = {
	.name = "editor", .draw = editor_view_draw, .key = editor_key, .close = editor_close,
};

int editor_push(tui_base *b, WINDOW *win, const char *title, const char *initial, size_t len,
		const tui_editor_theme *theme, const tui_editor_host *host, tui_view *owner,
		editor_done done, assay_error *err)
{
	editor *ed = calloc(1, sizeof *ed);
	if (!ed)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory opening the editor");
	*ed = (editor){.view = {.ops = &editor_ops, .win = win, .cursor = true,
				.keys = editor_keys, .n_keys = editor_n_keys},
		       .win = win, .host = host, .owner = owner, .done = done};
	/* the title outlives the caller's frame */
	if (!(ed->title_copy = assay_strdup(title))) {
		free(ed);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory opening the editor");
	}
	ed->title = ed->title_copy;
	if (theme)
		ed->th = *theme;
	else
		ed->th = (tui_editor_theme){A_NORMAL, A_REVERSE, A_REVERSE, A_REVERSE, A_BOLD};
	if (tui_edbuf_init(&ed->buf, initial, len, getmaxx(win) - 1) < 0) {
		free(ed->title_copy);
		free(ed);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory opening the editor");
	}
	ed->key_cleft = ext_key("kLFT5");
	ed->key_cright = ext_key("kRIT5");
	ed->key_aleft = ext_key("kLFT3");
	ed->key_aright = ext_key("kRIT3");
	ed->key_paste = ASSAY_MAX(key_defined("\033[200~"), 0);
	ed->key_cdel = ext_key("kDC5");
	ed->had_keypad = is_keypad(win);
	ed->delay = wgetdelay(win);
	keypad(win, TRUE);
	term_mode(PASTE_ON);
	tui_push(b, &ed->view);
	return ASSAY_OK;
}

/* What a run on its own hands back. */
typedef struct run_result {
	tui_view view; /* the owner: never on a stack */
	int rc;
	char *out;
	size_t len;
	assay_error *err;
} run_result;

static void run_done(tui_view *owner, int rc, char *out, size_t len, const assay_error *err)
{
	run_result *r = TUI_SELF(owner, run_result);
	r->rc = rc;
	r->out = out;
	r->len = len;
	if (rc < 0)
		*r->err = *err;
}

int tui_editor_run(WINDOW *win, const char *title, const char *initial, size_t len, char **out,
		   size_t *out_len, const tui_editor_theme *theme, const tui_editor_host *host,
		   assay_error *err)
{
	*out = NULL;
	if (out_len)
		*out_len = 0;
	tui_base b = {0};
	run_result r = {.rc = TUI_EDITOR_CANCELLED, .err = err};
	int cursor = curs_set(1);
	int rc = editor_push(&b, win, title, initial, len, theme, host, &r.view, run_done, err);
	if (rc < 0)
		return rc;
	tui_run(&b);
	if (cursor != ERR)
		curs_set(cursor);
	*out = r.out;
	if (out_len)
		*out_len = r.len;
	return r.rc;
}
