/* mediadraw.c — the media pane drawn: a still, or a video's strip of
 * frames with their times, as libchafa's character cells, each an
 * ordinary curses character in a colour pair (so it works in tmux, over
 * SSH and in capture-pane), shading only without colours — or, with
 * [media] protocol = sixel or kitty on a terminal that shows them, placed
 * for view.c to draw over the pane's cells; its keys: open the original in
 * the user's viewer, copy its path or URL (OSC 52). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>

#include "gfx.h"
#include "mediapane.h"

/* The most bytes `y` copies. */
#define COPY_MAX 8192

static void draw_cells(tui_media *m, const media_cells *c, int y, int x)
{
	for (int r = 0; r < c->h; r++)
		for (int col = 0; col < c->w; col++) {
			const media_cell *cell = &c->cells[r * c->w + col];
			wchar_t wc[2] = {L' ', 0};
			mbstate_t st = {0};
			if (mbrtowc(wc, cell->sym, strlen(cell->sym), &st) > (size_t)-3 ||
			    wcwidth(wc[0]) != 1)
				wc[0] = L' ';
			int pair = tui_media_pair(m, cell);
			cchar_t cc;
			setcchar(&cc, wc, A_NORMAL, 0, &pair);
			mvadd_wch(y + r, x + col, &cc);
		}
}

/* One frame (the idx-th on screen) drawn to fit (w, h) at (y, x): as
 * cells, or placed for the terminal's own graphics; the rows it took. */
static int draw_frame(tui_media *m, int idx, int y, int x, int w, int h)
{
	const media_frame *f = &m->dec.frames[idx];
	int cols, rows;
	media_cells_fit(f->w, f->h, w, h, tui_gfx_cell_ratio(m->b->gfx), &cols, &rows);
	if (tui_gfx_active(m->b->gfx)) {
		tui_gfx_place_frame(m->b->gfx, y, x + (w - cols) / 2, cols, rows, f,
				    (uint64_t)m->gen << 8 | (uint64_t)idx);
		return rows;
	}
	media_cells c = {0};
	assay_error e = {0};
	if (cols < 1 || rows < 1 || media_cells_render(f, cols, rows, tui_media_colors(m), &c, &e) < 0)
		return 0;
	draw_cells(m, &c, y, x + (w - cols) / 2);
	media_cells_free(&c);
	return rows;
}

/* The pane's first row: what it shows, or why it shows nothing. */
static void header(tui_media *m, int y, int x, int w)
{
	char line[900];
	const char *name = m->ref.where ? m->ref.where : "";
	const char *slash = strrchr(name, '/');
	name = slash && slash[1] ? slash + 1 : name;
	const media_info *in = &m->dec.info;
	if (m->state == TUI_MEDIA_FAILED) {
		tui_put(m->b, y, x, w, m->msg, CONF_ROLE_ERROR);
		return;
	}
	if (m->state == TUI_MEDIA_FETCHING || !m->have)
		snprintf(line, sizeof line, "%s %.300s...",
			 m->state == TUI_MEDIA_FETCHING ? "fetching" : "decoding", name);
	else if (in->video)
		snprintf(line, sizeof line,
			 "%.300s  %s %dx%d  %.1f s  %lld frames  strip %d-%d of %d ([ ])%s", name,
			 in->codec, in->width, in->height, (double)in->duration_ms / 1000,
			 (long long)in->frames, m->first + 1, m->first + m->dec.n, m->total,
			 m->job ? "  decoding..." : "");
	else
		snprintf(line, sizeof line, "%.300s  %s %dx%d", name, in->codec, in->width,
			 in->height);
	tui_put(m->b, y, x, w, line, CONF_ROLE_META_KEY);
}

/* The strip: frames side by side, each with its time below. */
static int draw_strip(tui_media *m, int y, int x, int w, int h)
{
	int n = m->dec.n, each = (w - (n - 1)) / (n > 0 ? n : 1), used = 0;
	if (each < 4)
		n = 1, each = w;
	for (int i = 0; i < n; i++) {
		int r = draw_frame(m, i, y, x + i * (each + 1), each, h - 1);
		char t[32];
		snprintf(t, sizeof t, "%.2f s", (double)m->dec.frames[i].pts_ms / 1000);
		tui_put(m->b, y + r, x + i * (each + 1) + (each - (int)strlen(t)) / 2, each, t,
			CONF_ROLE_META_KEY);
		used = r + 1 > used ? r + 1 : used;
	}
	return used;
}

int tui_media_rows(const tui_media *m, int w, int avail)
{
	if (!tui_media_shown(m))
		return 0;
	if (!m->have || m->dec.n < 1)
		return 1;
	int n = m->dec.info.video ? m->dec.n : 1, cols, rows;
	int each = n > 1 ? (w - (n - 1)) / n : w;
	const media_frame *f = &m->dec.frames[0];
	media_cells_fit(f->w, f->h, each, avail, tui_gfx_cell_ratio(m->b->gfx), &cols, &rows);
	rows += 1 + (m->dec.info.video ? 1 : 0);
	return rows < avail ? rows : avail;
}

