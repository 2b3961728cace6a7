/* ctxpane.c — the context pane (ctxpane.h): a sample's context fields or
 * earlier turns laid out once per sample, each labelled by its field name
 * or role in the theme's context roles, wrapped and drawn through the text
 * layer's cells, so nothing from the data reaches the terminal raw. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "ctxpane.h"

void tui_ctx_free(tui_ctx *c)
{
	store_turns_free(c->v, c->n);
	abuf_free(&c->shown);
	free(c->roles);
	text_cells_free(&c->cells);
	text_lines_free(&c->lines);
	bool folded = c->folded;
	*c = (tui_ctx){.folded = folded};
}

/* A conversation's roles by who speaks; a field or any other role (system,
 * tool) takes the label role. */
static int label_role(const store_turn *t)
{
	static const char *const users[] = {"user", "human", "prompter"};
	static const char *const assistants[] = {"assistant", "gpt", "model", "bot", "chatgpt"};
	if (!t->role)
		return CONF_ROLE_CONTEXT_LABEL;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(users); i++)
		if (strcmp(t->role, users[i]) == 0)
			return CONF_ROLE_CONTEXT_USER;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(assistants); i++)
		if (strcmp(t->role, assistants[i]) == 0)
			return CONF_ROLE_CONTEXT_ASSISTANT;
	return CONF_ROLE_CONTEXT_LABEL;
}

static const char *label_of(const store_turn *t)
{
	return t->name ? t->name : t->role ? t->role : "context";
}

static size_t count_words(const char *s)
{
	size_t n = 0;
	bool in = false;
	for (; *s; s++) {
		bool sp = *s == ' ' || *s == '\n' || *s == '\t' || *s == '\r';
		n += !sp && !in;
		in = !sp;
	}
	return n;
}

static int add(tui_ctx *c, const char *s, size_t n, int role, size_t *cap)
{
	size_t at = c->shown.len;
	if (abuf_append(&c->shown, s, n) < 0)
		return -1;
	if (ASSAY_GROW(c->roles, c->shown.len + 1, *cap, 64) < 0)
		return -1;
	memset(c->roles + at, role, n);
	return 0;
}

/* "user: text", one turn after another, each on its own line. */
static int build(tui_ctx *c)
{
	size_t cap = 0;
	int rc = 0;
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		const store_turn *t = &c->v[i];
		const char *l = label_of(t);
		c->words += count_words(t->text);
		rc = add(c, l, strlen(l), label_role(t), &cap);
		if (rc == 0)
			rc = add(c, ": ", 2, label_role(t), &cap);
		if (rc == 0)
			rc = add(c, t->text, strlen(t->text), CONF_ROLE_CONTEXT_TEXT, &cap);
		if (rc == 0 && i + 1 < c->n)
			rc = add(c, "\n", 1, CONF_ROLE_CONTEXT_TEXT, &cap);
	}
	const char *s = c->shown.data ? c->shown.data : "";
	if (rc == 0)
		rc = text_cells_build(s, c->shown.len, &c->cells);
	return rc;
}

int tui_ctx_load(tui_ctx *c, store *s, int64_t sample_id, assay_error *err)
{
	if (c->sample_id == sample_id)
		return ASSAY_OK;
	tui_ctx_free(c);
	c->sample_id = sample_id;
	int rc = store_sample_context(s, sample_id, &c->v, &c->n, err);
	if (rc < 0)
		return rc;
	if (build(c) < 0) {
		int64_t id = c->sample_id;
		tui_ctx_free(c);
		c->sample_id = id;
		return assay_fail(err, ASSAY_ENOMEM, "out of memory laying out the context");
	}
	return ASSAY_OK;
}

static void wrap(tui_ctx *c, int width)
{
	if (c->width == width)
		return;
	const char *s = c->shown.data ? c->shown.data : "";
	if (text_wrap(s, &c->cells, width > 0 ? width : 1, &c->lines) < 0)
		c->lines.n = 0;
	c->width = width;
	if (c->scroll > (int)c->lines.n - 1)
		c->scroll = c->lines.n ? (int)c->lines.n - 1 : 0;
}

int tui_ctx_rows(tui_ctx *c, int width, int max)
{
	if (!c->n || max < 1)
		return 0;
	if (c->folded || max < 3)
		return 1;
	wrap(c, width);
	int n = c->lines.n ? (int)c->lines.n : 1;
	return (n < max - 1 ? n : max - 1) + 1;
}

