"""The context pane on the review screen, in a real terminal (tmux) at
80x24 and 200x60: what a sample answers (its instruction and input, or a
conversation's earlier turns) above the text, each part labelled, in at
most a third of the rows, scrolled on J/K, folded by c; none without a
context; hostile bytes in it drawn as placeholders."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq  # noqa: E402

LONG_INSTR = ("Summarise the article below in three sentences for a reader who has"
              " not seen it. ") * 30 + "INSTR-END"
INPUT = "The heron waited in the reeds. " * 3 + "INPUT-END"
SIZES = ((80, 24), (200, 60))


def settled(t, text, timeout=10.0):
    s = t.wait_for(text, timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        again = t.screen()
        if again == s and text in s:
            return s
        s = again
    return t.wait_for(text, 0.1)


def setup(w):
    recs = [
        {"id": "t0", "instruction": LONG_INSTR, "input": INPUT,
         "output": "A heron waited. It caught a fish. RESPONSE-TEXT"},
        {"id": "t1", "messages": [
            {"role": "system", "content": "You are a terse tutor."},
            {"role": "user", "content": "What is 2 + 4?"},
            {"role": "assistant", "content": "6"},
            {"role": "user", "content": "And 3 + 5?"},
            {"role": "assistant", "content": "Eight. CHAT-ANSWER"}]},
        {"id": "t2", "instruction": "Say \x1b]0;pwned\x07\x1b[2J hi \u202e", "input": "",
         "output": "hi HOSTILE-ANSWER"},
    ]
    r = w.run("import", "--no-score", "--batch", "b",
              w.file("t.jsonl", "\n".join(json.dumps(x) for x in recs)))
    eq(r.code, 0, r)
    r = w.run("import", "--no-score", "--batch", "c",
              w.file("c.jsonl", json.dumps({"id": "c0", "caption": "A swan. PLAIN-CAPTION"})))
    eq(r.code, 0, r)


def screen(w, size, *args):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
           "--order", "import", *args]
    return Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)


def row_of(s, text):
    for i, r in enumerate(s.splitlines()):
        if text in r:
            return i
    raise AssertionError(f"{text!r} not on screen:\n{s}")


def test_the_context_is_above_the_text_labelled_and_at_most_a_third():
    for size in SIZES:
        with Workdir() as w:
            setup(w)
            with screen(w, size, "--batch", "b") as t:
                s = settled(t, "RESPONSE-TEXT")
                # labelled, above the text, its rule between them
                check(row_of(s, "instruction: Summarise") < row_of(s, "RESPONSE-TEXT"), s)
                rule = row_of(s, "(J/K, c folds)")
                check(rule < row_of(s, "RESPONSE-TEXT"), s)
                # at most a third of the rows under the header (row 1)
                check(rule - 2 <= (size[1] - 4) // 3, (rule, s))
                m = re.search(r"context 1-(\d+) of (\d+) lines", s)
                check(m and int(m.group(1)) < int(m.group(2)), s)
                check("INPUT-END" not in s, s)
                # J scrolls the context alone, to its end; K back
                for _ in range(int(m.group(2))):
                    t.keys("J")
                s = settled(t, "INPUT-END")
                contains(s, "input: The heron")
                contains(s, "RESPONSE-TEXT")
                check(f"of {m.group(2)} lines" in s and "context 1-" not in s, s)
                for _ in range(int(m.group(2))):
                    t.keys("K")
                s = settled(t, "context 1-")
                contains(s, "instruction: Summarise")
                t.keys("q")
                t.wait_exit()


def test_c_folds_the_context_to_one_line_and_shows_it_again():
    for size in SIZES:
        with Workdir() as w:
            setup(w)
            with screen(w, size, "--batch", "b") as t:
                settled(t, "instruction: Summarise")
                t.keys("c")
                words = len(LONG_INSTR.split()) + len(INPUT.split())
                s = settled(t, f"context: 2 fields, {words} words \u2014 c to show")
                check("instruction: Summarise" not in s, s)
                # the text moves up under the one line
                eq(row_of(s, "c to show") + 1, row_of(s, "RESPONSE-TEXT"))
                t.keys("J")  # folded: J says so, does nothing
                settled(t, "the context is folded")
                # folding holds for the next sample: a conversation
                t.keys("a")
                s = settled(t, "context: 4 turns, ")
                contains(s, "CHAT-ANSWER")
                t.keys("c")
                s = settled(t, "system: You are a terse tutor.")
                check(row_of(s, "system:") < row_of(s, "user: What is 2 + 4?")
                      < row_of(s, "assistant: 6") < row_of(s, "user: And 3 + 5?")
                      < row_of(s, "CHAT-ANSWER"), s)
                t.keys("q")
                t.wait_exit()


def test_a_conversation_s_roles_are_told_apart_by_the_theme():
    with Workdir() as w:
        setup(w)
        with screen(w, (80, 24), "--batch", "b") as t:
            t.wait_for("t0  (b)")
            t.keys("a")
            settled(t, "assistant: 6")
            raw = t.screen_escapes()

            def style(label):
                line = next(r for r in raw.splitlines() if label in r)
                return line[:line.index(label)].rsplit("\x1b[", 1)[-1]
            check(style("user:") != style("assistant:"), raw)
            check(style("system:") != style("user:"), raw)


def test_a_sample_without_context_shows_no_pane():
    with Workdir() as w:
        setup(w)
        for size in SIZES:
            with screen(w, size, "--batch", "c") as t:
                s = settled(t, "PLAIN-CAPTION")
                check("context" not in s, s)
                eq(row_of(s, "c0  (c)") + 1, row_of(s, "PLAIN-CAPTION"))
                t.keys("c")
                settled(t, "this sample has no context")


def test_hostile_bytes_in_the_context_are_inert():
    with Workdir() as w:
        setup(w)
        with screen(w, (80, 24), "--batch", "b") as t:
            t.wait_for("t0  (b)")
            t.keys("a")
            t.wait_for("t1  (b)")
            t.keys("a")
            s = settled(t, "HOSTILE-ANSWER")
            contains(s, "instruction: Say ^[]0;pwned^G^[[2J hi")
            raw = t.screen_escapes()
            check("\x1b]" not in raw and "\x1b[2J" not in raw, raw)


def test_the_editor_s_header_shows_the_context_folded():
    for size in SIZES:
        with Workdir() as w:
            setup(w)
            with screen(w, size, "--batch", "b") as t:
                t.wait_for("t0  (b)")
                t.keys("a")
                settled(t, "CHAT-ANSWER")
                t.keys("e")
                s = settled(t, "Ctrl-S save")
                # the first turns, one row each, the rest counted, above
                # the editor's title
                rs = s.splitlines()
                eq(rs[0].strip(), "system: You are a terse tutor.")
                eq(rs[1].strip(), "user: What is 2 + 4?")
                eq(rs[2].strip(), "+2 more (4 in all)")
                check(row_of(s, "Ctrl-S save") > 2, s)
                t.keys("Escape")
                t.wait_gone("Ctrl-S save")


def conflict(w):
    setup(w)
    for who, verdict in (("ann", "accept"), ("bob", "reject")):
        r = w.run("decide", "--annotator", who, "t0", verdict,
                  *(["--reason", "off topic"] if verdict == "reject" else []))
        eq(r.code, 0, r)


def test_the_conflicts_screen_shows_the_context_above_the_text():
    for size in SIZES:
        with Workdir() as w:
            conflict(w)
            e = {"ASSAY_ANNOTATOR": "lead", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
            cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db,
                   "review", "--conflicts"]
            with Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path) as t:
                s = settled(t, "2 verdicts")
                top = row_of(s, "instruction: Summarise")
                rule = row_of(s, "c folds)")
                check(top == 2 and rule - top <= (size[1] - 3) // 3, s)
                check(rule < row_of(s, "RESPONSE-TEXT"), s)
                for _ in range(40):
                    t.keys("J")
                s = settled(t, "INPUT-END")
                t.keys("c")
                s = settled(t, "c to show")
                check("INPUT-END" not in s, s)
                eq(row_of(s, "context: 2 fields"), 2)
                t.keys("q")
                t.wait_exit()
