/* view.c — the one owner of the terminal and the one event loop. Keys are
 * read here only (the built-in editor decodes the rest of an escape
 * sequence and a bracketed paste itself); every view on the stack is
 * ticked at every wake, so a dialog or the editor never stalls the
 * network or the leases of the screen below it. */
#include <assert.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "draw.h"
#include "gfx.h"
#include "view.h"

/* Sockets the loop waits on besides the terminal. */
#define MAX_FDS 16
/* A terminal that answers every read at once with nothing is gone. */
#define GONE_AFTER 1000
/* The longest the terminal is waited for to say what pictures it shows. */
#define GFX_ASK_MS 1000

/* The pictures on the terminal, for tui_suspend (the terminal is one). */
static struct tui_gfx *gfx_now;

/* Writes bytes to the terminal after what curses wrote. */
static void emit(const abuf *out)
{
	if (!out->data || !out->len)
		return;
	fflush(stdout);
	fwrite(out->data, 1, out->len, stdout);
	fflush(stdout);
}

/* Asks the terminal the queries of protocol p and reads its answers (the
 * device attributes come last) for at most GFX_ASK_MS. */
static void gfx_ask(enum tui_gfx_protocol p, tui_gfx_answer *a)
{
	const char *q = tui_gfx_query_bytes(p);
	fflush(stdout);
	if (!isatty(0) || write(1, q, strlen(q)) != (ssize_t)strlen(q))
		return;
	char buf[1024];
	size_t n = 0;
	int64_t until = assay_mono_ns() + (int64_t)GFX_ASK_MS * 1000000;
	while (!a->done && n < sizeof buf) {
		int left = (int)((until - assay_mono_ns()) / 1000000);
		struct pollfd fd = {.fd = 0, .events = POLLIN};
		if (left <= 0 || poll(&fd, 1, left) <= 0)
			break;
		ssize_t got = read(0, buf + n, sizeof buf - n);
		if (got <= 0)
			break;
		n += (size_t)got;
		*a = (tui_gfx_answer){0};
		tui_gfx_parse(buf, n, a);
	}
}

/* [media] protocol = sixel or kitty: kept when the terminal says it shows
 * them; else pictures stay symbols and the message line says why. */
static void gfx_open(tui_base *b)
{
	enum tui_gfx_protocol p;
	assay_error e = {0};
	if (tui_gfx_protocol_parse(b->config, &p, &e) < 0) {
		tui_message(b, true, "%s", e.msg);
		return;
	}
	const char *name = p == TUI_GFX_SIXEL ? "sixel" : "kitty graphics";
	const char *term = getenv("TERM");
	tui_gfx_answer a = {0};
	if (p == TUI_GFX_SYMBOLS)
		return;
	if (tui_gfx_term_cannot(term)) {
		tui_message(b, false, "media: TERM=%s cannot show %s: pictures drawn as symbols",
			    term ? term : "", name);
		return;
	}
	gfx_ask(p, &a);
	if (!(p == TUI_GFX_SIXEL ? a.sixel : a.kitty) || !(b->gfx = calloc(1, sizeof *b->gfx))) {
		tui_message(b, false,
			    "media: the terminal did not answer that it shows %s: pictures drawn "
			    "as symbols", name);
		return;
	}
	struct winsize ws = {0};
	if (!a.cell_w && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row)
		a.cell_w = ws.ws_xpixel / ws.ws_col, a.cell_h = ws.ws_ypixel / ws.ws_row;
	b->gfx->protocol = p;
	b->gfx->cell_w = a.cell_w > 0 && a.cell_h > 0 ? a.cell_w : 10;
	b->gfx->cell_h = a.cell_w > 0 && a.cell_h > 0 ? a.cell_h : 20;
	/* no character inserted or deleted to shift a row under a picture */
	idcok(stdscr, FALSE);
	gfx_now = b->gfx;
}

/* All pictures taken off the terminal (kitty's live apart from the text). */
static void gfx_hide(void)
{
	abuf out = {0};
	tui_gfx_hide_all(gfx_now, &out);
	emit(&out);
	abuf_free(&out);
}

/* ncurses (6.4) writes out what it has buffered at every cursor movement
 * until the screen has once been left and taken up again (it takes the
 * screen for not set up yet): a frame went to the terminal in a write per
 * movement, thirty a key, each waking the terminal's reader. Left and
 * taken up once, before anything is drawn, every frame is one write. */
static void frames_whole(void)
{
	def_prog_mode();
	endwin();
	doupdate();
}

int tui_open(tui_base *b, const conf_theme *theme, assay_error *err)
{
	b->scr = newterm(NULL, stdout, stdin);
	if (!b->scr)
		return assay_fail(err, ASSAY_EIO, "cannot open the terminal (is TERM set?)");
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	tui_theme_apply(b->attr, theme);
	frames_whole();
	gfx_open(b);
	return ASSAY_OK;
}

