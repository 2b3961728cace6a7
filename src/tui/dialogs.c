/* dialogs.c — the views a screen stacks on top of itself: a one-line
 * prompt (notes, ids, searches, free-text reasons), the reason picker, a
 * one-key choice and the help overlay generated from a key table. They
 * read no key and run no loop of their own: tui_run hands them keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "dialogs.h"

static const char *const default_reasons[] = {
	"hallucination", "factual error", "missing detail", "repetition", "formatting",
	"bias or unsafe", "refusal or meta-commentary", "duplicate", "other",
};

void tui_reasons_load(tui_reasons *r, const conf *config)
{
	*r = (tui_reasons){0};
	if (config && conf_has(config, "reasons") &&
	    conf_get_list(config, "reasons", &r->v, &r->n) == 0 && r->n) {
		r->owned = true; /* past ten, the picker scrolls */
		return;
	}
	r->v = (char **)default_reasons;
	r->n = ASSAY_ARRAY_LEN(default_reasons);
}

void tui_reasons_free(tui_reasons *r)
{
	if (r->owned)
		conf_list_free(r->v, r->n);
	*r = (tui_reasons){0};
}

/* What a dialog answers: the view that opened it and what gets the
 * answer. */
typedef struct dialog {
	tui_view *owner;
	tui_text_done done;
} dialog;

/* ---- The prompt ----------------------------------------------------------- */

typedef struct prompt {
	tui_view view;
	tui_view *owner;
	tui_text_done done;
	char label[64];
	const char *prefix; /* put before the answer ("other: ") */
	bool empty_ok;	    /* Enter on nothing answers "" */
	abuf text;
} prompt;

