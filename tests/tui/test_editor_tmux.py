"""test_editor_tmux.py — the built-in editor and the $EDITOR path in a real
terminal: tests/tui/editor_driver (a test-only program that opens the editor
on a file's text under a one-row host header) driven through tmux."""
import os
import stat
import subprocess
import time

from harness import Tmux, Workdir, check, contains, eq

BUILD = os.environ.get("ASSAY_BUILD",
                       os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
                           os.path.abspath(__file__)))), "build"))
DRIVER = os.path.join(BUILD, "tests", "tui", "editor_driver")
UTF8 = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}

FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467"
FLAG = "\U0001F1EB\U0001F1F7"


class Editor:
    """The driver on `text` in a fresh workdir; .result() waits for it."""

    def __init__(self, text, width=60, height=12, external=False, env=None):
        self.w = Workdir()
        self.inp = self.w.file("in.txt", text, mode="w")
        self.out = os.path.join(self.w.path, "out.txt")
        args = [DRIVER] + (["--external"] if external else []) + [self.inp, self.out]
        self.t = Tmux(args, width=width, height=height, env={**UTF8, **(env or {})},
                      cwd=self.w.path)
        self.t.wait_for("^S save" if not external else "", timeout=10)

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

    def result(self):
        status = self.t.wait_exit()  # tmux reports a 0 exit status as None
        check(status in (0, None), f"driver exit status {status}")
        with open(self.out + ".status") as f:
            status = f.read()
        text = None
        if os.path.exists(self.out):
            with open(self.out, encoding="utf-8") as f:
                text = f.read()
        return status, text


def test_type_move_and_save_exact():
    with Editor("hello world\nsecond") as e:
        e.t.keys("Home")
        e.t.keys(">", literal=True)
        e.t.keys("End")
        e.t.keys(" there", literal=True)
        e.t.keys("Down", "Left", "BSpace", "Enter")
        e.t.keys("C-s")
        eq(e.result(), ("saved", ">hello world there\nseco\nd"))


def test_f2_saves_and_unchanged_save_is_no_edit():
    with Editor("same text") as e:
        e.t.keys("x", "BSpace", "F2")
        eq(e.result(), ("unchanged", None))


def test_cursor_column_over_wide_and_combining_clusters():
    # Host header is row 0, title row 1, text from row 2.
    text = "a日本e\u0301" + FAMILY + FLAG + "z"
    with Editor(text) as e:
        e.wait_cursor((0, 2))
        # the family is its three emoji with each joiner shown as <U+200D>
        cols = [1, 3, 5, 6, 8, 16, 18, 26, 28, 30, 31]
        for c in cols:
            e.t.keys("Right")
            e.wait_cursor((c, 2))
        for c in reversed([0] + cols[:-1]):
            e.t.keys("Left")
            e.wait_cursor((c, 2))
        # Delete removes what the screen shows as one: the family's five
        # cells and the flag go in six keys.
        for _ in range(4):
            e.t.keys("Right")
        e.t.keys("DC", "DC", "DC", "DC", "DC", "DC", "C-s")
        eq(e.result(), ("saved", "a日本e\u0301z"))


def test_up_down_by_display_line_with_wide_chars():
    # 19 text columns at width 20: nine wide characters fill 18 columns.
    text = "ab" + "日" * 20
    with Editor(text, width=20) as e:
        e.t.keys("Right", "Right", "Right")   # after "ab日": column 4
        e.wait_cursor((4, 2))
        e.t.keys("Down")                      # column 4 is a character start
        e.wait_cursor((4, 3))
        e.t.keys("Right", "Up", "Up")         # top row: column 6, goal kept
        e.wait_cursor((6, 2))
        e.t.keys("Down", "Down")
        e.wait_cursor((6, 4))                 # last row: three characters, end
        e.t.keys("日", "C-s")
        status, out = e.result()
        eq(status, "saved")
        eq(out, "ab" + "日" * 21)