void tui_media_draw(tui_media *m, int y, int x, int w, int h)
{
	if (!tui_media_shown(m) || h < 1 || w < 4)
		return;
	header(m, y, x, w);
	if (!m->have || h < 2)
		return;
	/* before any cell: pairs made earlier in this frame stay valid */
	tui_media_pairs_reserve(m, w * h);
	if (m->dec.info.video && m->dec.n > 0)
		draw_strip(m, y + 1, x, w, h - 1);
	else if (m->dec.n > 0)
		draw_frame(m, 0, y + 1, x, w, h - 1);
	if (!m->drawn_ns)
		m->drawn_ns = assay_mono_ns();
}

bool tui_media_draw_zoom(tui_media *m, int bottom)
{
	if (!m->zoom || !tui_media_shown(m))
		return false;
	for (int y = 1; y < bottom; y++) {
		move(y, 0);
		clrtoeol();
	}
	tui_media_draw(m, 1, 1, COLS - 2, bottom - 1);
	return true;
}

void tui_media_key_toggle(tui_media *m)
{
	m->off = !m->off;
	if (m->off)
		m->zoom = false;
	tui_message(m->b, false, "media pane %s", m->off ? "hidden (m shows it)" : "shown");
}

void tui_media_key_zoom(tui_media *m)
{
	if (m->state == TUI_MEDIA_NONE) {
		tui_message(m->b, false, "this sample names no media");
		return;
	}
	m->off = false;
	m->zoom = !m->zoom;
}

/* What o opens and y copies: the file's path, or the URL or URI. */
static const char *target(const tui_media *m)
{
	return m->ref.kind == MEDIA_NONE ? NULL : m->ref.where;
}

/* Runs argv detached (its own session, no terminal, not waited for) and
 * reports whether it could be started (through a close-on-exec pipe). */
static int spawn_detached(char *const argv[], int *err_no)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return (*err_no = errno), -1;
	pid_t mid = fork();
	if (mid == 0) {
		setsid();
		int null = open("/dev/null", O_RDWR);
		for (int fd = 0; fd < 3; fd++)
			dup2(null, fd);
		if (fork() == 0) {
			signal(SIGPIPE, SIG_DFL);
			execvp(argv[0], argv);
			int e = errno;
			if (write(p[1], &e, sizeof e) < 0)
				_exit(127);
		}
		_exit(0);
	}
	close(p[1]);
	if (mid < 0) {
		close(p[0]);
		return (*err_no = errno), -1;
	}
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	int e = 0;
	ssize_t n;
	while ((n = read(p[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(p[0]);
	if (n == (ssize_t)sizeof e)
		return (*err_no = e), -1;
	return 0;
}

void tui_media_key_open(tui_media *m)
{
	const char *t = target(m);
	if (!t || m->ref.kind == MEDIA_UNREACHABLE) {
		tui_message(m->b, true, "%s", t ? m->msg : "this sample names no media");
		return;
	}
	const char *opener = getenv("ASSAY_OPENER");
	if (!opener || !opener[0])
		opener = "xdg-open";
	char *argv[] = {(char *)opener, (char *)t, NULL};
	int e = 0;
	if (spawn_detached(argv, &e) < 0)
		tui_message(m->b, true, "cannot open it: %s: %s", opener, strerror(e));
	else
		tui_message(m->b, false, "opened with %s: %s", opener, t);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void tui_media_key_copy(tui_media *m)
{
	const char *t = target(m);
	if (!t) {
		tui_message(m->b, true, "this sample names no media");
		return;
	}
	/* no control character goes to the clipboard: a newline pasted into
	 * a shell would run what follows it */
	char clean[COPY_MAX];
	size_t n = 0, dropped = 0;
	for (const unsigned char *p = (const unsigned char *)t; *p && n < sizeof clean - 1; p++)
		if (*p < 0x20 || *p == 0x7f)
			dropped++;
		else
			clean[n++] = (char)*p;
	clean[n] = '\0';
	abuf out = {0};
	abuf_puts(&out, "\033]52;c;");
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)clean[i] << 16 |
			     (i + 1 < n ? (unsigned char)clean[i + 1] << 8 : 0) |
			     (i + 2 < n ? (unsigned char)clean[i + 2] : 0);
		char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63],
			     i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '='};
		abuf_append(&out, q, 4);
	}
	abuf_puts(&out, "\a");
	if (out.data) {
		fwrite(out.data, 1, out.len, stdout);
		fflush(stdout);
	}
	abuf_free(&out);
	tui_message(m->b, false, "copied %s (%zu bytes, by OSC 52)%s", clean, n,
		    dropped ? "; control characters left out" : "");
}
