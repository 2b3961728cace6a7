"""[media] protocol = sixel or kitty: the review screen in a pty that answers
the terminal queries as a sixel or kitty terminal would, the bytes it writes
read back — the picture placed over the pane's cells after curses has drawn
them, taken away under the help overlay and drawn again after it, moved on
a resize and the zoom key, deleted when the next sample has none, and
nothing of a sample inside a picture's escape; in tmux (which answers
neither) and under a TERM that cannot, symbols and a one-line note."""
import fcntl
import os
import re
import signal
import struct
import subprocess
import sys
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402
from test_review_media import RED, setup, wait_colour  # noqa: E402

SIXEL = re.compile(rb'\x1b7\x1b\[(\d+);(\d+)H\x1bP0;1;0q"1;1;(\d+);(\d+)(.*?)\x1b\\\x1b8', re.S)
KITTY = re.compile(rb"\x1b7\x1b\[(\d+);(\d+)H\x1b_Ga=T,f=32,s=(\d+),v=(\d+),i=(\d+),c=(\d+),"
                   rb"r=(\d+),q=2,C=1,m=[01];")
KITTY_DEL = re.compile(rb"\x1b_Ga=d,d=I,i=(\d+),q=2\x1b\\")
ESCAPED = re.compile(rb"\x1bP(.*?)\x1b\\|\x1b_(.*?)\x1b\\", re.S)
PLAIN = {"id": "p", "caption": "No picture here. PLAIN-SECOND"}
# what a picture's escape must never carry: the caption, the file's name
MARKERS = [b"RED-CAPTION", b"red.png", b"PLAIN-SECOND"]