void tui_close(tui_base *b)
{
	if (!b->scr)
		return;
	gfx_hide();
	gfx_now = NULL;
	free(b->gfx);
	b->gfx = NULL;
	endwin();
	fflush(stdout);
	delscreen(b->scr);
	b->scr = NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

bool tui_suspend(void)
{
	if (!stdscr || isendwin())
		return false;
	gfx_hide();
	def_prog_mode();
	endwin();
	return true;
}

void tui_resume(bool suspended)
{
	if (!suspended)
		return;
	reset_prog_mode();
	refresh();
}

void tui_stop(tui_base *b)
{
	bool was = tui_suspend();
	/* the default action, whatever curses installed: stop here until
	 * SIGCONT (an orphaned group is not stopped: it goes on at once) */
	struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, &old);
	kill(0, SIGTSTP);
	sigaction(SIGTSTP, &old, NULL);
	tui_resume(was);
	clearok(curscr, TRUE);
	tui_message(b, false, "resumed");
}

bool tui_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* ---- The stack ------------------------------------------------------------ */

void tui_push(tui_base *b, tui_view *v)
{
	/* every operation but draw may be NULL (view.h) */
	assert(v->ops && v->ops->draw);
	v->base = b;
	v->below = b->top;
	b->top = v;
	if (v->ops->open)
		v->ops->open(v);
}

void tui_pop(tui_base *b, tui_view *v)
{
	for (tui_view **p = &b->top; *p; p = &(*p)->below)
		if (*p == v) {
			*p = v->below;
			if (v->ops->close)
				v->ops->close(v);
			return;
		}
}

/* The stack bottom first, into out (at most cap); returns how many. */
static size_t bottom_up(tui_base *b, tui_view **out, size_t cap)
{
	size_t n = 0;
	for (tui_view *v = b->top; v; v = v->below)
		n++;
	size_t i = n;
	for (tui_view *v = b->top; v; v = v->below)
		if (--i < cap)
			out[i] = v;
	return n < cap ? n : cap;
}

static void draw_all(tui_base *b)
{
	tui_view *v[32];
	size_t n = bottom_up(b, v, ASSAY_ARRAY_LEN(v));
	tui_gfx_begin(b->gfx);
	for (size_t i = 0; i < n; i++) {
		if (b->gfx)
			b->gfx->drawing = v[i];
		v[i]->ops->draw(v[i]);
	}
	curs_set(b->top && b->top->cursor ? 1 : 0);
	/* pictures are written after curses has drawn the cells under them */
	tui_gfx_settle(b->gfx, b->top, is_cleared(curscr));
	doupdate();
	if (b->gfx) {
		abuf out = {0};
		tui_gfx_write(b->gfx, &out);
		emit(&out);
		abuf_free(&out);
	}
}

/* Ticks every view (bottom first); returns the shortest wait they ask. */
static int tick_all(tui_base *b, bool idle)
{
	tui_view *v[32];
	size_t n = bottom_up(b, v, ASSAY_ARRAY_LEN(v));
	int wait = 1000;
	for (size_t i = 0; i < n; i++)
		if (v[i]->ops->tick) {
			int w = v[i]->ops->tick(v[i], idle);
			if (w < wait)
				wait = w < 0 ? 0 : w;
		}
	return wait;
}

/* Waits up to wait ms for a key or one of the views' sockets; returns
 * get_wch's kind (ERR: none came). A key curses already holds is taken at
 * once, before any wait. */
