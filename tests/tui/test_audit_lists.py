"""`assay audit`, panel 7 (samples) in tmux: the samples behind the figures
(the conflicts with every verdict, the newest rejections of each reason
with the sample and the reason, the surest automatic decisions), each list
of the --where slice; Enter opens a listed sample's decisions read-only;
hostile ids, reasons and texts inert."""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.dirname(HERE))
from harness import Workdir, check, contains, eq  # noqa: E402
from test_audit import HOSTILE, screen  # noqa: E402
from test_stats import build  # noqa: E402

# (sample, annotator, verdict, reason, ms, day), as the report's test has them
DECISIONS = [(0, "ann", "accepted", None, 1000, 0), (0, "bob", "rejected", "blurry", 1000, 1),
             (1, "ann", "rejected", "blurry", 1000, 0), (2, "ann", "rejected", "blurry", 1000, 1),
             (3, "ann", "rejected", "blurry", 1000, 2), (4, "ann", "rejected", "blurry", 1000, 3),
             (5, "bob", "rejected", "off <topic>", 1000, 0),
             (6, "auto:learned@1", "rejected", "blurry", 1000, 4),
             (7, "auto:learned@1", "rejected", "blurry", 1000, 4),
             (8, "auto:learned@1", "accepted", None, 1000, 4),
             (9, "autox", "rejected", "blurry", 1000, 4)]
SCORES = [(6, "learned", 0.3, 1), (7, "learned", 0.05, 1), (8, "learned", 0.99, 0)]


def fixture(w, decisions=DECISIONS):
    build(w, decisions, models=["m1"] * 5 + ["m2"] * 5, scores=SCORES)


def line_of(s, *parts):
    """The screen line holding every part, in that order."""
    for line in s.splitlines():
        at = 0
        for p in parts:
            at = line.find(p, at)
            if at < 0:
                break
            at += len(p)
        else:
            return line
    raise AssertionError(f"no line with {parts!r} in:\n{s}")


def test_samples_panel_lists_conflicts_rejections_and_automatic_decisions():
    with Workdir() as w:
        fixture(w)
        before = w.dump()
        with screen(w, size=(120, 30)) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("7")
            s = t.wait_for("The surest automatic decisions")
            contains(s, "the samples behind the figures")
            contains(s, "Conflicts: 1 sample the annotators disagree on")
            # the conflict with both verdicts and its text, selected first
            check(line_of(s, "s0", "ann=accepted, bob=rejected",
                          "caption number 0 of the set").startswith(">"), s)
            # the newest three of each reason, with the sample, who and the text
            contains(s, "Rejections by reason: the newest 3 of each")
            line_of(s, "blurry", "s9 by autox", "caption number 9 of the set")
            line_of(s, "blurry", "s7 by auto:learned@1")
            line_of(s, "blurry", "s6 by auto:learned@1")
            line_of(s, "off <topic>", "s5 by bob", "caption number 5")
            check("s4 by ann" not in s, s)  # the fourth newest blurry
            # auto: annotators only, the surest first (0.99 and 0.05 before 0.3)
            au = [x for x in s.splitlines() if "P(rejected)" in x]
            eq([x.split()[0].lstrip(">") for x in au], ["s8", "s7", "s6"])
            line_of(au[0], "accepted, P(rejected) 0.010, by auto:learned@1")
            line_of(au[1], "rejected: blurry, P(rejected) 0.950")
            contains(s, "s0: ann=accepted, bob=rejected; Enter shows its decisions read-only")
            # Enter: the conflict's two decisions, read-only
            t.keys("Enter")
            s = t.wait_for("read-only: ann's verdict, 1 of 2")
            contains(s, "the conflict on s0")
            t.keys("l")
            s = t.wait_for("read-only: bob's verdict, 2 of 2")
            contains(s, "rejected: blurry")
            t.keys("q")
            t.wait_for("Conflicts: 1 sample")
            # Down skips the heading to the first rejection; End: the last row
            t.keys("Down")
            s = t.wait_for("s9 by autox; Enter shows its decision read-only")
            check(line_of(s, "blurry", "s9 by autox").startswith(">"), s)
            t.keys("End")
            s = t.wait_for("s6: rejected: blurry, P(rejected) 0.700")
            t.keys("Enter")
            s = t.wait_for("read-only: auto:learned@1's verdict, 1 of 1")
            contains(s, "an automatic decision on s6")
            contains(s, "caption number 6 of the set")
            t.keys("q")
            t.wait_for("The surest automatic decisions")
            t.keys("Home")
            t.wait_for("s0: ann=accepted, bob=rejected")
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(w.dump(), before)


def test_samples_panel_lists_only_the_slice():
    with Workdir() as w:
        fixture(w)
        with screen(w, "--where", 'meta.model = "m1"', size=(120, 30)) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("7")
            s = t.wait_for("No automatic decision here.")
            contains(s, 'where meta.model = "m1"')
            contains(s, "Conflicts: 1 sample")
            line_of(s, "s0", "ann=accepted, bob=rejected")
            eq([x.split(" by ")[0].split()[-1] for x in s.splitlines() if " by ann" in x],
               ["s4", "s3", "s2"])
            check("s5 by bob" not in s and "s9" not in s and "off <topic>" not in s, s)
            t.keys("q")
            eq(t.wait_exit(), 0)
        with screen(w, "--where", "not conflict", size=(120, 30)) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("7")
            s = t.wait_for("No conflicts here.")
            contains(s, "Conflicts: 0 samples")
            # the first selectable row is the newest rejection
            check(line_of(s, "blurry", "s9 by autox").startswith(">"), s)
            t.keys("q")
            eq(t.wait_exit(), 0)


def test_samples_panel_hostile_ids_reasons_and_texts_are_inert():
    with Workdir() as w:
        fixture(w, DECISIONS + [(1, "bob", "rejected", HOSTILE, 1000, 5)])
        import sqlite3
        con = sqlite3.connect(w.db)
        con.execute("UPDATE samples SET stored_text = ?, text_len = NULL, ext_id = ?"
                    " WHERE ext_id = 's1'",
                    (HOSTILE + " text", "id-" + HOSTILE))
        con.commit()
        con.close()
        with screen(w, size=(160, 30)) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("7")
            s = t.wait_for("Conflicts: 1 sample")
            time.sleep(0.3)
            raw = t.screen_escapes()
            check("\x1b]" not in raw and "\x1b[31m" not in raw and "\x9b" not in raw, raw)
            contains(s, "evil ^[[31mRED^[]0;pwned^G <U+202E>eman")
            line_of(s, "id-evil ^[[31mRED", "by bob", "evil ^[[31mRED")
            t.keys("q")
            eq(t.wait_exit(), 0)


def test_samples_panel_at_80x24_and_40x12():
    with Workdir() as w:
        fixture(w)
        with screen(w, size=(80, 24)) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("7")
            s = t.wait_for("The surest automatic decisions")
            contains(s, "  1   2   3   4   5   6   7 samples")  # the others by digit
            line_of(s, "s0", "ann=accepted")
            t.resize(40, 12)
            s = t.wait_for(" 7 samples")
            check(line_of(s, "s0").startswith(">"), s)
            for _ in range(6):
                t.keys("Down")
            s = t.wait_for("P(rejected)")  # the list scrolled to the automatic decisions
            check("Conflicts" not in s, s)
            t.keys("q")
            eq(t.wait_exit(), 0)
