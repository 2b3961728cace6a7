"""Keys of the review screen in a real terminal (tmux): Ctrl-C quits as q
does, Ctrl-Z suspends and fg resumes, search highlights and repeats, the
built-in editor's keys, the help overlay's whole lines."""
import json
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402


def settled(t, text, timeout=10.0):
    """The screen once text is on it and two captures 0.1 s apart agree
    (a capture can catch a frame half drawn)."""
    s = t.wait_for(text, timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        again = t.screen()
        if again == s and text in s:
            return s
        s = again
    return t.wait_for(text, 0.1)


def setup(w, texts):
    recs = [json.dumps({"id": f"s{i}", "caption": t}) for i, t in enumerate(texts)]
    r = w.run("import", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
    eq(r.code, 0, r)


def screen(w, size=(80, 24), env=None, pre=()):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    e.update(env or {})
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', *pre, BIN, "--db", w.db, "review",
           "--order", "import"]
    return Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)


SHORT = ["A heron stands in the water.", "A swan glides on the lake.", "Two ducks rest."]


def test_ctrl_c_quits_as_q_does():
    with Workdir() as w:
        setup(w, SHORT)
        for size in ((80, 24), (200, 60)):
            with screen(w, size=size) as t:
                t.wait_for("s0  (b)")
                t.keys("C-c")
                t.wait_for("reviewed 0 samples")
                eq(t.wait_exit(), 0)


def test_ctrl_c_warns_about_an_unsaved_edit_as_q_does():
    with Workdir() as w:
        setup(w, SHORT)
        with screen(w) as t:
            t.wait_for("s0  (b)")
            # the store refuses the edit (a lock only makes it wait: test_review_wait)
            con = sqlite3.connect(w.db, timeout=5)
            con.execute("CREATE TRIGGER refuse BEFORE INSERT ON events"
                        " BEGIN SELECT RAISE(ABORT, 'refused'); END")
            con.commit()
            t.keys("e")
            t.wait_for("Ctrl-S save")
            t.keys("End")
            t.keys(" Kept.", literal=True)
            t.keys("C-s")
            t.wait_for("your edit is kept")
            t.keys("C-c")  # held back once, as q is
            t.wait_for("q again quits without it")
            con.execute("DROP TRIGGER refuse")
            con.commit()
            con.close()
            t.keys("C-c")
            t.wait_for("reviewed 0 samples")
            eq(t.wait_exit(), 0)