void tui_ctx_summary(const tui_ctx *c, char *buf, size_t len)
{
	bool turns = false;
	for (size_t i = 0; i < c->n; i++)
		turns |= c->v[i].role != NULL;
	snprintf(buf, len, "context: %zu %s, %zu word%s", c->n,
		 turns ? (c->n == 1 ? "turn" : "turns") : (c->n == 1 ? "field" : "fields"),
		 c->words, c->words == 1 ? "" : "s");
}

static void draw_line(tui_base *b, tui_ctx *c, int y, int x, int width, size_t line)
{
	const text_line *ln = &c->lines.v[line];
	int cx = x;
	for (size_t k = ln->first; k < ln->end && cx < x + width; k++) {
		const text_cell *cell = &c->cells.v[k];
		if (cell->kind == TEXT_NEWLINE)
			break;
		cx += tui_draw_cell(stdscr, y, cx, x + width - cx, c->shown.data, cell,
				    b->attr[c->roles[cell->off]], b->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
	}
}

int tui_ctx_draw(tui_base *b, tui_ctx *c, int y, int x, int width, int max)
{
	return tui_ctx_draw_rows(b, c, y, x, width, tui_ctx_rows(c, width, max));
}

int tui_ctx_draw_rows(tui_base *b, tui_ctx *c, int y, int x, int width, int rows)
{
	char t[96], more[192];
	if (rows == 1) {
		tui_ctx_summary(c, t, sizeof t);
		snprintf(more, sizeof more, "%s %s c to show", t, tui_utf8() ? "\u2014" : "-");
		tui_put(b, y, x, width, more, CONF_ROLE_CONTEXT_LABEL);
		c->rows = 0;
		return rows;
	}
	if (rows < 1)
		return 0;
	wrap(c, width);
	c->rows = rows - 1;
	for (int r = 0; r < c->rows && (size_t)(c->scroll + r) < c->lines.n; r++)
		draw_line(b, c, y + r, x, width, (size_t)(c->scroll + r));
	attrset(b->attr[CONF_ROLE_CONTEXT_LABEL]);
	mvhline(y + c->rows, x, ACS_HLINE, width);
	attrset(A_NORMAL);
	if (c->lines.n > (size_t)c->rows) {
		int last = c->scroll + c->rows < (int)c->lines.n ? c->scroll + c->rows : (int)c->lines.n;
		snprintf(more, sizeof more, " context %d-%d of %zu lines (J/K, c folds) ",
			 c->scroll + 1, last, c->lines.n);
	} else {
		snprintf(more, sizeof more, " context (c folds) ");
	}
	int w = (int)strlen(more);
	tui_put(b, y + c->rows, x + width - w > x ? x + width - w : x, w, more,
		CONF_ROLE_CONTEXT_LABEL);
	return rows;
}

int tui_ctx_head(tui_base *b, tui_ctx *c, int y, int x, int width, int rows)
{
	int used = 0;
	for (size_t i = 0; i < c->n && used < rows; i++, used++) {
		if (used == rows - 1 && i + 1 < c->n) {
			char t[96];
			snprintf(t, sizeof t, "+%zu more (%zu in all)", c->n - i, c->n);
			tui_put(b, y + used, x, width, t, CONF_ROLE_CONTEXT_LABEL);
			return used + 1;
		}
		abuf l = {0};
		abuf_printf(&l, "%s:", label_of(&c->v[i]));
		int w = tui_put(b, y + used, x, width, l.data ? l.data : "", label_role(&c->v[i]));
		abuf_free(&l);
		/* newlines and tabs drawn as one space: the turn on one row */
		tui_put(b, y + used, x + w + 1, width - w - 1, c->v[i].text, CONF_ROLE_CONTEXT_TEXT);
	}
	return used;
}

void tui_ctx_scroll(tui_base *b, tui_ctx *c, int by)
{
	if (!c->n) {
		tui_message(b, false, "this sample has no context");
		return;
	}
	if (c->folded) {
		tui_message(b, false, "the context is folded: c shows it");
		return;
	}
	tui_scroll(&c->scroll, c->rows > 0 ? c->rows : 1, c->lines.n, by);
}

void tui_ctx_fold(tui_base *b, tui_ctx *c)
{
	if (!c->n) {
		tui_message(b, false, "this sample has no context");
		return;
	}
	c->folded = !c->folded;
}