static void prompt_draw(tui_view *v)
{
	prompt *p = TUI_SELF(v, prompt);
	tui_base *b = v->base;
	int y = LINES - 2;
	attrset(b->attr[CONF_ROLE_DIALOG]);
	mvhline(y, 0, ' ', COLS);
	attrset(A_NORMAL);
	int lw = tui_draw_text(stdscr, y, 1, COLS - 2, p->label, strlen(p->label),
			       b->attr[CONF_ROLE_DIALOG], b->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
	int room = COLS - 3 - lw;
	const char *s = p->text.data ? p->text.data : "";
	/* show the end of the text when it is wider than the room */
	size_t from = 0;
	while (room > 0 && text_width(s + from, p->text.len - from) > (size_t)room - 1)
		from = text_grapheme_next(s, p->text.len, from);
	int tw = tui_draw_text(stdscr, y, 2 + lw, room, s + from, p->text.len - from,
			       b->attr[CONF_ROLE_DIALOG], b->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
	move(y, 2 + lw + (tw > 0 ? tw : 0));
	wnoutrefresh(stdscr);
}

/* Hands the typed text (NULL when cancelled or empty) to the owner. */
static int prompt_answer(prompt *p, bool cancelled)
{
	char *t = NULL;
	if (!cancelled && (p->text.len || p->empty_ok)) {
		abuf out = {0};
		abuf_printf(&out, "%s%s", p->prefix ? p->prefix : "", p->text.data ? p->text.data : "");
		t = abuf_take(&out);
	}
	p->done(p->owner, t);
	return TUI_CLOSE;
}

static int prompt_key(tui_view *v, int kind, wint_t ch)
{
	prompt *p = TUI_SELF(v, prompt);
	abuf *t = &p->text;
	if (kind == KEY_CODE_YES && ch == KEY_ENTER)
		return prompt_answer(p, false);
	if (kind == OK && ch == 27) /* Esc */
		return prompt_answer(p, true);
	if (kind == OK && (ch == '\r' || ch == '\n'))
		return prompt_answer(p, false);
	bool back = kind == KEY_CODE_YES ? ch == KEY_BACKSPACE : ch == 127 || ch == 8;
	if (back && t->len) {
		t->len = text_grapheme_prev(t->data, t->len, t->len);
		t->data[t->len] = '\0';
	} else if (kind == OK && ch == 21) { /* Ctrl-U */
		abuf_reset(t);
	} else if (kind == OK && ch >= 0x20 && ch != 127 && t->len < 4000) {
		char enc[4];
		size_t n = text_utf8_encode((uint32_t)ch, enc);
		if (n)
			abuf_append(t, enc, n);
	}
	return TUI_HANDLED;
}

static void prompt_close(tui_view *v)
{
	prompt *p = TUI_SELF(v, prompt);
	abuf_free(&p->text);
	free(p);
}

static const tui_view_ops prompt_ops = {
	.name = "prompt", .draw = prompt_draw, .key = prompt_key, .close = prompt_close,
};

static void prompt_push(tui_view *owner, const char *label, const char *initial,
			const char *prefix, tui_text_done done)
{
	prompt *p = calloc(1, sizeof *p);
	if (!p) {
		tui_message(owner->base, true, "out of memory");
		done(owner, NULL);
		return;
	}
	*p = (prompt){.view = {.ops = &prompt_ops, .cursor = true},
		      .owner = owner, .done = done, .prefix = prefix};
	snprintf(p->label, sizeof p->label, "%s", label);
	if (initial)
		abuf_puts(&p->text, initial);
	tui_push(owner->base, &p->view);
}

void tui_prompt(tui_view *owner, const char *label, const char *initial, tui_text_done done)
{
	prompt_push(owner, label, initial, NULL, done);
}

void tui_prompt_or_empty(tui_view *owner, const char *label, tui_text_done done)
{
	prompt_push(owner, label, NULL, NULL, done);
	if (owner->base->top != owner)
		TUI_SELF(owner->base->top, prompt)->empty_ok = true;
}

void tui_prompt_edit(tui_view *owner, const char *label, const char *initial, tui_text_done done)
{
	prompt_push(owner, label, initial, NULL, done);
	if (owner->base->top != owner)
		TUI_SELF(owner->base->top, prompt)->empty_ok = true;
}

/* ---- The reason picker ---------------------------------------------------- */

typedef struct picker {
	tui_view view;
	dialog d;
	const char **reasons; /* a copy of the list (the strings are the owner's) */
	size_t n;
	size_t top, sel; /* the first row shown, the one Enter picks */
} picker;

/* Rows of reasons the box shows at this height. */
static size_t picker_rows(const picker *p)
{
	size_t room = LINES > 10 ? (size_t)LINES - 8 : 2;
	return p->n < room ? p->n : room;
}

static void picker_draw(tui_view *v)
{
	picker *p = TUI_SELF(v, picker);
	tui_base *b = v->base;
	size_t rows = picker_rows(p);
	int h = (int)rows + 4, w = 48;
	WINDOW *win = tui_box(b, h, w);
	if (!win)
		return;
	mvwaddstr(win, 0, 2, p->n > rows ? " reject: why? (Up/Down for more) " : " reject: why? ");
	for (size_t r = 0; r < rows; r++) {
		size_t i = p->top + r;
		char line[16] = "   ";
		if (i < 10)
			snprintf(line, sizeof line, "%zu  ", i + 1 < 10 ? i + 1 : 0);
		attr_t at = b->attr[i == p->sel ? CONF_ROLE_SELECTION : CONF_ROLE_DIALOG];
		wattrset(win, at);
		mvwhline(win, (int)r + 1, 1, ' ', w - 2);
		mvwaddstr(win, (int)r + 1, 2, line);
		tui_draw_text(win, (int)r + 1, 5, w - 7, p->reasons[i], strlen(p->reasons[i]), at,
			      b->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
	}
	wattrset(win, b->attr[CONF_ROLE_DIALOG]);
	mvwaddstr(win, h - 2, 2, "digit or Enter: pick   Esc: cancel");
	wnoutrefresh(win);
	delwin(win);
}

/* Moves the selection by `by`, the rows shown following it. */
static void picker_move(picker *p, int by)
{
	size_t rows = picker_rows(p);
	if (by < 0 && p->sel > 0)
		p->sel--;
	else if (by > 0 && p->sel + 1 < p->n)
		p->sel++;
	if (p->sel < p->top)
		p->top = p->sel;
	if (rows && p->sel >= p->top + rows)
		p->top = p->sel - rows + 1;
}

static int picker_pick(picker *p, size_t k)
{
	tui_view *owner = p->d.owner;
	if (k >= p->n)
		return TUI_HANDLED;
	if (strcmp(p->reasons[k], "other") == 0)
		prompt_push(owner, "other reason:", NULL, "other: ", p->d.done);
	else
		p->d.done(owner, assay_strdup(p->reasons[k]));
	return TUI_CLOSE;
}

static int picker_key(tui_view *v, int kind, wint_t ch)
{
	picker *p = TUI_SELF(v, picker);
	if (kind == OK && ch == 27) {
		p->d.done(p->d.owner, NULL);
		return TUI_CLOSE;
	}
	bool code = kind == KEY_CODE_YES;
	if ((code && ch == KEY_UP) || (!code && ch == 'k'))
		picker_move(p, -1);
	else if ((code && ch == KEY_DOWN) || (!code && ch == 'j'))
		picker_move(p, 1);
	else if ((code && ch == KEY_ENTER) || (!code && (ch == '\r' || ch == '\n')))
		return picker_pick(p, p->sel);
	else if (!code && ch >= '0' && ch <= '9')
		return picker_pick(p, ch == '0' ? 9 : (size_t)(ch - '1'));
	return TUI_HANDLED;
}

static void picker_close(tui_view *v)
{
	picker *p = TUI_SELF(v, picker);
	free(p->reasons);
	free(p);
}

static const tui_view_ops picker_ops = {
	.name = "reason picker", .draw = picker_draw, .key = picker_key, .close = picker_close,
};

void tui_pick_reason(tui_view *owner, const char *const *reasons, size_t n, tui_text_done done)
{
	picker *p = calloc(1, sizeof *p);
	const char **copy = n ? malloc(n * sizeof *copy) : NULL;
	if (!p || (n && !copy)) {
		free(p);
		free(copy);
		done(owner, NULL);
		return;
	}
	if (n)
		memcpy(copy, reasons, n * sizeof *copy);
	*p = (picker){.view = {.ops = &picker_ops}, .d = {.owner = owner, .done = done},
		      .reasons = copy, .n = n};
	tui_push(owner->base, &p->view);
}

/* ---- A one-key choice ----------------------------------------------------- */

typedef struct choice {
	tui_view view;
	tui_view *owner;
	bool (*pick)(tui_view *owner, int key);
} choice;

static void choice_draw(tui_view *v)
{
	(void)v; /* the question is on the owner's message line */
}

static int choice_key(tui_view *v, int kind, wint_t ch)
{
	choice *c = TUI_SELF(v, choice);
	if (kind != OK)
		return TUI_HANDLED;
	bool done = c->pick(c->owner, (int)ch);
	return done || ch == 27 ? TUI_CLOSE : TUI_HANDLED;
}

static void choice_close(tui_view *v)
{
	free(TUI_SELF(v, choice));
}

static const tui_view_ops choice_ops = {
	.name = "choice", .draw = choice_draw, .key = choice_key, .close = choice_close,
};

void tui_choose(tui_view *owner, bool (*pick)(tui_view *owner, int key))
{
	choice *c = calloc(1, sizeof *c);
	if (!c)
		return;
	*c = (choice){.view = {.ops = &choice_ops}, .owner = owner, .pick = pick};
	tui_push(owner->base, &c->view);
}

/* ---- The help overlay ----------------------------------------------------- */

typedef struct help {
	tui_view view;
	dialog d;
	char title[64];
	size_t start, next; /* the first key of this page, and of the next */
	bool more;	    /* keys beyond this page */
} help;

/* The rows of the owner's table that work in it. */
static size_t help_rows(const tui_view *o, const tui_key **shown, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < o->n_keys && n < cap; i++)
		if ((o->keys[i].flags & o->need) == o->need)
			shown[n++] = &o->keys[i];
	return n;
}

/* The end of the first row of help text s in w columns (at a space when
 * there is one), and where the next row starts. */
static size_t help_cut(const char *s, int w, size_t *next)
{
	size_t n = strlen(s);
	if ((int)n <= w) {
		*next = n;
		return n;
	}
	size_t cut = (size_t)w;
	while (cut > 0 && s[cut] != ' ')
		cut--;
	if (cut == 0)
		cut = (size_t)w;
	*next = s[cut] == ' ' ? cut + 1 : cut;
	return cut;
}

/* Rows the help text of each key takes at help width hw, summed. */
static int help_height(const tui_key **shown, size_t n, int hw)
{
	int rows = 0;
	for (size_t k = 0; k < n; k++)
		for (const char *s = shown[k]->help; *s; rows++) {
			size_t next;
			help_cut(s, hw, &next);
			s += next;
		}
	return rows;
}

/* Columns of keys, as few as fit the height; a help text wider than its
 * column wraps onto the next row instead of being cut. When they cannot
 * all fit, as many columns as keep the texts readable, filled page by
 * page (Space shows the next). */
static void help_layout(const tui_key **shown, size_t n, int lw, int hw_max, int avail, int *cols,
			int *hw, int *height)
{
	for (*cols = 1;; (*cols)++) {
		*hw = ASSAY_MIN(hw_max, (COLS - 3) / *cols - lw - 3);
		*height = (help_height(shown, n, ASSAY_MAX(*hw, 1)) + *cols - 1) / *cols;
		if (*hw > 8 && *height <= avail - (*cols > 1))
			return;
		if (*cols == 4 || *hw <= 8)
			break;
	}
	for (*cols = 4; *cols > 1 && (COLS - 3) / *cols - lw - 3 < ASSAY_MIN(hw_max, 24); (*cols)--)
		;
	*hw = ASSAY_MAX(ASSAY_MIN(hw_max, (COLS - 3) / *cols - lw - 3 - (*cols == 1 ? 3 : 0)), 1);
	*height = avail;
}

static void help_draw(tui_view *v)
{
	help *hp = TUI_SELF(v, help);
	tui_base *b = v->base;
	const tui_key *shown[64];
	size_t n = help_rows(hp->d.owner, shown, ASSAY_ARRAY_LEN(shown));
	int lw = 0, hw_max = 0, avail = LINES - 4 > 1 ? LINES - 4 : 1;
	for (size_t k = 0; k < n; k++) {
		lw = ASSAY_MAX(lw, (int)strlen(shown[k]->label));
		hw_max = ASSAY_MAX(hw_max, (int)strlen(shown[k]->help));
	}
	int cols, hw, height;
	help_layout(shown, n, lw, hw_max, avail, &cols, &hw, &height);
	int rows = ASSAY_MIN(ASSAY_MAX(height + (cols > 1), 1), avail), colw = lw + hw + 3;
	WINDOW *win = tui_box(b, rows + 3, cols * colw + 3);
	if (!win)
		return;
	wattron(win, b->attr[CONF_ROLE_HELP_TITLE]);
	mvwaddstr(win, 0, 2, hp->title);
	wattroff(win, b->attr[CONF_ROLE_HELP_TITLE]);
	int y = 1, x = 2, col = 0;
	size_t k = hp->start < n ? hp->start : 0;
	for (; k < n; k++) {
		int need = help_height(&shown[k], 1, hw);
		if (y + need > rows + 1 && y > 1 && ++col >= cols)
			break;
		if (y + need > rows + 1 && y > 1)
			y = 1, x += colw;
		mvwaddnstr(win, y, x, shown[k]->label, lw);
		for (const char *s = shown[k]->help; *s && y <= rows; y++) {
			size_t next, len = help_cut(s, hw, &next);
			mvwaddnstr(win, y, x + lw + 1, s, (int)len);
			s += next;
		}
	}
	hp->next = k;
	hp->more = k < n;
	mvwaddstr(win, rows + 1, 2,
		  k < n ? "press any key to close (Space: more keys)" : "press any key to close");
	wnoutrefresh(win);
	delwin(win);
}

static int help_key(tui_view *v, int kind, wint_t ch)
{
	help *hp = TUI_SELF(v, help);
	if (kind == KEY_CODE_YES && ch == KEY_RESIZE) {
		hp->start = 0;
		return TUI_HANDLED;
	}
	if (kind == OK && ch == ' ' && hp->more) {
		hp->start = hp->next;
		return TUI_HANDLED;
	}
	return TUI_CLOSE;
}

static void help_close(tui_view *v)
{
	free(TUI_SELF(v, help));
}

static const tui_view_ops help_ops = {
	.name = "help", .draw = help_draw, .key = help_key, .close = help_close,
};

void tui_help(tui_view *owner, const char *title)
{
	help *hp = calloc(1, sizeof *hp);
	if (!hp)
		return;
	*hp = (help){.view = {.ops = &help_ops}, .d = {.owner = owner}};
	snprintf(hp->title, sizeof hp->title, "%s", title);
	tui_push(owner->base, &hp->view);
}