def test_ctrl_z_suspends_and_fg_resumes_but_is_undo_in_the_editor():
    for size in ((80, 24), (200, 60)):
        with Workdir() as w:
            setup(w, SHORT)
            with Tmux(["bash", "--norc", "--noprofile", "+o", "history", "-i"], width=size[0],
                      height=size[1],
                      env={"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "PS1": "PROMPT$ "},
                      cwd=w.path) as t:
                t.wait_for("PROMPT$")
                t.keys(f"{BIN} --db {w.db} review --order import", "Enter")
                t.wait_for("a accept")
                t.keys("e")
                t.wait_for("Ctrl-S save")
                t.keys("End")
                t.keys("XYZ", literal=True)
                t.wait_for("water.XYZ")
                t.keys("C-z")  # in the editor: undo
                t.wait_gone("water.XYZ")
                t.keys("Escape")
                t.wait_gone("Ctrl-S save")
                t.keys("C-z")
                s = settled(t, "Stopped")
                check("a accept" not in s, s)  # the shell's screen is back
                t.keys("fg", "Enter")
                s = settled(t, "a accept")
                contains(s, "s0  (b)  undecided")
                t.keys("a")
                t.wait_for("s1  (b)")
                t.keys("q")
                t.wait_for("reviewed 1 samples")


def test_search_highlights_scrolls_repeats_and_says_when_it_wraps():
    with Workdir() as w:
        filler = " ".join(f"word{i}" for i in range(700))
        setup(w, ["Nothing here.", filler + " a grey HERON at the end", "A swan.",
                  "Another heron on a rock."])
        for size in ((80, 24), (200, 60)):
            with screen(w, size=size) as t:
                t.wait_for("s0  (b)")
                t.keys("N")
                t.wait_for("nothing to repeat")
                t.keys("/")
                t.wait_for("search:")
                t.keys("heron", literal=True)
                t.keys("Enter")
                s = settled(t, "s1  (b)")
                contains(s, "a grey HERON at the end")  # scrolled to the match
                raw = t.screen_escapes()
                check(re.search(r"\x1b\[[0-9;]*mHERON", raw), raw)  # in its own colours
                t.keys("N")
                s = settled(t, "s3  (b)")
                check("wrapped" not in s, s)
                t.keys("N")
                s = settled(t, "s1  (b)")
                contains(s, "search wrapped round to the start of the queue")
                t.keys("/")
                t.wait_for("search:")
                t.keys("Enter")  # an empty prompt repeats the last search
                t.wait_for("s3  (b)")
                t.keys("q")
                t.wait_exit()


def test_the_editor_lists_its_keys_deletes_words_and_tells_the_logical_column():
    with Workdir() as w:
        long = "A grey heron stands in shallow water near the reeds. " * 4 + " ".join(
            f"word{i}" for i in range(60)) + " and here it ends"
        setup(w, [long, "Second."])
        for size in ((80, 24), (200, 60)):
            with screen(w, size=size) as t:
                t.wait_for("s0  (b)")
                t.keys("e")
                s = settled(t, "Ctrl-S save")
                # the flagged reasons stay in view above the editor
                contains(s, "! repetition")
                contains(s, "F1 all keys")
                t.keys("End")
                t.wait_for(f"Ln 1, Col {len(long) + 1}")
                t.keys("F1")
                s = settled(t, "editor keys")
                contains(s, "delete the next word")
                t.keys("x")
                t.wait_gone("editor keys")
                t.keys("Home")
                t.wait_for("Ln 1, Col 1")
                t.keys("M-d")
                s = settled(t, "\ngrey heron stands")
                t.keys("C-DC")
                t.wait_for("\nheron stands")
                t.keys("C-s")
                t.wait_for("edit saved")
                t.keys("u")
                t.wait_for("undone")
                t.keys("q")
                t.wait_exit()
        eq(w.sql("SELECT count(*) FROM decisions"), [(0,)])


def test_the_help_overlay_wraps_long_lines_instead_of_cutting_them():
    with Workdir() as w:
        setup(w, SHORT)
        for size in ((80, 24), (200, 60)):
            with screen(w, size=size) as t:
                t.wait_for("s0  (b)")
                t.keys("?")
                s = settled(t, "press any key to close")
                flat = re.sub(r"[\s\u2502]+", " ", s)
                contains(flat, "word diff of an edit against")
                contains(s, "the original")
                t.keys("x")
                t.wait_gone("press any key")
                t.keys("q")
                t.wait_exit()


def test_the_quit_summary_counts_each_sample_once_by_its_last_verdict():
    with Workdir() as w:
        setup(w, [f"Sample {i} of the queue." for i in range(8)])
        with screen(w) as t:
            for i in range(5):
                t.wait_for(f"s{i}  (b)")
                t.keys("a")
            t.wait_for("s5  (b)")
            t.keys("u")
            t.wait_for("undone: back on s4")
            t.keys("u")
            t.wait_for("undone: back on s3")
            for _ in range(2):  # s3, then whichever comes next
                t.wait_for("(b)  undecided")
                t.keys("r")
                t.wait_for("reject: why?")
                t.keys("1")
                t.wait_gone("reject: why?")
            t.wait_for("(b)  undecided")
            t.keys("q")
            t.wait_for("reviewed ")
            time.sleep(0.2)
            # the line wraps at 80 columns, where depends on how long the
            # session took, and a space at the end of a row is not captured
            s = "".join(t.screen().split())
            contains(s, "reviewed5samples")
            contains(s, "3accepted,0edited,2rejected,0skipped,2undone")
        eq(w.sql("SELECT verdict, count(*) FROM decisions GROUP BY verdict ORDER BY verdict"),
           [("accepted", 3), ("rejected", 2)])
