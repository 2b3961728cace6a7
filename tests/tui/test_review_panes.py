"""The review screen's layout by the room there is, in a real terminal
(tmux) at 80x24 and 200x60: the scroll position below the text, every
score and the combined one, metadata wrapped and shown in full (i), the
text at a readable measure with the panes beside it on a wide screen."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402

WORDS = " ".join(f"word{i}" for i in range(260))
# repeated sentences, too long, no full stop: repetition, length and
# truncation flag it
LONG = "A grey heron stands in shallow water near the reeds. " * 4 + WORDS + " and the end is here"
URI = "https://example.org/" + "x" * 150 + "/END-OF-URI"
INSTRUCTION = "Summarise the following article in three sentences. " * 6 + "LAST-WORDS"
SCORERS = ("repetition", "truncation", "length", "artifacts", "charset", "gopher", "hedging",
           "neardup")


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


def setup(w, text=LONG):
    recs = [json.dumps({"id": "s0", "caption": text, "logprob": -0.4,
                        "meta": {"model": "m1", "source": URI, "instruction": INSTRUCTION}}),
            json.dumps({"id": "s1", "caption": "A swan glides. A heron waits.",
                        "meta": {"model": "m2"}})]
    r = w.run("import", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
    eq(r.code, 0, r)


def screen(w, size=(80, 24), env=None):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    e.update(env or {})
    # a shell keeps the pane a moment after the program exits
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
           "--order", "import"]
    return Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)


def rows(s):
    return s.splitlines()


def test_the_scroll_position_is_drawn_below_the_text_not_over_it():
    with Workdir() as w:
        setup(w, text=LONG + " " + " ".join(f"more{i}" for i in range(900)))
        for size in ((80, 24), (200, 60)):
            with screen(w, size=size) as t:
                s = settled(t, "lines (j/k)")
                pos = [r for r in rows(s) if "lines (j/k)" in r]
                eq(len(pos), 1, s)
                # on the rule under the text: no word of the text shares its row
                check("\u2500" in pos[0] and "word" not in pos[0], s)
                t.keys("q")
                t.wait_exit()


def test_every_score_and_the_combined_one_at_200x60():
    with Workdir() as w:
        setup(w)
        quality = w.sql("SELECT quality FROM samples JOIN sample_quality ON sample_id = id WHERE ext_id = 's0'")[0][0]
        with screen(w, size=(200, 60)) as t:
            s = settled(t, "s0  (b)")
            s = settled(t, "neardup")
            for name in SCORERS:
                contains(s, name)
            contains(s, f"quality      {quality:.2f}  combined score")
            contains(s, "logprob: -0.4")
            check("more:" not in s, s)
            # flagged first: every "!" row comes before the first unflagged one
            marks = [r.split("\u2502")[-1].strip()[:1] for r in rows(s)
                     if any(f" {n} " in r for n in SCORERS)]
            check("!" in marks and "".join(marks).rstrip(" ").count("!") == marks.count("!")
                  and marks.index("!") == 0, marks)


def test_at_80x24_what_is_folded_is_said():
    with Workdir() as w:
        setup(w)
        with screen(w, size=(80, 24)) as t:
            s = settled(t, "more:")
            m = re.search(r"\+(\d+) more: (.*) \(i: all in full\)", s)
            check(m, s)
            # the flagged ones are shown, the text keeps its rows
            for name in ("repetition", "truncation", "length"):
                contains(s, f"! {name}")
            contains(s, "A grey heron stands")


def test_metadata_values_wrap_and_i_shows_every_field_in_full():
    with Workdir() as w:
        setup(w)
        with screen(w, size=(200, 60)) as t:
            s = settled(t, "meta.source:")
            # the whole URI over the rows of its value
            value = s.split("meta.source:")[1].split("example.org/")[1].split("meta.instruction")[0]
            eq("".join(re.findall(r"x+", value)), "x" * 150)
            contains(s, "/END-OF-URI")
        with screen(w, size=(80, 24)) as t:
            t.wait_for("s0  (b)")
            t.keys("i")
            s = settled(t, "s0: scores, metadata and notes in full")
            n = w.sql("SELECT count(*) FROM scores JOIN samples ON samples.id = sample_id"
                      " WHERE ext_id = 's0'")[0][0]
            contains(s, f"scores ({n + 1})")  # and the combined one
            t.keys("End")
            s = settled(t, "LAST-WORDS")
            contains(s, "/END-OF-URI")
            t.keys("q")
            t.wait_gone("notes in full")
            t.wait_for("a accept")
            t.keys("a")  # the review goes on
            t.wait_for("s1  (b)")


def test_the_text_wraps_at_the_measure_and_the_panes_go_beside_it():
    with Workdir() as w:
        setup(w)
        with screen(w, size=(200, 60)) as t:
            s = settled(t, "neardup")
            text_rows = [r for r in rows(s) if "word1" in r]
            check(text_rows, s)
            for r in text_rows:
                left = r.split("\u2502")[0].rstrip()
                check(len(left) <= 101, r)
            # the scores beside the text, on its rows
            check(any("heron" in r and "! repetition" in r for r in rows(s)), s)
        w.file("assay.conf", "[review]\nmeasure = 60\n")
        with screen(w, size=(200, 60)) as t:
            s = settled(t, "neardup")
            for r in rows(s):
                if "word1" in r:
                    check(len(r.split("\u2502")[0].rstrip()) <= 61, r)
        with screen(w, size=(80, 24)) as t:
            s = settled(t, "s0  (b)")
            check(max(len(r.rstrip()) for r in rows(s)) <= 80, s)
        w.file("assay.conf", "[review]\nmeasure = 5\n")
        with screen(w) as t:
            t.wait_for("review.measure")
            check(t.wait_exit() != 0, t.screen())


def test_hostile_metadata_is_inert_in_the_panes_and_in_full():
    with Workdir() as w:
        evil = "\x1b]0;pwned\x07\x1b[2J\u202e" + "y" * 200 + "\x1b]52;c;ZXZpbA==\x07END"
        recs = [json.dumps({"id": "s0", "caption": "A calm lake.", "meta": {"note": evil}})]
        eq(w.run("import", "--batch", "b", w.file("h.jsonl", "\n".join(recs))).code, 0)
        for size in ((80, 24), (200, 60)):
            with screen(w, size=size) as t:
                s = settled(t, "^[]0;pwned^G")
                raw = t.screen_escapes()
                check("\x1b]" not in raw and "\u202e" not in s, raw)
                t.keys("i")
                t.wait_for("notes in full")
                t.keys("End")
                s = settled(t, "^GEND")
                flat = "".join(r.strip() for r in rows(s))  # a value wraps over rows
                contains(flat, "^[]0;pwned^G^[[2J<U+202E>yyy")
                contains(flat, "y^[]52;c;ZXZpbA==^GEND")
                raw = t.screen_escapes()
                check("\x1b]" not in raw and "\u202e" not in s, raw)
                t.keys("q")
                t.keys("q")
                t.wait_exit()