def test_escape_with_changes_asks():
    with Editor("keep") as e:
        e.t.keys("X")
        e.t.keys("Escape")
        e.t.wait_for("Discard changes? (y/n)")
        e.t.keys("n")
        e.t.wait_gone("Discard changes?")
        e.t.keys("Y")
        e.t.wait_for("XYkeep")
        e.t.keys("Escape")
        e.t.wait_for("Discard changes?")
        e.t.keys("y")
        eq(e.result(), ("cancelled", None))


def test_escape_without_changes_leaves_at_once():
    with Editor("keep") as e:
        e.t.keys("Escape")
        eq(e.result(), ("cancelled", None))


def test_emacs_keys_words_and_kills():
    with Editor("one two three four\nfive") as e:
        e.t.keys("M-f", "M-f")               # before "three"
        e.t.keys("C-k")                      # kills "three four"
        e.t.keys("C-k")                      # at the end: joins "five"
        e.t.keys("C-e", "C-w")               # kills "five"
        e.t.keys("C-a", "M-f", "C-u")        # kills "one "
        e.t.keys("C-Right", "C-Left", "C-Left")
        e.t.keys("[", "C-e", "]")
        e.t.wait_for("[two ]")
        e.t.keys("C-z", "C-z")               # undoes "]" then "["
        e.t.wait_gone("[two")
        e.t.keys("C-s")
        eq(e.result(), ("saved", "two "))


def test_bracketed_paste_is_literal_and_cleaned():
    with Editor("<>") as e:
        e.t.keys("Right")
        # The paste holds keys the editor would otherwise act on (Ctrl-S,
        # Escape, an arrow sequence) and CRLF line ends.
        e.t.keys("\x1b[200~line1\r\nline2\x13\x1b[Aend\x1b\r\x1b[201~", literal=True)
        e.t.wait_for("line2")
        e.t.keys("C-s")
        eq(e.result(), ("saved", "<line1\nline2[Aend\n>"))


def test_tmux_paste_buffer_uses_bracketed_paste():
    with Editor("") as e:
        buf = os.path.join(e.w.path, "paste.txt")
        with open(buf, "wb") as f:
            f.write("pasted\r\nα\x1b]52;c;ZXZpbA==\x07β\n".encode())
        subprocess.run(["tmux", "-L", e.t.sock, "load-buffer", buf], check=True, env=e.t.env)
        subprocess.run(["tmux", "-L", e.t.sock, "paste-buffer", "-p", "-r", "-t", "0"],
                       check=True, env=e.t.env)
        e.t.wait_for("pasted")
        e.t.keys("C-s")
        eq(e.result(), ("saved", "pasted\nα]52;c;ZXZpbA==β\n"))


def test_hostile_text_is_shown_inert():
    text = "A\x1b[2J\x1b]52;c;ZXZpbA==\x07B\u202eevil\u200bC\x00D\x7fE\udcff"
    w = Workdir()
    with w:
        raw = text.encode("utf-8", "surrogateescape")
        inp = w.file("in.bin", raw, mode="wb")
        out = os.path.join(w.path, "out.txt")
        with Tmux([DRIVER, inp, out], width=80, height=12, env=UTF8, cwd=w.path) as t:
            s = t.wait_for("^S save")
            contains(s, "A^[[2J^[]52;c;ZXZpbA==^GB<U+202E>evil<U+200B>C\u2400D^?E\ufffd")
            # placeholders are drawn in the placeholder attribute (red, bold)
            esc = t.screen_escapes()
            check("\x1b[1m\x1b[31m^[" in esc or "\x1b[1;31m^[" in esc or "31m^[" in esc,
                  f"placeholder not coloured:\n{esc!r}")
            t.keys("Z", "C-s")
            t.wait_exit()
            with open(out + ".status") as f:
                eq(f.read(), "saved")
            with open(out, "rb") as f:
                saved = f.read()
            # the NUL and the invalid byte were repaired, the rest kept
            eq(saved.decode("utf-8"), "Z" + text.replace("\x00", "\u2400")
               .replace("\udcff", "\ufffd"))


