/* editor_driver.c — a test-only program that runs the built-in editor (or
 * the $EDITOR path) on the text of a file inside a real curses screen, so
 * tests/tui/test_editor_tmux.py can drive it in tmux.
 *   editor_driver [--external] IN OUT
 * writes the outcome ("saved", "unchanged", "cancelled", "error: ...") to
 * OUT.status and the text, when there is one, to OUT. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/tui/editor.h"

static int resizes;

/* The host's part of a resize: its own header row, and the editor's window
 * below it. */
static void draw_host(void)
{
	mvwprintw(stdscr, 0, 0, "HOST %dx%d resizes=%d", COLS, LINES, resizes);
	wclrtoeol(stdscr);
	wnoutrefresh(stdscr);
}

static int on_resize(void *ctx, WINDOW **win)
{
	(void)ctx;
	resizes++;
	draw_host();
	wresize(*win, LINES - 1 > 1 ? LINES - 1 : 1, COLS);
	mvwin(*win, 1, 0);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	abuf b = {0};
	char buf[65536];
	size_t k;
	while ((k = fread(buf, 1, sizeof buf, f)) > 0)
		abuf_append(&b, buf, k);
	fclose(f);
	*len = b.len;
	return abuf_take(&b);
}

static void put_file(const char *path, const char *suffix, const char *s, size_t n)
{
	char p[4096];
	snprintf(p, sizeof p, "%s%s", path, suffix);
	FILE *f = fopen(p, "wb");
	if (!f)
		return;
	fwrite(s, 1, n, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	bool external = argc > 1 && strcmp(argv[1], "--external") == 0;
	if (argc != 3 + external) {
		fprintf(stderr, "usage: editor_driver [--external] IN OUT\n");
		return 2;
	}
	const char *in = argv[1 + external], *outp = argv[2 + external];
	size_t len;
	char *text = slurp(in, &len);
	if (!text) {
		perror(in);
		return 2;
	}
	setlocale(LC_ALL, "");
	initscr();
	raw();
	noecho();
	nonl();
	set_escdelay(25);
	start_color();
	use_default_colors();
	init_pair(1, COLOR_RED, -1);
	draw_host();
	WINDOW *win = newwin(LINES - 1, COLS, 1, 0);
	char *out = NULL;
	size_t out_len = 0;
	assay_error err = {0};
	int rc;
	if (external) {
		bool changed = false;
		rc = tui_external_edit(text, len, &out, &out_len, &changed, &err);
		if (rc == ASSAY_OK)
			rc = changed ? TUI_EDITOR_SAVED : TUI_EDITOR_UNCHANGED;
		mvwprintw(stdscr, 2, 0, "BACK IN CURSES rc=%d", rc);
		refresh();
		napms(500);
	} else {
		tui_editor_theme th = {A_NORMAL, COLOR_PAIR(1) | A_BOLD, A_REVERSE, A_REVERSE,
				       A_BOLD};
		tui_editor_host host = {on_resize, NULL};
		rc =
		    tui_editor_run(win, "Edit sample", text, len, &out, &out_len, &th, &host, &err);
	}
	delwin(win);
	endwin();
	const char *status = rc == TUI_EDITOR_SAVED	  ? "saved"
			     : rc == TUI_EDITOR_UNCHANGED ? "unchanged"
			     : rc == TUI_EDITOR_CANCELLED ? "cancelled"
							  : NULL;
	char msg[1100];
	if (!status)
		snprintf(msg, sizeof msg, "error: %s", err.msg);
	else
		snprintf(msg, sizeof msg, "%s", status);
	if (out)
		put_file(outp, "", out, out_len);
	put_file(outp, ".status", msg, strlen(msg));
	free(out);
	free(text);
	return 0;
}