static int wait_key(tui_base *b, int wait, wint_t *ch)
{
	WINDOW *w = b->top->win ? b->top->win : stdscr;
	wtimeout(w, 0);
	int kind = wget_wch(w, ch);
	if (kind != ERR || wait == 0)
		return kind;
	struct pollfd fds[MAX_FDS + 1] = {{.fd = 0, .events = POLLIN}};
	int n = 1;
	for (tui_view *v = b->top; v; v = v->below)
		if (v->ops->pollfds)
			n += v->ops->pollfds(v, fds + n, MAX_FDS + 1 - n);
	if (n == 1) {
		wtimeout(w, wait);
		return wget_wch(w, ch);
	}
	if (poll(fds, (nfds_t)n, wait) <= 0 || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
		return ERR;
	wtimeout(w, 25);
	return wget_wch(w, ch);
}

static void close_all(tui_base *b)
{
	while (b->top)
		tui_pop(b, b->top);
}

void tui_run(tui_base *b)
{
	int wait = 0, gone = 0;
	while (b->top && !b->quit) {
		draw_all(b);
		wint_t ch = 0;
		int64_t t0 = assay_mono_ns();
		int kind = wait_key(b, wait, &ch);
		bool fast = assay_mono_ns() - t0 < (int64_t)wait * 500000;
		gone = kind == ERR && wait > 0 && fast ? gone + 1 : 0;
		if (gone > GONE_AFTER)
			break;
		wait = tick_all(b, kind == ERR);
		if (kind == ERR || !b->top || b->quit)
			continue;
		tui_view *v = b->top;
		int r = v->ops->key ? v->ops->key(v, kind, ch) : tui_view_keys(v, kind, ch);
		if (r & TUI_CLOSE)
			tui_pop(b, v);
	}
	close_all(b);
}

int tui_view_keys(tui_view *v, int kind, wint_t ch)
{
	if (kind == KEY_CODE_YES && ch == KEY_RESIZE)
		return TUI_HANDLED;
	int key = (int)ch;
	if (kind == OK && key == '\n')
		key = '\r';
	v->base->msg[0] = '\0';
	for (size_t i = 0; i < v->n_keys; i++) {
		const tui_key *k = &v->keys[i];
		if (k->key != key && !(k->alt && k->alt == key))
			continue;
		if ((k->flags & v->need) != v->need) {
			if (v->refused)
				tui_message(v->base, false, "%s", v->refused);
			else
				tui_message(v->base, false,
					    "read-only: %s does nothing here (h/l walk, q goes back)",
					    k->label);
			return TUI_HANDLED;
		}
		k->fn(v);
		return v->done ? TUI_CLOSE : TUI_HANDLED;
	}
	return TUI_IGNORED;
}

void tui_scroll(int *top, int rows, size_t n, int by)
{
	int max = (int)n - rows;
	*top += by;
	if (*top > max)
		*top = max;
	if (*top < 0)
		*top = 0;
}

int tui_page(int rows)
{
	return rows > 1 ? rows - 1 : 1;
}

/* ---- Drawing ------------------------------------------------------------ */

void tui_message(tui_base *b, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->msg, sizeof b->msg, fmt, ap);
	va_end(ap);
	b->msg_error = error;
}

int tui_put(tui_base *b, int y, int x, int w, const char *s, int role)
{
	if (w <= 0 || !s || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	int n = tui_draw_text(stdscr, y, x, w, s, strlen(s), b->attr[role],
			      b->attr[CONF_ROLE_SAMPLE_PLACEHOLDER]);
	return n < 0 ? 0 : n;
}

void tui_fill(tui_base *b, int y, int role)
{
	attrset(b->attr[role]);
	mvhline(y, 0, ' ', COLS);
	attrset(A_NORMAL);
}

bool tui_fits(tui_base *b)
{
	if (COLS >= TUI_VIEW_MIN_W && LINES >= TUI_VIEW_MIN_H)
		return true;
	erase();
	char msg[96];
	snprintf(msg, sizeof msg, "terminal too small: %dx%d (need at least %dx%d)", COLS, LINES,
		 TUI_VIEW_MIN_W, TUI_VIEW_MIN_H);
	int w = (int)strlen(msg) < COLS ? (int)strlen(msg) : COLS;
	tui_put(b, LINES / 2, (COLS - w) / 2 > 0 ? (COLS - w) / 2 : 0, COLS, msg, CONF_ROLE_ERROR);
	wnoutrefresh(stdscr);
	return false;
}

/* The key hints of the view's table (rows with TUI_KEY_HINT) on row y. */
static void footer(tui_view *v, int y)
{
	tui_base *b = v->base;
	tui_fill(b, y, CONF_ROLE_FOOTER_TEXT);
	int x = 1;
	for (size_t i = 0; i < v->n_keys && x < COLS - 2; i++) {
		const tui_key *k = &v->keys[i];
		if (!(k->flags & TUI_KEY_HINT) || (k->flags & v->need) != v->need)
			continue;
		x += tui_put(b, y, x, COLS - x - 1, k->label, CONF_ROLE_FOOTER_KEY) + 1;
		x += tui_put(b, y, x, COLS - x - 1, k->help, CONF_ROLE_FOOTER_TEXT) + 2;
	}
}

int tui_frame(tui_view *v)
{
	tui_base *b = v->base;
	erase();
	int bottom = LINES - 1;
	if (b->msg[0]) {
		bottom--;
		tui_put(b, bottom, 1, COLS - 2, b->msg,
			b->msg_error ? CONF_ROLE_ERROR : CONF_ROLE_STATUS_ACCENT);
	}
	footer(v, LINES - 1);
	return bottom;
}

void tui_frame_done(void)
{
	wnoutrefresh(stdscr);
}

WINDOW *tui_box(tui_base *b, int h, int w)
{
	if (h > LINES)
		h = LINES;
	if (w > COLS)
		w = COLS;
	WINDOW *win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
	if (!win)
		return NULL;
	wbkgd(win, b->attr[CONF_ROLE_DIALOG]);
	werase(win);
	box(win, 0, 0);
	return win;
}

/* Ctrl-Z and Ctrl-L, for any view's key table. */
void tui_key_suspend(tui_view *v)
{
	tui_stop(v->base);
}

void tui_key_redraw(tui_view *v)
{
	(void)v;
	clearok(curscr, TRUE);
}