def test_resize_keeps_text_and_cursor():
    with Editor("alpha beta gamma delta epsilon zeta eta theta iota kappa", width=60) as e:
        e.t.keys("M-f", "M-f", "M-f")        # before "delta"
        e.wait_cursor((17, 2))
        e.t.resize(20, 10)
        e.t.wait_for("resizes=1")
        # 19 columns: "alpha beta gamma " then "delta ..." on the next row
        e.wait_cursor((0, 3))
        e.t.keys("X")
        e.t.wait_for("Xdelta")
        e.t.resize(40, 12)
        e.t.wait_for("resizes=2")
        e.wait_cursor((18, 2))
        e.t.resize(30, 2)                    # too small for the editor
        e.t.wait_for("terminal")
        e.t.keys("Y")                        # keys still edit
        e.t.resize(50, 12)
        e.t.wait_for("XYdelta")
        e.wait_cursor((19, 2))
        e.t.keys("C-s")
        eq(e.result(), ("saved", "alpha beta gamma XYdelta epsilon zeta eta theta iota kappa"))


def test_long_text_scrolls_to_keep_cursor_visible():
    text = "\n".join(f"line {i}" for i in range(100))
    with Editor(text, width=40, height=10) as e:
        e.t.keys("M->")                     # end of the text
        s = e.t.wait_for("line 99")
        check("line 0" not in [r.strip() for r in s.split("\n")], s)
        e.wait_cursor((7, 8))               # last text row of the window
        e.t.keys("PPage")                   # six lines up: still on screen
        e.wait_cursor((7, 2))
        e.t.keys("PPage")
        e.t.wait_for("line 87")
        e.t.keys("M-<")
        e.t.wait_for("line 0")
        e.wait_cursor((0, 2))
        e.t.keys("Escape")
        eq(e.result(), ("cancelled", None))


def _fake_editor(w, body):
    p = w.file("fake editor.sh", "#!/bin/sh\n" + body + "\n")
    os.chmod(p, 0o755)
    return p


def test_external_editor_edits_in_private_file():
    w = Workdir()
    with w:
        log = os.path.join(w.path, "log")
        ed = _fake_editor(w, f"""stat -c %a "$1" > '{log}'
stat -c %a "$(dirname "$1")" >> '{log}'
echo "$1" >> '{log}'
sed -i s/cat/dog/ "$1"
""")
        inp = w.file("in.txt", "the cat sat")
        out = os.path.join(w.path, "out.txt")
        env = {**UTF8, "EDITOR": f"'{ed}'", "VISUAL": ""}
        with Tmux([DRIVER, "--external", inp, out], width=60, height=12, env=env,
                  cwd=w.path) as t:
            t.wait_for("BACK IN CURSES")     # curses came back after the editor
            check(t.wait_exit() in (0, None))
        with open(out + ".status") as f:
            eq(f.read(), "saved")
        with open(out) as f:
            eq(f.read(), "the dog sat")
        with open(log) as f:
            mode, dmode, path = f.read().split("\n")[:3]
        eq((mode, dmode), ("600", "700"))
        check(not os.path.exists(path) and not os.path.exists(os.path.dirname(path)),
              f"temp file or directory left behind: {path}")


def test_external_editor_failure_is_no_edit():
    w = Workdir()
    with w:
        inp = w.file("in.txt", "the cat sat")
        out = os.path.join(w.path, "out.txt")
        env = {**UTF8, "EDITOR": "sh -c 'exit 3'"}
        with Tmux([DRIVER, "--external", inp, out], width=60, height=12, env=env,
                  cwd=w.path) as t:
            t.wait_for("BACK IN CURSES")
            check(t.wait_exit() in (0, None))
        with open(out + ".status") as f:
            contains(f.read(), "exited with status 3; sample left unchanged")
        check(not os.path.exists(out), "no text written")
