/* Tests for src/tui/view.c: a frame reaches the terminal in one write,
 * however many places on the screen it changes (each write wakes the
 * terminal's reader; a key's redraw used to go out in thirty). The
 * terminal is a pseudo-terminal; write() is counted by defining it here,
 * in front of the C library's (curses calls it through the dynamic
 * linker). */
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../src/tui/view.h"
#include "unit.h"

static int writes_to_terminal;

ssize_t write(int fd, const void *buf, size_t n)
{
	if (fd == STDOUT_FILENO)
		writes_to_terminal++;
	return syscall(SYS_write, fd, buf, n);
}

/* Reads whatever the terminal has been sent, so no write waits for room. */
static void drain(int master)
{
	char buf[4096];
	while (read(master, buf, sizeof buf) > 0)
		;
}

TEST(a_frame_is_one_write)
{
	int master, slave;
	struct winsize ws = {.ws_row = 30, .ws_col = 100};
	CHECK(openpty(&master, &slave, NULL, NULL, &ws) == 0);
	fcntl(master, F_SETFL, O_NONBLOCK);
	int out = dup(STDOUT_FILENO), in = dup(STDIN_FILENO);
	dup2(slave, STDIN_FILENO);
	dup2(slave, STDOUT_FILENO);
	setenv("TERM", "xterm-256color", 1);
	unsetenv("LINES");
	unsetenv("COLUMNS");
	tui_base b = {0};
	conf_theme theme;
	conf_theme_init(&theme);
	assay_error err = {0};
	CHECK(tui_open(&b, &theme, &err) == ASSAY_OK);
	doupdate();
	drain(master);
	/* rows far apart and with gaps: each piece needs a cursor movement;
	 * checked once stdout is back (a failure is printed there) */
	int writes[3];
	for (int frame = 0; frame < 3; frame++) {
		erase();
		for (int y = 1; y < 28; y += 3)
			mvprintw(y, 5 + 7 * (y % 4) + frame, "row %d of frame %d", y, frame);
		wnoutrefresh(stdscr);
		writes_to_terminal = 0;
		doupdate();
		writes[frame] = writes_to_terminal;
		drain(master);
	}
	tui_close(&b);
	drain(master);
	dup2(out, STDOUT_FILENO);
	dup2(in, STDIN_FILENO);
	close(master);
	close(slave);
	for (int frame = 0; frame < 3; frame++)
		CHECK_INT(writes[frame], 1);
}

UNIT_MAIN(UNIT_CASE(a_frame_is_one_write))
