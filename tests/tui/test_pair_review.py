"""The pair screen in a real terminal (tmux): a review that reaches a pair
of candidates shows both (side by side from 140 columns, stacked below),
every key at 80x24 and 200x60, the placement hashed per sample and
annotator with the stored verdict naming the candidate, undo, two
annotators in overlap, hostile candidates inert."""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402
from test_audit import sanitized_build  # noqa: E402
from test_review import screen, wait_db  # noqa: E402

SIZES = [(80, 24), (200, 60)]


def setup(w, n=8, good=None, bad=None):
    recs = [{"id": f"p{i}", "prompt": f"Question {i}?",
             "chosen": (good or "Good answer {i}, with care.").format(i=i),
             "rejected": (bad or "Bad answer {i}, in haste.").format(i=i),
             "chosen_model": "strong", "rejected_model": "weak"} for i in range(n)]
    r = w.run("import", "--no-score", "--batch", "b",
              w.file("p.jsonl", "\n".join(map(json.dumps, recs))))
    eq(r.code, 0, r)


def left_candidate(s, width):
    """'a' or 'b': the candidate under "Left (1)" on the screen s."""
    lines = s.splitlines()
    at = next(i for i, ln in enumerate(lines) if "Left (1)" in ln)
    first = lines[at + 1][: width // 2] if width >= 140 else lines[at + 1]
    check("Good answer" in first or "Bad answer" in first, s)
    return "a" if "Good answer" in first else "b"


def pref_of(w, ext_id, who="tester"):
    got = w.sql("SELECT d.verdict, d.pref, d.placement, d.text, d.reason FROM decisions d "
                "JOIN samples s ON s.id = d.sample_id JOIN annotators a ON a.id = d.annotator_id "
                "WHERE s.ext_id = ? AND a.name = ?", ext_id, who)
    return got[0] if got else None


def wait_pref(w, ext_id, who="tester", timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pref_of(w, ext_id, who)
        if got:
            return got
        time.sleep(0.05)
    return pref_of(w, ext_id, who)


def wait_escapes(t, pred, timeout=30):
    """The screen with its attributes once pred holds for it (the timeout
    only guards against a hang)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        e = t.screen_escapes()
        if pred(e):
            return e
        time.sleep(0.05)
    raise AssertionError(f"the attributes waited for never came:\n{t.screen_escapes()!r}")


def other(c):
    return "b" if c == "a" else "a"


def place(left):
    return "ab" if left == "a" else "ba"


def every_key(size):
    with Workdir() as w:
        setup(w)
        with screen(w, size=size) as t:
            # 1: the left one, whichever candidate it is
            s = t.wait_for("pair p0")
            contains(s, "Question 0?")
            contains(s, "Right (2)")
            left = left_candidate(s, size[0])
            t.keys("1")
            s = t.wait_for("pair p1")
            eq(wait_pref(w, "p0"), ("accepted", left, place(left), None, None))
            # 2: the right one
            left = left_candidate(s, size[0])
            t.keys("2")
            s = t.wait_for("pair p2")
            eq(wait_pref(w, "p1"), ("accepted", other(left), place(left), None, None))
            # =: a tie
            left = left_candidate(s, size[0])
            t.keys("=")
            s = t.wait_for("pair p3")
            eq(wait_pref(w, "p2"), ("accepted", "tie", place(left), None, None))
            # 0: both bad, with a reason from the picker
            left = left_candidate(s, size[0])
            t.keys("0")
            t.wait_for("reject: why?")
            t.keys("2")
            s = t.wait_for("pair p4")
            eq(wait_pref(w, "p3"), ("rejected", "both-bad", place(left), None, "factual error"))
            # d: the word diff (the words that differ coloured, both answers
            # still whole); s: skip
            t.keys("d")
            raw = wait_escapes(t, lambda e: re.search(r"\x1b\[[0-9;]*mGood", e)
                               and re.search(r"\x1b\[[0-9;]*mBad", e))
            s = t.wait_for("Good answer 4")
            check("Bad answer 4" in s, raw)
            t.keys("s")
            t.wait_for("pair p5")
            eq(wait_pref(w, "p4"), ("skipped", None, None, None, None))
            # e before a preference says what to do
            t.keys("e")
            t.wait_for("choose first")
            # u: undo the skip of p4, then the both-bad of p3
            t.keys("u")
            t.wait_for("undone: back on p4")
            t.keys("u")
            t.wait_for("undone: back on p3")
            eq(pref_of(w, "p3"), None)
            # h back to p0 (preferred): e corrects the chosen one
            for _ in range(8):
                t.keys("h")
                time.sleep(0.05)
            s = t.wait_for("pair p0")
            contains(s, "preferred")
            t.keys("e")
            t.wait_for("Ctrl-S save")
            t.keys("End")
            t.keys(" Fixed.", literal=True)
            t.keys("C-s")
            chosen = pref_of(w, "p0")[1]
            want = ("Good answer 0, with care." if chosen == "a" else "Bad answer 0, in haste.")
            wait_db(w, "SELECT d.verdict, d.pref, d.text FROM decisions d JOIN samples s "
                    "ON s.id = d.sample_id WHERE s.ext_id = 'p0'",
                    [("edited", chosen, want + " Fixed.")])
            t.keys("?")
            t.wait_for("left better")
            t.keys("q")
            t.keys("q")
            t.wait_for("reviewed")


def test_every_key_at_80x24():
    every_key((80, 24))


def test_every_key_at_200x60():
    every_key((200, 60))


def test_wide_is_side_by_side_and_narrow_stacked():
    with Workdir() as w:
        setup(w, n=1)
        with screen(w, size=(200, 40)) as t:
            s = t.wait_for("Right (2)")
            row = next(ln for ln in s.splitlines() if "Left (1)" in ln)
            contains(row, "Right (2)")
            t.resize(80, 30)
            time.sleep(0.3)
            s = t.wait_for("Right (2)")
            check(not any("Left (1)" in ln and "Right (2)" in ln for ln in s.splitlines()), s)


def test_placement_ba_and_1_stores_b():
    """The placement is a hash of sample and annotator: over 16 pairs some
    are shown b on the left; pressing 1 there stores b, with 'ba'."""
    with Workdir() as w:
        setup(w, n=16)
        seen = set()
        with screen(w, size=(80, 24)) as t:
            for i in range(16):
                s = t.wait_for(f"pair p{i}")
                left = left_candidate(s, 80)
                seen.add(left)
                t.keys("1")
                eq(wait_pref(w, f"p{i}"), ("accepted", left, place(left), None, None))
            t.wait_for("Nothing left")
        eq(seen, {"a", "b"})
        # the same annotator sees the same placement again (a deterministic hash)
        first = w.sql("SELECT s.ext_id, d.placement FROM decisions d JOIN samples s "
                      "ON s.id = d.sample_id ORDER BY s.id")
        w.run("decide", "--annotator", "tester", "--undo")
        with screen(w, size=(80, 24)) as t:
            s = t.wait_for("pair p15")
            eq(place(left_candidate(s, 80)), first[-1][1])


def test_two_annotators_in_overlap_decide_the_same_pair():
    with Workdir() as w:
        setup(w, n=2)
        for who in ("ann", "bob"):
            with screen(w, "--overlap", "2", annotator=who) as t:
                for i in range(2):
                    s = t.wait_for(f"pair p{i}")
                    left = left_candidate(s, 80)
                    t.keys("1")
                    eq(wait_pref(w, f"p{i}", who), ("accepted", left, place(left), None, None))
                t.wait_for("Nothing left")
        eq(w.sql("SELECT count(*) FROM decisions WHERE pref IS NOT NULL GROUP BY sample_id"),
           [(2,), (2,)])
        r = w.run("stats", "--pairs")
        eq(r.code, 0, r)


def test_hostile_candidates_are_inert():
    with Workdir() as w:
        evil = "\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\x1b[0m \u202egnp.exe \x9b31m"
        setup(w, n=1, good="Good answer {i} " + evil, bad="Bad answer {i} " + evil)
        for size in SIZES:
            with screen(w, size=size) as t:
                t.wait_for("pair p0")
                t.wait_for("^[[2J")
                t.keys("d")
                time.sleep(0.2)
                raw = t.screen_escapes()
                check("\x1b]" not in raw and "\x9b" not in raw, raw)
                contains(t.screen(), "<U+202E>")
                t.keys("q")
                title = subprocess.run(["tmux", "-L", t.sock, "display", "-p", "#{pane_title}"],
                                       capture_output=True, text=True).stdout
                check("pwned" not in title)


def test_pair_session_under_valgrind():
    """No invalid access and no leak through every pair key, the diff, the
    editor and a hostile candidate (the plain build; an ASan build cannot
    run valgrind)."""
    if sanitized_build():
        return
    with Workdir() as w:
        evil = "\x1b]0;pwned\x07\u202e \x9b31m"
        setup(w, n=6, good="Good answer {i} " + evil)
        log = os.path.join(w.path, "vg-%p.log")
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s',
               "valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
               "--show-leak-kinds=definite", "--error-exitcode=99", f"--log-file={log}",
               BIN, "--db", w.db, "review", "--order", "import"]
        with Tmux(cmd, width=160, height=40, env={"ASSAY_ANNOTATOR": "tester", "HOME": w.path,
                                                 "XDG_CONFIG_HOME": w.path,
                                                 "LANG": "C.UTF-8"}) as t:
            t.wait_for("pair p0", timeout=60)
            for key, shown in (("d", "pair p0"), ("1", "pair p1"), ("2", "pair p2"),
                               ("=", "pair p3"), ("s", "pair p4")):
                t.keys(key)
                t.wait_for(shown, timeout=30)
            t.keys("0")
            t.wait_for("reject: why?", timeout=30)
            t.keys("2")
            t.wait_for("pair p5", timeout=30)
            t.keys("u")
            t.wait_for("undone", timeout=30)
            t.resize(80, 24)
            # the walk is p0..p5, the undo back on p4 in its place: three back to p1
            t.keys("h", "h", "h")
            t.wait_for("pair p1", timeout=30)
            t.keys("e")
            t.wait_for("Ctrl-S save", timeout=30)
            t.keys("End")
            t.keys(" Fixed.", literal=True)
            t.keys("C-s")
            t.wait_for("edited", timeout=30)
            t.keys("?")
            t.wait_for("left better", timeout=30)
            t.keys("q", "q")
            eq(t.wait_exit(timeout=60), 0)
        text = "".join(open(os.path.join(w.path, p)).read() for p in os.listdir(w.path)
                       if p.startswith("vg-"))
        contains(text, "ERROR SUMMARY: 0 errors")
        check("definitely lost: 0 bytes" in text or "definitely lost" not in text, text[-3000:])
