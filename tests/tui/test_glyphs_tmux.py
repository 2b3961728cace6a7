"""test_glyphs_tmux.py — every code point of a sample reaches the screen as a
glyph or a visible placeholder, on the review screen and in the built-in
editor: ZWJ sequences, emoji modifiers, variation selectors, tag sequences,
regional indicators, long combining stacks, a bare CR and other invisible
characters (tmux, real curses)."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, eq  # noqa: E402

BUILD = os.environ.get("ASSAY_BUILD",
                       os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
                           os.path.abspath(__file__)))), "build"))
DRIVER = os.path.join(BUILD, "tests", "tui", "editor_driver")
UTF8 = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}

TAGS = "\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"
ACUTE = "\u0301"
# (stored line, what the screen must show for it)
LINES = [
    ("Great job \U0001F44D\u200D\U0001F595\u200D\U0001F4A9 well done.",
     "Great job \U0001F44D<U+200D>\U0001F595<U+200D>\U0001F4A9 well done."),
    ("Skin \U0001F44D\U0001F3FD ok, family \U0001F468\u200D\U0001F469\u200D\U0001F467 too.",
     "Skin \U0001F44D<U+1F3FD> ok, family "
     "\U0001F468<U+200D>\U0001F469<U+200D>\U0001F467 too."),
    ("Heart \u2764\uFE0F text \u263A\uFE0E ideograph \u845B\U000E0100 end.",
     "Heart \u2764<U+FE0F> text \u263A<U+FE0E> ideograph \u845B<U+E0100> end."),
    ("Scotland \U0001F3F4" + TAGS + " France \U0001F1EB\U0001F1F7 end.",
     "Scotland \U0001F3F4<U+E0067><U+E0062><U+E0073><U+E0063><U+E0074><U+E007F>"
     " France \U0001F1EB\U0001F1F7 end."),
    ("Zalgo e" + ACUTE * 6 + " end.",
     "Zalgo e" + ACUTE * 4 + "\u25CC" + ACUTE * 2 + " end."),
    ("bare\rCR, a\u200Cb, filler \u3164, sep\u2028end.",
     "bare^MCR, a<U+200C>b, filler <U+3164>, sep<U+2028>end."),
]
TEXT = "\n".join(stored for stored, _ in LINES)


def rows(screen):
    return [r.rstrip() for r in screen.split("\n")]


def wait_rows(t, want, timeout=10.0):
    """Waits until every wanted line is a whole row of the screen (so no
    code point was dropped and nothing after it was shifted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = t.screen()
        got = rows(s)
        if all(any(r.endswith(w) for r in got) for w in want):
            return s
        time.sleep(0.05)
    s = t.screen()
    missing = [w for w in want if not any(r.endswith(w) for r in rows(s))]
    raise AssertionError(f"not shown: {missing!r}\non screen:\n{s}")


def test_review_shows_every_code_point():
    with Workdir() as w:
        rec = json.dumps({"id": "g1", "caption": TEXT, "meta": {"model": "m1"}})
        r = w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", rec))
        eq(r.code, 0, r)
        e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path, **UTF8}
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s',
               BIN, "--db", w.db, "review", "--order", "import"]
        with Tmux(cmd, width=120, height=40, env=e, cwd=w.path) as t:
            t.wait_for("g1  (b)")
            wait_rows(t, [shown for _, shown in LINES])


class Editor:
    def __init__(self, text, width=110, height=16):
        self.w = Workdir()
        self.inp = self.w.file("in.txt", text.encode("utf-8"), mode="wb")
        self.out = os.path.join(self.w.path, "out.txt")
        self.t = Tmux([DRIVER, self.inp, self.out], width=width, height=height, env=UTF8,
                      cwd=self.w.path)
        self.t.wait_for("^S save", timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.t.close()
        self.w.__exit__(*exc)

    def cursor(self):
        out = subprocess.run(["tmux", "-L", self.t.sock, "display", "-p", "-t", "0",
                              "#{cursor_x} #{cursor_y}"],
                             capture_output=True, text=True, env=self.t.env).stdout.split()
        return int(out[0]), int(out[1])

    def wait_cursor(self, want, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.cursor() == want:
                return
            time.sleep(0.03)
        raise AssertionError(f"cursor at {self.cursor()}, expected {want}:\n{self.t.screen()}")


def test_editor_shows_every_code_point():
    with Editor(TEXT) as e:
        s = wait_rows(e.t, [shown for _, shown in LINES])
        # nothing ran past its row: the rows after the text are empty
        check(rows(s)[2 + len(LINES)] == "", s)


def test_editor_steps_over_what_it_shows():
    # Host header is row 0, title row 1, text from row 2. Each glyph and each
    # placeholder is one step; the terminal's cursor lands where curses drew.
    with Editor(LINES[0][0]) as e:
        e.wait_cursor((0, 2))
        e.t.keys("End")
        e.wait_cursor((len("Great job ") + 2 + 8 + 2 + 8 + 2 + len(" well done."), 2))
        e.t.keys("Home")
        for _ in range(len("Great job ")):
            e.t.keys("Right")
        e.wait_cursor((10, 2))
        for col in (12, 20, 22, 30, 32):
            e.t.keys("Right")
            e.wait_cursor((col, 2))
        # Delete on the second joiner's placeholder removes that one code point
        e.t.keys("Left", "Left", "DC", "C-s")
        e.t.wait_exit()
        with open(e.out + ".status") as f:
            eq(f.read(), "saved")
        with open(e.out, encoding="utf-8") as f:
            eq(f.read(), "Great job \U0001F44D\u200D\U0001F595\U0001F4A9 well done.")