class Pty:
    """The program on a pty of cols x rows cells of 10 x 20 pixels that
    answers the queries (cell size, kitty graphics, device attributes)."""

    def __init__(self, argv, env, size, answer):
        self.master, slave = os.openpty()
        self.size(*size)
        self.answer = answer
        self.out = b""
        self.answered = False

        def tty():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                  preexec_fn=tty, close_fds=True)
        os.close(slave)

    def size(self, cols, rows):
        fcntl.ioctl(self.master, termios.TIOCSWINSZ,
                    struct.pack("HHHH", rows, cols, cols * 10, rows * 20))

    def resize(self, cols, rows):
        self.size(cols, rows)
        self.p.send_signal(signal.SIGWINCH)

    def pump(self, wait=0.05):
        r, _, _ = __import__("select").select([self.master], [], [], wait)
        if r:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            self.out += data
        if not self.answered and b"\x1b[c" in self.out:
            self.answered = True
            os.write(self.master, self.answer)

    def expect(self, pattern, since, timeout=15.0):
        """The first match of pattern in what was written after `since`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = pattern.search(self.out, since) if hasattr(pattern, "search") else None
            if m:
                return m
            if not hasattr(pattern, "search") and pattern in self.out[since:]:
                return self.out.index(pattern, since)
            self.pump()
        raise AssertionError(f"{pattern!r} not written; the end was {self.out[-600:]!r}")

    def keys(self, k):
        os.write(self.master, k)

    def wait_exit(self, timeout=10.0):
        """Its exit status, what it writes read meanwhile (a full pty would
        hold it)."""
        deadline = time.monotonic() + timeout
        while self.p.poll() is None and time.monotonic() < deadline:
            self.pump()
        for _ in range(5):
            self.pump(0.01)
        return self.p.wait(timeout=1)

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        os.close(self.master)


def start(w, answer, size=(160, 40)):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm-256color",
           "LANG": "C.UTF-8", "HOME": w.path, "XDG_CONFIG_HOME": w.path,
           "ASSAY_ANNOTATOR": "tester"}
    return Pty([BIN, "--db", w.db, "review", "--order", "import"], env, size, answer)


def inert(out):
    """No escape of a picture carries a sample's text or name, and a sixel
    body is only its own alphabet."""
    for m in ESCAPED.finditer(out):
        body = m.group(1) or m.group(2) or b""
        for mark in MARKERS:
            check(mark not in body, (mark, body[:80]))
        if m.group(1) is not None and body.startswith(b"0;1;0q"):
            check(re.fullmatch(rb'[0-9;#!"$\-?-~q]*', body), body[:80])


def test_sixel_is_placed_over_the_pane_hidden_under_help_and_moved_on_resize_and_zoom():
    with Workdir() as w:
        setup(w, [RED, PLAIN], config="[media]\nprotocol = sixel\n")
        t = start(w, b"\x1b[6;20;10t\x1b[?62;4;22c")
        try:
            m = t.expect(SIXEL, 0)
            y, x, pw, ph, body = int(m[1]), int(m[2]), int(m[3]), int(m[4]), m[5]
            check(x > 100, (y, x))  # beside the text, on a wide screen
            check(2 <= y < 40 and 0 < pw <= 60 * 10 and 0 < ph <= 38 * 20, (pw, ph))
            eq(re.findall(rb"#(\d+);2;([\d;]+)", body), [(b"180", b"100;0;0")])  # red only
            # the caption was drawn by curses before the picture came
            check(t.out.index(b"RED-CAPTION") < m.start(), "caption after the picture")
            # the help over it: no picture while it is up, drawn again after
            mark = len(t.out)
            t.keys(b"?")
            t.expect(b"press any key", mark)
            time.sleep(0.5)
            t.pump()
            eq(SIXEL.search(t.out, mark), None)
            mark = len(t.out)
            t.keys(b"x")
            again = t.expect(SIXEL, mark)
            eq((again[1], again[2], again[3]), (m[1], m[2], m[3]))
            # narrower: above the text, across the screen
            mark = len(t.out)
            t.resize(80, 30)
            moved = t.expect(SIXEL, mark)
            check(int(moved[2]) < 40, (moved[1], moved[2]))  # centred on 80
            # z: the whole screen, a bigger picture
            mark = len(t.out)
            t.keys(b"z")
            big = t.expect(SIXEL, mark)
            check(int(big[3]) > int(moved[3]), (big[3], moved[3]))
            mark = len(t.out)
            t.keys(b"z")
            eq(t.expect(SIXEL, mark)[3], moved[3])
            # the next sample has none: nothing drawn for it
            mark = len(t.out)
            t.keys(b"a")
            t.expect(b"PLAIN-SECOND", mark)
            time.sleep(0.5)
            t.pump()
            eq(SIXEL.search(t.out, mark), None)
            inert(t.out)
            t.keys(b"q")
            eq(t.wait_exit(), 0)
        finally:
            t.close()


def test_kitty_images_are_deleted_under_help_at_the_next_sample_and_on_leaving():
    with Workdir() as w:
        setup(w, [RED, PLAIN], config="[media]\nprotocol = kitty\n")
        t = start(w, b"\x1b[6;20;10t\x1b_Gi=31;OK\x1b\\\x1b[?62;22c")
        try:
            m = t.expect(KITTY, 0)
            first = m[5]
            cols, rows = int(m[6]), int(m[7])
            check(int(m[2]) > 100 and cols > 4 and rows > 2, m.groups())
            check(int(m[3]) <= cols * 10 and int(m[4]) <= rows * 20, m.groups())
            mark = len(t.out)
            t.keys(b"?")
            gone = t.expect(KITTY_DEL, mark)
            eq(gone[1], first)
            t.expect(b"press any key", mark)
            mark = len(t.out)
            t.keys(b"x")
            back = t.expect(KITTY, mark)
            mark = len(t.out)
            t.keys(b"a")
            eq(t.expect(KITTY_DEL, mark)[1], back[5])
            t.expect(b"PLAIN-SECOND", mark)
            # back to the picture, then leaving: its image deleted
            mark = len(t.out)
            t.keys(b"h")
            shown = t.expect(KITTY, mark)
            mark = len(t.out)
            t.keys(b"q")
            eq(t.wait_exit(), 0)
            eq(t.expect(KITTY_DEL, mark)[1], shown[5])
            inert(t.out)
        finally:
            t.close()


def test_a_terminal_that_does_not_answer_or_a_term_that_cannot_gets_symbols_and_a_note():
    with Workdir() as w:
        setup(w, [RED], config="[media]\nprotocol = sixel\n")
        e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path,
             "LANG": "C.UTF-8"}
        # tmux 3.3 answers the device attributes without sixel
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review"]
        with Tmux(cmd, width=120, height=40, env=e, cwd=w.path) as t:
            s = t.wait_for("RED-CAPTION")
            contains(s, "the terminal did not answer that it shows sixel: pictures drawn as")
            _, red = wait_colour(t, "red", 20)
            check(len(red) >= 20, t.screen())
        w.file("assay/config", "[media]\nprotocol = kitty\n")
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', "env", "TERM=screen-256color",
               BIN, "--db", w.db, "review"]
        with Tmux(cmd, width=120, height=40, env=e, cwd=w.path) as t:
            s = t.wait_for("RED-CAPTION")
            contains(s, "TERM=screen-256color cannot show kitty graphics")
            _, red = wait_colour(t, "red", 20)
            check(len(red) >= 20, t.screen())
        w.file("assay/config", "[media]\nprotocol = ascii-art\n")
        with Tmux(cmd, width=120, height=40, env=e, cwd=w.path) as t:
            contains(t.wait_for("media.protocol"), "must be symbols, sixel or kitty")
